// Hit rate and upstream calls under a Zipf key mix, through the real routes of the JS API
// against the upstream simulator on a manual clock, versus the theoretical minimum.
// Not part of `npm test`. Results: docs/benchmarks.md.
//
//   node bench/zipf-bench.mjs [--requests=10000] [--duration-ms=600000] [--s=1.1] [--seed=1]
//                             [--refresh-ahead=20,0] [--provider-limits=off|default] [--json=out.json]
//
// One request trace (keys and arrival times) is drawn from a seeded PRNG and replayed once
// per CACHE_REFRESH_AHEAD_PCT value, each time against a fresh simulator and client. The
// client's wall clock is the simulator's manual clock (options.now = sim.now), moved to each
// arrival time before the request. After each request the script waits until the cache has
// no fetch in flight, so background refreshes finish at the instant they started: upstream
// latency is zero in simulated time and the run is deterministic. Every upstream call made
// while serving request i (foreground or the background refresh it triggered) belongs to
// request i's key, so simulator counts are attributed per key exactly.
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { startSimulator } from '../scripts/simulator/index.mjs';
import { createClient } from '../web/index.js';
import { mulberry32 } from './random.mjs';

const args = Object.fromEntries(process.argv.slice(2).map((arg) => {
  const [name, value = 'true'] = arg.replace(/^--/, '').split('=');
  return [name, value];
}));
const REQUESTS = Number(args.requests ?? 10000);
const DURATION_MS = Number(args['duration-ms'] ?? 600000);
const ZIPF_S = Number(args.s ?? 1.1);
const SEED = Number(args.seed ?? 1);
const REFRESH_AHEAD = String(args['refresh-ahead'] ?? '20,0').split(',').map(Number);
// 'off' (default): every provider's local rate limit raised to 100000/min, so the cache policy
// alone decides the upstream calls. 'default': the built-in per-provider limits
// (src/resilience/rate_limiter.cpp); CoinGecko's 10/min then binds, calls wait for a slot in
// real time (the manual clock stands still meanwhile) or fall back: slow, see the doc.
const PROVIDER_LIMITS = String(args['provider-limits'] ?? 'off');
const PROVIDERS = ['MEMPOOL', 'ESPLORA', 'BLOCKCHAIN_INFO', 'COINGECKO', 'COINBASE', 'KRAKEN', 'BINANCE', 'FNG'];
for (const [name, ok] of [['provider-limits', ['off', 'default'].includes(PROVIDER_LIMITS)],
  ['requests', Number.isInteger(REQUESTS) && REQUESTS > 0], ['duration-ms', DURATION_MS > 0], ['s', ZIPF_S > 0],
  ['refresh-ahead', REFRESH_AHEAD.every((pct) => Number.isInteger(pct) && pct >= 0 && pct <= 90)]]) {
  if (!ok) throw new Error(`--${name}: bad value ${JSON.stringify(args[name])}`);
}
const limitConfig = PROVIDER_LIMITS === 'default' ? {} : Object.fromEntries(PROVIDERS.map((p) => [`${p}_RATE_PER_MIN`, 100000]));

// Route keys by popularity rank (rank 1 = most requested): USD first, then the other
// currencies, network data in between. A fixed, documented order (not a shuffle) so the
// rank ↔ TTL pairing is visible in the results.
const KEYS = [
  'price:usd', 'fees', 'tip', 'market:usd', 'mempool', 'price:eur', 'blocks', 'price:gbp',
  'difficulty', 'market:eur', 'price:jpy', 'hashrate', 'sentiment', 'price:cad', 'price:chf',
  'price:aud', 'market:gbp', 'market:jpy', 'market:cad', 'market:chf', 'market:aud',
];
// src/config/config.cpp default_cache_windows (ms); tip is cached as DataKind::blocks.
const TTL_MS = { price: 30000, market: 60000, fees: 10000, mempool: 10000, tip: 30000, blocks: 30000, difficulty: 300000, hashrate: 600000, sentiment: 3600000 };
const SWR_MS = { price: 30000, market: 60000, fees: 20000, mempool: 20000, tip: 30000, blocks: 30000, difficulty: 300000, hashrate: 600000, sentiment: 3600000 };
// Upstream HTTP calls per origin fetch with every provider healthy: market asks all four
// price providers (consensus); tip reads height then hash; the rest take the first provider.
const CALLS_PER_FETCH = { price: 1, market: 4, fees: 1, mempool: 1, tip: 2, blocks: 1, difficulty: 1, hashrate: 1, sentiment: 1 };
// Built-in local limits (src/resilience/rate_limiter.cpp known_provider_rate_limit): refill per
// minute and burst (bucket capacity). A run of D minutes allows at most burst + rate × D calls.
const BUILT_IN_LIMIT_PER_MIN = { coingecko: 10, coinbase: 60, kraken: 30, binance: 120, mempool: 60, esplora: 9, blockchain_info: 6, fng: 30 };
const BUILT_IN_BURST = { coingecko: 3, coinbase: 5, kraken: 2, binance: 5, mempool: 5, esplora: 3, blockchain_info: 1, fng: 3 };
const kindOf = (key) => key.split(':')[0];
const routeOf = (key) => {
  const [route, currency] = key.split(':');
  return currency ? [route, { currency }] : [route, {}];
};


// The trace: Poisson arrivals (mean gap DURATION_MS / REQUESTS) and Zipf(s) ranks.
function makeTrace() {
  const random = mulberry32(SEED);
  const weights = KEYS.map((_, i) => 1 / (i + 1) ** ZIPF_S);
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulative = [];
  let acc = 0;
  for (const w of weights) cumulative.push((acc += w / total));
  const meanGapMs = DURATION_MS / REQUESTS;
  const trace = [];
  let t = 0;
  for (let i = 0; i < REQUESTS; i++) {
    t += -Math.log(1 - random()) * meanGapMs;
    const u = random();
    let rank = cumulative.findIndex((c) => u < c);
    if (rank < 0) rank = KEYS.length - 1;
    trace.push({ atMs: Math.round(t), key: KEYS[rank] });
  }
  return { trace, probabilities: weights.map((w) => w / total) };
}

// The minimum: a cache that fetches only when a request finds no fresh value, and whose
// fetch is fresh for exactly the TTL from that request (greedy = fewest TTL windows that
// cover every request of the key). Also the policy model with SWR and refresh-ahead, to
// check that the measured calls are explained.
function modelCounts(trace, refreshAheadPct) {
  const perKey = new Map(KEYS.map((key) => [key, { requests: 0, minFetches: 0, modelFetches: 0, modelMisses: 0, modelStale: 0, modelRefreshAhead: 0 }]));
  const minLast = new Map();
  const policyLast = new Map();
  for (const { atMs, key } of trace) {
    const k = perKey.get(key);
    const ttl = TTL_MS[kindOf(key)];
    k.requests++;
    const last = minLast.get(key);
    if (last === undefined || atMs >= last + ttl) {
      k.minFetches++;
      minLast.set(key, atMs);
    }
    // The cache's policy (src/cache/tiered_cache.cpp get_or_fetch, wants_refresh_ahead).
    const stored = policyLast.get(key);
    if (stored === undefined || atMs >= stored + ttl + SWR_MS[kindOf(key)]) {
      k.modelFetches++;
      k.modelMisses++;
      policyLast.set(key, atMs);
    } else if (atMs >= stored + ttl) {
      k.modelFetches++;
      k.modelStale++;
      policyLast.set(key, atMs);
    } else {
      const remaining = stored + ttl - atMs;
      if (refreshAheadPct > 0 && remaining > 0 && remaining < (refreshAheadPct / 100) * ttl) {
        k.modelFetches++;
        k.modelRefreshAhead++;
        policyLast.set(key, atMs);
      }
    }
  }
  return perKey;
}

function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1];
}

async function replay(trace, refreshAheadPct) {
  const sim = await startSimulator({ port: 0, seed: SEED, clock: 'manual' });
  const startMs = sim.now();
  const ltl = await createClient({
    ...sim.baseUrls,
    ...limitConfig,
    CACHE_REFRESH_AHEAD_PCT: refreshAheadPct,
    REALTIME_ENABLED: 'false',
    HEALTH_CHECK_ENABLED: 'false',
    PERFORMANCE_ENABLED: 'false',
  }, { store: 'none', now: () => sim.now() });
  sim.resetCounts();

  const perKey = new Map(KEYS.map((key) => [key, { calls: 0, fresh: 0, stale: 0, origin: 0, errors: 0 }]));
  const latency = { memory: [], origin: [] };
  const failures = new Map(); // "provider: category" → answers that name it in `failed`
  const staleAges = []; // age_ms of answers served stale (simulated ms)
  const started = process.hrtime.bigint();
  let drainWaits = 0;
  for (const { atMs, key } of trace) {
    const gap = startMs + atMs - sim.now();
    if (gap > 0) sim.advance(gap);
    const before = sim.counts().total;
    const [route, params] = routeOf(key);
    const k = perKey.get(key);
    const t0 = process.hrtime.bigint();
    try {
      const answer = await ltl.request(route, params);
      const ns = Number(process.hrtime.bigint() - t0);
      for (const failure of answer.failed ?? []) {
        const name = `${failure.provider}: ${failure.category}`;
        failures.set(name, (failures.get(name) ?? 0) + 1);
        if (failures.get(name) <= 2) console.error(`[${key} at +${atMs} ms, ${(ns / 1e6).toFixed(0)} ms real] ${name}: ${failure.message}`);
      }
      if (answer.cache === 'origin') {
        k.origin++;
        latency.origin.push(ns);
      } else {
        if (answer.stale) {
          k.stale++;
          staleAges.push(answer.age_ms);
        } else {
          k.fresh++;
        }
        latency.memory.push(ns);
      }
    } catch (error) {
      k.errors++;
      if (k.errors <= 3) console.error(`${key} at +${atMs} ms: ${error.category}: ${error.message}`);
    }
    // Let a background refresh (SWR or refresh-ahead) finish before the clock moves on.
    while (ltl.cache.stats().in_flight > 0) {
      drainWaits++;
      await new Promise((resolve) => setImmediate(resolve));
    }
    k.calls += sim.counts().total - before;
  }
  const wallS = Number(process.hrtime.bigint() - started) / 1e9;
  const counts = sim.counts();
  const origin = ltl.cache.stats().origin;
  const upstream = {};
  for (const metric of (await ltl.metrics()).metrics) {
    if (!['ltl_upstream_requests_total', 'ltl_upstream_errors_total', 'ltl_upstream_retries_total', 'ltl_provider_fallbacks_total'].includes(metric.name)) continue;
    for (const sample of metric.samples) {
      if (metric.name === 'ltl_upstream_requests_total' && sample.labels.outcome === 'ok') continue;
      upstream[`${metric.name}{${Object.entries(sample.labels).map(([k, v]) => `${k}=${v}`).join(',')}}`] = sample.value;
    }
  }
  ltl.close();
  await sim.close();
  for (const list of Object.values(latency)) list.sort((a, b) => a - b);
  staleAges.sort((a, b) => a - b);
  return { refreshAheadPct, perKey, counts, origin, latency, wallS, drainWaits, failures: Object.fromEntries(failures), upstream, staleAges };
}

// request() answered from memory, in a tight loop: the per-call cost of the route pipeline
// (params JSON, validation, metrics, cache lookup, answer JSON both ways) without HTTP.
async function memoryHitLoop() {
  const sim = await startSimulator({ port: 0, seed: SEED, clock: 'manual' });
  const ltl = await createClient({ ...sim.baseUrls, ...limitConfig, REALTIME_ENABLED: 'false', HEALTH_CHECK_ENABLED: 'false',
    PERFORMANCE_ENABLED: 'false', CACHE_REFRESH_AHEAD_PCT: 0 }, { store: 'none', now: () => sim.now() });
  const results = {};
  for (const key of ['price:usd', 'fees', 'market:usd']) {
    const [route, params] = routeOf(key);
    await ltl.request(route, params); // the one origin fetch; the clock never moves, so the rest are fresh hits
    const rounds = [];
    for (let round = 0; round < 7; round++) {
      const n = 1000;
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) {
        const answer = await ltl.request(route, params);
        if (answer.cache !== 'memory') throw new Error(`${key}: expected a memory hit, got ${answer.cache}`);
      }
      if (round >= 2) rounds.push(Number(process.hrtime.bigint() - t0) / n / 1000);
    }
    rounds.sort((a, b) => a - b);
    results[key] = { medianUs: quantile(rounds, 0.5), maxUs: rounds[rounds.length - 1] };
  }
  ltl.close();
  await sim.close();
  return results;
}

const WASM_SHA256 = createHash('sha256').update(await readFile(new URL('../wasm/dist/bitcoin-ltl.wasm', import.meta.url))).digest('hex').slice(0, 16);
const { trace, probabilities } = makeTrace();
const runs = [];
for (const pct of REFRESH_AHEAD) {
  const run = await replay(trace, pct);
  run.model = modelCounts(trace, pct);
  runs.push(run);
}

const hitLoop = await memoryHitLoop();

// ---- Report ------------------------------------------------------------------------

const per1000 = (n) => (1000 * n) / REQUESTS;
const pct = (x) => `${(100 * x).toFixed(2)} %`;
const us = (ns) => (ns / 1000).toFixed(0);
const out = [];
out.push(`wasm/dist/bitcoin-ltl.wasm sha256 ${WASM_SHA256}…, node ${process.version}`);
out.push(`zipf-bench: ${REQUESTS} requests over ${DURATION_MS / 1000} s simulated (Poisson arrivals), Zipf s=${ZIPF_S} over ${KEYS.length} keys, seed ${SEED}, provider rate limits ${PROVIDER_LIMITS === 'default' ? 'built-in defaults' : 'raised to 100000/min'}`);

const kinds = [...new Set(KEYS.map(kindOf))];
const summaries = [];
for (const run of runs) {
  let requests = 0, fresh = 0, stale = 0, origin = 0, errors = 0, calls = 0, minFetches = 0, minCalls = 0, modelFetches = 0, modelCalls = 0;
  const byKind = new Map(kinds.map((kind) => [kind, { keys: 0, requests: 0, calls: 0, minFetches: 0, minCalls: 0, modelCalls: 0 }]));
  for (const key of KEYS) {
    const measured = run.perKey.get(key);
    const model = run.model.get(key);
    const kind = kindOf(key);
    const perFetch = CALLS_PER_FETCH[kind];
    const row = byKind.get(kind);
    row.keys++;
    row.requests += model.requests;
    row.calls += measured.calls;
    row.minFetches += model.minFetches;
    row.minCalls += model.minFetches * perFetch;
    row.modelCalls += model.modelFetches * perFetch;
    requests += model.requests;
    fresh += measured.fresh;
    stale += measured.stale;
    origin += measured.origin;
    errors += measured.errors;
    calls += measured.calls;
    minFetches += model.minFetches;
    minCalls += model.minFetches * perFetch;
    modelFetches += model.modelFetches;
    modelCalls += model.modelFetches * perFetch;
  }
  const s = {
    refreshAheadPct: run.refreshAheadPct, requests, fresh, stale, origin, errors, calls, minFetches, minCalls, modelFetches, modelCalls,
    originFetches: run.origin.fetches, backgroundRefreshes: run.origin.background_refreshes, refreshAheadTriggers: run.origin.refresh_ahead_triggers,
    simTotal: run.counts.total, simRoutes: run.counts.routes, wallS: run.wallS, failures: run.failures, upstream: run.upstream,
    staleAgeP50Ms: quantile(run.staleAges, 0.5), staleAgeMaxMs: run.staleAges.length ? run.staleAges[run.staleAges.length - 1] : null,
    latencyUs: {
      memoryP50: run.latency.memory.length ? quantile(run.latency.memory, 0.5) / 1000 : null,
      memoryP95: run.latency.memory.length ? quantile(run.latency.memory, 0.95) / 1000 : null,
      originP50: run.latency.origin.length ? quantile(run.latency.origin, 0.5) / 1000 : null,
      originP95: run.latency.origin.length ? quantile(run.latency.origin, 0.95) / 1000 : null,
    },
    byKind: Object.fromEntries(byKind),
  };
  summaries.push(s);
  if (s.simTotal !== calls) throw new Error(`attribution: ${calls} calls attributed, simulator counted ${s.simTotal}`);
  if (errors > 0) console.error(`refresh-ahead ${run.refreshAheadPct} %: ${errors} requests failed`);

  out.push('');
  out.push(`### CACHE_REFRESH_AHEAD_PCT=${run.refreshAheadPct} (replay took ${run.wallS.toFixed(1)} s wall)`);
  out.push('');
  out.push('| | measured | theoretical minimum (ideal TTL-only cache) | ratio |');
  out.push('|---|---|---|---|');
  out.push(`| hit rate: answers from memory (fresh + stale) | ${pct((fresh + stale) / requests)} | ${pct(1 - minFetches / requests)} (every fetch a miss) | |`);
  out.push(`| fresh-hit rate | ${pct(fresh / requests)} | ${pct(1 - minFetches / requests)} | |`);
  out.push(`| fresh hits / stale (SWR) hits / origin misses | ${fresh} / ${stale} / ${origin} | ${requests - minFetches} / 0 / ${minFetches} | |`);
  out.push(`| age of stale answers p50 / max (simulated s) | ${run.staleAges.length ? `${(quantile(run.staleAges, 0.5) / 1000).toFixed(1)} / ${(run.staleAges[run.staleAges.length - 1] / 1000).toFixed(1)}` : '-'} | | |`);
  out.push(`| origin fetches (key level) | ${run.origin.fetches} (of which background ${run.origin.background_refreshes}, refresh-ahead ${run.origin.refresh_ahead_triggers}) | ${minFetches} | ${(run.origin.fetches / minFetches).toFixed(3)} |`);
  out.push(`| origin fetches per 1,000 requests | ${per1000(run.origin.fetches).toFixed(1)} | ${per1000(minFetches).toFixed(1)} | |`);
  out.push(`| upstream HTTP calls (simulator counts) | ${calls} | ${minCalls} (= fetches × calls per fetch) | ${(calls / minCalls).toFixed(3)} |`);
  out.push(`| upstream HTTP calls per 1,000 requests | ${per1000(calls).toFixed(1)} | ${per1000(minCalls).toFixed(1)} | |`);
  out.push(`| upstream calls predicted by the policy model (TTL + SWR + refresh-ahead) | ${modelCalls} | | measured / model ${(calls / modelCalls).toFixed(3)} |`);
  out.push(`| request latency, memory answers p50 / p95 (µs, real time) | ${us(s.latencyUs.memoryP50 * 1000)} / ${us(s.latencyUs.memoryP95 * 1000)} | | |`);
  out.push(`| request latency, origin answers p50 / p95 (µs, real time, localhost HTTP) | ${s.latencyUs.originP50 === null ? '-' : `${us(s.latencyUs.originP50 * 1000)} / ${us(s.latencyUs.originP95 * 1000)}`} | | |`);
  out.push('');
  out.push('| kind (keys) | TTL | requests | upstream calls | minimum calls | ratio | policy-model calls |');
  out.push('|---|---|---|---|---|---|---|');
  for (const [kind, row] of byKind) {
    out.push(`| ${kind} (${row.keys}) | ${TTL_MS[kind] / 1000} s | ${row.requests} | ${row.calls} | ${row.minCalls} | ${(row.calls / row.minCalls).toFixed(2)} | ${row.modelCalls} |`);
  }
  out.push('');
  out.push(`provider failures named in answers' \`failed\`: ${Object.keys(run.failures).length ? Object.entries(run.failures).map(([k, n]) => `${k} ×${n}`).join(', ') : 'none'}`);
  out.push(`upstream errors/retries/fallbacks (metrics): ${Object.keys(run.upstream).length ? Object.entries(run.upstream).map(([k, n]) => `${k} ${n}`).join(', ') : 'none'}`);
  const perProvider = {};
  for (const [routeId, n] of Object.entries(run.counts.routes)) {
    const provider = routeId.split('.')[0];
    perProvider[provider] = (perProvider[provider] ?? 0) + n;
  }
  const minutes = DURATION_MS / 60000;
  s.perProviderPerMin = Object.fromEntries(Object.entries(perProvider).map(([p, n]) => [p, n / minutes]));
  // Over budget: more calls than the built-in limiter would let through in this run.
  const overBudget = (p) => perProvider[p] > (BUILT_IN_BURST[p] ?? Infinity) + (BUILT_IN_LIMIT_PER_MIN[p] ?? Infinity) * minutes;
  out.push(`upstream calls per minute by provider (built-in limit/min): ${Object.entries(s.perProviderPerMin).sort().map(([p, r]) => `${p} ${r.toFixed(1)} (${BUILT_IN_LIMIT_PER_MIN[p] ?? '?'})${overBudget(p) ? ' OVER BUDGET' : ''}`).join(', ')}`);
  out.push(`simulator routes: ${Object.entries(run.counts.routes).sort().map(([r, n]) => `${r} ${n}`).join(', ')}`);
}
out.push('');
out.push(`request() memory hits in a loop (5 rounds × 1000 after 2 warm-up rounds), µs per call median (max): ${Object.entries(hitLoop).map(([k, r]) => `${k} ${r.medianUs.toFixed(0)} (${r.maxUs.toFixed(0)})`).join(', ')}`);
out.push('');
out.push('key probabilities: ' + KEYS.map((key, i) => `${key} ${(100 * probabilities[i]).toFixed(1)}%`).join(', '));
console.log(out.join('\n'));
if (args.json) {
  await writeFile(args.json, JSON.stringify({ meta: { wasmSha256: WASM_SHA256, REQUESTS, DURATION_MS, ZIPF_S, SEED, PROVIDER_LIMITS, KEYS, TTL_MS, CALLS_PER_FETCH, node: process.version }, summaries, hitLoop }, null, 2));
}
