// The configuration keys of `createClient` (see ../index.d.ts LtlConfig), shared by the
// worker (reading its bindings) and scripts/serve.mjs (turning env vars into bindings).
const DATA_KINDS = ['PRICE', 'MARKET', 'FEES', 'MEMPOOL', 'BLOCKS', 'DIFFICULTY', 'HASHRATE', 'SENTIMENT'];
const PROVIDERS = ['MEMPOOL', 'ESPLORA', 'BLOCKCHAIN_INFO', 'COINGECKO', 'COINBASE', 'KRAKEN', 'BINANCE', 'FNG'];

export const CONFIG_KEYS = Object.freeze([
  ...PROVIDERS.map((provider) => `${provider}_API_URL`),
  'COINGECKO_API_KEY',
  'CACHE_ENABLED',
  'CACHE_DEFAULT_TTL',
  ...['CACHE_TTL_', 'CACHE_SWR_', 'CACHE_STALE_IF_ERROR_'].flatMap((prefix) => DATA_KINDS.map((kind) => prefix + kind)),
  'CACHE_MAX_ENTRIES',
  'CACHE_MAX_BYTES',
  'CACHE_MAX_ENTRY_BYTES',
  'CACHE_REFRESH_AHEAD_PCT',
  'CACHE_SWEEP_INTERVAL',
  'CACHE_PERSISTENT',
  'CACHE_COMPRESS_THRESHOLD',
  'CACHE_WARM',
  'REDIS_ENABLED',
  'HTTP_TIMEOUT_MS',
  ...PROVIDERS.flatMap((provider) => [`${provider}_TIMEOUT_MS`, `${provider}_RATE_PER_MIN`]),
  'REQUEST_DEADLINE_MS',
  'RETRY_MAX_ATTEMPTS',
  'RETRY_BASE_DELAY_MS',
  'RETRY_MAX_DELAY_MS',
  'BREAKER_FAILURE_RATE_PCT',
  'BREAKER_MIN_CALLS',
  'BREAKER_CONSECUTIVE_FAILURES',
  'BREAKER_WINDOW_MS',
  'BREAKER_OPEN_MS',
  'BREAKER_MAX_OPEN_MS',
  'BREAKER_HALF_OPEN_PROBES',
  'PRICE_PROVIDERS',
  'NETWORK_PROVIDERS',
  'SUPPORTED_CURRENCIES',
  'CONSENSUS_OUTLIER_PCT',
  'PERFORMANCE_ENABLED',
  'PERFORMANCE_INTERVAL',
  'PERFORMANCE_THRESHOLDS',
  'HEALTH_CHECK_ENABLED',
  'HEALTH_CHECK_INTERVAL',
  'REALTIME_ENABLED',
  'MEMPOOL_WS_URL',
]);

/** Keys whose values (endpoints, credentials) must never appear in a response body. */
export const PRIVATE_CONFIG_KEYS = Object.freeze(CONFIG_KEYS.filter((key) => /_(URL|KEY)$/.test(key)));

/** Picks the known, non-empty string settings out of an env-like object. */
export function configFromEnv(env) {
  const config = {};
  for (const key of CONFIG_KEYS) {
    const value = env?.[key];
    if (typeof value === 'string' && value !== '') config[key] = value;
  }
  return config;
}
