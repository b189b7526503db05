// Public API of the `bitcoin-ltl` package.

/** Configuration keys (env-style). Numbers may also be given as numeric strings (env vars are strings). */
/**
 * Configuration keys (env-style), validated as a whole by the core: an unknown key or a bad
 * value rejects createClient/updateConfig with an `LtlError` of category `config` naming the
 * key, the value and what was expected. Numbers and booleans may be strings (env vars are).
 * Every key, its default and unit are listed in the README ("Configuration").
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
    | 'CACHE_COMPRESS_THRESHOLD' | 'CACHE_WARM' | 'REDIS_ENABLED' | 'HTTP_TIMEOUT_MS' | 'REQUEST_DEADLINE_MS' | 'RATE_LIMIT_MAX_WAIT_MS'
    | 'RETRY_MAX_ATTEMPTS' | 'RETRY_BASE_DELAY_MS' | 'RETRY_MAX_DELAY_MS' | 'BREAKER_FAILURE_RATE_PCT'
    | 'BREAKER_MIN_CALLS' | 'BREAKER_CONSECUTIVE_FAILURES' | 'BREAKER_WINDOW_MS' | 'BREAKER_OPEN_MS'
    | 'BREAKER_MAX_OPEN_MS' | 'BREAKER_HALF_OPEN_PROBES' | 'PRICE_PROVIDERS' | 'NETWORK_PROVIDERS'
    | 'SUPPORTED_CURRENCIES' | 'CONSENSUS_OUTLIER_PCT' | 'PERFORMANCE_ENABLED' | 'PERFORMANCE_INTERVAL'
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
  /** The persistent tier: `'none'`, or an adapter from `bitcoin-ltl/storage`. Default: CACHE_PERSISTENT. */
  store?: 'none' | StorageAdapter | null;
  /** A Workers KV namespace binding, used when CACHE_PERSISTENT is `kv`. */
  kvNamespace?: unknown;
  /** Workers: `ctx.waitUntil`, so delayed KV writes outlive the response. */
  waitUntil?: (promise: Promise<unknown>) => void;
  /** WebSocket constructor for real-time updates (Node 20 has none: pass `ws`'s). Default `globalThis.WebSocket`. */
  WebSocket?: unknown;
  /** Extra options for the real-time client (see web/realtime.d.ts). */
  realtime?: Record<string, unknown>;
}

/** A persistent tier adapter (web/storage): IndexedDB, Cache API, KV or memory. */
export interface StorageAdapter {
  readonly name: string;
  get(key: string): Promise<unknown>;
  put(key: string, entry: unknown): Promise<{ rawBytes: number; storedBytes: number }>;
  remove(key: string): Promise<boolean>;
  list(prefix?: string): Promise<Array<{ key: string; tags: string[]; expiresAt: number }>>;
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

export interface Fees extends Provenance {
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
export interface Hashrate extends Provenance { current_hashrate_hs: number; current_difficulty: number | null }
export interface Sentiment extends Provenance {
  value: number; classification: string; timestamp_ms: number; time_until_update_ms: number | null;
}
export interface Market extends Provenance {
  currency: string;
  /** Median of the providers that answered. */
  price: number;
  /** Spread of the agreeing providers, percent of the median. */
  spread_pct: number;
  providers: Array<{ provider: string; price: number; as_of: number; deviation_pct: number; outlier: boolean }>;
  outliers: string[];
  provider_count: number;
  market_cap: number | null; volume_24h: number | null; change_24h_pct: number | null;
}
export interface NetworkSummary {
  tip: Tip | null; fees: Fees | null; mempool: Mempool | null; difficulty: Difficulty | null; hashrate: Hashrate | null;
  halving: { blocks_to_next_halving: number; next_halving_height: number } | null;
  failed_parts: Array<{ part: string; error: ReturnType<LtlError['toJSON']>['error'] }>;
  as_of: number;
}
export type LtlEventType = 'alert' | 'breaker' | 'health' | 'config' | 'warm';
export type RealtimeTopic = 'blocks' | 'fees' | 'mempool' | 'price';

export interface PriceQuote {
  /** Price of 1 BTC in `currency`. */
  price: number;
  /** Lower-case ISO code, e.g. `usd`. */
  currency: string;
  /** Market cap in `currency`, or null when the provider did not give it. */
  market_cap: number | null;
  /** 24 h trading volume in `currency`, or null. */
  volume_24h: number | null;
  /** 24 h change in percent, or null. */
  change_24h_pct: number | null;
  /** Change since today's UTC-midnight open in percent (Kraken), or null. */
  change_since_utc_midnight_pct: number | null;
  /** Provider that produced the value, e.g. `coingecko`. */
  source: string;
  /** When the provider last updated the value (unix ms). */
  as_of: number;
  /** Age of the value now (ms), measured from when it was fetched. */
  age_ms: number;
  /** True when served past its TTL. */
  stale: boolean;
  /** When the cached copy expires (unix ms). */
  expires_at: number;
}

export type ErrorCategory =
  | 'network' | 'timeout' | 'rate_limited' | 'upstream_5xx' | 'upstream_4xx'
  | 'parse' | 'validation' | 'config' | 'storage' | 'circuit_open' | 'internal';

export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

export interface Health {
  status: HealthStatus;
  checked_at: number;
  services: Record<string, { status: HealthStatus; reason: string }>;
  /** Circuit breaker and rate limiter per provider. */
  breakers: {
    in_flight: number;
    providers: Record<string, { provider: string; breaker: { state: 'closed' | 'open' | 'half_open'; failure_rate: number; calls_in_window: number; [key: string]: unknown }; limiter?: unknown }>;
  };
  cache_tiers: Array<{ name: string; status: string; reason: string; failures: number }>;
  alerts: unknown[];
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
  readonly severity: 'low' | 'medium' | 'high' | 'critical';
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

export interface LtlClient {
  request(route: string, params?: Record<string, unknown>): Promise<Record<string, unknown>>;
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
  /** Bounded history for charts: `{ t: unix ms[], series: { "name{labels}:stat": (number|null)[] } }`. */
  history(): Promise<{ t: number[]; series: Record<string, Array<number | null>> }>;
  alerts(): Promise<{ active: unknown[]; recent: unknown[] }>;
  report(options?: { windowMs?: number }): Promise<Record<string, unknown>>;
  errors(): Promise<Array<Record<string, unknown>>>;
  config(): Promise<Record<string, unknown>>;
  updateConfig(overrides: LtlConfig): Promise<{ changed: string[]; config: Record<string, unknown> }>;
  invalidate(what: { key: string } | { glob: string } | { tag: string }): Promise<{ memory_removed: number; persistent_removed: number }>;
  on(type: LtlEventType, callback: (event: Record<string, unknown> & { type: LtlEventType }) => void): () => void;
  subscribe(topic: RealtimeTopic, callback: (update: { topic: RealtimeTopic; data: unknown; source: 'websocket' | 'polling'; receivedAt: number }) => void): () => void;
  realtimeState(): Record<string, unknown>;
  /** The memory tier as a synchronous string cache. */
  readonly cache: {
    get(key: string): string | undefined;
    has(key: string): boolean;
    /** ttlMs: milliseconds (default 30000), `Infinity` for no expiry; false when over the entry size limit. */
    set(key: string, value: string, options?: { ttlMs?: number }): boolean;
    stats(): Record<string, unknown>;
  };
  /** Releases the module; pending calls reject. */
  close(): void;
}

export function createClient(config?: LtlConfig, options?: LoadOptions): Promise<LtlClient>;
