// Edge front worker (workerd / Cloudflare Workers): the bitcoin-ltl HTTP API and dashboard.
//
//   client ─► front worker ─► its memory tier (C++ MemoryCache in WASM: finished answers only)
//                          ─► Cache API of its location ─► KV (optional, written by the coordinator)
//                          ─► coordinator Durable Object (coordinator.js) ─► providers
//
// Each request owns its I/O: the isolate keeps values (answer documents, counters), never a
// promise, fetch, timer or storage call another request could wait on. A miss asks the
// coordinator with a deadline; a copy within its stale-while-revalidate window is answered at
// once and refreshed by this request's own ctx.waitUntil; when the coordinator fails or is late,
// a copy within stale-if-error is answered flagged stale, else a typed 503 with Retry-After.
// Without the LTL_COORDINATOR binding the worker runs in single-isolate mode: each miss runs a
// short-lived core inside its own request (no cross-request coalescing, budgets or breakers).
//
// Routes, parameters, headers, the ops token and the rate limit are the shared HTTP layer's
// (../http/front.js); this file decides where answers come from.
import wasmModule from '../../wasm/dist/bitcoin-ltl.wasm';
import { createClient, createMemoryTier, LtlError } from '../index.js';
import { handleRequest } from '../http/front.js';
import { AnswerSource, clientOp, errorDocument } from '../http/documents.js';
import { documentResponse } from '../http/responses.js';
import { configFromEnv, frontSettings, KV_BINDING, redactSecrets } from '../http/config.js';
import { DATA_ROUTES, dataKey } from '../http/routes.js';
import { ASSETS } from './assets.js';
import { COORDINATOR_NAME } from './coordinator.js';
import { frontState, recordAnswer, recordCoordinatorCall, withFrontMetrics } from './front-metrics.js';

export { LtlCoordinator } from './coordinator.js';

const COORDINATOR_BINDING = 'LTL_COORDINATOR';
const RATE_LIMIT_BINDING = 'LTL_RATE_LIMITER';
const CACHE_API_BASE = 'https://bitcoin-ltl-front.invalid/v1/';
const NEGATIVE_PREFIX = '!failed:';
const CACHE_API_PROBE_EVERY = 100;
const FRONT_TIER_MAX_ENTRIES = 500;
const FRONT_TIER_MAX_BYTES = 4 << 20;
// A short-lived core (single-isolate mode) does no periodic work.
const ONE_SHOT_CONFIG = { PERFORMANCE_ENABLED: 'false', HEALTH_CHECK_ENABLED: 'false', REALTIME_ENABLED: 'false', CACHE_WARM: '' };

// Isolate state: values only.
let tier = null; // the memory tier, once one request has created it
let cacheApi = { status: 'unknown', reason: 'no put yet' }; // whether Cache API puts stick here
let cachePuts = 0;

export default {
  async fetch(request, env, ctx) {
    let settings;
    try {
      settings = settingsOf(env);
    } catch (err) {
      return handleRequest(request, { env, assets: ASSETS, backend: failingBackend(err) });
    }
    const origin = env[COORDINATOR_BINDING] ? coordinatorOrigin(env) : localOrigin(env, settings);
    const backend = {
      data: (match, req) => serveData(match, req, { env, ctx, settings, origin }),
      health: async () => ({ ...(await origin.health()), front: frontState({ mode: origin.mode, cacheApi, tier }) }),
      ops: async (op, params) => {
        const value = await origin.ops(op, params);
        return op === 'metricsText' ? withFrontMetrics(value, params.format) : value;
      },
      invalidate: async (what) => {
        const result = await origin.invalidate(what);
        // The effective currencies are the core's (its config), not a copy kept here.
        const currencies = typeof what.key === 'string' ? [] : String((await origin.ops('config', {})).SUPPORTED_CURRENCIES).split(',');
        await forgetLocally(what, currencies);
        return result;
      },
    };
    return handleRequest(request, { env, backend, assets: ASSETS, rateLimiter: env[RATE_LIMIT_BINDING], rateLimitPeriodSeconds: settings.CLIENT_RATE_LIMIT_PERIOD_S });
  },
};

// The fronts' settings per env object (values, validated once; a bad value throws every time).
const settingsByEnv = new WeakMap();
function settingsOf(env) {
  let settings = settingsByEnv.get(env);
  if (!settings) {
    settings = frontSettings(env);
    settingsByEnv.set(env, settings);
  }
  return settings;
}

function failingBackend(err) {
  const fail = async () => {
    throw err;
  };
  return { data: fail, health: fail, ops: fail, invalidate: fail };
}

// --- where answers come from -------------------------------------------------------------------

/** The coordinator Durable Object (a stub per request: nothing of it outlives the request). */
function coordinatorOrigin(env) {
  const namespace = env[COORDINATOR_BINDING];
  const stub = () => namespace.get(namespace.idFromName(COORDINATOR_NAME));
  return {
    mode: 'coordinator',
    document: (match) => stub().document(match.route, match.params, match.key),
    health: () => stub().health(),
    ops: (op, params) => stub().ops(op, params),
    invalidate: (what) => stub().invalidate(what),
  };
}

/** Single-isolate mode: a core created and closed inside the calling request. */
function localOrigin(env, settings) {
  const config = configFromEnv(env);
  const withClient = async (use) => {
    const client = await createClient({ ...config, ...ONE_SHOT_CONFIG }, { wasmModule, store: 'none' });
    try {
      return await use(client);
    } finally {
      client.close();
    }
  };
  return {
    mode: 'single-isolate',
    document: (match) =>
      withClient((client) => new AnswerSource(client, { negativeCacheMs: settings.NEGATIVE_CACHE_MS }).document(match.route, match.params, match.key)),
    health: () => withClient((client) => client.health()),
    ops: (op, params) => withClient((client) => clientOp(client, op, params)),
    invalidate: async () => ({ memory: 0, note: 'single-isolate mode: only this isolate\'s copies were dropped' }),
  };
}

// --- the data path -----------------------------------------------------------------------------

async function serveData(match, request, { env, ctx, settings, origin }) {
  const redact = (text) => redactSecrets(text, env); // error bodies may name configured endpoints
  const memory = tier ?? (await memoryTier());
  const now = Date.now();
  const { key } = match;
  // A fresh copy in memory is answered without waiting on anything.
  const inMemory = readMemory(memory, key);
  if (inMemory && inMemory.fresh_until > now) return answer(request, inMemory, now, 'memory');
  const { doc, from } = inMemory ? { doc: inMemory, from: 'memory' } : await readStores(memory, key, env);
  if (doc && doc.fresh_until > now) return answer(request, doc, now, from);
  const failure = readMemory(memory, NEGATIVE_PREFIX + key);

  const hasSwr = doc && doc.swr_until > now;
  const hasFallback = doc && doc.sie_until > now;
  if (failure && failure.fresh_until > now) {
    recordAnswer('negative');
    if (hasFallback) return stale(request, doc, now, errorOf(failure.body), redact);
    return documentResponse(request, failure, now, { redact, extra: { 'x-ltl-cache': 'negative' } });
  }
  const call = askOrigin(origin, match);
  const remember = call.then((result) => {
    if (result.doc) keep(memory, key, result.doc, ctx);
    return result;
  });
  if (hasSwr) {
    ctx.waitUntil(remember); // refreshed by this request, after its answer
    return stale(request, doc, now, null, redact);
  }
  const deadline = hasFallback ? settings.EDGE_STALE_TIMEOUT_MS : settings.EDGE_COORDINATOR_TIMEOUT_MS;
  const result = await withDeadline(remember, deadline);
  if (result === undefined) {
    ctx.waitUntil(remember); // the answer still lands in this location's caches
    recordCoordinatorCall('timeout');
    if (hasFallback) return stale(request, doc, Date.now(), coordinatorTimeout(deadline).toJSON().error, redact);
    return documentResponse(request, errorDocument(coordinatorTimeout(deadline), Date.now()), Date.now(), { redact });
  }
  if (result.doc && result.doc.status === 200) return answer(request, result.doc, Date.now(), 'origin');
  if (hasFallback) return stale(request, doc, Date.now(), result.reason, redact);
  return documentResponse(request, result.doc ?? errorDocument(result.error, Date.now()), Date.now(), { redact });
}

/** The origin's document for a match: { doc } or { error, reason }; never rejects. */
async function askOrigin(origin, match) {
  const started = performance.now();
  try {
    const doc = await origin.document(match);
    recordCoordinatorCall(doc.status === 200 ? 'ok' : 'error', performance.now() - started);
    return { doc, reason: doc.status === 200 ? null : errorOf(doc.body) };
  } catch (err) {
    recordCoordinatorCall('error', performance.now() - started);
    const error = new LtlError({ category: 'network', severity: 'high', retryable: true, operation: 'coordinator', message: 'the coordinator could not be reached', http_status: 503 });
    return { error, reason: error.toJSON().error, cause: err };
  }
}

function coordinatorTimeout(deadline) {
  return new LtlError({ category: 'timeout', severity: 'high', retryable: true, operation: 'coordinator', message: `no answer from the coordinator within ${deadline} ms`, http_status: 503, retry_after_ms: 5000 });
}

function answer(request, doc, now, from) {
  recordAnswer(from);
  return documentResponse(request, doc, now, { extra: { 'x-ltl-cache': from } });
}

/** A copy past its freshness, flagged stale; `reason` is the typed error (as JSON) that made it so. */
function stale(request, doc, now, reason, redact) {
  recordAnswer('stale');
  const staleReason = reason ? JSON.parse(redact(JSON.stringify(reason))) : null;
  return documentResponse(request, doc, now, { stale: true, staleReason, extra: { 'x-ltl-cache': 'stale' } });
}

/** Settles with the promise's value, or undefined after `ms`; the timer is this request's own. */
function withDeadline(promise, ms) {
  let timer;
  const expired = new Promise((resolve) => {
    timer = setTimeout(resolve, ms, undefined);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

// The typed error of a failed document's body (as the core's stale answers carry it).
function errorOf(body) {
  try {
    const error = JSON.parse(body).error;
    if (error && typeof error === 'object') return error;
  } catch {
    // fall through
  }
  return { category: 'internal', severity: 'high', retryable: true, provider: '', operation: 'coordinator', message: 'upstream failure', upstream_status: 0 };
}

// --- this location's copies ----------------------------------------------------------------------

/** The isolate's memory tier; a request that finds none creates one (values, never promises). */
async function memoryTier() {
  if (tier) return tier;
  const created = await createMemoryTier({ wasmModule, maxEntries: FRONT_TIER_MAX_ENTRIES, maxBytes: FRONT_TIER_MAX_BYTES });
  if (tier) {
    created.close(); // another request finished first
    return tier;
  }
  tier = created;
  return tier;
}

// A document in the memory tier: its metadata as JSON, a newline, then the body as it is sent
// (JSON text never holds a raw newline), so a hit parses ~200 bytes of metadata, not the body.
function readMemory(memory, key) {
  const text = memory.get(key);
  if (text === undefined) return null;
  const split = text.indexOf('\n');
  const doc = JSON.parse(text.slice(0, split));
  doc.body = text.slice(split + 1);
  return doc;
}

function writeMemory(memory, key, doc, retainUntil) {
  const { body, ...meta } = doc;
  return memory.set(key, `${JSON.stringify(meta)}\n${body}`, retainUntil);
}

/** The best copy this location's shared stores have: the Cache API, then KV (if bound). */
async function readStores(memory, key, env) {
  const cached = await globalThis.caches?.default?.match(CACHE_API_BASE + encodeURIComponent(key));
  if (cached) {
    const doc = await cached.json();
    writeMemory(memory, key, doc, retention(doc));
    return { doc, from: 'cache-api' };
  }
  const kv = env[KV_BINDING];
  if (kv && typeof kv.get === 'function') {
    const doc = await kv.get(key, 'json');
    if (doc) {
      writeMemory(memory, key, doc, retention(doc));
      return { doc, from: 'kv' };
    }
  }
  return { doc: null, from: null };
}

function retention(doc) {
  return Math.max(doc.fresh_until, doc.sie_until, doc.swr_until);
}

/**
 * Keeps an answer from the origin: good ones in memory and the Cache API (until the end of their
 * stale-if-error window), remembered failures in memory only and under their own key, so they
 * never displace a good copy.
 */
function keep(memory, key, doc, ctx) {
  if (doc.status !== 200) {
    if (doc.negative && doc.fresh_until > Date.now()) writeMemory(memory, NEGATIVE_PREFIX + key, doc, doc.fresh_until);
    return;
  }
  // Stale or partial answers are never served from a copy; a good one that arrived late still
  // serves as the stale-if-error copy.
  if (!(doc.fresh_until > 0) || !(retention(doc) > Date.now())) return;
  memory.erase(NEGATIVE_PREFIX + key);
  writeMemory(memory, key, doc, retention(doc));
  const cache = globalThis.caches?.default;
  if (cache) ctx.waitUntil(putCacheApi(cache, key, doc));
}

async function putCacheApi(cache, key, doc) {
  const url = CACHE_API_BASE + encodeURIComponent(key);
  const maxAge = Math.max(1, Math.ceil((retention(doc) - Date.now()) / 1000));
  try {
    await cache.put(url, new Response(JSON.stringify(doc), { headers: { 'content-type': 'application/json', 'cache-control': `max-age=${maxAge}` } }));
    // Puts do nothing on some hosts (*.workers.dev): health says so instead of assuming. Checked
    // on the first put of the isolate and every CACHE_API_PROBE_EVERY-th after it.
    if (cachePuts++ % CACHE_API_PROBE_EVERY !== 0) return;
    const stuck = await cache.match(url);
    await stuck?.body?.cancel();
    cacheApi = stuck
      ? { status: 'healthy', reason: null }
      : { status: 'degraded', reason: 'Cache API puts do not stick here (e.g. on *.workers.dev); answers come from memory and the coordinator' };
  } catch (err) {
    cacheApi = { status: 'degraded', reason: `Cache API put failed: ${String(err?.message ?? err).slice(0, 120)}` };
  }
}

/**
 * After an invalidation: this isolate's memory and this location's Cache API copies. The Cache API
 * cannot be listed, but the keys a front can hold are few and known (every route, price and market
 * per supported currency), so a glob or tag is matched against all of them.
 */
async function forgetLocally(what, currencies) {
  const keys = typeof what.key === 'string' ? [what.key] : candidateKeys(currencies).filter((key) => invalidates(what, key));
  const cache = globalThis.caches?.default;
  const now = Date.now();
  for (const key of keys) {
    tier?.erase(NEGATIVE_PREFIX + key);
    const url = CACHE_API_BASE + encodeURIComponent(key);
    // Without purge, a copy stops being fresh but stays the stale-if-error fallback (as in the core).
    const copy = what.purge ? null : (tier && readMemory(tier, key)) ?? (await (await cache?.match(url))?.json());
    tier?.erase(key);
    await cache?.delete(url);
    if (copy && copy.status === 200 && copy.sie_until > now) {
      const expired = { ...copy, fresh_until: Math.min(copy.fresh_until, now - 1), swr_until: Math.min(copy.swr_until, now - 1) };
      if (tier) writeMemory(tier, key, expired, expired.sie_until);
      if (cache) await putCacheApi(cache, key, expired);
    }
  }
}

function candidateKeys(currencies) {
  const keys = [];
  for (const spec of DATA_ROUTES.values()) {
    if (spec.params.currency) keys.push(...currencies.map((currency) => dataKey(spec.route, { currency: currency.trim().toLowerCase() })));
    else keys.push(spec.route);
  }
  return keys;
}

// Tags are route names (as in the core); globs know * and ? only.
function invalidates(what, key) {
  if (typeof what.tag === 'string') return key.split(':')[0] === what.tag;
  const pattern = new RegExp(`^${what.glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return pattern.test(key);
}
