// Redis over TCP with node-redis (the `redis` package, v5): one node (REDIS_URL) or a Cluster
// (REDIS_CLUSTER_NODES). Node only. A backend for RedisStore and the fleet coordinator (see
// redis.js for the interface). node-redis is loaded with require() at the first TCP backend, not
// imported: workerd, browsers and bundlers load this file (through storage/index.js) and must not
// see a Node-only dependency they cannot resolve.
//
// Why node-redis and not ioredis: it is the client Redis itself maintains, has Cluster built in
// (createCluster, per-master clients for SCAN), typed errors, and `disableOfflineQueue`, which
// makes a call on a dropped connection fail at once instead of queueing behind the reconnect:
// exactly the fail-fast the request path needs.
//
// Connection: opened in the background at creation and kept forever; when it drops, node-redis
// reconnects with our backoff (50 ms doubling to 2 s, plus jitter) and `state()` reports `down`
// with the reason until it is ready again. The first call waits for the first connection (its
// deadline still applies). Commands waiting for an answer are capped (commandsQueueMaxLength):
// a Redis that accepts connections but never answers cannot grow memory without bound.
import { StorageError } from './errors.js';
import { asRedisError } from './redis.js';

export const TCP_RECONNECT_MIN_MS = 50;
export const TCP_RECONNECT_MAX_MS = 2000;
const CONNECT_TIMEOUT_MS = 1000;
const QUEUE_MAX = 1000;

/** The node-redis module, from the application's node_modules (Node >= 20.16). */
export function loadNodeRedis() {
  const nodeModule = typeof process === 'object' ? process.getBuiltinModule?.('node:module') : undefined;
  if (!nodeModule) {
    throw new StorageError('unavailable', 'redis: TCP needs Node >= 20.16 with the "redis" package; on other hosts use REDIS_REST_URL', { store: 'redis' });
  }
  try {
    return nodeModule.createRequire(import.meta.url)('redis');
  } catch (err) {
    throw new StorageError('unavailable', `redis: the "redis" package (node-redis) could not be loaded; install it next to bitcoin-ltl (${err.message})`, {
      store: 'redis',
      cause: err,
    });
  }
}

/** The URL without its password (node-redis error messages never carry it, our messages neither). */
export function redactRedisUrl(url) {
  return String(url).replace(/^(rediss?:\/\/)[^@/]*@/, '$1');
}

function parseNode(text) {
  const colon = text.lastIndexOf(':');
  const port = Number(text.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new StorageError('invalid_argument', `redis: cluster node "${text}" is not host:port`, { store: 'redis' });
  }
  return { host: text.slice(0, colon).replace(/^\[|\]$/g, ''), port };
}

/**
 * @param {object} options
 * @param {string} [options.url] REDIS_URL (redis:// or rediss://) for one node
 * @param {string[]|string} [options.clusterNodes] REDIS_CLUSTER_NODES seeds ("host:port")
 * @param {string} [options.password] REDIS_PASSWORD (overrides the URL's)
 * @param {boolean} [options.tls] TLS to the Cluster nodes (a rediss:// URL implies it for one node)
 * @param {number} [options.reconnectMinMs] first reconnect delay (default 50)
 * @param {number} [options.reconnectMaxMs] longest reconnect delay (default 2000)
 * @param {number} [options.connectTimeoutMs] per connection attempt (default 1000)
 * @param {number} [options.commandsQueueMaxLength] commands in flight per connection (default 1000)
 * @param {object} [options.redis] the node-redis module (default: loadNodeRedis())
 */
export function createRedisTcpBackend(options = {}) {
  const store = 'redis';
  const clusterNodes = typeof options.clusterNodes === 'string' ? options.clusterNodes.split(',').map((s) => s.trim()).filter(Boolean) : options.clusterNodes ?? [];
  if (!options.url === (clusterNodes.length === 0)) {
    throw new StorageError('invalid_argument', 'redis: give exactly one of options.url (one node) and options.clusterNodes (a Cluster)', { store });
  }
  if (options.url && !/^rediss?:\/\/[^\s]+$/.test(options.url)) {
    throw new StorageError('invalid_argument', `redis: url must be redis:// or rediss://, got ${JSON.stringify(redactRedisUrl(options.url))}`, { store });
  }
  const mode = options.url ? 'single' : 'cluster';
  const { createClient, createCluster } = options.redis ?? loadNodeRedis();
  const minMs = options.reconnectMinMs ?? TCP_RECONNECT_MIN_MS;
  const maxMs = options.reconnectMaxMs ?? TCP_RECONNECT_MAX_MS;
  const secrets = [options.password, /^rediss?:\/\/[^@/]*:([^@/]+)@/.exec(options.url ?? '')?.[1]].filter((s) => s && s.length >= 3);
  const clean = (text) => secrets.reduce((out, secret) => out.split(secret).join('[redacted]'), String(text));

  const state = { connection: 'connecting', reason: '', reconnects: 0, attempts: 0 };
  let everReady = false;
  let closed = false;
  let resolveFirstReady;
  const firstReady = new Promise((resolve) => {
    resolveFirstReady = resolve;
  });
  // Settles at the first connection or the first failed attempt, whichever comes first.
  let resolveFirstOutcome;
  const firstOutcome = new Promise((resolve) => {
    resolveFirstOutcome = resolve;
  });
  firstReady.then(resolveFirstOutcome);

  const reconnectStrategy = (retries, cause) => {
    if (closed) return false;
    state.attempts++;
    state.connection = everReady ? 'down' : 'connecting';
    if (cause) state.reason = clean(`${cause.name ?? 'Error'}: ${cause.message ?? cause}`);
    resolveFirstOutcome();
    const delay = Math.min(minMs * 2 ** Math.min(retries, 16), maxMs);
    return delay + Math.floor(Math.random() * Math.min(delay / 4, 100));
  };
  const socket = { connectTimeout: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS, reconnectStrategy };
  const common = {
    disableOfflineQueue: true,
    commandsQueueMaxLength: options.commandsQueueMaxLength ?? QUEUE_MAX,
    ...(options.password ? { password: options.password } : {}),
  };
  const onError = (err) => {
    state.reason = clean(`${err?.name ?? 'Error'}: ${err?.message ?? err}`);
    resolveFirstOutcome();
  };
  const onReady = () => {
    if (everReady && state.connection !== 'ready') state.reconnects++;
    if (!everReady) state.attempts = 0;
    everReady = true;
    state.connection = 'ready';
    state.reason = '';
    resolveFirstReady();
  };

  let client;
  let cluster;
  if (mode === 'single') {
    client = createClient({ url: options.url, ...common, socket });
    client.on('error', onError);
    client.on('ready', onReady);
    client.on('reconnecting', () => {
      if (state.connection === 'ready') state.connection = 'down';
    });
    client.on('end', () => {
      if (!closed) state.connection = 'down';
    });
    client.connect().catch(onError);
  } else {
    const seeds = clusterNodes.map(parseNode);
    cluster = createCluster({
      rootNodes: seeds.map(({ host, port }) => ({ socket: { host, port } })),
      defaults: { ...common, socket: { ...socket, ...(options.tls ? { tls: true } : {}) } },
      useReplicas: false,
    });
    cluster.on('error', onError);
    // The Cluster object has no ready/reconnecting events of its own: connect, and on failure
    // try again with the same backoff until it works or we close.
    const connect = (attempt) => {
      if (closed) return;
      cluster.connect().then(onReady, (err) => {
        onError(err);
        state.attempts++;
        state.connection = everReady ? 'down' : 'connecting';
        const delay = reconnectStrategy(attempt, err);
        if (delay !== false) setTimeout(() => connect(attempt + 1), delay).unref?.();
      });
    };
    connect(0);
  }

  // Before the first connection: fail at once when an attempt already failed (Redis is down),
  // else wait for the attempt in progress, at most timeoutMs (a bounded number of waiters).
  async function ready(operation, timeoutMs = CONNECT_TIMEOUT_MS) {
    if (closed) throw new StorageError('closed', `redis ${operation}: the connection is closed`, { store, operation });
    if (everReady) return;
    const notYet = () =>
      new StorageError('unavailable', `redis ${operation}: not connected yet${state.reason ? ` (${state.reason})` : ''}`, { store, operation });
    if (state.reason) throw notYet();
    let timer;
    const connected = await Promise.race([
      firstReady.then(() => true),
      new Promise((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (!connected || closed) throw notYet();
  }

  const failure = (err, operation) => {
    const error = asRedisError(err, store, operation);
    error.message = clean(error.message);
    // node-redis answers "The client is closed"/offline while reconnecting: say why.
    if (error.code === 'unavailable' && state.connection !== 'ready' && state.reason && !error.message.includes(state.reason)) {
      error.message += ` (connection ${state.connection}: ${state.reason})`;
    }
    return error;
  };

  async function send(args, { key, timeoutMs } = {}) {
    const operation = String(args[0]).toLowerCase();
    await ready(operation, timeoutMs);
    try {
      const reply = mode === 'single' ? await client.sendCommand(args) : await cluster.sendCommand(key ?? args[1], false, args);
      if (mode === 'cluster' && state.connection === 'down') onReady(); // a node came back
      return reply;
    } catch (err) {
      if (mode === 'cluster' && /Closed|Socket|ECONN/.test(`${err?.name} ${err?.message}`) && everReady) {
        state.connection = 'down';
        state.reason = clean(`${err.name}: ${err.message}`);
      }
      throw failure(err, operation);
    }
  }

  return {
    mode,
    send,
    async nodes() {
      await ready('scan', CONNECT_TIMEOUT_MS);
      if (mode === 'single') return [{ send: (args) => send(args) }];
      return cluster.masters.map((master) => ({
        async send(args) {
          try {
            const nodeClient = await cluster.nodeClient(master);
            return await nodeClient.sendCommand(args);
          } catch (err) {
            throw failure(err, String(args[0]).toLowerCase());
          }
        },
      }));
    },
    state() {
      return { ...state };
    },
    /** Waits for the first connection attempt, at most timeoutMs: true when connected. */
    async connected(timeoutMs) {
      let timer;
      await Promise.race([firstOutcome, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
      return state.connection === 'ready';
    },
    async close() {
      if (closed) return;
      closed = true;
      state.connection = 'closed';
      resolveFirstReady();
      resolveFirstOutcome();
      const connection = client ?? cluster;
      try {
        // destroy(): drop the socket now; pending commands fail instead of holding the close.
        connection.destroy();
      } catch {
        // never connected: nothing to drop
      }
    },
  };
}
