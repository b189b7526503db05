// A fleet of `bitcoin-ltl serve` processes sharing one real redis-server and the simulator:
// one upstream call per key for the fleet, a holder's death, Redis failing and coming back,
// values shared across restarts.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';

import { startSimulator } from '../../../scripts/simulator/index.mjs';
import { rawClient, startRedis, stopAllRedis } from '../support/redis.mjs';
import { serve, stop } from '../support/serve.mjs';
import { UNTHROTTLED, until } from '../support/simulated.mjs';

const PRICE_ROUTE = 'coingecko.simple_price';

let sim;
let redis;
before(async () => {
  sim = await startSimulator({ seed: 21 });
  redis = await startRedis();
});
after(async () => {
  await stopAllRedis();
  await sim?.close();
});
beforeEach(() => {
  sim.clearFaults();
  sim.resetCounts();
});

const calls = (route) => sim.counts().routes[route] ?? 0;

function fleetEnv(env = {}) {
  return {
    ...sim.baseUrls,
    ...UNTHROTTLED,
    RETRY_MAX_ATTEMPTS: '1',
    CACHE_REFRESH_AHEAD_PCT: '0',
    CLIENT_RATE_LIMIT: '0',
    REDIS_ENABLED: 'true',
    REDIS_URL: redis.url,
    ...env,
  };
}

async function fleet(size, env) {
  return Promise.all(Array.from({ length: size }, () => serve(fleetEnv(env))));
}

describe('three servers, one Redis', () => {
  let servers;
  before(async () => {
    servers = await fleet(3, { REDIS_KEY_PREFIX: 'ltl-a:' });
  });
  after(async () => {
    for (const server of servers) await stop(server);
  });

  test('300 concurrent cold requests spread over the fleet make exactly one upstream call', async () => {
    sim.setFault(PRICE_ROUTE, { kind: 'latency', ms: 300 });
    const answers = await Promise.all(Array.from({ length: 300 }, (_, i) => servers[i % 3].get('/api/v1/price?currency=usd')));
    const bodies = await Promise.all(answers.map((response) => response.json()));
    for (const [i, response] of answers.entries()) assert.equal(response.status, 200, JSON.stringify(bodies[i]));
    assert.equal(calls(PRICE_ROUTE), 1);
    assert.equal(new Set(bodies.map((body) => body.price)).size, 1);
    assert.ok(answers.some((response) => response.headers.get('x-ltl-fleet') === 'follower'), 'other servers waited for the leader');
  });

  test('a value one server fetched is read from Redis by another, with its remaining TTL', async () => {
    const first = await (await servers[0].get('/api/v1/difficulty')).json();
    const second = await (await servers[1].get('/api/v1/difficulty')).json();
    assert.equal(calls('mempool.difficulty_adjustment'), 1);
    assert.equal(second.fetched_at, first.fetched_at);
    assert.equal(second.expires_at, first.expires_at, 'the remaining TTL, not a new one');
  });
});

test('COINGECKO_RATE_PER_MIN=2 holds for the fleet: seven currencies over three servers make at most 2 CoinGecko calls', async () => {
  const servers = await fleet(3, { REDIS_KEY_PREFIX: 'ltl-e:', COINGECKO_RATE_PER_MIN: '2', RATE_LIMIT_MAX_WAIT_MS: '0' });
  try {
    const currencies = ['usd', 'eur', 'gbp', 'jpy', 'cad', 'chf', 'aud'];
    const answers = await Promise.all(currencies.map((currency, i) => servers[i % 3].get(`/api/v1/price?currency=${currency}`)));
    const bodies = await Promise.all(answers.map((response) => response.json()));
    for (const [i, response] of answers.entries()) assert.equal(response.status, 200, JSON.stringify(bodies[i]));
    assert.ok(calls(PRICE_ROUTE) <= 2, `${calls(PRICE_ROUTE)} CoinGecko calls`);
    assert.ok(bodies.filter((body) => body.source !== 'coingecko').length >= 5, 'the rest came from the next providers');
  } finally {
    for (const server of servers) await stop(server);
  }
});

test('kill -9 of the lease holder mid-fetch: another server answers within the lease time', async () => {
  const [holder, waiter] = await fleet(2, { REDIS_KEY_PREFIX: 'ltl-b:', FLEET_LEASE_MS: '1000' });
  try {
    sim.setFault('fng.*', { kind: 'latency', ms: 600, times: 1 }); // the holder's fetch is slow
    const held = holder.get('/api/v1/sentiment').catch(() => null);
    await until(() => calls('fng.fng') >= 1, 'the holder to call the upstream');
    const started = performance.now();
    const waiting = waiter.get('/api/v1/sentiment');
    await sleep(50);
    await stop(holder, { hard: true });
    const response = await waiting;
    assert.equal(response.status, 200, await response.clone().text());
    assert.ok(performance.now() - started < 1000 + 1500, `answered in ${Math.round(performance.now() - started)} ms`);
    await held;
  } finally {
    await stop(holder, { hard: true });
    await stop(waiter);
  }
});

test('Redis stopped mid-run: every request still answered, health degraded; started again: healthy', async () => {
  // Short TTLs: every request reaches the persistent tier, so its health follows Redis.
  const [server] = await fleet(1, { REDIS_KEY_PREFIX: 'ltl-c:', CACHE_DEFAULT_TTL: '200' });
  try {
    assert.equal((await server.get('/api/v1/fees')).status, 200);
    await redis.stop();
    for (const path of ['/api/v1/fees', '/api/v1/mempool', '/api/v1/price?currency=eur']) {
      const started = performance.now();
      const response = await server.get(path);
      assert.equal(response.status, 200, `${path}: ${await response.text()}`);
      assert.ok(performance.now() - started < 3000);
    }
    const storeHealth = async () => (await (await server.get('/api/v1/health')).json()).persistent_store;
    const degraded = await until(async () => {
      const store = await storeHealth();
      return store?.status === 'degraded' ? store : null;
    }, 'the Redis tier to turn degraded', 10_000);
    assert.ok(degraded.reason, JSON.stringify(degraded));
    await redis.start(); // empty again
    await until(async () => (await storeHealth())?.connection?.connection === 'ready', 'the reconnect', 20_000);
    // Back in use by itself: new answers land in Redis again.
    const raw = await rawClient(redis.url);
    try {
      await until(async () => {
        await server.get('/api/v1/price?currency=gbp');
        return (await raw.keys('ltl-c:*')).length > 0;
      }, 'answers to be written to Redis again', 30_000);
    } finally {
      await raw.quit();
    }
  } finally {
    await stop(server);
  }
});

test('a restarted server answers from Redis what it fetched before, without an upstream call', async () => {
  let [server] = await fleet(1, { REDIS_KEY_PREFIX: 'ltl-d:' });
  const first = await (await server.get('/api/v1/hashrate')).json();
  const raw = await rawClient(redis.url);
  try {
    await until(async () => (await raw.keys('ltl-d:*hashrate*')).filter((key) => !key.includes('{')).length > 0, 'the Redis record of hashrate');
    await stop(server);
    // The leader's published answer (shared with waiting servers for a second) is gone: the next
    // answer can only come from the Redis tier.
    await until(async () => (await raw.keys('ltl-d:result:*')).length === 0, 'the published answer to expire');
  } finally {
    await raw.quit();
  }
  [server] = await fleet(1, { REDIS_KEY_PREFIX: 'ltl-d:' });
  try {
    const again = await (await server.get('/api/v1/hashrate')).json();
    assert.equal(again.cache, 'redis');
    assert.equal(again.fetched_at, first.fetched_at);
    assert.equal(calls('mempool.hashrate'), 1);
  } finally {
    await stop(server);
  }
});
