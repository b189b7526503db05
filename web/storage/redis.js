// Redis tier: the persistent-store interface over Redis, one node, a Cluster, or Redis over HTTP
// (Upstash REST). This file holds what every mode shares and imports nothing host-specific; the
// connection is a "backend" (redis-tcp.js: node-redis over TCP, Node only; redis-rest.js:
// fetch, any host) with this shape:
//
//   backend.mode                         'single' | 'cluster' | 'rest'
//   backend.send(args, {key, timeoutMs}) one command (strings), routed by `key` on a Cluster;
//                                        rejects with a StorageError (unavailable, timeout, backend)
//   backend.nodes()                      one {send(args, {timeoutMs})} per master (SCAN runs on each)
//   backend.state()                      {connection: 'ready'|'connecting'|'down'|'closed', reason, reconnects}
//   backend.close()
//
// Key layout under the prefix (REDIS_KEY_PREFIX, default "ltl:"):
//   <prefix>c:<key>      a record: the envelope (web/storage/envelope.js) as base64 text, PX = the
//                        record's remaining life. Base64 because Upstash's JSON command format
//                        carries strings only: TCP servers and REST workers share one keyspace.
//   <prefix>tag:<tag>    a set of the keys written with that tag; it expires with its longest
//                        lived member (never, if one never expires).
// Every command touches one key, so all of it works on a Cluster unchanged; SCAN (never KEYS)
// runs on every master. Nothing here ever sends FLUSHDB/FLUSHALL.
//
// Failure: every call has a deadline (reads 50 ms by default). A call that fails or times out
// rejects at once with a typed StorageError, which the core answers by bypassing the tier for a
// while (memory + origin serve meanwhile); health() says `degraded` with the reason while the
// connection is down, and the backend reconnects with backoff by itself.
import { BaseStore } from './base.js';
import { StorageError } from './errors.js';

export const DEFAULT_REDIS_KEY_PREFIX = 'ltl:';
export const DEFAULT_REDIS_READ_TIMEOUT_MS = 50;
export const DEFAULT_REDIS_WRITE_TIMEOUT_MS = 250;
export const DEFAULT_REDIS_SCAN_TIMEOUT_MS = 2000;
const SCAN_COUNT = 500;
/** Most keys one glob or tag invalidation deletes (a bound on work and memory per call). */
export const DEFAULT_REDIS_MAX_INVALIDATE_KEYS = 100_000;
const RECORD_SPACE = 'c:';
const TAG_SPACE = 'tag:';
/** Redis limits a string to 512 MiB; base64 takes 4/3 of the record. */
const REDIS_MAX_VALUE_BYTES = 64 * 1024 * 1024;

// SADD the key to a tag set; the set lives as long as its longest-lived member (ARGV[2] = ms,
// -1 = never). Created now → its TTL is the member's; persistent → stays so.
export const TAG_ADD_SCRIPT = `
local existed = redis.call('EXISTS', KEYS[1])
redis.call('SADD', KEYS[1], ARGV[1])
local want = tonumber(ARGV[2])
if want < 0 then redis.call('PERSIST', KEYS[1]) return 1 end
local ttl = redis.call('PTTL', KEYS[1])
if existed == 0 or (ttl >= 0 and ttl < want) then redis.call('PEXPIRE', KEYS[1], want) end
return 1`;

// --- base64 without Buffer (workerd, Deno, browsers) ----------------------------------------------

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_INDEX[B64.charCodeAt(i)] = i;

export function bytesToBase64(bytes) {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + B64[n & 63];
  }
  if (i < bytes.length) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8);
    out += B64[n >> 18] + B64[(n >> 12) & 63] + (i + 1 < bytes.length ? B64[(n >> 6) & 63] : '=') + '=';
  }
  return out;
}

/** Base64 text → bytes; null when it is not canonical padded base64 (a foreign value: corrupt). */
export function base64ToBytes(text) {
  if (typeof text !== 'string' || text.length % 4 !== 0) return null;
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    let n = 0;
    for (let k = 0; k < 4; k++) {
      const code = text.charCodeAt(i + k);
      const isPad = code === 61 && i + k >= text.length - pad;
      const digit = isPad ? 0 : code < 128 ? B64_INDEX[code] : -1;
      if (digit < 0) return null;
      n = (n << 6) | digit;
    }
    out[o++] = n >> 16;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}

// --- glob and prefix helpers ----------------------------------------------------------------------

/** A literal string as a Redis MATCH pattern (escapes * ? [ ] and \). */
export function escapeGlob(text) {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/** Checks a REDIS_KEY_PREFIX: printable ASCII, no spaces, glob characters or braces (hash tags are ours). */
export function checkKeyPrefix(prefix, store = 'redis') {
  if (typeof prefix !== 'string' || !/^[\x21-\x7e]{1,64}$/.test(prefix) || /[*?[\]\\{}]/.test(prefix)) {
    throw new StorageError(
      'invalid_argument',
      `${store}: keyPrefix must be 1 to 64 printable ASCII characters without spaces, glob characters or braces, got ${JSON.stringify(prefix)}`,
      { store },
    );
  }
  return prefix;
}

/** fn over items, at most `limit` calls in flight (a connection caps its queue; REST is one request each). */
export async function mapBounded(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

const IN_FLIGHT = 64;

// --- the call deadline ----------------------------------------------------------------------------

/**
 * Runs `start()` with a deadline: rejects with StorageError `timeout` after `timeoutMs`, or with
 * the call's own failure as a StorageError. The late answer of a timed-out call is dropped.
 */
export function withDeadline(start, timeoutMs, { store, operation, timers = globalThis }) {
  return new Promise((resolve, reject) => {
    const timer = timers.setTimeout(() => {
      reject(new StorageError('timeout', `${store} ${operation}: no answer from Redis within ${timeoutMs} ms`, { store, operation }));
    }, timeoutMs);
    let call;
    try {
      call = Promise.resolve(start());
    } catch (err) {
      call = Promise.reject(err);
    }
    call.then(
      (value) => {
        timers.clearTimeout(timer);
        resolve(value);
      },
      (err) => {
        timers.clearTimeout(timer);
        reject(asRedisError(err, store, operation));
      },
    );
  });
}

/** Any failure of a Redis call as a StorageError: connection problems are `unavailable`. */
export function asRedisError(err, store, operation) {
  if (err instanceof StorageError) return err;
  const name = typeof err?.name === 'string' ? err.name : 'Error';
  const detail = typeof err?.message === 'string' && err.message ? err.message : String(err);
  let code = 'backend';
  if (/TimeoutError/.test(name)) code = 'timeout';
  else if (/Closed|Offline|Socket|Connection|Reconnect|RootNodes|ECONN|EPIPE|ENOTFOUND|EHOSTUNREACH|queue is full|fetch failed/i.test(`${name} ${detail}`)) {
    code = 'unavailable';
  } else if (/OOM/.test(detail)) code = 'quota_exceeded';
  return new StorageError(code, `${store} ${operation}: ${name}: ${detail}`, { store, operation, cause: err });
}

// --- the store ------------------------------------------------------------------------------------

export class RedisStore extends BaseStore {
  #backend;
  #timers;

  /**
   * @param {object} options BaseStore options, plus:
   * @param {object} options.backend a connection (createRedisRestBackend, createRedisTcpBackend)
   * @param {string} [options.keyPrefix] REDIS_KEY_PREFIX (default "ltl:")
   * @param {number} [options.readTimeoutMs] GET deadline (default 50)
   * @param {number} [options.writeTimeoutMs] SET/DEL/tag deadline (default 250)
   * @param {number} [options.scanTimeoutMs] deadline of a whole list / invalidation (default 2000)
   * @param {number} [options.maxInvalidateKeys] most keys one invalidation deletes (default 100000)
   * @param {{setTimeout: Function, clearTimeout: Function}} [options.timers]
   */
  constructor(options = {}) {
    const keyPrefix = checkKeyPrefix(options.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX);
    super('redis', options, { maxValueBytes: REDIS_MAX_VALUE_BYTES });
    const backend = options.backend;
    if (!backend || typeof backend.send !== 'function' || typeof backend.nodes !== 'function') {
      throw new StorageError('invalid_argument', 'redis: options.backend must be a Redis backend (createRedisTcpBackend or createRedisRestBackend)', {
        store: 'redis',
      });
    }
    this.#backend = backend;
    this.#timers = options.timers ?? globalThis;
    this.keyPrefix = keyPrefix;
    this.readTimeoutMs = options.readTimeoutMs ?? DEFAULT_REDIS_READ_TIMEOUT_MS;
    this.writeTimeoutMs = options.writeTimeoutMs ?? DEFAULT_REDIS_WRITE_TIMEOUT_MS;
    this.scanTimeoutMs = options.scanTimeoutMs ?? DEFAULT_REDIS_SCAN_TIMEOUT_MS;
    this.maxInvalidateKeys = options.maxInvalidateKeys ?? DEFAULT_REDIS_MAX_INVALIDATE_KEYS;
    for (const option of ['readTimeoutMs', 'writeTimeoutMs', 'scanTimeoutMs', 'maxInvalidateKeys']) {
      if (!(this[option] > 0) || !Number.isFinite(this[option])) {
        throw new StorageError('invalid_argument', `redis: option ${option} must be a number > 0, got ${this[option]}`, { store: 'redis' });
      }
    }
    Object.assign(this.counters, { timeouts: 0, unavailable: 0, invalidated: 0 });
  }

  /** The connection (fleet coordination shares it). */
  get backend() {
    return this.#backend;
  }

  /** The Redis key of a cache key. */
  recordKey(key) {
    return this.keyPrefix + RECORD_SPACE + key;
  }

  tagKey(tag) {
    return this.keyPrefix + TAG_SPACE + tag;
  }

  #send(args, key, timeoutMs, operation) {
    return this.#deadline(() => this.#backend.send(args, { key, timeoutMs }), timeoutMs, operation);
  }

  // Every backend call goes through here: the deadline, and the timeouts/unavailable counters.
  #deadline(start, timeoutMs, operation) {
    return withDeadline(start, timeoutMs, { store: this.name, operation, timers: this.#timers }).catch((err) => {
      if (err.code === 'timeout') this.counters.timeouts++;
      else if (err.code === 'unavailable') this.counters.unavailable++;
      throw err;
    });
  }

  async _read(key) {
    const name = this.recordKey(key);
    const text = await this.#send(['GET', name], name, this.readTimeoutMs, 'get');
    if (text === null || text === undefined) return null;
    // Not base64: not ours; the envelope check rejects the bytes as corrupt and the record goes.
    return base64ToBytes(String(text)) ?? new TextEncoder().encode(String(text));
  }

  async _write(key, encoding, entry) {
    const encoded = await encoding;
    if (!encoded) return { rawBytes: 0, storedBytes: 0 }; // superseded by a later put/remove of the key
    const name = this.recordKey(key);
    const args = ['SET', name, bytesToBase64(encoded.record)];
    let lifeMs = -1;
    if (Number.isFinite(entry.expiresAt)) {
      lifeMs = Math.max(1, Math.ceil(entry.expiresAt - this.now()));
      args.push('PX', String(lifeMs));
    }
    await this.#send(args, name, this.writeTimeoutMs, 'put');
    await Promise.all(
      [...new Set(entry.tags)].map((tag) => {
        const tagKey = this.tagKey(tag);
        return this.#send(['EVAL', TAG_ADD_SCRIPT, '1', tagKey, key, String(lifeMs)], tagKey, this.writeTimeoutMs, 'put');
      }),
    );
    return { rawBytes: encoded.rawBytes, storedBytes: encoded.storedBytes };
  }

  async _delete(key) {
    const name = this.recordKey(key);
    return Number(await this.#send(['DEL', name], name, this.writeTimeoutMs, 'remove')) > 0;
  }

  async _list(prefix, limit) {
    const start = this.keyPrefix.length + RECORD_SPACE.length;
    const names = await this.#scan(escapeGlob(this.recordKey(prefix)) + '*', limit, 'list');
    const items = await mapBounded(
      names,
      IN_FLIGHT,
      async (name) => {
        const key = name.slice(start);
        const text = await this.#send(['GET', name], name, this.scanTimeoutMs, 'list');
        if (text === null || text === undefined) return null; // expired or deleted meanwhile
        return this._acceptHeader(key, base64ToBytes(String(text)) ?? new TextEncoder().encode(String(text)));
      },
    );
    return items.filter(Boolean);
  }

  // SCAN MATCH on every master (a Cluster spreads keys over them), up to `limit` distinct names.
  async #scan(pattern, limit, operation) {
    const deadline = performance.now() + this.scanTimeoutMs; // elapsed time, not the entries' clock
    const nodes = await this.#deadline(() => this.#backend.nodes(), this.scanTimeoutMs, operation);
    const found = new Set();
    for (const node of nodes) {
      let cursor = '0';
      do {
        const left = Math.ceil(deadline - performance.now());
        if (left <= 0) {
          throw new StorageError('timeout', `${this.name} ${operation}: SCAN did not finish within ${this.scanTimeoutMs} ms`, {
            store: this.name,
            operation,
          });
        }
        const reply = await this.#deadline(() => node.send(['SCAN', cursor, 'MATCH', pattern, 'COUNT', String(SCAN_COUNT)], { timeoutMs: left }), left, operation);
        if (!Array.isArray(reply) || reply.length !== 2 || !Array.isArray(reply[1])) {
          throw new StorageError('backend', `${this.name} ${operation}: SCAN answered ${JSON.stringify(reply)?.slice(0, 80)}; expected [cursor, keys]`, {
            store: this.name,
            operation,
          });
        }
        cursor = String(reply[0]);
        for (const name of reply[1]) {
          found.add(String(name));
          if (found.size >= limit) return [...found];
        }
      } while (cursor !== '0');
    }
    return [...found];
  }

  /**
   * Deletes every record whose cache key matches the Redis glob `pattern` (`*`, `?`, `[...]`, `\`
   * escapes), found with SCAN on every master. At most maxInvalidateKeys per call.
   * @returns {Promise<number>} records deleted
   */
  async invalidateGlob(pattern) {
    if (typeof pattern !== 'string' || pattern.length === 0) {
      throw new StorageError('invalid_argument', 'redis invalidate: pattern must be a non-empty glob string', { store: this.name, operation: 'invalidate' });
    }
    this.#checkOpen('invalidate');
    const names = await this.#scan(escapeGlob(this.recordKey('')) + pattern, this.maxInvalidateKeys, 'invalidate');
    return this.#deleteNames(names, 'invalidate');
  }

  /**
   * Deletes every record written with `tag` (the tag's set), then the set.
   * @returns {Promise<number>} records deleted
   */
  async invalidateTag(tag) {
    if (typeof tag !== 'string' || tag.length === 0) {
      throw new StorageError('invalid_argument', 'redis invalidate: tag must be a non-empty string', { store: this.name, operation: 'invalidate' });
    }
    this.#checkOpen('invalidate');
    const tagKey = this.tagKey(tag);
    const keys = [];
    let cursor = '0';
    // SSCAN, not SMEMBERS: a big set is read in bounded pages.
    do {
      const reply = await this.#send(['SSCAN', tagKey, cursor, 'COUNT', String(SCAN_COUNT)], tagKey, this.scanTimeoutMs, 'invalidate');
      cursor = String(reply[0]);
      for (const key of reply[1]) if (keys.length < this.maxInvalidateKeys) keys.push(String(key));
    } while (cursor !== '0' && keys.length < this.maxInvalidateKeys);
    const deleted = await this.#deleteNames(keys.map((key) => this.recordKey(key)), 'invalidate');
    await this.#send(['DEL', tagKey], tagKey, this.writeTimeoutMs, 'invalidate');
    return deleted;
  }

  // One DEL per key: keys of different slots cannot share a command on a Cluster.
  async #deleteNames(names, operation) {
    const results = await mapBounded(names, IN_FLIGHT, (name) => this.#send(['DEL', name], name, this.writeTimeoutMs, operation));
    const deleted = results.reduce((sum, n) => sum + Number(n), 0);
    this.counters.invalidated += deleted;
    return deleted;
  }

  #checkOpen(operation) {
    if (this.closed) throw new StorageError('closed', `${this.name} ${operation}: the store is closed`, { store: this.name, operation });
  }

  /** Base health, plus the connection: a down connection is `degraded` with the reason even before a call fails. */
  health() {
    const health = super.health();
    const connection = this.#backend.state();
    health.mode = this.#backend.mode;
    health.connection = connection;
    if (health.status === 'healthy' && connection.connection !== 'ready') {
      health.status = 'degraded';
      health.reason = connection.reason || `connection ${connection.connection}`;
    } else if (health.status === 'degraded') {
      health.reason = connection.connection !== 'ready' && connection.reason ? connection.reason : health.lastError?.message;
    }
    return health;
  }

  _healthDetails() {
    return { keyPrefix: this.keyPrefix };
  }

  async _close() {
    await this.#backend.close();
  }
}
