// Edge worker (workerd / Cloudflare Workers): the bitcoin-ltl HTTP API, health, metrics and the
// dashboard, all answered by one bitcoin-ltl client per isolate.
//
// Routes (GET and HEAD; OPTIONS is a CORS preflight; every answer is JSON unless noted):
//   /api/v1/price?currency=usd     /api/v1/market?currency=usd    /api/v1/network
//   /api/v1/fees   /api/v1/mempool   /api/v1/blocks/tip   /api/v1/blocks   /api/v1/difficulty
//   /api/v1/hashrate   /api/v1/sentiment
//       data answers: Cache-Control `public, max-age=<seconds still fresh>` plus the data kind's
//       stale-while-revalidate / stale-if-error windows; `no-store` when the answer is stale.
//   /api/v1/health        200 healthy/degraded, 503 unhealthy
//   /api/v1/metrics       Prometheus text 0.0.4          /api/v1/metrics.json
//   /api/v1/history   /api/v1/alerts   /api/v1/report?window_ms=   /api/v1/errors   /api/v1/config
//   /  /dashboard.js  /dashboard.css  /assets/uplot.js  /assets/uplot.css   (static assets)
//
// Admin: POST /api/v1/cache/invalidate with a JSON body {"key": "price:usd"} or {"glob": "price:*"}
// or {"tag": "price"} (exactly one) invalidates every cache tier. The route exists only when the
// ADMIN_TOKEN binding is set (at least ADMIN_TOKEN_MIN_LENGTH characters; store it as a secret);
// otherwise it answers 404 like any unknown path. Requests need `Authorization: Bearer <token>`,
// compared in constant time; a missing or wrong token gets 401. It carries no CORS headers, so
// browsers cannot call it from other origins.
//
// Security: query parameters are validated strictly (unknown or repeated names, over-long values
// → 400); nothing from the request is ever used as a URL to fetch; every body passes through
// redactSecrets, so configured endpoints, API keys and the admin token never leave the worker.
//
// Workerd cancels a request's timers and I/O once its response is sent and nothing holds it
// open with ctx.waitUntil. The client's background work (stale-while-revalidate refreshes,
// retries, writes to the Cache API or KV, the core's periodic tasks) outlives responses, so the
// worker tracks it (see `activity` below) and keeps each request alive until it settles.
import wasmModule from '../../wasm/dist/bitcoin-ltl.wasm';
import { createClient, LtlError } from '../index.js';
import { CacheApiStore, KvStore } from '../storage/index.js';
import dashboardHtml from '../dashboard/index.html';
import dashboardScript from '../dashboard/dashboard.js';
import dashboardStyles from '../dashboard/dashboard.css';
import uplotScript from '../../node_modules/uplot/dist/uPlot.iife.min.js';
import uplotStyles from '../../node_modules/uplot/dist/uPlot.min.css';
import {
  ADMIN_TOKEN_MIN_LENGTH,
  KV_BINDING,
  configFromEnv,
  maskConfig,
  redactSecrets,
} from './config.js';

const MAX_URL_LENGTH = 2048;
const MAX_PARAM_VALUE_LENGTH = 64;
const MAX_NAMED_PARAMS = 5;
const MAX_ADMIN_BODY_BYTES = 1024;
const MAX_INVALIDATE_PATTERN_LENGTH = 256;
const MAX_REPORT_WINDOW_MS = 7 * 24 * 3600 * 1000;
const DEFAULT_RETRY_AFTER_SECONDS = 5;
const API_PREFIX = '/api/';
const API_METHODS = 'GET, HEAD, OPTIONS';
const PAGE_METHODS = 'GET, HEAD';
const ADMIN_METHODS = 'POST';

const JSON_TYPE = 'application/json; charset=utf-8';
const PROMETHEUS_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
const OPENMETRICS_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

// --- background activity ------------------------------------------------------------------------

// How long a request is held open after its response at most (workerd allows 30 s of waitUntil).
const HOLD_LIMIT_MS = 25_000;
// Timers due this soon are waited for (retry back-off, rate-limit waits); later ones (the core's
// periodic sweep, health and sampling intervals) run at the first request after they are due.
const HOLD_TIMER_WITHIN_MS = 1500;
// A timer this late never fired: the request that armed it had ended. Whoever notices runs it.
const LATE_TIMER_MS = 50;

/**
 * Keeps the isolate's background work alive across requests. Every upstream fetch and storage
 * call the client makes is tracked, and setTimeout/clearTimeout are replaced for the isolate
 * (the WASM module calls the global ones) by timers that survive the request that armed them:
 * each request re-arms the pending ones in its own context and runs those already due, and
 * after its response it waits (ctx.waitUntil) for tracked I/O and for timers due soon.
 */
const activity = (() => {
  const realSetTimeout = globalThis.setTimeout.bind(globalThis);
  const realClearTimeout = globalThis.clearTimeout.bind(globalThis);
  const io = new Set();
  const timers = new Map(); // id → {due, fn, args}
  let lastId = 0;

  function runTimer(id) {
    const timer = timers.get(id);
    if (!timer) return; // cleared, or already run by another of its handles
    timers.delete(id);
    try {
      timer.fn(...timer.args);
    } catch (err) {
      console.error('bitcoin-ltl worker: timer callback failed', err);
    }
  }

  function setTimeoutTracked(fn, ms = 0, ...args) {
    if (typeof fn !== 'function') return realSetTimeout(fn, ms, ...args);
    const delay = Math.max(0, Number(ms) || 0);
    const id = ++lastId;
    timers.set(id, { due: Date.now() + delay, fn, args });
    realSetTimeout(() => runTimer(id), delay);
    return id;
  }

  function clearTimeoutTracked(id) {
    // Our handles stay armed and find nothing to run; foreign ids go to the host.
    if (!timers.delete(id)) realClearTimeout(id);
  }

  /** Runs timers that are due and gives the others a handle in the current request. */
  function resume() {
    const now = Date.now();
    const due = [...timers].filter(([, timer]) => timer.due <= now).sort((a, b) => a[1].due - b[1].due);
    for (const [id, timer] of timers) {
      if (timer.due > now) realSetTimeout(() => runTimer(id), timer.due - now);
    }
    for (const [id] of due) runTimer(id);
  }

  function runLateTimers() {
    const now = Date.now();
    for (const [id, timer] of [...timers]) if (timer.due + LATE_TIMER_MS <= now) runTimer(id);
  }

  function track(promise) {
    io.add(promise);
    const forget = () => io.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  const sleep = (ms) => new Promise((resolve) => realSetTimeout(resolve, ms));

  /**
   * Settles when no tracked I/O is pending and no timer is due soon (or after HOLD_LIMIT_MS).
   * Quiet must be seen twice, a macrotask apart: what a finished fetch or store call sets off
   * (parsing, caching, the next call) runs in microtasks, and may start more work.
   */
  async function settled() {
    const started = Date.now();
    let quietBefore = false;
    for (;;) {
      runLateTimers();
      const now = Date.now();
      let soonest = Infinity;
      for (const timer of timers.values()) {
        if (timer.due <= now + HOLD_TIMER_WITHIN_MS) soonest = Math.min(soonest, timer.due);
      }
      if (now - started >= HOLD_LIMIT_MS) return;
      if (io.size === 0 && soonest === Infinity) {
        if (quietBefore) return;
        quietBefore = true;
        await sleep(0);
        continue;
      }
      quietBefore = false;
      const waitMs = Math.min(Math.max(soonest - now + LATE_TIMER_MS, 1), HOLD_TIMER_WITHIN_MS);
      const pending = [...io].map((promise) => promise.catch(() => {}));
      await Promise.race([sleep(waitMs), ...(pending.length ? [Promise.all(pending)] : [])]);
    }
  }

  return { setTimeout: setTimeoutTracked, clearTimeout: clearTimeoutTracked, resume, track, settled };
})();

globalThis.setTimeout = activity.setTimeout;
globalThis.clearTimeout = activity.clearTimeout;

/**
 * fetch for the client's HTTP adapter (web/xhr-fetch.js): the body is read inside the tracked
 * promise, and the answer reads it back without further I/O, so a request held open until this
 * settles never cuts a response off half-read.
 */
function fetchForClient(input, init) {
  return activity.track(
    (async () => {
      const response = await fetch(input, init);
      const body = await response.arrayBuffer();
      return {
        status: response.status,
        statusText: response.statusText,
        ok: response.ok,
        url: response.url,
        headers: response.headers,
        arrayBuffer: async () => body,
        text: async () => new TextDecoder().decode(body),
      };
    })(),
  );
}

const STORE_OPERATIONS = new Set(['get', 'put', 'remove', 'list']);

/** The adapter with every operation tracked (private fields need the real `this`). */
function trackedStore(adapter) {
  return new Proxy(adapter, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (!STORE_OPERATIONS.has(property)) return value.bind(target);
      return (...args) => {
        const result = value.apply(target, args);
        return result && typeof result.then === 'function' ? activity.track(Promise.resolve(result)) : result;
      };
    },
  });
}

/**
 * The persistent tier: the Cache API (caches.default) by default, the KV namespace bound as
 * LTL_CACHE_KV with CACHE_PERSISTENT=kv, nothing with "none". Other values go to createClient,
 * whose validation names the key and the choices.
 */
function persistentStore(env, config) {
  const kind = config.CACHE_PERSISTENT ?? 'auto';
  if (kind === 'none') return 'none';
  const adapterOptions = {
    compressionThresholdBytes: config.CACHE_COMPRESS_THRESHOLD !== undefined ? Number(config.CACHE_COMPRESS_THRESHOLD) : undefined,
  };
  if (kind === 'kv') {
    const namespace = env?.[KV_BINDING];
    if (!namespace || typeof namespace.get !== 'function' || typeof namespace.list !== 'function') {
      throw new LtlError({
        category: 'config',
        severity: 'critical',
        operation: 'configure',
        message: `CACHE_PERSISTENT: got "kv"; expected a KV namespace binding named ${KV_BINDING}`,
        http_status: 500,
      });
    }
    return trackedStore(new KvStore({ ...adapterOptions, namespace, waitUntil: activity.track }));
  }
  if (kind === 'auto' || kind === 'cache-api') {
    if (!globalThis.caches?.default) return 'none';
    return trackedStore(new CacheApiStore({ ...adapterOptions, cache: globalThis.caches.default }));
  }
  return undefined;
}

// --- the client -----------------------------------------------------------------------------------

let clientPromise;
let windowsPromise;

/** The isolate's client, created on first use; a failed creation is retried by the next request. */
function getClient(env) {
  clientPromise ??= (async () => {
    const config = configFromEnv(env);
    const store = persistentStore(env, config);
    const client = await createClient(config, { wasmModule, fetch: fetchForClient, ...(store !== undefined ? { store } : {}) });
    client.on('config', () => {
      windowsPromise = undefined; // cache windows may have changed
    });
    return client;
  })().catch((err) => {
    clientPromise = undefined;
    throw err;
  });
  return clientPromise;
}

/** Per data kind: the stale-while-revalidate and stale-if-error windows (ms) from the config. */
function cacheWindows(client) {
  windowsPromise ??= client.config().then(
    (config) => (kind) => ({
      swrMs: Number(config[`CACHE_SWR_${kind}`]) || 0,
      staleIfErrorMs: Number(config[`CACHE_STALE_IF_ERROR_${kind}`]) || 0,
    }),
    (err) => {
      windowsPromise = undefined;
      throw err;
    },
  );
  return windowsPromise;
}

// --- routes ---------------------------------------------------------------------------------------

const currencyParam = {
  parse(value) {
    const currency = value.toLowerCase();
    if (!/^[a-z]{3}$/.test(currency)) throw validation('currency must be a three-letter ISO 4217 code such as usd');
    return currency;
  },
};

const windowParam = {
  parse(value) {
    const windowMs = /^[0-9]{1,10}$/.test(value) ? Number(value) : NaN;
    if (!(windowMs >= 1 && windowMs <= MAX_REPORT_WINDOW_MS)) {
      throw validation(`window_ms must be a whole number of milliseconds from 1 to ${MAX_REPORT_WINDOW_MS}`);
    }
    return windowMs;
  },
};

// kind: the data kind whose cache windows apply (tip and blocks share BLOCKS, as in the core).
const DATA_ROUTES = [
  ['/api/v1/price', { route: 'price', kind: 'PRICE', params: { currency: currencyParam } }],
  ['/api/v1/market', { route: 'market', kind: 'MARKET', params: { currency: currencyParam } }],
  ['/api/v1/network', { route: 'network', kind: null, params: {} }],
  ['/api/v1/fees', { route: 'fees', kind: 'FEES', params: {} }],
  ['/api/v1/mempool', { route: 'mempool', kind: 'MEMPOOL', params: {} }],
  ['/api/v1/blocks/tip', { route: 'tip', kind: 'BLOCKS', params: {} }],
  ['/api/v1/blocks', { route: 'blocks', kind: 'BLOCKS', params: {} }],
  ['/api/v1/difficulty', { route: 'difficulty', kind: 'DIFFICULTY', params: {} }],
  ['/api/v1/hashrate', { route: 'hashrate', kind: 'HASHRATE', params: {} }],
  ['/api/v1/sentiment', { route: 'sentiment', kind: 'SENTIMENT', params: {} }],
];

const NETWORK_PARTS = ['tip', 'fees', 'mempool', 'difficulty', 'hashrate'];

const API_ROUTES = new Map([
  ...DATA_ROUTES.map(([path, spec]) => [path, { params: spec.params, handle: (ctx) => serveData(spec, ctx) }]),
  ['/api/v1/health', { params: {}, handle: serveHealth }],
  ['/api/v1/metrics', { params: {}, handle: serveMetricsText }],
  ['/api/v1/metrics.json', { params: {}, handle: async ({ client, env }) => clientJson(200, await client.metrics(), env) }],
  ['/api/v1/history', { params: {}, handle: async ({ client, env }) => clientJson(200, await client.history(), env) }],
  ['/api/v1/alerts', { params: {}, handle: async ({ client, env }) => clientJson(200, await client.alerts(), env) }],
  ['/api/v1/errors', { params: {}, handle: async ({ client, env }) => clientJson(200, await client.errors(), env) }],
  ['/api/v1/config', { params: {}, handle: async ({ client, env }) => clientJson(200, maskConfig(await client.config()), env) }],
  [
    '/api/v1/report',
    {
      params: { window_ms: windowParam },
      handle: async ({ client, env, params }) =>
        clientJson(200, await client.report(params.window_ms !== undefined ? { windowMs: params.window_ms } : {}), env),
    },
  ],
]);

const ADMIN_ROUTES = new Map([['/api/v1/cache/invalidate', serveInvalidate]]);

const ASSETS = new Map([
  ['/', { body: dashboardHtml, type: 'text/html; charset=utf-8', headers: { 'content-security-policy': DASHBOARD_CSP } }],
  ['/dashboard.js', { body: dashboardScript, type: 'text/javascript; charset=utf-8' }],
  ['/dashboard.css', { body: dashboardStyles, type: 'text/css; charset=utf-8' }],
  ['/assets/uplot.js', { body: uplotScript, type: 'text/javascript; charset=utf-8' }],
  ['/assets/uplot.css', { body: uplotStyles, type: 'text/css; charset=utf-8' }],
]);

export default {
  async fetch(request, env, ctx) {
    activity.resume();
    const url = new URL(request.url);
    const isApi = url.pathname.startsWith(API_PREFIX);
    let response;
    try {
      response = await route(request, url, env);
    } catch (err) {
      response = errorResponse(err, env);
    }
    ctx?.waitUntil?.(activity.settled());
    return finish(response, { cors: isApi && !ADMIN_ROUTES.has(url.pathname), isHead: request.method === 'HEAD' });
  },
};

async function route(request, url, env) {
  if (request.url.length > MAX_URL_LENGTH) {
    return workerError(414, { operation: 'route', message: `URL longer than ${MAX_URL_LENGTH} characters` });
  }
  const admin = ADMIN_ROUTES.get(url.pathname);
  if (admin) return adminEnabled(env) ? admin(request, url, env) : notFound();

  const api = API_ROUTES.get(url.pathname);
  const asset = ASSETS.get(url.pathname);
  if (!api && !asset) return notFound();
  if (api && request.method === 'OPTIONS') return preflight();
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    const allow = api ? API_METHODS : PAGE_METHODS;
    return workerError(405, { operation: 'route', message: `Method not allowed; use ${allow}` }, { allow });
  }
  if (asset) return serveAsset(asset);
  const params = parseParams(url, api.params);
  const client = await getClient(env);
  return api.handle({ client, env, params, url, request });
}

/**
 * Exactly the parameters a route declares, each at most once and at most
 * MAX_PARAM_VALUE_LENGTH characters; anything else is a 400 naming the offenders.
 */
function parseParams(url, declared) {
  const seen = new Map();
  const unknown = [];
  for (const [name, value] of url.searchParams) {
    if (!Object.hasOwn(declared, name)) {
      unknown.push(name);
      continue;
    }
    if (seen.has(name)) throw validation(`${name} given more than once; give it once`);
    if (value.length > MAX_PARAM_VALUE_LENGTH) throw validation(`${name} longer than ${MAX_PARAM_VALUE_LENGTH} characters`);
    seen.set(name, value);
  }
  if (unknown.length > 0) {
    const takes = Object.keys(declared);
    throw validation(
      `unknown query parameter${unknown.length > 1 ? 's' : ''} ${describeNames(unknown)}; ` +
        `${url.pathname} takes ${takes.length ? takes.join(', ') : 'none'}`,
    );
  }
  const params = {};
  for (const [name, value] of seen) params[name] = declared[name].parse(value);
  return params;
}

/** Names as they can be shown back: plain identifiers verbatim, anything else described. */
function describeNames(names) {
  const shown = [...new Set(names)].slice(0, MAX_NAMED_PARAMS).map((name) => (/^[A-Za-z0-9_.-]{1,40}$/.test(name) ? `"${name}"` : '(a name with unusual characters)'));
  const more = new Set(names).size - shown.length;
  return shown.join(', ') + (more > 0 ? ` and ${more} more` : '');
}

async function serveData(spec, { client, env, params }) {
  const answer = await client.request(spec.route, params);
  const windows = spec.kind ? (await cacheWindows(client))(spec.kind) : null;
  return clientJson(200, answer, env, { 'cache-control': dataCacheControl(spec, answer, windows) });
}

/**
 * `public, max-age=<whole seconds still fresh>` (+ the kind's SWR / stale-if-error windows, which
 * in the core also start when the value stops being fresh); `no-store` for stale answers, and for
 * a network summary with a missing or stale part.
 */
function dataCacheControl(spec, answer, windows) {
  let freshUntil;
  if (spec.route === 'network') {
    if ((answer.failed_parts ?? []).length > 0) return 'no-store';
    for (const part of NETWORK_PARTS) {
      const value = answer[part];
      if (!value || value.stale) return 'no-store';
      freshUntil = Math.min(freshUntil ?? Infinity, Number(value.expires_at));
    }
  } else {
    if (answer.stale) return 'no-store';
    freshUntil = Number(answer.expires_at);
  }
  if (!Number.isFinite(freshUntil)) return 'no-store';
  const directives = ['public', `max-age=${Math.max(0, Math.floor((freshUntil - Date.now()) / 1000))}`];
  if (windows?.swrMs >= 1000) directives.push(`stale-while-revalidate=${Math.floor(windows.swrMs / 1000)}`);
  if (windows?.staleIfErrorMs >= 1000) directives.push(`stale-if-error=${Math.floor(windows.staleIfErrorMs / 1000)}`);
  return directives.join(', ');
}

async function serveHealth({ client, env }) {
  const health = await client.health();
  return clientJson(health.status === 'unhealthy' ? 503 : 200, health, env);
}

// OpenMetrics only when the scraper asks for it (Prometheus does when configured to); else 0.0.4.
function wantsOpenMetrics(request) {
  return /(^|,)\s*application\/openmetrics-text\s*(;|,|$)/i.test(request?.headers.get('accept') ?? '');
}

async function serveMetricsText({ client, env, request }) {
  const openmetrics = wantsOpenMetrics(request);
  const text = await client.metricsText({ format: openmetrics ? 'openmetrics' : 'prometheus' });
  return new Response(redactSecrets(text, env), {
    headers: { 'content-type': openmetrics ? OPENMETRICS_TYPE : PROMETHEUS_TYPE, 'cache-control': 'no-store', vary: 'Accept' },
  });
}

function adminEnabled(env) {
  return typeof env?.ADMIN_TOKEN === 'string' && env.ADMIN_TOKEN.length >= ADMIN_TOKEN_MIN_LENGTH;
}

/** POST /api/v1/cache/invalidate (see the top of this file). */
async function serveInvalidate(request, url, env) {
  if (request.method !== 'POST') {
    return workerError(405, { operation: 'invalidate', message: `Method not allowed; use ${ADMIN_METHODS}` }, { allow: ADMIN_METHODS });
  }
  if (!(await bearerMatches(request.headers.get('authorization'), env.ADMIN_TOKEN))) {
    return workerError(401, { operation: 'invalidate', message: 'a valid Authorization: Bearer token is required' }, {
      'www-authenticate': 'Bearer realm="bitcoin-ltl admin"',
    });
  }
  if (url.search !== '') throw validation('invalidate takes no query parameters; send a JSON body');
  const body = await readBody(request, MAX_ADMIN_BODY_BYTES);
  if (body === null) {
    return workerError(413, { operation: 'invalidate', message: `body larger than ${MAX_ADMIN_BODY_BYTES} bytes` });
  }
  const what = parseInvalidation(body);
  const client = await getClient(env);
  return clientJson(200, await client.invalidate(what), env);
}

function parseInvalidation(text) {
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw validation('body must be JSON: {"key": …}, {"glob": …} or {"tag": …}');
  }
  const fields = body && typeof body === 'object' && !Array.isArray(body) ? Object.keys(body) : [];
  if (fields.length !== 1 || !['key', 'glob', 'tag'].includes(fields[0])) {
    throw validation('body must have exactly one of key, glob or tag');
  }
  const [how] = fields;
  const value = body[how];
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_INVALIDATE_PATTERN_LENGTH || /[\u0000-\u001f\u007f]/.test(value)) {
    throw validation(`${how} must be a string of 1 to ${MAX_INVALIDATE_PATTERN_LENGTH} printable characters`);
  }
  return { [how]: value };
}

/** The body as text, or null when it exceeds `limit` bytes (read no further than that). */
async function readBody(request, limit) {
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) return null;
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

/** Constant-time: both sides are hashed first, so neither length nor content leaks through timing. */
async function bearerMatches(header, token) {
  const presented = /^Bearer[ ]+([\x21-\x7e]+)[ ]*$/i.exec(header ?? '')?.[1] ?? '';
  const encoder = new TextEncoder();
  const [a, b] = await Promise.all([
    crypto.subtle.digest('SHA-256', encoder.encode(presented)),
    crypto.subtle.digest('SHA-256', encoder.encode(token)),
  ]);
  if (typeof crypto.subtle.timingSafeEqual === 'function') return crypto.subtle.timingSafeEqual(a, b) && presented !== '';
  const x = new Uint8Array(a);
  const y = new Uint8Array(b);
  let difference = 0;
  for (let i = 0; i < x.length; i++) difference |= x[i] ^ y[i];
  return difference === 0 && presented !== '';
}

function serveAsset({ body, type, headers = {} }) {
  return new Response(body, { headers: { 'content-type': type, 'cache-control': 'no-cache', ...headers } });
}

function preflight() {
  return new Response(null, {
    status: 204,
    headers: {
      'access-control-allow-methods': API_METHODS,
      'access-control-allow-headers': 'accept, content-type',
      'access-control-max-age': '86400',
    },
  });
}

// --- errors and responses -------------------------------------------------------------------------

function validation(message) {
  return new LtlError({ category: 'validation', severity: 'low', operation: 'route', message, http_status: 400 });
}

function notFound() {
  return workerError(404, { operation: 'route', message: 'Not found' });
}

function errorResponse(err, env) {
  if (!(err instanceof LtlError)) {
    console.error('bitcoin-ltl worker: unexpected error', err);
    return workerError(500, { category: 'internal', operation: 'route', message: 'Internal error' });
  }
  const status = err.httpStatus >= 400 && err.httpStatus <= 599 ? err.httpStatus : 500;
  const headers = {};
  const hintMs = Number(err.retryAfterMs);
  if (Number.isFinite(hintMs) && hintMs > 0) {
    headers['retry-after'] = String(Math.ceil(hintMs / 1000));
  } else if (err.retryable && (status === 429 || status === 503)) {
    headers['retry-after'] = String(DEFAULT_RETRY_AFTER_SECONDS);
  }
  return clientJson(status, err.toJSON(), env, headers);
}

/** An error raised by the worker itself, in the same shape as LtlError#toJSON(). */
function workerError(status, { category = 'validation', operation, message }, headers = {}) {
  const error = {
    category,
    severity: status >= 500 ? 'high' : 'low',
    retryable: false,
    provider: '',
    operation,
    message,
    upstream_status: 0,
  };
  return jsonResponse(status, JSON.stringify({ error }), headers);
}

/** JSON from the client, with configured endpoints, keys and the admin token masked. */
function clientJson(status, value, env, headers = {}) {
  return jsonResponse(status, redactSecrets(JSON.stringify(value), env), headers);
}

function jsonResponse(status, body, headers) {
  return new Response(body, {
    status,
    headers: { 'content-type': JSON_TYPE, 'cache-control': 'no-store', ...headers },
  });
}

/** Headers every response carries; HEAD gets the same status and headers without a body. */
function finish(response, { cors, isHead }) {
  const headers = new Headers(response.headers);
  headers.set('x-content-type-options', 'nosniff');
  if (cors) {
    headers.set('access-control-allow-origin', '*');
    headers.set('access-control-expose-headers', 'retry-after');
  }
  return new Response(isHead ? null : response.body, { status: response.status, headers });
}
