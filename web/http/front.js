// The request handler every HTTP front shares (the edge worker, the Node server): URL limits,
// routes and parameters, methods, CORS, the per-client rate limit, the ops token, the admin
// invalidation route, static assets and typed errors. Where answers come from is the front's
// business: it passes a `backend` with
//   data(match, request) → Response        a data route (match from routes.matchApi)
//   health() → object                      the deployment's health (status decides 200/503)
//   ops(op, params) → object | string      metricsText → Prometheus text, the rest JSON
//   invalidate(what) → object              admin invalidation ({key}|{glob}|{tag}, purge?)
import { ADMIN_TOKEN_MIN_LENGTH, maskConfig, redactSecrets } from './config.js';
import { API_PREFIX, INVALIDATE_PATH, MAX_URL_LENGTH, OPS_ROUTES, matchApi, validation } from './routes.js';
import {
  API_METHODS,
  OPENMETRICS_TYPE,
  PROMETHEUS_TYPE,
  bearerMatches,
  errorResponse,
  finish,
  frontError,
  jsonResponse,
  preflight,
  readBody,
} from './responses.js';

const PAGE_METHODS = 'GET, HEAD';
const MAX_ADMIN_BODY_BYTES = 1024;
const MAX_INVALIDATE_PATTERN_LENGTH = 256;
const DEFAULT_RATE_LIMIT_PERIOD_SECONDS = 60;
// Requests without a client address (local tools, tests) share one rate-limit bucket.
export const ANONYMOUS_CLIENT_KEY = 'anonymous';

/**
 * @param {Request} request
 * @param {object} front
 * @param {object} front.env settings and secrets (OPS_TOKEN, ADMIN_TOKEN, *_URL, *_KEY …)
 * @param {object} front.backend see the top of this file
 * @param {Map<string, {body, type, headers?}>} front.assets static files by path
 * @param {{ limit(options: {key: string}): Promise<{success: boolean}> }} [front.rateLimiter]
 * @param {number} [front.rateLimitPeriodSeconds] the limiter's period (for Retry-After)
 * @param {(request: Request) => string} [front.keyOf] the client's rate-limit key (default clientKey)
 */
export async function handleRequest(request, front) {
  const url = new URL(request.url);
  const isHead = request.method === 'HEAD';
  let cors = false;
  let response;
  try {
    if (request.url.length > MAX_URL_LENGTH) {
      response = frontError(414, { message: `URL longer than ${MAX_URL_LENGTH} characters` });
    } else if (!url.pathname.startsWith(API_PREFIX)) {
      response = serveAsset(request, front.assets.get(url.pathname));
    } else {
      // Public API answers (errors included) are readable cross-origin; the operational and
      // admin routes never are.
      cors = !OPS_ROUTES.has(url.pathname) && url.pathname !== INVALIDATE_PATH;
      response = await serveApi(request, matchApi(url), front);
    }
  } catch (err) {
    response = errorResponse(err, (text) => redactSecrets(text, front.env));
  }
  return finish(response, { cors, isHead });
}

function serveAsset(request, asset) {
  if (!asset) return notFound();
  if (request.method !== 'GET' && request.method !== 'HEAD') return methodNotAllowed(PAGE_METHODS);
  return new Response(asset.body, { headers: { 'content-type': asset.type, 'cache-control': 'no-cache', ...asset.headers } });
}

async function serveApi(request, match, front) {
  if (!match) return notFound();
  const { env, backend } = front;
  if (match.type === 'invalidate') return adminEnabled(env) ? serveInvalidate(request, front) : notFound();
  if (request.method === 'OPTIONS') return match.type === 'ops' ? methodNotAllowed('GET, HEAD') : preflight();
  if (request.method !== 'GET' && request.method !== 'HEAD') return methodNotAllowed(match.type === 'ops' ? 'GET, HEAD' : API_METHODS);
  if (match.type === 'health') {
    const health = await backend.health();
    return jsonResponse(health.status === 'unhealthy' ? 503 : 200, redactSecrets(JSON.stringify(health), env));
  }
  const limited = await rateLimited(request, front);
  if (limited) return limited;
  if (match.type === 'data') return backend.data(match, request);
  // Operational routes.
  if (typeof env.OPS_TOKEN === 'string' && env.OPS_TOKEN !== '' && !(await bearerMatches(request.headers.get('authorization'), env.OPS_TOKEN))) {
    return frontError(401, { operation: match.op, message: 'this route needs Authorization: Bearer <OPS_TOKEN>' }, { 'www-authenticate': 'Bearer realm="bitcoin-ltl ops"' });
  }
  if (match.op === 'metricsText') {
    // OpenMetrics when the scraper asks for it (content negotiation), else Prometheus 0.0.4.
    const openmetrics = /application\/openmetrics-text/i.test(request.headers.get('accept') ?? '');
    const text = await backend.ops('metricsText', { ...match.params, format: openmetrics ? 'openmetrics' : 'prometheus' });
    return new Response(redactSecrets(text, env), {
      headers: { 'content-type': openmetrics ? OPENMETRICS_TYPE : PROMETHEUS_TYPE, 'cache-control': 'no-store', vary: 'Accept' },
    });
  }
  const value = await backend.ops(match.op, match.params);
  return jsonResponse(200, redactSecrets(JSON.stringify(match.op === 'config' ? maskConfig(value) : value), env));
}

/** The client's key for the rate limiter: CF-Connecting-IP, else the shared anonymous bucket. */
export function clientKey(request) {
  return request.headers.get('cf-connecting-ip') || ANONYMOUS_CLIENT_KEY;
}

async function rateLimited(request, { rateLimiter, rateLimitPeriodSeconds = DEFAULT_RATE_LIMIT_PERIOD_SECONDS, keyOf = clientKey }) {
  if (!rateLimiter) return null;
  const { success } = await rateLimiter.limit({ key: keyOf(request) });
  if (success) return null;
  return frontError(429, { category: 'rate_limited', operation: 'route', message: 'too many requests from this client; slow down' }, {
    'retry-after': String(rateLimitPeriodSeconds),
  });
}

function adminEnabled(env) {
  return typeof env?.ADMIN_TOKEN === 'string' && env.ADMIN_TOKEN.length >= ADMIN_TOKEN_MIN_LENGTH;
}

/** POST /api/v1/cache/invalidate: {"key"|"glob"|"tag": "…", "purge"?: true}. */
async function serveInvalidate(request, { env, backend }) {
  if (request.method !== 'POST') return methodNotAllowed('POST');
  if (!(await bearerMatches(request.headers.get('authorization'), env.ADMIN_TOKEN))) {
    return frontError(401, { operation: 'invalidate', message: 'a valid Authorization: Bearer token is required' }, {
      'www-authenticate': 'Bearer realm="bitcoin-ltl admin"',
    });
  }
  if (new URL(request.url).search !== '') throw validation('invalidate takes no query parameters; send a JSON body');
  const body = await readBody(request, MAX_ADMIN_BODY_BYTES);
  if (body === null) return frontError(413, { operation: 'invalidate', message: `body larger than ${MAX_ADMIN_BODY_BYTES} bytes` });
  const result = await backend.invalidate(parseInvalidation(body));
  return jsonResponse(200, redactSecrets(JSON.stringify(result), env));
}

export function parseInvalidation(text) {
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw validation('body must be JSON: {"key": …}, {"glob": …} or {"tag": …}', 'invalidate');
  }
  const fields = body && typeof body === 'object' && !Array.isArray(body) ? Object.keys(body).filter((name) => name !== 'purge') : [];
  if (fields.length !== 1 || !['key', 'glob', 'tag'].includes(fields[0])) {
    throw validation('body must have exactly one of key, glob or tag (and optionally "purge": true)', 'invalidate');
  }
  if (body.purge !== undefined && typeof body.purge !== 'boolean') throw validation('purge must be true or false', 'invalidate');
  const [how] = fields;
  const value = body[how];
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_INVALIDATE_PATTERN_LENGTH || /[\u0000-\u001f\u007f]/.test(value)) {
    throw validation(`${how} must be a string of 1 to ${MAX_INVALIDATE_PATTERN_LENGTH} printable characters`, 'invalidate');
  }
  return { [how]: value, purge: body.purge === true };
}

function notFound() {
  return frontError(404, { message: 'Not found' });
}

function methodNotAllowed(allow) {
  return frontError(405, { message: `Method not allowed; use ${allow}` }, { allow });
}

