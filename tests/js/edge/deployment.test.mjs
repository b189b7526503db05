// The edge deployment as Cloudflare runs it: several front workers (standing in for isolates in
// different locations) bound to one coordinator Durable Object, in real workerd (Miniflare),
// against the upstream simulator.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { startServer } from '../../../scripts/serve.mjs';
import { startSimulator } from '../../../scripts/simulator/index.mjs';
import { UNTHROTTLED } from '../support/simulated.mjs';

const PRICE_ROUTE = 'coingecko.simple_price';
const FRONTS = 3;
// Fixed test settings: no retries or refresh-ahead (they would add upstream calls to the counts).
const BASE_ENV = { ...UNTHROTTLED, RETRY_MAX_ATTEMPTS: '1', CACHE_REFRESH_AHEAD_PCT: '0', HTTP_TIMEOUT_MS: '1500' };

let sim;
before(async () => {
  sim = await startSimulator({ seed: 11 });
});
after(() => sim?.close());
beforeEach(() => {
  sim.clearFaults();
  sim.resetCounts();
});

const calls = (route) => sim.counts().routes[route] ?? 0;
const providerCalls = (prefix) => Object.entries(sim.counts().routes).filter(([id]) => id.startsWith(prefix)).reduce((sum, [, n]) => sum + n, 0);

async function deployment(env = {}, options = {}) {
  return startServer({ port: 0, env: { ...sim.baseUrls, ...BASE_ENV, ...env }, fronts: FRONTS, rateLimit: { limit: 100000, period: 60 }, ...options });
}

async function get(server, front, path, init) {
  const started = performance.now();
  const response = await server.fetchFront(front, path, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, ms: performance.now() - started, json: () => JSON.parse(text) };
}

describe('one coordinator for every front', () => {
  let server;
  before(async () => {
    server = await deployment({ KRAKEN_RATE_PER_MIN: '100000' });
  });
  after(() => server?.close());

  test('concurrent cold requests spread across three fronts make exactly one upstream call', async () => {
    sim.setFault(PRICE_ROUTE, { kind: 'latency', ms: 300 });
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => get(server, i % FRONTS, '/api/v1/price?currency=usd')));
    for (const answer of answers) assert.equal(answer.status, 200, answer.text);
    assert.equal(calls(PRICE_ROUTE), 1);
    assert.equal(new Set(answers.map((a) => a.json().price)).size, 1, 'every front answered the same value');
  });

  test('differently spelled requests share one entry: case, empty segments; the ETag revalidates to 304', async () => {
    const first = await get(server, 0, '/api/v1/price?currency=EUR');
    const second = await get(server, 1, '/api/v1/price?&currency=eur&');
    assert.equal(first.status, 200, first.text);
    assert.equal(second.status, 200, second.text);
    assert.equal(calls(PRICE_ROUTE), 1);
    const etag = first.headers.get('etag');
    assert.match(etag, /^W\/"[A-Za-z0-9_-]{22}"$/);
    assert.equal(second.headers.get('etag'), etag);
    const revalidated = await get(server, 2, '/api/v1/price?currency=eur', { headers: { 'if-none-match': etag } });
    assert.equal(revalidated.status, 304);
    assert.equal(revalidated.text, '');
    assert.equal(revalidated.headers.get('etag'), etag);
    const other = await get(server, 2, '/api/v1/price?currency=eur', { headers: { 'if-none-match': '"nope"' } });
    assert.equal(other.status, 200);
    assert.equal((await get(server, 0, '/api/v1/price?currency=eur&currency=usd')).status, 400);
  });

  test('a failing route is remembered: no upstream call and an answer in ~1 ms during the window', async () => {
    for (const provider of ['mempool', 'esplora', 'blockchain_info']) sim.setFault(`${provider}.*`, { kind: 'status', status: 500 });
    const first = await get(server, 0, '/api/v1/difficulty');
    assert.equal(first.status, 503, first.text);
    const upstream = providerCalls('mempool.') + providerCalls('esplora.') + providerCalls('blockchain_info.');
    assert.ok(upstream >= 1);
    const again = [];
    for (let i = 0; i < 30; i++) again.push(await get(server, i % FRONTS, '/api/v1/difficulty'));
    for (const answer of again) {
      assert.equal(answer.status, 503);
      assert.equal(answer.json().error.category, first.json().error.category);
      assert.ok(Number(answer.headers.get('retry-after')) >= 1);
    }
    assert.equal(providerCalls('mempool.') + providerCalls('esplora.') + providerCalls('blockchain_info.'), upstream, 'no upstream call in the window');
    assert.ok(again.filter((a) => a.headers.get('x-ltl-cache') === 'negative').length >= 27, 'fronts answer remembered failures themselves');
  });

  test('health and metrics come from the coordinator, with each front\'s own counters', async () => {
    const health = await get(server, 1, '/api/v1/health');
    assert.equal(health.status, 200, health.text);
    const body = health.json();
    assert.ok(body.services?.upstream, 'the core\'s services');
    assert.equal(body.coordinator.name, 'global');
    assert.equal(body.front.mode, 'coordinator');
    const metrics = await get(server, 0, '/api/v1/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.text, /^ltl_front_coordinator_calls_total\{result="ok"\} \d+$/m);
    assert.match(metrics.text, /^ltl_front_answers_total\{source="memory"\} \d+$/m);
  });
});

describe('provider budgets hold for the deployment', () => {
  test('COINGECKO_RATE_PER_MIN=2: seven currencies across three fronts make at most 2 CoinGecko calls', async () => {
    const server = await deployment({ COINGECKO_RATE_PER_MIN: '2', RATE_LIMIT_MAX_WAIT_MS: '0' });
    try {
      const currencies = ['usd', 'eur', 'gbp', 'jpy', 'cad', 'chf', 'aud'];
      const answers = await Promise.all(currencies.map((currency, i) => get(server, i % FRONTS, `/api/v1/price?currency=${currency}`)));
      for (const answer of answers) assert.equal(answer.status, 200, answer.text);
      assert.ok(calls(PRICE_ROUTE) <= 2, `${calls(PRICE_ROUTE)} CoinGecko calls`);
      assert.ok(answers.some((a) => a.json().source !== 'coingecko'), 'the rest fell back to the next provider');
    } finally {
      await server.close();
    }
  });
});

describe('KV is written by the coordinator only', () => {
  test('a slow-changing kind is written once per stored answer, whatever the number of fronts', async () => {
    const server = await deployment({ EDGE_KV_MIN_TTL_MS: '60000' }, { kv: true });
    try {
      for (let i = 0; i < 12; i++) assert.equal((await get(server, i % FRONTS, '/api/v1/sentiment')).status, 200);
      for (let i = 0; i < 6; i++) assert.equal((await get(server, i % FRONTS, '/api/v1/fees')).status, 200);
      const health = (await get(server, 0, '/api/v1/health')).json();
      assert.equal(health.coordinator.kv.bound, true);
      assert.equal(health.coordinator.kv.writes, 1, 'sentiment (TTL 1 h) once; fees (TTL 10 s) never');
      const kv = await server.mf.getKVNamespace('LTL_CACHE_KV');
      const { keys } = await kv.list();
      assert.deepEqual(keys.map((k) => k.name), ['sentiment']);
    } finally {
      await server.close();
    }
  });
});

describe('requests own their I/O', () => {
  test('a request whose context ends early never delays or fails the others for that key', async () => {
    // The wrapper stands in for a client disconnect: it answers before the front does and drops
    // the front's request, whose context then ends while the upstream call is in flight.
    const server = await deployment({}, {
      wrap: (names) => ({
        name: 'disconnect',
        modules: true,
        script: `export default { async fetch(request, env) {
          env.FRONT.fetch(request.url).catch(() => {});
          return new Response('dropped', { status: 202 });
        } }`,
        serviceBindings: { FRONT: names[0] },
      }),
    });
    try {
      sim.setFault(PRICE_ROUTE, { kind: 'latency', ms: 400 });
      const disconnect = await server.mf.getWorker('disconnect');
      assert.equal((await disconnect.fetch(new URL('/api/v1/price?currency=gbp', server.url))).status, 202);
      await sleep(50);
      const other = await get(server, 1, '/api/v1/price?currency=gbp');
      assert.equal(other.status, 200, other.text);
      assert.ok(other.ms < 1500, `answered in ${Math.round(other.ms)} ms`);
      assert.equal(calls(PRICE_ROUTE), 1, 'the dropped request\'s upstream call served the other');
    } finally {
      await server.close();
    }
  });

  test('every upstream hanging: cached answers within 100 ms, the rest a typed 503 within the deadline, health stays fast', async () => {
    const server = await deployment({ CACHE_TTL_PRICE: '1000', CACHE_SWR_PRICE: '300', EDGE_STALE_TIMEOUT_MS: '20', EDGE_COORDINATOR_TIMEOUT_MS: '1000', HTTP_TIMEOUT_MS: '20000' });
    // Over plain HTTP to the serving front, as a visitor would (the other fronts are reached
    // through Miniflare's proxy, which adds its own latency on a busy machine).
    const visit = async (path) => {
      const started = performance.now();
      const response = await fetch(new URL(path, server.url));
      const text = await response.text();
      return { status: response.status, headers: response.headers, text, ms: performance.now() - started, json: () => JSON.parse(text) };
    };
    try {
      assert.equal((await visit('/api/v1/price?currency=usd')).status, 200);
      assert.equal((await visit('/api/v1/price?currency=eur')).status, 200);
      sim.setFault('*', { kind: 'hang' });
      await sleep(1400); // past TTL and SWR, within stale-if-error: the front waits 20 ms for the coordinator
      for (const currency of ['usd', 'eur']) {
        const answer = await visit(`/api/v1/price?currency=${currency}`);
        assert.equal(answer.status, 200, answer.text);
        assert.equal(answer.json().stale, true);
        assert.equal(answer.json().stale_reason.category, 'timeout');
        assert.equal(answer.headers.get('cache-control'), 'no-store');
        assert.ok(answer.ms < 100, `stale answer in ${Math.round(answer.ms)} ms`);
      }
      for (const path of ['/api/v1/fees', '/api/v1/sentiment']) {
        const answer = await visit(path);
        assert.equal(answer.status, 503, answer.text);
        assert.equal(answer.json().error.category, 'timeout');
        assert.ok(Number(answer.headers.get('retry-after')) >= 1);
        assert.ok(answer.ms < 1000 + 400, `503 in ${Math.round(answer.ms)} ms (deadline 1000 ms)`);
      }
      // The best of three, so a busy test machine's scheduling noise is not read as slowness.
      const health = [];
      for (let i = 0; i < 3; i++) health.push(await visit('/api/v1/health'));
      for (const answer of health) assert.ok([200, 503].includes(answer.status), answer.text);
      const fastest = Math.min(...health.map((answer) => answer.ms));
      assert.ok(fastest < 100, `health in ${Math.round(fastest)} ms`);
    } finally {
      sim.clearFaults();
      await server.close();
    }
  });
});

describe('the coordinator\'s storage', () => {
  test('survives a restart of the deployment (Durable Object persistence)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ltl-do-'));
    try {
      const env = { CACHE_TTL_SENTIMENT: '3600000' };
      let server = await deployment(env, { doPersist: dir });
      const before = (await get(server, 0, '/api/v1/sentiment')).json();
      await server.close();
      sim.setFault('*', { kind: 'status', status: 500 });
      server = await deployment(env, { doPersist: dir });
      try {
        const after = await get(server, 0, '/api/v1/sentiment');
        assert.equal(after.status, 200, after.text);
        assert.equal(after.json().value, before.value);
        assert.equal(after.json().cache, 'durable-object');
        assert.equal(after.json().stale, false);
      } finally {
        await server.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('single-isolate mode (no Durable Object binding)', () => {
  test('serves data, health and metrics, each miss inside its own request', async () => {
    const server = await deployment({}, { coordinator: false, fronts: 1 });
    try {
      const price = await get(server, 0, '/api/v1/price?currency=usd');
      assert.equal(price.status, 200, price.text);
      const again = await get(server, 0, '/api/v1/price?currency=usd');
      assert.equal(again.headers.get('x-ltl-cache'), 'memory');
      assert.equal(calls(PRICE_ROUTE), 1);
      const health = (await get(server, 0, '/api/v1/health')).json();
      assert.equal(health.front.mode, 'single-isolate');
      assert.equal((await get(server, 0, '/api/v1/metrics')).status, 200);
    } finally {
      await server.close();
    }
  });
});

describe('background work on the coordinator\'s alarm', () => {
  test('while requests keep coming, the alarm refreshes the CACHE_WARM keys without any request', async () => {
    const server = await deployment({ CACHE_WARM: 'fees', CACHE_TTL_FEES: '1000', CACHE_SWR_FEES: '0', PERFORMANCE_INTERVAL: '1000' });
    try {
      assert.equal((await get(server, 0, '/api/v1/health')).status, 200);
      assert.equal((await get(server, 0, '/api/v1/mempool')).status, 200); // a data request arms the alarm
      const before = calls('mempool.fees_recommended') + calls('mempool.fees_precise');
      await sleep(3500); // no request meanwhile
      const after = calls('mempool.fees_recommended') + calls('mempool.fees_precise');
      assert.ok(after >= before + 2, `fees fetched ${after - before} times by the alarm in 3.5 s`);
    } finally {
      await server.close();
    }
  });
});

describe('admin invalidation', () => {
  test('{"glob":"*"} keeps what stale-if-error needs; {"glob":"*","purge":true} removes it', async () => {
    const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';
    const server = await deployment({ ADMIN_TOKEN, NEGATIVE_CACHE_MS: '0' });
    const invalidate = (body) =>
      server.fetchFront(0, '/api/v1/cache/invalidate', { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    try {
      const fresh = await get(server, 0, '/api/v1/price?currency=chf');
      assert.equal(fresh.status, 200, fresh.text);
      const soft = await invalidate({ glob: '*' });
      assert.equal(soft.status, 200, await soft.text());
      sim.setFault('*', { kind: 'status', status: 500 });
      const kept = await get(server, 0, '/api/v1/price?currency=chf');
      assert.equal(kept.status, 200, kept.text);
      assert.equal(kept.json().stale, true, 'no longer fresh');
      assert.equal(kept.json().price, fresh.json().price, 'the invalidated value, as the stale-if-error copy');
      assert.ok(calls(PRICE_ROUTE) >= 2, 'the invalidation sent the next request upstream');
      const purged = await invalidate({ glob: '*', purge: true });
      assert.equal(purged.status, 200, await purged.text());
      const gone = await get(server, 0, '/api/v1/price?currency=chf');
      assert.equal(gone.status, 503, gone.text);
    } finally {
      sim.clearFaults();
      await server.close();
    }
  });
});
