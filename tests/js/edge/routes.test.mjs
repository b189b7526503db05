// Every route of the edge worker in real workerd (Miniflare), against the upstream simulator:
// answer shapes and headers, parameter validation, the admin route, secrets, upstream faults,
// stale answers, background work after the response, and the Cache API / KV tiers.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../../scripts/serve.mjs';
import { startSimulator } from '../../../scripts/simulator/index.mjs';
import { maskConfig, redactSecrets, secretFragments } from '../../../web/http/config.js';

const PROMTOOL = '/usr/bin/promtool';
const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';
const PROVIDERS = ['MEMPOOL', 'ESPLORA', 'BLOCKCHAIN_INFO', 'COINGECKO', 'COINBASE', 'KRAKEN', 'BINANCE', 'FNG'];
// The default per-host rate limits keep inside the public APIs' limits (CoinGecko: 10/min);
// against the simulator they would only slow the tests down.
const NO_RATE_LIMITS = Object.fromEntries(PROVIDERS.map((provider) => [`${provider}_RATE_PER_MIN`, '100000']));
const ERROR_FIELDS = ['category', 'severity', 'retryable', 'provider', 'operation', 'message', 'upstream_status'];
const CACHE_TIERS = ['origin', 'memory', 'indexeddb', 'cache-api', 'kv'];
const REPO_ROOT = new URL('../../../', import.meta.url);

let sim;
const servers = [];

before(async () => {
  sim = await startSimulator({ port: 0, seed: 42 });
});

after(async () => {
  for (const server of servers.splice(0)) await server.close().catch(() => {});
  await sim?.close();
});

/** A worker on the shared simulator; closed after the file unless closed before. */
async function worker(env = {}, options = {}) {
  const server = await startServer({ port: 0, env: { ...sim.baseUrls, ...NO_RATE_LIMITS, ...env }, ...options });
  servers.push(server);
  const close = server.close;
  server.close = async () => {
    servers.splice(servers.indexOf(server), 1);
    await close();
  };
  return server;
}

async function request(server, path, init) {
  const response = await fetch(new URL(path, server.url), init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, text };
}

async function requestJson(server, path, init) {
  const result = await request(server, path, init);
  assert.equal(result.headers.get('content-type'), 'application/json; charset=utf-8', `${path}: JSON content type`);
  return { ...result, body: JSON.parse(result.text) };
}

const routeCount = (routeId) => sim.counts().routes[routeId] ?? 0;
const priceCalls = () => routeCount('coingecko.simple_price') + routeCount('coinbase.spot') + routeCount('kraken.ticker') + routeCount('binance.ticker_24hr');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until a data answer's freshness (expires_at, unix ms) is over. */
async function untilExpired(answer) {
  assert.ok(isNumber(answer.expires_at), 'expires_at');
  await sleep(Math.max(0, answer.expires_at - Date.now()) + 20);
}

async function waitFor(check, what, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

function assertErrorBody(body, category) {
  assert.deepEqual(Object.keys(body), ['error']);
  for (const field of ERROR_FIELDS) assert.ok(field in body.error, `error.${field} missing`);
  assert.equal(body.error.category, category, body.error.message);
  assert.ok(typeof body.error.message === 'string' && body.error.message.length > 0);
}

const isNumber = (value) => typeof value === 'number' && Number.isFinite(value);
const isNumberOrNull = (value) => value === null || isNumber(value);

function assertProvenance(body, path) {
  assert.equal(typeof body.source, 'string', `${path}: source`);
  for (const field of ['as_of', 'fetched_at', 'age_ms', 'expires_at']) assert.ok(isNumber(body[field]), `${path}: ${field}`);
  assert.equal(typeof body.stale, 'boolean', `${path}: stale`);
  assert.ok(CACHE_TIERS.includes(body.cache), `${path}: cache ${body.cache}`);
  assert.ok(Array.isArray(body.failed), `${path}: failed`);
}

const CACHE_CONTROL = /^public, max-age=(\d+)(, stale-while-revalidate=(\d+))?(, stale-if-error=(\d+))?$/;

// path → [check of the body, TTL in s the max-age must not exceed]
const DATA_ROUTES = {
  '/api/v1/price?currency=eur': [(body) => {
    assert.ok(body.price > 0);
    assert.equal(body.currency, 'eur');
    for (const field of ['market_cap', 'volume_24h', 'change_24h_pct', 'change_since_utc_midnight_pct']) assert.ok(isNumberOrNull(body[field]), field);
  }, 30],
  '/api/v1/market?currency=usd': [(body) => {
    assert.ok(body.price > 0);
    assert.equal(body.currency, 'usd');
    assert.ok(isNumber(body.spread_pct) && body.spread_pct >= 0);
    assert.equal(body.source, 'consensus');
    // Binance has no BTC/USD pair and BINANCE_USDT_AS_USD defaults to false: it is not a member.
    assert.equal(body.provider_count, 3);
    assert.deepEqual(body.providers.map((quote) => quote.provider).sort(), ['coinbase', 'coingecko', 'kraken']);
    assert.equal(body.quote, 'USD');
    for (const quote of body.providers) {
      assert.ok(quote.price > 0 && isNumber(quote.deviation_pct) && typeof quote.outlier === 'boolean');
      assert.equal(quote.quote, 'USD');
    }
    assert.deepEqual(body.outliers, []);
  }, 60],
  '/api/v1/network': [(body) => {
    assert.ok(Number.isInteger(body.tip.height) && body.tip.height > 0);
    assert.ok(body.fees.fastest_sat_vb >= body.fees.economy_sat_vb);
    assert.ok(Number.isInteger(body.mempool.count));
    assert.ok(isNumber(body.difficulty.progress_pct));
    assert.ok(body.hashrate.current_hashrate_hs > 0);
    assert.equal(body.halving.next_halving_height, 1050000);
    assert.equal(body.halving.blocks_to_next_halving, 1050000 - body.tip.height);
    assert.deepEqual(body.failed_parts, []);
    assert.ok(isNumber(body.as_of));
  }, 10],
  '/api/v1/fees': [(body) => {
    for (const field of ['fastest_sat_vb', 'half_hour_sat_vb', 'hour_sat_vb', 'economy_sat_vb', 'minimum_sat_vb']) assert.ok(body[field] >= 0, field);
    assertProvenance(body, 'fees');
  }, 10],
  '/api/v1/mempool': [(body) => {
    assert.ok(Number.isInteger(body.count) && body.vsize_vb > 0 && body.total_fee_sat > 0);
    assert.ok(body.fee_histogram.length > 0);
    for (const pair of body.fee_histogram) assert.ok(pair.length === 2 && isNumber(pair[0]) && isNumber(pair[1]));
  }, 10],
  '/api/v1/blocks/tip': [(body) => {
    assert.ok(Number.isInteger(body.height) && body.height > 0);
    assert.match(body.hash, /^[0-9a-f]{64}$/);
  }, 30],
  '/api/v1/blocks': [(body) => {
    assert.ok(body.blocks.length > 0);
    for (const block of body.blocks) {
      assert.ok(Number.isInteger(block.height) && /^[0-9a-f]{64}$/.test(block.hash));
      for (const field of ['timestamp_ms', 'tx_count', 'size_bytes', 'weight_wu']) assert.ok(isNumber(block[field]), field);
    }
  }, 30],
  '/api/v1/difficulty': [(body) => {
    for (const field of ['progress_pct', 'change_pct', 'remaining_blocks', 'remaining_time_ms', 'estimated_retarget_ms']) assert.ok(isNumber(body[field]), field);
    assert.ok(body.progress_pct >= 0 && body.progress_pct <= 100);
  }, 300],
  '/api/v1/hashrate': [(body) => {
    assert.ok(body.current_hashrate_hs > 1e18, 'hashrate in H/s');
    assert.ok(body.current_difficulty > 0);
  }, 600],
  '/api/v1/sentiment': [(body) => {
    assert.ok(Number.isInteger(body.value) && body.value >= 0 && body.value <= 100);
    assert.equal(typeof body.classification, 'string');
    assert.ok(isNumber(body.timestamp_ms) && isNumber(body.time_until_update_ms));
  }, 3600],
};

describe('data routes', () => {
  let server;
  before(async () => {
    // Sentiment's windows set explicitly: the Cache-Control directives must carry them.
    server = await worker({ ADMIN_TOKEN, CACHE_SWR_SENTIMENT: '120000', CACHE_STALE_IF_ERROR_SENTIMENT: '240000' });
  });

  for (const [path, [check, ttlSeconds]] of Object.entries(DATA_ROUTES)) {
    test(`GET ${path} answers its data with provenance and Cache-Control`, async () => {
      const { status, headers, body } = await requestJson(server, path);
      assert.equal(status, 200);
      assert.equal(headers.get('access-control-allow-origin'), '*');
      assert.equal(headers.get('x-content-type-options'), 'nosniff');
      check(body);
      if (!path.startsWith('/api/v1/network')) {
        assertProvenance(body, path);
        assert.equal(body.stale, false);
      }
      const cacheControl = headers.get('cache-control');
      const match = CACHE_CONTROL.exec(cacheControl);
      assert.ok(match, `Cache-Control ${cacheControl}`);
      assert.ok(Number(match[1]) <= ttlSeconds, `max-age ${match[1]} <= ${ttlSeconds}`);
      if (path === '/api/v1/network') assert.equal(match[2], undefined, 'a summary of parts has no single SWR window');
      else assert.ok(match[2] && match[4], 'SWR and stale-if-error directives');

      const head = await request(server, path, { method: 'HEAD' });
      assert.equal(head.status, 200);
      assert.equal(head.text, '');
      assert.match(head.headers.get('cache-control'), CACHE_CONTROL);
    });
  }

  test('Cache-Control carries the configured SWR and stale-if-error windows of the data kind', async () => {
    const { headers, body } = await requestJson(server, '/api/v1/sentiment');
    const maxAge = Math.floor((body.expires_at - Date.now()) / 1000);
    const match = CACHE_CONTROL.exec(headers.get('cache-control'));
    assert.ok(Math.abs(Number(match[1]) - maxAge) <= 2, `max-age ${match[1]} ≈ remaining ${maxAge}`);
    assert.equal(match[3], '120');
    assert.equal(match[5], '240');
  });

  test("a repeated request is served from the front's memory without an upstream call", async () => {
    const first = await requestJson(server, '/api/v1/fees');
    const before = routeCount('mempool.fees_precise');
    const { headers, body } = await requestJson(server, '/api/v1/fees');
    assert.equal(headers.get('x-ltl-cache'), 'memory');
    assert.equal(body.fetched_at, first.body.fetched_at);
    assert.equal(headers.get('etag'), first.headers.get('etag'), 'the same stored answer');
    assert.equal(routeCount('mempool.fees_precise'), before);
  });

  test('GET /api/v1/health answers every service with 200', async () => {
    const { status, headers, body } = await requestJson(server, '/api/v1/health');
    assert.equal(status, 200);
    assert.equal(headers.get('cache-control'), 'no-store');
    assert.ok(['healthy', 'degraded'].includes(body.status));
    for (const name of ['config', 'monitor', 'cache', 'upstream', 'market', 'network', 'sentiment']) {
      assert.ok(['healthy', 'degraded', 'unhealthy'].includes(body.services[name]?.status), name);
      assert.equal(typeof body.services[name].reason, 'string');
    }
    assert.ok(isNumber(body.checked_at));
    assert.ok(Array.isArray(body.cache_tiers));
    // The coordinator's core keeps its persistent tier in the Durable Object's storage; the
    // front's own copies (memory tier, Cache API) are described in `front`.
    assert.ok(body.cache_tiers.some((tier) => tier.name === 'durable-object'), JSON.stringify(body.cache_tiers));
    assert.ok(!body.cache_tiers.some((tier) => tier.name === 'cache-api' || tier.name === 'kv'), 'the core no longer uses the Cache API or KV as its tier');
    assert.equal(body.coordinator.name, 'global');
    assert.equal(body.front.mode, 'coordinator');
    assert.ok(body.front.answers.origin >= 1, JSON.stringify(body.front.answers));
    assert.ok(body.front.coordinator_calls.ok >= 1, JSON.stringify(body.front.coordinator_calls));
    assert.equal(body.front.cache_api.status, 'healthy', JSON.stringify(body.front.cache_api));
    assert.ok(body.front.memory.entries >= 1, JSON.stringify(body.front.memory));
  });

  test('GET /api/v1/metrics is Prometheus 0.0.4 text that promtool accepts', async () => {
    assert.ok(existsSync(PROMTOOL), `${PROMTOOL} is missing: apt-get install prometheus`);
    const { status, headers, text } = await request(server, '/api/v1/metrics');
    assert.equal(status, 200);
    assert.equal(headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    assert.equal(headers.get('cache-control'), 'no-store');
    assert.match(text, /^# HELP ltl_/m);
    assert.match(text, /^ltl_requests_total\{outcome="[a-z_]+",route="price"\} [0-9]+$/m);
    assert.match(text, /^ltl_upstream_requests_total\{outcome="ok",provider="coingecko"\} [1-9][0-9]*$/m);
    // Lint findings (a counter without _total, abbreviated units...) go to stderr: none allowed.
    const promtool = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(`${promtool.stdout}${promtool.stderr}`, '', 'promtool check metrics prints nothing');
    assert.equal(promtool.status, 0);
    // Every declared family (as in metrics.json) is exported, and histograms are histograms.
    const families = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)];
    const { body } = await requestJson(server, '/api/v1/metrics.json');
    // The coordinator's declared families (as in metrics.json), then the front's own three.
    const frontFamilies = families.filter(([, name]) => name.startsWith('ltl_front_')).map(([, name]) => name);
    assert.deepEqual(frontFamilies, ['ltl_front_answers_total', 'ltl_front_coordinator_calls_total', 'ltl_front_coordinator_call_seconds']);
    assert.equal(families.length - frontFamilies.length, body.metrics.length);
    assert.ok(families.length >= 30, `${families.length} families`);
    for (const [, name, type] of families) assert.equal(name.endsWith('_total'), type === 'counter', `${name} ${type}`);
    assert.match(text, /^# TYPE ltl_upstream_latency_seconds histogram$/m);
    assert.match(text, /^ltl_upstream_latency_seconds_bucket\{provider="coingecko",le="\+Inf"\} [1-9][0-9]*$/m);
    const head = await request(server, '/api/v1/metrics', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.text, '');
  });

  test('GET /api/v1/metrics gives OpenMetrics text to a scraper that asks for it', async () => {
    const accept = 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
    const { status, headers, text } = await request(server, '/api/v1/metrics', { headers: { accept } });
    assert.equal(status, 200);
    assert.equal(headers.get('content-type'), 'application/openmetrics-text; version=1.0.0; charset=utf-8');
    assert.equal(headers.get('vary'), 'Accept');
    assert.match(text, /^# TYPE ltl_requests counter$/m);
    assert.match(text, /^ltl_requests_total\{outcome="[a-z_]+",route="price"\} [0-9]+$/m);
    assert.ok(text.endsWith('\n# EOF\n'));
    const plain = await request(server, '/api/v1/metrics', { headers: { accept: 'text/plain' } });
    assert.equal(plain.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    assert.doesNotMatch(plain.text, /# EOF/);
  });

  test('GET /api/v1/metrics.json is a snapshot of named, typed metrics', async () => {
    const { status, body } = await requestJson(server, '/api/v1/metrics.json');
    assert.equal(status, 200);
    assert.ok(isNumber(body.taken_at));
    const names = body.metrics.map((metric) => metric.name);
    for (const name of ['ltl_requests_total', 'ltl_upstream_requests_total', 'ltl_cache_lookups_total', 'ltl_breaker_state']) {
      assert.ok(names.includes(name), name);
    }
    for (const metric of body.metrics) {
      assert.ok(['counter', 'gauge', 'histogram'].includes(metric.type));
      assert.ok(Array.isArray(metric.samples));
    }
  });

  test('GET /api/v1/history, /alerts, /report, /errors and /config answer their JSON', async () => {
    const history = await requestJson(server, '/api/v1/history');
    assert.equal(history.status, 200);
    assert.ok(Array.isArray(history.body.t) && history.body.t.length >= 1);
    assert.equal(typeof history.body.series, 'object');
    for (const values of Object.values(history.body.series)) assert.equal(values.length, history.body.t.length);

    const alerts = await requestJson(server, '/api/v1/alerts');
    assert.equal(alerts.status, 200);
    assert.ok(Array.isArray(alerts.body.active) && Array.isArray(alerts.body.recent));

    const report = await requestJson(server, '/api/v1/report?window_ms=60000');
    assert.equal(report.status, 200);
    assert.ok(Array.isArray(report.body.cache.families));
    assert.equal((await requestJson(server, '/api/v1/report')).status, 200);

    await requestJson(server, '/api/v1/price?currency=xyz'); // a validation error the core tracks
    const errors = await requestJson(server, '/api/v1/errors');
    assert.equal(errors.status, 200);
    assert.ok(Array.isArray(errors.body));
    const tracked = errors.body.find((error) => error.route === 'price' && error.category === 'validation');
    assert.ok(tracked, 'the rejected currency is tracked');

    const config = await requestJson(server, '/api/v1/config');
    assert.equal(config.status, 200);
    assert.equal(config.body.COINGECKO_API_URL, '[redacted]');
    assert.equal(config.body.CACHE_SWR_SENTIMENT, 120000);
    assert.equal(config.body.PRICE_PROVIDERS, 'coingecko,coinbase,kraken,binance');
    for (const [key, value] of Object.entries(config.body)) {
      if (/_(URL|KEY)$/.test(key)) assert.ok(value === '[redacted]' || value === '' || value === null, `${key} masked`);
    }
  });

  test('serves uPlot from node_modules as text with the right content types', async () => {
    const script = await request(server, '/assets/uplot.js');
    assert.equal(script.status, 200);
    assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(script.text, readFileSync(new URL('node_modules/uplot/dist/uPlot.iife.min.js', REPO_ROOT), 'utf8'));
    const styles = await request(server, '/assets/uplot.css');
    assert.equal(styles.status, 200);
    assert.equal(styles.headers.get('content-type'), 'text/css; charset=utf-8');
    assert.equal(styles.text, readFileSync(new URL('node_modules/uplot/dist/uPlot.min.css', REPO_ROOT), 'utf8'));
    assert.equal(styles.headers.get('access-control-allow-origin'), null);
    const head = await request(server, '/assets/uplot.js', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.text, '');
  });

  describe('parameter validation', () => {
    const cases = [
      ['/api/v1/price?utm_source=x', /unknown query parameter "utm_source"; \/api\/v1\/price takes currency/],
      ['/api/v1/fees?currency=usd', /unknown query parameter "currency"; \/api\/v1\/fees takes none/],
      ['/api/v1/health?verbose=1', /unknown query parameter "verbose"/],
      ['/api/v1/price?a=1&b=2&c=3&d=4&e=5&f=6&g=7', /unknown query parameters "a", "b", "c", "d", "e" and 2 more/],
      ['/api/v1/price?currency=usd&currency=eur', /currency given more than once/],
      [`/api/v1/price?currency=${'u'.repeat(65)}`, /currency longer than 64 characters/],
      ['/api/v1/price?currency=', /three-letter ISO 4217 code/],
      ['/api/v1/market?currency=us1', /three-letter ISO 4217 code/],
      ['/api/v1/price?currency=xyz', /currency: got "xyz"; expected one of usd, eur/],
      ['/api/v1/market?currency=abc', /currency: got "abc"; expected one of/],
      ['/api/v1/report?window_ms=0', /window_ms must be a whole number of milliseconds from 1 to/],
      ['/api/v1/report?window_ms=1e3', /window_ms must be a whole number/],
      ['/api/v1/report?window_ms=-5', /window_ms must be a whole number/],
      ['/api/v1/report?window_ms=99999999999', /window_ms must be a whole number/],
      ['/api/v1/report?window_ms=604800001', /window_ms must be a whole number/],
    ];
    for (const [path, message] of cases) {
      test(`${path.slice(0, 70)} → 400 validation`, async () => {
        const { status, headers, body } = await requestJson(server, path);
        assert.equal(status, 400);
        assert.equal(headers.get('cache-control'), 'no-store');
        // Errors of public routes are readable cross-origin; the operational routes never are.
        const isOps = new URL(path, 'http://x').pathname === '/api/v1/report';
        assert.equal(headers.get('access-control-allow-origin'), isOps ? null : '*');
        assertErrorBody(body, 'validation');
        assert.match(body.error.message, message);
      });
    }

    test('names with markup are described, never echoed', async () => {
      const { status, text, body } = await requestJson(server, '/api/v1/price?%3Cscript%3Ealert(1)%3C%2Fscript%3E=1&currency=%3Cb%3E');
      assert.equal(status, 400);
      assert.match(body.error.message, /\(a name with unusual characters\)/);
      assert.ok(!text.includes('<script') && !text.includes('<b>') && !text.includes('\\u003c'), text);
    });

    test('HEAD of a bad request has the status without a body', async () => {
      const head = await request(server, '/api/v1/price?nope=1', { method: 'HEAD' });
      assert.equal(head.status, 400);
      assert.equal(head.text, '');
    });

    test('over-long URLs answer 414', async () => {
      const { status, body } = await requestJson(server, `/api/v1/fees?pad=${'a'.repeat(2100)}`);
      assert.equal(status, 414);
      assertErrorBody(body, 'validation');
    });
  });

  describe('routing', () => {
    test('unknown paths answer 404, other methods 405 with Allow, OPTIONS a preflight', async () => {
      for (const path of ['/api/v1/nope', '/api/v2/price', '/api/v1/price/usd', '/assets/other.js', '/index.html']) {
        const { status, body } = await requestJson(server, path);
        assert.equal(status, 404, path);
        assertErrorBody(body, 'validation');
      }
      for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
        const { status, headers, body } = await requestJson(server, '/api/v1/fees', { method, body: method === 'DELETE' ? undefined : '{}' });
        assert.equal(status, 405, method);
        assert.equal(headers.get('allow'), 'GET, HEAD, OPTIONS');
        assertErrorBody(body, 'validation');
      }
      const preflight = await request(server, '/api/v1/market', {
        method: 'OPTIONS',
        headers: { origin: 'https://example.org', 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-evil' },
      });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
      assert.equal(preflight.headers.get('access-control-allow-methods'), 'GET, HEAD, OPTIONS');
      assert.ok(!/x-evil/.test(preflight.headers.get('access-control-allow-headers') ?? ''), 'request headers are not echoed');
    });
  });

  describe('POST /api/v1/cache/invalidate', () => {
    const PATH = '/api/v1/cache/invalidate';
    const admin = (body, token = ADMIN_TOKEN, extra = {}) =>
      requestJson(server, PATH, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...extra },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });

    test('refuses requests without the right bearer token with 401', async () => {
      for (const token of [null, '', 'wrong', ADMIN_TOKEN.slice(0, -1), `${ADMIN_TOKEN}x`, ADMIN_TOKEN.toUpperCase()]) {
        const { status, headers, body } = await admin({ key: 'price:usd' }, token);
        assert.equal(status, 401, `token ${token}`);
        assert.match(headers.get('www-authenticate'), /^Bearer /);
        assert.equal(headers.get('access-control-allow-origin'), null, 'no CORS on the admin route');
        assertErrorBody(body, 'validation');
      }
      const basic = await admin({ key: 'price:usd' }, null, { authorization: `Basic ${btoa(`admin:${ADMIN_TOKEN}`)}` });
      assert.equal(basic.status, 401);
    });

    test('accepts only POST', async () => {
      const { status, headers } = await requestJson(server, PATH, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      assert.equal(status, 405);
      assert.equal(headers.get('allow'), 'POST');
    });

    test('validates the body', async () => {
      const bad = ['not json', '[]', '{}', '{"key":"a","tag":"b"}', '{"url":"http://x"}', '{"key":""}', '{"key":5}', `{"glob":"${'a'.repeat(257)}"}`, '{"key":"a\\u0000b"}'];
      for (const body of bad) {
        const { status, body: answer } = await admin(body);
        assert.equal(status, 400, body);
        assertErrorBody(answer, 'validation');
      }
      const big = await admin(JSON.stringify({ key: 'x'.repeat(2000) }));
      assert.equal(big.status, 413);
      const query = await requestJson(server, `${PATH}?key=price:usd`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, body: '{"key":"a"}' });
      assert.equal(query.status, 400);
    });

    test('invalidates by key, glob and tag; the next request goes upstream', async () => {
      for (const what of [{ key: 'price:gbp' }, { glob: 'price:g?p' }, { glob: 'price:*' }, { tag: 'price' }]) {
        const warm = await requestJson(server, '/api/v1/price?currency=gbp');
        assert.equal(warm.status, 200);
        // The front answers its own copy (x-ltl-cache); the body keeps the coordinator's provenance.
        const cached = await requestJson(server, '/api/v1/price?currency=gbp');
        assert.equal(cached.headers.get('x-ltl-cache'), 'memory');
        assert.equal(cached.body.fetched_at, warm.body.fetched_at);
        const before = priceCalls();

        const { status, body } = await admin(what);
        assert.equal(status, 200, JSON.stringify(what));
        assert.ok(body.memory_expired + body.memory_removed >= 1, JSON.stringify(body));  // expired by default
        assert.equal(body.persistent_failed, 0);

        // Gone from the front's copies and the coordinator's tiers: the next request goes upstream.
        const next = await requestJson(server, '/api/v1/price?currency=gbp');
        assert.equal(next.headers.get('x-ltl-cache'), 'origin', JSON.stringify(what));
        assert.equal(next.body.cache, 'origin', JSON.stringify(what));
        assert.equal(priceCalls(), before + 1);
      }
    });
  });
});

describe('secrets never leave the worker', () => {
  const API_KEY = 'cg-secret-api-key-5f1d2e';
  const USER = 'proxyuser';
  const PASSWORD = 'pr0xy-pa55word';

  test('no route answers a configured URL, credential, API key or the admin token', async () => {
    const withCredentials = (url) => url.replace('http://', `http://${USER}:${PASSWORD}@`);
    const env = {
      COINGECKO_API_KEY: API_KEY,
      COINGECKO_API_URL: withCredentials(sim.baseUrls.COINGECKO_API_URL),
      MEMPOOL_API_URL: withCredentials(sim.baseUrls.MEMPOOL_API_URL),
      ADMIN_TOKEN,
      PRICE_PROVIDERS: 'coingecko,coinbase',
      RETRY_MAX_ATTEMPTS: '1',
    };
    const server = await worker(env);
    const forbidden = [API_KEY, ADMIN_TOKEN, USER, PASSWORD, `${USER}:${PASSWORD}`, new URL(sim.url).host, ...Object.values(sim.baseUrls)];
    const outputs = [];
    const collect = async (path, init) => {
      const result = await request(server, path, init);
      outputs.push([`${init?.method ?? 'GET'} ${path} → ${result.status}`, result.text, [...result.headers].map(([name, value]) => `${name}: ${value}`).join('\n')]);
      return result;
    };
    try {
      const price = JSON.parse((await collect('/api/v1/price?currency=usd')).text);
      assert.equal(price.source, 'coingecko', 'credentials in the URL work');
      // Failures put provider errors (and whatever they mention) into errors, health and metrics.
      sim.setFault('coingecko.*', { kind: 'html', status: 502 });
      sim.setFault('mempool.*', { kind: 'status', status: 500 });
      await collect('/api/v1/price?currency=eur');
      await collect('/api/v1/fees');
      sim.setFault('*', { kind: 'status', status: 503 });
      assert.equal((await collect('/api/v1/price?currency=jpy')).status, 503);
      sim.clearFaults();
      for (const path of [...Object.keys(DATA_ROUTES), '/api/v1/health', '/api/v1/metrics', '/api/v1/metrics.json', '/api/v1/history',
        '/api/v1/alerts', '/api/v1/report', '/api/v1/errors', '/api/v1/config', '/api/v1/price?currency=zzz', '/api/v1/nope']) {
        await collect(path);
      }
      await collect('/api/v1/cache/invalidate', { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, body: '{"tag":"price"}' });
      await collect('/api/v1/cache/invalidate', { method: 'POST', headers: { authorization: 'Bearer wrong-token-value' }, body: '{"tag":"price"}' });
    } finally {
      sim.clearFaults();
      await server.close();
    }
    const errors = JSON.parse(outputs.find(([what]) => what.startsWith('GET /api/v1/errors'))[1]);
    assert.ok(errors.some((error) => /coingecko: upstream_5xx/.test(error.message)), 'provider failures were tracked');
    for (const [what, body, headers] of outputs) {
      for (const secret of forbidden) {
        assert.ok(!body.includes(secret), `${what}: body contains ${secret}`);
        assert.ok(!headers.includes(secret), `${what}: headers contain ${secret}`);
      }
    }
  });

  test('redactSecrets masks every form of a secret binding', () => {
    const env = {
      COINGECKO_API_URL: 'https://user%40corp:p%40ss word@proxy.internal:8443/cg/api/v3/',
      COINGECKO_API_KEY: 'abc"key\\1',
      ADMIN_TOKEN: 'admin-token-value-123',
      MEMPOOL_WS_URL: 'not a url but secret',
      CACHE_TTL_PRICE: '1000',
    };
    const samples = [
      'GET https://user%40corp:p%40ss%20word@proxy.internal:8443/cg/api/v3/simple/price failed',
      'GET https://proxy.internal:8443/cg/api/v3/simple/price failed',
      'user user@corp password p@ss word',
      JSON.stringify({ key: 'abc"key\\1', token: 'admin-token-value-123', ws: 'not a url but secret' }),
      `key=${encodeURIComponent('abc"key\\1')}`,
      'from ftp://someone:hunter22@elsewhere.example/x',
    ];
    for (const sample of samples) {
      const masked = redactSecrets(sample, env);
      for (const secret of ['proxy.internal:8443/cg', 'user%40corp', 'user@corp', 'p%40ss', 'p@ss word', 'abc"key', 'abc\\"key', encodeURIComponent('abc"key\\1'), 'admin-token-value-123', 'not a url but secret', 'hunter22']) {
        assert.ok(!masked.includes(secret), `${JSON.stringify(masked)} still contains ${secret}`);
      }
      assert.match(masked, /\[redacted\]/);
    }
    assert.equal(redactSecrets('CACHE_TTL_PRICE is 1000', env), 'CACHE_TTL_PRICE is 1000', 'non-secret values stay');
    // A bare host name is not a secret: text that merely mentions it (a data value, a pool name)
    // is left as it is; only the configured URL (with or without credentials) is masked.
    const mentionsHost = 'host proxy.internal:8443 refused; pool proxy.internal';
    assert.equal(redactSecrets(mentionsHost, env), mentionsHost);
    assert.ok(!secretFragments(env).some((fragment) => fragment === 'proxy.internal' || fragment === 'proxy.internal:8443'), 'no bare host fragment');
    assert.ok(secretFragments({ COINGECKO_API_KEY: 'abc' }).length === 0, 'fragments under 4 characters are not masked alone');
    assert.deepEqual(maskConfig({ COINGECKO_API_URL: 'https://x', COINGECKO_API_KEY: '', MEMPOOL_WS_URL: null, CACHE_TTL_PRICE: 5 }), {
      COINGECKO_API_URL: '[redacted]',
      COINGECKO_API_KEY: '',
      MEMPOOL_WS_URL: null,
      CACHE_TTL_PRICE: 5,
    });
  });
});

describe('upstream failures', () => {
  // Price answers stay fresh long enough to reach the client unflagged (the front judges
  // freshness when it serves a document, and this machine may be slow); a test waits until the
  // cached answer has expired before it expects a new outcome.
  const PRICE_TTL_MS = 800;
  let server;
  before(async () => {
    // Two price providers, one attempt each, no caching past the TTL, no breaker and no
    // negative caching: every request past the TTL reaches the simulator, so each fault shows
    // in the outcome of the very request.
    server = await worker({
      ADMIN_TOKEN: 'too-short', // under ADMIN_TOKEN_MIN_LENGTH: the admin route stays disabled
      PRICE_PROVIDERS: 'coingecko,coinbase',
      HTTP_TIMEOUT_MS: '400',
      RETRY_MAX_ATTEMPTS: '1',
      NEGATIVE_CACHE_MS: '0',
      CACHE_TTL_PRICE: String(PRICE_TTL_MS),
      CACHE_SWR_PRICE: '0',
      CACHE_STALE_IF_ERROR_PRICE: '0',
      CACHE_TTL_FEES: '1',
      CACHE_SWR_FEES: '0',
      CACHE_STALE_IF_ERROR_FEES: '0',
      BREAKER_MIN_CALLS: '10000',
      BREAKER_CONSECUTIVE_FAILURES: '0',
    });
  });
  after(() => sim.clearFaults());

  test('the admin route does not exist without a long enough ADMIN_TOKEN', async () => {
    const { status, body } = await requestJson(server, '/api/v1/cache/invalidate', {
      method: 'POST',
      headers: { authorization: 'Bearer too-short' },
      body: '{"key":"price:usd"}',
    });
    assert.equal(status, 404);
    assertErrorBody(body, 'validation');
  });

  // fault → [category, retryable, Retry-After expected on the 503]. The Retry-After faults come
  // last: the core pauses the host for that long, which would slow the cases after them.
  const FAULTS = [
    ['HTTP 500', { kind: 'status', status: 500 }, 'upstream_5xx', true, '5'],
    ['hang (timeout)', { kind: 'hang' }, 'timeout', true, '5'],
    ['malformed JSON', { kind: 'malformed' }, 'parse', false, null],
    ['truncated JSON', { kind: 'truncated' }, 'parse', false, null],
    ['HTML error page', { kind: 'html', status: 502 }, 'upstream_5xx', true, '5'],
    ['connection reset', { kind: 'reset' }, 'network', true, '5'],
    ['HTTP 503 with Retry-After', { kind: 'status', status: 503, retryAfter: 1 }, 'upstream_5xx', true, '1'],
    ['HTTP 429 with Retry-After', { kind: 'status', status: 429, retryAfter: 2 }, 'rate_limited', true, '2'],
  ];
  let hostsPausedUntil = 0; // a Retry-After pauses the failing hosts in the core
  for (const [name, fault, category, retryable, retryAfter] of FAULTS) {
    test(`${name}: the next provider answers; with every provider down a typed 503`, async () => {
      sim.clearFaults();
      // A fallback that first waited out the previous case's pause would reach the client past
      // its TTL (flagged stale): start once the pause is over.
      await sleep(Math.max(0, hostsPausedUntil - Date.now()));
      sim.setFault('coingecko.*', fault);
      const fallback = await requestJson(server, '/api/v1/price?currency=usd');
      assert.equal(fallback.status, 200);
      assert.equal(fallback.body.source, 'coinbase');
      assert.equal(fallback.body.stale, false);
      assert.equal(fallback.body.failed.length, 1);
      assert.equal(fallback.body.failed[0].provider, 'coingecko');
      assert.equal(fallback.body.failed[0].category, category);

      sim.setFault('*', fault);
      await untilExpired(fallback.body);
      const failed = await requestJson(server, '/api/v1/price?currency=usd');
      assert.equal(failed.status, 503);
      assertErrorBody(failed.body, category);
      assert.equal(failed.body.error.retryable, retryable);
      assert.match(failed.body.error.message, /coingecko/);
      assert.match(failed.body.error.message, /coinbase/);
      assert.equal(failed.headers.get('retry-after'), retryAfter);
      assert.equal(failed.headers.get('cache-control'), 'no-store');
      if (fault.retryAfter) hostsPausedUntil = Date.now() + fault.retryAfter * 1000;
      sim.clearFaults(); // the failure is not remembered and the last good answer has expired
    });
  }

  test('network parts fall back too: fees from esplora when mempool.space fails', async () => {
    sim.setFault('mempool.*', { kind: 'status', status: 500 });
    await sleep(5);
    const { status, body } = await requestJson(server, '/api/v1/fees');
    sim.clearFaults();
    assert.equal(status, 200);
    assert.equal(body.source, 'esplora');
    assert.equal(body.failed[0].provider, 'mempool');
    assert.equal(body.failed[0].category, 'upstream_5xx');
  });

  test('GET /api/v1/health answers 503 when the market service is unhealthy, 200 once it recovers', async () => {
    sim.setFault('*', { kind: 'status', status: 500 });
    for (const currency of ['usd', 'eur', 'gbp']) {
      await sleep(5);
      assert.equal((await requestJson(server, `/api/v1/price?currency=${currency}`)).status, 503);
    }
    const unhealthy = await requestJson(server, '/api/v1/health');
    assert.equal(unhealthy.status, 503);
    assert.equal(unhealthy.body.status, 'unhealthy');
    assert.equal(unhealthy.body.services.market.status, 'unhealthy');
    assert.match(unhealthy.body.services.market.reason, /failed requests in a row/);
    const head = await request(server, '/api/v1/health', { method: 'HEAD' });
    assert.equal(head.status, 503);

    sim.clearFaults();
    assert.equal((await requestJson(server, '/api/v1/price?currency=usd')).status, 200, 'failures are not remembered (NEGATIVE_CACHE_MS=0)');
    const recovered = await requestJson(server, '/api/v1/health');
    assert.equal(recovered.status, 200);
    assert.notEqual(recovered.body.services.market.status, 'unhealthy');
  });
});

describe('stale answers and work after the response', () => {
  let server;
  before(async () => {
    server = await worker({
      CACHE_TTL_PRICE: '1000', // fresh when served (on a slow machine too), stale soon after
      CACHE_SWR_PRICE: '0',
      CACHE_STALE_IF_ERROR_PRICE: '600000',
      CACHE_TTL_SENTIMENT: '1000',
      CACHE_SWR_SENTIMENT: '600000',
      RETRY_MAX_ATTEMPTS: '2',
      RETRY_BASE_DELAY_MS: '300',
      RETRY_MAX_DELAY_MS: '400',
      PERFORMANCE_INTERVAL: '1000',
    });
  });
  after(() => sim.clearFaults());

  test('with every provider failing, a cached price is answered stale with its reason and no-store', async () => {
    const fresh = await requestJson(server, '/api/v1/price?currency=chf');
    assert.equal(fresh.status, 200);
    assert.equal(fresh.body.stale, false);
    sim.setFault('*', { kind: 'status', status: 500 });
    try {
      await untilExpired(fresh.body); // SWR 0, so the next request must try the origin
      const stale = await requestJson(server, '/api/v1/price?currency=chf');
      assert.equal(stale.status, 200);
      assert.equal(stale.body.stale, true);
      assert.equal(stale.body.price, fresh.body.price);
      assert.equal(stale.body.fetched_at, fresh.body.fetched_at);
      assert.ok(stale.body.age_ms >= 1000, `age_ms ${stale.body.age_ms}`);
      // stale_reason is a typed error (web/index.d.ts): the providers' failure when the
      // coordinator answers within EDGE_STALE_TIMEOUT_MS, else the coordinator's lateness.
      const reason = stale.body.stale_reason;
      assert.ok(reason !== null && typeof reason === 'object', `stale_reason is an error object, got ${JSON.stringify(reason)}`);
      assert.ok(['upstream_5xx', 'timeout'].includes(reason.category), JSON.stringify(reason));
      assert.ok(typeof reason.message === 'string' && reason.message.length > 0);
      assert.equal(stale.headers.get('cache-control'), 'no-store');
    } finally {
      sim.clearFaults();
    }
  });

  test('a stale-while-revalidate refresh completes after the response has been sent', async () => {
    const first = await requestJson(server, '/api/v1/sentiment');
    assert.equal(first.body.stale, false);
    await sleep(1100); // past the TTL, inside the SWR window
    const calls = routeCount('fng.fng');
    const stale = await requestJson(server, '/api/v1/sentiment');
    assert.equal(stale.body.stale, true);
    assert.equal(stale.headers.get('cache-control'), 'no-store');
    // The refresh runs in the background, after the stale answer went out.
    await waitFor(() => routeCount('fng.fng') === calls + 1, 'the background refresh');
    const refreshed = await waitFor(async () => {
      const { body } = await requestJson(server, '/api/v1/sentiment');
      return body.stale === false ? body : null;
    }, 'the refreshed value');
    assert.equal(refreshed.cache, 'memory');
    assert.ok(refreshed.fetched_at > first.body.fetched_at);
    assert.equal(routeCount('fng.fng'), calls + 1);
  });

  test('a background refresh that fails once is retried after its back-off, after the response', async () => {
    await sleep(1100);
    const calls = routeCount('fng.fng');
    sim.setFault('fng.fng', { kind: 'status', status: 500, times: 1 });
    const stale = await requestJson(server, '/api/v1/sentiment');
    assert.equal(stale.body.stale, true);
    await waitFor(() => routeCount('fng.fng') === calls + 2, 'the failed attempt and its retry');
    const refreshed = await waitFor(async () => {
      const { body } = await requestJson(server, '/api/v1/sentiment');
      return body.stale === false ? body : null;
    }, 'the value from the retry');
    assert.equal(refreshed.source, 'fng');
    assert.equal(routeCount('fng.fng'), calls + 2);
  });

  test("the core's periodic sampling keeps running across requests", async () => {
    const before = (await requestJson(server, '/api/v1/history')).body.t.length;
    for (let i = 0; i < 2; i++) {
      await sleep(1200); // longer than PERFORMANCE_INTERVAL
      await requestJson(server, '/api/v1/fees');
    }
    const afterwards = (await requestJson(server, '/api/v1/history')).body.t.length;
    assert.ok(afterwards >= before + 2, `history points ${before} → ${afterwards}`);
  });
});

describe("a front's copies across isolates", () => {
  let dir;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ltl-edge-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  // The front keeps answer documents (JSON) in the Cache API under its own URLs.
  const CACHE_URL = 'https://bitcoin-ltl-front.invalid/v1/price%3Aaud';

  async function cachedDocument(server) {
    const caches = await server.mf.getCaches();
    const response = await caches.default.match(CACHE_URL);
    return response ? response.json() : null;
  }

  test('Cache API: a fresh isolate answers from the Cache API without calling the coordinator; admin invalidation reaches it', async () => {
    const env = { ADMIN_TOKEN };
    const options = { cachePersist: join(dir, 'cache') };

    const first = await worker(env, options);
    const origin = await requestJson(first, '/api/v1/price?currency=aud');
    assert.equal(origin.headers.get('x-ltl-cache'), 'origin');
    // The write to the Cache API happens after the response (this request's ctx.waitUntil).
    const doc = await waitFor(() => cachedDocument(first), 'the Cache API entry');
    assert.equal(doc.status, 200);
    assert.equal(JSON.parse(doc.body).fetched_at, origin.body.fetched_at);
    assert.ok(doc.fresh_until > Date.now() && doc.sie_until >= doc.fresh_until, JSON.stringify(doc));
    await first.close();

    // A new deployment: an empty memory tier and a new coordinator, the same Cache API.
    const second = await worker(env, options);
    const calls = priceCalls();
    const hit = await requestJson(second, '/api/v1/price?currency=aud');
    assert.equal(hit.status, 200);
    assert.equal(hit.headers.get('x-ltl-cache'), 'cache-api');
    assert.equal(hit.body.stale, false);
    assert.equal(hit.body.fetched_at, origin.body.fetched_at);
    assert.equal(hit.body.price, origin.body.price);
    assert.equal(priceCalls(), calls, 'no upstream call');
    assert.match(hit.headers.get('cache-control'), CACHE_CONTROL);
    const health = await requestJson(second, '/api/v1/health');
    assert.equal(health.body.front.answers['cache-api'], 1, JSON.stringify(health.body.front.answers));
    assert.equal(health.body.front.coordinator_calls.ok, 0, 'the coordinator was not asked');

    const invalidated = await requestJson(second, '/api/v1/cache/invalidate', {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({ key: 'price:aud' }),
    });
    assert.equal(invalidated.status, 200);
    assert.equal(invalidated.body.persistent_failed, 0, JSON.stringify(invalidated.body));
    // Invalidation expires by default: the copy stays only as the stale-if-error fallback.
    const expired = await cachedDocument(second);
    assert.ok(expired && expired.fresh_until <= Date.now() && expired.sie_until > Date.now(), JSON.stringify(expired));
    const refetched = await requestJson(second, '/api/v1/price?currency=aud');
    assert.equal(refetched.headers.get('x-ltl-cache'), 'origin');
    assert.equal(priceCalls(), calls + 1, 'the next request went upstream');
    await waitFor(async () => (await cachedDocument(second))?.fresh_until > Date.now(), 'the refetched copy in the Cache API');
    const purged = await requestJson(second, '/api/v1/cache/invalidate', {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({ key: 'price:aud', purge: true }),
    });
    assert.equal(purged.status, 200);
    assert.equal(await cachedDocument(second), null, 'purge: the entry left the Cache API');
    await second.close();
  });

  test('KV: a fresh isolate answers a slow-changing kind from the LTL_CACHE_KV copy the coordinator wrote', async () => {
    const options = { kv: true, kvPersist: join(dir, 'kv') };
    const difficultyCalls = () => routeCount('mempool.difficulty_adjustment');

    const first = await worker({}, options);
    const origin = await requestJson(first, '/api/v1/difficulty');
    assert.equal(origin.headers.get('x-ltl-cache'), 'origin');
    assert.equal((await requestJson(first, '/api/v1/price?currency=cad')).status, 200);
    const namespace = await first.mf.getKVNamespace('LTL_CACHE_KV');
    // Only kinds whose TTL reaches EDGE_KV_MIN_TTL_MS (5 min): difficulty, not price (30 s).
    await waitFor(async () => (await namespace.get('difficulty')) !== null, 'the KV entry');
    assert.equal(await namespace.get('price:cad'), null, 'a fast-changing kind is not written to KV');
    const health = await requestJson(first, '/api/v1/health');
    assert.equal(health.body.coordinator.kv.bound, true);
    assert.equal(health.body.coordinator.kv.writes, 1, JSON.stringify(health.body.coordinator.kv));
    assert.ok(!health.body.cache_tiers.some((tier) => tier.name === 'kv'), 'KV is not the core\'s tier');
    await first.close();

    const second = await worker({}, options);
    const calls = difficultyCalls();
    assert.ok(calls >= 1, 'the route counted the first call');
    const hit = await requestJson(second, '/api/v1/difficulty');
    assert.equal(hit.status, 200);
    assert.equal(hit.headers.get('x-ltl-cache'), 'kv');
    assert.equal(hit.body.stale, false);
    assert.equal(hit.body.fetched_at, origin.body.fetched_at);
    assert.equal(difficultyCalls(), calls, 'no upstream call');
    await second.close();
  });
});
