// The Redis tier (web/storage/redis*.js) against real redis-server processes started by the
// test: the shared storage conformance suite on one node, on a 3-master Cluster and through the
// Upstash-format REST bridge; then what only Redis has: outages (stopped, paused) failing fast and
// recovering by themselves, records shared between clients, SCAN and tag invalidation on every
// master of a Cluster, and passwords that never show.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import {
  createRedisRestBackend,
  createRedisStore,
  createStore,
  DEFAULT_REDIS_READ_TIMEOUT_MS,
  redisOptionsFromConfig,
  StorageError,
} from '../../../web/storage/index.js';
import { base64ToBytes, bytesToBase64, escapeGlob } from '../../../web/storage/redis.js';
import { createRedisTcpBackend } from '../../../web/storage/redis-tcp.js';
import { entry, storageConformance, T0 } from '../support/storage-conformance.mjs';
import { rawClient, redisAvailable, startCluster, startRedis, startRestBridge, stopAllRedis } from '../support/redis.mjs';

assert.ok(redisAvailable(), 'redis-server and redis-cli must be installed (scripts/setup.sh installs redis-server and redis-tools)');

// Generous deadlines for the conformance runs (a loaded 2-core machine); the outage tests below
// measure the fail-fast path with short ones.
const RELAXED = { readTimeoutMs: 2000, writeTimeoutMs: 2000, scanTimeoutMs: 5000, connectTimeoutMs: 5000 };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function manualClock(start = T0) {
  let now = start;
  return { now: () => now, setNow: (ms) => (now = ms) };
}

let prefixSeq = 0;
const freshPrefix = (label) => `t${process.pid}-${label}-${++prefixSeq}:`;

async function waitUntil(what, check, timeoutMs = 10_000) {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** A conformance harness: the store plus raw GET/SET of its records through `raw` (a node-redis client or cluster). */
function harnessFor(makeStore, raw) {
  return async (options) => {
    const clock = manualClock();
    const keyPrefix = freshPrefix('conf');
    const store = await makeStore({ ...options, ...RELAXED, now: clock.now, keyPrefix });
    const name = (key) => store.recordKey(key);
    return {
      store,
      now: clock.now,
      setNow: clock.setNow,
      readRaw: async (key) => {
        const text = await raw().get(name(key));
        return text === null ? null : base64ToBytes(text);
      },
      writeRaw: async (key, bytes) => {
        await raw().set(name(key), bytesToBase64(bytes), { KEEPTTL: true });
      },
      flushWrites: async () => {},
      close: () => store.close(),
    };
  };
}

after(() => stopAllRedis());

// --- conformance: one node, Cluster, REST ----------------------------------------------------------

describe('redis: one node over TCP', () => {
  let server;
  let raw;
  before(async () => {
    server = await startRedis();
    raw = await rawClient(server.url);
  });
  after(async () => {
    raw?.destroy();
    await server?.destroy();
  });
  storageConformance('redis (one node)', harnessFor((options) => createRedisStore({ ...options, url: server.url }), () => raw));
});

describe('redis: Cluster of three masters over TCP', () => {
  let cluster;
  let raw;
  before(async () => {
    cluster = await startCluster();
    const { createCluster } = await import('redis');
    raw = createCluster({ rootNodes: cluster.nodes.map((node) => ({ url: node.url })) });
    raw.on('error', () => {});
    await raw.connect();
  });
  after(async () => {
    raw?.destroy();
    await cluster?.stop();
  });
  storageConformance('redis (Cluster)', harnessFor((options) => createRedisStore({ ...options, clusterNodes: cluster.seeds }), () => raw));
});

describe('redis: REST (Upstash format) through the test bridge', () => {
  let server;
  let raw;
  let bridge;
  before(async () => {
    server = await startRedis();
    raw = await rawClient(server.url);
    bridge = await startRestBridge(server.url);
  });
  after(async () => {
    await bridge?.stop();
    raw?.destroy();
    await server?.destroy();
  });
  storageConformance(
    'redis (REST)',
    harnessFor((options) => createStore('redis', { ...options, restUrl: bridge.url, restToken: bridge.token }), () => raw),
  );

  test('a wrong token is refused: unavailable, the token never in the message, backoff then recovery', async () => {
    let clock = 0;
    const wrong = createRedisRestBackend({ url: bridge.url, token: 'not-the-token-42', monotonicNow: () => clock });
    await assert.rejects(wrong.send(['GET', 'x']), (err) => {
      assert.equal(err.code, 'unavailable');
      assert.match(err.message, /refused the token \(HTTP 401\)/);
      assert.ok(!err.message.includes('not-the-token-42'));
      return true;
    });
    assert.equal(wrong.state().connection, 'down');
  });

  test('the endpoint down: fail fast during the backoff without a request, then a probe recovers it', async (t) => {
    let clock = 0;
    const backend = createRedisRestBackend({ url: bridge.url, token: bridge.token, monotonicNow: () => clock, backoffMinMs: 100 });
    const store = createStore('redis', { backend, keyPrefix: freshPrefix('rest-down'), readTimeoutMs: 1000 });
    await store.put('k', entry('v', { storedAt: Date.now() }));
    await server.stop(); // the bridge answers 500 while its Redis is gone
    t.after(() => server.start());
    await assert.rejects(store.get('k'), (err) => err instanceof StorageError && err.code === 'unavailable');
    const requests = bridge.requests;
    const started = performance.now();
    await assert.rejects(store.get('k'), (err) => err.code === 'unavailable' && /is down .*next try in/.test(err.message));
    assert.ok(performance.now() - started < 20, 'no request during the backoff');
    assert.equal(bridge.requests, requests);
    const health = store.health();
    assert.equal(health.status, 'degraded');
    assert.match(health.reason, /HTTP 500/);

    await server.start();
    await waitUntil('the bridge reconnected', async () => (await fetch(bridge.url, { method: 'POST', headers: { authorization: `Bearer ${bridge.token}` }, body: '["PING"]' })).ok);
    clock += 100; // the backoff has passed: the next call probes
    assert.equal(await store.get('k'), null, 'a fresh, empty Redis');
    assert.equal(store.health().status, 'healthy');
    assert.equal(store.health().connection.reconnects, 1);
    await store.close();
  });

  test('pipeline answers each command, errors in place', async () => {
    const backend = createRedisRestBackend({ url: bridge.url, token: bridge.token });
    const key = freshPrefix('pipe') + 'n';
    const [set, incr, bad] = await backend.pipeline([
      ['SET', key, '41'],
      ['INCR', key],
      ['HGET', key, 'field'],
    ]);
    assert.equal(set, 'OK');
    assert.equal(incr, 42);
    assert.ok(bad instanceof StorageError && /WRONGTYPE/.test(bad.message), String(bad));
  });
});

// --- outages on one node: fail fast, degraded with the reason, recovery by itself ------------------

describe('redis: outages fail fast and recover by themselves', () => {
  test('stopped mid-run: typed errors within the deadline, degraded with the reason, then healthy again', async (t) => {
    const server = await startRedis();
    t.after(() => server.destroy());
    const store = await createRedisStore({ url: server.url, keyPrefix: freshPrefix('down'), readTimeoutMs: 200, writeTimeoutMs: 200 });
    t.after(() => store.close());
    await waitUntil('the first connection', () => store.health().connection.connection === 'ready');
    assert.equal(await store.get('k'), null);
    await store.put('k', entry('before', { storedAt: Date.now() }));

    await server.stop();
    for (const call of [() => store.get('k'), () => store.put('k', entry('during', { storedAt: Date.now() })), () => store.list('')]) {
      const started = performance.now();
      await assert.rejects(call(), (err) => {
        assert.ok(err instanceof StorageError, String(err));
        assert.ok(['unavailable', 'timeout'].includes(err.code), err.code);
        assert.equal(err.retryable, true);
        return true;
      });
      assert.ok(performance.now() - started <= 200 + 150, `failed after ${performance.now() - started} ms`);
    }
    const health = store.health();
    assert.equal(health.status, 'degraded');
    assert.match(health.reason, /ECONNREFUSED|closed|Socket/i);
    assert.ok(health.counters.unavailable + health.counters.timeouts >= 3);

    await server.start();
    await waitUntil('the reconnect', () => store.health().connection.connection === 'ready');
    // (Retried only because a loaded test machine may stall one call past the short deadline.)
    await waitUntil('a read answering a miss', async () => (await store.get('k').catch(() => 'failed')) === null);
    await waitUntil('a write and a read', async () => {
      await store.put('k', entry('after', { storedAt: Date.now() })).catch(() => {});
      return (await store.get('k').catch(() => null))?.value === 'after';
    });
    const recovered = store.health();
    assert.equal(recovered.status, 'healthy');
    assert.ok(recovered.connection.reconnects >= 1);
  });

  test('paused (accepts, never answers): every call times out at its deadline; resumed → answers again', async (t) => {
    const server = await startRedis();
    t.after(() => server.destroy());
    const store = await createRedisStore({ url: server.url, keyPrefix: freshPrefix('slow'), readTimeoutMs: 100, writeTimeoutMs: 100 });
    t.after(() => store.close());
    await store.put('k', entry('v', { storedAt: Date.now() }));
    server.pause();
    try {
      const started = performance.now();
      const results = await Promise.allSettled(Array.from({ length: 20 }, () => store.get('k')));
      const elapsed = performance.now() - started;
      assert.ok(results.every((r) => r.status === 'rejected' && r.reason.code === 'timeout'), JSON.stringify(results.map((r) => r.reason?.code)));
      assert.ok(elapsed <= 100 + 200, `20 parallel gets took ${elapsed} ms`);
      assert.match(results[0].reason.message, /no answer from Redis within 100 ms/);
      assert.equal(store.health().status, 'degraded');
    } finally {
      server.resume();
    }
    await waitUntil('answers again', async () => (await store.get('k').catch(() => null))?.value === 'v');
    assert.equal(store.health().status, 'healthy');
  });

  test('not reachable at start: calls fail at once with the reason, the store connects when Redis appears', async (t) => {
    const server = await startRedis();
    t.after(() => server.destroy());
    await server.stop();
    const store = await createRedisStore({ url: server.url, keyPrefix: freshPrefix('late'), readTimeoutMs: 5000 });
    t.after(() => store.close());
    await waitUntil('the first failed attempt', () => store.health().connection.reason !== '');
    const started = performance.now();
    await assert.rejects(store.get('k'), (err) => err.code === 'unavailable' && /not connected yet \(.*ECONNREFUSED/.test(err.message));
    assert.ok(performance.now() - started < 1000, 'known down: fails at once, not at the 5 s deadline');
    assert.equal(store.health().status, 'degraded');
    await server.start();
    await waitUntil('the first connection', () => store.health().connection.connection === 'ready');
    assert.equal(await store.get('k'), null);
  });

  test('refusing writes (OOM): a typed quota_exceeded error, reads go on, accepted again once it has room', async (t) => {
    const server = await startRedis();
    t.after(() => server.destroy());
    const raw = await rawClient(server.url);
    t.after(() => raw.destroy());
    const store = await createRedisStore({ url: server.url, keyPrefix: freshPrefix('oom'), ...RELAXED });
    t.after(() => store.close());
    await store.put('kept', entry('v', { storedAt: Date.now() }));
    await raw.configSet('maxmemory', '1');
    try {
      await assert.rejects(store.put('new', entry('w', { storedAt: Date.now() })), (err) => {
        assert.equal(err.code, 'quota_exceeded', err.message);
        assert.match(err.message, /OOM/);
        return true;
      });
      assert.equal(store.health().status, 'degraded');
      assert.equal((await store.get('kept')).value, 'v', 'reads still answer');
    } finally {
      await raw.configSet('maxmemory', '0');
    }
    await store.put('new', entry('w', { storedAt: Date.now() }));
    assert.equal(store.health().status, 'healthy');
  });

  test('the default read deadline is at most 50 ms', () => {
    assert.ok(DEFAULT_REDIS_READ_TIMEOUT_MS <= 50);
    const store = createStore('redis', { restUrl: 'http://127.0.0.1:9', restToken: 't' });
    assert.equal(store.readTimeoutMs, DEFAULT_REDIS_READ_TIMEOUT_MS);
    return store.close();
  });
});

// --- sharing, invalidation, secrets ----------------------------------------------------------------

describe('redis: shared records, invalidation on a Cluster, secrets', () => {
  let cluster;
  before(async () => {
    cluster = await startCluster();
  });
  after(() => cluster?.stop());

  test('a value written by one client is read by another after the first closed: a hit, with its remaining TTL', async () => {
    const server = await startRedis();
    try {
      const keyPrefix = freshPrefix('share');
      const writer = await createRedisStore({ url: server.url, keyPrefix, ...RELAXED });
      const written = entry('{"price":67000}', { storedAt: Date.now(), ttlMs: 30_000, staleMs: 30_000, tags: ['price'] });
      await writer.put('price:usd', written);
      await writer.close();

      const reader = await createRedisStore({ url: server.url, keyPrefix, ...RELAXED });
      assert.deepEqual(await reader.get('price:usd'), written);
      assert.equal(reader.health().counters.hits, 1);
      const raw = await rawClient(server.url);
      const pttl = await raw.pTTL(reader.recordKey('price:usd'));
      raw.destroy();
      assert.ok(pttl > 55_000 && pttl <= 60_000, `remaining TTL ${pttl} ms follows expiresAt`);
      await reader.close();
    } finally {
      await server.destroy();
    }
  });

  test('glob invalidation SCANs every master; tag invalidation deletes the tag set members', async () => {
    const keyPrefix = freshPrefix('inv');
    const store = await createRedisStore({ clusterNodes: cluster.seeds, keyPrefix, ...RELAXED });
    const now = Date.now();
    const currencies = Array.from({ length: 30 }, (_, i) => `c${i}`);
    for (const currency of currencies) await store.put(`price:${currency}`, entry('p', { storedAt: now, tags: ['price', `cur:${currency}`] }));
    for (const kind of ['fees', 'blocks', 'price*literal']) await store.put(kind, entry('n', { storedAt: now, tags: ['network'] }));

    // The keys really are spread: every master holds some (so one-node SCAN would miss some).
    const perMaster = [];
    for (const node of cluster.nodes) {
      const raw = await rawClient(node.url);
      let count = 0;
      for await (const keys of raw.scanIterator({ MATCH: `${escapeGlob(keyPrefix)}c:price:*`, COUNT: 100 })) count += keys.length;
      raw.destroy();
      perMaster.push(count);
    }
    assert.ok(perMaster.every((count) => count > 0), `records per master ${perMaster}`);
    assert.equal(perMaster.reduce((a, b) => a + b), 30);

    assert.equal(await store.invalidateGlob('price:c1*'), 11, 'c1 and c10-c19');
    assert.equal((await store.list('price:')).length, 19);
    assert.ok(await store.get('price*literal'), 'a literal * in a key is not a glob of ours');
    assert.equal(await store.invalidateGlob('price\\*literal'), 1, 'escaped glob characters match literally');

    assert.equal(await store.invalidateTag('cur:c2'), 1);
    assert.equal(await store.get('price:c2'), null);
    assert.equal(await store.invalidateTag('price'), 18, 'members already gone are not counted');
    assert.deepEqual((await store.list('')).map((item) => item.key), ['blocks', 'fees']);
    assert.equal(await store.invalidateTag('price'), 0, 'the set went with them');
    assert.equal(store.health().counters.invalidated, 31);
    await assert.rejects(store.invalidateGlob(''), (err) => err.code === 'invalid_argument');
    await store.close();
  });

  test('invalidating more keys than a connection queues at once (1,500) deletes them all', async () => {
    const server = await startRedis();
    try {
      const keyPrefix = freshPrefix('bulk');
      const store = await createRedisStore({ url: server.url, keyPrefix, ...RELAXED, scanTimeoutMs: 20_000 });
      const raw = await rawClient(server.url);
      const multi = raw.multi();
      for (let i = 0; i < 1500; i++) multi.set(store.recordKey(`bulk:${i}`), 'x');
      await multi.exec();
      assert.equal(await store.invalidateGlob('bulk:*'), 1500);
      assert.equal(await raw.dbSize(), 0);
      raw.destroy();
      await store.close();
    } finally {
      await server.destroy();
    }
  });

  test('a tag set lives as long as its longest-lived member', async () => {
    const keyPrefix = freshPrefix('tagttl');
    const store = await createRedisStore({ clusterNodes: cluster.seeds, keyPrefix, ...RELAXED });
    const now = Date.now();
    const raw = (await import('redis')).createCluster({ rootNodes: cluster.nodes.map((node) => ({ url: node.url })) });
    raw.on('error', () => {});
    await raw.connect();
    try {
      await store.put('a', entry('1', { storedAt: now, ttlMs: 10_000, staleMs: 0, tags: ['t'] }));
      const short = await raw.pTTL(store.tagKey('t'));
      assert.ok(short > 8_000 && short <= 10_000, `${short}`);
      await store.put('b', entry('2', { storedAt: now, ttlMs: 50_000, staleMs: 0, tags: ['t'] }));
      assert.ok((await raw.pTTL(store.tagKey('t'))) > 40_000);
      await store.put('c', entry('3', { storedAt: now, ttlMs: 5_000, staleMs: 0, tags: ['t'] }));
      assert.ok((await raw.pTTL(store.tagKey('t'))) > 40_000, 'a shorter member does not shorten it');
      await store.put('d', { value: '4', storedAt: now, freshUntil: Infinity, expiresAt: Infinity, tags: ['t'] });
      assert.equal(await raw.pTTL(store.tagKey('t')), -1, 'a member that never expires keeps the set');
      assert.deepEqual((await raw.sMembers(store.tagKey('t'))).sort(), ['a', 'b', 'c', 'd']);
    } finally {
      raw.destroy();
      await store.close();
    }
  });

  test('the password is never echoed: not in errors, health or messages', async (t) => {
    const secret = 'hunter2-redis-secret';
    const server = await startRedis({ password: secret });
    t.after(() => server.destroy());
    const wrong = await createRedisStore({ url: `redis://:${secret}x@127.0.0.1:${server.port}`, keyPrefix: freshPrefix('pw'), readTimeoutMs: 300 });
    t.after(() => wrong.close());
    const error = await wrong.get('k').catch((err) => err);
    assert.ok(error instanceof StorageError);
    const health = JSON.stringify(wrong.health());
    for (const text of [error.message, health]) assert.ok(!text.includes(secret), text);

    const right = await createRedisStore({ url: `redis://127.0.0.1:${server.port}`, password: secret, keyPrefix: freshPrefix('pw'), ...RELAXED });
    t.after(() => right.close());
    await right.put('k', entry('v', { storedAt: Date.now() }));
    assert.equal((await right.get('k')).value, 'v');
  });
});

// --- configuration and construction ----------------------------------------------------------------

describe('redis: options from configuration', () => {
  test('REDIS_* keys map to one connection mode; disabled → null', () => {
    assert.equal(redisOptionsFromConfig({ REDIS_URL: 'redis://x' }), null);
    assert.deepEqual(redisOptionsFromConfig({ REDIS_ENABLED: 'true', REDIS_CLUSTER_NODES: 'a:1, b:2', REDIS_KEY_PREFIX: 'p:' }), {
      url: undefined,
      password: undefined,
      clusterNodes: ['a:1', 'b:2'],
      restUrl: undefined,
      restToken: undefined,
      keyPrefix: 'p:',
    });
  });

  test('bad construction is a typed invalid_argument error', () => {
    const invalid = (fn) => assert.throws(fn, (err) => err instanceof StorageError && err.code === 'invalid_argument');
    invalid(() => createStore('redis', {}));
    invalid(() => createStore('redis', { restUrl: 'ftp://x', restToken: 't' }));
    invalid(() => createStore('redis', { restUrl: 'http://x', restToken: '' }));
    invalid(() => createStore('redis', { restUrl: 'http://x', restToken: 't', keyPrefix: 'a*' }));
    invalid(() => createStore('redis', { restUrl: 'http://x', restToken: 't', readTimeoutMs: 0 }));
    invalid(() => createRedisTcpBackend({}));
    invalid(() => createRedisTcpBackend({ url: 'redis://a', clusterNodes: ['b:1'] }));
    invalid(() => createRedisTcpBackend({ url: 'http://a' }));
    invalid(() => createRedisTcpBackend({ clusterNodes: 'a:99999' }));
  });
});
