// The JS API in Node against the WASM build and the upstream simulator: Emscripten Fetch →
// fetch()-backed XHR → simulator. The client's wall clock is the simulator's manual clock, so TTLs,
// ages and expiry times are exact; only real socket I/O is awaited.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';

import { createClient, LtlError } from '../../../web/index.js';
import { metricSample as sample, until, useManualSimulator } from '../support/simulated.mjs';

const PRICE_ROUTE = 'coingecko.simple_price';
const PRICE_FAULT_ROUTES = ['coingecko.simple_price', 'coinbase.spot', 'kraken.ticker', 'binance.ticker_24hr'];

let sim;
const { calls, client, withClient } = useManualSimulator(7, { onStart: (started) => { sim = started; } });

const coingeckoUrl = (currency) =>
  `${sim.baseUrls.COINGECKO_API_URL}/simple/price?ids=bitcoin&vs_currencies=${currency}` +
  '&include_market_cap=true&include_24hr_vol=true&include_24hr_change=true&include_last_updated_at=true';

test('price() returns the typed quote from the first provider with full provenance', async () => {
  await withClient({}, async (ltl) => {
    const quote = await ltl.price('usd');
    assert.equal(quote.currency, 'usd');
    assert.equal(quote.source, 'coingecko');
    assert.deepEqual(quote.failed, []);
    assert.equal(typeof quote.price, 'number');
    assert.ok(quote.price > 0);
    for (const field of ['market_cap', 'volume_24h', 'change_24h_pct']) assert.equal(typeof quote[field], 'number', field);
    // CoinGecko has no "since UTC midnight" change: missing stays null, not 0.
    assert.equal(quote.change_since_utc_midnight_pct, null);
    assert.ok(quote.market_cap > quote.price);
    // as_of is CoinGecko's last_updated_at (seconds) in ms, never in the future.
    assert.equal(quote.as_of % 1000, 0);
    assert.ok(quote.as_of <= sim.now() && sim.now() - quote.as_of < 120_000);
    assert.equal(quote.stale, false);
    assert.equal(quote.age_ms, 0);
    assert.equal(quote.fetched_at, sim.now());
    assert.equal(quote.expires_at, sim.now() + 30_000); // CACHE_TTL_PRICE default
    assert.equal(quote.cache, 'origin');
    assert.equal(quote.stale_reason, undefined);
    assert.equal(calls(PRICE_ROUTE), 1);
    assert.equal(sim.counts().total, 1, 'no other provider was asked');
    // request() is the same route.
    const viaRequest = await ltl.request('price', { currency: 'usd' });
    assert.equal(viaRequest.price, quote.price);
    assert.equal(viaRequest.cache, 'memory');
  });
});

test('the quote equals what the simulator served', async () => {
  await withClient({}, async (ltl) => {
    const quote = await ltl.price('eur');
    const body = await (await fetch(coingeckoUrl('eur'))).json();
    assert.equal(quote.price, body.bitcoin.eur);
    assert.equal(quote.market_cap, body.bitcoin.eur_market_cap);
    assert.equal(quote.volume_24h, body.bitcoin.eur_24h_vol);
    assert.equal(quote.change_24h_pct, body.bitcoin.eur_24h_change);
    assert.equal(quote.as_of, body.bitcoin.last_updated_at * 1000);
  });
});

test('a second call is served from the memory cache: no new upstream request', async () => {
  await withClient({}, async (ltl) => {
    const first = await ltl.price('usd');
    sim.advance(10_000);
    const second = await ltl.price('USD'); // currency codes are case-insensitive: same key
    assert.equal(calls(PRICE_ROUTE), 1);
    assert.equal(sim.counts().total, 1);
    assert.equal(second.price, first.price);
    assert.equal(second.cache, 'memory');
    assert.equal(second.age_ms, 10_000);
    assert.equal(second.fetched_at, first.fetched_at);
    assert.equal(second.expires_at, first.expires_at);
    assert.equal(second.stale, false);
  });
});

test('after the TTL the price is fetched again (manual clock) and moves with the simulator', async () => {
  await withClient({ CACHE_TTL_PRICE: '5000', CACHE_SWR_PRICE: '0' }, async (ltl) => {
    const first = await ltl.price('usd');
    assert.equal(first.expires_at, sim.now() + 5_000);
    sim.advance(4_999);
    const cached = await ltl.price('usd');
    assert.equal(cached.cache, 'memory');
    assert.equal(calls(PRICE_ROUTE), 1);
    sim.advance(1); // exactly at expires_at: no longer fresh
    const refetched = await ltl.price('usd');
    assert.equal(calls(PRICE_ROUTE), 2);
    assert.equal(refetched.cache, 'origin');
    assert.equal(refetched.age_ms, 0);
    assert.equal(refetched.expires_at, sim.now() + 5_000);
    sim.advance(10 * 60_000);
    const later = await ltl.price('usd');
    assert.equal(calls(PRICE_ROUTE), 3);
    assert.notEqual(later.price, first.price);
    const body = await (await fetch(coingeckoUrl('usd'))).json();
    assert.equal(later.price, body.bitcoin.usd);
  });
});

test('bad input is a validation error (400) that reaches no upstream', async () => {
  await withClient({}, async (ltl) => {
    const rejectsValidation = (promise, pattern) =>
      assert.rejects(promise, (error) => {
        assert.ok(error instanceof LtlError, 'an LtlError');
        assert.equal(error.category, 'validation');
        assert.equal(error.httpStatus, 400);
        assert.equal(error.retryable, false);
        assert.match(error.message, pattern);
        return true;
      });
    for (const bad of ['xyz', '', '<script>', 'us', 'usd;rm', 'btc']) await rejectsValidation(ltl.price(bad), /currency/);
    await rejectsValidation(ltl.request('price', { currency: 7 }), /currency: expected a string/);
    await rejectsValidation(ltl.request('price', { currency: 'usd', foo: 1 }), /foo: unknown parameter/);
    await rejectsValidation(ltl.request('fees', { x: 1 }), /x: unknown parameter; this route takes none/);
    await rejectsValidation(ltl.request('nope'), /route: got "nope"; expected one of price/);
    await rejectsValidation(ltl.request('price', 'usd'), /parameters: expected an object/);
    assert.equal(sim.counts().total, 0);
    // Validation errors are tracked, but say nothing about upstream health.
    const errors = await ltl.errors();
    assert.equal(errors.length, 11);
    assert.ok(errors.every((e) => e.category === 'validation'));
    assert.equal(errors[0].route, 'price');
    assert.equal(errors[0].at, sim.now());
    assert.equal((await ltl.health()).status, 'healthy');
  });
});

// The shell's own argument checks (web/index.js) build LtlError without an http_status, so the
// constructor's default (500) applies to what is a caller mistake.
test('validation errors raised by the JS shell also carry httpStatus 400', async () => {
  await withClient({}, async (ltl) => {
    const isClientError = (error) => error instanceof LtlError && error.category === 'validation' && error.httpStatus === 400;
    await assert.rejects(ltl.invalidate({}), isClientError);
    await assert.rejects(ltl.report({ windowMs: 0 }), isClientError);
    assert.throws(() => ltl.cache.set('k', 'v', { ttlMs: -5 }), isClientError);
    assert.throws(() => ltl.on('nope', () => {}), isClientError);
  });
});

test('invalid configuration is rejected with the key, the value and what was expected', async () => {
  const rejectsConfig = (promise, pattern) =>
    assert.rejects(promise, (error) => {
      assert.ok(error instanceof LtlError);
      assert.equal(error.category, 'config');
      assert.match(error.message, pattern);
      return true;
    });
  await rejectsConfig(createClient({ CACHE_DEFAULT_TTL: 'soon' }), /CACHE_DEFAULT_TTL: got "soon"; expected an integer number of milliseconds/);
  await rejectsConfig(createClient({ COINGECKO_API_URL: 'file:///etc/passwd' }), /COINGECKO_API_URL/);
  await rejectsConfig(createClient({ TYPO_KEY: 1 }), /TYPO_KEY: unknown configuration key/);
  await rejectsConfig(createClient({ PRICE_PROVIDERS: 'coingecko,nosuch' }), /PRICE_PROVIDERS/);
  await rejectsConfig(createClient({ RETRY_MAX_ATTEMPTS: '0' }), /RETRY_MAX_ATTEMPTS/);
});

test('config() redacts secrets; updateConfig() applies at run time, emits a config event, rejects bad input whole', async () => {
  const secretUrl = sim.baseUrls.COINGECKO_API_URL.replace('http://', 'http://user:hunter2@');
  await withClient({ COINGECKO_API_KEY: 'cg-secret-123', COINGECKO_API_URL: secretUrl }, async (ltl) => {
    const config = await ltl.config();
    const text = JSON.stringify(config);
    assert.ok(!text.includes('cg-secret-123'), 'the API key never appears');
    assert.ok(!text.includes('hunter2'), 'URL credentials never appear');
    assert.equal(config.COINGECKO_API_KEY, '(set)');
    assert.equal(config.CACHE_TTL_PRICE, 30_000);
    assert.equal(config.RETRY_MAX_ATTEMPTS, 1);

    const events = [];
    const unsubscribe = ltl.on('config', (event) => events.push(event));
    const versionBefore = (await ltl.health()).config_version;
    const updated = await ltl.updateConfig({ CACHE_TTL_PRICE: '5000', CONSENSUS_OUTLIER_PCT: 3 });
    assert.deepEqual([...updated.changed].sort(), ['CACHE_TTL_PRICE', 'CONSENSUS_OUTLIER_PCT']);
    assert.equal(updated.config.CACHE_TTL_PRICE, 5_000);
    assert.equal((await ltl.config()).CONSENSUS_OUTLIER_PCT, 3);
    assert.equal((await ltl.health()).config_version, versionBefore + 1);
    assert.equal(events.length, 1);
    assert.equal(events[0].type, 'config');
    assert.deepEqual([...events[0].changed].sort(), ['CACHE_TTL_PRICE', 'CONSENSUS_OUTLIER_PCT']);
    assert.equal(events[0].version, versionBefore + 1);

    // One bad key rejects the whole update: the good one is not applied either.
    await assert.rejects(ltl.updateConfig({ CACHE_TTL_FEES: '2000', CACHE_TTL_PRICE: 'x' }), (error) => {
      assert.ok(error instanceof LtlError);
      assert.equal(error.category, 'config');
      assert.match(error.message, /CACHE_TTL_PRICE: got "x"/);
      return true;
    });
    await assert.rejects(ltl.updateConfig({ NOT_A_KEY: 1 }), /NOT_A_KEY/);
    const after = await ltl.config();
    assert.equal(after.CACHE_TTL_FEES, config.CACHE_TTL_FEES);
    assert.equal(after.CACHE_TTL_PRICE, 5_000);
    assert.equal(events.length, 1, 'rejected updates emit nothing');

    unsubscribe();
    await ltl.updateConfig({ CACHE_TTL_PRICE: '6000' });
    assert.equal(events.length, 1, 'unsubscribed');
    // The key still authenticates: the client works with the credentialed URL.
    const quote = await ltl.price('usd');
    assert.equal(quote.source, 'coingecko');
    assert.equal(quote.expires_at, sim.now() + 6_000);
  });
});

test('on() validates its arguments', async () => {
  await withClient({}, async (ltl) => {
    assert.throws(() => ltl.on('nope', () => {}), (error) => error instanceof LtlError && error.category === 'validation' && /expected one of alert, breaker, health, config, warm/.test(error.message));
    assert.throws(() => ltl.on('alert', 'not a function'), TypeError);
    const unsubscribes = Array.from({ length: 64 }, () => ltl.on('alert', () => {}));
    assert.throws(() => ltl.on('alert', () => {}), /too many alert listeners/);
    unsubscribes.forEach((unsubscribe) => unsubscribe());
    ltl.on('alert', () => {})();
  });
});

test('health(), metrics() and metricsText() reflect the traffic', async () => {
  await withClient({}, async (ltl) => {
    const healthy = await ltl.health();
    assert.equal(healthy.status, 'healthy');
    assert.deepEqual(Object.keys(healthy.services).sort(), ['cache', 'config', 'market', 'monitor', 'network', 'sentiment', 'upstream']);
    for (const service of Object.values(healthy.services)) {
      assert.equal(service.status, 'healthy');
      assert.equal(typeof service.reason, 'string');
    }
    assert.equal(healthy.checked_at, sim.now());
    assert.ok(Array.isArray(healthy.alerts));
    assert.ok(Array.isArray(healthy.cache_tiers));
    assert.equal(typeof healthy.config_version, 'number');

    await ltl.price('usd');
    await ltl.price('usd');
    const metrics = await ltl.metrics();
    assert.equal(metrics.taken_at, sim.now());
    assert.equal(sample(metrics, 'ltl_requests_total', { route: 'price', outcome: 'hit' }).value, 1);
    assert.equal(sample(metrics, 'ltl_requests_total', { route: 'price', outcome: 'miss' }).value, 1);
    assert.equal(sample(metrics, 'ltl_upstream_requests_total', { provider: 'coingecko', outcome: 'ok' }).value, 1);
    const latency = sample(metrics, 'ltl_upstream_latency_ms', { provider: 'coingecko' });
    assert.equal(latency.count, 1);
    assert.ok(latency.sum > 0 && latency.p50 > 0);
    assert.equal(sample(metrics, 'ltl_request_duration_ms', { route: 'price' }).count, 2);
    assert.ok(sample(metrics, 'ltl_wasm_heap_bytes').value >= 4 * 1024 * 1024);
    assert.equal(sample(metrics, 'ltl_cache_entries', { tier: 'memory' }).value, 1);
    assert.ok(sample(metrics, 'ltl_cache_bytes', { tier: 'memory' }).value > 0);
    assert.equal(sample(metrics, 'ltl_cache_lookups_total', { family: 'price', result: 'hit', tier: 'memory' }).value, 1);
    assert.equal(sample(metrics, 'ltl_breaker_state', { provider: 'coingecko' }).value, 0);
    for (const m of metrics.metrics) {
      assert.match(m.name, /^ltl_[a-z0-9_]+$/);
      assert.ok(['counter', 'gauge', 'histogram'].includes(m.type), `${m.name}: ${m.type}`);
      assert.ok(m.help.length > 0 && m.unit.length > 0, `${m.name} has help and unit`);
    }

    const text = await ltl.metricsText();
    assert.match(text, /^# HELP ltl_requests_total .+$/m);
    assert.match(text, /^# TYPE ltl_requests_total counter$/m);
    assert.match(text, /^ltl_requests_total\{outcome="hit",route="price"\} 1$/m);
    assert.match(text, /^ltl_requests_total\{outcome="miss",route="price"\} 1$/m);
    // ms histograms are exported in seconds, as Prometheus histograms (fixed buckets, +Inf = count).
    assert.match(text, /^# TYPE ltl_upstream_latency_seconds histogram$/m);
    assert.match(text, /^ltl_upstream_latency_seconds_count\{provider="coingecko"\} 1$/m);
    assert.match(text, /^ltl_upstream_latency_seconds_bucket\{provider="coingecko",le="\+Inf"\} 1$/m);
    assert.match(text, /^ltl_upstream_latency_seconds_bucket\{provider="coingecko",le="0\.0001"\} 0$/m);
    // A family with no traffic yet is there from the first scrape, at 0.
    assert.match(text, /^ltl_upstream_requests_total\{outcome="error",provider="kraken"\} 0$/m);
    assert.doesNotMatch(text, /_ms[{ ]/, 'no ms-unit series in the Prometheus text');
    const sumSeconds = Number(text.match(/^ltl_upstream_latency_seconds_sum\{provider="coingecko"\} (\S+)$/m)[1]);
    assert.ok(Math.abs(sumSeconds - latency.sum / 1000) < 1e-6, 'ms → s');
    const openmetrics = await ltl.metricsText({ format: 'openmetrics' });
    assert.match(openmetrics, /^# TYPE ltl_requests counter$/m);
    assert.match(openmetrics, /^ltl_requests_total\{outcome="hit",route="price"\} 1$/m);
    assert.ok(openmetrics.endsWith('# EOF\n'));
    await assert.rejects(ltl.metricsText({ format: 'json' }), /format must be 'prometheus' or 'openmetrics', got "json"/);

    // Every price provider fails three times in a row: the market family is unhealthy.
    for (const route of PRICE_FAULT_ROUTES) sim.setFault(route, { kind: 'status', status: 500 });
    for (const currency of ['eur', 'gbp', 'jpy']) await assert.rejects(ltl.price(currency));
    const health = await ltl.health();
    assert.equal(health.status, 'unhealthy');
    assert.equal(health.services.market.status, 'unhealthy');
    assert.match(health.services.market.reason, /price: 3 failed requests in a row, last: upstream_5xx/);
    assert.equal(health.services.network.status, 'healthy', 'other families are unaffected');
    const after = await ltl.metrics();
    assert.equal(sample(after, 'ltl_requests_total', { route: 'price', outcome: 'error' }).value, 3);
    assert.equal(sample(after, 'ltl_errors_total', { category: 'upstream_5xx' }).value, 3);
    // Binance lists BTCEUR and BTCJPY but no BTCGBP: it is asked (and fails) for two of the three.
    assert.equal(sample(after, 'ltl_upstream_errors_total', { provider: 'binance', category: 'upstream_5xx' }).value, 2);
    // A success resets the family.
    sim.clearFaults();
    await ltl.price('eur');
    assert.equal((await ltl.health()).services.market.status, 'healthy');
  });
});

test('history(), alerts(), report() and errors() have their shapes; health events arrive on change', async () => {
  await withClient({ HEALTH_CHECK_INTERVAL: '1000', PERFORMANCE_INTERVAL: '1000' }, async (ltl) => {
    const start = sim.now();
    const history = await ltl.history();
    assert.deepEqual(history.t, [start], 'a first point at start');
    assert.equal(typeof history.series, 'object');
    const alerts = await ltl.alerts();
    assert.deepEqual(alerts.active, []);
    assert.deepEqual(alerts.recent, []);
    assert.deepEqual(await ltl.errors(), []);

    const healthEvents = [];
    ltl.on('health', (event) => healthEvents.push(event));
    await ltl.price('usd');
    for (const route of PRICE_FAULT_ROUTES) sim.setFault(route, { kind: 'status', status: 503 });
    for (const currency of ['eur', 'gbp', 'jpy']) await assert.rejects(ltl.price(currency));
    sim.advance(1_000);
    // The health and performance timers run on real time (at least 1 s): the only real wait here.
    await until(() => healthEvents.length > 0, 'a health event', 3_000);
    assert.equal(healthEvents[0].type, 'health');
    assert.equal(healthEvents[0].from, 'healthy');
    assert.equal(healthEvents[0].to, 'unhealthy');
    assert.equal(healthEvents[0].health.status, 'unhealthy');

    const sampled = await until(async () => {
      const h = await ltl.history();
      return h.t.length >= 2 ? h : null;
    }, 'a second history point', 3_000);
    assert.equal(sampled.t.at(-1), start + 1_000);
    const keys = Object.keys(sampled.series);
    assert.ok(keys.some((k) => k.startsWith('ltl_requests_total')), `series: ${keys.slice(0, 5)}`);
    for (const key of keys) assert.equal(sampled.series[key].length, sampled.t.length, `${key} aligned with t`);

    const report = await ltl.report({ windowMs: 60_000 });
    assert.equal(report.generated_at_ms, sim.now());
    const coingecko = report.providers.find((p) => p.provider === 'coingecko');
    assert.equal(coingecko.requests, 4);
    assert.equal(coingecko.errors, 3);
    assert.equal(coingecko.errors_by_category.upstream_5xx, 3);
    assert.ok(Array.isArray(report.alerts.active));
    assert.ok(report.cache.families.some((f) => f.family === 'price'));

    const errors = await ltl.errors();
    assert.equal(errors.length, 3);
    for (const error of errors) {
      assert.equal(error.route, 'price');
      assert.equal(error.category, 'upstream_5xx');
      assert.equal(error.upstream_status, 503);
      assert.match(error.message, /coingecko.*coinbase.*kraken/);
    }
    assert.deepEqual(errors.map((error) => /binance/.test(error.message)), [true, false, true], 'eur, gbp (not on Binance), jpy');
  });
});

test('typed errors: every provider failed → an LtlError with category, severity, provider, operation, statuses', async () => {
  await withClient({}, async (ltl) => {
    for (const route of PRICE_FAULT_ROUTES) sim.setFault(route, { kind: 'status', status: 502 });
    const error = await ltl.price('usd').then(
      (value) => assert.fail(`resolved with ${JSON.stringify(value)}`),
      (e) => e,
    );
    assert.ok(error instanceof LtlError);
    assert.ok(error instanceof Error);
    assert.equal(error.name, 'LtlError');
    assert.equal(error.category, 'upstream_5xx');
    assert.ok(['low', 'medium', 'high', 'critical'].includes(error.severity));
    assert.equal(error.retryable, true);
    assert.equal(error.provider, '', 'several providers failed: none singled out');
    assert.equal(error.operation, 'price');
    assert.equal(error.upstreamStatus, 502);
    assert.equal(error.httpStatus, 503);
    for (const provider of ['coingecko', 'coinbase', 'kraken', 'binance']) assert.match(error.message, new RegExp(`${provider}: upstream_5xx`));
    const json = JSON.parse(JSON.stringify(error));
    assert.deepEqual(Object.keys(json), ['error']);
    assert.equal(json.error.category, 'upstream_5xx');
    assert.equal(json.error.operation, 'price');
    assert.equal(json.error.upstream_status, 502);
    assert.equal(json.error.message, error.message);
    assert.equal(LtlError.fromJSON(JSON.stringify(json)).category, 'upstream_5xx');
    // The failure was not cached: the next call goes out again and succeeds.
    sim.clearFaults();
    const quote = await ltl.price('usd');
    assert.equal(quote.cache, 'origin');
    assert.deepEqual(quote.failed, []);
  });
});

test('close() rejects pending calls and later calls; a late upstream answer is harmless', async () => {
  const ltl = await client();
  sim.setFault(PRICE_ROUTE, { kind: 'latency', ms: 100 });
  const pending = ltl.price('usd');
  const alsoPending = ltl.fees();
  ltl.close();
  const closed = (error) => error instanceof LtlError && error.category === 'internal' && /client closed/.test(error.message);
  await assert.rejects(pending, closed);
  await assert.rejects(alsoPending, closed);
  await assert.rejects(ltl.price('usd'), closed);
  await assert.rejects(ltl.health(), closed);
  await assert.rejects(ltl.metrics(), closed);
  await assert.rejects(ltl.updateConfig({ CACHE_TTL_PRICE: '1' }), closed);
  assert.throws(() => ltl.cache.get('price:usd'), closed);
  assert.throws(() => ltl.subscribe('blocks', () => {}), closed);
  ltl.close(); // twice is fine
  // The delayed answer arrives after close(): it must not throw into the event loop.
  await until(() => calls(PRICE_ROUTE) === 1, 'the delayed request to arrive');
  await sleep(150);
});
