// Issue 4 through the JS API: every fault kind the simulator can inject, on the price chain
// (CoinGecko → Coinbase → Kraken → Binance) and on the tip chain (mempool.space → esplora →
// blockchain.info), in three situations: (a) only the first provider fails → the next answers and
// the failure is named; (b) every provider fails with a value cached inside its stale-if-error
// window → that value, flagged stale with its age and reason; (c) every provider fails and nothing
// is cached → a typed error, never a value. Then breakers, retries, Retry-After, metrics, and
// bounded memory over 10,000 failing requests. The client's wall clock is the simulator's manual
// clock; only real socket I/O (and the short HTTP_TIMEOUT_MS of hanging calls) is waited for.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import { LtlError } from '../../../web/index.js';
import { refusedUrl } from '../../../scripts/simulator/index.mjs';
import { CLIENT_DEFAULTS, metricSample as sample, metricValue as value, until, useManualSimulator } from '../support/simulated.mjs';

// Hanging upstreams are given up on after HANG_TIMEOUT_MS; everything else gets a generous timeout,
// since the simulator shares this process (and its CPU) with the client.
const HANG_TIMEOUT_MS = 400;
const TIMEOUT_MS = 5_000;
const STALE_AGE_MS = 5_000;

// One attempt per call unless a test is about retries;
// fresh for 1 s, no stale-while-revalidate (it would answer stale without asking the origin),
// stale-if-error for 10 minutes.
const BASE_CONFIG = {
  ...CLIENT_DEFAULTS,
  HTTP_TIMEOUT_MS: String(TIMEOUT_MS),
  CACHE_TTL_PRICE: '1000', CACHE_SWR_PRICE: '0', CACHE_STALE_IF_ERROR_PRICE: '600000',
  CACHE_TTL_BLOCKS: '1000', CACHE_SWR_BLOCKS: '0', CACHE_STALE_IF_ERROR_BLOCKS: '600000',
};

let sim;
const { calls, withClient } = useManualSimulator(3, { onStart: (started) => { sim = started; }, defaults: BASE_CONFIG });

// health().breakers: { in_flight, providers: { name: { breaker, limiter } } } (or a list of them).
function breakerOf(health, provider) {
  const { breakers } = health;
  const entry = Array.isArray(breakers) ? breakers.find((b) => b.provider === provider) : breakers.providers[provider];
  assert.ok(entry, `health() lists the ${provider} breaker`);
  return entry;
}

async function rejection(promise) {
  return promise.then(
    (answer) => assert.fail(`expected a typed error, got a value: ${JSON.stringify(answer).slice(0, 300)}`),
    (error) => error,
  );
}

const CHAINS = {
  price: {
    routes: ['coingecko.simple_price', 'coinbase.spot', 'kraken.ticker', 'binance.ticker_24hr'],
    providers: ['coingecko', 'coinbase', 'kraken', 'binance'],
    route: 'price',
    key: 'price:usd',
    call: (ltl) => ltl.price('usd'),
    // What the second provider serves, for checking the fallback's value.
    async secondValue() {
      const body = await (await fetch(`${sim.baseUrls.COINBASE_API_URL}/prices/BTC-USD/spot`)).json();
      return { field: 'price', value: Number(body.data.amount) };
    },
    // A plain-text answer where JSON is expected.
    mismatch: { name: 'plain text on a JSON endpoint', fault: { kind: 'body', body: 'Service Unavailable' } },
  },
  tip: {
    routes: ['mempool.tip_height', 'esplora.tip_height', 'blockchain_info.getblockcount'],
    providers: ['mempool', 'esplora', 'blockchain_info'],
    route: 'tip',
    key: 'tip',
    call: (ltl) => ltl.tip(),
    async secondValue() {
      return { field: 'height', value: Number(await (await fetch(`${sim.baseUrls.ESPLORA_API_URL}/blocks/tip/height`)).text()) };
    },
    // esplora-style JSON rate-limit body, with 200, on the plain-text height endpoint.
    mismatch: { name: 'a JSON body on the plain-text height endpoint', fault: { kind: 'body', body: { message: 'Too Many Requests' } } },
  },
};

function faultKinds(chain) {
  return [
    { name: 'HTTP 500', fault: { kind: 'status', status: 500 }, category: 'upstream_5xx', status: 500 },
    { name: 'HTTP 503 with Retry-After', fault: { kind: 'status', status: 503, retryAfter: 30 }, category: 'upstream_5xx', status: 503, retryAfterMs: 30_000 },
    { name: 'HTTP 429 with Retry-After', fault: { kind: 'status', status: 429, retryAfter: 45 }, category: 'rate_limited', status: 429, retryAfterMs: 45_000 },
    { name: 'timeout (the upstream hangs)', fault: { kind: 'hang' }, category: 'timeout', status: 0, config: { HTTP_TIMEOUT_MS: String(HANG_TIMEOUT_MS) } },
    { name: 'malformed JSON', fault: { kind: 'malformed' }, category: 'parse', status: 200 },
    { name: 'truncated body', fault: { kind: 'truncated' }, category: 'parse', status: 200 },
    { name: 'HTML error page (502)', fault: { kind: 'html' }, category: 'upstream_5xx', status: 502 },
    { name: 'HTML error page with status 200', fault: { kind: 'html', status: 200 }, category: 'parse', status: 200 },
    { ...chain.mismatch, category: 'parse', status: 200 },
    { name: 'connection reset', fault: { kind: 'reset' }, category: 'network', status: 0 },
  ];
}

for (const [chainName, chain] of Object.entries(CHAINS)) {
  describe(`${chainName} chain (${chain.providers.join(' → ')})`, () => {
    for (const kind of faultKinds(chain)) {
      const options = {};

      test(`${kind.name}: only ${chain.providers[0]} fails → ${chain.providers[1]} answers, the failure is named`, options, async () => {
        await withClient(kind.config ?? {}, async (ltl) => {
          sim.setFault(chain.routes[0], kind.fault);
          const answer = await chain.call(ltl);
          assert.equal(answer.source, chain.providers[1]);
          assert.equal(answer.stale, false);
          assert.equal(answer.cache, 'origin');
          assert.equal(answer.failed.length, 1);
          assert.equal(answer.failed[0].provider, chain.providers[0]);
          assert.equal(answer.failed[0].category, kind.category);
          assert.equal(answer.failed[0].upstream_status, kind.status);
          assert.equal(typeof answer.failed[0].message, 'string');
          const expected = await chain.secondValue();
          assert.equal(answer[expected.field], expected.value, `the ${chain.providers[1]} value, nothing made up`);
          assert.equal(calls(chain.routes[0]), 1);
          assert.equal(calls(chain.routes[2]), 0, 'the third provider was not needed');
          const metrics = await ltl.metrics();
          assert.equal(value(metrics, 'ltl_upstream_errors_total', { provider: chain.providers[0], category: kind.category }), 1);
          assert.equal(value(metrics, 'ltl_provider_fallbacks_total', { route: chain.route, provider: chain.providers[0] }), 1);
          assert.equal(value(metrics, 'ltl_upstream_requests_total', { provider: chain.providers[0], outcome: 'error' }), 1);
          // One failure does not open a breaker.
          assert.equal(breakerOf(await ltl.health(), chain.providers[0]).breaker.state, 'closed');
        });
      });

      test(`${kind.name}: every provider fails, a value is cached → stale with age and reason`, options, async () => {
        await withClient(kind.config ?? {}, async (ltl) => {
          const cached = await chain.call(ltl);
          assert.equal(cached.stale, false);
          sim.advance(STALE_AGE_MS);
          for (const route of chain.routes) sim.setFault(route, kind.fault);
          const answer = await chain.call(ltl);
          assert.equal(answer.stale, true);
          assert.equal(answer.age_ms, STALE_AGE_MS);
          assert.equal(answer.fetched_at, cached.fetched_at);
          assert.equal(answer.source, cached.source);
          assert.equal(answer.cache, 'memory');
          const field = chain === CHAINS.price ? 'price' : 'height';
          assert.equal(answer[field], cached[field], 'the cached value, nothing made up');
          assert.equal(answer.stale_reason.category, kind.category);
          assert.equal(answer.stale_reason.upstream_status, kind.status);
          for (const provider of chain.providers) assert.match(answer.stale_reason.message, new RegExp(`${provider}: ${kind.category}`));
          if (kind.retryAfterMs !== undefined) assert.equal(answer.stale_reason.retry_after_ms, kind.retryAfterMs);
          for (const route of chain.routes) assert.ok(calls(route) >= 1, `${route} was tried`);
          const metrics = await ltl.metrics();
          assert.equal(value(metrics, 'ltl_stale_answers_total', { route: chain.route, reason: 'origin_error' }), 1);
        });
      });

      test(`${kind.name}: every provider fails, nothing cached → typed ${kind.category} error (503), no value`, options, async () => {
        await withClient(kind.config ?? {}, async (ltl) => {
          for (const route of chain.routes) sim.setFault(route, kind.fault);
          const error = await rejection(chain.call(ltl));
          assert.ok(error instanceof LtlError);
          assert.equal(error.category, kind.category);
          assert.equal(error.httpStatus, 503);
          assert.equal(error.upstreamStatus, kind.status);
          assert.equal(error.operation, chain.route);
          assert.equal(error.retryable, kind.category !== 'parse');
          for (const provider of chain.providers) assert.match(error.message, new RegExp(`${provider}: ${kind.category}`));
          if (kind.retryAfterMs !== undefined) assert.equal(error.retryAfterMs, kind.retryAfterMs);
          assert.equal(ltl.cache.has(chain.key), false, 'nothing was cached');
          const metrics = await ltl.metrics();
          for (const provider of chain.providers) {
            assert.equal(value(metrics, 'ltl_upstream_errors_total', { provider, category: kind.category }), 1, provider);
          }
          assert.equal(value(metrics, 'ltl_errors_total', { category: kind.category }), 1);
          assert.equal(value(metrics, 'ltl_requests_total', { route: chain.route, outcome: 'error' }), 1);
          // The client is still fine: once the upstreams recover it answers normally.
          sim.clearFaults();
          sim.advance(60_000); // past any Retry-After pause
          const recovered = await chain.call(ltl);
          assert.equal(recovered.source, chain.providers[0]);
          assert.equal(recovered.stale, false);
        });
      });
    }

    test(`slow response below the timeout: ${chain.providers[0]} still answers`, async () => {
      await withClient({ HTTP_TIMEOUT_MS: '1000' }, async (ltl) => {
        sim.setFault(chain.routes[0], { kind: 'latency', ms: 150 });
        const answer = await chain.call(ltl);
        assert.equal(answer.source, chain.providers[0]);
        assert.deepEqual(answer.failed, []);
        assert.equal(calls(chain.routes[1]), 0);
        const latency = sample(await ltl.metrics(), 'ltl_upstream_latency_ms', { provider: chain.providers[0] });
        assert.ok(latency.sum >= 145, `latency ${latency.sum} ms measured`);
      });
    });
  });
}

describe('connection refused', () => {
  test('only the first provider refused → the next answers; failed names it as network', async () => {
    await withClient({ COINGECKO_API_URL: `${await refusedUrl()}/api/v3` }, async (ltl) => {
      const answer = await ltl.price('usd');
      assert.equal(answer.source, 'coinbase');
      assert.equal(answer.failed.length, 1);
      assert.equal(answer.failed[0].provider, 'coingecko');
      assert.equal(answer.failed[0].category, 'network');
      assert.equal(answer.failed[0].upstream_status, 0);
      assert.equal(value(await ltl.metrics(), 'ltl_upstream_errors_total', { provider: 'coingecko', category: 'network' }), 1);
    });
  });

  test('every provider refused (set at run time) with a cached value → stale; without one → typed network error', async () => {
    const refused = await refusedUrl();
    const refusedConfig = {
      COINGECKO_API_URL: `${refused}/coingecko`, COINBASE_API_URL: `${refused}/coinbase`,
      KRAKEN_API_URL: `${refused}/kraken`, BINANCE_API_URL: `${refused}/binance`,
    };
    await withClient({}, async (ltl) => {
      const cached = await ltl.price('usd');
      sim.advance(STALE_AGE_MS);
      await ltl.updateConfig(refusedConfig);
      const stale = await ltl.price('usd');
      assert.equal(stale.stale, true);
      assert.equal(stale.age_ms, STALE_AGE_MS);
      assert.equal(stale.price, cached.price);
      assert.equal(stale.stale_reason.category, 'network');
      const error = await rejection(ltl.price('eur'));
      assert.ok(error instanceof LtlError);
      assert.equal(error.category, 'network');
      assert.equal(error.httpStatus, 503);
      assert.equal(error.upstreamStatus, 0);
      assert.match(error.message, /coingecko: network.*coinbase: network.*kraken: network.*binance: network/);
    });
  });
});

describe('circuit breakers', () => {
  test('repeated failures open the breaker: health, metrics and events show it, the transport is no longer called; a probe closes it', async () => {
    await withClient({ CACHE_ENABLED: 'false', PRICE_PROVIDERS: 'coingecko,coinbase' }, async (ltl) => {
      const events = [];
      ltl.on('breaker', (event) => events.push(event));
      sim.setFault('coingecko.simple_price', { kind: 'status', status: 500 });
      for (let i = 0; i < 5; i++) {
        const answer = await ltl.price('usd');
        assert.equal(answer.source, 'coinbase');
        assert.equal(answer.failed[0].category, 'upstream_5xx');
      }
      assert.equal(calls('coingecko.simple_price'), 5);
      assert.deepEqual(events.map((e) => [e.provider, e.from, e.to]), [['coingecko', 'closed', 'open']]);
      assert.equal(events[0].type, 'breaker');
      assert.equal(events[0].at, sim.now());

      let health = await ltl.health();
      assert.equal(breakerOf(health, 'coingecko').breaker.state, 'open');
      assert.equal(breakerOf(health, 'coinbase').breaker.state, 'closed');
      assert.equal(health.services.upstream.status, 'degraded');
      assert.match(health.services.upstream.reason, /coingecko open/);
      assert.equal(health.services.market.status, 'degraded');
      assert.match(health.services.market.reason, /1 of 2 providers open/);
      assert.equal(health.status, 'degraded');
      let metrics = await ltl.metrics();
      assert.equal(value(metrics, 'ltl_breaker_state', { provider: 'coingecko' }), 2);
      assert.equal(value(metrics, 'ltl_breaker_transitions_total', { provider: 'coingecko', to: 'open' }), 1);
      assert.match(await ltl.metricsText(), /^ltl_breaker_state\{provider="coingecko"\} 2$/m);

      // Open: coingecko is skipped without a request.
      for (let i = 0; i < 10; i++) {
        const answer = await ltl.price('usd');
        assert.equal(answer.source, 'coinbase');
        assert.equal(answer.failed[0].provider, 'coingecko');
        assert.equal(answer.failed[0].category, 'circuit_open');
      }
      assert.equal(calls('coingecko.simple_price'), 5, 'the transport was not called while open');
      metrics = await ltl.metrics();
      assert.equal(value(metrics, 'ltl_upstream_errors_total', { provider: 'coingecko', category: 'circuit_open' }), 10);
      assert.equal(value(metrics, 'ltl_upstream_errors_total', { provider: 'coingecko', category: 'upstream_5xx' }), 5);

      // After the break (BREAKER_OPEN_MS, 30 s by default) one probe goes out; success closes it.
      sim.clearFaults();
      sim.advance(29_999);
      assert.equal((await ltl.price('usd')).failed[0]?.category, 'circuit_open');
      assert.equal(calls('coingecko.simple_price'), 5);
      sim.advance(1);
      const probed = await ltl.price('usd');
      assert.equal(probed.source, 'coingecko');
      assert.deepEqual(probed.failed, []);
      assert.equal(calls('coingecko.simple_price'), 6);
      health = await ltl.health();
      assert.equal(breakerOf(health, 'coingecko').breaker.state, 'closed');
      assert.equal(health.status, 'healthy');
      assert.deepEqual(events.map((e) => e.to), ['open', 'half_open', 'closed']);
      assert.equal(value(await ltl.metrics(), 'ltl_breaker_state', { provider: 'coingecko' }), 0);
    });
  });

  test('a failed half-open probe reopens the breaker for a longer break', async () => {
    await withClient({ CACHE_ENABLED: 'false', PRICE_PROVIDERS: 'coingecko,coinbase' }, async (ltl) => {
      sim.setFault('coingecko.simple_price', { kind: 'status', status: 500 });
      for (let i = 0; i < 5; i++) await ltl.price('usd');
      sim.advance(30_000);
      const probe = await ltl.price('usd');
      assert.equal(probe.failed[0].category, 'upstream_5xx', 'the probe went out and failed');
      assert.equal(calls('coingecko.simple_price'), 6);
      const breaker = breakerOf(await ltl.health(), 'coingecko').breaker;
      assert.equal(breaker.state, 'open');
      assert.equal(breaker.current_break_ms, 60_000, 'the break doubles');
      sim.advance(59_999);
      await ltl.price('usd');
      assert.equal(calls('coingecko.simple_price'), 6, 'still open');
      sim.advance(1);
      await ltl.price('usd');
      assert.equal(calls('coingecko.simple_price'), 7, 'the next probe');
    });
  });

  test('every breaker of the chain open → circuit_open error without any request', async () => {
    await withClient({ CACHE_ENABLED: 'false', PRICE_PROVIDERS: 'coingecko,coinbase' }, async (ltl) => {
      sim.setFault('coingecko.*', { kind: 'status', status: 500 });
      sim.setFault('coinbase.*', { kind: 'status', status: 500 });
      for (let i = 0; i < 5; i++) await assert.rejects(ltl.price('usd'), (e) => e.category === 'upstream_5xx');
      const before = sim.counts().total;
      const error = await rejection(ltl.price('usd'));
      assert.ok(error instanceof LtlError);
      assert.equal(error.category, 'circuit_open');
      assert.equal(error.httpStatus, 503);
      assert.ok(error.retryAfterMs > 0 && error.retryAfterMs <= 30_000, `retry after ${error.retryAfterMs} ms`);
      assert.match(error.message, /coingecko: circuit_open.*coinbase: circuit_open/);
      assert.equal(sim.counts().total, before, 'no request went out');
      const health = await ltl.health();
      assert.equal(health.services.market.status, 'unhealthy');
    });
  });
});

describe('retries', () => {
  test('a 5xx is retried (with backoff) before falling back; retries and errors are counted', async () => {
    await withClient({ RETRY_MAX_ATTEMPTS: '3', RETRY_BASE_DELAY_MS: '1', RETRY_MAX_DELAY_MS: '5' }, async (ltl) => {
      sim.setFault('coingecko.simple_price', { kind: 'status', status: 500 });
      const answer = await ltl.price('usd');
      assert.equal(answer.source, 'coinbase');
      assert.equal(answer.failed[0].category, 'upstream_5xx');
      assert.equal(calls('coingecko.simple_price'), 3);
      const metrics = await ltl.metrics();
      assert.equal(value(metrics, 'ltl_upstream_retries_total', { provider: 'coingecko' }), 2);
      assert.equal(value(metrics, 'ltl_upstream_errors_total', { provider: 'coingecko', category: 'upstream_5xx' }), 3);
      assert.equal(value(metrics, 'ltl_upstream_requests_total', { provider: 'coingecko', outcome: 'error' }), 3);
      const delays = sample(metrics, 'ltl_upstream_retry_delay_ms', { provider: 'coingecko' });
      assert.equal(delays.count, 2);
      assert.ok(delays.sum >= 2 && delays.sum <= 10, `delays within [base, max]: ${delays.sum}`);
      assert.match(await ltl.metricsText(), /^ltl_upstream_retries_total\{provider="coingecko"\} 2$/m);
    });
  });

  test('a transient 5xx is absorbed by a retry: the same provider answers', async () => {
    await withClient({ RETRY_MAX_ATTEMPTS: '3', RETRY_BASE_DELAY_MS: '1', RETRY_MAX_DELAY_MS: '5' }, async (ltl) => {
      sim.setFault('coingecko.simple_price', { kind: 'status', status: 502, times: 1 });
      const answer = await ltl.price('usd');
      assert.equal(answer.source, 'coingecko');
      assert.deepEqual(answer.failed, []);
      assert.equal(calls('coingecko.simple_price'), 2);
      assert.equal(calls('coinbase.spot'), 0);
      assert.equal(value(await ltl.metrics(), 'ltl_upstream_retries_total', { provider: 'coingecko' }), 1);
    });
  });

  test('parse errors are not retried (the same body would come back)', async () => {
    await withClient({ RETRY_MAX_ATTEMPTS: '3', RETRY_BASE_DELAY_MS: '1', RETRY_MAX_DELAY_MS: '5' }, async (ltl) => {
      sim.setFault('coingecko.simple_price', { kind: 'malformed' });
      const answer = await ltl.price('usd');
      assert.equal(answer.source, 'coinbase');
      assert.equal(calls('coingecko.simple_price'), 1);
      assert.equal(value(await ltl.metrics(), 'ltl_upstream_retries_total', { provider: 'coingecko' }), 0);
    });
  });

  test('Retry-After on a 503 is honoured: the retry waits at least that long', async () => {
    await withClient({ RETRY_MAX_ATTEMPTS: '2', RETRY_BASE_DELAY_MS: '1', RETRY_MAX_DELAY_MS: '5' }, async (ltl) => {
      sim.setFault('coingecko.simple_price', { kind: 'status', status: 503, retryAfter: 1, times: 1 });
      const pending = ltl.price('usd');
      // Once the 503 is handled, move the wall clock past the pause it asked for.
      await until(async () => value(await ltl.metrics(), 'ltl_upstream_retries_total', { provider: 'coingecko' }) === 1, 'the retry to be scheduled');
      sim.advance(1_000);
      const answer = await pending;
      assert.equal(answer.source, 'coingecko');
      assert.deepEqual(answer.failed, []);
      assert.equal(calls('coingecko.simple_price'), 2);
      const delays = sample(await ltl.metrics(), 'ltl_upstream_retry_delay_ms', { provider: 'coingecko' });
      assert.equal(delays.count, 1);
      assert.ok(delays.sum >= 1_000, `waited ${delays.sum} ms, at least the 1 s asked for`);
    });
  });

  test('a 429 with Retry-After pauses that host only: its next calls fail locally, other hosts answer at once', async () => {
    await withClient({ CACHE_ENABLED: 'false' }, async (ltl) => {
      sim.setFault('coingecko.simple_price', { kind: 'status', status: 429, retryAfter: 30, times: 1 });
      const first = await ltl.price('usd');
      assert.equal(first.source, 'coinbase');
      assert.equal(first.failed[0].category, 'rate_limited');
      assert.equal(first.failed[0].upstream_status, 429);
      assert.equal(calls('coingecko.simple_price'), 1);
      assert.ok(breakerOf(await ltl.health(), 'coingecko').limiter.paused_for_ms === 30_000);

      const started = performance.now();
      const second = await ltl.price('usd');
      assert.ok(performance.now() - started < 500, 'nobody waited for the paused host');
      assert.equal(second.source, 'coinbase');
      assert.equal(second.failed[0].provider, 'coingecko');
      assert.equal(second.failed[0].category, 'rate_limited');
      assert.equal(second.failed[0].upstream_status, 0, 'refused locally, not by the upstream');
      assert.equal(calls('coingecko.simple_price'), 1, 'no request during the pause');
      // Fees (another host) are unaffected.
      assert.equal((await ltl.fees()).source, 'mempool');

      sim.advance(30_000);
      const third = await ltl.price('usd');
      assert.equal(third.source, 'coingecko');
      assert.equal(calls('coingecko.simple_price'), 2);
    });
  });
});

describe('bounded memory', () => {
  // What a leak would show: the linear memory, the tracked errors, and the number of metric series,
  // history points and breaker entries (values change, the number of things held must not).
  async function snapshotSizes(ltl) {
    const metrics = await ltl.metrics();
    const history = await ltl.history();
    const health = await ltl.health();
    return {
      heap: value(metrics, 'ltl_wasm_heap_bytes'),
      errors: (await ltl.errors()).length,
      series: metrics.metrics.reduce((n, m) => n + m.samples.length, 0),
      historyPoints: history.t.length,
      historySeries: Object.keys(history.series).length,
      alerts: health.alerts.length,
      breakerChars: JSON.stringify(health.breakers).length,
    };
  }
  async function failMany(ltl, count, perBatch, between = () => {}) {
    const categories = {};
    for (let done = 0; done < count; done += perBatch) {
      between();
      const results = await Promise.allSettled(Array.from({ length: perBatch }, () => ltl.price('usd')));
      for (const result of results) {
        assert.equal(result.status, 'rejected', 'never a fabricated value');
        assert.ok(result.reason instanceof LtlError);
        categories[result.reason.category] = (categories[result.reason.category] ?? 0) + 1;
      }
    }
    return categories;
  }
  function assertBounded(warm, end, what) {
    // The linear memory only ever grows, in 64 KiB pages and by at least 20 % per step (Emscripten's
    // resize policy): any growth at all fails this bound.
    assert.ok(end.heap - warm.heap < 64 * 1024, `${what}: WASM heap ${warm.heap} → ${end.heap} bytes`);
    assert.ok(end.errors <= 100, `${what}: errors() holds ${end.errors}`);
    // Alert rules may fire meanwhile (a few new labelled series); nothing per request.
    assert.ok(end.series - warm.series <= 16, `${what}: metric series ${warm.series} → ${end.series}`);
    assert.ok(end.historyPoints - warm.historyPoints <= 3, `${what}: history points ${warm.historyPoints} → ${end.historyPoints}`);
    assert.ok(end.historySeries - warm.historySeries <= 16, `${what}: history series ${warm.historySeries} → ${end.historySeries}`);
    assert.ok(end.alerts <= 20, `${what}: ${end.alerts} active alerts`);
    assert.ok(end.breakerChars - warm.breakerChars <= 256, `${what}: breaker snapshot ${warm.breakerChars} → ${end.breakerChars} chars`);
  }

  test('10,000 failing requests (every price provider down, breakers fail fast) do not grow memory', async () => {
    await withClient({ CACHE_ENABLED: 'false' }, async (ltl) => {
      sim.setFault('*', { kind: 'status', status: 500 });
      // One at a time until every breaker is open (5 consecutive failures each): a burst of
      // concurrent first calls would all be admitted while the breakers are still closed.
      const opening = await failMany(ltl, 5, 1);
      assert.deepEqual(opening, { upstream_5xx: 5 });
      for (const route of CHAINS.price.routes) assert.equal(calls(route), 5, route);
      const warmup = await failMany(ltl, 1_995, 285);
      assert.deepEqual(warmup, { circuit_open: 1_995 });
      const warm = await snapshotSizes(ltl);
      const rest = await failMany(ltl, 8_000, 250);
      const end = await snapshotSizes(ltl);
      assertBounded(warm, end, '10,000 fail-fast requests');
      assert.equal(warm.errors, 100);
      assert.deepEqual(rest, { circuit_open: 8_000 });
      assert.equal(sim.counts().total, 20, 'open breakers: no further request reached the simulator');
      const health = await ltl.health();
      assert.equal(health.breakers.in_flight ?? 0, 0, 'no call left in flight');
      for (const provider of CHAINS.price.providers) assert.equal(breakerOf(health, provider).breaker.state, 'open');
      assert.equal(ltl.cache.stats().in_flight, 0);
      const metrics = await ltl.metrics();
      assert.equal(value(metrics, 'ltl_requests_total', { route: 'price', outcome: 'error' }), 10_000);
      assert.equal(value(metrics, 'ltl_errors_total', { category: 'circuit_open' }), 9_995);
      assert.equal(value(metrics, 'ltl_upstream_errors_total', { provider: 'binance', category: 'circuit_open' }), 9_995);
    });
  });

  test('1,500 failing requests that each reach the upstream do not grow memory either', async () => {
    const config = {
      CACHE_ENABLED: 'false', PRICE_PROVIDERS: 'coingecko',
      BREAKER_CONSECUTIVE_FAILURES: '0', BREAKER_MIN_CALLS: '10000', // never opens
    };
    await withClient(config, async (ltl) => {
      sim.setFault('coingecko.simple_price', { kind: 'status', status: 500 });
      // Each batch a second later, so the rate limiter's buckets refill on the manual clock.
      const tick = () => sim.advance(1_000);
      await failMany(ltl, 500, 50, tick);
      const warm = await snapshotSizes(ltl);
      const categories = await failMany(ltl, 1_000, 50, tick);
      const end = await snapshotSizes(ltl);
      assert.deepEqual(categories, { upstream_5xx: 1_000 });
      assert.equal(calls('coingecko.simple_price'), 1_500, 'every request went out');
      assertBounded(warm, end, '1,500 upstream failures');
      assert.equal(breakerOf(await ltl.health(), 'coingecko').breaker.state, 'closed');
    });
  });
});
