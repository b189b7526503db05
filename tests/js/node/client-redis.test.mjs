// createClient with REDIS_ENABLED=true: the package in Node, against the simulator and a real
// redis-server. A record written by one client is answered by the next (a restarted server) with
// no upstream call; Redis stopped leaves every request answered and the tier degraded with the
// reason; the REDIS_* keys are validated by the core and their secrets never shown.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';

import { LtlError } from '../../../web/index.js';
import { until, useManualSimulator } from '../support/simulated.mjs';
import { rawClient, startRedis, stopAllRedis } from '../support/redis.mjs';

const PRICE_ROUTE = 'coingecko.simple_price';
const { calls, client, withClient } = useManualSimulator(12);

let server;
let raw;
before(async () => {
  server = await startRedis();
  raw = await rawClient(server.url);
});
after(async () => {
  raw?.destroy();
  await stopAllRedis();
});

let seq = 0;
const redisConfig = () => ({ REDIS_ENABLED: 'true', REDIS_URL: server.url, REDIS_KEY_PREFIX: `c${process.pid}-${++seq}:` });

test('a value one client wrote to Redis is answered by the next client (a restarted server) without an upstream call', async () => {
  const config = redisConfig();
  const first = await client(config);
  assert.equal(first.persistentStore.name, 'redis');
  const origin = await first.price('usd');
  assert.equal(origin.cache, 'origin');
  const recordKey = first.persistentStore.recordKey('price:usd');
  await until(async () => (await raw.exists(recordKey)) === 1, 'the Redis record');
  const pttl = await raw.pTTL(recordKey);
  assert.ok(pttl > 0, `the record expires with its entry (PTTL ${pttl})`);
  first.close();

  const callsBefore = calls(PRICE_ROUTE);
  await withClient(config, async (second) => {
    const hit = await second.price('usd');
    assert.equal(hit.cache, 'redis');
    assert.equal(hit.price, origin.price);
    assert.equal(hit.fetched_at, origin.fetched_at);
    assert.equal(calls(PRICE_ROUTE), callsBefore, 'no upstream call');
    const health = await second.health();
    assert.ok(health.cache_tiers.some((tier) => tier.name === 'redis'), JSON.stringify(health.cache_tiers));
  });
});

test('Redis stopped: every request still answered (memory + origin), the tier degraded with the reason; started again: healthy', async () => {
  const config = redisConfig();
  await withClient(config, async (ltl) => {
    assert.equal((await ltl.price('eur')).cache, 'origin');
    await server.stop();
    try {
      const started = performance.now();
      const answered = await Promise.all([ltl.price('gbp'), ltl.fees(), ltl.price('eur')]);
      assert.deepEqual(answered.map((answer) => answer.cache), ['origin', 'origin', 'memory']);
      assert.ok(performance.now() - started < 2000, 'Redis did not hold the answers');
      await until(() => ltl.persistentStore.health().status === 'degraded', 'the degraded tier');
      assert.match(ltl.persistentStore.health().reason, /ECONNREFUSED|closed|Socket/i);
    } finally {
      await server.start();
    }
    await until(() => ltl.persistentStore.health().connection.connection === 'ready', 'the reconnect', 10_000);
    await ltl.persistentStore.put('probe', { value: 'v', storedAt: 0, freshUntil: Infinity, expiresAt: Infinity, tags: [] });
    assert.equal(ltl.persistentStore.health().status, 'healthy');
  });
});

test('REDIS_* keys: validated by the core (one connection mode), secrets never shown', async () => {
  await assert.rejects(client({ REDIS_ENABLED: 'true' }), (err) => {
    assert.ok(err instanceof LtlError);
    assert.equal(err.category, 'config');
    assert.match(err.message, /exactly one of REDIS_URL, REDIS_CLUSTER_NODES, REDIS_REST_URL/);
    return true;
  });
  const secret = 'pw-never-shown-1234';
  await withClient({ ...redisConfig(), REDIS_URL: `redis://:${secret}@127.0.0.1:${server.port}`, REDIS_PASSWORD: '' }, async (ltl) => {
    const config = await ltl.config();
    assert.equal(config.REDIS_URL, `redis://127.0.0.1:${server.port}`);
    assert.ok(!JSON.stringify(config).includes(secret));
    // The server has no password: AUTH fails, and neither the error nor the health show the password.
    const error = await ltl.persistentStore.get('k').catch((err) => err);
    assert.ok(error instanceof Error);
    assert.ok(!JSON.stringify(ltl.persistentStore.health()).includes(secret), JSON.stringify(ltl.persistentStore.health()));
    assert.ok(!error.message.includes(secret), error.message);
  });
});
