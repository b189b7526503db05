// What every adapter shares: argument checks, the envelope (checksum, version, compression),
// expiry on the injected clock, counters and health. A backend only moves record bytes:
//   _read(key) → bytes|null, _write(key, encodingPromise, entry) → {rawBytes, storedBytes},
//   _delete(key) → boolean, _list(prefix, limit) → [{key, tags, expiresAt}], _close().
import { DEFAULT_COMPRESSION_THRESHOLD_BYTES } from './compression.js';
import {
  checkKey,
  checkPrefix,
  decodeRecord,
  EnvelopeError,
  encodeEntry,
  MAX_VALUE_BYTES,
  normalizeEntry,
  readHeader,
} from './envelope.js';
import { StorageError, toStorageError } from './errors.js';

export const DEFAULT_MAX_LIST_KEYS = 10_000;
export const DEFAULT_MAX_KEY_BYTES = 1024;

function newCounters() {
  return {
    gets: 0,
    hits: 0,
    misses: 0,
    puts: 0,
    removes: 0,
    lists: 0,
    errors: 0,
    expired: 0, // expired records found and dropped (read, list or purge)
    corrupt: 0, // records that failed the checksum or could not be decoded: deleted, served as a miss
    wrongVersion: 0, // records of another format version: deleted, served as a miss
    compressed: 0, // puts stored gzip
    compressionVerifyFailures: 0, // gzip that did not round-trip (stored identity instead)
    rawBytesWritten: 0,
    storedBytesWritten: 0,
    bytesSaved: 0, // sum of (raw - stored payload) over gzip puts
  };
}

export class BaseStore {
  #now;
  #closed = false;
  #lastError = null;
  // Call sequence numbers (not times: a manual clock may not move between calls).
  #calls = 0;
  #lastFailureCall = 0;
  #lastSuccessCall = 0;
  // Last-call-wins per key: puts encode concurrently and a small value encodes faster than a
  // big one, so each put/remove claims a sequence number and a put whose key was claimed again
  // before its encoding finished is not written. Entries live only while an op is in flight.
  #opSeq = 0;
  #latestOpByKey = new Map(); // key → op number
  #writesInFlight = new Map(); // key → promise of the latest put/remove (settles, never rejects)

  /**
   * @param {string} name adapter name ("memory", "indexeddb", "cache-api", "kv")
   * @param {object} options
   * @param {() => number} [options.now] wall clock in unix ms (tests inject a manual one)
   * @param {number} [options.compressionThresholdBytes] gzip values larger than this (default 1024; Infinity = never)
   * @param {number} [options.maxValueBytes] largest value accepted (UTF-8 bytes)
   * @param {number} [options.maxKeyBytes] longest key accepted (UTF-8 bytes)
   * @param {number} [options.maxListKeys] most keys one list() returns
   */
  constructor(name, options = {}, limits = {}) {
    this.name = name;
    this.#now = typeof options.now === 'function' ? options.now : () => Date.now();
    this.compressionThresholdBytes = options.compressionThresholdBytes ?? DEFAULT_COMPRESSION_THRESHOLD_BYTES;
    // `limits` are the backend's own ceilings: options may lower them, never raise them.
    const valueCeiling = limits.maxValueBytes ?? MAX_VALUE_BYTES;
    const keyCeiling = limits.maxKeyBytes ?? DEFAULT_MAX_KEY_BYTES;
    this.maxValueBytes = Math.min(options.maxValueBytes ?? valueCeiling, valueCeiling);
    this.maxKeyBytes = Math.min(options.maxKeyBytes ?? keyCeiling, keyCeiling);
    this.maxListKeys = options.maxListKeys ?? DEFAULT_MAX_LIST_KEYS;
    for (const [option, value] of [
      ['compressionThresholdBytes', this.compressionThresholdBytes],
      ['maxValueBytes', this.maxValueBytes],
      ['maxKeyBytes', this.maxKeyBytes],
      ['maxListKeys', this.maxListKeys],
    ]) {
      if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
        throw new StorageError('invalid_argument', `${name}: option ${option} must be a number >= 0, got ${value}`, { store: name });
      }
    }
    this.counters = newCounters();
  }

  now() {
    return this.#now();
  }

  get closed() {
    return this.#closed;
  }

  /** @returns {Promise<{value: string, storedAt: number, freshUntil: number, expiresAt: number, tags: string[]}|null>} */
  get(key) {
    return this.#run('get', async () => {
      checkKey(key, this.maxKeyBytes, this.name, 'get');
      this.counters.gets++;
      // Read-your-writes: a get issued after a put/remove of the key sees its result.
      await this._writesBeforeRead(key);
      const record = await this._read(key);
      const entry = record === null || record === undefined ? null : await this._accept(key, record);
      if (entry) this.counters.hits++;
      else this.counters.misses++;
      return entry;
    });
  }

  /**
   * Stores `entry` under `key`. An entry already past expiresAt is not written (an older copy is
   * deleted) and reports 0/0. The adapter's _write is called synchronously within this call with
   * the encoding still in progress, so adapters can batch puts issued in the same tick.
   * @returns {Promise<{rawBytes: number, storedBytes: number}>}
   */
  put(key, entry) {
    return this.#tracked(key, this.#run('put', async () => {
      checkKey(key, this.maxKeyBytes, this.name, 'put');
      const clean = normalizeEntry(entry, this.name, 'put');
      this.counters.puts++;
      const op = this.#claim(key);
      try {
        if (this.now() >= clean.expiresAt) {
          await this._delete(key);
          return { rawBytes: 0, storedBytes: 0 };
        }
        // Resolves to null if a later put/remove of the key came first: the adapter skips it.
        const encoding = encodeEntry(clean, {
          compressionThresholdBytes: this.compressionThresholdBytes,
          maxValueBytes: this.maxValueBytes,
          store: this.name,
        }).then((encoded) => (this.#latestOpByKey.get(key) === op ? encoded : null));
        encoding.catch(() => {}); // observed by _write; keeps the host from flagging it unhandled meanwhile
        const outcome = await this._write(key, encoding, clean);
        this.#countPut(outcome, await encoding);
        return outcome;
      } finally {
        this.#release(key, op);
      }
    }));
  }

  #countPut(outcome, encoded) {
    if (!encoded) return;
    if (encoded.verifyFailed) this.counters.compressionVerifyFailures++;
    if (outcome.storedBytes === 0) return; // nothing written for this call (superseded)
    this.counters.rawBytesWritten += outcome.rawBytes;
    this.counters.storedBytesWritten += outcome.storedBytes;
    if (encoded.encoding === 'gzip') {
      this.counters.compressed++;
      this.counters.bytesSaved += encoded.savedBytes;
    }
  }

  #claim(key) {
    const op = ++this.#opSeq;
    this.#latestOpByKey.set(key, op);
    return op;
  }

  #release(key, op) {
    if (this.#latestOpByKey.get(key) === op) this.#latestOpByKey.delete(key);
  }

  /** @returns {Promise<boolean>} whether a record was there */
  remove(key) {
    return this.#tracked(key, this.#run('remove', async () => {
      checkKey(key, this.maxKeyBytes, this.name, 'remove');
      this.counters.removes++;
      const op = this.#claim(key);
      try {
        return Boolean(await this._delete(key));
      } finally {
        this.#release(key, op);
      }
    }));
  }

  // Remembers `call` as the latest write of `key` until it settles.
  #tracked(key, call) {
    if (typeof key !== 'string') return call;
    const settled = call.then(
      () => {},
      () => {},
    );
    this.#writesInFlight.set(key, settled);
    settled.then(() => {
      if (this.#writesInFlight.get(key) === settled) this.#writesInFlight.delete(key);
    });
    return call;
  }

  /**
   * Unexpired keys starting with `prefix`, sorted, at most maxListKeys.
   * @returns {Promise<Array<{key: string, tags: string[], expiresAt: number}>>}
   */
  list(prefix = '') {
    return this.#run('list', async () => {
      checkPrefix(prefix, this.name);
      this.counters.lists++;
      await this._writesBeforeRead(null);
      const now = this.now();
      const keys = await this._list(prefix, this.maxListKeys);
      return keys
        .filter((item) => item.key.startsWith(prefix) && now < item.expiresAt)
        .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
        .slice(0, this.maxListKeys);
    });
  }

  /** Counters and whether the last call failed. */
  health() {
    let status = 'healthy';
    if (this.#closed) status = 'closed';
    else if (this.#lastFailureCall > this.#lastSuccessCall) status = 'degraded';
    return {
      store: this.name,
      status,
      lastError: this.#lastError,
      counters: { ...this.counters },
      ...this._healthDetails(),
    };
  }

  async close() {
    if (this.#closed) return;
    this.#closed = true;
    await this._close();
  }

  /**
   * Verifies a stored record; a bad or expired one is deleted and answered as a miss (null).
   * Adapters that read several records (list) call it too.
   */
  async _accept(key, record) {
    return this.#checked(key, () => decodeRecord(record));
  }

  /**
   * The list() view of a stored record, checked (magic, version, checksum) but not inflated;
   * a bad or expired record is deleted and skipped (null).
   */
  async _acceptHeader(key, record) {
    const header = await this.#checked(key, () => readHeader(record));
    return header && { key, tags: header.tags, expiresAt: header.expiresAt };
  }

  // Reads a record (or its header) with `read`; a corrupt, wrong-version or expired one is
  // counted, deleted unless rewritten meanwhile, and answered as null.
  async #checked(key, read) {
    let value;
    try {
      value = await read();
    } catch (err) {
      if (!(err instanceof EnvelopeError)) throw err;
      if (err.reason === 'version') this.counters.wrongVersion++;
      else this.counters.corrupt++;
      await this.#discardUnlessRewritten(key);
      return null;
    }
    if (this.now() >= value.expiresAt) {
      this.counters.expired++;
      await this.#discardUnlessRewritten(key);
      return null;
    }
    return value;
  }

  // A put/remove of the key started since we read it replaces the bad record anyway; deleting
  // now could destroy the newer value.
  #discardUnlessRewritten(key) {
    if (this.#latestOpByKey.has(key)) return undefined;
    return this._discard(key);
  }

  /**
   * What a read of `key` (null: a list) waits for so it sees earlier writes: by default every
   * put/remove of it still in flight. Adapters that answer from their own write queue wait less.
   */
  _writesBeforeRead(key) {
    if (key === null) return Promise.all(this.#writesInFlight.values());
    return this.#writesInFlight.get(key);
  }

  /** Deletes a record found bad or expired while reading. */
  _discard(key) {
    return this._delete(key);
  }

  _healthDetails() {
    return {};
  }

  #checkOpen(operation) {
    if (this.#closed) throw new StorageError('closed', `${this.name} ${operation}: the store is closed`, { store: this.name, operation });
  }

  async #run(operation, body) {
    const call = ++this.#calls;
    try {
      this.#checkOpen(operation);
      const result = await body();
      this.#lastSuccessCall = Math.max(this.#lastSuccessCall, call);
      return result;
    } catch (err) {
      const error = toStorageError(err, this.name, operation);
      this.counters.errors++;
      this.#lastFailureCall = Math.max(this.#lastFailureCall, call);
      this.#lastError = { code: error.code, message: error.message, operation, at: this.now() };
      throw error;
    }
  }
}
