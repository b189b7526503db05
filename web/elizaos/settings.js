// Reads the bitcoin-ltl configuration from an ElizaOS runtime's settings (character settings,
// secrets, runtime settings) under the same keys the client takes (README, "Configuration").

/** Every configuration key the client accepts: the core's catalogue, through the HTTP fronts' list (not a copy). */
export { CONFIG_KEYS } from '../http/config.js';
import { CONFIG_KEYS } from '../http/config.js';

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
