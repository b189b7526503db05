// Browser persistent tier: one IndexedDB database, one object store keyed by the cache key,
// an index on expiresAt for purging. Writes (puts and removes) issued in the same tick go
// into one readwrite transaction, in call order. (Read-your-writes comes from BaseStore: a get
// waits for in-flight writes of its key.)
import { BaseStore } from './base.js';
import { StorageError, toStorageError } from './errors.js';

export const DEFAULT_DB_NAME = 'bitcoin-ltl-cache';
const STORE_NAME = 'entries';
const EXPIRES_INDEX = 'expiresAt';

/** The smallest string greater than every string starting with `prefix`, or null if none exists. */
export function prefixUpperBound(prefix) {
  let end = prefix.length;
  while (end > 0 && prefix.charCodeAt(end - 1) === 0xffff) end--;
  if (end === 0) return null;
  return prefix.slice(0, end - 1) + String.fromCharCode(prefix.charCodeAt(end - 1) + 1);
}

const requestResult = (request) =>
  new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });

// A transaction's end: resolves on complete, rejects with its error (or the abort reason).
const transactionDone = (tx) =>
  new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new DOMException('transaction aborted', 'AbortError'));
  });

export class IndexedDbStore extends BaseStore {
  #factory;
  #keyRange;
  #timers;
  #dbPromise = null;
  #db = null;
  #queue = []; // writes waiting for the next flush: {kind, key, encoding?, resolve, reject}
  #flushScheduled = false;
  #writeChain = Promise.resolve(); // flushes and purges run one after another, in order
  #lastPurgeAt = -Infinity;

  /**
   * @param {object} [options] BaseStore options, plus:
   * @param {IDBFactory} [options.indexedDB] default globalThis.indexedDB
   * @param {typeof IDBKeyRange} [options.IDBKeyRange] default globalThis.IDBKeyRange (must match the factory)
   * @param {string} [options.dbName] default "bitcoin-ltl-cache"
   * @param {number} [options.openTimeoutMs] an open that neither succeeds nor fails in this time fails with `timeout` (default 10000)
   * @param {number} [options.maxBatchWrites] writes per transaction (default 256)
   * @param {number} [options.purgeBatchSize] expired records deleted per purge (default 200)
   * @param {number} [options.purgeIntervalMs] least time between automatic purges after writes (default 60000)
   * @param {number} [options.listPageSize] records read per list transaction (default 200)
   * @param {{setTimeout: Function, clearTimeout: Function}} [options.timers] default the host's
   */
  constructor(options = {}) {
    super('indexeddb', options);
    this.#factory = options.indexedDB ?? globalThis.indexedDB;
    this.#keyRange = options.IDBKeyRange ?? globalThis.IDBKeyRange;
    this.#timers = options.timers ?? globalThis;
    this.dbName = options.dbName ?? DEFAULT_DB_NAME;
    this.openTimeoutMs = options.openTimeoutMs ?? 10_000;
    this.maxBatchWrites = options.maxBatchWrites ?? 256;
    this.purgeBatchSize = options.purgeBatchSize ?? 200;
    this.purgeIntervalMs = options.purgeIntervalMs ?? 60_000;
    this.listPageSize = options.listPageSize ?? 200;
    Object.assign(this.counters, { writeTransactions: 0, purged: 0 });
  }

  async _read(key) {
    const db = await this.#database();
    const tx = this.#transaction(db, 'readonly');
    const stored = await requestResult(tx.objectStore(STORE_NAME).get(key));
    if (stored === undefined) return null;
    // Anything but our object shape is handed on as-is and fails the envelope check.
    return stored !== null && typeof stored === 'object' && 'record' in stored ? stored.record : stored;
  }

  _write(key, encoding, entry) {
    return this.#enqueue({ kind: 'put', key, encoding, expiresAt: entry.expiresAt });
  }

  _delete(key) {
    return this.#enqueue({ kind: 'delete', key });
  }

  async _list(prefix, limit) {
    const upper = prefix === '' ? null : prefixUpperBound(prefix);
    const keys = [];
    let after = null; // last key of the previous page
    for (;;) {
      let range = null;
      if (after !== null) range = upper === null ? this.#keyRange.lowerBound(after, true) : this.#keyRange.bound(after, upper, true, true);
      else if (prefix !== '') range = upper === null ? this.#keyRange.lowerBound(prefix) : this.#keyRange.bound(prefix, upper, false, true);
      const db = await this.#database();
      const tx = this.#transaction(db, 'readonly');
      const page = await requestResult(tx.objectStore(STORE_NAME).getAll(range, this.listPageSize));
      for (const stored of page) {
        const item = await this._acceptHeader(stored.key, stored.record);
        if (item) keys.push(item);
        if (keys.length >= limit) return keys;
      }
      if (page.length < this.listPageSize) return keys;
      after = page[page.length - 1].key;
    }
  }

  /**
   * Deletes up to `maxRecords` records whose expiresAt has passed, oldest expiry first, in one
   * transaction. Runs automatically after writes at most every purgeIntervalMs.
   * @returns {Promise<number>} records deleted
   */
  purgeExpired(maxRecords = this.purgeBatchSize) {
    const run = this.#writeChain.then(() => this.#purge(maxRecords));
    this.#writeChain = run.catch(() => {});
    return run;
  }

  async _close() {
    await this.#writeChain;
    this.#db?.close();
    this.#db = null;
    this.#dbPromise = null;
  }

  _healthDetails() {
    return { dbName: this.dbName, queuedWrites: this.#queue.length };
  }

  // --- writes -------------------------------------------------------------------------------

  #enqueue(op) {
    return new Promise((resolve, reject) => {
      this.#queue.push({ ...op, resolve, reject });
      if (this.#flushScheduled) return;
      this.#flushScheduled = true;
      queueMicrotask(() => {
        this.#flushScheduled = false;
        const ops = this.#queue;
        this.#queue = [];
        for (let start = 0; start < ops.length; start += this.maxBatchWrites) {
          const batch = ops.slice(start, start + this.maxBatchWrites);
          this.#writeChain = this.#writeChain.then(() => this.#flush(batch)).catch(() => {});
        }
        this.#writeChain = this.#writeChain.then(() => this.#maybePurge());
      });
    });
  }

  async #flush(batch) {
    const settle = (op, outcome, error) => {
      if (error) op.reject(error);
      else op.resolve(outcome);
    };
    // Encodings first: a value that failed to encode fails alone, the rest still go in.
    const ready = [];
    for (const op of batch) {
      if (op.kind !== 'put') {
        ready.push(op);
        continue;
      }
      try {
        op.encoded = await op.encoding;
        ready.push(op);
      } catch (err) {
        settle(op, undefined, err);
      }
    }
    if (ready.length === 0) return;
    let tx;
    const results = new Map(); // op → outcome
    try {
      const db = await this.#database();
      tx = this.#transaction(db, 'readwrite');
      const done = transactionDone(tx);
      done.catch(() => {});
      const store = tx.objectStore(STORE_NAME);
      for (const op of ready) {
        if (op.kind === 'put' && !op.encoded) {
          results.set(op, { rawBytes: 0, storedBytes: 0 }); // superseded by a later put/remove of the key
        } else if (op.kind === 'put') {
          // expiresAt is repeated outside the record only for the purge index; reads trust the record.
          store.put({ key: op.key, expiresAt: op.expiresAt, record: op.encoded.record });
          results.set(op, { rawBytes: op.encoded.rawBytes, storedBytes: op.encoded.storedBytes, savedBytes: op.encoded.savedBytes });
        } else {
          const count = store.count(op.key);
          count.onsuccess = () => results.set(op, count.result > 0);
          store.delete(op.key);
        }
      }
      this.counters.writeTransactions++;
      await done;
    } catch (err) {
      try {
        tx?.abort();
      } catch {
        // already finished or aborted
      }
      const error = toStorageError(err, this.name, 'write');
      for (const op of ready) settle(op, undefined, error);
      return;
    }
    for (const op of ready) settle(op, results.get(op) ?? false);
  }

  async #maybePurge() {
    const now = this.now();
    if (now - this.#lastPurgeAt < this.purgeIntervalMs) return;
    this.#lastPurgeAt = now;
    await this.#purge(this.purgeBatchSize).catch(() => {}); // counted in #purge; the next write retries
  }

  async #purge(maxRecords) {
    const db = await this.#database();
    const tx = this.#transaction(db, 'readwrite');
    const done = transactionDone(tx);
    done.catch(() => {});
    let deleted = 0;
    const cursorRequest = tx.objectStore(STORE_NAME).index(EXPIRES_INDEX).openCursor(this.#keyRange.upperBound(this.now()));
    cursorRequest.onsuccess = () => {
      const cursor = cursorRequest.result;
      if (!cursor || deleted >= maxRecords) return;
      cursor.delete();
      deleted++;
      cursor.continue();
    };
    try {
      await done;
    } catch (err) {
      this.counters.errors++;
      throw toStorageError(err, this.name, 'purge');
    }
    this.counters.purged += deleted;
    this.counters.expired += deleted;
    return deleted;
  }

  // --- connection ---------------------------------------------------------------------------

  #transaction(db, mode) {
    try {
      return db.transaction(STORE_NAME, mode);
    } catch (err) {
      // The connection was closed under us (versionchange, Safari dropping it): reopen next time.
      this.#forget(db);
      throw toStorageError(err, this.name, 'transaction');
    }
  }

  #database() {
    this.#dbPromise ??= this.#open().then(
      (db) => {
        this.#db = db;
        return db;
      },
      (err) => {
        this.#dbPromise = null; // the next call tries again
        throw err;
      },
    );
    return this.#dbPromise;
  }

  #forget(db) {
    if (this.#db !== db) return;
    this.#db = null;
    this.#dbPromise = null;
  }

  async #open() {
    if (!this.#factory || typeof this.#factory.open !== 'function' || !this.#keyRange) {
      throw new StorageError('unavailable', 'indexeddb open: IndexedDB is not available on this host', {
        store: this.name,
        operation: 'open',
      });
    }
    let db = await this.#openRequest(undefined);
    if (!this.#hasSchema(db)) {
      // The database exists without our store (another app, or a wiped store): upgrade it.
      const nextVersion = db.version + 1;
      db.close();
      db = await this.#openRequest(nextVersion);
    }
    db.onversionchange = () => {
      // Never block another tab's upgrade: close, and reopen on our next call.
      db.close();
      this.#forget(db);
    };
    db.onclose = () => this.#forget(db);
    return db;
  }

  #hasSchema(db) {
    if (!db.objectStoreNames.contains(STORE_NAME)) return false;
    const tx = db.transaction(STORE_NAME, 'readonly');
    return tx.objectStore(STORE_NAME).indexNames.contains(EXPIRES_INDEX);
  }

  #openRequest(version) {
    const fail = (code, message, cause) =>
      new StorageError(code, `indexeddb open "${this.dbName}": ${message}`, { store: this.name, operation: 'open', cause });
    return new Promise((resolve, reject) => {
      let settled = false;
      let timer;
      const finish = (error, db) => {
        if (settled) {
          db?.close(); // the attempt already failed (blocked, timeout): release a late connection
          return;
        }
        settled = true;
        this.#timers.clearTimeout(timer);
        if (error) reject(error);
        else resolve(db);
      };
      let request;
      try {
        request = version === undefined ? this.#factory.open(this.dbName) : this.#factory.open(this.dbName, version);
      } catch (err) {
        finish(fail('unavailable', `${err?.name ?? 'Error'}: ${err?.message ?? err}`, err));
        return;
      }
      timer = this.#timers.setTimeout(
        () => finish(fail('timeout', `no answer within ${this.openTimeoutMs} ms`)),
        this.openTimeoutMs,
      );
      request.onupgradeneeded = () => {
        const db = request.result;
        const store = db.objectStoreNames.contains(STORE_NAME)
          ? request.transaction.objectStore(STORE_NAME)
          : db.createObjectStore(STORE_NAME, { keyPath: 'key' });
        if (!store.indexNames.contains(EXPIRES_INDEX)) store.createIndex(EXPIRES_INDEX, 'expiresAt');
      };
      request.onblocked = () => finish(fail('blocked', 'the upgrade is blocked by another open connection (another tab?)'));
      request.onsuccess = () => finish(null, request.result);
      request.onerror = () => {
        const err = request.error;
        const code = err?.name === 'QuotaExceededError' ? 'quota_exceeded' : 'unavailable';
        finish(fail(code, `${err?.name ?? 'Error'}: ${err?.message ?? 'open failed'}`, err));
      };
    });
  }
}
