// The configuration keys of `createClient` (see ../index.d.ts LtlConfig), shared by the HTTP
// fronts (reading their bindings / environment) and scripts/serve.mjs, plus the fronts' own
// settings and secrets and the masking of secret values in what a front answers.
import catalogue from '../../wasm/dist/catalogue.js';
import { LtlError } from '../index.js';

// The client's keys as the core publishes them (wasm/dist/catalogue.js, from src/config/config.cpp's table).
export const CONFIG_KEYS = Object.freeze(catalogue.config.map((key) => key.name));

/** Keys whose values (endpoints, credentials) must never appear in a response body: secrets and URLs. */
export const PRIVATE_CONFIG_KEYS = Object.freeze(catalogue.config.filter((key) => key.secret || key.type === 'url').map((key) => key.name));

/** The worker's own secret bindings (not client config): never echoed either. */
export const WORKER_SECRET_KEYS = Object.freeze(['ADMIN_TOKEN', 'OPS_TOKEN']);

/** The KV namespace binding the worker uses as its persistent tier when CACHE_PERSISTENT=kv. */
export const KV_BINDING = 'LTL_CACHE_KV';

/** A shorter ADMIN_TOKEN leaves the admin route disabled: it would be guessable. */
export const ADMIN_TOKEN_MIN_LENGTH = 16;

// Shorter fragments are not masked on their own (they would mangle unrelated text); they are
// still masked as part of the longer value they belong to.
const MIN_MASKED_LENGTH = 4;
export const REDACTED = '[redacted]';

/** Picks the known, non-empty string settings out of an env-like object. */
export function configFromEnv(env) {
  const config = {};
  for (const key of CONFIG_KEYS) {
    const value = env?.[key];
    if (typeof value === 'string' && value !== '') config[key] = value;
  }
  return config;
}

/** The worker's secret bindings that are set (for scripts/serve.mjs). */
export function workerSecretsFromEnv(env) {
  const secrets = {};
  for (const key of WORKER_SECRET_KEYS) {
    const value = env?.[key];
    if (typeof value === 'string' && value !== '') secrets[key] = value;
  }
  return secrets;
}

/**
 * Every form in which a secret binding could show up in a response: the value as set, without
 * its trailing slash, JSON- and URL-encoded; for URLs also the normalised href, the URL without
 * its credentials, and the user name and password on their own. Never a bare host name: text
 * that merely mentions a host (a data value, a pool name) is not a secret. Longest first, so a
 * whole URL is masked before its parts.
 */
export function secretFragments(env) {
  const fragments = new Set();
  const add = (text) => {
    if (typeof text !== 'string' || text.length < MIN_MASKED_LENGTH) return;
    for (const form of [text, JSON.stringify(text).slice(1, -1), safeEncode(text)]) {
      if (form && form.length >= MIN_MASKED_LENGTH) fragments.add(form);
    }
  };
  for (const key of [...PRIVATE_CONFIG_KEYS, ...WORKER_SECRET_KEYS]) {
    const value = env?.[key];
    if (typeof value !== 'string' || value === '') continue;
    add(value);
    add(value.replace(/\/+$/, ''));
    if (!key.endsWith('_URL')) continue;
    let url;
    try {
      url = new URL(value);
    } catch {
      continue; // not a URL: masked as given above
    }
    add(url.href);
    add(url.href.replace(/\/+$/, ''));
    for (const part of [url.username, url.password]) {
      add(part);
      add(safeDecode(part));
    }
    const bare = new URL(url.href);
    bare.username = '';
    bare.password = '';
    add(bare.href);
    add(bare.href.replace(/\/+$/, ''));
  }
  return [...fragments].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
}

const fragmentCache = new WeakMap();

/**
 * Masks every secret binding of `env` in `text`, and any `scheme://user:password@` credentials
 * whatever their origin. Applied to what can carry configuration (errors, health, config,
 * reports, metrics), never to data answers, which are built from parsed provider fields.
 */
export function redactSecrets(text, env) {
  let fragments = env && typeof env === 'object' ? fragmentCache.get(env) : undefined;
  if (!fragments) {
    fragments = secretFragments(env);
    if (env && typeof env === 'object') fragmentCache.set(env, fragments);
  }
  let redacted = String(text);
  for (const fragment of fragments) redacted = redacted.replaceAll(fragment, REDACTED);
  return redacted.replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/"'@<>\\]+@/gi, `$1${REDACTED}@`);
}

/** The effective config as the worker may show it: every *_URL / *_KEY value masked when set. */
export function maskConfig(config) {
  const masked = {};
  for (const [key, value] of Object.entries(config ?? {})) {
    const isPrivate = /_(URL|KEY)$/.test(key) || WORKER_SECRET_KEYS.includes(key);
    masked[key] = isPrivate && value !== '' && value !== null && value !== undefined ? REDACTED : value;
  }
  return masked;
}

function safeEncode(text) {
  try {
    return encodeURIComponent(text);
  } catch {
    return '';
  }
}

function safeDecode(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The fronts' own settings (not client config): name → [default, min, max, meaning].
 * Read from the same environment / bindings as the client's keys.
 */
export const FRONT_SETTINGS = Object.freeze({
  NEGATIVE_CACHE_MS: [5000, 0, 600_000, 'how long a request whose providers all failed is answered with that failure again (0 = off)'],
  CLIENT_RATE_LIMIT: [120, 0, 1_000_000, 'Node server: requests per client and period (0 = no limit); at the edge the rate-limit binding sets it'],
  CLIENT_RATE_LIMIT_PERIOD_S: [60, 1, 3600, 'the per-client rate limit period, seconds (sent as Retry-After with a 429)'],
  FLEET_LEASE_MS: [5000, 100, 120_000, 'Node fleet with Redis: how long one server holds a key\'s fetch lease while the others wait for its answer'],
  EDGE_COORDINATOR_TIMEOUT_MS: [8000, 100, 60_000, 'longest a front waits for the coordinator when it holds no usable copy'],
  EDGE_STALE_TIMEOUT_MS: [250, 0, 60_000, 'longest a front waits for the coordinator before answering its stale-if-error copy'],
  EDGE_KV_MIN_TTL_MS: [300_000, 60_000, 86_400_000, 'kinds with at least this TTL are written to KV (by the coordinator only)'],
  EDGE_ALARM_IDLE_MS: [600_000, 0, 86_400_000, 'the coordinator keeps waking on alarms this long after its last request (0 = never)'],
});

/** The fronts' settings from `env`, validated; a bad value is a config error naming it. */
export function frontSettings(env) {
  const settings = {};
  for (const [key, [fallback, min, max]] of Object.entries(FRONT_SETTINGS)) {
    const raw = env?.[key];
    if (raw === undefined || raw === '') {
      settings[key] = fallback;
      continue;
    }
    const value = typeof raw === 'number' ? raw : /^[0-9]{1,12}$/.test(String(raw)) ? Number(raw) : NaN;
    if (!(value >= min && value <= max)) {
      throw new LtlError({
        category: 'config',
        severity: 'critical',
        operation: 'configure',
        message: `${key}: got ${JSON.stringify(String(raw)).slice(0, 40)}; expected a whole number from ${min} to ${max}`,
        http_status: 500,
      });
    }
    settings[key] = value;
  }
  return settings;
}
