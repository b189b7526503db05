// Public API of the `bitcoin-ltl` package.

/** Configuration keys (env-style). Numbers may also be given as numeric strings (env vars are strings). */
export interface LtlConfig {
  /** Default `https://mempool.space/api`. */
  MEMPOOL_API_URL?: string;
  /** Default `https://blockstream.info/api`. */
  ESPLORA_API_URL?: string;
  /** Default `https://api.coingecko.com/api/v3`. */
  COINGECKO_API_URL?: string;
  /** Default `https://api.coinbase.com/v2`. */
  COINBASE_API_URL?: string;
  /** Default `https://api.kraken.com/0/public`. */
  KRAKEN_API_URL?: string;
  /** Default `https://api.binance.com/api/v3`. */
  BINANCE_API_URL?: string;
  /** Default `https://api.alternative.me`. */
  FNG_API_URL?: string;
  /** Default `https://api.blockchain.info`. */
  BLOCKCHAIN_INFO_API_URL?: string;
  /** Memory cache on/off. Default true. */
  CACHE_ENABLED?: boolean | string;
  /** Default TTL in milliseconds for cached values. Default 30000. */
  CACHE_DEFAULT_TTL?: number | string;
  /** TTL in milliseconds for prices. Default: CACHE_DEFAULT_TTL. */
  CACHE_TTL_PRICE?: number | string;
  /** Memory cache capacity in entries. Default 1000. */
  CACHE_MAX_ENTRIES?: number | string;
  /** Memory cache capacity in bytes (keys + values + overhead). Default 8 MiB. */
  CACHE_MAX_BYTES?: number | string;
  /** Timeout of each upstream request in milliseconds. Default 10000. */
  HTTP_TIMEOUT_MS?: number | string;
  /** Fiat currencies accepted by price(); comma-separated. Default `usd,eur,gbp,jpy,cad,chf,aud`. */
  SUPPORTED_CURRENCIES?: string;
  /** Optional CoinGecko demo key, sent as `x-cg-demo-api-key`. Never appears in health or metrics. */
  COINGECKO_API_KEY?: string;
}

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
}

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
  /** BTC price in a fiat currency (default `usd`). Rejects with LtlError. */
  price(currency?: string): Promise<PriceQuote>;
  health(): Promise<Health>;
  metrics(): Promise<MetricsSnapshot>;
  /** Releases timers and the module instance. */
  close(): void;
}

export function createClient(config?: LtlConfig, options?: LoadOptions): Promise<LtlClient>;
