// Runs a benchmark against other builds of the module, side by side: for each dist directory
// (a bitcoin-ltl.{mjs,wasm} pair, e.g. built with other exception or allocator flags), a temporary
// copy of the package with that build in wasm/dist runs the script; rows are prefixed with the
// build's name. Used for docs/benchmarks.md §6.
//   node bench/variants.mjs --script=bench/request-bench.mjs name=dir [name=dir ...] [-- script args]
import { parseArgs } from 'node:util';
import { cp, mkdtemp, rm, symlink, copyFile, stat } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const argv = process.argv.slice(2);
const split = argv.indexOf('--');
const { values, positionals } = parseArgs({ args: split < 0 ? argv : argv.slice(0, split), options: { script: { type: 'string' } }, allowPositionals: true });
const builds = positionals.map((arg) => {
  const [name, dir] = arg.split('=');
  if (!name || !dir) throw new Error(`expected name=dir, got ${arg}`);
  return { name, dir: resolve(dir) };
});
const scriptArgs = split < 0 ? [] : argv.slice(split + 1);
if (!values.script || builds.length === 0) throw new Error('usage: --script=<bench script> name=dir [name=dir …] [-- args]');

for (const { name, dir } of builds) {
  const wasm = join(dir, 'bitcoin-ltl.wasm');
  const raw = (await stat(wasm)).size;
  const gzip = gzipSync(readFileSync(wasm), { level: 9 }).length;
  const root = await mkdtemp(join(tmpdir(), 'ltl-variant-'));
  try {
    for (const part of ['web', 'bench', 'scripts', 'package.json']) await cp(join(REPO, part), join(root, part), { recursive: true });
    await symlink(join(REPO, 'node_modules'), join(root, 'node_modules'));
    await cp(join(REPO, 'wasm/dist'), join(root, 'wasm/dist'), { recursive: true }); // catalogue.js and the like
    for (const file of ['bitcoin-ltl.mjs', 'bitcoin-ltl.wasm']) await copyFile(join(dir, file), join(root, 'wasm/dist', file));
    console.log(`\n### ${name}: ${raw.toLocaleString('en-US')} B raw, ${gzip.toLocaleString('en-US')} B gzip -9 (${dir})\n`);
    console.log(execFileSync(process.execPath, [join(root, values.script), ...scriptArgs], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] }).toString());
  } catch (err) {
    process.exitCode = 1; // the other builds still run
    console.log(`${name}: the script failed (${String(err.message).split('\n')[0]})`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
