// The npm package as users get it: packed, unpacked into a fresh node_modules, imported by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../../', import.meta.url));

test('npm pack ships the entry, types, wasm, adapter and simulator, and nothing of the sources', async () => {
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO });
  const files = JSON.parse(stdout)[0].files.map((f) => f.path);
  for (const required of ['package.json', 'README.md', 'web/index.js', 'web/index.d.ts', 'web/xhr-fetch.js',
    'web/edge/worker.js', 'web/realtime.js', 'web/storage/index.js', 'web/storage/indexeddb.js',
    'wasm/dist/bitcoin-ltl.mjs', 'wasm/dist/bitcoin-ltl.wasm', 'scripts/simulator/index.mjs', 'scripts/simulator/websocket.mjs']) {
    assert.ok(files.includes(required), `${required} missing from the package`);
  }
  assert.deepEqual(files.filter((f) => /^(src|tests|build|node_modules)\//.test(f)), []);
});

test('the packed package imports by name in a clean project and answers a price', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ltl-pack-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: REPO });
  const tarball = join(dir, JSON.parse(stdout)[0].filename);
  const target = join(dir, 'node_modules', 'bitcoin-ltl');
  await mkdir(target, { recursive: true });
  await run('tar', ['-xzf', tarball, '-C', target, '--strip-components=1']);
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module', private: true }));
  await writeFile(join(dir, 'main.mjs'), `
    import { createClient, LtlError } from 'bitcoin-ltl';
    import { startSimulator } from 'bitcoin-ltl/simulator';
    const sim = await startSimulator({ seed: 3 });
    const ltl = await createClient({ COINGECKO_API_URL: sim.baseUrls.COINGECKO_API_URL });
    const quote = await ltl.price('eur');
    const error = await ltl.price('nope').catch((e) => e);
    console.log(JSON.stringify({ source: quote.source, currency: quote.currency, positive: quote.price > 0,
      typed: error instanceof LtlError, category: error.category }));
    ltl.close();
    await sim.close();
  `);
  const result = await run(process.execPath, ['main.mjs'], { cwd: dir });
  assert.deepEqual(JSON.parse(result.stdout.trim()),
    { source: 'coingecko', currency: 'eur', positive: true, typed: true, category: 'validation' });
});
