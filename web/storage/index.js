// The persistent cache tier of the JS shell: adapter choice per host, and the bridge the C++
// JsPersistentStore (src/bindings/platform.cpp) calls.
import { CacheApiStore } from './cache-api.js';
import { StorageError, toStorageError } from './errors.js';
import { IndexedDbStore } from './indexeddb.js';
import { KvStore } from './kv.js';
import { MemoryStore } from './memory.js';
import { createRedisRestBackend } from './redis-rest.js';
import { createRedisTcpBackend } from './redis-tcp.js';
import { RedisStore } from './redis.js';

export { CacheApiStore } from './cache-api.js';
export { DEFAULT_COMPRESSION_THRESHOLD_BYTES, compressionAvailable } from './compression.js';
export { ENVELOPE_VERSION, EnvelopeError, decodeRecord, encodeEntry, readHeader } from './envelope.js';
export { STORAGE_ERROR_CODES, StorageError } from './errors.js';
export { DurableObjectStore } from './durable-object.js';
export { IndexedDbStore } from './indexeddb.js';
export { KV_MIN_TTL_SECONDS, KV_WRITE_INTERVAL_MS, KvStore } from './kv.js';
export { MemoryStore } from './memory.js';
export {
  DEFAULT_REDIS_KEY_PREFIX,
  DEFAULT_REDIS_READ_TIMEOUT_MS,
  DEFAULT_REDIS_SCAN_TIMEOUT_MS,
  DEFAULT_REDIS_WRITE_TIMEOUT_MS,
  RedisStore,
} from './redis.js';
export { createRedisRestBackend } from './redis-rest.js';
export { createRedisTcpBackend } from './redis-tcp.js';

export const STORE_KINDS = Object.freeze(['memory', 'indexeddb', 'cache-api', 'kv', 'redis']);

/**
 * The adapter kind `createStore('auto')` picks on this host: "kv" when a namespace is given,
 * "cache-api" in workerd (caches.default), "memory" in Node, "indexeddb" in browsers,
 * "cache-api" where only CacheStorage exists (Deno), else "memory".
 */
export function detectStoreKind(options = {}, host = globalThis) {
  if (options.namespace) return 'kv';
  if (host.caches?.default && host.navigator?.userAgent === 'Cloudflare-Workers') return 'cache-api';
  if (typeof host.process === 'object' && typeof host.process?.versions?.node === 'string') return 'memory';
  if (host.indexedDB && host.IDBKeyRange) return 'indexeddb';
  if (host.caches && typeof host.caches.open === 'function') return 'cache-api';
  return 'memory';
}

/**
 * Creates a store adapter. `kind` is one of STORE_KINDS or "auto"; with "auto", `options.store`
 * (an adapter the caller built) wins over detection. Options go to the adapter's constructor.
 */
export function createStore(kind = 'auto', options = {}) {
  if (kind === 'auto') {
    if (options.store) return options.store;
    kind = detectStoreKind(options);
  }
  switch (kind) {
    case 'memory':
      return new MemoryStore(options);
    case 'indexeddb':
      return new IndexedDbStore(options);
    case 'cache-api':
      return new CacheApiStore(options);
    case 'kv':
      return new KvStore(options);
    case 'redis':
      // Synchronously only over REST (or a backend the caller built); TCP: createRedisStore().
      if (!options.backend && !options.restUrl) {
        throw new StorageError('invalid_argument', 'createStore("redis"): pass options.backend or options.restUrl + restToken (TCP: await createRedisStore(options))', {
          store: 'redis',
        });
      }
      return new RedisStore({ ...options, backend: options.backend ?? createRedisRestBackend({ url: options.restUrl, token: options.restToken, fetch: options.fetch }) });
    default:
      throw new StorageError('invalid_argument', `createStore: kind must be "auto" or one of ${STORE_KINDS.join(', ')}, got ${kind}`);
  }
}

/**
 * The Redis connection options of a configuration (REDIS_* keys), or null when REDIS_ENABLED is
 * not true. Exactly one mode: url (one node), clusterNodes (a Cluster), restUrl + restToken.
 */
export function redisOptionsFromConfig(config = {}) {
  const enabled = config.REDIS_ENABLED === true || config.REDIS_ENABLED === 'true' || config.REDIS_ENABLED === '1';
  if (!enabled) return null;
  const text = (key) => (typeof config[key] === 'string' && config[key] !== '' ? config[key] : undefined);
  return {
    url: text('REDIS_URL'),
    password: text('REDIS_PASSWORD'),
    clusterNodes: text('REDIS_CLUSTER_NODES')?.split(',').map((node) => node.trim()).filter(Boolean),
    restUrl: text('REDIS_REST_URL'),
    restToken: text('REDIS_REST_TOKEN'),
    keyPrefix: text('REDIS_KEY_PREFIX'),
  };
}

/** How long createRedisStore waits for the first TCP connection attempt (ms). */
export const DEFAULT_REDIS_CONNECT_WAIT_MS = 1000;

/**
 * A RedisStore for any mode: REST (options.restUrl + restToken, any host with fetch), or TCP with
 * node-redis (options.url or options.clusterNodes; Node only, the `redis` package must be
 * installed: it is required only then, so other hosts never need it). TCP resolves once the first
 * connection attempt has succeeded or failed (at most options.connectWaitMs, default 1000 ms); the
 * connection keeps trying in the background either way.
 */
export async function createRedisStore(options = {}) {
  if (options.backend || options.restUrl) return createStore('redis', options);
  const backend = createRedisTcpBackend(options);
  // A server starting should not send its first requests to the origin only because the
  // connection is still being set up: wait for the first attempt (bounded), then go on anyway.
  await backend.connected(options.connectWaitMs ?? DEFAULT_REDIS_CONNECT_WAIT_MS);
  return new RedisStore({ ...options, backend });
}

// --- the C++ bridge -----------------------------------------------------------------------------

// C++ int64 limits as JSON numbers: JS numbers lose precision above 2^53, so "never expires"
// (INT64_MAX in C++) is +Infinity here and written back as the exact literal.
const INT64_MAX_LITERAL = '9223372036854775807';

function timeFromCpp(value, field) {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new StorageError('invalid_argument', `bridge put: entry.${field} must be an integer (unix ms), got ${JSON.stringify(value)}`);
  }
  return value > Number.MAX_SAFE_INTEGER ? Infinity : value;
}

function timeToJson(value) {
  if (value === Infinity || value > Number.MAX_SAFE_INTEGER) return INT64_MAX_LITERAL;
  return String(Math.trunc(value));
}

const countToJson = (value) => String(Math.max(0, Math.trunc(Number(value) || 0)));

// The persistent tier for this host: options.store (an adapter, or 'none'), else REDIS_ENABLED=true
// (with CACHE_PERSISTENT auto or redis) → Redis, else CACHE_PERSISTENT: auto → IndexedDB in
// browsers, the Cache API in workerd, none in Node (memory only).
export async function persistentStoreFor(config, options = {}) {
  if (options.store === 'none' || options.store === null) return null;
  if (options.store && typeof options.store === 'object') return options.store;
  const kind = config.CACHE_PERSISTENT ?? 'auto';
  const now = typeof options.now === 'function' ? options.now : undefined;
  const compressionThresholdBytes = config.CACHE_COMPRESS_THRESHOLD !== undefined ? Number(config.CACHE_COMPRESS_THRESHOLD) : undefined;
  const redis = redisOptionsFromConfig(config);
  if (redis && (kind === 'auto' || kind === 'redis')) return createRedisStore({ ...redis, now, compressionThresholdBytes });
  // Anything else is left to the core's validation, which names the key and the choices.
  if (!['auto', 'indexeddb', 'cache-api', 'kv'].includes(kind)) return null;
  const adapterOptions = {
    now,
    compressionThresholdBytes,
    namespace: options.kvNamespace,
    // Workers: delayed KV writes stay alive past the response.
    waitUntil: typeof options.waitUntil === 'function' ? options.waitUntil : undefined,
  };
  const chosen = kind === 'auto' ? detectStoreKind(adapterOptions) : kind;
  if (chosen === 'memory') return null; // a second in-process copy would add nothing
  return createStore(chosen, adapterOptions);
}

/** Parses the entry JSON JsPersistentStore::put sends. */
export function entryFromJson(entryJson) {
  let parsed;
  try {
    parsed = JSON.parse(entryJson);
  } catch {
    throw new StorageError('invalid_argument', 'bridge put: entry is not JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new StorageError('invalid_argument', 'bridge put: entry must be a JSON object');
  }
  return {
    value: parsed.value,
    storedAt: timeFromCpp(parsed.storedAt, 'storedAt'),
    freshUntil: timeFromCpp(parsed.freshUntil, 'freshUntil'),
    expiresAt: timeFromCpp(parsed.expiresAt, 'expiresAt'),
    tags: parsed.tags ?? [],
  };
}

/** get → `{"value","storedAt","freshUntil","expiresAt","tags"}` or `null`, as platform.cpp parses it. */
export function entryToJson(entry) {
  if (!entry) return 'null';
  return (
    `{"value":${JSON.stringify(entry.value)},"storedAt":${timeToJson(entry.storedAt)},` +
    `"freshUntil":${timeToJson(entry.freshUntil)},"expiresAt":${timeToJson(entry.expiresAt)},` +
    `"tags":${JSON.stringify(entry.tags ?? [])}}`
  );
}

/** put → `{"rawBytes","storedBytes","savedBytes"}` (savedBytes: compression's saving, 0 when absent). */
export function putOutcomeToJson(outcome) {
  return (
    `{"rawBytes":${countToJson(outcome?.rawBytes)},"storedBytes":${countToJson(outcome?.storedBytes)},` +
    `"savedBytes":${countToJson(outcome?.savedBytes ?? 0)}}`
  );
}

/** list → `{"keys":[{"key","tags","expiresAt"}]}`. */
export function keysToJson(keys) {
  const items = keys.map(
    ({ key, tags, expiresAt }) => `{"key":${JSON.stringify(key)},"tags":${JSON.stringify(tags ?? [])},"expiresAt":${timeToJson(expiresAt)}}`,
  );
  return `{"keys":[${items.join(',')}]}`;
}

/** A failure → `{"error":{"category":"storage","code","message","store","operation","retryable"}}`. */
export function errorToJson(err, store, operation) {
  const json = toStorageError(err, store, operation).toJSON();
  json.error.store ||= store;
  json.error.operation ||= operation;
  return JSON.stringify(json);
}

/**
 * The host object for JsPersistentStore: C++ calls host.get(id, key), host.put(id, key,
 * entryJson), host.remove(id, key) and host.list(id, prefix); each runs the adapter call and
 * answers once with complete(id, errorJson, resultJson) — errorJson "" on success, resultJson ""
 * on failure. Nothing is ever thrown back into the WASM: bad input and adapter failures become
 * error JSON; complete() is always called asynchronously (never re-entering the C++ call that
 * started it), and an exception from complete() itself goes to options.onCompleteError.
 * Adapter methods are called synchronously, so puts from one C++ burst share an IndexedDB
 * transaction.
 * @param {{name: string, get: Function, put: Function, remove: Function, list: Function}} adapter
 * @param {(id: number, errorJson: string, resultJson: string) => void} complete
 * @param {{onCompleteError?: (err: unknown) => void}} [options]
 */
export function bridgeStore(adapter, complete, options = {}) {
  if (typeof complete !== 'function') throw new StorageError('invalid_argument', 'bridgeStore: complete must be a function');
  const onCompleteError = options.onCompleteError ?? (() => {});
  const store = typeof adapter?.name === 'string' ? adapter.name : 'store';
  let pending = 0;

  function run(id, operation, start, encode) {
    pending++;
    let call;
    try {
      call = Promise.resolve(start());
    } catch (err) {
      call = Promise.reject(err);
    }
    call
      .then(
        (result) => ['', encode(result)],
        (err) => [errorToJson(err, store, operation), ''],
      )
      .catch((err) => [errorToJson(err, store, operation), '']) // encode() threw
      .then(([errorJson, resultJson]) => {
        pending--;
        try {
          complete(id, errorJson, resultJson);
        } catch (err) {
          onCompleteError(err);
        }
      });
  }

  return {
    name: store,
    get pending() {
      return pending;
    },
    get(id, key) {
      run(id, 'get', () => adapter.get(key), entryToJson);
    },
    put(id, key, entryJson) {
      run(id, 'put', () => adapter.put(key, entryFromJson(entryJson)), putOutcomeToJson);
    },
    remove(id, key) {
      run(id, 'delete', () => adapter.remove(key), (removed) => (removed ? 'true' : 'false'));
    },
    list(id, prefix) {
      run(id, 'list', () => adapter.list(prefix), keysToJson);
    },
  };
}
