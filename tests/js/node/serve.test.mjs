// `bitcoin-ltl serve`: the Node server as users start it (the package's bin, a real process),
// against the upstream simulator: the shared HTTP layer's behaviour, access log, graceful shutdown.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';

import { startSimulator } from '../../../scripts/simulator/index.mjs';
import { serve as startServe } from '../support/serve.mjs';
import { UNTHROTTLED } from '../support/simulated.mjs';

const PRICE_ROUTE = 'coingecko.simple_price';
const OPS_TOKEN = 'node-ops-token-0123456789';

let sim;
before(async () => {
  sim = await startSimulator({ seed: 5 });
});
after(() => sim?.close());

const serve = (env = {}, args = []) =>
  startServe({ ...sim.baseUrls, ...UNTHROTTLED, RETRY_MAX_ATTEMPTS: '1', CACHE_REFRESH_AHEAD_PCT: '0', ...env }, args);

describe('bitcoin-ltl serve', () => {
  let server;
  before(async () => {
    server = await serve({ OPS_TOKEN }, ['--log']);
  });
  after(async () => {
    server.child.kill('SIGTERM');
    await once(server.child, 'exit');
  });
  const get = (path, headers) => fetch(new URL(path, server.url), { headers });

  test('serves data with the shared layer: ETag/304, canonical keys, one upstream call', async () => {
    sim.resetCounts();
    const first = await get('/api/v1/price?currency=JPY');
    assert.equal(first.status, 200);
    const body = await first.json();
    assert.equal(body.currency, 'jpy');
    const etag = first.headers.get('etag');
    assert.match(first.headers.get('cache-control'), /^public, max-age=\d+/);
    const second = await get('/api/v1/price?&currency=jpy', { 'if-none-match': etag });
    assert.equal(second.status, 304);
    assert.equal(sim.counts().routes[PRICE_ROUTE], 1);
    assert.equal((await get('/api/v1/price?currency=jpy&x=1')).status, 400);
  });

  test('operational routes need the ops token; health and the dashboard are public', async () => {
    assert.equal((await get('/api/v1/metrics')).status, 401);
    const metrics = await get('/api/v1/metrics', { authorization: `Bearer ${OPS_TOKEN}` });
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /^# TYPE ltl_/m);
    assert.equal((await get('/api/v1/health')).status, 200);
    const page = await get('/');
    assert.equal(page.status, 200);
    assert.match(await page.text(), /id="price"/);
    assert.equal((await get('/assets/uplot.js')).status, 200);
    // The dashboard's entry and the modules it imports, from the package's files.
    const view = await get('/dashboard/performance.js');
    assert.equal(view.status, 200);
    assert.equal(view.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.match(await view.text(), /export function renderReport/);
  });

  test('remembers a failing route for NEGATIVE_CACHE_MS', async () => {
    sim.setFault('fng.*', { kind: 'status', status: 500 });
    try {
      sim.resetCounts();
      assert.equal((await get('/api/v1/sentiment')).status, 503);
      const calls = sim.counts().routes['fng.fng'];
      for (let i = 0; i < 5; i++) assert.equal((await get('/api/v1/sentiment')).status, 503);
      assert.equal(sim.counts().routes['fng.fng'], calls);
    } finally {
      sim.clearFaults();
    }
  });

  test('--log writes one access line per request', async () => {
    await get('/api/v1/health');
    assert.match(server.output(), /GET \/api\/v1\/health 200 \d+\.\dms/);
  });
});

test('SIGTERM during an in-flight request: the request completes, then the process exits 0', async () => {
  const server = await serve();
  sim.setFault(PRICE_ROUTE, { kind: 'latency', ms: 800 });
  try {
    const pending = fetch(new URL('/api/v1/price?currency=cad', server.url));
    await new Promise((resolve) => setTimeout(resolve, 200));
    server.child.kill('SIGTERM');
    const response = await pending;
    assert.equal(response.status, 200);
    assert.equal((await response.json()).currency, 'cad');
    const [code] = await once(server.child, 'exit');
    assert.equal(code, 0);
  } finally {
    sim.clearFaults();
  }
});
