// The JS API in Node against the WASM build and the upstream simulator:
// Emscripten Fetch → fetch()-backed XHR → simulator, on a manual clock.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';

import { createClient, LtlError } from '../../../web/index.js';
import { startSimulator, refusedUrl } from '../../../scripts/simulator/index.mjs';

const PRICE_ROUTE = 'coingecko.simple_price';
let sim;

before(async () => {
  sim = await startSimulator({ seed: 7, clock: 'manual' });
});
after(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.clearFaults();
  sim.resetCounts();
});

const priceCalls = () => sim.counts().routes[PRICE_ROUTE] ?? 0;

function client(config = {}, options = {}) {
  return createClient(
    { COINGECKO_API_URL: sim.baseUrls.COINGECKO_API_URL, CACHE_DEFAULT_TTL: '30000', ...config },
    { now: () => sim.now(), ...options },
  );
}

test('price() returns the typed quote from CoinGecko with provenance', async () => {
  const ltl = await client();
  try {
    const quote = await ltl.price('usd');
    assert.equal(quote.currency, 'usd');
    assert.equal(quote.source, 'coingecko');
    assert.equal(typeof quote.price, 'number');
    assert.ok(quote.price > 0);
    for (const field of ['market_cap', 'volume_24h', 'change_24h_pct']) assert.equal(typeof quote[field], 'number', field);
    assert.ok(quote.market_cap > quote.price);
    // as_of comes from CoinGecko's last_updated_at (seconds) → ms, never in the future.
    assert.equal(quote.as_of % 1000, 0);
    assert.ok(quote.as_of <= sim.now());
    assert.ok(sim.now() - quote.as_of < 120_000);
    assert.equal(quote.stale, false);
    assert.equal(quote.age_ms, 0);
    assert.equal(quote.expires_at, sim.now() + 30_000);
    assert.equal(priceCalls(), 1);
  } finally {
    ltl.close();
  }
});

test('the quote matches what the simulator served', async () => {
  const ltl = await client();
  try {
    const quote = await ltl.price('eur');
    const body = await (await fetch(`${sim.baseUrls.COINGECKO_API_URL}/simple/price?ids=bitcoin&vs_currencies=eur&include_market_cap=true&include_24hr_vol=true&include_24hr_change=true&include_last_updated_at=true`)).json();
    assert.equal(quote.price, body.bitcoin.eur);
    assert.equal(quote.market_cap, body.bitcoin.eur_market_cap);
    assert.equal(quote.volume_24h, body.bitcoin.eur_24h_vol);
    assert.equal(quote.change_24h_pct, body.bitcoin.eur_24h_change);
    assert.equal(quote.as_of, body.bitcoin.last_updated_at * 1000);
  } finally {
    ltl.close();
  }
});

test('a second call is served from cache: no new upstream request', async () => {
  const ltl = await client();
  try {
    const first = await ltl.price('usd');
    sim.advance(10_000);
    const second = await ltl.price('USD');
    assert.equal(priceCalls(), 1);
    assert.equal(second.price, first.price);
    assert.equal(second.age_ms, 10_000);
    assert.equal(second.expires_at, first.expires_at);
  } finally {
    ltl.close();
  }
});

test('after the TTL the price is fetched again and moves with the simulator', async () => {
  const ltl = await client({ CACHE_TTL_PRICE: '5000' });
  try {
    const first = await ltl.price('usd');
    sim.advance(4_999);
    await ltl.price('usd');
    assert.equal(priceCalls(), 1);
    sim.advance(1);
    const refetched = await ltl.price('usd');
    assert.equal(priceCalls(), 2);
    assert.equal(refetched.age_ms, 0);
    assert.equal(refetched.expires_at, sim.now() + 5_000);
    sim.advance(10 * 60_000);
    const later = await ltl.price('usd');
    assert.notEqual(later.price, first.price);
  } finally {
    ltl.close();
  }
});

test('concurrent cold requests share one upstream call', async () => {
  const ltl = await client();
  try {
    const quotes = await Promise.all(Array.from({ length: 200 }, () => ltl.price('gbp')));
    assert.equal(priceCalls(), 1);
    assert.ok(quotes.every((q) => q.price === quotes[0].price));
  } finally {
    ltl.close();
  }
});

test('an unknown currency is a validation error and reaches no upstream', async () => {
  const ltl = await client();
  try {
    for (const bad of ['xyz', '', '<script>', 'us', 'usd;rm']) {
      await assert.rejects(ltl.price(bad), (error) => {
        assert.ok(error instanceof LtlError);
        assert.equal(error.category, 'validation');
        assert.equal(error.httpStatus, 400);
        assert.match(error.message, /currency/);
        return true;
      });
    }
    assert.equal(priceCalls(), 0);
  } finally {
    ltl.close();
  }
});

const failures = [
  { name: '503', fault: { kind: 'status', status: 503 }, category: 'upstream_5xx', upstreamStatus: 503 },
  { name: '429 with Retry-After', fault: { kind: 'status', status: 429, retryAfter: 119 }, category: 'rate_limited', upstreamStatus: 429, retryAfterMs: 119_000 },
  { name: 'malformed JSON', fault: { kind: 'malformed' }, category: 'parse' },
  { name: 'truncated body', fault: { kind: 'truncated' }, category: 'parse' },
  { name: 'HTML error page', fault: { kind: 'html', status: 200 }, category: 'parse' },
  { name: 'HTML 502', fault: { kind: 'html', status: 502 }, category: 'upstream_5xx', upstreamStatus: 502 },
  { name: 'connection reset', fault: { kind: 'reset' }, category: 'network' },
];

for (const { name, fault, category, upstreamStatus = 0, retryAfterMs } of failures) {
  test(`upstream ${name} → typed ${category} error, nothing fabricated or cached`, async () => {
    const ltl = await client();
    try {
      sim.setFault(PRICE_ROUTE, fault);
      await assert.rejects(ltl.price('usd'), (error) => {
        assert.ok(error instanceof LtlError);
        assert.equal(error.category, category);
        assert.equal(error.provider, 'coingecko');
        assert.equal(error.operation, 'price');
        assert.equal(error.upstreamStatus, upstreamStatus);
        assert.equal(error.httpStatus, 503);
        if (retryAfterMs !== undefined) assert.equal(error.retryAfterMs, retryAfterMs);
        return true;
      });
      sim.clearFaults();
      const quote = await ltl.price('usd');
      assert.equal(quote.age_ms, 0, 'the failure was not cached');
      assert.equal(priceCalls(), 2);
    } finally {
      ltl.close();
    }
  });
}

test('a hanging upstream times out as category timeout', async () => {
  const ltl = await client({ HTTP_TIMEOUT_MS: '300' });
  try {
    sim.setFault(PRICE_ROUTE, { kind: 'hang' });
    await assert.rejects(ltl.price('usd'), (error) => error.category === 'timeout' && error.retryable === true);
  } finally {
    ltl.close();
  }
});

test('a refused connection is category network', async () => {
  const ltl = await createClient({ COINGECKO_API_URL: `${await refusedUrl()}/api/v3` });
  try {
    await assert.rejects(ltl.price('usd'), (error) => error.category === 'network');
  } finally {
    ltl.close();
  }
});

test('health and metrics reflect the traffic', async () => {
  const ltl = await client();
  try {
    assert.equal((await ltl.health()).status, 'healthy');
    await ltl.price('usd');
    await ltl.price('usd');
    const metrics = await ltl.metrics();
    const sample = (name, labels) => metrics.metrics.find((m) => m.name === name)
      ?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    assert.equal(sample('ltl_requests_total', { route: 'price', outcome: 'hit' }).value, 1);
    assert.equal(sample('ltl_requests_total', { route: 'price', outcome: 'miss' }).value, 1);
    assert.equal(sample('ltl_upstream_latency_ms', { provider: 'coingecko' }).count, 1);
    assert.ok(sample('ltl_wasm_heap_bytes', {}).value >= 4 * 1024 * 1024);
    assert.equal(sample('ltl_cache_entries', { tier: 'memory' }).value, 1);

    sim.setFault(PRICE_ROUTE, { kind: 'status', status: 500 });
    for (const currency of ['eur', 'gbp', 'jpy']) await ltl.price(currency).catch(() => {});
    const health = await ltl.health();
    assert.equal(health.status, 'unhealthy');
    assert.match(health.services.market.reason, /upstream_5xx/);
  } finally {
    ltl.close();
  }
});

test('invalid configuration is rejected with the key, the value and what was expected', async () => {
  await assert.rejects(createClient({ CACHE_DEFAULT_TTL: 'soon' }), (error) => {
    assert.equal(error.category, 'config');
    assert.match(error.message, /CACHE_DEFAULT_TTL: got "soon"; expected an integer number of milliseconds/);
    return true;
  });
  await assert.rejects(createClient({ COINGECKO_API_URL: 'file:///etc/passwd' }), /COINGECKO_API_URL/);
  await assert.rejects(createClient({ TYPO_KEY: 1 }), /TYPO_KEY: unknown configuration key/);
});

test('close() rejects pending calls and later calls', async () => {
  const ltl = await client();
  sim.setFault(PRICE_ROUTE, { kind: 'latency', ms: 200 });
  const pending = ltl.price('usd');
  ltl.close();
  await assert.rejects(pending, /client closed/);
  await assert.rejects(ltl.price('usd'), /client closed/);
  await assert.rejects(ltl.health(), /client closed/);
});
