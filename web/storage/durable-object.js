// Durable Object storage as a persistent tier (the coordinator's own storage, SQLite-backed in
// production): survives the object's eviction and restarts, shared by nothing else. Records are
// the same checksummed envelope as every adapter; storage has no TTL, so expired records are
// dropped when read or listed, and by purgeExpired() (the coordinator's alarm calls it).
import { BaseStore } from './base.js';
import { StorageError } from './errors.js';

// SQLite-backed objects take values up to 2 MB; stay well below.
export const DO_MAX_VALUE_BYTES = 128 * 1024;
export const DO_MAX_KEY_BYTES = 2048;
const KEY_PREFIX = 'ltl-cache:';

export class DurableObjectStore extends BaseStore {
  #storage;

  /**
   * @param {object} options BaseStore options, plus:
   * @param {DurableObjectStorage} options.storage the object's `ctx.storage`
   */
  constructor(options = {}) {
    super('durable-object', options, { maxValueBytes: DO_MAX_VALUE_BYTES, maxKeyBytes: DO_MAX_KEY_BYTES });
    const storage = options.storage;
    if (!storage || typeof storage.get !== 'function' || typeof storage.list !== 'function') {
      throw new StorageError('invalid_argument', 'durable-object: options.storage must be a Durable Object storage', { store: this.name });
    }
    this.#storage = storage;
  }

  async _read(key) {
    const record = await this.#storage.get(KEY_PREFIX + key);
    return record === undefined ? null : new Uint8Array(record);
  }

  async _write(key, encoding) {
    const encoded = await encoding;
    if (!encoded) return { rawBytes: 0, storedBytes: 0 }; // superseded by a later put/remove of the key
    await this.#storage.put(KEY_PREFIX + key, encoded.record);
    return { rawBytes: encoded.rawBytes, storedBytes: encoded.storedBytes };
  }

  async _delete(key) {
    return this.#storage.delete(KEY_PREFIX + key);
  }

  async _list(prefix, limit) {
    const records = await this.#storage.list({ prefix: KEY_PREFIX + prefix, limit: this.maxListKeys });
    const keys = [];
    for (const [storedKey, record] of records) {
      const item = await this._acceptHeader(storedKey.slice(KEY_PREFIX.length), new Uint8Array(record));
      if (item) keys.push(item);
      if (keys.length >= limit) break;
    }
    return keys;
  }

  /** Drops every expired record (listing reads each header; expired ones are deleted there). */
  async purgeExpired() {
    await this.list('');
  }

  async _close() {}
}
