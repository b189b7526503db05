// The edge worker in real workerd (Miniflare), against the upstream simulator.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../../../scripts/serve.mjs';

const PRICE_ROUTE = 'coingecko.simple_price';
const API_KEY = 'secret-test-key';
const TTL_MS = 5000;
const ERROR_FIELDS = ['category', 'severity', 'retryable', 'provider', 'operation', 'message', 'upstream_status'];

let server;

before(async () => {
  server = await startServer({
    sim: true,
    port: 0,
    env: { COINGECKO_API_KEY: API_KEY, CACHE_DEFAULT_TTL: String(TTL_MS) },
  });
});

after(() => server?.close());

async function request(path, init, base = server.url) {
  const response = await fetch(new URL(path, base), init);
  const text = await response.text();
  return { response, text, headers: response.headers, status: response.status };
}

async function requestJson(path, init, base) {
  const result = await request(path, init, base);
  assert.match(result.headers.get('content-type'), /^application\/json; charset=utf-8$/);
  return { ...result, body: JSON.parse(result.text) };
}

function priceRequests() {
  return server.sim.counts().routes[PRICE_ROUTE] ?? 0;
}

/** Neither the API key nor any simulator address may reach a response body. */
function assertNoPrivateConfig(text) {
  assert.ok(!text.includes(API_KEY), 'API key leaked');
  const simulatorHosts = [server.sim.url, ...Object.values(server.sim.baseUrls)].map((url) => new URL(url).host);
  for (const host of new Set(simulatorHosts)) assert.ok(!text.includes(host), `simulator address ${host} leaked`);
}

function assertErrorBody(body, category) {
  assert.deepEqual(Object.keys(body), ['error']);
  for (const field of ERROR_FIELDS) assert.ok(field in body.error, `error.${field} missing`);
  assert.equal(body.error.category, category);
  assert.equal(typeof body.error.message, 'string');
  assert.ok(body.error.message.length > 0);
}

function assertCommonHeaders(headers, { api }) {
  assert.equal(headers.get('x-content-type-options'), 'nosniff');
  assert.equal(headers.get('access-control-allow-origin'), api ? '*' : null);
}

describe('GET /api/v1/price', () => {
  test('answers a PriceQuote from coingecko with a Cache-Control bounded by the TTL', async () => {
    const { status, headers, body } = await requestJson('/api/v1/price?currency=usd');
    assert.equal(status, 200);
    assertCommonHeaders(headers, { api: true });

    assert.equal(typeof body.price, 'number');
    assert.ok(body.price > 0);
    assert.equal(body.currency, 'usd');
    for (const field of ['market_cap', 'volume_24h', 'change_24h_pct']) {
      assert.ok(body[field] === null || typeof body[field] === 'number', `${field} is number|null`);
    }
    assert.equal(body.source, 'coingecko');
    for (const field of ['as_of', 'age_ms', 'expires_at']) assert.equal(typeof body[field], 'number', field);
    assert.equal(body.stale, false);
    assert.ok(body.age_ms >= 0);

    const cacheControl = /^public, max-age=(\d+), stale-while-revalidate=(\d+), stale-if-error=(\d+)$/.exec(headers.get('cache-control'));
    assert.ok(cacheControl, headers.get('cache-control'));
    const maxAge = Number(cacheControl[1]);
    assert.ok(maxAge >= 1 && maxAge <= TTL_MS / 1000, `max-age ${maxAge} within 1..${TTL_MS / 1000}`);
    // The core's default price windows: SWR 30 s, stale-if-error 10 min.
    assert.equal(cacheControl[2], '30');
    assert.equal(cacheControl[3], '600');
  });

  test('serves a repeated request from the cache without calling upstream', async () => {
    const upstreamCallsBefore = priceRequests();
    assert.ok(upstreamCallsBefore >= 1);
    const { status, body } = await requestJson('/api/v1/price?currency=usd');
    assert.equal(status, 200);
    assert.equal(body.source, 'coingecko');
    assert.equal(priceRequests(), upstreamCallsBefore);
  });

  test('defaults to usd', async () => {
    const { status, body } = await requestJson('/api/v1/price');
    assert.equal(status, 200);
    assert.equal(body.currency, 'usd');
  });

  test('rejects unknown parameters with 400 naming them', async () => {
    const { status, body, text } = await requestJson('/api/v1/price?currency=usd&utm_source=test');
    assert.equal(status, 400);
    assertErrorBody(body, 'validation');
    assert.match(body.error.message, /unknown query parameter "utm_source"/);
    assertNoPrivateConfig(text);
  });

  for (const currency of ['xyz', '<script>', 'usdx', '']) {
    test(`rejects currency=${JSON.stringify(currency)} with 400 validation`, async () => {
      const { status, headers, body, text } = await requestJson(`/api/v1/price?currency=${encodeURIComponent(currency)}`);
      assert.equal(status, 400);
      assertCommonHeaders(headers, { api: true });
      assertErrorBody(body, 'validation');
      assert.ok(!text.includes('<script>'), 'input is not echoed');
      assertNoPrivateConfig(text);
    });
  }

  test('rejects over-long URLs instead of forwarding them', async () => {
    const { status, body } = await requestJson(`/api/v1/price?currency=usd&pad=${'a'.repeat(4096)}`);
    assert.equal(status, 414);
    assertErrorBody(body, 'validation');
  });

  test('HEAD answers the headers without a body', async () => {
    const { status, headers, text } = await request('/api/v1/price?currency=usd', { method: 'HEAD' });
    assert.equal(status, 200);
    assert.match(headers.get('cache-control'), /^public, max-age=\d+, stale-while-revalidate=\d+, stale-if-error=\d+$/);
    assert.equal(text, '');
  });
});

describe('health and metrics', () => {
  test('GET /api/v1/health answers Health JSON with 200 when not unhealthy', async () => {
    const { status, headers, body, text } = await requestJson('/api/v1/health');
    assert.equal(status, 200);
    assertCommonHeaders(headers, { api: true });
    assert.ok(['healthy', 'degraded'].includes(body.status));
    assert.equal(typeof body.checked_at, 'number');
    assert.equal(typeof body.services, 'object');
    for (const service of Object.values(body.services)) {
      assert.ok(['healthy', 'degraded', 'unhealthy'].includes(service.status));
    }
    assertNoPrivateConfig(text);
  });

  test('GET /api/v1/metrics.json answers a MetricsSnapshot without URLs or keys', async () => {
    const { status, headers, body, text } = await requestJson('/api/v1/metrics.json');
    assert.equal(status, 200);
    // An operational route: never readable cross-origin.
    assertCommonHeaders(headers, { api: false });
    assert.equal(typeof body.taken_at, 'number');
    assert.ok(Array.isArray(body.metrics) && body.metrics.length > 0);
    for (const metric of body.metrics) {
      assert.equal(typeof metric.name, 'string');
      assert.ok(['counter', 'gauge', 'histogram'].includes(metric.type));
      assert.ok(Array.isArray(metric.samples));
    }
    assertNoPrivateConfig(text);
  });
});

describe('routing', () => {
  test('unknown paths answer 404 JSON', async () => {
    const { status, headers, body } = await requestJson('/api/v1/nope');
    assert.equal(status, 404);
    assertCommonHeaders(headers, { api: true });
    assertErrorBody(body, 'validation');
    assert.equal((await requestJson('/nope')).status, 404);
  });

  test('other methods answer 405 JSON with Allow', async () => {
    const api = await requestJson('/api/v1/price', { method: 'POST', body: 'x' });
    assert.equal(api.status, 405);
    assert.equal(api.headers.get('allow'), 'GET, HEAD, OPTIONS');
    assertErrorBody(api.body, 'validation');
    const page = await requestJson('/', { method: 'DELETE' });
    assert.equal(page.status, 405);
    assert.equal(page.headers.get('allow'), 'GET, HEAD');
  });

  test('OPTIONS on the API is a CORS preflight', async () => {
    const { status, headers, text } = await request('/api/v1/price', {
      method: 'OPTIONS',
      headers: { origin: 'https://example.org', 'access-control-request-method': 'GET' },
    });
    assert.equal(status, 204);
    assert.equal(text, '');
    assertCommonHeaders(headers, { api: true });
    assert.match(headers.get('access-control-allow-methods'), /GET/);
  });

  test('serves the dashboard and its assets', async () => {
    const page = await request('/');
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
    assertCommonHeaders(page.headers, { api: false });
    assert.match(page.headers.get('content-security-policy'), /default-src 'none'/);
    assert.match(page.text, /id="price"/);

    const script = await request('/dashboard.js');
    assert.equal(script.status, 200);
    assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.match(script.text, /\/api\/v1\/price/, 'served as source text, not evaluated');

    const styles = await request('/dashboard.css');
    assert.equal(styles.status, 200);
    assert.equal(styles.headers.get('content-type'), 'text/css; charset=utf-8');
  });
});

describe('upstream failure with nothing cached', () => {
  test('answers 503 with the error JSON and Retry-After', async () => {
    server.sim.setFault('*', { kind: 'status', status: 503 });
    // A second worker on the same simulator: a fresh isolate with empty caches.
    const freshWorker = await startServer({
      port: 0,
      env: { ...server.sim.baseUrls, COINGECKO_API_KEY: API_KEY, CACHE_DEFAULT_TTL: String(TTL_MS), RETRY_MAX_ATTEMPTS: '1' },
    });
    try {
      const { status, headers, body, text } = await requestJson('/api/v1/price?currency=usd', undefined, freshWorker.url);
      assert.equal(status, 503);
      assertCommonHeaders(headers, { api: true });
      assertErrorBody(body, 'upstream_5xx');
      assert.equal(body.error.retryable, true);
      assert.match(headers.get('retry-after'), /^\d+$/);
      assertNoPrivateConfig(text);

      const health = await request('/api/v1/health', undefined, freshWorker.url);
      assertNoPrivateConfig(health.text);
    } finally {
      server.sim.clearFaults();
      await freshWorker.close();
    }
  });
});

describe('invalid configuration', () => {
  test('answers the config error without echoing configured URLs or keys', async () => {
    const badUrl = `ftp://${API_KEY}.invalid/api/v3`;
    const misconfigured = await startServer({ port: 0, env: { COINGECKO_API_URL: badUrl, COINGECKO_API_KEY: API_KEY } });
    try {
      const { status, body, text } = await requestJson('/api/v1/price', undefined, misconfigured.url);
      assert.equal(status, 500);
      assertErrorBody(body, 'config');
      assert.ok(!text.includes(badUrl) && !text.includes(API_KEY), 'configured values are masked');
    } finally {
      await misconfigured.close();
    }
  });
});
