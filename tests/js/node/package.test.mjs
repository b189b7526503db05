// What `npm pack` ships: files, entry points with their types, links that resolve inside the package.
// hosts.test.mjs installs the packed package and uses it from every host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../../', import.meta.url));

test('npm pack ships the entry, types, wasm, adapter and simulator, and nothing of the sources', async () => {
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO });
  const files = JSON.parse(stdout)[0].files.map((f) => f.path);
  for (const required of ['package.json', 'README.md', 'web/index.js', 'web/index.d.ts', 'web/xhr-fetch.js',
    'web/edge/worker.js', 'web/realtime.js', 'web/storage/index.js', 'web/storage/indexeddb.js',
    'wasm/dist/bitcoin-ltl.mjs', 'wasm/dist/bitcoin-ltl.wasm', 'wasm/dist/catalogue.js', 'scripts/simulator/index.mjs', 'scripts/simulator/websocket.mjs',
    'scripts/simulator/index.d.ts', 'scripts/simulator/cli.mjs', 'LICENSE']) {
    assert.ok(files.includes(required), `${required} missing from the package`);
  }
  assert.deepEqual(files.filter((f) => /^(src|tests|build|node_modules)\//.test(f)), []);
});

test('every export, types entry and bin of package.json is a file in the package', async () => {
  const manifest = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8'));
  const files = await packedFiles();
  const targets = [manifest.main, manifest.types, ...Object.values(manifest.bin ?? {})];
  for (const entry of Object.values(manifest.exports)) targets.push(...(typeof entry === 'string' ? [entry] : Object.values(entry)));
  for (const target of targets) assert.ok(files.includes(target.replace(/^\.\//, '')), `${target} is not in the package`);
  for (const [subpath, entry] of Object.entries(manifest.exports)) {
    if (/\.js$|\.mjs$/.test(typeof entry === 'string' ? entry : entry.default)) {
      assert.equal(typeof entry, 'object', `exports["${subpath}"] has no types`);
      assert.ok(entry.types, `exports["${subpath}"] has no types`);
    }
  }
});

// Relative links must work on the repository and in node_modules/bitcoin-ltl alike: only to packed files.
test('README links point only at files in the package (others are repository paths, not links)', async () => {
  const files = await packedFiles();
  for (const doc of ['README.md', 'scripts/simulator/README.md']) {
    const markdown = await readFile(join(REPO, doc), 'utf8');
    const links = [...markdown.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((href) => !/^[a-z]+:|^#/.test(href));
    for (const href of links) {
      const target = posix.normalize(posix.join(posix.dirname(doc), href.split('#')[0]));
      assert.ok(files.includes(target), `${doc} links ${href}, which is not in the package`);
    }
  }
});

async function packedFiles() {
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO });
  return JSON.parse(stdout)[0].files.map((f) => f.path);
}
