// Fleet coordination (web/fleet/redis-coordination.js) against real Redis, on one node and on a
// 3-master Cluster: two coordinators with their own connections stand in for two servers.
// Leases give one origin fetch per key for the fleet (also when the holder dies without
// releasing), token buckets are shared, Retry-After pauses are shared, and Redis going away
// leaves every call answered (uncoordinated).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { RedisCoordinator } from '../../../web/fleet/redis-coordination.js';
import { createRedisStore, StorageError } from '../../../web/storage/index.js';
import { createRedisTcpBackend } from '../../../web/storage/redis-tcp.js';
import { startCluster, startRedis, stopAllRedis } from '../support/redis.mjs';

after(() => stopAllRedis());

const RELAXED = { readTimeoutMs: 2000, writeTimeoutMs: 2000, connectTimeoutMs: 5000 };
let seq = 0;
const freshPrefix = () => `f${process.pid}-${++seq}:`;

function manualClock(start = 1_700_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms) => (now += ms) };
}

for (const topology of ['one node', 'Cluster']) {
  describe(`fleet coordination on ${topology}`, () => {
    let connection; // {url} or {clusterNodes}
    let stopAll;
    const servers = []; // what each test opened, closed after it
    before(async () => {
      if (topology === 'one node') {
        const server = await startRedis();
        connection = { url: server.url };
        stopAll = () => server.destroy();
      } else {
        const cluster = await startCluster();
        connection = { clusterNodes: cluster.seeds };
        stopAll = () => cluster.stop();
      }
    });
    after(async () => {
      await Promise.all(servers.map((close) => close()));
      await stopAll?.();
    });

    /** A "server": its own connection, store and coordinator, sharing the prefix. */
    async function server(keyPrefix, options = {}) {
      const store = await createRedisStore({ ...connection, keyPrefix, ...RELAXED });
      const coord = new RedisCoordinator({ backend: store.backend, keyPrefix, timeoutMs: 2000, ...options });
      servers.push(() => store.close());
      return { store, coord };
    }

    /** An origin that counts its calls and takes `ms` to answer. */
    function origin(ms = 50) {
      const calls = new Map();
      return {
        calls,
        fetcher: (store, key) => async () => {
          calls.set(key, (calls.get(key) ?? 0) + 1);
          await new Promise((resolve) => setTimeout(resolve, ms));
          const value = `value of ${key}`;
          const now = Date.now();
          await store.put(key, { value, storedAt: now, freshUntil: now + 60_000, expiresAt: now + 60_000, tags: [] });
          return value;
        },
      };
    }
    const reader = (store, key) => async () => (await store.get(key))?.value ?? null;

    test('concurrent cold requests over two servers: exactly one origin fetch per key', async () => {
      const prefix = freshPrefix();
      const a = await server(prefix);
      const b = await server(prefix);
      const upstream = origin(100);
      const keys = ['price:usd', 'price:eur', 'fees', 'blocks'];
      const calls = [];
      for (let i = 0; i < 120; i++) {
        const { store, coord } = i % 2 ? a : b;
        const key = keys[i % keys.length];
        calls.push(coord.runOnce(key, 2000, upstream.fetcher(store, key), reader(store, key)));
      }
      const results = await Promise.all(calls);
      for (const key of keys) assert.equal(upstream.calls.get(key), 1, `${key}: ${upstream.calls.get(key)} origin calls`);
      for (const [i, result] of results.entries()) assert.equal(result.value, `value of ${keys[i % keys.length]}`);
      const roles = results.reduce((count, { role }) => ({ ...count, [role]: (count[role] ?? 0) + 1 }), {});
      assert.equal(roles.leader, keys.length);
      assert.equal(roles.uncoordinated, undefined);
      assert.equal((roles.follower ?? 0) + (roles.cached ?? 0), 120 - keys.length);
      // The lease is gone once the value is there.
      assert.equal(await a.coord.leaseRemaining('price:usd'), 0);
    });

    test("the value reaches the others before (or without) the leader's cache write: still one fetch", async () => {
      const prefix = freshPrefix();
      const a = await server(prefix);
      const b = await server(prefix);
      let fetches = 0;
      const fetchOnly = async () => {
        fetches++;
        await new Promise((resolve) => setTimeout(resolve, 80));
        return { price: 67000.5, source: 'coingecko' };
      };
      const never = async () => null; // the shared cache never has it
      const first = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).coord.runOnce('price:usd', 2000, fetchOnly, never)));
      assert.equal(fetches, 1);
      assert.ok(first.every((result) => result.value.price === 67000.5));
      // Right after: a new request is answered from the published value, not a second fetch.
      const late = await b.coord.runOnce('price:usd', 2000, fetchOnly, never);
      assert.deepEqual({ role: late.role, fetches }, { role: 'cached', fetches: 1 });
    });

    test('the holder dies without releasing: another server takes over when the lease runs out', async () => {
      const prefix = freshPrefix();
      const dead = await server(prefix);
      const alive = await server(prefix);
      const leaseMs = 400;
      const token = await dead.coord.acquireLease('price:usd', leaseMs); // ... and never releases: killed
      assert.ok(token);
      const upstream = origin(10);
      const started = performance.now();
      const result = await alive.coord.runOnce('price:usd', leaseMs, upstream.fetcher(alive.store, 'price:usd'), reader(alive.store, 'price:usd'));
      const elapsed = performance.now() - started;
      assert.equal(result.role, 'leader');
      assert.equal(result.value, 'value of price:usd');
      assert.equal(upstream.calls.get('price:usd'), 1);
      assert.equal(alive.coord.stats.takeovers, 1);
      assert.ok(elapsed >= leaseMs - 100 && elapsed < leaseMs + 1000, `answered after ${elapsed} ms (lease ${leaseMs} ms)`);
      assert.equal(await dead.coord.releaseLease('price:usd', token), false, 'the dead holder cannot release what it lost');
    });

    test('a leader whose fetch fails releases at once: a waiter takes over without waiting out the lease', async () => {
      const prefix = freshPrefix();
      const a = await server(prefix);
      const b = await server(prefix);
      const upstream = origin(10);
      const failing = async () => {
        await new Promise((resolve) => setTimeout(resolve, 100));
        throw new Error('origin 503');
      };
      const first = a.coord.runOnce('fees', 5000, failing, reader(a.store, 'fees'));
      while ((await a.coord.leaseRemaining('fees')) === 0) await new Promise((resolve) => setTimeout(resolve, 5)); // a holds the lease
      const started = performance.now();
      const second = b.coord.runOnce('fees', 5000, upstream.fetcher(b.store, 'fees'), reader(b.store, 'fees'));
      await assert.rejects(first, /origin 503/);
      const result = await second;
      assert.equal(result.value, 'value of fees');
      assert.ok(performance.now() - started < 2000, 'well before the 5 s lease');
    });

    test('only the holder releases a lease', async () => {
      const prefix = freshPrefix();
      const a = await server(prefix);
      const b = await server(prefix);
      const token = await a.coord.acquireLease('k', 10_000);
      assert.equal(await b.coord.acquireLease('k', 10_000), null);
      assert.equal(await b.coord.releaseLease('k', 'not-the-token'), false);
      assert.ok((await b.coord.leaseRemaining('k')) > 9000);
      assert.equal(await a.coord.releaseLease('k', token), true);
      assert.ok(await b.coord.acquireLease('k', 10_000));
    });

    test('a token bucket shared by the fleet: 2 per minute means 2 for both servers together', async () => {
      const prefix = freshPrefix();
      const clock = manualClock();
      const a = await server(prefix, { now: clock.now });
      const b = await server(prefix, { now: clock.now });
      const limits = { ratePerMin: 2, burst: 2 };
      const answers = [];
      for (let i = 0; i < 7; i++) answers.push(await (i % 2 ? a : b).coord.takeToken('coingecko', limits));
      assert.deepEqual(answers.map((answer) => answer.allowed), [true, true, false, false, false, false, false]);
      assert.equal(answers[2].reason, 'empty');
      assert.equal(answers[2].retryAfterMs, 30_000, 'one token refills in 30 s');
      assert.ok(answers.every((answer) => answer.coordinated));
      clock.advance(29_999);
      assert.equal((await a.coord.takeToken('coingecko', limits)).allowed, false);
      clock.advance(1);
      assert.equal((await b.coord.takeToken('coingecko', limits)).allowed, true);
      assert.equal((await a.coord.takeToken('coingecko', limits)).allowed, false);
      clock.advance(10 * 60_000); // refills up to the burst, not beyond
      const burst = [];
      for (let i = 0; i < 3; i++) burst.push((await b.coord.takeToken('coingecko', limits)).allowed);
      assert.deepEqual(burst, [true, true, false]);
      assert.equal((await a.coord.takeToken('kraken', limits)).allowed, true, 'buckets are per provider');
    });

    test("a provider's Retry-After pauses it for the fleet; a shorter one never shortens it", async () => {
      const prefix = freshPrefix();
      const clock = manualClock();
      const a = await server(prefix, { now: clock.now });
      const b = await server(prefix, { now: clock.now });
      assert.equal(await a.coord.pauseProvider('coingecko', 60_000), 60_000);
      assert.equal(await b.coord.pauseProvider('coingecko', 5_000), 60_000, 'kept the longer pause');
      assert.equal(await b.coord.providerPause('coingecko'), 60_000);
      const denied = await b.coord.takeToken('coingecko', { ratePerMin: 100 });
      assert.deepEqual({ allowed: denied.allowed, reason: denied.reason, retryAfterMs: denied.retryAfterMs }, { allowed: false, reason: 'paused', retryAfterMs: 60_000 });
      assert.equal((await b.coord.takeToken('coinbase', { ratePerMin: 100 })).allowed, true, 'other providers go on');
      clock.advance(60_000);
      assert.equal(await a.coord.providerPause('coingecko'), 0);
      assert.equal((await a.coord.takeToken('coingecko', { ratePerMin: 100 })).allowed, true);
    });

    test('bad arguments are typed errors', async () => {
      const { coord } = await server(freshPrefix());
      const invalid = (err) => err instanceof StorageError && err.code === 'invalid_argument';
      await assert.rejects(coord.runOnce('', 100, async () => 1, async () => null), invalid);
      await assert.rejects(coord.runOnce('k', 0, async () => 1, async () => null), invalid);
      await assert.rejects(coord.takeToken('coingecko', { ratePerMin: 0 }), invalid);
      await assert.rejects(coord.pauseProvider('coingecko', -5), invalid);
      assert.throws(() => new RedisCoordinator({}), invalid);
      assert.throws(() => new RedisCoordinator({ backend: coord, keyPrefix: 'a{b' }), invalid);
    });
  });
}

describe('fleet coordination without Redis', () => {
  test('Redis stopped: every call still answers (uncoordinated), at the deadline at most', async (t) => {
    const server = await startRedis();
    t.after(() => server.destroy());
    const backend = createRedisTcpBackend({ url: server.url });
    t.after(() => backend.close());
    const coord = new RedisCoordinator({ backend, keyPrefix: freshPrefix(), timeoutMs: 100 });
    const ready = async () => {
      const until = Date.now() + 10_000;
      while (backend.state().connection !== 'ready' && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 25));
    };
    await ready();
    assert.equal((await coord.takeToken('coingecko', { ratePerMin: 1 })).coordinated, true);
    await server.stop();
    let fetches = 0;
    const started = performance.now();
    const result = await coord.runOnce('k', 1000, async () => `fetched ${++fetches}`, async () => null);
    assert.deepEqual({ value: result.value, role: result.role }, { value: 'fetched 1', role: 'uncoordinated' });
    const token = await coord.takeToken('coingecko', { ratePerMin: 1 });
    assert.deepEqual({ allowed: token.allowed, coordinated: token.coordinated }, { allowed: true, coordinated: false });
    assert.equal(await coord.providerPause('coingecko'), 0);
    assert.ok(performance.now() - started < 500, `${performance.now() - started} ms`);
    assert.ok(coord.stats.redisErrors >= 3);

    await server.start();
    await ready();
    assert.equal((await coord.runOnce('k', 1000, async () => `fetched ${++fetches}`, async () => null)).role, 'leader', 'coordinated again');
  });
});
