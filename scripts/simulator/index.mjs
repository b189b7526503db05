// Upstream simulator: one HTTP server that imitates every provider bitcoin-ltl talks to, with
// deterministic moving data, injectable faults and request counters.
import http from 'node:http';
import net from 'node:net';
import { handleControl } from './control.mjs';
import { SimulatorInputError } from './errors.mjs';
import { FaultTable, faultResponse, parseFault } from './faults.mjs';
import { DEFAULT_START_MS, Model } from './model.mjs';
import { httpDate, toResponse } from './responses.mjs';
import { baseUrls, isFaultTarget, matchRequest, routeTable } from './routes.mjs';
import { attachWebSocket } from './websocket.mjs';

export { SimulatorInputError };

const NOT_FOUND = { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'Not Found' };

function checkOptions({ port, host, seed, clock, startTimeMs, cors }) {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new SimulatorInputError('port', 'expected an integer from 0 to 65535');
  if (typeof host !== 'string' || host === '') throw new SimulatorInputError('host', 'expected a non-empty host name or IP address');
  if (!Number.isSafeInteger(seed)) throw new SimulatorInputError('seed', 'expected a safe integer');
  if (clock !== 'real' && clock !== 'manual') throw new SimulatorInputError('clock', 'expected "real" or "manual"');
  if (!Number.isSafeInteger(startTimeMs)) throw new SimulatorInputError('startTimeMs', 'expected an integer unix time in milliseconds');
  if (typeof cors !== 'boolean') throw new SimulatorInputError('cors', 'expected true (CORS on every route) or false (each provider\'s own headers)');
}

// With cors on, every answer (providers, errors, faults, controls) may be read by a page of any
// origin, and preflights succeed; writeHead values still win, so provider headers stay as they are.
function allowCrossOrigin(req, res) {
  res.setHeader('access-control-allow-origin', '*');
  res.setHeader('access-control-expose-headers', '*');
  if (req.method !== 'OPTIONS' || !req.headers['access-control-request-method']) return false;
  res.writeHead(204, {
    'access-control-allow-methods': 'GET, HEAD, POST, DELETE',
    'access-control-allow-headers': req.headers['access-control-request-headers'] ?? '*',
    'access-control-max-age': '600',
    'content-length': 0,
  });
  res.end();
  return true;
}

function urlHost(host) {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1'; // listening everywhere: loopback reaches it
  return host.includes(':') ? `[${host}]` : host;
}

function listen(server, port, host) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address().port);
    });
  });
}

// An http URL on 127.0.0.1 where nothing listens, for "connection refused" tests: a port the OS
// just handed out and that was released again.
export async function refusedUrl() {
  const probe = net.createServer();
  const port = await listen(probe, 0, '127.0.0.1');
  await new Promise((resolve) => probe.close(resolve));
  return `http://127.0.0.1:${port}`;
}

export async function startSimulator({ port = 0, host = '127.0.0.1', seed = 1, clock = 'real', startTimeMs = DEFAULT_START_MS, cors = true } = {}) {
  checkOptions({ port, host, seed, clock, startTimeMs, cors });
  // The model is anchored at startTimeMs on both clocks, so two simulators with the same seed
  // agree at any instant; with the real clock the chain has simply moved on since then.
  const model = new Model(seed, startTimeMs);
  let manualNow = startTimeMs;
  const now = clock === 'manual' ? () => manualNow : () => Date.now();
  const faults = new FaultTable();
  const counts = new Map();
  let total = 0;
  const timers = new Set(); // pending latency faults, cancelled by close()

  function send(res, { status, headers, body }) {
    if (res.destroyed) return; // the client left during a latency fault
    res.writeHead(status, { date: httpDate(now()), ...headers, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }

  function serveProvider(req, res, url) {
    const match = matchRequest(req.method, url.pathname);
    if (!match) return send(res, NOT_FOUND);
    const { provider, route, params, routeId } = match;
    counts.set(routeId, (counts.get(routeId) ?? 0) + 1);
    total += 1;

    const normal = () => {
      const t = now();
      if (!route) return toResponse({ ...provider.errorResponse(404, t), status: 404 });
      return toResponse(route.handle({ model, t, query: url.searchParams, params }), { ...provider.headers, ...route.headers });
    };
    const fault = faults.take(routeId);
    switch (fault?.kind) {
      case undefined:
        return send(res, normal());
      case 'latency': {
        const timer = setTimeout(() => {
          timers.delete(timer);
          send(res, normal());
        }, fault.ms);
        timers.add(timer);
        return undefined;
      }
      case 'reset':
        return req.socket.resetAndDestroy();
      case 'hang':
        return undefined; // the socket stays open until the client gives up or close() destroys it
      default: {
        const t = now();
        return send(res, faultResponse(fault, { provider, t, rayId: model.rayId(t), normal }));
      }
    }
  }

  function fail(res, error) {
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`simulator error: ${error.message}`);
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://simulator.invalid');
    try {
      if (cors && allowCrossOrigin(req, res)) return; // a preflight: answered, not counted
      if (url.pathname === '/__sim/websocket' || url.pathname.startsWith('/__sim/websocket/')) {
        webSockets.handleControl(req, res, url).catch((error) => fail(res, error));
      } else if (url.pathname === '/__sim' || url.pathname.startsWith('/__sim/')) {
        handleControl(req, res, url, api).catch((error) => fail(res, error));
      } else {
        serveProvider(req, res, url);
      }
    } catch (error) {
      fail(res, error);
    }
  });

  // mempool.space serves its WebSocket under the API base: https://mempool.space/api → /api/v1/ws.
  const webSocketPath = `${baseUrls('').MEMPOOL_API_URL}/v1/ws`;
  const webSockets = await attachWebSocket({ server, path: webSocketPath, model, now, tick: clock === 'real' });
  const boundPort = await listen(server, port, host).catch((error) => {
    webSockets.close();
    throw error;
  });
  const url = `http://${urlHost(host)}:${boundPort}`;
  let closing;

  const api = {
    url,
    port: boundPort,
    baseUrls: baseUrls(url),
    webSocketUrl: `ws://${urlHost(host)}:${boundPort}${webSocketPath}`,
    ...webSockets.api,
    setFault(route, fault) {
      if (!isFaultTarget(route)) {
        throw new SimulatorInputError('route', 'expected a route id from GET /__sim/routes, "<provider>.unknown", "<provider>.*" or "*"');
      }
      faults.set(route, parseFault(fault));
    },
    clearFaults(route) {
      if (route !== undefined && !isFaultTarget(route)) {
        throw new SimulatorInputError('route', 'expected a route id, "<provider>.*", "*" or nothing (clear all)');
      }
      faults.clear(route);
    },
    faults: () => faults.list(),
    counts: () => ({ total, routes: Object.fromEntries([...counts].sort(([a], [b]) => (a < b ? -1 : 1))) }),
    resetCounts() {
      counts.clear();
      total = 0;
    },
    advance(ms) {
      if (clock !== 'manual') throw new SimulatorInputError('clock', 'expected a simulator started with clock "manual" to advance()');
      if (!Number.isSafeInteger(ms) || ms < 0) throw new SimulatorInputError('ms', 'expected a non-negative integer number of milliseconds');
      manualNow += ms;
      webSockets.update(); // push what the move changed to WebSocket clients
      return manualNow;
    },
    now,
    state() {
      const t = now();
      return { now: t, seed, clock, ...model.snapshot(t) };
    },
    routes: routeTable,
    close() {
      closing ??= new Promise((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        webSockets.close(); // upgraded sockets are not among the server's connections
        server.close(() => resolve());
        server.closeAllConnections(); // includes hanging requests and keep-alive sockets
      });
      return closing;
    },
  };
  return api;
}
