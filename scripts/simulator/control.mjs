// The /__sim/ control API: the JS API over HTTP, for tests written in other languages or processes.
import { SimulatorInputError } from './errors.mjs';

const MAX_BODY_BYTES = 64 * 1024;

function objectBody(body) {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new SimulatorInputError('body', 'expected a JSON object');
  return body;
}

// name → method → (sim, parsed body, query) → JSON result
const ENDPOINTS = {
  counts: { GET: (sim) => sim.counts() },
  'reset-counts': {
    POST: (sim) => {
      sim.resetCounts();
      return sim.counts();
    },
  },
  faults: {
    GET: (sim) => ({ faults: sim.faults() }),
    POST: (sim, body) => {
      const { route, ...fault } = objectBody(body);
      sim.setFault(route, fault);
      return { faults: sim.faults() };
    },
    DELETE: (sim, _body, query) => {
      sim.clearFaults(query.get('route') ?? undefined);
      return { faults: sim.faults() };
    },
  },
  advance: {
    POST: (sim, body) => {
      sim.advance(objectBody(body).ms);
      return sim.state();
    },
  },
  state: { GET: (sim) => sim.state() },
  routes: { GET: (sim) => sim.routes() },
};

async function readJson(req) {
  let text = '';
  for await (const chunk of req) {
    text += chunk;
    if (text.length > MAX_BODY_BYTES) throw new SimulatorInputError('body', `expected at most ${MAX_BODY_BYTES} bytes`);
  }
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new SimulatorInputError('body', 'expected valid JSON');
  }
}

function sendJson(res, status, value, headers = {}) {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(body);
}

export async function handleControl(req, res, url, sim) {
  const name = url.pathname.slice('/__sim/'.length);
  const endpoint = Object.hasOwn(ENDPOINTS, name) ? ENDPOINTS[name] : undefined;
  if (!endpoint) {
    const known = Object.keys(ENDPOINTS).map((n) => `/__sim/${n}`);
    return sendJson(res, 404, { error: `unknown control endpoint; expected one of ${known.join(', ')}` });
  }
  const methods = Object.keys(endpoint);
  if (!methods.includes(req.method)) {
    return sendJson(res, 405, { error: `method ${req.method} not allowed; expected ${methods.join(' or ')}` }, { allow: methods.join(', ') });
  }
  try {
    const body = req.method === 'POST' ? await readJson(req) : undefined;
    return sendJson(res, 200, endpoint[req.method](sim, body, url.searchParams));
  } catch (error) {
    if (!(error instanceof SimulatorInputError)) throw error;
    return sendJson(res, 400, { error: error.message, field: error.field });
  }
}
