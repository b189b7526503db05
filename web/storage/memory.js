// A bounded in-process store: Node, tests, and hosts without persistent storage. Records are
// kept encoded (checksum, compression) exactly like the persistent adapters, so it exercises
// the same code paths and reports the same byte counts.
import { BaseStore } from './base.js';
import { StorageError } from './errors.js';

export const DEFAULT_MEMORY_MAX_ENTRIES = 1000;
export const DEFAULT_MEMORY_MAX_BYTES = 16 * 1024 * 1024;

export class MemoryStore extends BaseStore {
  #records;
  #ownsRecords;
  #bytes = 0;

  /**
   * @param {object} [options] BaseStore options, plus:
   * @param {Map<string, Uint8Array>} [options.map] backing map (tests inspect and damage records through it)
   * @param {number} [options.maxEntries] least recently used records are evicted beyond this (default 1000)
   * @param {number} [options.maxBytes] and beyond this many record bytes (default 16 MiB)
   */
  constructor(options = {}) {
    const maxBytes = options.maxBytes ?? DEFAULT_MEMORY_MAX_BYTES;
    super('memory', options, { maxValueBytes: maxBytes });
    this.maxEntries = options.maxEntries ?? DEFAULT_MEMORY_MAX_ENTRIES;
    this.maxBytes = maxBytes;
    if (!(this.maxEntries >= 1) || !(this.maxBytes >= 1)) {
      throw new StorageError('invalid_argument', 'memory: maxEntries and maxBytes must be >= 1', { store: 'memory' });
    }
    this.#ownsRecords = !options.map;
    this.#records = options.map ?? new Map();
    for (const record of this.#records.values()) this.#bytes += record.byteLength;
    this.counters.evictions = 0;
  }

  async _read(key) {
    const record = this.#records.get(key);
    if (record === undefined) return null;
    // Map order is recency order: move the hit to the end.
    this.#records.delete(key);
    this.#records.set(key, record);
    return record;
  }

  async _write(key, encoding) {
    const encoded = await encoding;
    if (!encoded) return { rawBytes: 0, storedBytes: 0 }; // superseded by a later put/remove of the key
    const size = encoded.record.byteLength;
    if (size > this.maxBytes) {
      throw new StorageError('too_large', `memory put: record is ${size} bytes, store limit ${this.maxBytes}`, {
        store: this.name,
        operation: 'put',
      });
    }
    this.#drop(key);
    this.#records.set(key, encoded.record);
    this.#bytes += size;
    for (const oldest of this.#records.keys()) {
      if (this.#records.size <= this.maxEntries && this.#bytes <= this.maxBytes) break;
      this.#drop(oldest);
      this.counters.evictions++;
    }
    return { rawBytes: encoded.rawBytes, storedBytes: size, savedBytes: encoded.savedBytes };
  }

  async _delete(key) {
    return this.#drop(key);
  }

  async _list(prefix, limit) {
    const keys = [];
    for (const [key, record] of [...this.#records]) {
      if (!key.startsWith(prefix)) continue;
      const item = await this._acceptHeader(key, record);
      if (item) keys.push(item);
    }
    // Sorted before cutting so a bounded answer is always the first keys in order.
    keys.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return keys.slice(0, limit);
  }

  async _close() {
    // A supplied map belongs to the caller; our own is released.
    if (this.#ownsRecords) this.#records.clear();
    this.#bytes = 0;
  }

  _healthDetails() {
    return { entries: this.#records.size, bytes: this.#bytes };
  }

  #drop(key) {
    const record = this.#records.get(key);
    if (record === undefined) return false;
    this.#records.delete(key);
    this.#bytes -= record.byteLength;
    return true;
  }
}
