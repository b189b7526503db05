// `bitcoin-ltl serve`: the HTTP API and dashboard on Node ≥ 20, one client per process, the same
// routes, validation, headers, ETag/304, negative caching, ops token and rate limit as the edge
// front (the shared layer in ../http/). In Node one process owns its I/O, so the core coalesces
// and rate-limits across requests directly.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

import { createClient } from '../index.js';
import { assetMap } from '../http/assets.js';
import { configFromEnv, frontSettings } from '../http/config.js';
import { AnswerSource, clientOp } from '../http/documents.js';
import { handleRequest } from '../http/front.js';
import { documentResponse } from '../http/responses.js';
import { RedisCoordinator } from '../fleet/redis-coordination.js';
import { FixedWindowLimiter } from './rate-limiter.js';

const WEB_ROOT = fileURLToPath(new URL('..', import.meta.url));
const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

function readAssets() {
  return assetMap((file) => readFileSync(WEB_ROOT + file, 'utf8'));
}

/**
 * Starts the server. `env` holds the configuration keys and the front settings (as strings, like
 * environment variables); `log` writes one access-log line per request to `logger`.
 * @returns {Promise<{ url: string, client: object, close(graceMs?: number): Promise<void> }>}
 */
export async function startNodeServer({ env = process.env, port = 8080, host = '127.0.0.1', log = false, logger = console.log, clientOptions = {} } = {}) {
  const settings = frontSettings(env);
  const config = configFromEnv(env);
  // With the Redis tier the fleet behaves like one server towards the providers: each provider's
  // token bucket and Retry-After pauses live in Redis (the gate the core asks before every upstream
  // attempt), and a miss takes the key's fetch lease (one server fetches, the others wait for its
  // answer); a hit in this process's memory needs neither.
  let fleet = null;
  const gate = {
    admit: async (provider, budget) => (fleet ? fleet.takeToken(provider, budget) : { allowed: true }),
    pause: (provider, ms) => fleet?.pauseProvider(provider, ms),
  };
  const client = await createClient(config, { ...clientOptions, ...(String(config.REDIS_ENABLED) === 'true' ? { gate } : {}) });
  const source = new AnswerSource(client, { negativeCacheMs: settings.NEGATIVE_CACHE_MS });
  const backendOfStore = client.persistentStore?.backend;
  if (backendOfStore) fleet = new RedisCoordinator({ backend: backendOfStore, keyPrefix: config.REDIS_KEY_PREFIX });
  const assets = readAssets();
  const rateLimiter = settings.CLIENT_RATE_LIMIT > 0 ? new FixedWindowLimiter({ limit: settings.CLIENT_RATE_LIMIT, periodSeconds: settings.CLIENT_RATE_LIMIT_PERIOD_S }) : null;
  const backend = {
    async data(match, request) {
      const fetchDocument = () => source.document(match.route, match.params, match.key);
      if (!fleet || client.cache.has(match.key)) {
        return documentResponse(request, await fetchDocument(), Date.now(), { extra: { 'x-ltl-cache': 'core' } });
      }
      // Nothing to read first: the core reads the Redis tier itself when it fetches.
      const got = await fleet.runOnce(match.key, settings.FLEET_LEASE_MS, fetchDocument, () => null);
      return documentResponse(request, got.value, Date.now(), { extra: { 'x-ltl-cache': got.role === 'follower' ? 'fleet' : 'core', 'x-ltl-fleet': got.role } });
    },
    // The persistent store's own view (connection state and reason: Redis down, reconnecting) and
    // the fleet's counters, beside the core's health.
    health: async () => ({
      ...(await client.health()),
      ...(client.persistentStore?.health ? { persistent_store: client.persistentStore.health() } : {}),
      ...(fleet ? { fleet: { ...fleet.stats } } : {}),
    }),
    ops: (op, params) => clientOp(client, op, params),
    async invalidate(what) {
      const [how] = ['key', 'glob', 'tag'].filter((name) => typeof what[name] === 'string');
      source.forgetFailures();
      return client.invalidate({ [how]: what[how], purge: what.purge === true });
    },
  };
  const inFlight = new Set();

  const server = createServer(async (req, res) => {
    const started = performance.now();
    const done = new Promise((resolve) => res.once('close', resolve));
    inFlight.add(done);
    done.then(() => inFlight.delete(done));
    try {
      const request = toRequest(req, host, port);
      const response = await handleRequest(request, {
        env,
        backend,
        assets,
        rateLimiter,
        rateLimitPeriodSeconds: settings.CLIENT_RATE_LIMIT_PERIOD_S,
        keyOf: () => req.socket.remoteAddress ?? 'anonymous',
      });
      await send(res, response);
    } catch (err) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ error: { category: 'internal', message: 'Internal error' } }));
      logger(`bitcoin-ltl serve: ${err?.stack ?? err}`);
    }
    if (log) logger(`${new Date().toISOString()} ${req.method} ${req.url.slice(0, 200)} ${res.statusCode} ${(performance.now() - started).toFixed(1)}ms`);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}/`;

  let closing = null;
  return {
    url,
    client,
    server,
    /** Stops accepting, lets in-flight requests finish (at most `graceMs`), closes the client. */
    close(graceMs = DEFAULT_SHUTDOWN_GRACE_MS) {
      closing ??= (async () => {
        const stopped = new Promise((resolve) => server.close(resolve));
        server.closeIdleConnections?.();
        let timer;
        const grace = new Promise((resolve) => {
          timer = setTimeout(resolve, graceMs);
        });
        await Promise.race([Promise.all([...inFlight]), grace]);
        clearTimeout(timer);
        server.closeAllConnections?.();
        await stopped;
        client.close();
      })();
      return closing;
    },
  };
}

function toRequest(req, host, port) {
  const url = new URL(req.url, `http://${req.headers.host || `${host}:${port}`}`);
  const init = { method: req.method, headers: req.headers };
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    init.body = Readable.toWeb(req);
    init.duplex = 'half';
  }
  return new Request(url, init);
}

async function send(res, response) {
  const headers = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  res.writeHead(response.status, headers);
  if (response.body) {
    res.end(Buffer.from(await response.arrayBuffer()));
  } else {
    res.end();
  }
}
