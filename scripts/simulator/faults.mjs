import { SimulatorInputError } from './errors.mjs';
import { cloudflarePage, toResponse } from './responses.mjs';

const MALFORMED_BODY = '{"data": [1, 2, 3,, "unterminated}';
const MAX_TIMER_MS = 2 ** 31 - 1; // setTimeout's limit

const isInteger = (min, max) => (v) => Number.isInteger(v) && v >= min && v <= max;

// field → [check, what is expected]
const FIELDS = {
  ms: [isInteger(0, MAX_TIMER_MS), `an integer number of milliseconds from 0 to ${MAX_TIMER_MS}`],
  status: [isInteger(200, 599), 'an integer HTTP status from 200 to 599'],
  retryAfter: [
    (v) => isInteger(0, Number.MAX_SAFE_INTEGER)(v) || (typeof v === 'string' && !Number.isNaN(Date.parse(v))),
    'a non-negative integer (seconds) or an HTTP-date string',
  ],
  body: [(v) => v !== undefined, 'a string (sent as is) or any JSON value (serialised)'],
  contentType: [(v) => typeof v === 'string' && /^[^\r\n]+$/.test(v), 'a non-empty content-type string'],
  times: [isInteger(1, Number.MAX_SAFE_INTEGER), 'a positive integer'],
};

const KINDS = {
  latency: { required: ['ms'] },
  status: { required: ['status'], optional: ['retryAfter', 'body', 'contentType'] },
  malformed: {},
  truncated: {},
  html: { optional: ['status'], defaults: { status: 502 } },
  reset: {},
  hang: {},
  body: { required: ['body'], optional: ['status', 'contentType'], defaults: { status: 200 } },
};

// Validates a fault description and fills in defaults; throws SimulatorInputError naming the field.
export function parseFault(input) {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new SimulatorInputError('fault', 'expected an object such as { "kind": "status", "status": 429 }');
  }
  const kinds = Object.keys(KINDS);
  if (!Object.hasOwn(KINDS, input.kind)) throw new SimulatorInputError('kind', `expected one of ${kinds.join(', ')}`);
  const { required = [], optional = [], defaults = {} } = KINDS[input.kind];
  const allowed = ['kind', 'times', ...required, ...optional];
  for (const field of Object.keys(input)) {
    if (!allowed.includes(field)) {
      throw new SimulatorInputError(field, `unexpected for a "${input.kind}" fault; expected only ${allowed.join(', ')}`);
    }
  }
  for (const field of required) {
    if (input[field] === undefined) throw new SimulatorInputError(field, `expected ${FIELDS[field][1]} (required for "${input.kind}")`);
  }
  for (const field of allowed.slice(1)) {
    const [check, expected] = FIELDS[field];
    if (input[field] !== undefined && !check(input[field])) throw new SimulatorInputError(field, `expected ${expected}`);
  }
  return { ...defaults, ...input };
}

// Faults by target (route id, "<provider>.*" or "*"), each with its remaining `times`.
export class FaultTable {
  #entries = new Map();

  set(target, fault) {
    this.#entries.set(target, { fault, remaining: fault.times ?? Infinity });
  }

  clear(target) {
    if (target === undefined) this.#entries.clear();
    else this.#entries.delete(target);
  }

  // The fault for one request of routeId, if any: the route's own, then its provider's, then "*".
  take(routeId) {
    const provider = routeId.slice(0, routeId.indexOf('.'));
    for (const target of [routeId, `${provider}.*`, '*']) {
      const entry = this.#entries.get(target);
      if (!entry) continue;
      entry.remaining -= 1;
      if (entry.remaining === 0) this.#entries.delete(target);
      return entry.fault;
    }
    return undefined;
  }

  list() {
    return Object.fromEntries(
      [...this.#entries].map(([target, { fault, remaining }]) => [target, remaining === Infinity ? fault : { ...fault, times: remaining }]),
    );
  }
}

function customBody({ body, contentType }) {
  if (body === undefined) return contentType === undefined ? {} : { contentType };
  const text = typeof body === 'string';
  return {
    body: text ? body : JSON.stringify(body),
    contentType: contentType ?? (text ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8'),
  };
}

// The response a fault stands for. Connection-level kinds (latency, reset, hang) are the server's job.
// `normal` builds the response the route would have sent.
export function faultResponse(fault, { provider, t, rayId, normal }) {
  switch (fault.kind) {
    case 'status': {
      const response = toResponse({ ...provider.errorResponse(fault.status, t), status: fault.status, ...customBody(fault) });
      if (fault.retryAfter !== undefined) response.headers['retry-after'] = String(fault.retryAfter);
      return response;
    }
    case 'body':
      return toResponse({ status: fault.status, ...customBody(fault) });
    case 'malformed':
      return { ...normal(), status: 200, body: MALFORMED_BODY };
    case 'truncated': {
      const response = normal();
      const full = Buffer.from(response.body);
      return { ...response, status: 200, body: full.subarray(0, full.length >> 1) };
    }
    case 'html':
      return {
        status: fault.status,
        headers: { 'content-type': 'text/html; charset=UTF-8', 'cache-control': 'no-store', server: 'cloudflare', 'cf-ray': `${rayId}-FRA` },
        body: cloudflarePage(fault.status, provider.host, rayId),
      };
    default:
      throw new Error(`fault kind "${fault.kind}" is not a response`);
  }
}
