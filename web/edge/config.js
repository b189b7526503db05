// The configuration keys of `createClient` (see ../index.d.ts LtlConfig), shared by the
// worker (reading its bindings) and scripts/serve.mjs (turning env vars into bindings).
export const CONFIG_KEYS = Object.freeze([
  'MEMPOOL_API_URL',
  'ESPLORA_API_URL',
  'COINGECKO_API_URL',
  'COINBASE_API_URL',
  'KRAKEN_API_URL',
  'BINANCE_API_URL',
  'FNG_API_URL',
  'BLOCKCHAIN_INFO_API_URL',
  'CACHE_ENABLED',
  'CACHE_DEFAULT_TTL',
  'CACHE_TTL_PRICE',
  'CACHE_MAX_ENTRIES',
  'CACHE_MAX_BYTES',
  'HTTP_TIMEOUT_MS',
  'SUPPORTED_CURRENCIES',
  'COINGECKO_API_KEY',
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
