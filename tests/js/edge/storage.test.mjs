// The Cache API and KV adapters (web/storage/) inside real workerd (Miniflare): caches.default
// and a KV namespace binding. A small test worker imports web/storage/index.js and runs store
// operations sent over fetch, on a manual clock and manual timers; the shared conformance suite
// drives it through a proxy store.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';

import { binaryishText, entry, storageConformance, T0 } from '../support/storage-conformance.mjs';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const COMPATIBILITY_DATE = '2025-09-01';

// Non-finite numbers cross the fetch boundary as tagged objects (JSON has no Infinity/NaN).
const encodeJson = (value) =>
  JSON.stringify(value, (_key, v) => (typeof v === 'number' && !Number.isFinite(v) ? { $number: String(v) } : v));
const decodeJson = (text) => JSON.parse(text, (_key, v) => (v && typeof v === 'object' && typeof v.$number === 'string' ? Number(v.$number) : v));

const WORKER_SOURCE = `
import { bridgeStore, CacheApiStore, KvStore } from './web/storage/index.js';

const encodeJson = ${encodeJson.toString()};
const decodeJson = ${decodeJson.toString()};

let now = 0;
let currentCtx = null;
const stores = new Map();

// Timers that fire only when the test lets them, moving the clock to their due time. Like
// workerd's own timers, a timer runs in the request that armed it: that request stays open
// (ctx.waitUntil) and polls until the test releases or clears the timer, so a store's promise of
// one request (e.g. KV's delayed write, kept alive with waitUntil) is never settled from another
// request's context. The request that fires a timer waits, polling too, until it has run.
const POLL_MS = 2;
const ABANDON_AFTER_MS = 30_000; // an armed timer nobody fires stops polling (real time)
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const timers = [];
let nextTimerId = 1;
const manualTimers = {
  setTimeout(fn, ms) {
    const timer = { id: nextTimerId++, at: now + Math.max(0, ms), fn, state: 'armed', error: null };
    timers.push(timer);
    timers.sort((a, b) => a.at - b.at || a.id - b.id);
    const runWhenReleased = async () => {
      const giveUpAt = Date.now() + ABANDON_AFTER_MS;
      while (timer.state === 'armed' && Date.now() < giveUpAt) await pause(POLL_MS);
      if (timer.state !== 'released') {
        if (timer.state === 'armed') timer.state = 'abandoned';
        return;
      }
      try {
        await timer.fn();
      } catch (err) {
        timer.error = err;
      } finally {
        timer.state = 'done';
      }
    };
    if (!currentCtx) throw new Error('manual timer armed outside a request');
    currentCtx.waitUntil(runWhenReleased());
    return timer.id;
  },
  clearTimeout(id) {
    const index = timers.findIndex((timer) => timer.id === id);
    if (index < 0) return;
    timers[index].state = 'cleared';
    timers.splice(index, 1);
  },
};
async function fireNextTimer() {
  const timer = timers.shift();
  now = Math.max(now, timer.at);
  if (timer.state !== 'armed') throw new Error('manual timer ' + timer.id + ' can no longer run: ' + timer.state);
  timer.state = 'released';
  const deadline = Date.now() + 5000;
  while (timer.state === 'released') {
    if (Date.now() > deadline) throw new Error('manual timer ' + timer.id + ' did not run: its request has ended');
    await pause(POLL_MS);
  }
  if (timer.error) throw timer.error;
}
async function fireAllTimers() {
  while (timers.length > 0) await fireNextTimer();
}
// Awaits a store call; while it is stuck behind a delayed write, lets the clock run to it.
async function settle(promise) {
  let settled = false;
  promise.then(() => (settled = true), () => (settled = true));
  while (!settled) {
    await Promise.race([promise.catch(() => {}), new Promise((resolve) => setTimeout(resolve, 1))]);
    if (!settled && timers.length > 0) await fireNextTimer();
  }
  return promise;
}

const toBase64 = (bytes) => btoa(Array.from(bytes, (byte) => String.fromCharCode(byte)).join(''));
const fromBase64 = (text) => Uint8Array.from(atob(text), (char) => char.charCodeAt(0));

function failingCache(code) {
  return {
    match: (url) => caches.default.match(url),
    delete: (url) => caches.default.delete(url),
    put: async () => {
      throw new DOMException('cache refused the put', code);
    },
  };
}

function createStore(env, { name, kind, options = {} }) {
  const common = { ...options, now: () => now };
  let store;
  if (kind === 'cache-api') {
    store = new CacheApiStore({ ...common, cache: options.failPut ? failingCache(options.failPut) : caches.default });
  } else {
    store = new KvStore({ ...common, namespace: env.NS, timers: manualTimers, waitUntil: (promise) => currentCtx?.waitUntil(promise) });
  }
  stores.set(name, { store, kind });
  return null;
}

async function readRaw(env, { name, key }) {
  const { store, kind } = stores.get(name);
  if (kind === 'cache-api') {
    const response = await caches.default.match(store.urlFor(key));
    return response ? toBase64(new Uint8Array(await response.arrayBuffer())) : null;
  }
  const value = await env.NS.get(store.keyPrefix + key, { type: 'arrayBuffer' });
  return value === null ? null : toBase64(new Uint8Array(value));
}

async function writeRaw(env, { name, key, base64 }) {
  const { store, kind } = stores.get(name);
  const bytes = fromBase64(base64);
  if (kind === 'cache-api') {
    const url = store.urlFor(key);
    const old = await caches.default.match(url);
    const headers = old ? new Headers(old.headers) : new Headers({ 'cache-control': 'max-age=3600' });
    await caches.default.put(url, new Response(bytes, { status: 200, headers }));
    return null;
  }
  const { metadata } = await env.NS.getWithMetadata(store.keyPrefix + key, { type: 'arrayBuffer' });
  await env.NS.put(store.keyPrefix + key, bytes, { metadata, expirationTtl: 3600 });
  return null;
}

async function rawHeaders({ name, key }) {
  const { store } = stores.get(name);
  const response = await caches.default.match(store.urlFor(key));
  return response ? Object.fromEntries(response.headers) : null;
}

async function kvInfo(env, { name, key }) {
  const { store } = stores.get(name);
  const page = await env.NS.list({ prefix: store.keyPrefix + key });
  const found = page.keys.find((item) => item.name === store.keyPrefix + key);
  const value = await env.NS.get(store.keyPrefix + key, { type: 'arrayBuffer' });
  return {
    realNowSeconds: Date.now() / 1000,
    expiration: found?.expiration ?? null,
    metadata: found?.metadata ?? null,
    value: value === null ? null : toBase64(new Uint8Array(value)),
  };
}

// Each burst is issued synchronously, like C++ does; the next one starts when all have answered.
async function bridgeRun({ name, bursts }) {
  const { store } = stores.get(name);
  const completions = [];
  const host = bridgeStore(store, (id, errorJson, resultJson) => completions.push({ id, errorJson, resultJson }));
  let expected = 0;
  for (const calls of bursts) {
    for (const [method, ...args] of calls) host[method](...args);
    expected += calls.length;
    while (completions.length < expected) await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return completions.sort((a, b) => a.id - b.id);
}

async function run(env, step) {
  switch (step.op) {
    case 'create':
      return createStore(env, step);
    case 'call': {
      const { store } = stores.get(step.name);
      return settle(Promise.resolve().then(() => store[step.method](...(step.args ?? []))));
    }
    case 'readRaw':
      return readRaw(env, step);
    case 'writeRaw':
      return writeRaw(env, step);
    case 'rawHeaders':
      return rawHeaders(step);
    case 'kvInfo':
      return kvInfo(env, step);
    case 'kvPutDirect':
      return env.NS.put(step.key, 'v', { expirationTtl: step.expirationTtl }).then(() => null);
    case 'flush':
      await fireAllTimers();
      return null;
    case 'setNow':
      now = step.now;
      return null;
    case 'bridge':
      return bridgeRun(step);
    case 'batch': {
      // Steps run in order inside one request; noWait steps run on and are awaited at the end.
      const results = [];
      const background = [];
      for (const inner of step.steps) {
        const call = inner.op === 'call' && inner.noWait
          ? stores.get(inner.name).store[inner.method](...(inner.args ?? []))
          : run(env, inner);
        if (inner.noWait) {
          const index = results.push(null) - 1;
          background.push(call.then((value) => (results[index] = { ok: true, value }), (err) => (results[index] = { ok: false, code: err.code })));
        } else {
          results.push({ ok: true, value: await call });
        }
      }
      await Promise.all(background);
      return results;
    }
    default:
      throw new Error('unknown op ' + step.op);
  }
}

export default {
  async fetch(request, env, ctx) {
    currentCtx = ctx;
    const step = decodeJson(await request.text());
    if (typeof step.now === 'number') now = step.now;
    let body;
    try {
      const result = await run(env, step);
      body = { ok: true, result };
    } catch (err) {
      body = { ok: false, error: { name: err.name, code: err.code, message: err.message } };
    }
    body.now = now;
    const entry = step.name && stores.get(step.name);
    if (entry) body.health = entry.store.health();
    return new Response(encodeJson(body), { headers: { 'content-type': 'application/json' } });
  },
};
`;

let mf;
let clockMirror = T0;
let uniqueId = 0;

before(async () => {
  mf = new Miniflare({
    name: 'storage-test',
    modules: true,
    script: WORKER_SOURCE,
    // Virtual path at the repository root: the worker's relative imports resolve from there.
    scriptPath: `${REPO_ROOT}storage-test-worker.virtual.js`,
    modulesRoot: REPO_ROOT,
    modulesRules: [{ type: 'ESModule', include: ['**/*.js', '**/*.mjs'] }],
    compatibilityDate: COMPATIBILITY_DATE,
    kvNamespaces: ['NS'],
  });
  await mf.ready;
});

after(() => mf?.dispose());

/** Sends one step to the worker; returns {result, health} or throws the worker's error. */
async function send(step) {
  const response = await mf.dispatchFetch('http://storage.test/', { method: 'POST', body: encodeJson({ now: clockMirror, ...step }) });
  const body = decodeJson(await response.text());
  clockMirror = body.now;
  if (!body.ok) throw Object.assign(new Error(body.error.message), { name: body.error.name, code: body.error.code });
  return body;
}

const b64 = (bytes) => Buffer.from(bytes).toString('base64');
const unb64 = (text) => (text === null ? null : new Uint8Array(Buffer.from(text, 'base64')));

/** A store living in the worker, seen through fetch, with the adapter interface. */
async function remoteStore(kind, options = {}) {
  const name = `${kind}-${++uniqueId}`;
  const isolation = kind === 'cache-api' ? { baseUrl: `https://cache-test.invalid/run-${uniqueId}/` } : { keyPrefix: `t${uniqueId}:` };
  await send({ op: 'create', name, kind, options: { ...isolation, ...options } });
  let lastHealth;
  const call = async (method, ...args) => {
    const body = await send({ op: 'call', name, method, args });
    lastHealth = body.health;
    return body.result;
  };
  const callTracked = async (method, ...args) => {
    try {
      return await call(method, ...args);
    } catch (err) {
      lastHealth = (await send({ op: 'call', name, method: 'health' })).result;
      throw err;
    }
  };
  return {
    id: name,
    store: {
      name: kind,
      get: (key) => callTracked('get', key),
      put: (key, value) => callTracked('put', key, value),
      remove: (key) => callTracked('remove', key),
      list: (prefix) => callTracked('list', prefix),
      close: () => callTracked('close'),
      health: () => lastHealth,
      refreshHealth: async () => (lastHealth = (await send({ op: 'call', name, method: 'health' })).result),
    },
    readRaw: async (key) => unb64((await send({ op: 'readRaw', name, key })).result),
    writeRaw: async (key, bytes) => void (await send({ op: 'writeRaw', name, key, base64: b64(bytes) })),
    flushWrites: async () => {
      lastHealth = (await send({ op: 'flush', name })).health;
    },
    // One request, so the worker starts the calls in exactly this order.
    concurrent: async (calls) => {
      const steps = calls.map(([method, ...args]) => ({ op: 'call', name, method, args, noWait: true }));
      const body = await send({ op: 'batch', name, steps });
      lastHealth = body.health;
      return body.result.map((outcome) => {
        if (!outcome.ok) throw Object.assign(new Error(`concurrent call failed: ${outcome.code}`), { code: outcome.code });
        return outcome.value;
      });
    },
    send: (step) => send({ name, ...step }),
  };
}

function conformanceHarness(kind) {
  return async (options) => {
    clockMirror = T0;
    const remote = await remoteStore(kind, options);
    return {
      ...remote,
      now: () => clockMirror,
      setNow: (ms) => {
        clockMirror = ms;
      },
      close: () => remote.store.close(),
    };
  };
}

storageConformance('cache-api (workerd caches.default)', conformanceHarness('cache-api'));
storageConformance('kv (workerd KV namespace)', conformanceHarness('kv'));

// --- Cache API specifics ------------------------------------------------------------------------

describe('cache-api in workerd', () => {
  test('entries carry Cache-Control max-age from expiresAt and the metadata in x-ltl-* headers', async () => {
    clockMirror = T0;
    const remote = await remoteStore('cache-api');
    await remote.store.put('price:usd', entry('{"p":1}', { ttlMs: 30_000, staleMs: 60_500, tags: ['price', 'ü'] }));
    const headers = (await remote.send({ op: 'rawHeaders', key: 'price:usd' })).result;
    assert.equal(headers['cache-control'], 'max-age=91'); // ceil(90.5 s)
    assert.equal(headers['content-type'], 'application/octet-stream');
    assert.equal(headers['x-ltl-format'], '1');
    assert.equal(headers['x-ltl-stored-at'], String(T0));
    assert.equal(headers['x-ltl-fresh-until'], String(T0 + 30_000));
    assert.equal(headers['x-ltl-expires-at'], String(T0 + 90_500));
    assert.deepEqual(JSON.parse(decodeURIComponent(headers['x-ltl-tags'])), ['price', 'ü']);

    await remote.store.put('forever', { value: 'v', storedAt: T0, freshUntil: Infinity, expiresAt: Infinity, tags: [] });
    const forever = (await remote.send({ op: 'rawHeaders', key: 'forever' })).result;
    assert.equal(forever['cache-control'], `max-age=${365 * 24 * 3600}`);
    assert.equal(forever['x-ltl-expires-at'], 'never');
  });

  test('the key index is bounded: the oldest keys leave list() but stay readable by exact key', async () => {
    clockMirror = T0;
    const remote = await remoteStore('cache-api', { maxIndexKeys: 3 });
    for (const key of ['k1', 'k2', 'k3', 'k4', 'k5']) await remote.store.put(key, entry(key));
    assert.deepEqual((await remote.store.list('')).map((item) => item.key), ['k3', 'k4', 'k5']);
    let health = await remote.store.refreshHealth();
    assert.equal(health.indexEvictions, undefined);
    assert.equal(health.counters.indexEvictions, 2);
    assert.equal(health.indexComplete, false);
    assert.equal(health.indexedKeys, 3);
    assert.equal((await remote.store.get('k1')).value, 'k1', 'exact lookups still hit');
    assert.deepEqual((await remote.store.list('')).map((item) => item.key), ['k1', 'k4', 'k5'], 'a read key rejoins the index');
    health = await remote.store.refreshHealth();
    assert.equal(health.indexedKeys, 3);
  });

  test('another isolate sees entries by exact key; its list only knows keys it wrote or read', async () => {
    clockMirror = T0;
    const writer = await remoteStore('cache-api');
    const baseUrl = `https://cache-test.invalid/run-${writer.id.split('-').pop()}/`;
    await writer.store.put('shared:a', entry('from writer', { tags: ['x'] }));
    const reader = await remoteStore('cache-api', { baseUrl });
    assert.deepEqual(await reader.store.list('shared:'), []);
    assert.deepEqual(await reader.store.get('shared:a'), entry('from writer', { tags: ['x'] }));
    assert.deepEqual((await reader.store.list('shared:')).map((item) => item.key), ['shared:a']);
    assert.equal(await reader.store.remove('shared:a'), true, 'invalidation reaches the shared cache');
    assert.equal(await writer.store.get('shared:a'), null);
  });

  test('a rejected cache put surfaces as a typed error and degrades health', async () => {
    clockMirror = T0;
    const quota = await remoteStore('cache-api', { failPut: 'QuotaExceededError' });
    await assert.rejects(quota.store.put('k', entry('v')), { name: 'StorageError', code: 'quota_exceeded' });
    const health = quota.store.health();
    assert.equal(health.status, 'degraded');
    assert.equal(health.lastError.code, 'quota_exceeded');
    assert.equal(health.indexedKeys, 0, 'a failed put is not indexed');
    const other = await remoteStore('cache-api', { failPut: 'NetworkError' });
    await assert.rejects(other.store.put('k', entry('v')), { code: 'backend' });
  });

  test('bridgeStore runs in workerd and answers the C++ JSON shapes', async () => {
    clockMirror = T0;
    const remote = await remoteStore('cache-api');
    const value = binaryishText(5);
    const entryJson = JSON.stringify({ value, storedAt: T0, freshUntil: T0 + 1000, expiresAt: T0 + 5000, tags: ['t'] });
    const completions = (
      await remote.send({
        op: 'bridge',
        bursts: [
          [['put', 1, 'b:1', entryJson]],
          [
            ['get', 2, 'b:1'],
            ['list', 3, 'b:'],
          ],
          [
            ['remove', 4, 'b:1'],
            ['get', 5, 'b:1'], // issued after the remove in the same burst: sees it
            ['put', 6, 'b:2', '{"value":1}'],
          ],
        ],
      })
    ).result;
    assert.equal(completions[0].errorJson, '');
    assert.match(completions[0].resultJson, /^\{"rawBytes":\d+,"storedBytes":\d+,"savedBytes":\d+\}$/);
    const outcome = JSON.parse(completions[0].resultJson);
    assert.equal(outcome.rawBytes, Buffer.byteLength(value));
    assert.ok(outcome.storedBytes > 0 && outcome.storedBytes < outcome.rawBytes, 'written, compressed');
    // Saved = raw minus the gzip payload: more than raw minus the whole record (header and tags).
    assert.ok(outcome.savedBytes >= outcome.rawBytes - outcome.storedBytes && outcome.savedBytes < outcome.rawBytes, 'saved bytes');
    assert.equal(
      completions[1].resultJson,
      `{"value":${JSON.stringify(value)},"storedAt":${T0},"freshUntil":${T0 + 1000},"expiresAt":${T0 + 5000},"tags":["t"]}`,
    );
    assert.equal(completions[2].resultJson, `{"keys":[{"key":"b:1","tags":["t"],"expiresAt":${T0 + 5000}}]}`);
    assert.equal(completions[3].resultJson, 'true');
    assert.equal(completions[4].resultJson, 'null');
    assert.equal(completions[5].resultJson, '');
    const error = JSON.parse(completions[5].errorJson).error;
    assert.equal(error.code, 'invalid_argument');
    assert.equal(typeof error.message, 'string');
  });
});

// --- KV specifics --------------------------------------------------------------------------------

describe('kv in workerd', () => {
  test('KV itself refuses expirationTtl under 60 s (the limit the adapter clamps to)', async () => {
    await assert.rejects(send({ op: 'kvPutDirect', key: 'direct', expirationTtl: 5 }), /60/);
  });

  test('a short remaining life is clamped up to a 60 s expirationTtl; reads still end at expiresAt', async () => {
    clockMirror = T0;
    const remote = await remoteStore('kv');
    const short = entry('soon', { ttlMs: 2000, staleMs: 3000, tags: ['t'] });
    await remote.store.put('short', short);
    const info = (await remote.send({ op: 'kvInfo', key: 'short' })).result;
    const ttlSeconds = info.expiration - info.realNowSeconds;
    assert.ok(ttlSeconds > 55 && ttlSeconds <= 61, `expiration ${ttlSeconds.toFixed(1)} s ahead, want ~60`);
    assert.deepEqual(info.metadata, { v: 1, e: T0 + 5000, t: ['t'] });
    assert.equal(remote.store.health().counters.ttlClamped, 1);

    await remote.store.put('long', entry('later', { ttlMs: 300_000, staleMs: 300_000 }));
    const longInfo = (await remote.send({ op: 'kvInfo', key: 'long' })).result;
    const longTtl = longInfo.expiration - longInfo.realNowSeconds;
    assert.ok(longTtl > 595 && longTtl <= 601, `expiration ${longTtl.toFixed(1)} s ahead, want ~600`);
    assert.equal(remote.store.health().counters.ttlClamped, 1);

    await remote.store.put('forever', { value: 'v', storedAt: T0, freshUntil: Infinity, expiresAt: Infinity, tags: [] });
    const foreverInfo = (await remote.send({ op: 'kvInfo', key: 'forever' })).result;
    assert.equal(foreverInfo.expiration, null);
    assert.deepEqual(foreverInfo.metadata, { v: 1, e: null, t: [] });

    clockMirror = T0 + 5000; // KV still holds it (60 s), the adapter answers a miss
    assert.equal(await remote.store.get('short'), null);
    await remote.flushWrites();
    assert.equal((await remote.send({ op: 'kvInfo', key: 'short' })).result.value, null, 'deleted on the expired read');
  });

  test('writes to one key within 1 s coalesce: delayed, last write wins, readable locally meanwhile', async () => {
    clockMirror = T0;
    const remote = await remoteStore('kv');
    const put = (value, noWait = true, tags = []) => ({ op: 'call', name: remote.id, method: 'put', args: ['k', entry(value, { tags })], noWait });
    const info = { op: 'kvInfo', name: remote.id, key: 'k' };
    const decodeValue = (base64) => {
      const record = Buffer.from(base64, 'base64');
      return record.subarray(48 + record.readUInt32LE(40)).toString('utf8'); // identity payload after the tags
    };
    const { result } = await send({
      op: 'batch',
      steps: [
        put('v1', false),
        put('v2', true, ['second']), // inside the 1 s: queued
        { op: 'call', name: remote.id, method: 'get', args: ['k'] }, // once v2 is queued
        put('v3', true, ['third']), // replaces the queued v2
        { op: 'call', name: remote.id, method: 'put', args: ['other', entry('o')] }, // another key: not delayed
        info,
        { op: 'call', name: remote.id, method: 'get', args: ['k'] },
        { op: 'call', name: remote.id, method: 'list', args: [''] },
        { op: 'flush' },
        info,
      ],
    });
    const [first, second, queuedGet, third, other, before, localGet, localList, , afterFlush] = result;
    assert.equal(queuedGet.value.value, 'v2');
    assert.equal(first.value.rawBytes, 2);
    assert.ok(first.value.storedBytes > 0);
    assert.equal(second.value.rawBytes, 2, 'queued: accepted at once (its promise never waits on the flush timer)');
    assert.equal(third.value.rawBytes, 2);
    assert.ok(third.value.storedBytes > 0);
    assert.ok(other.value.storedBytes > 0);
    assert.equal(decodeValue(before.value.value), 'v1', 'KV still has the first write inside the second');
    assert.equal(localGet.value.value, 'v3', 'this instance reads its queued write');
    assert.deepEqual(localList.value.map((item) => [item.key, item.tags]), [['k', ['third']], ['other', []]]);
    assert.equal(decodeValue(afterFlush.value.value), 'v3');
    assert.deepEqual(afterFlush.value.metadata.t, ['third']);
    assert.equal(clockMirror, T0 + 1000, 'the delayed write ran 1 s after the first');
    const counters = (await remote.store.refreshHealth()).counters;
    assert.equal(counters.delayedWrites, 1);
    assert.equal(counters.coalescedWrites, 1);
    assert.equal(counters.puts, 4);
  });

  test('a remove inside the interval is delayed too and replaces a queued put', async () => {
    clockMirror = T0;
    const remote = await remoteStore('kv');
    const { result } = await send({
      op: 'batch',
      steps: [
        { op: 'call', name: remote.id, method: 'put', args: ['k', entry('v1')] },
        { op: 'call', name: remote.id, method: 'put', args: ['k', entry('v2')], noWait: true },
        { op: 'call', name: remote.id, method: 'remove', args: ['k'], noWait: true },
        { op: 'call', name: remote.id, method: 'get', args: ['k'] },
        { op: 'kvInfo', name: remote.id, key: 'k' },
        { op: 'flush' },
        { op: 'kvInfo', name: remote.id, key: 'k' },
      ],
    });
    const [, queuedPut, removed, localGet, before, , after] = result;
    // The remove claimed the key before the put's encoding finished: the put was superseded
    // before it could be queued, so nothing was written for it.
    assert.deepEqual(queuedPut.value, { rawBytes: 0, storedBytes: 0 });
    assert.equal(removed.value, true);
    assert.equal(localGet.value, null);
    assert.notEqual(before.value.value, null);
    assert.equal(after.value.value, null);
  });

  test('KV limits: long keys and oversized tag metadata are refused with typed errors', async () => {
    clockMirror = T0;
    const remote = await remoteStore('kv');
    await assert.rejects(remote.store.put('k'.repeat(600), entry('v')), { code: 'invalid_argument' });
    const manyTags = Array.from({ length: 100 }, (_, i) => `tag-number-${i}`);
    await assert.rejects(remote.store.put('k', entry('v', { tags: manyTags })), (err) => {
      assert.equal(err.code, 'too_large');
      assert.match(err.message, /metadata/);
      return true;
    });
  });
});
