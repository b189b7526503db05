// Issue 3 through the JS API: coalescing, stale-while-revalidate, stale-if-error, invalidation,
// the synchronous memory-tier API, CACHE_ENABLED and run-time TTL changes — against the WASM build
// and the simulator. The client's wall clock is the simulator's manual clock; the simulator's
// request counters are the ground truth for "how many upstream calls".
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { LtlError } from '../../../web/index.js';
import { metricSample as sample, until, useManualSimulator } from '../support/simulated.mjs';

const PRICE_ROUTE = 'coingecko.simple_price';
const PRICE_FAULT_ROUTES = ['coingecko.simple_price', 'coinbase.spot', 'kraken.ticker', 'binance.ticker_24hr'];

let sim;
const { calls, withClient } = useManualSimulator(11, { onStart: (started) => { sim = started; } });

async function simulatorPriceUsd() {
  const url = `${sim.baseUrls.COINGECKO_API_URL}/simple/price?ids=bitcoin&vs_currencies=usd`;
  return (await (await fetch(url)).json()).bitcoin.usd;
}

const faultAllPriceProviders = (fault) => PRICE_FAULT_ROUTES.forEach((route) => sim.setFault(route, fault));

test('1,000 concurrent requests for one cold key make exactly one upstream request', async () => {
  await withClient({}, async (ltl) => {
    // A little latency keeps the one fetch in flight while all 1,000 callers arrive.
    sim.setFault(PRICE_ROUTE, { kind: 'latency', ms: 50 });
    const quotes = await Promise.all(Array.from({ length: 1_000 }, () => ltl.price('usd')));
    assert.equal(calls(PRICE_ROUTE), 1);
    assert.equal(sim.counts().total, 1);
    assert.equal(quotes.length, 1_000);
    for (const quote of quotes) {
      assert.equal(quote.price, quotes[0].price);
      assert.equal(quote.source, 'coingecko');
      assert.equal(quote.cache, 'origin');
      assert.equal(quote.stale, false);
    }
    const stats = ltl.cache.stats();
    assert.equal(stats.origin.fetches, 1);
    assert.equal(stats.origin.coalesced_waits, 999);
    const metrics = await ltl.metrics();
    assert.equal(sample(metrics, 'ltl_cache_coalesced_waits_total').value, 999);
    assert.equal(sample(metrics, 'ltl_upstream_requests_total', { provider: 'coingecko', outcome: 'ok' }).value, 1);
    // And the next caller is served from memory.
    assert.equal((await ltl.price('usd')).cache, 'memory');
    assert.equal(calls(PRICE_ROUTE), 1);
  });
});

test('1,000 concurrent requests on a network route share one call per provider too', async () => {
  await withClient({}, async (ltl) => {
    const answers = await Promise.all(Array.from({ length: 1_000 }, () => ltl.fees()));
    assert.equal(calls('mempool.fees_precise'), 1);
    assert.equal(sim.counts().total, 1);
    assert.ok(answers.every((a) => a.fastest_sat_vb === answers[0].fastest_sat_vb && a.source === 'mempool'));
  });
});

test('1,000 concurrent cold requests while every provider fails: one call per provider, every caller gets the typed error', async () => {
  await withClient({}, async (ltl) => {
    faultAllPriceProviders({ kind: 'status', status: 500 });
    const results = await Promise.allSettled(Array.from({ length: 1_000 }, () => ltl.price('usd')));
    for (const route of PRICE_FAULT_ROUTES) assert.equal(calls(route), 1, route);
    assert.ok(results.every((r) => r.status === 'rejected'));
    for (const { reason } of results) {
      assert.ok(reason instanceof LtlError);
      assert.equal(reason.category, 'upstream_5xx');
      assert.equal(reason.httpStatus, 503);
    }
    assert.equal(ltl.cache.has('price:usd'), false, 'a failure is not cached');
  });
});

test('stale-while-revalidate: after the TTL the stale value is answered at once and exactly one background refresh runs', async () => {
  await withClient({ CACHE_TTL_PRICE: '1000', CACHE_SWR_PRICE: '10000' }, async (ltl) => {
    const first = await ltl.price('usd');
    assert.equal(calls(PRICE_ROUTE), 1);
    sim.advance(1_500); // past the TTL, inside the SWR window; the simulator's price has moved
    // The refresh is slow; the stale answer must not wait for it.
    sim.setFault(PRICE_ROUTE, { kind: 'latency', ms: 500 });
    const started = performance.now();
    const stale = await ltl.price('usd');
    const elapsedMs = performance.now() - started;
    assert.ok(elapsedMs < 250, `answered in ${elapsedMs.toFixed(1)} ms, without waiting for the 500 ms refresh`);
    assert.equal(stale.stale, true);
    assert.equal(stale.price, first.price);
    assert.equal(stale.age_ms, 1_500);
    assert.equal(stale.cache, 'memory');
    assert.equal(stale.expires_at, first.expires_at);
    assert.equal(stale.stale_reason, undefined, 'stale because revalidating, not because the origin failed');
    // More callers while the refresh is in flight: all stale, no second refresh.
    const more = await Promise.all(Array.from({ length: 100 }, () => ltl.price('usd')));
    assert.ok(more.every((q) => q.stale && q.price === first.price));
    assert.equal(ltl.cache.stats().in_flight, 1);

    await until(() => ltl.cache.stats().in_flight === 0, 'the background refresh to finish');
    assert.equal(calls(PRICE_ROUTE), 2, 'exactly one background refresh');
    assert.equal(ltl.cache.stats().origin.background_refreshes, 1);
    const fresh = await ltl.price('usd');
    assert.equal(fresh.stale, false);
    assert.equal(fresh.cache, 'memory');
    assert.equal(fresh.age_ms, 0);
    assert.equal(fresh.fetched_at, sim.now());
    assert.equal(fresh.expires_at, sim.now() + 1_000);
    assert.equal(calls(PRICE_ROUTE), 2);
    assert.equal(fresh.price, await simulatorPriceUsd()); // (this fetch is counted too)
    const metrics = await ltl.metrics();
    assert.equal(sample(metrics, 'ltl_stale_answers_total', { route: 'price', reason: 'revalidating' }).value, 101);
    assert.equal(sample(metrics, 'ltl_requests_total', { route: 'price', outcome: 'stale' }).value, 101);
  });
});

test('past the SWR window the value is fetched before answering', async () => {
  await withClient({ CACHE_TTL_PRICE: '1000', CACHE_SWR_PRICE: '2000', CACHE_STALE_IF_ERROR_PRICE: '0' }, async (ltl) => {
    await ltl.price('usd');
    sim.advance(2_999); // fresh until +1000, SWR until +3000
    assert.equal((await ltl.price('usd')).stale, true);
    await until(() => calls(PRICE_ROUTE) === 2 && ltl.cache.stats().in_flight === 0, 'the background refresh');
    sim.advance(3_000); // the refreshed entry (stored at +2999) is past its SWR window too
    const answer = await ltl.price('usd');
    assert.equal(answer.stale, false);
    assert.equal(answer.cache, 'origin');
    assert.equal(calls(PRICE_ROUTE), 3);
  });
});

test('a failed background refresh keeps serving the stale value inside the SWR window', async () => {
  await withClient({ CACHE_TTL_PRICE: '1000', CACHE_SWR_PRICE: '10000' }, async (ltl) => {
    const first = await ltl.price('usd');
    sim.advance(2_000);
    faultAllPriceProviders({ kind: 'status', status: 500 });
    const stale = await ltl.price('usd');
    assert.equal(stale.stale, true);
    assert.equal(stale.price, first.price);
    await until(() => ltl.cache.stats().in_flight === 0, 'the background refresh to fail');
    assert.equal(ltl.cache.stats().origin.refresh_failures, 1);
    const again = await ltl.price('usd');
    assert.equal(again.stale, true);
    assert.equal(again.price, first.price);
    assert.equal(again.age_ms, 2_000);
    // That answer started another refresh: let it finish so it does not land in the next test's counts.
    await until(() => ltl.cache.stats().in_flight === 0, 'the second refresh to fail');
    assert.equal(ltl.cache.stats().origin.refresh_failures, 2);
  });
});

test('stale-if-error: the origin fails → the cached value flagged stale with its age and the reason, until the window ends', async () => {
  await withClient({ CACHE_TTL_PRICE: '1000', CACHE_SWR_PRICE: '0', CACHE_STALE_IF_ERROR_PRICE: '60000' }, async (ltl) => {
    const first = await ltl.price('usd');
    faultAllPriceProviders({ kind: 'status', status: 503 });
    sim.advance(5_000);
    const stale = await ltl.price('usd');
    assert.equal(stale.stale, true);
    assert.equal(stale.price, first.price, 'the cached value, nothing fabricated');
    assert.equal(stale.age_ms, 5_000);
    assert.equal(stale.fetched_at, first.fetched_at);
    assert.equal(stale.source, 'coingecko');
    assert.equal(stale.cache, 'memory');
    assert.equal(stale.stale_reason.category, 'upstream_5xx');
    assert.equal(stale.stale_reason.upstream_status, 503);
    assert.match(stale.stale_reason.message, /coingecko.*coinbase.*kraken.*binance/);
    for (const route of PRICE_FAULT_ROUTES) assert.equal(calls(route), route === PRICE_ROUTE ? 2 : 1, `${route} was tried`);
    const metrics = await ltl.metrics();
    assert.equal(sample(metrics, 'ltl_stale_answers_total', { route: 'price', reason: 'origin_error' }).value, 1);
    assert.equal(sample(metrics, 'ltl_cache_stale_if_error_answers_total').value, 1);

    // The window is measured from the end of freshness: fresh until +1000, stale-if-error until +61000.
    sim.advance(60_999 - 5_000);
    const last = await ltl.price('usd');
    assert.equal(last.stale, true);
    assert.equal(last.age_ms, 60_999);
    sim.advance(1);
    await assert.rejects(ltl.price('usd'), (error) => {
      assert.ok(error instanceof LtlError);
      assert.equal(error.category, 'upstream_5xx');
      assert.equal(error.httpStatus, 503);
      return true;
    });
    // Back up: fresh again, from the origin.
    sim.clearFaults();
    const recovered = await ltl.price('usd');
    assert.equal(recovered.stale, false);
    assert.equal(recovered.cache, 'origin');
    assert.equal(recovered.stale_reason, undefined);
  });
});

test('invalidate by exact key expires it (kept for stale-if-error), then the next request refetches', async () => {
  await withClient({}, async (ltl) => {
    await ltl.price('usd');
    await ltl.price('eur');
    assert.equal(calls(PRICE_ROUTE), 2);
    const report = await ltl.invalidate({ key: 'price:usd' });
    assert.equal(report.mode, 'expire');
    assert.equal(report.memory_expired, 1);
    assert.equal(report.memory_removed, 0);
    assert.equal(report.persistent_removed, 0);
    assert.equal(ltl.cache.has('price:usd'), false);
    assert.equal(ltl.cache.has('price:eur'), true);
    const again = await ltl.invalidate({ key: 'price:usd' });
    assert.equal(again.memory_expired + again.memory_removed, 0, 'already expired: nothing new');
    assert.equal(ltl.cache.stats().tiers.memory.expired_by_invalidation, 1);
    assert.equal((await ltl.price('usd')).cache, 'origin');
    assert.equal((await ltl.price('eur')).cache, 'memory');
    assert.equal(calls(PRICE_ROUTE), 3);
  });
});

test('invalidate by glob: * and ? are wildcards, every other character is literal', async () => {
  await withClient({}, async (ltl) => {
    await Promise.all([ltl.price('usd'), ltl.price('eur'), ltl.price('gbp'), ltl.fees()]);
    for (const key of ['a.b', 'axb', 'a+b', 'aab', '[x]', 'x']) ltl.cache.set(key, 'v', { ttlMs: 60_000 });
    // cache.set entries have no stale window, so even a soft invalidation removes them.
    assert.equal((await ltl.invalidate({ glob: 'a.b' })).memory_removed, 1, '"." is not "any character"');
    assert.equal(ltl.cache.has('axb'), true);
    assert.equal((await ltl.invalidate({ glob: 'a+b' })).memory_removed, 1, '"+" is literal');
    assert.equal(ltl.cache.has('aab'), true);
    assert.equal((await ltl.invalidate({ glob: '[x]' })).memory_removed, 1, 'brackets are literal');
    assert.equal(ltl.cache.has('x'), true);
    assert.equal((await ltl.invalidate({ glob: 'a?b' })).memory_removed, 2, '? matches one character: axb, aab');
    assert.equal((await ltl.invalidate({ glob: 'price:?sd' })).memory_expired, 1, 'route entries expire');
    assert.equal(ltl.cache.has('price:eur'), true);
    assert.equal((await ltl.invalidate({ glob: 'price:*' })).memory_expired, 2, 'eur and gbp; usd already expired');
    assert.equal(ltl.cache.has('fees'), true);
    assert.equal(ltl.cache.has('x'), true);
    const before = calls(PRICE_ROUTE);
    const answers = await Promise.all([ltl.price('usd'), ltl.price('eur'), ltl.price('gbp'), ltl.fees()]);
    assert.deepEqual(answers.map((a) => a.cache), ['origin', 'origin', 'origin', 'memory']);
    assert.equal(calls(PRICE_ROUTE), before + 3);
  });
});

test('invalidate({ glob: "*" }) keeps what stale-if-error needs; purge: true removes it', async () => {
  const env = { CACHE_TTL_PRICE: '60000', CACHE_SWR_PRICE: '30000', CACHE_STALE_IF_ERROR_PRICE: '600000' };
  await withClient(env, async (ltl) => {
    const first = await ltl.price('usd');
    sim.advance(1_000);
    const soft = await ltl.invalidate({ glob: '*' });
    assert.equal(soft.mode, 'expire');
    assert.equal(soft.memory_expired, 1);
    assert.equal(soft.memory_removed, 0);
    assert.equal(ltl.cache.has('price:usd'), false, 'no longer fresh');

    // Every provider down: the request goes upstream (no stale-while-revalidate answer), then
    // answers the expired value flagged stale with the reason.
    faultAllPriceProviders({ kind: 'status', status: 503 });
    const stale = await ltl.price('usd');
    assert.equal(calls(PRICE_ROUTE), 2, 'refetched');
    assert.equal(stale.stale, true);
    assert.equal(stale.price, first.price);
    assert.equal(stale.fetched_at, first.fetched_at);
    assert.equal(stale.age_ms, 1_000);
    assert.equal(stale.cache, 'memory');
    assert.equal(stale.stale_reason.category, 'upstream_5xx');

    // Back up: the next request refetches and is fresh.
    sim.clearFaults();
    const fresh = await ltl.price('usd');
    assert.equal(fresh.cache, 'origin');
    assert.equal(fresh.stale, false);
    assert.equal(calls(PRICE_ROUTE), 3);

    const purge = await ltl.invalidate({ glob: '*', purge: true });
    assert.equal(purge.mode, 'purge');
    assert.equal(purge.memory_removed, 1);
    assert.equal(purge.memory_expired, 0);
    faultAllPriceProviders({ kind: 'status', status: 503 });
    await assert.rejects(ltl.price('usd'), (error) => {
      assert.ok(error instanceof LtlError);
      assert.equal(error.category, 'upstream_5xx');
      return true;
    });
    assert.equal(calls(PRICE_ROUTE), 4);
    sim.clearFaults();
  });
});

test('invalidate: purge must be a boolean (a typed validation error otherwise)', async () => {
  await withClient({}, async (ltl) => {
    await ltl.price('usd');
    for (const purge of ['yes', 1, null]) {
      await assert.rejects(ltl.invalidate({ glob: '*', purge }), (error) => {
        assert.ok(error instanceof LtlError);
        assert.equal(error.category, 'validation');
        assert.equal(error.operation, 'invalidate');
        assert.match(error.message, /purge/);
        return true;
      });
    }
    assert.equal(ltl.cache.has('price:usd'), true, 'a rejected call invalidates nothing');
    const explicit = await ltl.invalidate({ key: 'price:usd', purge: false });
    assert.equal(explicit.mode, 'expire');
    assert.equal(explicit.memory_expired, 1);
  });
});

test('invalidate by tag (the route name) expires that route only', async () => {
  await withClient({}, async (ltl) => {
    await Promise.all([ltl.price('usd'), ltl.price('eur'), ltl.fees(), ltl.market('usd')]);
    const before = sim.counts().routes;
    const report = await ltl.invalidate({ tag: 'price' });
    assert.equal(report.memory_expired, 2);
    assert.equal(ltl.cache.has('market:usd'), true, 'market is its own tag');
    assert.equal(ltl.cache.has('fees'), true);
    assert.equal((await ltl.invalidate({ tag: 'fees' })).memory_expired, 1);
    const none = await ltl.invalidate({ tag: 'nosuchroute' });
    assert.equal(none.memory_expired + none.memory_removed, 0);
    const [usd, market, fees] = await Promise.all([ltl.price('usd'), ltl.market('usd'), ltl.fees()]);
    assert.equal(usd.cache, 'origin');
    assert.equal(market.cache, 'memory');
    assert.equal(fees.cache, 'origin');
    assert.equal(calls(PRICE_ROUTE), before[PRICE_ROUTE] + 1);
    assert.equal(calls('mempool.fees_precise'), before['mempool.fees_precise'] + 1);
  });
});

test('cache.get/set/has/stats: a synchronous key-value memory tier with explicit TTLs', async () => {
  await withClient({}, async (ltl) => {
    assert.equal(ltl.cache.has('k'), false);
    assert.equal(ltl.cache.get('k'), undefined);
    assert.equal(ltl.cache.set('k', 'value', { ttlMs: 1_000 }), true);
    assert.equal(ltl.cache.has('k'), true);
    assert.equal(ltl.cache.get('k'), 'value');
    ltl.cache.set('k', 'other', { ttlMs: 1_000 }); // overwrite
    assert.equal(ltl.cache.get('k'), 'other');
    ltl.cache.set(42, { toString: () => 'stringified' }); // keys and values are strings
    assert.equal(ltl.cache.get('42'), 'stringified');
    ltl.cache.set('forever', 'v', { ttlMs: Infinity });
    ltl.cache.set('default', 'v'); // 30 s
    ltl.cache.set('zero', 'v', { ttlMs: 0 }); // 0 is "expired at once", not "the default TTL"
    assert.equal(ltl.cache.has('zero'), false);

    sim.advance(999);
    assert.equal(ltl.cache.get('k'), 'other');
    sim.advance(1);
    assert.equal(ltl.cache.has('k'), false, 'expired exactly at its TTL');
    assert.equal(ltl.cache.get('k'), undefined);
    sim.advance(28_999);
    assert.equal(ltl.cache.has('default'), true);
    sim.advance(1);
    assert.equal(ltl.cache.has('default'), false);
    sim.advance(30 * 86_400_000);
    assert.equal(ltl.cache.get('forever'), 'v', 'no expiry');

    for (const bad of [-1, Number.NaN, '1000']) {
      assert.throws(() => ltl.cache.set('bad', 'v', { ttlMs: bad }), (error) => error instanceof LtlError && error.category === 'validation' && /ttlMs/.test(error.message));
    }
    assert.equal(ltl.cache.has('bad'), false);

    const stats = ltl.cache.stats();
    assert.equal(stats.enabled, true);
    const memory = stats.tiers.memory;
    assert.equal(memory.entries, 2, 'forever and 42');
    assert.equal(memory.sets, 6);
    assert.equal(memory.overwrites, 1);
    assert.ok(memory.bytes > 0);
    assert.ok(memory.hits >= 4);
    assert.equal(sim.counts().total, 0, 'nothing went upstream');
  });
});

test('CACHE_MAX_ENTRIES bounds the memory tier (least recently used goes first)', async () => {
  await withClient({ CACHE_MAX_ENTRIES: '2' }, async (ltl) => {
    await ltl.price('usd');
    await ltl.price('eur');
    await ltl.price('usd'); // usd is now the most recently used
    await ltl.price('gbp'); // evicts eur
    assert.equal(ltl.cache.stats().tiers.memory.entries, 2);
    assert.equal(ltl.cache.has('price:eur'), false);
    assert.equal((await ltl.price('usd')).cache, 'memory');
    assert.equal((await ltl.price('eur')).cache, 'origin');
    assert.equal(calls(PRICE_ROUTE), 4);
  });
});

test('CACHE_ENABLED=false: every request goes to the origin', async () => {
  await withClient({ CACHE_ENABLED: 'false' }, async (ltl) => {
    for (let i = 1; i <= 3; i++) {
      const quote = await ltl.price('usd');
      assert.equal(quote.cache, 'origin');
      assert.equal(quote.stale, false);
      assert.equal(calls(PRICE_ROUTE), i);
    }
    await Promise.all(Array.from({ length: 5 }, () => ltl.price('usd')));
    assert.equal(calls(PRICE_ROUTE), 8, 'no cache, no coalescing');
    const stats = ltl.cache.stats();
    assert.equal(stats.enabled, false);
    assert.equal(stats.origin.uncached_fetches, 8);
    assert.equal(stats.tiers.memory.entries, 0);
    const health = await ltl.health();
    assert.match(health.services.cache.reason, /disabled by CACHE_ENABLED/);
    // And with the cache off there is no stale-if-error either: a failure is an error.
    faultAllPriceProviders({ kind: 'status', status: 500 });
    await assert.rejects(ltl.price('usd'), (error) => error.category === 'upstream_5xx');
  });
});

test('a TTL of 0 means "not fresh at all", not "the default TTL"', async () => {
  await withClient({ CACHE_TTL_PRICE: '0', CACHE_SWR_PRICE: '0' }, async (ltl) => {
    const first = await ltl.price('usd');
    assert.equal(first.expires_at, sim.now());
    await ltl.price('usd');
    assert.equal(calls(PRICE_ROUTE), 2);
  });
});

test('updateConfig() of a TTL takes effect without a restart; so does CACHE_ENABLED', async () => {
  await withClient({}, async (ltl) => {
    const before = await ltl.price('usd');
    assert.equal(before.expires_at, sim.now() + 30_000);
    const { changed } = await ltl.updateConfig({ CACHE_TTL_PRICE: '2000', CACHE_SWR_PRICE: '0' });
    assert.deepEqual([...changed].sort(), ['CACHE_SWR_PRICE', 'CACHE_TTL_PRICE']);
    const eur = await ltl.price('eur');
    assert.equal(eur.expires_at, sim.now() + 2_000, 'a new entry gets the new TTL');
    sim.advance(1_999);
    assert.equal((await ltl.price('eur')).cache, 'memory');
    sim.advance(1);
    const refetched = await ltl.price('eur');
    assert.equal(refetched.cache, 'origin');
    assert.equal(refetched.expires_at, sim.now() + 2_000);
    assert.equal(calls(PRICE_ROUTE), 3);

    await ltl.updateConfig({ CACHE_ENABLED: 'false' });
    await ltl.price('eur');
    await ltl.price('eur');
    assert.equal(calls(PRICE_ROUTE), 5, 'the cache is bypassed at once');
    await ltl.updateConfig({ CACHE_ENABLED: 'true' });
    await ltl.price('gbp');
    assert.equal((await ltl.price('gbp')).cache, 'memory');
    assert.equal(calls(PRICE_ROUTE), 6);
  });
});

test('CACHE_WARM fetches the listed keys at start and reports them in a warm event', async () => {
  const events = [];
  await withClient({ CACHE_WARM: 'price:usd,fees,sentiment' }, async (ltl) => {
    ltl.on('warm', (event) => events.push(event));
    await until(() => events.length > 0, 'the warm event');
    assert.equal(events[0].type, 'warm');
    assert.equal(events[0].report.requested, 3);
    assert.equal(events[0].report.fetched, 3);
    assert.equal(events[0].report.failed, 0);
    assert.equal(calls(PRICE_ROUTE), 1);
    assert.equal(calls('mempool.fees_precise'), 1);
    assert.equal(calls('fng.fng'), 1);
    const [price, fees, sentiment] = await Promise.all([ltl.price('usd'), ltl.fees(), ltl.sentiment()]);
    assert.deepEqual([price.cache, fees.cache, sentiment.cache], ['memory', 'memory', 'memory']);
    assert.equal(sim.counts().total, 3, 'no further upstream calls');
  });
});
