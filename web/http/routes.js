// The HTTP API's routes and their parameters, shared by every front (the edge worker, the Node
// server): one place decides what a request means, which answers may be cached under which key,
// and what a bad request is told.
import { LtlError } from '../index.js';

export const API_PREFIX = '/api/';
export const MAX_URL_LENGTH = 2048;
const MAX_PARAM_VALUE_LENGTH = 64;
const MAX_NAMED_PARAMS = 5;
const MAX_REPORT_WINDOW_MS = 7 * 24 * 3600 * 1000;

export function validation(message, operation = 'route') {
  return new LtlError({ category: 'validation', severity: 'low', operation, message, http_status: 400 });
}

// Parameter parsers return the canonical spelling: differently spelled requests for the same
// thing (`USD`, `usd`) share one cache entry.
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

// kind: the data kind whose cache windows apply (tip and blocks share BLOCKS, as in the core);
// null for the network summary, whose freshness is that of its parts.
export const DATA_ROUTES = new Map([
  ['/api/v1/price', { route: 'price', kind: 'PRICE', params: { currency: currencyParam }, defaults: { currency: 'usd' } }],
  ['/api/v1/market', { route: 'market', kind: 'MARKET', params: { currency: currencyParam }, defaults: { currency: 'usd' } }],
  ['/api/v1/network', { route: 'network', kind: null, params: {} }],
  ['/api/v1/fees', { route: 'fees', kind: 'FEES', params: {} }],
  ['/api/v1/mempool', { route: 'mempool', kind: 'MEMPOOL', params: {} }],
  ['/api/v1/blocks/tip', { route: 'tip', kind: 'BLOCKS', params: {} }],
  ['/api/v1/blocks', { route: 'blocks', kind: 'BLOCKS', params: {} }],
  ['/api/v1/difficulty', { route: 'difficulty', kind: 'DIFFICULTY', params: {} }],
  ['/api/v1/hashrate', { route: 'hashrate', kind: 'HASHRATE', params: {} }],
  ['/api/v1/sentiment', { route: 'sentiment', kind: 'SENTIMENT', params: {} }],
]);

/** Route name → its data kind (null for network). */
export const ROUTE_KINDS = new Map([...DATA_ROUTES.values()].map((spec) => [spec.route, spec.kind]));

export const NETWORK_PARTS = ['tip', 'fees', 'mempool', 'difficulty', 'hashrate'];

// Operational routes: the deployment's internals (behind OPS_TOKEN when set, never CORS-open).
export const OPS_ROUTES = new Map([
  ['/api/v1/metrics', { op: 'metricsText', params: {} }],
  ['/api/v1/metrics.json', { op: 'metrics', params: {} }],
  ['/api/v1/history', { op: 'history', params: {} }],
  ['/api/v1/alerts', { op: 'alerts', params: {} }],
  ['/api/v1/errors', { op: 'errors', params: {} }],
  ['/api/v1/config', { op: 'config', params: {} }],
  ['/api/v1/report', { op: 'report', params: { window_ms: windowParam } }],
]);
export const OPS_NAMES = new Set([...OPS_ROUTES.values()].map((spec) => spec.op));

export const HEALTH_PATH = '/api/v1/health';
export const INVALIDATE_PATH = '/api/v1/cache/invalidate';

/**
 * The cache key of a data request, as the core spells it (`price:usd`, `fees`): the route, then
 * its canonical parameter values in name order.
 */
export function dataKey(route, params) {
  const names = Object.keys(params).sort();
  return [route, ...names.map((name) => params[name])].join(':');
}

/**
 * What an API request asks for, validated: { type: 'data', route, kind, params, key } |
 * { type: 'ops', op, params } | { type: 'health' } | { type: 'invalidate' } | null (not an API path).
 * Throws a validation LtlError (400) for bad parameters.
 */
export function matchApi(url) {
  const data = DATA_ROUTES.get(url.pathname);
  if (data) {
    const params = { ...data.defaults, ...parseParams(url, data.params) };
    return { type: 'data', route: data.route, kind: data.kind, params, key: dataKey(data.route, params) };
  }
  const ops = OPS_ROUTES.get(url.pathname);
  if (ops) return { type: 'ops', op: ops.op, params: parseParams(url, ops.params) };
  if (url.pathname === HEALTH_PATH) return { type: 'health', params: parseParams(url, {}) };
  if (url.pathname === INVALIDATE_PATH) return { type: 'invalidate' };
  return null;
}

/**
 * Exactly the parameters a route declares, each at most once and at most
 * MAX_PARAM_VALUE_LENGTH characters; anything else is a 400 naming the offenders. Empty
 * segments (`?&currency=usd&`) are not parameters.
 */
function parseParams(url, declared) {
  const seen = new Map();
  const unknown = [];
  for (const [name, value] of url.searchParams) {
    if (name === '' && value === '') continue;
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
