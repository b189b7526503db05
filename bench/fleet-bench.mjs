// The Zipf key mix replayed across a fleet of three `bitcoin-ltl serve` processes, without and with
// a shared Redis: upstream fetches against the fleet's theoretical minimum, and request latency by
// where the answer came from (this server's memory, Redis, the origin). Not part of `npm test`.
// Results: docs/benchmarks.md §5.
//
//   node bench/fleet-bench.mjs [--requests=3000] [--duration-ms=60000] [--ttl-ms=5000] [--servers=3] [--s=1.1] [--seed=1]
//
// Real time (three processes cannot share a manual clock): the trace's arrivals are spread over
// --duration-ms, every kind's TTL is --ttl-ms with no stale-while-revalidate and no refresh-ahead,
// so a key needs exactly one fetch per TTL window that has a request: the theoretical minimum is
// counted from the trace (the first request of a key opens a window of ttl-ms; the first request
// after it opens the next). Fetches are counted by the simulator per route (market asks all four
// price providers; tip reads height then hash), converted to fetches per key.
import { startSimulator } from '../scripts/simulator/index.mjs';
import { startRedis, stopAllRedis } from '../tests/js/support/redis.mjs';
import { serve, stop } from '../tests/js/support/serve.mjs';
import { mulberry32 } from './random.mjs';

const args = Object.fromEntries(process.argv.slice(2).map((arg) => {
  const [name, value = 'true'] = arg.replace(/^--/, '').split('=');
  return [name, value];
}));
const REQUESTS = Number(args.requests ?? 3000);
const DURATION_MS = Number(args['duration-ms'] ?? 60000);
const TTL_MS = Number(args['ttl-ms'] ?? 5000);
const SERVERS = Number(args.servers ?? 3);
const ZIPF_S = Number(args.s ?? 1.1);
const SEED = Number(args.seed ?? 1);

const KEYS = ['price:usd', 'fees', 'mempool', 'price:eur', 'difficulty', 'price:gbp', 'hashrate', 'sentiment', 'price:jpy', 'price:cad', 'price:chf', 'price:aud'];
// Simulator route ids counted as one fetch of each key's kind (with every provider healthy the
// first provider answers).
const FETCH_ROUTES = {
  price: ['coingecko.simple_price'],
  fees: ['mempool.fees_precise'],
  mempool: ['mempool.mempool'],
  difficulty: ['mempool.difficulty_adjustment'],
  hashrate: ['mempool.hashrate'],
  sentiment: ['fng.fng'],
};
const KINDS = ['PRICE', 'MARKET', 'FEES', 'MEMPOOL', 'BLOCKS', 'DIFFICULTY', 'HASHRATE', 'SENTIMENT'];
const LIMITS = Object.fromEntries(['MEMPOOL', 'ESPLORA', 'BLOCKCHAIN_INFO', 'COINGECKO', 'COINBASE', 'KRAKEN', 'BINANCE', 'FNG'].map((p) => [`${p}_RATE_PER_MIN`, '100000']));


function makeTrace() {
  const random = mulberry32(SEED);
  const weights = KEYS.map((_, rank) => 1 / (rank + 1) ** ZIPF_S);
  const total = weights.reduce((a, b) => a + b, 0);
  const trace = [];
  let t = 0;
  for (let i = 0; i < REQUESTS; i++) {
    t += -Math.log(1 - random()) * (DURATION_MS / REQUESTS);
    let pick = random() * total;
    let rank = 0;
    while (pick > weights[rank]) pick -= weights[rank++];
    trace.push({ at: t, key: KEYS[Math.min(rank, KEYS.length - 1)], server: Math.floor(random() * SERVERS) });
  }
  return trace;
}

function theoreticalMinimum(trace) {
  const windowEnd = new Map();
  let fetches = 0;
  for (const { at, key } of trace) {
    if ((windowEnd.get(key) ?? -Infinity) > at) continue;
    fetches++;
    windowEnd.set(key, at + TTL_MS);
  }
  return fetches;
}

const percentile = (values, p) => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

async function run(trace, sim, redisUrl) {
  const env = {
    ...sim.baseUrls,
    ...LIMITS,
    RETRY_MAX_ATTEMPTS: '1',
    CACHE_REFRESH_AHEAD_PCT: '0',
    CACHE_DEFAULT_TTL: String(TTL_MS),
    ...Object.fromEntries(KINDS.map((kind) => [`CACHE_SWR_${kind}`, '0'])),
    CLIENT_RATE_LIMIT: '0',
    ...(redisUrl ? { REDIS_ENABLED: 'true', REDIS_URL: redisUrl, REDIS_KEY_PREFIX: `bench-${Date.now()}:` } : {}),
  };
  const servers = await Promise.all(Array.from({ length: SERVERS }, () => serve(env)));
  sim.resetCounts();
  const latency = new Map(); // where the answer came from → ms[]
  const started = performance.now();
  await Promise.all(trace.map(async ({ at, key, server }) => {
    const wait = at - (performance.now() - started);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const [route, currency] = key.split(':');
    const path = route === 'price' ? `/api/v1/price?currency=${currency}` : `/api/v1/${route}`;
    const sent = performance.now();
    const response = await servers[server].get(path);
    const body = await response.json();
    const ms = performance.now() - sent;
    // x-ltl-fleet: leader (this server's core answered), follower / cached (another server's
    // published answer); without Redis the core's own `cache` field says where it came from.
    const role = response.headers.get('x-ltl-fleet');
    const shared = role === 'follower' || role === 'cached';
    const from = response.status !== 200 ? 'error' : shared ? "another server's answer" : body.cache === 'memory' ? 'memory' : body.cache === 'redis' ? 'redis' : 'origin';
    if (!latency.has(from)) latency.set(from, []);
    latency.get(from).push(ms);
  }));
  const counts = sim.counts().routes;
  let fetches = 0;
  for (const routes of Object.values(FETCH_ROUTES)) for (const route of routes) fetches += counts[route] ?? 0;
  for (const server of servers) await stop(server);
  return { fetches, latency };
}

const trace = makeTrace();
const minimum = theoreticalMinimum(trace);
const sim = await startSimulator({ seed: SEED });
const redis = await startRedis();
try {
  console.log(`${REQUESTS} requests over ${DURATION_MS / 1000} s, ${KEYS.length} keys, Zipf s=${ZIPF_S}, TTL ${TTL_MS} ms, ${SERVERS} servers; theoretical minimum ${minimum} fetches`);
  for (const [name, url] of [['without Redis', null], ['with Redis', redis.url]]) {
    const { fetches, latency } = await run(trace, sim, url);
    console.log(`\n${name}: ${fetches} upstream fetches = ${(fetches / minimum).toFixed(2)}× the minimum`);
    for (const [from, values] of [...latency].sort((a, b) => b[1].length - a[1].length)) {
      console.log(`  ${from.padEnd(15)} ${String(values.length).padStart(5)} answers   p50 ${percentile(values, 50).toFixed(1)} ms   p95 ${percentile(values, 95).toFixed(1)} ms`);
    }
  }
} finally {
  await stopAllRedis();
  await sim.close();
}
