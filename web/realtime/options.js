// The real-time service's options: defaults and validation (a bad option is a validation RealtimeError).
import { describe, invalid, isObject } from './errors.js';

export const TOPICS = Object.freeze(['blocks', 'fees', 'mempool', 'price']);
export const MAX_TIMER_MS = 2 ** 31 - 1;

const DEFAULTS = Object.freeze({
  pollIntervalMs: Object.freeze({ blocks: 30_000, fees: 10_000, mempool: 10_000, price: 60_000 }),
  pingIntervalMs: 30_000, // the official frontend pings after 30 s of silence...
  pongTimeoutMs: 5_000, // ...and waits 5 s for the answer
  connectTimeoutMs: 10_000,
  backoff: Object.freeze({ baseMs: 4_000, maxMs: 60_000 }), // first reconnect after 2-4 s, as the frontend
  maxFailedConnects: 3,
  socketRetryMs: 120_000,
  maxSubscribers: 100,
  maxMessageChars: 2 * 1024 * 1024,
});

function positiveMs(value, field) {
  if (!Number.isInteger(value) || value < 1 || value > MAX_TIMER_MS) throw invalid(field, `an integer number of milliseconds from 1 to ${MAX_TIMER_MS}, got ${describe(value)}`);
  return value;
}

function positiveInt(value, field) {
  if (!Number.isInteger(value) || value < 1) throw invalid(field, `a positive integer, got ${describe(value)}`);
  return value;
}

function fn(value, field, fallback) {
  if (value === undefined) return fallback;
  if (typeof value !== 'function') throw invalid(field, `a function, got ${describe(value)}`);
  return value;
}

export function checkOptions(options) {
  if (!isObject(options)) throw invalid('options', 'an object');
  const WebSocketImpl = options.WebSocket === undefined ? globalThis.WebSocket : options.WebSocket;
  if (WebSocketImpl !== undefined && WebSocketImpl !== null && typeof WebSocketImpl !== 'function') throw invalid('WebSocket', 'a WebSocket constructor, null or undefined');
  let url = null;
  if (options.url !== undefined && options.url !== null) {
    let parsed;
    try {
      parsed = new URL(options.url);
    } catch {
      throw invalid('url', `an absolute ws: or wss: URL such as wss://mempool.space/api/v1/ws, got ${describe(options.url)}`);
    }
    if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') throw invalid('url', `a ws: or wss: URL, got ${parsed.protocol}`);
    url = parsed.href;
  }
  const poll = options.poll ?? {};
  if (!isObject(poll)) throw invalid('poll', 'an object of { blocks, fees, mempool, price } functions');
  for (const key of Object.keys(poll)) {
    if (!TOPICS.includes(key)) throw invalid(`poll.${key}`, `one of ${TOPICS.join(', ')}`);
    fn(poll[key], `poll.${key}`);
  }
  const pollIntervalMs = { ...DEFAULTS.pollIntervalMs };
  for (const [key, value] of Object.entries(options.pollIntervalMs ?? {})) {
    if (!TOPICS.includes(key)) throw invalid(`pollIntervalMs.${key}`, `one of ${TOPICS.join(', ')}`);
    pollIntervalMs[key] = positiveMs(value, `pollIntervalMs.${key}`);
  }
  const backoff = { ...DEFAULTS.backoff, ...(options.backoff ?? {}) };
  positiveMs(backoff.baseMs, 'backoff.baseMs');
  positiveMs(backoff.maxMs, 'backoff.maxMs');
  if (backoff.maxMs < backoff.baseMs) throw invalid('backoff.maxMs', `at least backoff.baseMs (${backoff.baseMs})`);
  const setTimer = fn(options.setTimeout, 'setTimeout', globalThis.setTimeout?.bind(globalThis));
  const clearTimer = fn(options.clearTimeout, 'clearTimeout', globalThis.clearTimeout?.bind(globalThis));
  return {
    url,
    WebSocket: WebSocketImpl ?? null,
    poll,
    pollIntervalMs,
    backoff,
    now: fn(options.now, 'now', Date.now),
    setTimeout: setTimer,
    clearTimeout: clearTimer,
    random: fn(options.random, 'random', Math.random),
    pingIntervalMs: positiveMs(options.pingIntervalMs ?? DEFAULTS.pingIntervalMs, 'pingIntervalMs'),
    pongTimeoutMs: positiveMs(options.pongTimeoutMs ?? DEFAULTS.pongTimeoutMs, 'pongTimeoutMs'),
    connectTimeoutMs: positiveMs(options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs, 'connectTimeoutMs'),
    maxFailedConnects: positiveInt(options.maxFailedConnects ?? DEFAULTS.maxFailedConnects, 'maxFailedConnects'),
    socketRetryMs: positiveMs(options.socketRetryMs ?? DEFAULTS.socketRetryMs, 'socketRetryMs'),
    maxSubscribers: positiveInt(options.maxSubscribers ?? DEFAULTS.maxSubscribers, 'maxSubscribers'),
    maxMessageChars: positiveInt(options.maxMessageChars ?? DEFAULTS.maxMessageChars, 'maxMessageChars'),
    onUpdate: fn(options.onUpdate, 'onUpdate', null),
    onError: fn(options.onError, 'onError', null),
  };
}
