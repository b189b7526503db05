#!/usr/bin/env node
// Measures the shipped WASM build and rewrites the README's sizes table between its markers, so
// the numbers come from the files, never from hand.
//   node scripts/sizes.mjs            rewrite README.md from wasm/dist/ (run after `bash scripts/build.sh wasm`)
//   node scripts/sizes.mjs --check    exit 1 when the README's table differs from the files
//   --readme <path> --dist <dir>      other locations (tests)
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';

const REPO = fileURLToPath(new URL('..', import.meta.url));
export const START = '<!-- sizes:start (node scripts/sizes.mjs) -->';
export const END = '<!-- sizes:end -->';
const FILES = [
  ['bitcoin-ltl.wasm', '`wasm/dist/bitcoin-ltl.wasm`'],
  ['bitcoin-ltl.mjs', '`wasm/dist/bitcoin-ltl.mjs` (loader)'],
];

const bytes = (n) => `${n.toLocaleString('en-US')} B`;

/** The table (with its markers) for the files in `dist`: raw and gzip -9 bytes. */
export async function sizesTable(dist) {
  const rows = [];
  for (const [file, label] of FILES) {
    const path = join(dist, file);
    const info = await stat(path).catch(() => null);
    if (!info) throw new Error(`${path}: missing; expected the WASM build (bash scripts/build.sh wasm)`);
    const gzipped = gzipSync(await readFile(path), { level: 9 }).length;
    rows.push(`| ${label} | ${bytes(info.size)} | ${bytes(gzipped)} |`);
  }
  return [START, '| file | raw | gzip -9 |', '|---|---|---|', ...rows, END].join('\n');
}

/** `markdown` with the text between the markers replaced by `table`. */
export function replaceTable(markdown, table, where = 'README') {
  const start = markdown.indexOf(START);
  const end = markdown.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${where}: expected the markers ${START} … ${END}`);
  return markdown.slice(0, start) + table + markdown.slice(end + END.length);
}

async function main() {
  const { values } = parseArgs({
    options: { check: { type: 'boolean' }, readme: { type: 'string' }, dist: { type: 'string' } },
  });
  const readme = values.readme ?? join(REPO, 'README.md');
  const dist = values.dist ?? join(REPO, 'wasm/dist');
  const markdown = await readFile(readme, 'utf8');
  const updated = replaceTable(markdown, await sizesTable(dist), readme);
  if (values.check) {
    if (updated !== markdown) {
      console.error(`${readme}: the sizes table is stale; run node scripts/sizes.mjs`);
      process.exitCode = 1;
    }
    return;
  }
  if (updated !== markdown) await writeFile(readme, updated);
  console.log((await sizesTable(dist)).split('\n').slice(1, -1).join('\n'));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error) => {
    console.error(error.message);
    process.exitCode = 2;
  });
}
