// The persistent cache tier adapters (web/storage/) in Node: the shared conformance suite on the
// memory store and on IndexedDB (fake-indexeddb), then what is specific to each piece: the
// envelope format, compression, IndexedDB batching/purge/failures, and the C++ bridge's JSON.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { IDBFactory, IDBKeyRange, IDBObjectStore } from 'fake-indexeddb';

import {
  bridgeStore,
  createStore,
  detectStoreKind,
  decodeRecord,
  encodeEntry,
  IndexedDbStore,
  MemoryStore,
  putOutcomeToJson,
  readHeader,
  StorageError,
} from '../../../web/storage/index.js';
import { crc32, EnvelopeError, sealRecord } from '../../../web/storage/envelope.js';
import { compressIfSmaller, gunzip, gzip } from '../../../web/storage/compression.js';
import { prefixUpperBound } from '../../../web/storage/indexeddb.js';
import { binaryishText, entry, incompressibleText, storageConformance, T0 } from '../support/storage-conformance.mjs';

const INT64_MAX = '9223372036854775807';

function manualClock(start = T0) {
  let now = start;
  return { now: () => now, setNow: (ms) => (now = ms), advance: (ms) => (now += ms) };
}

/** setTimeout/clearTimeout that only fire when the test says so. */
function manualTimers(clock) {
  const timers = new Map();
  let nextId = 1;
  return {
    setTimeout(fn, ms) {
      timers.set(nextId, { fn, at: clock.now() + ms });
      return nextId++;
    },
    clearTimeout(id) {
      timers.delete(id);
    },
    pending: () => timers.size,
    runDue() {
      for (const [id, timer] of [...timers]) {
        if (timer.at > clock.now()) continue;
        timers.delete(id);
        timer.fn();
      }
    },
  };
}

// --- raw IndexedDB access, beside the adapter -----------------------------------------------------

function openRaw(factory, dbName) {
  return new Promise((resolve, reject) => {
    const request = factory.open(dbName);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function withRawStore(factory, dbName, mode, fn) {
  const db = await openRaw(factory, dbName);
  try {
    const tx = db.transaction('entries', mode);
    const result = await new Promise((resolve, reject) => {
      const request = fn(tx.objectStore('entries'));
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    await new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onabort = () => reject(tx.error);
    });
    return result;
  } finally {
    db.close();
  }
}

// --- conformance ---------------------------------------------------------------------------------

storageConformance('memory', async (options) => {
  const clock = manualClock();
  const map = new Map();
  const store = new MemoryStore({ ...options, now: clock.now, map });
  return {
    store,
    now: clock.now,
    setNow: clock.setNow,
    readRaw: async (key) => (map.has(key) ? map.get(key).slice() : null),
    writeRaw: async (key, bytes) => void map.set(key, bytes),
    flushWrites: async () => {},
    close: () => store.close(),
  };
});

storageConformance('indexeddb (fake-indexeddb)', async (options) => {
  const clock = manualClock();
  const factory = new IDBFactory();
  const dbName = 'conformance';
  const store = new IndexedDbStore({ ...options, now: clock.now, indexedDB: factory, IDBKeyRange, dbName });
  return {
    store,
    now: clock.now,
    setNow: clock.setNow,
    readRaw: async (key) => {
      const stored = await withRawStore(factory, dbName, 'readonly', (os) => os.get(key));
      return stored ? new Uint8Array(stored.record) : null;
    },
    writeRaw: async (key, bytes) => {
      await withRawStore(factory, dbName, 'readwrite', (os) => os.put({ key, expiresAt: T0 + 1e9, record: bytes }));
    },
    flushWrites: async () => {},
    close: () => store.close(),
  };
});

// --- envelope ----------------------------------------------------------------------------------

describe('envelope', () => {
  test('CRC-32 matches the IEEE check value', () => {
    assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
    assert.equal(crc32(new Uint8Array(0)), 0);
  });

  test('the header carries version, encoding, times, sizes, tags and a checksum over the rest', async () => {
    const stored = { value: 'hello ₿', storedAt: T0, freshUntil: T0 + 1, expiresAt: Infinity, tags: ['a', 'ü'] };
    const encoded = await encodeEntry(stored);
    const { record } = encoded;
    const view = new DataView(record.buffer);
    assert.equal(new TextDecoder().decode(record.subarray(0, 4)), 'LTLE');
    assert.equal(record[4], 1, 'format version');
    assert.equal(record[5], 0, 'identity');
    assert.equal(view.getFloat64(12, true), T0);
    assert.equal(view.getFloat64(20, true), T0 + 1);
    assert.equal(view.getFloat64(28, true), Infinity);
    assert.equal(view.getUint32(36, true), 9, 'raw UTF-8 bytes');
    const tagsLength = view.getUint32(40, true);
    assert.equal(new TextDecoder().decode(record.subarray(48, 48 + tagsLength)), '["a","ü"]');
    assert.equal(view.getUint32(44, true), 9);
    assert.equal(record.length, 48 + tagsLength + 9);
    assert.equal(encoded.storedBytes, record.length);
    assert.equal(view.getUint32(8, true), crc32(record, 12, record.length, crc32(record, 0, 8)));
    assert.deepEqual(await decodeRecord(record), stored);
    assert.deepEqual(readHeader(record.buffer).tags, ['a', 'ü']);
  });

  test('every single-bit flip anywhere in a record is detected', async () => {
    const { record } = await encodeEntry({ value: 'x'.repeat(40), storedAt: T0, freshUntil: T0, expiresAt: T0 + 1, tags: ['t'] });
    for (let byte = 0; byte < record.length; byte++) {
      for (let bit = 0; bit < 8; bit++) {
        const damaged = record.slice();
        damaged[byte] ^= 1 << bit;
        assert.throws(() => readHeader(damaged), EnvelopeError, `byte ${byte} bit ${bit}`);
      }
    }
  });

  test('reasons: version for another format, corrupt for the rest', async () => {
    const { record } = await encodeEntry({ value: 'v', storedAt: T0, freshUntil: T0, expiresAt: T0, tags: [] });
    const newer = record.slice();
    newer[4] = 9;
    assert.throws(() => readHeader(sealRecord(newer)), { name: 'EnvelopeError', reason: 'version' });
    assert.throws(() => readHeader(record.slice(0, 47)), { reason: 'corrupt' });
    assert.throws(() => readHeader(new Uint8Array([...record, 0])), { reason: 'corrupt' });
    assert.throws(() => readHeader('text'), { reason: 'corrupt' });
    const badEncoding = record.slice();
    badEncoding[5] = 7;
    assert.throws(() => readHeader(sealRecord(badEncoding)), { reason: 'corrupt' });
  });

  test('a gzip record whose payload inflates to the wrong length is corrupt', async () => {
    const value = 'abc'.repeat(1000);
    const { record, encoding } = await encodeEntry({ value, storedAt: T0, freshUntil: T0, expiresAt: T0, tags: [] });
    assert.equal(encoding, 'gzip');
    const lying = record.slice();
    new DataView(lying.buffer).setUint32(36, 2999, true); // claims one byte less
    await assert.rejects(decodeRecord(sealRecord(lying)), { reason: 'corrupt' });
  });
});

describe('compression', () => {
  test('gzip only above the threshold, only when smaller, verified by a round trip', async () => {
    const bytes = (text) => new TextEncoder().encode(text);
    const repetitive = bytes('{"a":1}'.repeat(200));
    assert.equal((await compressIfSmaller(repetitive, { thresholdBytes: 1400 })).encoding, 'identity', '1400 bytes is not above 1400');
    const packed = await compressIfSmaller(repetitive, { thresholdBytes: 1399 });
    assert.equal(packed.encoding, 'gzip');
    assert.ok(packed.bytes.length < 100);
    assert.deepEqual(await gunzip(packed.bytes, repetitive.length), repetitive);
    // gzip's 18-byte frame makes short values bigger: kept as they are.
    const short = await compressIfSmaller(bytes('k7#Qz'), { thresholdBytes: 0 });
    assert.equal(short.encoding, 'identity');
    assert.equal(short.bytes.length, 5);
    // High-entropy text: gzip still wins a little (UTF-8 text is never fully random) and is used.
    const noisy = bytes(incompressibleText(5000));
    const noisyPacked = await compressIfSmaller(noisy, { thresholdBytes: 0 });
    assert.equal(noisyPacked.encoding, 'gzip');
    assert.ok(noisyPacked.bytes.length < noisy.length && noisyPacked.bytes.length > noisy.length * 0.7);
    assert.equal((await compressIfSmaller(repetitive, { thresholdBytes: Infinity })).encoding, 'identity');
  });

  test('gunzip refuses output longer than expected (no unbounded inflation)', async () => {
    const bomb = await gzip(new Uint8Array(1 << 20));
    assert.ok(bomb.length < 2000);
    await assert.rejects(gunzip(bomb, 1000), RangeError);
    await assert.rejects(gunzip(new Uint8Array([1, 2, 3]), 3));
  });

  test('the threshold is an adapter option and bytes saved are reported', async () => {
    const value = binaryishText(10);
    const never = new MemoryStore({ now: () => T0, compressionThresholdBytes: Infinity });
    const always = new MemoryStore({ now: () => T0, compressionThresholdBytes: 0 });
    const plain = await never.put('k', entry(value));
    const packed = await always.put('k', entry(value));
    assert.equal(plain.rawBytes, packed.rawBytes);
    assert.ok(packed.storedBytes < plain.storedBytes);
    assert.equal(always.health().counters.bytesSaved, plain.storedBytes - packed.storedBytes);
    assert.equal((await always.get('k')).value, value);
    assert.equal(packed.savedBytes, plain.storedBytes - packed.storedBytes);
    assert.equal(plain.savedBytes, 0);
  });

  test('bytes saved never go negative: values gzip would enlarge are stored raw and save 0', async () => {
    const store = new MemoryStore({ now: () => T0, compressionThresholdBytes: 0 });
    const outcomes = [];
    for (const [key, value] of [['tiny', 'x'], ['short', '{"usd":1}'], ['quote', '{"usd":97000.5,"as_of":1700000000000,"source":"coingecko"}'], ['big', binaryishText(10)]]) {
      const outcome = await store.put(key, entry(value));
      outcomes.push(outcome);
      assert.ok(outcome.savedBytes >= 0, `${key}: ${outcome.savedBytes}`);
      if (key !== 'big') assert.equal(outcome.savedBytes, 0, `${key} is stored raw`);
      assert.equal((await store.get(key)).value, value);
    }
    assert.ok(outcomes[3].savedBytes > 0);
    assert.equal(store.health().counters.bytesSaved, outcomes[3].savedBytes);
    // What the C++ tier receives (and sums into ltl_cache_compression_saved_bytes_total).
    assert.deepEqual(JSON.parse(putOutcomeToJson(outcomes[0])), { rawBytes: 1, storedBytes: outcomes[0].storedBytes, savedBytes: 0 });
    assert.equal(JSON.parse(putOutcomeToJson(outcomes[3])).savedBytes, outcomes[3].savedBytes);
    assert.equal(JSON.parse(putOutcomeToJson({ rawBytes: 5, storedBytes: 60 })).savedBytes, 0, 'an adapter that reports none');
  });
});

// --- memory ----------------------------------------------------------------------------------

describe('memory store', () => {
  test('evicts least recently used records beyond maxEntries and maxBytes', async () => {
    const store = new MemoryStore({ now: () => T0, maxEntries: 3, maxBytes: 1_000_000 });
    for (const key of ['a', 'b', 'c']) await store.put(key, entry(key));
    await store.get('a'); // a is now the most recent
    await store.put('d', entry('d'));
    assert.deepEqual((await store.list('')).map((item) => item.key), ['a', 'c', 'd']);
    assert.equal(store.health().counters.evictions, 1);

    const small = new MemoryStore({ now: () => T0, maxBytes: 300, compressionThresholdBytes: Infinity });
    await small.put('x', entry('x'.repeat(150)));
    await small.put('y', entry('y'.repeat(150)));
    assert.equal(await small.get('x'), null, 'evicted for bytes');
    assert.equal(small.health().bytes <= 300, true);
    await assert.rejects(small.put('z', entry('z'.repeat(400))), { code: 'too_large' });
  });
});

// --- IndexedDB specifics -------------------------------------------------------------------------

function idbStore(extra = {}) {
  const clock = extra.clock ?? manualClock();
  const factory = extra.factory ?? new IDBFactory();
  const store = new IndexedDbStore({ now: clock.now, indexedDB: factory, IDBKeyRange, dbName: 'specific', ...extra.options });
  return { store, clock, factory };
}

describe('indexeddb store', () => {
  test('puts issued in the same tick share one readwrite transaction', async () => {
    const { store } = idbStore();
    const outcomes = await Promise.all(Array.from({ length: 50 }, (_, i) => store.put(`k${i}`, entry(`v${i}`))));
    assert.equal(outcomes.length, 50);
    assert.equal(store.health().counters.writeTransactions, 1);
    await Promise.all([store.put('x', entry('1')), store.remove('k0'), store.put('y', entry(binaryishText(30)))]);
    assert.equal(store.health().counters.writeTransactions, 2, 'puts and removes batch together');
    assert.equal(await store.get('k0'), null);
    assert.equal((await store.list('k')).length, 49);
    await store.close();
  });

  test('a get issued right after a put sees it (reads wait for queued writes)', async () => {
    const { store } = idbStore();
    const put = store.put('k', entry('v'));
    const got = store.get('k');
    await put;
    assert.equal((await got).value, 'v');
    await store.close();
  });

  test('data survives closing and reopening the database', async () => {
    const { store, factory, clock } = idbStore();
    await store.put('persist', entry('kept', { tags: ['x'] }));
    await store.close();
    const { store: reopened } = idbStore({ factory, clock });
    assert.deepEqual(await reopened.get('persist'), entry('kept', { tags: ['x'] }));
    await reopened.close();
  });

  test('list pages through the key range of the prefix', async () => {
    const { store } = idbStore({ options: { listPageSize: 3, maxListKeys: 7 } });
    const keys = Array.from({ length: 10 }, (_, i) => `p:${String(i).padStart(2, '0')}`);
    await Promise.all([...keys.map((key) => store.put(key, entry('v'))), store.put('p;after', entry('v')), store.put('o', entry('v'))]);
    await store.put('p:\uffff\uffff', entry('v'));
    const listed = await store.list('p:');
    assert.deepEqual(listed.map((item) => item.key), keys.slice(0, 7), 'bounded by maxListKeys, in order');
    const { store: unbounded } = idbStore({ factory: undefined, options: { listPageSize: 2 } });
    await Promise.all(['p:a', 'p:\uffff', 'p:\uffff\uffff', 'p;'].map((key) => unbounded.put(key, entry('v'))));
    assert.deepEqual((await unbounded.list('p:')).map((item) => item.key), ['p:a', 'p:\uffff', 'p:\uffff\uffff']);
    await store.close();
    await unbounded.close();
  });

  test('prefix upper bounds', () => {
    assert.equal(prefixUpperBound('ab'), 'ac');
    assert.equal(prefixUpperBound('a\uffff'), 'b');
    assert.equal(prefixUpperBound('\uffff'), null);
  });

  test('expired records are purged through the expiresAt index in bounded batches', async () => {
    const { store, clock, factory } = idbStore({ options: { purgeBatchSize: 4, purgeIntervalMs: 1e12 } });
    await Promise.all(Array.from({ length: 10 }, (_, i) => store.put(`old${i}`, entry('v', { ttlMs: 100, staleMs: i }))));
    await store.put('fresh', entry('v'));
    clock.advance(200);
    assert.equal(await store.purgeExpired(), 4);
    assert.equal(await store.purgeExpired(), 4);
    assert.equal(await store.purgeExpired(), 2);
    assert.equal(await store.purgeExpired(), 0);
    const remaining = await withRawStore(factory, 'specific', 'readonly', (os) => os.getAllKeys());
    assert.deepEqual(remaining, ['fresh']);
    assert.equal(store.health().counters.purged, 10);
    await store.close();
  });

  test('purging runs automatically after writes, at most once per interval', async () => {
    const { store, clock, factory } = idbStore({ options: { purgeIntervalMs: 60_000 } });
    await store.put('a', entry('v', { ttlMs: 10, staleMs: 0 })); // first write: purge runs (nothing expired)
    await store.list(''); // lets that purge finish before the clock moves
    clock.advance(30_000);
    await store.put('b', entry('v', { storedAt: clock.now() }));
    const keysAfterB = await withRawStore(factory, 'specific', 'readonly', (os) => os.getAllKeys());
    assert.deepEqual(keysAfterB, ['a', 'b'], 'inside the interval: no purge');
    clock.advance(31_000);
    await store.put('c', entry('v', { storedAt: clock.now() }));
    await store.list(''); // waits for the write chain, purge included
    const keysAfterC = await withRawStore(factory, 'specific', 'readonly', (os) => os.getAllKeys());
    assert.deepEqual(keysAfterC, ['b', 'c']);
    await store.close();
  });

  test('no IndexedDB on the host: typed unavailable error', async () => {
    const store = new IndexedDbStore({ indexedDB: null, IDBKeyRange: null });
    await assert.rejects(store.get('k'), (err) => err instanceof StorageError && err.code === 'unavailable');
    assert.equal(store.health().status, 'degraded');
  });

  test('an upgrade blocked by another open connection: typed blocked error, then recovery', async () => {
    const factory = new IDBFactory();
    // Another "tab" created the database without our store and keeps it open, ignoring versionchange.
    const other = await openRaw(factory, 'specific');
    const { store } = idbStore({ factory });
    await assert.rejects(store.put('k', entry('v')), (err) => {
      assert.equal(err.code, 'blocked');
      assert.match(err.message, /blocked/);
      return true;
    });
    assert.equal(store.health().status, 'degraded');
    other.close();
    await store.put('k', entry('v'));
    assert.equal((await store.get('k')).value, 'v');
    assert.equal(store.health().status, 'healthy');
    await store.close();
  });

  test('our connection closes on versionchange, so it never blocks another tab, and reopens', async () => {
    const { store, factory } = idbStore();
    await store.put('k', entry('v'));
    const upgraded = await new Promise((resolve, reject) => {
      const request = factory.open('specific', 5);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
      request.onblocked = () => reject(new Error('blocked by the adapter'));
    });
    upgraded.close();
    assert.equal((await store.get('k')).value, 'v');
    await store.close();
  });

  test('an open that never answers fails with timeout on the injected timers', async () => {
    const clock = manualClock();
    const timers = manualTimers(clock);
    const silentFactory = { open: () => ({}) }; // a request whose events never fire
    const store = new IndexedDbStore({ now: clock.now, indexedDB: silentFactory, IDBKeyRange, openTimeoutMs: 5000, timers });
    const pending = store.get('k');
    await new Promise((resolve) => setImmediate(resolve));
    clock.advance(4999);
    timers.runDue();
    clock.advance(1);
    timers.runDue();
    await assert.rejects(pending, { code: 'timeout' });
  });

  test('QuotaExceededError from put becomes quota_exceeded for the whole batch; the store recovers', async () => {
    const { store } = idbStore();
    await store.put('before', entry('v'));
    const realPut = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function quotaExceeded() {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
    try {
      const results = await Promise.allSettled([store.put('a', entry('1')), store.put('b', entry('2'))]);
      for (const result of results) {
        assert.equal(result.status, 'rejected');
        assert.equal(result.reason.code, 'quota_exceeded');
        assert.equal(result.reason.store, 'indexeddb');
      }
    } finally {
      IDBObjectStore.prototype.put = realPut;
    }
    const health = store.health();
    assert.equal(health.status, 'degraded');
    assert.equal(health.lastError.code, 'quota_exceeded');
    assert.equal(await store.get('a'), null, 'nothing of the failed batch was written');
    assert.equal((await store.get('before')).value, 'v');
    await store.put('after', entry('v'));
    assert.equal(store.health().status, 'healthy');
    await store.close();
  });

  test('a transaction aborted with QuotaExceededError is reported the same way', async () => {
    const { store } = idbStore();
    await store.get('warm-up'); // opens the database
    const realPut = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function abortWithQuota(...args) {
      const request = realPut.apply(this, args);
      const tx = this.transaction;
      queueMicrotask(() => {
        // What a browser does when the commit runs out of space.
        Object.defineProperty(tx, 'error', { value: new DOMException('quota', 'QuotaExceededError'), configurable: true });
        try {
          tx.abort();
        } catch {
          // already finished
        }
      });
      return request;
    };
    try {
      await assert.rejects(store.put('a', entry('1')), { code: 'quota_exceeded' });
    } finally {
      IDBObjectStore.prototype.put = realPut;
    }
    await store.close();
  });

  test('a database that exists without our store is upgraded in place', async () => {
    const factory = new IDBFactory();
    const foreign = await new Promise((resolve, reject) => {
      const request = factory.open('specific', 3);
      request.onupgradeneeded = () => request.result.createObjectStore('other');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    foreign.close();
    const { store } = idbStore({ factory });
    await store.put('k', entry('v'));
    assert.equal((await store.get('k')).value, 'v');
    await store.close();
    const db = await openRaw(factory, 'specific');
    assert.equal(db.version, 4);
    assert.deepEqual([...db.objectStoreNames].sort(), ['entries', 'other']);
    db.close();
  });
});

// --- host selection -------------------------------------------------------------------------------

describe('createStore', () => {
  test('auto picks memory in Node, a supplied store when given, and the host backend elsewhere', () => {
    assert.equal(createStore('auto').name, 'memory');
    assert.equal(createStore().name, 'memory');
    const supplied = new MemoryStore();
    assert.equal(createStore('auto', { store: supplied }), supplied);
    assert.equal(detectStoreKind({}, { caches: { default: {} }, navigator: { userAgent: 'Cloudflare-Workers' } }), 'cache-api');
    assert.equal(detectStoreKind({}, { indexedDB: {}, IDBKeyRange: {}, caches: { open() {} } }), 'indexeddb');
    assert.equal(detectStoreKind({}, { caches: { open() {} } }), 'cache-api', 'Deno: CacheStorage, no IndexedDB');
    assert.equal(detectStoreKind({ namespace: {} }, {}), 'kv');
    assert.equal(detectStoreKind({}, {}), 'memory');
    assert.equal(createStore('indexeddb', { indexedDB: new IDBFactory(), IDBKeyRange }).name, 'indexeddb');
    assert.equal(createStore('cache-api', { cache: {} }).name, 'cache-api');
    assert.throws(() => createStore('redis'), { name: 'StorageError', code: 'invalid_argument' });
    assert.throws(() => createStore('kv', {}), { code: 'invalid_argument' });
    assert.throws(() => createStore('memory', { maxListKeys: -1 }), { code: 'invalid_argument' });
  });
});

// --- the C++ bridge --------------------------------------------------------------------------------

/**
 * Mirrors what src/bindings/platform.cpp reads from each answer (nlohmann .at()/.get<T>()), with
 * exact key sets so an extra or missing field is caught.
 */
const isInt64Literal = (text) => /^-?\d+$/.test(text);

function checkGetJson(resultJson) {
  if (resultJson === 'null') return null;
  const parsed = JSON.parse(resultJson);
  assert.deepEqual(Object.keys(parsed), ['value', 'storedAt', 'freshUntil', 'expiresAt', 'tags']);
  assert.equal(typeof parsed.value, 'string');
  for (const field of ['storedAt', 'freshUntil', 'expiresAt']) {
    const literal = new RegExp(`"${field}":(-?\\d+)[,}]`).exec(resultJson)?.[1];
    assert.ok(literal && isInt64Literal(literal), `${field} is an integer literal`);
    assert.ok(BigInt(literal) <= BigInt(INT64_MAX), `${field} fits int64`);
  }
  assert.ok(Array.isArray(parsed.tags) && parsed.tags.every((tag) => typeof tag === 'string'));
  return parsed;
}

function bridged(adapter) {
  const completions = [];
  let resolveNext = null;
  const host = bridgeStore(adapter, (id, errorJson, resultJson) => {
    completions.push({ id, errorJson, resultJson });
    resolveNext?.();
  });
  const waitFor = async (id) => {
    for (;;) {
      const found = completions.find((c) => c.id === id);
      if (found) return found;
      await new Promise((resolve) => {
        resolveNext = resolve;
      });
    }
  };
  return { host, completions, waitFor };
}

const cppEntryJson = (fields) =>
  `{"value":${JSON.stringify(fields.value)},"storedAt":${fields.storedAt},"freshUntil":${fields.freshUntil},` +
  `"expiresAt":${fields.expiresAt},"tags":${JSON.stringify(fields.tags)}}`;

describe('bridgeStore', () => {
  test('put, get, list and remove answer the exact JSON shapes platform.cpp parses', async () => {
    const clock = manualClock();
    const { host, waitFor } = bridged(new MemoryStore({ now: clock.now }));
    const value = binaryishText(10);
    host.put(1, 'price:usd', cppEntryJson({ value, storedAt: T0, freshUntil: T0 + 30000, expiresAt: T0 + 90000, tags: ['price', 'usd'] }));
    const put = await waitFor(1);
    assert.equal(put.errorJson, '');
    assert.match(put.resultJson, /^\{"rawBytes":\d+,"storedBytes":\d+,"savedBytes":\d+\}$/);
    const outcome = JSON.parse(put.resultJson);
    assert.equal(outcome.rawBytes, new TextEncoder().encode(value).length);
    assert.ok(outcome.storedBytes < outcome.rawBytes, 'compressed');

    host.get(2, 'price:usd');
    const got = await waitFor(2);
    assert.equal(got.errorJson, '');
    assert.equal(
      got.resultJson,
      `{"value":${JSON.stringify(value)},"storedAt":${T0},"freshUntil":${T0 + 30000},"expiresAt":${T0 + 90000},"tags":["price","usd"]}`,
    );
    assert.equal(checkGetJson(got.resultJson).value, value);

    host.get(3, 'price:eur');
    assert.deepEqual(await waitFor(3), { id: 3, errorJson: '', resultJson: 'null' });

    host.list(4, 'price:');
    const listed = await waitFor(4);
    assert.equal(listed.resultJson, `{"keys":[{"key":"price:usd","tags":["price","usd"],"expiresAt":${T0 + 90000}}]}`);

    host.remove(5, 'price:usd');
    assert.deepEqual(await waitFor(5), { id: 5, errorJson: '', resultJson: 'true' });
    host.remove(6, 'price:usd');
    assert.deepEqual(await waitFor(6), { id: 6, errorJson: '', resultJson: 'false' });
    host.list(7, '');
    assert.equal((await waitFor(7)).resultJson, '{"keys":[]}');
    assert.equal(host.pending, 0);
  });

  test('C++ "never expires" (INT64_MAX) survives the trip through JS doubles exactly', async () => {
    const { host, waitFor } = bridged(new MemoryStore({ now: () => T0 }));
    host.put(1, 'k', `{"value":"v","storedAt":${T0},"freshUntil":${INT64_MAX},"expiresAt":${INT64_MAX},"tags":[]}`);
    assert.equal((await waitFor(1)).errorJson, '');
    host.get(2, 'k');
    const got = await waitFor(2);
    assert.equal(got.resultJson, `{"value":"v","storedAt":${T0},"freshUntil":${INT64_MAX},"expiresAt":${INT64_MAX},"tags":[]}`);
    checkGetJson(got.resultJson);
    host.list(3, '');
    assert.equal((await waitFor(3)).resultJson, `{"keys":[{"key":"k","tags":[],"expiresAt":${INT64_MAX}}]}`);
  });

  test('failures become {"error":{...}} with message and code; nothing throws into the caller', async () => {
    const { host, waitFor } = bridged(new MemoryStore({ now: () => T0 }));
    const calls = [
      () => host.put(1, 'k', '{not json'),
      () => host.put(2, 'k', '{"value":"v","storedAt":"soon","freshUntil":1,"expiresAt":1,"tags":[]}'),
      () => host.put(3, 'k', cppEntryJson({ value: 'v', storedAt: T0, freshUntil: T0, expiresAt: T0 + 1, tags: [1] })),
      () => host.get(4, ''),
      () => host.get(5, undefined),
      () => host.list(6, 42),
      () => host.remove(7, null),
    ];
    for (const call of calls) assert.doesNotThrow(call);
    for (let id = 1; id <= 7; id++) {
      const { errorJson, resultJson } = await waitFor(id);
      assert.equal(resultJson, '');
      const parsed = JSON.parse(errorJson);
      assert.deepEqual(Object.keys(parsed), ['error']);
      assert.equal(typeof parsed.error.message, 'string');
      assert.ok(parsed.error.message.length > 0);
      assert.equal(parsed.error.code, 'invalid_argument', `id ${id}: ${parsed.error.message}`);
      assert.equal(parsed.error.category, 'storage');
      assert.equal(parsed.error.store, 'memory');
    }
  });

  test('adapter failures keep their code; a throwing adapter and a throwing complete() are contained', async () => {
    const failing = {
      name: 'flaky',
      get: () => {
        throw new DOMException('disk full', 'QuotaExceededError');
      },
      put: async () => {
        throw new StorageError('blocked', 'upgrade blocked', { store: 'flaky', operation: 'put' });
      },
      remove: async () => {
        throw new Error('boom');
      },
      list: async () => [{ key: 'k', tags: undefined, expiresAt: 5 }],
    };
    const { host, waitFor } = bridged(failing);
    host.get(1, 'k');
    host.put(2, 'k', cppEntryJson({ value: 'v', storedAt: T0, freshUntil: T0, expiresAt: T0 + 1, tags: [] }));
    host.remove(3, 'k');
    host.list(4, '');
    const codes = [];
    for (let id = 1; id <= 3; id++) codes.push(JSON.parse((await waitFor(id)).errorJson).error.code);
    assert.deepEqual(codes, ['quota_exceeded', 'blocked', 'backend']);
    assert.equal(JSON.parse((await waitFor(1)).errorJson).error.store, 'flaky');
    assert.equal((await waitFor(4)).resultJson, '{"keys":[{"key":"k","tags":[],"expiresAt":5}]}');

    const seen = [];
    const throwingHost = bridgeStore(new MemoryStore(), () => {
      throw new Error('wasm aborted');
    }, { onCompleteError: (err) => seen.push(err.message) });
    throwingHost.get(1, 'k');
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(seen, ['wasm aborted']);
  });

  test('complete() is never called synchronously from inside the host call', async () => {
    let insideCall = false;
    let calledInside = false;
    const host = bridgeStore(new MemoryStore(), () => {
      if (insideCall) calledInside = true;
    });
    insideCall = true;
    host.get(1, '');
    host.list(2, '');
    insideCall = false;
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(calledInside, false);
  });

  test('puts from one synchronous burst share one IndexedDB transaction', async () => {
    const { store } = idbStore();
    const { host, waitFor } = bridged(store);
    for (let id = 1; id <= 20; id++) host.put(id, `k${id}`, cppEntryJson({ value: `v${id}`, storedAt: T0, freshUntil: T0 + 1, expiresAt: T0 + 2, tags: [] }));
    for (let id = 1; id <= 20; id++) assert.equal((await waitFor(id)).errorJson, '');
    assert.equal(store.health().counters.writeTransactions, 1);
    await store.close();
  });
});
