// Deployable from npm: `npm pack` → a fresh project → `npm install <tarball> wrangler` → the
// shipped wrangler.jsonc → `wrangler deploy --dry-run` bundles the front worker, the coordinator
// Durable Object, the .wasm and the dashboard's assets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const WRANGLER_VERSION = createRequire(import.meta.url)('wrangler/package.json').version;

test('a fresh project builds the worker with the shipped wrangler.jsonc', { timeout: 240_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ltl-wrangler-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: REPO });
  const tarball = join(dir, JSON.parse(stdout)[0].filename);
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'ltl-deploy', private: true }));
  // The npm cache holds wrangler already (npm ci of this repository put it there).
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, `wrangler@${WRANGLER_VERSION}`], {
    cwd: dir,
    maxBuffer: 16 << 20,
  });
  await copyFile(join(dir, 'node_modules/bitcoin-ltl/web/edge/wrangler.jsonc'), join(dir, 'wrangler.jsonc'));
  const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true', NO_COLOR: '1' };
  const build = await run(join(dir, 'node_modules/.bin/wrangler'), ['deploy', '--dry-run', '--outdir', 'dist'], { cwd: dir, env, maxBuffer: 16 << 20 });
  assert.match(build.stdout + build.stderr, /--dry-run: exiting now/);
  const files = await readdir(join(dir, 'dist'));
  const wasm = files.filter((name) => name.endsWith('.wasm'));
  assert.equal(wasm.length, 1, `one .wasm module in ${files.join(', ')}`);
  assert.ok((await stat(join(dir, 'dist', wasm[0]))).size > 100_000);
  const bundle = await readFile(join(dir, 'dist', 'worker.js'), 'utf8');
  assert.match(bundle, /export \{[^}]*\bLtlCoordinator\b[^}]*\}/, 'the coordinator class is exported for its binding');
  assert.ok(files.some((name) => name.endsWith('uPlot.iife.min.js')), 'the vendored uPlot ships as a text module');
  assert.ok(files.some((name) => name.endsWith('dashboard.js')), 'the dashboard ships as a text module');
  assert.ok(files.some((name) => name.endsWith('performance.js')), 'and so do the modules it imports');
  assert.ok(!bundle.includes('node_modules/uplot'), 'no path into node_modules');
});
