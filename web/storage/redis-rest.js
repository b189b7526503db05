// Redis over HTTP in the Upstash REST format, with plain fetch (workerd, Deno, Node, browsers):
//   POST <url>           body ["SET","k","v","PX","60000"]  → {"result": ...} | {"error": "..."}
//   POST <url>/pipeline  body [[...], [...]]                → [{"result"}|{"error"}, ...]
//   Authorization: Bearer <token>
// A backend for RedisStore (see redis.js). HTTP has no connection to lose, so "down" is ours: a
// call that cannot reach the endpoint (network error, timeout, 5xx, 401/403) marks it down for a
// backoff (doubling, 100 ms → 5 s); calls in that window fail at once with `unavailable`, the
// first call after it probes, and its success marks the endpoint ready again.
import { StorageError } from './errors.js';

export const REST_BACKOFF_MIN_MS = 100;
export const REST_BACKOFF_MAX_MS = 5000;

/** The URL as safe to print: no credentials, no query (a token may travel there). */
export function redactEndpoint(url) {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return '(invalid url)';
  }
}

/**
 * @param {object} options
 * @param {string} options.url REDIS_REST_URL (http:// or https://)
 * @param {string} options.token REDIS_REST_TOKEN
 * @param {typeof fetch} [options.fetch] default globalThis.fetch
 * @param {() => number} [options.monotonicNow] ms, for the backoff (default performance.now)
 * @param {number} [options.backoffMinMs] first backoff after a failure (default 100)
 * @param {number} [options.backoffMaxMs] longest backoff (default 5000)
 */
export function createRedisRestBackend(options = {}) {
  const store = 'redis';
  const fail = (message) => new StorageError('invalid_argument', `redis rest: ${message}`, { store });
  let endpoint;
  try {
    endpoint = new URL(options.url);
  } catch {
    throw fail('url must be an http:// or https:// URL');
  }
  if (endpoint.protocol !== 'http:' && endpoint.protocol !== 'https:') throw fail('url must be an http:// or https:// URL');
  if (typeof options.token !== 'string' || options.token.length === 0) throw fail('token must be a non-empty string (REDIS_REST_TOKEN)');
  const base = endpoint.href.replace(/\/+$/, '');
  const shown = redactEndpoint(options.url);
  const authorization = `Bearer ${options.token}`;
  const fetchImpl = options.fetch ?? globalThis.fetch?.bind(globalThis);
  if (typeof fetchImpl !== 'function') throw fail('no fetch on this host; pass options.fetch');
  const now = options.monotonicNow ?? (() => performance.now());
  const backoffMinMs = options.backoffMinMs ?? REST_BACKOFF_MIN_MS;
  const backoffMaxMs = options.backoffMaxMs ?? REST_BACKOFF_MAX_MS;

  const state = { connection: 'ready', reason: '', reconnects: 0, failures: 0 };
  let retryAt = 0;
  let backoffMs = 0;
  let closed = false;

  function markDown(reason) {
    backoffMs = backoffMs ? Math.min(backoffMs * 2, backoffMaxMs) : backoffMinMs;
    retryAt = now() + backoffMs;
    state.connection = 'down';
    state.reason = reason;
    state.failures++;
  }

  function markUp() {
    if (state.connection !== 'ready') state.reconnects++;
    state.connection = 'ready';
    state.reason = '';
    backoffMs = 0;
  }

  async function post(path, body, timeoutMs, operation) {
    if (closed) throw new StorageError('closed', `redis ${operation}: the REST backend is closed`, { store, operation });
    if (state.connection === 'down' && now() < retryAt) {
      throw new StorageError('unavailable', `redis ${operation}: ${shown} is down (${state.reason}); next try in ${Math.ceil(retryAt - now())} ms`, {
        store,
        operation,
      });
    }
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    let response;
    let text;
    try {
      response = await fetchImpl(base + path, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: abort.signal,
      });
      text = await response.text();
    } catch (err) {
      const reason = abort.signal.aborted ? `no answer within ${timeoutMs} ms` : `unreachable (${err?.message ?? err})`;
      markDown(reason);
      throw new StorageError(abort.signal.aborted ? 'timeout' : 'unavailable', `redis ${operation}: ${shown} ${reason}`, { store, operation });
    } finally {
      clearTimeout(timer);
    }
    if (response.status === 401 || response.status === 403 || response.status >= 500) {
      const reason = response.status < 500 ? `refused the token (HTTP ${response.status})` : `answered HTTP ${response.status}`;
      markDown(reason);
      throw new StorageError('unavailable', `redis ${operation}: ${shown} ${reason}`, { store, operation });
    }
    let parsed;
    try {
      parsed = JSON.parse(text);
    } catch {
      markDown(`answered HTTP ${response.status} with a body that is not JSON`);
      throw new StorageError('backend', `redis ${operation}: ${shown} answered HTTP ${response.status} with a body that is not JSON`, { store, operation });
    }
    markUp();
    return parsed;
  }

  function unwrap(reply, operation) {
    if (reply && typeof reply === 'object' && 'error' in reply) {
      const message = String(reply.error).slice(0, 200);
      throw new StorageError(/^OOM/.test(message) ? 'quota_exceeded' : 'backend', `redis ${operation}: Redis error: ${message}`, { store, operation });
    }
    if (!reply || typeof reply !== 'object' || !('result' in reply)) {
      throw new StorageError('backend', `redis ${operation}: expected {"result": ...}, got ${JSON.stringify(reply)?.slice(0, 80)}`, { store, operation });
    }
    return reply.result;
  }

  const send = async (args, { timeoutMs = 1000 } = {}) => unwrap(await post('', args.map(String), timeoutMs, String(args[0]).toLowerCase()), String(args[0]).toLowerCase());

  return {
    mode: 'rest',
    endpoint: shown,
    send,
    /** Several commands in one request; each answer is a value or a StorageError (not thrown). */
    async pipeline(commands, { timeoutMs = 1000 } = {}) {
      const replies = await post('/pipeline', commands.map((args) => args.map(String)), timeoutMs, 'pipeline');
      if (!Array.isArray(replies) || replies.length !== commands.length) {
        throw new StorageError('backend', `redis pipeline: expected ${commands.length} answers`, { store, operation: 'pipeline' });
      }
      return replies.map((reply) => {
        try {
          return unwrap(reply, 'pipeline');
        } catch (err) {
          return err;
        }
      });
    },
    // Upstash exposes one logical database: SCAN covers every key.
    async nodes() {
      return [{ send }];
    },
    state() {
      return { ...state, endpoint: shown };
    },
    async close() {
      closed = true;
      state.connection = 'closed';
    },
  };
}
