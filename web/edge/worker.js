// Edge worker (workerd / Cloudflare Workers): the price API, health, metrics and the dashboard,
// all answered by one bitcoin-ltl client per isolate.
import wasmModule from '../../wasm/dist/bitcoin-ltl.wasm';
import { createClient, LtlError } from '../index.js';
import dashboardHtml from '../dashboard/index.html';
import dashboardScript from '../dashboard/dashboard.js';
import dashboardStyles from '../dashboard/dashboard.css';
import { configFromEnv, PRIVATE_CONFIG_KEYS } from './config.js';

const CURRENCY_PATTERN = /^[a-z]{3}$/;
const MAX_URL_LENGTH = 2048;
const DEFAULT_RETRY_AFTER_SECONDS = 5;
const API_PREFIX = '/api/';
const API_METHODS = 'GET, HEAD, OPTIONS';
const PAGE_METHODS = 'GET, HEAD';

const JSON_TYPE = 'application/json; charset=utf-8';
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

const ROUTES = new Map([
  ['/api/v1/price', servePrice],
  ['/api/v1/health', serveHealth],
  ['/api/v1/metrics.json', serveMetrics],
  ['/', () => serveAsset(dashboardHtml, 'text/html; charset=utf-8', { 'content-security-policy': DASHBOARD_CSP })],
  ['/dashboard.js', () => serveAsset(dashboardScript, 'text/javascript; charset=utf-8')],
  ['/dashboard.css', () => serveAsset(dashboardStyles, 'text/css; charset=utf-8')],
]);

let clientPromise;

/** The isolate's client, created on first use; a failed creation is retried by the next request. */
function getClient(env) {
  clientPromise ??= createClient(configFromEnv(env), { wasmModule }).catch((err) => {
    clientPromise = undefined;
    throw err;
  });
  return clientPromise;
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const isApi = url.pathname.startsWith(API_PREFIX);
    let response;
    try {
      response = await route(request, url, isApi, env);
    } catch (err) {
      response = errorResponse(err, env);
    }
    return finish(response, { isApi, isHead: request.method === 'HEAD' });
  },
};

async function route(request, url, isApi, env) {
  if (request.url.length > MAX_URL_LENGTH) {
    return workerError(414, { operation: 'route', message: `URL longer than ${MAX_URL_LENGTH} characters` });
  }
  if (isApi && request.method === 'OPTIONS') return preflight(request);
  const handler = ROUTES.get(url.pathname);
  if (!handler) return workerError(404, { operation: 'route', message: 'Not found' });
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    const allow = isApi ? API_METHODS : PAGE_METHODS;
    return workerError(405, { operation: 'route', message: `Method not allowed; use ${allow}` }, { allow });
  }
  return handler(url, env);
}

async function servePrice(url, env) {
  const currency = (url.searchParams.get('currency') ?? 'usd').toLowerCase();
  if (!CURRENCY_PATTERN.test(currency)) {
    return workerError(400, { operation: 'price', message: 'currency must be a three-letter ISO 4217 code such as usd' });
  }
  const quote = await (await getClient(env)).price(currency);
  const maxAge = Math.max(0, Math.floor((quote.expires_at - Date.now()) / 1000));
  return clientResponse(200, quote, env, { 'cache-control': `public, max-age=${maxAge}` });
}

async function serveHealth(url, env) {
  const health = await (await getClient(env)).health();
  return clientResponse(health.status === 'unhealthy' ? 503 : 200, health, env);
}

async function serveMetrics(url, env) {
  return clientResponse(200, await (await getClient(env)).metrics(), env);
}

function serveAsset(body, contentType, extraHeaders = {}) {
  return new Response(body, {
    headers: { 'content-type': contentType, 'cache-control': 'no-cache', ...extraHeaders },
  });
}

function preflight(request) {
  return new Response(null, {
    status: 204,
    headers: {
      'access-control-allow-methods': API_METHODS,
      'access-control-allow-headers': request.headers.get('access-control-request-headers') ?? '',
      'access-control-max-age': '86400',
    },
  });
}

function errorResponse(err, env) {
  if (!(err instanceof LtlError)) {
    console.error('bitcoin-ltl worker: unexpected error', err);
    return workerError(500, { category: 'internal', operation: 'route', message: 'Internal error' });
  }
  const status = err.httpStatus >= 400 && err.httpStatus <= 599 ? err.httpStatus : 500;
  const headers = {};
  if (err.retryable && (status === 429 || status === 503)) headers['retry-after'] = String(retryAfterSeconds(err));
  return clientResponse(status, err.toJSON(), env, headers);
}

/** The core's hint (rate-limit reset, breaker cool-down) when it gave one, else a short default. */
function retryAfterSeconds(err) {
  const hintMs = Number(err.retryAfterMs);
  return Number.isFinite(hintMs) && hintMs > 0 ? Math.ceil(hintMs / 1000) : DEFAULT_RETRY_AFTER_SECONDS;
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

/** JSON from the client, with configured endpoints and keys masked as a last line of defence. */
function clientResponse(status, value, env, headers = {}) {
  return jsonResponse(status, redactPrivateConfig(JSON.stringify(value), env), headers);
}

function jsonResponse(status, body, headers) {
  return new Response(body, {
    status,
    headers: { 'content-type': JSON_TYPE, 'cache-control': 'no-store', ...headers },
  });
}

function redactPrivateConfig(text, env) {
  let redacted = text;
  for (const key of PRIVATE_CONFIG_KEYS) {
    // Match the value as it appears inside a JSON string, without a trailing slash.
    const value = typeof env?.[key] === 'string' ? JSON.stringify(env[key].replace(/\/+$/, '')).slice(1, -1) : '';
    if (value.length >= 4) redacted = redacted.replaceAll(value, '[redacted]');
  }
  return redacted;
}

/** Headers every response carries; HEAD gets the same status and headers without a body. */
function finish(response, { isApi, isHead }) {
  const headers = new Headers(response.headers);
  headers.set('x-content-type-options', 'nosniff');
  if (isApi) {
    headers.set('access-control-allow-origin', '*');
    headers.set('access-control-expose-headers', 'retry-after');
  }
  return new Response(isHead ? null : response.body, { status: response.status, headers });
}
