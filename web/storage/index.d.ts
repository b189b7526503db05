// Public API of the persistent cache tier (web/storage/index.js).

/** One cached value with its metadata. Times are unix ms; `Infinity` = never (C++ INT64_MAX). */
export interface StoredEntry {
  value: string;
  storedAt: number;
  /** End of the TTL. */
  freshUntil: number;
  /** End of the longest stale window: a miss from then on (`now >= expiresAt`). */
  expiresAt: number;
  tags: string[];
}

export interface StoredKey {
  key: string;
  tags: string[];
  expiresAt: number;
}

/** What a put wrote: value bytes before compression, record bytes after (0/0 = nothing written). */
export interface PutOutcome {
  rawBytes: number;
  storedBytes: number;
  /** Value bytes compression saved (raw minus gzip payload; 0 when stored raw). Optional for custom adapters; never negative. */
  savedBytes?: number;
}

export type StorageErrorCode =
  | 'unavailable'
  | 'blocked'
  | 'timeout'
  | 'quota_exceeded'
  | 'too_large'
  | 'invalid_argument'
  | 'rate_limited'
  | 'closed'
  | 'backend';

export declare const STORAGE_ERROR_CODES: readonly StorageErrorCode[];

export declare class StorageError extends Error {
  constructor(code: StorageErrorCode, message: string, details?: { store?: string; operation?: string; cause?: unknown });
  readonly name: 'StorageError';
  readonly code: StorageErrorCode;
  readonly store: string;
  readonly operation: string;
  readonly retryable: boolean;
  toJSON(): {
    error: { category: 'storage'; code: StorageErrorCode; message: string; store: string; operation: string; retryable: boolean };
  };
}

export interface StoreCounters {
  gets: number;
  hits: number;
  misses: number;
  puts: number;
  removes: number;
  lists: number;
  errors: number;
  /** Expired records found and dropped. */
  expired: number;
  /** Records that failed the checksum or decoding: deleted and served as a miss. */
  corrupt: number;
  /** Records of another format version: deleted and served as a miss. */
  wrongVersion: number;
  compressed: number;
  compressionVerifyFailures: number;
  rawBytesWritten: number;
  storedBytesWritten: number;
  bytesSaved: number;
  [adapterSpecific: string]: number;
}

export interface StoreHealth {
  store: string;
  /** `degraded`: the most recent call failed. */
  status: 'healthy' | 'degraded' | 'closed';
  lastError: { code: StorageErrorCode; message: string; operation: string; at: number } | null;
  counters: StoreCounters;
  [detail: string]: unknown;
}

/** The adapter interface every store implements. Every failure rejects with a StorageError. */
export interface StoreAdapter {
  readonly name: string;
  /** The entry, or null on a miss (absent, expired, corrupted or wrong format version). */
  get(key: string): Promise<StoredEntry | null>;
  put(key: string, entry: StoredEntry): Promise<PutOutcome>;
  /** Whether a record was there. */
  remove(key: string): Promise<boolean>;
  /** Unexpired keys starting with `prefix` ("" = all), sorted, at most `maxListKeys`. */
  list(prefix?: string): Promise<StoredKey[]>;
  health(): StoreHealth;
  close(): Promise<void>;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface BaseStoreOptions {
  /** Wall clock in unix ms. Default Date.now. */
  now?: () => number;
  /** gzip values larger than this many UTF-8 bytes, if it saves bytes. Default 1024; Infinity disables. */
  compressionThresholdBytes?: number;
  maxValueBytes?: number;
  /** Default 1024 (KV: 512 minus the key prefix). */
  maxKeyBytes?: number;
  /** Default 10000. */
  maxListKeys?: number;
}

export interface MemoryStoreOptions extends BaseStoreOptions {
  map?: Map<string, Uint8Array>;
  /** Default 1000. */
  maxEntries?: number;
  /** Default 16 MiB. */
  maxBytes?: number;
}

export interface IndexedDbStoreOptions extends BaseStoreOptions {
  indexedDB?: IDBFactory;
  IDBKeyRange?: typeof IDBKeyRange;
  /** Default "bitcoin-ltl-cache". */
  dbName?: string;
  /** Default 10000. */
  openTimeoutMs?: number;
  /** Writes per transaction. Default 256. */
  maxBatchWrites?: number;
  /** Default 200. */
  purgeBatchSize?: number;
  /** Default 60000. */
  purgeIntervalMs?: number;
  /** Default 200. */
  listPageSize?: number;
  timers?: Timers;
}

export interface CacheApiStoreOptions extends BaseStoreOptions {
  cache?: Cache;
  caches?: CacheStorage;
  /** Default "bitcoin-ltl" (used when there is no caches.default). */
  cacheName?: string;
  /** Default "https://bitcoin-ltl-cache.invalid/v1/". */
  baseUrl?: string;
  /** In-memory key index bound (list() only sees indexed keys). Default 10000. */
  maxIndexKeys?: number;
}

export interface KvNamespaceLike {
  get(key: string, options: { type: 'arrayBuffer'; cacheTtl?: number }): Promise<ArrayBuffer | null>;
  put(key: string, value: ArrayBuffer | ArrayBufferView, options?: { expirationTtl?: number; metadata?: unknown }): Promise<void>;
  delete(key: string): Promise<void>;
  list(options: { prefix?: string; limit?: number; cursor?: string }): Promise<{
    keys: Array<{ name: string; expiration?: number; metadata?: unknown }>;
    list_complete: boolean;
    cursor?: string;
  }>;
}

export interface KvStoreOptions extends BaseStoreOptions {
  namespace: KvNamespaceLike;
  /** Default "ltl:". */
  keyPrefix?: string;
  /** Default 1000 (KV's 1 write/s/key). */
  writeIntervalMs?: number;
  /** Default 1000. */
  maxPendingWrites?: number;
  /** Default 10000. */
  maxTrackedKeys?: number;
  /** KV read cacheTtl, >= 60. */
  cacheTtlSeconds?: number;
  /** Keeps delayed writes alive in a Worker (ctx.waitUntil). */
  waitUntil?: (promise: Promise<unknown>) => void;
  timers?: Timers;
}

export declare class MemoryStore implements StoreAdapter {
  constructor(options?: MemoryStoreOptions);
  readonly name: 'memory';
  get(key: string): Promise<StoredEntry | null>;
  put(key: string, entry: StoredEntry): Promise<PutOutcome>;
  remove(key: string): Promise<boolean>;
  list(prefix?: string): Promise<StoredKey[]>;
  health(): StoreHealth;
  close(): Promise<void>;
}

export declare class IndexedDbStore implements StoreAdapter {
  constructor(options?: IndexedDbStoreOptions);
  readonly name: 'indexeddb';
  get(key: string): Promise<StoredEntry | null>;
  put(key: string, entry: StoredEntry): Promise<PutOutcome>;
  remove(key: string): Promise<boolean>;
  list(prefix?: string): Promise<StoredKey[]>;
  /** Deletes up to `maxRecords` expired records in one transaction; resolves to how many. */
  purgeExpired(maxRecords?: number): Promise<number>;
  health(): StoreHealth;
  close(): Promise<void>;
}

export declare class CacheApiStore implements StoreAdapter {
  constructor(options?: CacheApiStoreOptions);
  readonly name: 'cache-api';
  /** The synthetic URL the entry of `key` is stored under. */
  urlFor(key: string): string;
  get(key: string): Promise<StoredEntry | null>;
  put(key: string, entry: StoredEntry): Promise<PutOutcome>;
  remove(key: string): Promise<boolean>;
  list(prefix?: string): Promise<StoredKey[]>;
  health(): StoreHealth;
  close(): Promise<void>;
}

export declare const KV_MIN_TTL_SECONDS: 60;
export declare const KV_WRITE_INTERVAL_MS: 1000;

export declare class KvStore implements StoreAdapter {
  constructor(options: KvStoreOptions);
  readonly name: 'kv';
  /** expirationTtl (s) used for `expiresAt` at `nowMs`: at least 60; undefined = no expiry. */
  static expirationTtlFor(expiresAt: number, nowMs: number): number | undefined;
  get(key: string): Promise<StoredEntry | null>;
  put(key: string, entry: StoredEntry): Promise<PutOutcome>;
  remove(key: string): Promise<boolean>;
  list(prefix?: string): Promise<StoredKey[]>;
  health(): StoreHealth;
  close(): Promise<void>;
}

/** One Redis command's connection (redis-tcp.js: node-redis; redis-rest.js: Upstash REST over fetch). */
export interface RedisBackend {
  readonly mode: 'single' | 'cluster' | 'rest';
  /** One command; routed by `key` on a Cluster. Rejects with a StorageError (unavailable, timeout, backend). */
  send(args: string[], options?: { key?: string; timeoutMs?: number }): Promise<unknown>;
  /** One sender per master (SCAN runs on each). */
  nodes(): Promise<Array<{ send(args: string[], options?: { timeoutMs?: number }): Promise<unknown> }>>;
  state(): { connection: 'ready' | 'connecting' | 'down' | 'closed'; reason: string; reconnects: number; [detail: string]: unknown };
  /** TCP only: waits for the first connection attempt, at most timeoutMs; true when connected. */
  connected?(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

export interface RedisConnectionOptions {
  /** REDIS_URL: redis:// or rediss:// (one node). */
  url?: string;
  /** REDIS_PASSWORD (overrides the URL's). */
  password?: string;
  /** REDIS_CLUSTER_NODES: host:port seeds of a Cluster. */
  clusterNodes?: string[] | string;
  /** TLS to Cluster nodes. */
  tls?: boolean;
  /** REDIS_REST_URL + REDIS_REST_TOKEN: Upstash-format REST. */
  restUrl?: string;
  restToken?: string;
}

export interface RedisStoreOptions extends BaseStoreOptions, RedisConnectionOptions {
  /** A connection built by the caller (else one is made from the connection options). */
  backend?: RedisBackend;
  /** REDIS_KEY_PREFIX, default "ltl:". */
  keyPrefix?: string;
  /** GET deadline, ms (default 50). */
  readTimeoutMs?: number;
  /** SET/DEL/tag deadline, ms (default 250). */
  writeTimeoutMs?: number;
  /** Deadline of a whole list or invalidation, ms (default 2000). */
  scanTimeoutMs?: number;
  /** TCP: how long createRedisStore waits for the first connection attempt, ms (default 1000). */
  connectWaitMs?: number;
  /** Most keys one invalidation deletes (default 100000). */
  maxInvalidateKeys?: number;
  timers?: Timers;
}

export declare const DEFAULT_REDIS_KEY_PREFIX: 'ltl:';
export declare const DEFAULT_REDIS_READ_TIMEOUT_MS: 50;
export declare const DEFAULT_REDIS_WRITE_TIMEOUT_MS: 250;
export declare const DEFAULT_REDIS_SCAN_TIMEOUT_MS: 2000;

export declare class RedisStore implements StoreAdapter {
  constructor(options: RedisStoreOptions & { backend: RedisBackend });
  readonly name: 'redis';
  readonly keyPrefix: string;
  readonly backend: RedisBackend;
  recordKey(key: string): string;
  tagKey(tag: string): string;
  get(key: string): Promise<StoredEntry | null>;
  put(key: string, entry: StoredEntry): Promise<PutOutcome>;
  remove(key: string): Promise<boolean>;
  list(prefix?: string): Promise<StoredKey[]>;
  /** Deletes the records whose key matches a Redis glob (SCAN on every master); answers how many. */
  invalidateGlob(pattern: string): Promise<number>;
  /** Deletes the records written with `tag`; answers how many. */
  invalidateTag(tag: string): Promise<number>;
  /** Also `degraded` (with `reason`) while the connection is down, before any call fails. */
  health(): StoreHealth & { mode: RedisBackend['mode']; connection: ReturnType<RedisBackend['state']>; reason?: string };
  close(): Promise<void>;
}

export declare function createRedisRestBackend(options: {
  url: string;
  token: string;
  fetch?: typeof fetch;
  monotonicNow?: () => number;
  backoffMinMs?: number;
  backoffMaxMs?: number;
}): RedisBackend & { pipeline(commands: string[][], options?: { timeoutMs?: number }): Promise<Array<unknown>> };

/** A TCP backend with node-redis (Node >= 20.16, the `redis` package installed): one node (`url`) or a Cluster (`clusterNodes`). */
export declare function createRedisTcpBackend(
  options: RedisConnectionOptions & { reconnectMinMs?: number; reconnectMaxMs?: number; connectTimeoutMs?: number; commandsQueueMaxLength?: number; redis?: unknown },
): RedisBackend;

/** A RedisStore in any mode; TCP (url / clusterNodes) loads node-redis (Node only, the `redis` package). */
export declare function createRedisStore(options: RedisStoreOptions): Promise<RedisStore>;

/** The Redis options of a configuration's REDIS_* keys, or null when REDIS_ENABLED is not true. */
export declare function redisOptionsFromConfig(config: Record<string, unknown>): (RedisConnectionOptions & { keyPrefix?: string }) | null;

export type StoreKind = 'memory' | 'indexeddb' | 'cache-api' | 'kv' | 'redis';
export declare const STORE_KINDS: readonly StoreKind[];

export declare function detectStoreKind(options?: { namespace?: unknown }, host?: typeof globalThis): StoreKind;

export declare function createStore(
  kind?: StoreKind | 'auto',
  options?: (MemoryStoreOptions | IndexedDbStoreOptions | CacheApiStoreOptions | KvStoreOptions | RedisStoreOptions) & { store?: StoreAdapter },
): StoreAdapter;

/**
 * The persistent tier createClient builds for a configuration: `options.store` (an adapter, or
 * 'none'), else Redis when REDIS_ENABLED, else CACHE_PERSISTENT (auto: IndexedDB in browsers, the
 * Cache API in workerd, none in Node); null for memory only.
 */
export declare function persistentStoreFor(
  config: Record<string, unknown>,
  options?: { store?: StoreAdapter | 'none' | null; now?: () => number; kvNamespace?: unknown; waitUntil?: (promise: Promise<unknown>) => void },
): Promise<StoreAdapter | null>;

/** The host object C++ JsPersistentStore calls; answers through `complete`. */
export interface BridgeHost {
  readonly name: string;
  /** Calls started and not yet completed. */
  readonly pending: number;
  get(id: number, key: string): void;
  put(id: number, key: string, entryJson: string): void;
  remove(id: number, key: string): void;
  list(id: number, prefix: string): void;
}

export declare function bridgeStore(
  adapter: StoreAdapter,
  complete: (id: number, errorJson: string, resultJson: string) => void,
  options?: { onCompleteError?: (err: unknown) => void },
): BridgeHost;

export declare function entryFromJson(entryJson: string): StoredEntry;
export declare function entryToJson(entry: StoredEntry | null): string;
export declare function putOutcomeToJson(outcome: PutOutcome): string;
export declare function keysToJson(keys: StoredKey[]): string;
export declare function errorToJson(err: unknown, store: string, operation: string): string;

export declare const ENVELOPE_VERSION: 1;
export declare const DEFAULT_COMPRESSION_THRESHOLD_BYTES: 1024;
export declare function compressionAvailable(): boolean;
export declare class EnvelopeError extends Error {
  readonly reason: 'corrupt' | 'version';
}
export declare function encodeEntry(
  entry: StoredEntry,
  options?: { compressionThresholdBytes?: number; maxValueBytes?: number; store?: string },
): Promise<{ record: Uint8Array; rawBytes: number; payloadBytes: number; storedBytes: number; savedBytes: number; encoding: 'identity' | 'gzip'; verifyFailed: boolean }>;
export declare function decodeRecord(record: Uint8Array | ArrayBuffer): Promise<StoredEntry>;
export declare function readHeader(record: Uint8Array | ArrayBuffer): {
  record: Uint8Array;
  version: number;
  encoding: 'identity' | 'gzip';
  storedAt: number;
  freshUntil: number;
  expiresAt: number;
  tags: string[];
  rawBytes: number;
  storedBytes: number;
  payloadOffset: number;
};
