// The HTTP API's routes and their parameters, shared by every front (the edge worker, the Node
// server): one place decides what a request means, which answers may be cached under which key,
// and what a bad request is told.
import catalogue from '../../wasm/dist/catalogue.js';
import { LtlError } from '../index.js';

export const API_PREFIX = '/api/';
export const MAX_URL_LENGTH = 2048;
const MAX_PARAM_VALUE_LENGTH = 64;
const MAX_NAMED_PARAMS = 5;

export function validation(message, operation = 'route') {
  return new LtlError({ category: 'validation', severity: 'low', operation, message, http_status: 400 });
}

// Parameter parsers by the catalogue's parameter type. They return the canonical spelling:
// differently spelled requests for the same thing (`USD`, `usd`) share one cache entry.
const PARAM_PARSERS = {
  currency: (spec) => {
    const pattern = new RegExp(spec.pattern);
    return (value) => {
      const currency = spec.normalize === 'lowercase' ? value.toLowerCase() : value;
      if (!pattern.test(currency)) throw validation(`${spec.name} must be a ${spec.description}`);
      return currency;
    };
  },
  integer: (spec) => {
    const pattern = new RegExp(spec.pattern);
    return (value) => {
      const number = pattern.test(value) ? Number(value) : NaN;
      if (!(number >= spec.min && number <= spec.max)) {
        throw validation(`${spec.name} must be a whole number of ${spec.unit} from ${spec.min} to ${spec.max}`);
      }
      return number;
    };
  },
};

function parsersOf(params) {
  const parsers = {};
  for (const spec of params) {
    const make = PARAM_PARSERS[spec.type];
    if (!make) throw new Error(`catalogue parameter ${spec.name} has type ${spec.type}, which no parser reads`);
    parsers[spec.name] = { parse: make(spec) };
  }
  return parsers;
}

function defaultsOf(params) {
  return Object.fromEntries(params.filter((spec) => spec.default !== null && spec.default !== undefined).map((spec) => [spec.name, spec.default]));
}

// From the core's catalogue (wasm/dist/catalogue.js). kind: the data kind whose cache windows
// apply (tip and blocks share blocks); null for the network summary, whose freshness is that of
// its parts.
export const DATA_ROUTES = new Map(
  catalogue.routes.map((route) => [route.path, { route: route.name, kind: route.kind, params: parsersOf(route.params), defaults: defaultsOf(route.params) }]),
);

/** Route name → its data kind (null for network). */
export const ROUTE_KINDS = new Map([...DATA_ROUTES.values()].map((spec) => [spec.route, spec.kind]));

export const NETWORK_PARTS = catalogue.network_parts;

const OPERATIONAL = new Map(catalogue.operational_routes.map((route) => [route.name, route]));

// Operational routes: the deployment's internals (behind OPS_TOKEN when set, never CORS-open).
export const OPS_ROUTES = new Map(
  catalogue.operational_routes.filter((route) => route.access === 'ops').map((route) => [route.path, { op: route.op, params: parsersOf(route.params) }]),
);
export const OPS_NAMES = new Set([...OPS_ROUTES.values()].map((spec) => spec.op));

export const HEALTH_PATH = OPERATIONAL.get('health').path;
export const INVALIDATE_PATH = OPERATIONAL.get('cache/invalidate').path;

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
