// The package itself in a real browser page: web/index.js loads the .wasm over
// HTTP and emscripten_fetch uses Chromium's native XMLHttpRequest.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

import { startSimulator } from '../../../scripts/simulator/index.mjs';
import { launchChromium } from '../support/chromium.mjs';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };
const PAGE = `<!doctype html><meta charset="utf-8"><title>bitcoin-ltl package test</title>
<script type="module">
  import { createClient, LtlError } from '/web/index.js';
  window.run = async (config) => {
    const ltl = await createClient(config);
    try {
      const first = await ltl.price('usd');
      const second = await ltl.price('usd');
      const invalid = await ltl.price('xyz').catch((e) => ({ isLtlError: e instanceof LtlError, ...e.toJSON().error, httpStatus: e.httpStatus }));
      return { first, second, invalid, nativeXhr: typeof XMLHttpRequest === 'function', health: await ltl.health() };
    } finally {
      ltl.close();
    }
  };
  window.ready = true;
</script>`;

let sim;
let server;
let browser;

// Serves the page and the package files; /upstream/* is forwarded to the simulator so the page
// reaches CoinGecko's simulated API same-origin (the real CoinGecko sends no CORS headers).
function startStaticServer() {
  const srv = http.createServer(async (req, res) => {
    const { pathname, search } = new URL(req.url, 'http://localhost');
    if (pathname === '/') return res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    if (pathname.startsWith('/upstream/')) {
      const upstream = await fetch(`${sim.url}${pathname.slice('/upstream'.length)}${search}`);
      const headers = Object.fromEntries(upstream.headers);
      delete headers['content-encoding'];
      delete headers['content-length'];
      return res.writeHead(upstream.status, headers).end(Buffer.from(await upstream.arrayBuffer()));
    }
    if (!/^\/(web|wasm\/dist)\/[\w./-]+$/.test(pathname) || pathname.includes('..')) return res.writeHead(404).end();
    try {
      const body = await readFile(REPO + pathname.slice(1));
      res.writeHead(200, { 'content-type': TYPES[extname(pathname)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve(srv)));
}

before(async () => {
  sim = await startSimulator({ seed: 11 });
  server = await startStaticServer();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.close();
  await sim?.close();
});

test('createClient + price() in Chromium through native XHR, second call cached', async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  try {
    const origin = `http://127.0.0.1:${server.address().port}`;
    await page.goto(origin + '/');
    await page.waitForFunction(() => window.ready === true);
    const result = await page.evaluate((url) => window.run({ COINGECKO_API_URL: url }), `${origin}/upstream/coingecko/api/v3`);

    assert.equal(result.nativeXhr, true);
    assert.equal(result.first.source, 'coingecko');
    assert.ok(result.first.price > 0);
    assert.equal(result.second.price, result.first.price);
    assert.equal(result.second.expires_at, result.first.expires_at);
    assert.equal(sim.counts().routes['coingecko.simple_price'], 1);
    assert.deepEqual(
      { isLtlError: result.invalid.isLtlError, category: result.invalid.category, httpStatus: result.invalid.httpStatus },
      { isLtlError: true, category: 'validation', httpStatus: 400 });
    assert.equal(result.health.status, 'healthy');
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});
