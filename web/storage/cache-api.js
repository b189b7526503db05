// Edge (workerd: caches.default) and browser Cache API tier. Each key is stored as a GET
// response under a synthetic https URL; the body is the envelope record, so integrity and
// expiry are checked by us on every read (browsers ignore Cache-Control; workerd honours
// max-age but rounds to seconds). Cache-Control max-age lets workerd drop the entry itself.
//
// The Cache API cannot list keys, so list(prefix) answers from a key index kept in memory by
// this adapter instance (one per isolate / page):
//   - it holds only keys this instance wrote (or read back) since it started: keys written by
//     another isolate or data centre are not listed; workerd's cache is per location anyway,
//     and those entries still expire by their max-age;
//   - it is bounded by maxIndexKeys (default 10000); past that the least recently written key
//     leaves the index (counted in indexEvictions; health reports indexComplete: false) and can
//     no longer be found by prefix, only by exact key.
// We did not persist the index in the cache itself: a read-modify-write of one index entry from
// many isolates loses updates, and a lost index entry hides a key just the same.
import { BaseStore } from './base.js';
import { StorageError } from './errors.js';

export const DEFAULT_CACHE_BASE_URL = 'https://bitcoin-ltl-cache.invalid/v1/';
export const DEFAULT_MAX_INDEX_KEYS = 10_000;
const MAX_AGE_CAP_SECONDS = 365 * 24 * 3600;

export class CacheApiStore extends BaseStore {
  #cache;
  #cachePromise = null;
  #index = new Map(); // key → {tags, expiresAt}; Map order = least recently written first

  /**
   * @param {object} [options] BaseStore options, plus:
   * @param {Cache} [options.cache] a Cache (e.g. caches.default); default caches.default, else caches.open(cacheName)
   * @param {string} [options.cacheName] default "bitcoin-ltl"
   * @param {CacheStorage} [options.caches] default globalThis.caches
   * @param {string} [options.baseUrl] URL prefix of the synthetic entry URLs (https, ends with "/")
   * @param {number} [options.maxIndexKeys] bound of the in-memory key index (default 10000)
   */
  constructor(options = {}) {
    super('cache-api', options);
    this.#cache = options.cache ?? null;
    this.cacheName = options.cacheName ?? 'bitcoin-ltl';
    this.caches = options.caches ?? globalThis.caches;
    this.baseUrl = options.baseUrl ?? DEFAULT_CACHE_BASE_URL;
    this.maxIndexKeys = options.maxIndexKeys ?? DEFAULT_MAX_INDEX_KEYS;
    if (!/^https?:\/\/[^/]+\/(.*\/)?$/.test(this.baseUrl)) {
      throw new StorageError('invalid_argument', `cache-api: baseUrl must be an http(s) URL ending in "/", got ${this.baseUrl}`, {
        store: this.name,
      });
    }
    if (!(this.maxIndexKeys >= 1)) {
      throw new StorageError('invalid_argument', 'cache-api: maxIndexKeys must be >= 1', { store: this.name });
    }
    Object.assign(this.counters, { indexEvictions: 0 });
  }

  /** The synthetic URL an entry is stored under. */
  urlFor(key) {
    return this.baseUrl + encodeURIComponent(key);
  }

  async _read(key) {
    const cache = await this.#open();
    const response = await cache.match(this.urlFor(key));
    if (!response) {
      this.#index.delete(key);
      return null;
    }
    // The x-ltl-* headers are for people inspecting the cache; the record is authoritative.
    return new Uint8Array(await response.arrayBuffer());
  }

  async _write(key, encoding, entry) {
    const encoded = await encoding;
    if (!encoded) return { rawBytes: 0, storedBytes: 0 }; // superseded by a later put/remove of the key
    const cache = await this.#open();
    const remainingSeconds = Math.ceil((entry.expiresAt - this.now()) / 1000);
    const maxAge = Math.max(1, Math.min(remainingSeconds, MAX_AGE_CAP_SECONDS));
    const headers = {
      'content-type': 'application/octet-stream',
      'cache-control': `max-age=${maxAge}`,
      'x-ltl-format': '1',
      'x-ltl-stored-at': String(entry.storedAt),
      'x-ltl-fresh-until': Number.isFinite(entry.freshUntil) ? String(entry.freshUntil) : 'never',
      'x-ltl-expires-at': Number.isFinite(entry.expiresAt) ? String(entry.expiresAt) : 'never',
      'x-ltl-tags': encodeURIComponent(JSON.stringify(entry.tags)),
    };
    await cache.put(this.urlFor(key), new Response(encoded.record, { status: 200, headers }));
    this.#remember(key, entry.tags, entry.expiresAt);
    return { rawBytes: encoded.rawBytes, storedBytes: encoded.storedBytes, savedBytes: encoded.savedBytes };
  }

  async _accept(key, record) {
    const entry = await super._accept(key, record);
    // A key found by exact lookup (written by another instance, or evicted from the index) joins it.
    if (entry && !this.#index.has(key)) this.#remember(key, entry.tags, entry.expiresAt);
    return entry;
  }

  async _delete(key) {
    const cache = await this.#open();
    this.#index.delete(key);
    return cache.delete(this.urlFor(key));
  }

  async _list(prefix, limit) {
    const now = this.now();
    const keys = [];
    for (const [key, { tags, expiresAt }] of this.#index) {
      if (now >= expiresAt) {
        this.#index.delete(key); // the cache drops it by max-age; a later get also deletes it
        continue;
      }
      if (key.startsWith(prefix)) keys.push({ key, tags: [...tags], expiresAt });
    }
    keys.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return keys.slice(0, limit);
  }

  async _close() {
    this.#index.clear();
  }

  _healthDetails() {
    return {
      indexedKeys: this.#index.size,
      maxIndexKeys: this.maxIndexKeys,
      indexComplete: this.counters.indexEvictions === 0,
    };
  }

  #remember(key, tags, expiresAt) {
    this.#index.delete(key);
    this.#index.set(key, { tags: [...tags], expiresAt });
    while (this.#index.size > this.maxIndexKeys) {
      this.#index.delete(this.#index.keys().next().value);
      this.counters.indexEvictions++;
    }
  }

  #open() {
    if (this.#cache) return Promise.resolve(this.#cache);
    this.#cachePromise ??= (async () => {
      const storage = this.caches;
      if (!storage) {
        throw new StorageError('unavailable', 'cache-api open: this host has no Cache API (globalThis.caches)', {
          store: this.name,
          operation: 'open',
        });
      }
      // workerd's shared per-location cache; browsers and Deno only have named caches.
      this.#cache = storage.default ?? (await storage.open(this.cacheName));
      return this.#cache;
    })().catch((err) => {
      this.#cachePromise = null;
      throw err;
    });
    return this.#cachePromise;
  }
}
