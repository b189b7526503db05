// Public API of the `bitcoin-ltl` package.
import type { Topic, Update } from './realtime.js';
export type { BlockData, FeesData, MempoolData, PriceData, TopicData } from './realtime.js';

/** Configuration keys (env-style). Numbers may also be given as numeric strings (env vars are strings). */
/**
 * Configuration keys (env-style), validated as a whole by the core: an unknown key or a bad
 * value rejects createClient/updateConfig with an `LtlError` of category `config` naming the
 * key, the value and what was expected. Numbers and booleans may be strings (env vars are).
 * Every key, its default and unit are listed in the README ("Configuration") and in `catalogue.config`.
 */
export type DataKindKey = 'PRICE' | 'MARKET' | 'FEES' | 'MEMPOOL' | 'BLOCKS' | 'DIFFICULTY' | 'HASHRATE' | 'SENTIMENT';
export type ProviderKey = 'MEMPOOL' | 'ESPLORA' | 'BLOCKCHAIN_INFO' | 'COINGECKO' | 'COINBASE' | 'KRAKEN' | 'BINANCE' | 'FNG';
type Setting = string | number | boolean;
export type LtlConfig = Partial<
  Record<`${ProviderKey}_API_URL` | `${ProviderKey}_TIMEOUT_MS` | `${ProviderKey}_RATE_PER_MIN`, Setting> &
  Record<`CACHE_TTL_${DataKindKey}` | `CACHE_SWR_${DataKindKey}` | `CACHE_STALE_IF_ERROR_${DataKindKey}`, Setting> &
  Record<
    | 'COINGECKO_API_KEY' | 'CACHE_ENABLED' | 'CACHE_DEFAULT_TTL' | 'CACHE_MAX_ENTRIES' | 'CACHE_MAX_BYTES'
    | 'CACHE_MAX_ENTRY_BYTES' | 'CACHE_REFRESH_AHEAD_PCT' | 'CACHE_SWEEP_INTERVAL' | 'CACHE_PERSISTENT'
    | 'CACHE_COMPRESS_THRESHOLD' | 'CACHE_WARM' | 'REDIS_ENABLED' | 'REDIS_URL' | 'REDIS_PASSWORD' | 'REDIS_CLUSTER_NODES'
    | 'REDIS_REST_URL' | 'REDIS_REST_TOKEN' | 'REDIS_KEY_PREFIX' | 'HTTP_TIMEOUT_MS' | 'REQUEST_DEADLINE_MS' | 'RATE_LIMIT_MAX_WAIT_MS'
    | 'RETRY_MAX_ATTEMPTS' | 'RETRY_BASE_DELAY_MS' | 'RETRY_MAX_DELAY_MS' | 'BREAKER_FAILURE_RATE_PCT'
    | 'BREAKER_MIN_CALLS' | 'BREAKER_CONSECUTIVE_FAILURES' | 'BREAKER_WINDOW_MS' | 'BREAKER_OPEN_MS'
    | 'BREAKER_MAX_OPEN_MS' | 'BREAKER_HALF_OPEN_PROBES' | 'PRICE_PROVIDERS' | 'NETWORK_PROVIDERS'
    | 'SUPPORTED_CURRENCIES' | 'CONSENSUS_OUTLIER_PCT' | 'BINANCE_USDT_AS_USD' | 'PERFORMANCE_ENABLED' | 'PERFORMANCE_INTERVAL'
    | 'PERFORMANCE_THRESHOLDS' | 'HEALTH_CHECK_ENABLED' | 'HEALTH_CHECK_INTERVAL' | 'REALTIME_ENABLED' | 'MEMPOOL_WS_URL',
    Setting
  >
>;

export interface LoadOptions {
  /** A compiled module (edge runtimes import the `.wasm` as a module). */
  wasmModule?: WebAssembly.Module;
  /** The `.wasm` bytes. */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /** Where to fetch the `.wasm` from (browsers). Default: next to this package's `wasm/dist/`. */
  wasmUrl?: string | URL;
  /** The `fetch` the HTTP adapter uses where the host has no XMLHttpRequest. Default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Use the fetch()-backed XMLHttpRequest even where the host has a native one. */
  forceFetchXhr?: boolean;
  /** Wall clock in unix ms used for TTLs and ages (default `Date.now`); tests inject a manual clock. */
  now?: () => number;
  /** The persistent tier: `'none'`, or an adapter from `bitcoin-ltl/storage`. Default: REDIS_ENABLED, then CACHE_PERSISTENT. */
  store?: 'none' | StorageAdapter | null;
  /** A Workers KV namespace binding, used when CACHE_PERSISTENT is `kv`. */
  kvNamespace?: unknown;
  /** Workers: `ctx.waitUntil`, so delayed KV writes outlive the response. */
  waitUntil?: (promise: Promise<unknown>) => void;
  /** WebSocket constructor for real-time updates (Node 20 has none: pass `ws`'s). Default `globalThis.WebSocket`. */
  WebSocket?: unknown;
  /** Extra options for the real-time client (see web/realtime.d.ts). */
  realtime?: Record<string, unknown>;
  /** A fleet-wide provider budget asked before every upstream attempt (e.g. a Redis token bucket). */
  gate?: AdmissionGate;
  /** How long an `admit` may take before the attempt goes ahead anyway (default 100 ms). */
  gateTimeoutMs?: number;
}

/** What an {@link AdmissionGate} answers for one upstream attempt. */
export interface Admission {
  /** Only `false` denies: the attempt fails `rate_limited` and the route's next provider is tried. */
  allowed: boolean;
  /** When denied: ms until the budget has a token again. */
  retryAfterMs?: number;
  /** When denied: why, quoted in the error message. */
  reason?: string;
}

/**
 * A host-wide budget in front of every upstream attempt, after the process's own rate limiter.
 * Best-effort: an `admit` that throws, rejects or takes longer than `gateTimeoutMs` counts as
 * allowed (the local limiter still applies), so a down fleet store never stops the data.
 */
export interface AdmissionGate {
  /**
   * Spend one token of `provider`'s budget (the provider name, or its shared rate-limit key).
   * `ratePerMin` and `burst` are the limits configured in this process.
   */
  admit(provider: string, limit: { ratePerMin: number; burst: number }): Promise<Admission> | Admission;
  /** The provider answered with Retry-After: pause its budget for the fleet for `ms`. */
  pause?(provider: string, ms: number): unknown;
}

/** A persistent tier adapter (web/storage): IndexedDB, Cache API, KV, Redis or memory. */
export interface StorageAdapter {
  readonly name: string;
  get(key: string): Promise<unknown>;
  put(key: string, entry: unknown): Promise<{ rawBytes: number; storedBytes: number }>;
  remove(key: string): Promise<boolean>;
  list(prefix?: string): Promise<Array<{ key: string; tags: string[]; expiresAt: number }>>;
  /** Counters and status; Redis adds `reason` (why degraded), `mode` and `connection`. */
  health?(): Record<string, unknown>;
  close?(): void;
}

/** Where a value came from and how fresh it is; present on every data answer. */
export interface Provenance {
  /** Provider that answered (`coingecko`, `mempool`, ...), `consensus` for market, `mempool-websocket` when pushed. */
  source: string;
  /** The provider's own timestamp where it has one, else when we fetched it (unix ms). */
  as_of: number;
  /** When we fetched it (unix ms). */
  fetched_at: number;
  /** Now minus fetched_at (ms). */
  age_ms: number;
  /** True when served past its TTL (while revalidating, or because the origin failed). */
  stale: boolean;
  /** End of freshness (unix ms). */
  expires_at: number;
  /** Tier that answered: `origin`, `memory`, `indexeddb`, `cache-api`, `kv`. */
  cache: string;
  /** Providers tried before the one that answered, and why they failed. */
  failed: Array<{ provider: string; category: ErrorCategory; message: string; upstream_status: number }>;
  /** Why a stale value was served (the origin's error), when that is the reason. */
  stale_reason?: ReturnType<LtlError['toJSON']>['error'];
}

/**
 * What the fee rates mean (the field names are shared, the definitions are not):
 * `mempool_precise` mempool.space /v1/fees/precise and its WebSocket (decimals, can be < 1);
 * `mempool_recommended` /v1/fees/recommended (whole numbers >= 1; not read by the fees route);
 * `esplora_targets` Bitcoin Core estimates by confirmation target (1, 3, 6, 144, 1008 blocks).
 */
export type FeeDefinition = 'mempool_precise' | 'mempool_recommended' | 'esplora_targets';
export interface Fees extends Provenance {
  fee_definition: FeeDefinition;
  fastest_sat_vb: number; half_hour_sat_vb: number; hour_sat_vb: number; economy_sat_vb: number; minimum_sat_vb: number;
}
export interface Mempool extends Provenance {
  count: number; vsize_vb: number; total_fee_sat: number;
  /** [fee rate sat/vB, vsize vB] bands, highest rate first. */
  fee_histogram: Array<[number, number]>;
}
export interface Tip extends Provenance { height: number; hash: string | null }
export interface BlockSummary {
  height: number; hash: string; timestamp_ms: number; tx_count: number; size_bytes: number; weight_wu: number;
  median_fee_sat_vb: number | null; total_fees_sat: number | null; pool_name: string | null;
}
export interface Blocks extends Provenance { blocks: BlockSummary[] }
export interface Difficulty extends Provenance {
  progress_pct: number; change_pct: number; remaining_blocks: number; remaining_time_ms: number;
  estimated_retarget_ms: number; previous_retarget_pct: number; next_retarget_height: number;
  time_avg_ms: number | null; previous_retarget_time_ms: number | null;
}
export interface Hashrate extends Provenance {
  current_hashrate_hs: number;
  /** Averaging window: `1w` mempool.space (getnetworkhashps(1008)), `24h` blockchain.info. */
  hashrate_window: '1w' | '24h';
  current_difficulty: number | null;
}
export interface Sentiment extends Provenance {
  value: number; classification: string; timestamp_ms: number; time_until_update_ms: number | null;
  /** Why time_until_update_ms is null although the provider sent a value (e.g. a negative one). */
  time_until_update_error: string | null;
}
/** `global`: aggregated across exchanges (CoinGecko); `exchange:<provider>`: that venue only. */
export type VolumeScope = 'global' | `exchange:${string}`;
/** `provider`: the provider's own timestamp; `fetch`: it had none, so the time we fetched it. */
export type AsOfSource = 'provider' | 'fetch';
export interface Market extends Provenance {
  currency: string;
  /** Median of the providers that answered. */
  price: number;
  /** Spread of the agreeing providers, percent of the median. */
  spread_pct: number;
  /** Asset of the consensus price (`USD` for usd), and of each member (`USDT` for Binance's usd). */
  quote: string;
  providers: Array<{
    provider: string; price: number; quote: string; as_of: number; as_of_source: AsOfSource; deviation_pct: number; outlier: boolean;
  }>;
  outliers: string[];
  provider_count: number;
  /** From the first agreeing (non-outlier) member in the answer's own quote asset; null when none has it. */
  market_cap: number | null; volume_24h: number | null; change_24h_pct: number | null;
  market_cap_source: string | null; volume_24h_source: string | null; change_24h_pct_source: string | null;
  /** A global volume is preferred to one venue's; null with volume_24h. */
  volume_24h_scope: VolumeScope | null;
  /** as_of is the oldest provider-stamped member time (`provider`), or the oldest fetch time when no member is stamped. */
  as_of_source: AsOfSource;
  /** Members without a provider timestamp (their as_of is the fetch time). */
  unstamped_providers: string[];
}
export interface NetworkSummary {
  tip: Tip | null; fees: Fees | null; mempool: Mempool | null; difficulty: Difficulty | null; hashrate: Hashrate | null;
  halving: { blocks_to_next_halving: number; next_halving_height: number } | null;
  failed_parts: Array<{ part: string; error: ReturnType<LtlError['toJSON']>['error'] }>;
  as_of: number;
}
export type LtlEventType = keyof LtlEvents;
export type RealtimeTopic = Topic;
/** What `subscribe(topic, cb)` delivers: one shape per topic, pushed or polled (web/realtime.d.ts). */
export type RealtimeUpdate<T extends RealtimeTopic = RealtimeTopic> = Update<T>;

export interface PriceQuote extends Provenance {
  /** Price of 1 BTC in `currency`. */
  price: number;
  /** Lower-case ISO code, e.g. `usd`. */
  currency: string;
  /** Asset the price and volume are really in: `USD`, `EUR`, … or `USDT` (Binance for usd, with BINANCE_USDT_AS_USD). */
  quote: string;
  /** Market cap in `currency`, or null when the provider did not give it. */
  market_cap: number | null;
  /** 24 h trading volume in `quote`, or null. */
  volume_24h: number | null;
  /** Whose volume: `global` (CoinGecko) or `exchange:<provider>`; null with volume_24h. */
  volume_24h_scope: VolumeScope | null;
  /** 24 h change in percent, or null. */
  change_24h_pct: number | null;
  /** Change since today's UTC-midnight open in percent (Kraken), or null. */
  change_since_utc_midnight_pct: number | null;
  /** Whose clock as_of is: the provider's own timestamp, or the fetch time (`fetch`). */
  as_of_source: AsOfSource;
}

/** What each route answers: `request(route)` and the method of the same name. */
export interface RouteAnswers {
  price: PriceQuote; market: Market; network: NetworkSummary; fees: Fees; mempool: Mempool;
  tip: Tip; blocks: Blocks; difficulty: Difficulty; hashrate: Hashrate; sentiment: Sentiment;
}
export type Route = keyof RouteAnswers;

/** A threshold alert (rule format: README "Monitoring"). Times are unix ms. */
export interface Alert {
  id: string;
  /** Id of the threshold rule that raised it. */
  threshold: string;
  state: 'active' | 'resolved';
  level: 'warning' | 'critical';
  peak_level: 'warning' | 'critical';
  labels: Record<string, string>;
  /** The observed value and the limit it crossed, in the metric's unit. */
  value: number;
  limit: number;
  samples: number;
  raised_at_ms: number;
  updated_at_ms: number;
  resolved_at_ms: number | null;
  resolution: string | null;
  message: string;
}

/** Payload of each `on(type, cb)` event; every one carries its `type`. */
export interface LtlEvents {
  alert: { type: 'alert'; kind: 'raised' | 'escalated' | 'deescalated' | 'resolved'; at_ms: number; alert: Alert };
  breaker: { type: 'breaker'; provider: string; from: BreakerState; to: BreakerState; reason: string; at: number };
  health: { type: 'health'; from: HealthStatus; to: HealthStatus; health: Health };
  config: { type: 'config'; changed: string[]; version: number };
  warm: {
    type: 'warm';
    report: { requested: number; fetched: number; cached: number; failed: number; failures: Array<{ key: string; error: ReturnType<LtlError['toJSON']>['error'] }> };
  };
}
export type BreakerState = 'closed' | 'open' | 'half_open';

export type ErrorCategory =
  | 'network' | 'timeout' | 'rate_limited' | 'upstream_5xx' | 'upstream_4xx'
  | 'parse' | 'validation' | 'config' | 'storage' | 'circuit_open' | 'internal';

export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

/** A configuration key (checked against the core's catalogue by tests/js/node/catalogue.test.mjs). */
export type ConfigKey = Extract<keyof LtlConfig, string>;
/** A data kind: its own cache windows (CACHE_TTL_<KIND>, ...). */
export type DataKind = Lowercase<DataKindKey>;
export type Severity = 'low' | 'medium' | 'high' | 'critical';

/** A parameter of a route as the HTTP API takes it. */
export interface CatalogueParam {
  name: string;
  type: 'currency' | 'integer';
  /** What the value (after `normalize`) must match. */
  pattern: string;
  default: string | number | null;
  description: string;
  normalize?: 'lowercase';
  /** The value must also be one of this key's list (the core checks). */
  one_of_config_key?: ConfigKey;
  min?: number;
  max?: number;
  unit?: string;
}

/**
 * What the core publishes (the `catalogue` export, `client.describe()`): routes with their HTTP
 * paths and parameters, data kinds with their cache windows (ms) and the keys that set them,
 * configuration keys, error categories with the upstream status rule, the network summary's parts
 * and the metric families. The JS shell, the HTTP fronts and the realtime code read it.
 */
export interface Catalogue {
  routes: ReadonlyArray<{ name: Route; path: string; kind: DataKind | null; composite: boolean; params: readonly CatalogueParam[]; parts?: readonly Route[] }>;
  operational_routes: ReadonlyArray<{ name: string; path: string; op: string; method: 'GET' | 'POST'; access: 'ops' | 'admin' | 'public'; params: readonly CatalogueParam[] }>;
  kinds: ReadonlyArray<{
    name: DataKind; ttl_ms: number; swr_ms: number; stale_if_error_ms: number;
    config_keys: { ttl_ms: ConfigKey; swr_ms: ConfigKey; stale_if_error_ms: ConfigKey };
  }>;
  config: ReadonlyArray<{
    name: ConfigKey; type: 'url' | 'string' | 'integer' | 'boolean' | 'list' | 'enum' | 'json';
    /** The value a client without this key reports (secrets: '' when unset). */
    default: string | number | boolean | null;
    /** Never reported nor echoed back. */
    secret: boolean;
    /** What the core's parser accepts. */
    expected: string;
    min?: number; max?: number; unit?: string; values?: readonly string[];
  }>;
  errors: {
    categories: ReadonlyArray<{ name: ErrorCategory; severity: Severity; http_status: number; retryable: boolean }>;
    /** A non-2xx upstream status: the first rule whose [from, to] holds it, else `default`. */
    upstream_status: { rules: ReadonlyArray<{ from: number; to: number; category: ErrorCategory }>; default: ErrorCategory };
  };
  network_parts: readonly Route[];
  metrics: ReadonlyArray<{ name: string; type: 'counter' | 'gauge' | 'histogram'; help: string; unit: string; labels: ReadonlyArray<{ name: string; values: string }> }>;
}

/** The core's catalogue with the built-in cache windows (deep-frozen; generated at build time). */
export declare const catalogue: Readonly<Catalogue>;

export interface Health {
  status: HealthStatus;
  checked_at: number;
  services: Record<string, { status: HealthStatus; reason: string }>;
  /** Circuit breaker and rate limiter per provider. */
  breakers: {
    in_flight: number;
    providers: Record<string, { provider: string; breaker: { state: BreakerState; failure_rate: number; calls_in_window: number; [key: string]: unknown }; limiter?: unknown }>;
  };
  cache_tiers: Array<{ name: string; status: string; reason: string; failures: number }>;
  /** Active alerts. */
  alerts: Alert[];
  config_version: number;
}

export interface MetricSample {
  labels: Record<string, string>;
  value?: number;
  count?: number;
  sum?: number;
  p50?: number;
  p95?: number;
  p99?: number;
}

export interface MetricsSnapshot {
  taken_at: number;
  metrics: Array<{ name: string; type: 'counter' | 'gauge' | 'histogram'; help: string; unit: string; samples: MetricSample[] }>;
}

export class LtlError extends Error {
  readonly name: 'LtlError';
  readonly category: ErrorCategory;
  readonly severity: Severity;
  readonly retryable: boolean;
  /** Provider involved, or '' when none. */
  readonly provider: string;
  /** Operation that failed, e.g. `price`. */
  readonly operation: string;
  /** Upstream HTTP status, or 0 when there was none. */
  readonly upstreamStatus: number;
  /** Delay the upstream asked for (Retry-After), in ms, when it gave one. */
  readonly retryAfterMs?: number;
  /** HTTP status an HTTP front end should answer with (400 for validation, 503 for upstream failures...). */
  readonly httpStatus: number;
  toJSON(): { error: { category: ErrorCategory; severity: string; retryable: boolean; provider: string; operation: string; message: string; upstream_status: number } };
}

/** What an invalidation did. Memory entries are counted once: expired (kept for stale-if-error) or removed. */
export interface InvalidationReport {
  mode: 'expire' | 'purge';
  /** Memory entries whose freshness ended now, kept only as a stale-if-error fallback (mode 'expire'). */
  memory_expired: number;
  /** Memory entries removed: every match with purge, or ones with no stale window to keep. */
  memory_removed: number;
  persistent_removed: number;
  persistent_failed: number;
  persistent_attempted: boolean;
  persistent_error?: Record<string, unknown>;
}

export interface LtlClient {
  /** Any route with its parameters, e.g. `request('price', { currency: 'eur' })`. */
  request<R extends Route>(route: R, params?: Record<string, unknown>): Promise<RouteAnswers[R]>;
  /** The same answer as the core serialised it (JSON text of `RouteAnswers[R]`): no parse, no re-serialisation. */
  requestText(route: Route, params?: Record<string, unknown>): Promise<string>;
  /** The answer's UTF-8 bytes (a copy the caller owns), e.g. to send as an HTTP body. */
  requestBytes(route: Route, params?: Record<string, unknown>): Promise<Uint8Array>;
  /** BTC price in `currency` from the first provider of PRICE_PROVIDERS that answers. */
  price(currency?: string): Promise<PriceQuote>;
  /** Median consensus over every price provider, with the spread and the outliers named. */
  market(currency?: string): Promise<Market>;
  network(): Promise<NetworkSummary>;
  fees(): Promise<Fees>;
  mempool(): Promise<Mempool>;
  tip(): Promise<Tip>;
  blocks(): Promise<Blocks>;
  difficulty(): Promise<Difficulty>;
  hashrate(): Promise<Hashrate>;
  sentiment(): Promise<Sentiment>;
  health(): Promise<Health>;
  metrics(): Promise<MetricsSnapshot>;
  /** Prometheus text exposition 0.0.4; OpenMetrics 1.0 text with `{ format: 'openmetrics' }` (ends with `# EOF`). */
  metricsText(options?: { format?: 'prometheus' | 'openmetrics' }): Promise<string>;
  /**
   * Bounded history for charts: `{ t: unix ms[], series: { "name{labels}:stat": (number|null)[] } }`, and the
   * cache hit rate per interval (ratios 0..1, null without lookups) over all tiers and per tier, aligned with `t`.
   */
  history(): Promise<{
    t: number[];
    series: Record<string, Array<number | null>>;
    cache_hit_rate: { all: Array<number | null>; tiers: Record<string, Array<number | null>> };
  }>;
  /** Active alerts, recently resolved ones (newest first), and counts of suppressed and dropped alert events. */
  alerts(): Promise<{ active: Alert[]; recent: Alert[]; suppressed_by_cooldown: number; dropped: number }>;
  report(options?: { windowMs?: number }): Promise<Record<string, unknown>>;
  errors(): Promise<Array<Record<string, unknown>>>;
  config(): Promise<Record<string, unknown>>;
  /** The core's catalogue with this client's cache windows. */
  describe(): Promise<Catalogue>;
  updateConfig(overrides: LtlConfig): Promise<{ changed: string[]; config: Record<string, unknown> }>;
  /**
   * Invalidates every tier. By default matching memory entries expire (a failing upstream can
   * still answer them, flagged stale, within stale-if-error); `purge: true` removes them.
   * Persistent copies are removed either way.
   */
  invalidate(what: ({ key: string } | { glob: string } | { tag: string }) & { purge?: boolean }): Promise<InvalidationReport>;
  on<T extends LtlEventType>(type: T, callback: (event: LtlEvents[T]) => void): () => void;
  subscribe<T extends RealtimeTopic>(topic: T, callback: (update: RealtimeUpdate<T>) => void): () => void;
  realtimeState(): Record<string, unknown>;
  /** The memory tier as a synchronous string cache. */
  readonly cache: {
    get(key: string): string | undefined;
    has(key: string): boolean;
    /** ttlMs: milliseconds (default 30000), `Infinity` for no expiry; false when over the entry size limit. */
    set(key: string, value: string, options?: { ttlMs?: number }): boolean;
    stats(): Record<string, unknown>;
  };
  /** The persistent tier's adapter (null: memory only); its health() says why the tier is degraded. */
  readonly persistentStore: StorageAdapter | null;
  /** Releases the module; pending calls reject. */
  close(): void;
}

export function createClient(config?: LtlConfig, options?: LoadOptions): Promise<LtlClient>;

/** The C++ memory tier alone (no I/O, no timers): string values kept until `retainUntil` (unix ms). */
export interface MemoryTier {
  get(key: string): string | undefined;
  /** False when the value is too large to cache. */
  set(key: string, value: string, retainUntil: number): boolean;
  erase(key: string): boolean;
  clear(): void;
  stats(): { entries: number; bytes: number; hits: number; misses: number; sets: number; evictions: number };
  close(): void;
}

/** Loads the module and returns only its memory tier (used by the edge front worker). */
export function createMemoryTier(options?: { maxEntries?: number; maxBytes?: number } & LoadOptions): Promise<MemoryTier>;
