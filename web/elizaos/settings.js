// Reads the bitcoin-ltl configuration from an ElizaOS runtime's settings (character settings,
// secrets, runtime settings) under the same keys the client takes (README, "Configuration").

const PROVIDERS = ['MEMPOOL', 'ESPLORA', 'BLOCKCHAIN_INFO', 'COINGECKO', 'COINBASE', 'KRAKEN', 'BINANCE', 'FNG'];
const KINDS = ['PRICE', 'MARKET', 'FEES', 'MEMPOOL', 'BLOCKS', 'DIFFICULTY', 'HASHRATE', 'SENTIMENT'];
const PLAIN_KEYS = [
  'MEMPOOL_WS_URL', 'COINGECKO_API_KEY', 'PRICE_PROVIDERS', 'NETWORK_PROVIDERS', 'SUPPORTED_CURRENCIES',
  'CONSENSUS_OUTLIER_PCT', 'CACHE_ENABLED', 'CACHE_DEFAULT_TTL', 'CACHE_REFRESH_AHEAD_PCT', 'CACHE_WARM',
  'CACHE_MAX_ENTRIES', 'CACHE_MAX_BYTES', 'CACHE_MAX_ENTRY_BYTES', 'CACHE_SWEEP_INTERVAL', 'CACHE_PERSISTENT',
  'CACHE_COMPRESS_THRESHOLD', 'REDIS_ENABLED', 'HTTP_TIMEOUT_MS', 'REQUEST_DEADLINE_MS', 'RATE_LIMIT_MAX_WAIT_MS',
  'RETRY_MAX_ATTEMPTS', 'RETRY_BASE_DELAY_MS', 'RETRY_MAX_DELAY_MS', 'BREAKER_FAILURE_RATE_PCT', 'BREAKER_MIN_CALLS',
  'BREAKER_CONSECUTIVE_FAILURES', 'BREAKER_WINDOW_MS', 'BREAKER_OPEN_MS', 'BREAKER_MAX_OPEN_MS',
  'BREAKER_HALF_OPEN_PROBES', 'PERFORMANCE_ENABLED', 'PERFORMANCE_INTERVAL', 'PERFORMANCE_THRESHOLDS',
  'HEALTH_CHECK_ENABLED', 'HEALTH_CHECK_INTERVAL', 'REALTIME_ENABLED',
];

/** Every configuration key the client accepts (the test checks this against the core's own list). */
export const CONFIG_KEYS = Object.freeze([
  ...PROVIDERS.flatMap((p) => [`${p}_API_URL`, `${p}_TIMEOUT_MS`, `${p}_RATE_PER_MIN`]),
  ...KINDS.flatMap((k) => [`CACHE_TTL_${k}`, `CACHE_SWR_${k}`, `CACHE_STALE_IF_ERROR_${k}`]),
  ...PLAIN_KEYS,
]);

/** Plugin-only settings (not passed to the client). */
export const PLUGIN_KEYS = Object.freeze({ currency: 'BTC_PRICE_CURRENCY' });

// runtime.getSetting reads `secrets[key] || settings[key] || ...`, so a literal 0 or false in the
// character loses to "not set" (CACHE_DEFAULT_TTL: 0, CACHE_ENABLED: false); read those directly.
function settingOf(runtime, key) {
  const value = runtime.getSetting(key);
  if (value !== null && value !== undefined && value !== '') return value;
  const character = runtime.character ?? {};
  for (const source of [character.secrets, character.settings, character.settings?.secrets]) {
    const raw = source?.[key];
    if (raw === 0 || raw === false) return raw;
  }
  return undefined;
}

/** The client configuration found in the runtime's settings: only keys that are set. */
export function configFromRuntime(runtime) {
  const config = {};
  for (const key of CONFIG_KEYS) {
    const value = settingOf(runtime, key);
    if (value !== undefined) config[key] = value;
  }
  return config;
}

/** A plugin-only setting as a trimmed lower-case string, or `fallback`. */
export function pluginSetting(runtime, key, fallback) {
  const value = settingOf(runtime, key);
  return value === undefined ? fallback : String(value).trim().toLowerCase();
}
