// scripts/sizes.mjs: the README sizes table comes from the files, and --check catches a stale one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../../../scripts/sizes.mjs', import.meta.url));
const START = '<!-- sizes:start (node scripts/sizes.mjs) -->';
const END = '<!-- sizes:end -->';

test('rewrites only the table between the markers, with raw and gzip -9 bytes; --check tells stale from current', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ltl-sizes-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'bitcoin-ltl.wasm'), Buffer.alloc(5000, 7)); // compresses to a few dozen bytes
  await writeFile(join(dir, 'bitcoin-ltl.mjs'), 'x'.repeat(1234));
  const readme = join(dir, 'README.md');
  await writeFile(readme, `# Sizes\nbefore\n${START}\n| stale | 1 B | 1 B |\n${END}\nafter\n`);
  const args = ['--readme', readme, '--dist', dir];

  const stale = await run(process.execPath, [SCRIPT, '--check', ...args]).catch((e) => e);
  assert.equal(stale.code, 1);
  assert.match(stale.stderr, /sizes table is stale/);

  await run(process.execPath, [SCRIPT, ...args]);
  const text = await readFile(readme, 'utf8');
  const rows = text.split('\n').filter((line) => line.startsWith('| `'));
  assert.equal(rows.length, 2);
  const [wasmRaw, wasmGzip] = [...rows[0].matchAll(/([\d,]+) B/g)].map((m) => Number(m[1].replaceAll(',', '')));
  assert.equal(wasmRaw, 5000);
  assert.ok(wasmGzip > 0 && wasmGzip < 100, `gzip -9 of 5000 equal bytes: ${wasmGzip}`);
  assert.match(rows[1], /^\| `wasm\/dist\/bitcoin-ltl\.mjs` \(loader\) \| 1,234 B \| \d+ B \|$/);
  assert.ok(text.startsWith('# Sizes\nbefore\n') && text.endsWith(`${END}\nafter\n`), 'the rest of the file is untouched');

  const current = await run(process.execPath, [SCRIPT, '--check', ...args]);
  assert.equal(current.stderr, '');
});

test('a README without the markers or a missing build is a clear error', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ltl-sizes-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const readme = join(dir, 'README.md');
  await writeFile(readme, '# no markers\n');
  const missing = await run(process.execPath, [SCRIPT, '--readme', readme, '--dist', dir]).catch((e) => e);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /bitcoin-ltl\.wasm: missing; expected the WASM build/);
  await writeFile(join(dir, 'bitcoin-ltl.wasm'), 'w');
  await writeFile(join(dir, 'bitcoin-ltl.mjs'), 'm');
  const noMarkers = await run(process.execPath, [SCRIPT, '--readme', readme, '--dist', dir]).catch((e) => e);
  assert.equal(noMarkers.code, 2);
  assert.match(noMarkers.stderr, /expected the markers/);
});
