// One conformance suite for every persistent-tier adapter (web/storage/): memory and
// IndexedDB in Node, Cache API and KV in workerd. A harness factory gives the suite a store on
// a manual clock plus raw access to the stored records, so corruption is made by damaging the
// bytes where the backend keeps them.
//
// makeHarness({compressionThresholdBytes}) → Promise<{
//   store,                      // the adapter (or a proxy with the same methods)
//   now(), setNow(ms),          // the store's clock
//   readRaw(key) → Uint8Array|null, writeRaw(key, bytes),
//   flushWrites(),              // lets delayed writes land (KV's 1 write/s/key); may move the clock
//   concurrent?(calls),         // runs [[method, ...args], ...] started in this order without
//                               // waiting in between (default: Promise.all on the store)
//   close(),
// }>
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';

export const T0 = 1_700_000_000_000;
const HEADER_BYTES = 48;
const VERSION_OFFSET = 4;
const ENCODING_OFFSET = 5;
const GZIP = 1;

// Same table as the envelope's, written again here so the test does not trust the code under test.
function crc32(bytes, start, end, crc = 0) {
  let c = ~crc >>> 0;
  for (let i = start; i < end; i++) {
    c ^= bytes[i];
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return ~c >>> 0;
}

/** Rewrites the checksum after a deliberate edit, so only the edited field is "wrong". */
export function resealRecord(record) {
  const crc = crc32(record, 12, record.length, crc32(record, 0, 8));
  new DataView(record.buffer, record.byteOffset, record.byteLength).setUint32(8, crc, true);
  return record;
}

export function entry(value, { storedAt = T0, ttlMs = 60_000, staleMs = 120_000, tags = [] } = {}) {
  return { value, storedAt, freshUntil: storedAt + ttlMs, expiresAt: storedAt + ttlMs + staleMs, tags };
}

const utf8Bytes = (text) => new TextEncoder().encode(text).length;

/** Unicode and control characters that must survive byte-exact: every Latin-1 code point, CJK, emoji, NUL. */
export function binaryishText(repeat = 1) {
  let latin = '';
  for (let code = 0; code < 256; code++) latin += String.fromCharCode(code);
  return (latin + '価格 ₿ 🚀👩‍💻 \u0000\u2028\u2029 "quoted" \\ ').repeat(repeat);
}

// Pseudo-random printable text that gzip cannot shrink (fixed seed: reproducible).
export function incompressibleText(length) {
  let state = 0x9e3779b9;
  let text = '';
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    text += String.fromCharCode(33 + ((state >>> 0) % 94));
  }
  return text;
}

async function assertRejectsWithCode(promise, code) {
  await assert.rejects(promise, (err) => {
    assert.equal(err.name, 'StorageError');
    assert.equal(err.code, code, err.message);
    return true;
  });
}

export function storageConformance(label, makeHarness) {
  describe(`${label}: adapter conformance`, () => {
    let h;
    beforeEach(async () => {
      h = await makeHarness({ compressionThresholdBytes: 1024 });
    });
    afterEach(async () => {
      await h?.close();
      h = undefined;
    });

    test('round trip keeps the value and every metadata field', async () => {
      const stored = entry('{"price":67000.5}', { tags: ['price', 'coingecko', 'cur:usd'] });
      const outcome = await h.store.put('price:usd', stored);
      assert.equal(outcome.rawBytes, utf8Bytes(stored.value));
      assert.ok(outcome.storedBytes >= HEADER_BYTES + outcome.rawBytes, 'stored bytes include the header');
      assert.deepEqual(await h.store.get('price:usd'), stored);
      assert.equal(await h.store.get('price:eur'), null);
    });

    test('an entry that never expires round-trips as Infinity', async () => {
      const forever = { value: 'v', storedAt: T0, freshUntil: Infinity, expiresAt: Infinity, tags: [] };
      await h.store.put('forever', forever);
      h.setNow(T0 + 10 * 365 * 24 * 3600 * 1000);
      assert.deepEqual(await h.store.get('forever'), forever);
    });

    test('an overwrite replaces value and metadata', async () => {
      await h.store.put('k', entry('one', { tags: ['a'] }));
      h.setNow(T0 + 5);
      const second = entry('two', { storedAt: T0 + 5, tags: ['b'] });
      await h.store.put('k', second);
      await h.flushWrites();
      assert.deepEqual(await h.store.get('k'), second);
      assert.deepEqual(
        (await h.store.list('k')).map(({ key, tags }) => ({ key, tags })),
        [{ key: 'k', tags: ['b'] }],
      );
    });

    test('expiry: a hit until expiresAt, a miss from expiresAt on, and the record is dropped', async () => {
      const stored = entry('x', { ttlMs: 1000, staleMs: 4000 });
      await h.store.put('short', stored);
      h.setNow(stored.freshUntil + 1); // stale but inside the stale window: still returned
      assert.deepEqual(await h.store.get('short'), stored);
      h.setNow(stored.expiresAt - 1);
      assert.ok(await h.store.get('short'));
      h.setNow(stored.expiresAt);
      assert.equal(await h.store.get('short'), null);
      await h.flushWrites();
      assert.equal(await h.readRaw('short'), null, 'expired record deleted');
      assert.ok(h.store.health().counters.expired >= 1);
    });

    test('a put of an already expired entry writes nothing', async () => {
      await h.store.put('gone', entry('old'));
      h.setNow(T0 + 1000);
      await h.flushWrites();
      const outcome = await h.store.put('gone', { value: 'late', storedAt: T0, freshUntil: T0, expiresAt: h.now(), tags: [] });
      assert.deepEqual(outcome, { rawBytes: 0, storedBytes: 0 });
      await h.flushWrites();
      assert.equal(await h.store.get('gone'), null);
      assert.equal(await h.readRaw('gone'), null, 'the older copy is removed too');
    });

    test('list by prefix: sorted, with tags and expiresAt, expired and other prefixes left out', async () => {
      await h.store.put('price:usd', entry('1', { tags: ['price', 'usd'] }));
      await h.store.put('price:eur', entry('2', { tags: ['price'] }));
      await h.store.put('price:gbp', entry('3', { ttlMs: 10, staleMs: 0 }));
      await h.store.put('fees:fast', entry('4', { tags: ['fees'] }));
      await h.store.put('price*?[x]', entry('5'));
      h.setNow(T0 + 10);
      const prices = await h.store.list('price:');
      assert.deepEqual(prices, [
        { key: 'price:eur', tags: ['price'], expiresAt: T0 + 180_000 },
        { key: 'price:usd', tags: ['price', 'usd'], expiresAt: T0 + 180_000 },
      ]);
      assert.deepEqual(
        (await h.store.list('')).map((item) => item.key),
        ['fees:fast', 'price*?[x]', 'price:eur', 'price:usd'],
      );
      assert.deepEqual((await h.store.list('price*')).map((item) => item.key), ['price*?[x]'], 'prefix is literal');
      assert.deepEqual(await h.store.list('nothing:'), []);
    });

    test('remove answers whether the key was there', async () => {
      await h.store.put('k', entry('v'));
      await h.flushWrites();
      assert.equal(await h.store.remove('k'), true);
      await h.flushWrites();
      assert.equal(await h.store.get('k'), null);
      assert.equal(await h.readRaw('k'), null);
      assert.equal(await h.store.remove('k'), false);
      assert.deepEqual(await h.store.list(''), []);
    });

    test('values above the threshold are gzipped when that saves bytes, and round-trip exactly', async () => {
      const big = JSON.stringify({ quotes: Array.from({ length: 200 }, (_, i) => ({ i, text: binaryishText() })) });
      const outcome = await h.store.put('big', entry(big));
      assert.equal(outcome.rawBytes, utf8Bytes(big));
      assert.ok(outcome.storedBytes < outcome.rawBytes / 4, `stored ${outcome.storedBytes} of ${outcome.rawBytes}`);
      assert.equal((await h.readRaw('big'))[ENCODING_OFFSET], GZIP);
      assert.equal((await h.store.get('big')).value, big);
      const counters = h.store.health().counters;
      assert.equal(counters.compressed, 1);
      assert.ok(counters.bytesSaved > outcome.rawBytes / 2);
    });

    test('values at or under the threshold are stored as they are', async () => {
      const small = 'ab'.repeat(512); // exactly 1024 bytes: not above the threshold
      const smallOutcome = await h.store.put('small', entry(small));
      assert.equal((await h.readRaw('small'))[ENCODING_OFFSET], 0);
      assert.equal(smallOutcome.rawBytes, 1024);
      assert.ok(smallOutcome.storedBytes > smallOutcome.rawBytes, 'header on top');
      const above = 'ab'.repeat(512) + 'a';
      await h.store.put('above', entry(above));
      assert.equal((await h.readRaw('above'))[ENCODING_OFFSET], GZIP);

      const mixed = binaryishText().slice(0, 300);
      await h.store.put('mixed', entry(mixed));
      assert.equal((await h.store.get('small')).value, small);
      assert.equal((await h.store.get('above')).value, above);
      assert.equal((await h.store.get('mixed')).value, mixed);
      assert.equal(h.store.health().counters.compressed, 1);
    });

    test('high-entropy text round-trips exactly whichever encoding wins', async () => {
      const noise = incompressibleText(4000);
      const outcome = await h.store.put('noise', entry(noise));
      assert.equal(outcome.rawBytes, 4000);
      assert.equal((await h.store.get('noise')).value, noise);
    });

    for (const [where, offsetOf] of [
      ['a value byte', (record) => record.length - 1],
      ['the expiresAt field', () => 30],
      ['a tag byte', () => HEADER_BYTES + 1],
    ]) {
      test(`a record with a flipped bit in ${where} is deleted, counted and served as a miss`, async () => {
        const text = where === 'a value byte' ? binaryishText(20) : 'plain';
        await h.store.put('victim', entry(text, { tags: ['t'] }));
        await h.store.put('bystander', entry('fine'));
        await h.flushWrites();
        const record = await h.readRaw('victim');
        record[offsetOf(record)] ^= 0x01;
        await h.writeRaw('victim', record);

        assert.equal(await h.store.get('victim'), null);
        await h.flushWrites();
        assert.equal(await h.readRaw('victim'), null, 'corrupted record deleted');
        assert.equal(h.store.health().counters.corrupt, 1);
        assert.equal((await h.store.get('bystander')).value, 'fine');
      });
    }

    test('truncated and foreign records are misses', async () => {
      await h.store.put('short', entry('value'));
      await h.store.put('foreign', entry('value'));
      await h.flushWrites();
      await h.writeRaw('short', (await h.readRaw('short')).slice(0, 20));
      await h.writeRaw('foreign', new TextEncoder().encode('{"not":"an envelope"}'));
      assert.equal(await h.store.get('short'), null);
      assert.equal(await h.store.get('foreign'), null);
      assert.equal(h.store.health().counters.corrupt, 2);
    });

    test('a corrupted record found by list is deleted and left out', async () => {
      await h.store.put('a:1', entry('one'));
      await h.store.put('a:2', entry('two'));
      await h.flushWrites();
      const record = await h.readRaw('a:2');
      record[record.length - 1] ^= 0x80;
      await h.writeRaw('a:2', record);
      const listed = await h.store.list('a:');
      if (listed.length === 2) {
        // KV (metadata) and the Cache API (key index) list without reading records: get finds the damage.
        assert.ok(['kv', 'cache-api'].includes(h.store.name), h.store.name);
        assert.equal(await h.store.get('a:2'), null);
      } else {
        assert.deepEqual(listed.map((item) => item.key), ['a:1']);
      }
      await h.flushWrites();
      assert.equal(await h.readRaw('a:2'), null);
      assert.equal(h.store.health().counters.corrupt, 1);
    });

    test('a record of another format version is a miss, deleted and counted', async () => {
      await h.store.put('old-format', entry('v'));
      await h.flushWrites();
      const record = await h.readRaw('old-format');
      assert.equal(record[VERSION_OFFSET], 1);
      record[VERSION_OFFSET] = 2;
      await h.writeRaw('old-format', resealRecord(record));
      assert.equal(await h.store.get('old-format'), null);
      await h.flushWrites();
      assert.equal(await h.readRaw('old-format'), null);
      const counters = h.store.health().counters;
      assert.equal(counters.wrongVersion, 1);
      assert.equal(counters.corrupt, 0);
    });

    test('concurrent writes to one key: the last call wins', async () => {
      const big = entry(binaryishText(50)); // slow: compressed and verified
      const small = entry('small');
      const concurrent = h.concurrent ?? ((calls) => Promise.all(calls.map(([method, ...args]) => h.store[method](...args))));
      const [first, second] = await concurrent([
        ['put', 'k', big],
        ['put', 'k', small],
      ]);
      assert.deepEqual(first, { rawBytes: 0, storedBytes: 0 }, 'the superseded put wrote nothing');
      assert.equal(second.rawBytes, 5);
      await h.flushWrites();
      assert.equal((await h.store.get('k')).value, 'small');

      h.setNow(h.now() + 2000);
      await h.flushWrites();
      const [, removed] = await concurrent([
        ['put', 'k', entry('again', { storedAt: h.now() })],
        ['remove', 'k'],
      ]);
      assert.equal(removed, true);
      await h.flushWrites();
      assert.equal(await h.store.get('k'), null);
    });

    test('bad input is a typed invalid_argument error, never stored', async () => {
      await assertRejectsWithCode(h.store.put('k', { ...entry('v'), value: 42 }), 'invalid_argument');
      await assertRejectsWithCode(h.store.put('k', { ...entry('v'), value: 'lone \ud800 surrogate' }), 'invalid_argument');
      await assertRejectsWithCode(h.store.put('k', { ...entry('v'), expiresAt: Number.NaN }), 'invalid_argument');
      await assertRejectsWithCode(h.store.put('k', { ...entry('v'), tags: ['ok', 7] }), 'invalid_argument');
      await assertRejectsWithCode(h.store.put('', entry('v')), 'invalid_argument');
      await assertRejectsWithCode(h.store.get('x'.repeat(4096)), 'invalid_argument');
      const health = h.store.health();
      assert.equal(health.status, 'degraded');
      assert.equal(health.lastError.code, 'invalid_argument');
      assert.equal(health.counters.errors, 6);
      assert.equal(await h.store.get('k'), null);
      assert.equal(h.store.health().status, 'healthy', 'a success after the failure');
    });

    test('health reports the adapter, counters and hit/miss accounting', async () => {
      await h.store.put('k', entry('v'));
      await h.store.get('k');
      await h.store.get('absent');
      const health = h.store.health();
      assert.equal(health.store, h.store.name);
      assert.equal(health.status, 'healthy');
      assert.equal(health.lastError, null);
      for (const field of ['gets', 'hits', 'misses', 'puts', 'removes', 'lists', 'errors', 'expired', 'corrupt', 'wrongVersion', 'bytesSaved']) {
        assert.equal(typeof health.counters[field], 'number', field);
      }
      assert.equal(health.counters.gets, 2);
      assert.equal(health.counters.hits, 1);
      assert.equal(health.counters.misses, 1);
      assert.equal(health.counters.puts, 1);
    });

    test('after close() every call fails with code closed', async () => {
      await h.store.close();
      await assertRejectsWithCode(h.store.get('k'), 'closed');
      await assertRejectsWithCode(h.store.put('k', entry('v')), 'closed');
      assert.equal(h.store.health().status, 'closed');
    });
  });
}
