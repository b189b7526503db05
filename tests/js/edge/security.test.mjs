// The edge API's guard rails in real workerd (Miniflare): the ops token, CORS only on public
// routes, the per-client rate limit (Workers Rate Limiting binding), and redaction that masks
// configured secrets without touching data.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { startServer } from '../../../scripts/serve.mjs';
import { UNTHROTTLED } from '../support/simulated.mjs';

const OPS_TOKEN = 'ops-token-for-tests-0123456789';
const API_KEY = 'cg-secret-key-for-tests';
const OPS_PATHS = ['/api/v1/metrics', '/api/v1/metrics.json', '/api/v1/history', '/api/v1/alerts', '/api/v1/report', '/api/v1/errors', '/api/v1/config'];

let server;
before(async () => {
  server = await startServer({
    sim: true,
    port: 0,
    env: { ...UNTHROTTLED, OPS_TOKEN, COINGECKO_API_KEY: API_KEY, RETRY_MAX_ATTEMPTS: '1' },
    rateLimit: { limit: 5, period: 60 },
  });
});
after(() => server?.close());

const get = (path, headers = {}) => fetch(new URL(path, server.url), { headers });
// A new client address per call, so the rate limit (5 per minute) only bites where a test wants it.
let clients = 0;
const fresh = () => ({ 'cf-connecting-ip': `198.51.100.${++clients}` });

describe('operational routes', () => {
  test('need the ops token and are never CORS-open', async () => {
    for (const path of OPS_PATHS) {
      const anonymous = await get(path, fresh());
      assert.equal(anonymous.status, 401, path);
      assert.equal(anonymous.headers.get('access-control-allow-origin'), null, path);
      assert.match(anonymous.headers.get('www-authenticate'), /^Bearer/);
      const wrong = await get(path, { authorization: 'Bearer not-the-token', ...fresh() });
      assert.equal(wrong.status, 401, path);
      const allowed = await get(path, { authorization: `Bearer ${OPS_TOKEN}`, ...fresh() });
      assert.equal(allowed.status, 200, `${path}: ${await allowed.text()}`);
      assert.equal(allowed.headers.get('access-control-allow-origin'), null, path);
    }
  });

  test('health and data stay public, with CORS', async () => {
    const health = await get('/api/v1/health');
    assert.equal(health.status, 200);
    assert.equal(health.headers.get('access-control-allow-origin'), '*');
    const price = await get('/api/v1/price?currency=usd', { 'cf-connecting-ip': '203.0.113.50' });
    assert.equal(price.status, 200);
    assert.equal(price.headers.get('access-control-allow-origin'), '*');
  });

  test('the config shows no secret and the token never appears in any body', async () => {
    const config = await (await get('/api/v1/config', { authorization: `Bearer ${OPS_TOKEN}`, 'cf-connecting-ip': '203.0.113.60' })).text();
    assert.ok(!config.includes(API_KEY));
    assert.ok(!config.includes(OPS_TOKEN));
    assert.match(config, /"COINGECKO_API_KEY":"\[redacted\]"/);
  });
});

describe('per-client rate limit', () => {
  test('the sixth data request of one client in a period gets 429 with Retry-After; others and health are unaffected', async () => {
    const client = { 'cf-connecting-ip': '192.0.2.77' };
    for (let i = 0; i < 5; i++) assert.equal((await get('/api/v1/fees', client)).status, 200);
    const limited = await get('/api/v1/fees', client);
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '60');
    assert.equal((await limited.json()).error.category, 'rate_limited');
    assert.equal((await get('/api/v1/fees', { 'cf-connecting-ip': '192.0.2.78' })).status, 200);
    assert.equal((await get('/api/v1/health', client)).status, 200);
  });
});

describe('redaction', () => {
  test('a data value that contains a host name is served unchanged', async () => {
    const host = new URL(server.sim.url).host;
    const classification = `Fear at ${host}`;
    server.sim.setFault('fng.*', {
      kind: 'body',
      body: { name: 'Fear and Greed Index', data: [{ value: '31', value_classification: classification, timestamp: String(Math.floor(Date.now() / 1000)), time_until_update: '3600' }], metadata: { error: null } },
    });
    try {
      const response = await get('/api/v1/sentiment', { 'cf-connecting-ip': '203.0.113.70' });
      const text = await response.text();
      assert.equal(response.status, 200, text);
      assert.equal(JSON.parse(text).classification, classification);
    } finally {
      server.sim.clearFaults();
    }
  });
});
