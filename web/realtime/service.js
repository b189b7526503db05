// The real-time service: the mempool.space WebSocket (`want` blocks/stats/mempool-blocks, ping/pong
// keep-alive, reconnect with backoff and jitter, resubscribe) and polling where there is none or
// while the socket keeps failing. Updates are de-duplicated and delivered as
// { topic, data, source, receivedAt }. All timing runs on injected timers and clock.
import { RealtimeError, describe, invalid, isObject, parseError } from './errors.js';
import {
  MAX_BLOCKS_PER_MESSAGE, checkPolled, deepFreeze, normalizeBlock, normalizeFees, normalizeMempoolBlocks, normalizeMempoolInfo,
  normalizePrices, stableKey,
} from './normalize.js';
import { MAX_TIMER_MS, TOPICS, checkOptions } from './options.js';

const SOCKET_TOPICS = new Set(['blocks', 'fees', 'mempool']); // price: polled; `conversions` pushes are a bonus
const WANTS_BY_TOPIC = { blocks: ['blocks'], fees: ['stats'], mempool: ['stats', 'mempool-blocks'], price: [] };
const WANT_ORDER = ['blocks', 'stats', 'mempool-blocks'];
const OPEN = 1; // WebSocket.OPEN in every implementation
const CLOSE_NORMAL = 1000;
const CLOSE_KEEPALIVE_TIMEOUT = 4000; // application code (4000-4999): no pong in time

const noop = () => {};

/**
 * Creates the real-time service. Nothing connects until the first subscription.
 * @param {import('../realtime.d.ts').RealtimeOptions} options
 * @returns {import('../realtime.d.ts').Realtime}
 */
export function createRealtime(options = {}) {
  const opts = checkOptions(options);
  const socketPossible = Boolean(opts.WebSocket && opts.url);

  let closed = false;
  const subscriptions = new Map(); // id → { topic, callback, active }
  let nextId = 1;
  const latest = new Map(); // topic → last delivered update (replayed to new subscribers)
  let mempoolInfo = null; // the socket's last mempoolInfo and mempool-blocks, merged into `mempool`
  let projected = null;

  let socket = null;
  let socketState = 'closed'; // 'connecting' | 'open' | 'closed'
  let healthy = false; // this socket has delivered a message: the connection works
  let sentWants = null; // the `want` list sent on this socket, joined
  let wantQueued = false;
  let fallback = !socketPossible; // polling the socket topics instead
  let consecutiveFailures = 0; // connection attempts that ended before any message
  let reconnectTimer = null;
  let retryTimer = null; // a socket attempt while polling
  let silenceTimer = null;
  let pongTimer = null;
  let connectTimer = null;
  const polls = new Map(); // topic → { active, timer }

  const counters = { connects: 0, reconnects: 0, messages: 0, pings: 0, pongs: 0, updates: 0, duplicates: 0, errors: 0 };
  let lastMessageAt = null;
  let lastPongAt = null;
  let lastClose = null;
  let lastError = null;
  let mode = 'idle';

  const setTimer = (callback, ms) => opts.setTimeout(callback, Math.min(MAX_TIMER_MS, Math.max(0, Math.round(ms))));
  function clear(timer) {
    if (timer !== null) opts.clearTimeout(timer);
    return null;
  }

  function report(error) {
    counters.errors += 1;
    lastError = error;
    if (!opts.onError) return;
    try {
      opts.onError(error);
    } catch {
      // an onError that throws must not break delivery; the error is in state().lastError
    }
  }

  function safeCall(callback, update, operation) {
    try {
      callback(update);
    } catch (cause) {
      report(new RealtimeError('internal', `${operation} threw on a "${update.topic}" update: ${cause?.message ?? cause}`, { operation, cause }));
    }
  }

  const subscribedTopics = () => new Set([...subscriptions.values()].map((s) => s.topic));
  const hasSocketTopics = () => [...subscriptions.values()].some((s) => SOCKET_TOPICS.has(s.topic));

  // ---- delivery ----

  // True when `data` says nothing new for `topic`: the same block (or an older one), or equal values.
  function isDuplicate(topic, data) {
    const previous = latest.get(topic)?.data;
    if (!previous) return false;
    if (topic === 'blocks') return data.height < previous.height || (data.height === previous.height && data.hash === previous.hash);
    return stableKey(data) === stableKey(previous);
  }

  function offer(topic, data, source) {
    if (closed) return;
    if (isDuplicate(topic, data)) {
      counters.duplicates += 1;
      return;
    }
    const update = deepFreeze({ topic, data, source, receivedAt: opts.now() });
    latest.set(topic, update);
    counters.updates += 1;
    if (opts.onUpdate) safeCall(opts.onUpdate, update, 'onUpdate');
    for (const sub of [...subscriptions.values()]) {
      if (sub.active && sub.topic === topic) safeCall(sub.callback, update, 'subscriber');
    }
  }

  // Each key on its own: one bad field costs that topic's update, not the message.
  function attempt(normalise) {
    try {
      normalise();
    } catch (error) {
      report(error instanceof RealtimeError ? error : new RealtimeError('parse', String(error?.message ?? error), { provider: 'mempool', operation: 'realtime', cause: error }));
    }
  }

  function handleMessage(message) {
    if (message.pong === true) {
      counters.pongs += 1;
      lastPongAt = opts.now();
    }
    if ('blocks' in message) {
      attempt(() => {
        if (!Array.isArray(message.blocks) || message.blocks.length === 0) throw parseError('blocks', 'a non-empty array of blocks', message.blocks);
        const blocks = message.blocks.slice(-MAX_BLOCKS_PER_MESSAGE).map((b, i) => normalizeBlock(b, `blocks[${i}]`));
        offer('blocks', blocks.reduce((tip, b) => (b.height > tip.height ? b : tip)), 'websocket');
      });
    }
    if ('block' in message) attempt(() => offer('blocks', normalizeBlock(message.block), 'websocket'));
    if ('fees' in message) attempt(() => offer('fees', normalizeFees(message.fees), 'websocket'));
    let mempoolMoved = false;
    if ('mempoolInfo' in message) {
      attempt(() => {
        mempoolInfo = normalizeMempoolInfo(message.mempoolInfo);
        mempoolMoved = true;
      });
    }
    if ('mempool-blocks' in message) {
      attempt(() => {
        projected = normalizeMempoolBlocks(message['mempool-blocks']);
        mempoolMoved = true;
      });
    }
    if (mempoolMoved && mempoolInfo) offer('mempool', { ...mempoolInfo, fee_histogram: null, projected_blocks: projected }, 'websocket');
    if ('conversions' in message) attempt(() => offer('price', normalizePrices(message.conversions), 'websocket'));
  }

  // ---- socket ----

  function send(message) {
    if (socket && socketState === 'open' && socket.readyState === OPEN) socket.send(JSON.stringify(message));
  }

  function wantList() {
    const items = new Set();
    for (const topic of subscribedTopics()) for (const item of WANTS_BY_TOPIC[topic]) items.add(item);
    return WANT_ORDER.filter((item) => items.has(item));
  }

  // Subscriptions made in one tick send one `want`; mempool.space closes chatty sockets.
  function queueWant() {
    if (wantQueued) return;
    wantQueued = true;
    queueMicrotask(() => {
      wantQueued = false;
      if (closed || socketState !== 'open') return;
      const wants = wantList();
      const key = wants.join(',');
      if (wants.length === 0 || key === sentWants) return;
      sentWants = key;
      send({ action: 'want', data: wants }); // replaces the previous list; newly wanted items come with a snapshot
    });
  }

  // Ping after pingIntervalMs without a message; no answer within pongTimeoutMs means a dead connection.
  function armKeepAlive() {
    silenceTimer = clear(silenceTimer);
    pongTimer = clear(pongTimer);
    silenceTimer = setTimer(() => {
      silenceTimer = null;
      counters.pings += 1;
      send({ action: 'ping' });
      pongTimer = setTimer(() => {
        pongTimer = null;
        report(new RealtimeError('timeout', `no answer to a ping within ${opts.pongTimeoutMs} ms; reconnecting`, { provider: 'mempool', operation: 'keep-alive' }));
        const wasHealthy = healthy;
        closeQuietly(detachSocket(), CLOSE_KEEPALIVE_TIMEOUT, 'keep-alive timeout');
        lost(CLOSE_KEEPALIVE_TIMEOUT, 'keep-alive timeout', wasHealthy);
      }, opts.pongTimeoutMs);
    }, opts.pingIntervalMs);
  }

  // Forgets the current socket; its late events go nowhere (no-ops, since some implementations
  // throw on an 'error' event nobody listens to).
  function detachSocket() {
    const ws = socket;
    if (ws) ws.onopen = ws.onmessage = ws.onerror = ws.onclose = noop;
    socket = null;
    socketState = 'closed';
    sentWants = null;
    silenceTimer = clear(silenceTimer);
    pongTimer = clear(pongTimer);
    connectTimer = clear(connectTimer);
    return ws;
  }

  // Ends the current socket from our side and handles it as lost.
  function abandon(code, reason) {
    const wasHealthy = healthy;
    closeQuietly(detachSocket());
    lost(code, reason, wasHealthy);
  }

  function closeQuietly(ws, code, reason) {
    try {
      ws?.close(code, reason);
    } catch {
      // already closing or closed
    }
  }

  function connect() {
    reconnectTimer = clear(reconnectTimer);
    retryTimer = clear(retryTimer);
    healthy = false;
    let ws;
    try {
      ws = new opts.WebSocket(opts.url);
    } catch (cause) {
      report(new RealtimeError('network', `cannot open ${opts.url}: ${cause?.message ?? cause}`, { provider: 'mempool', operation: 'connect', cause }));
      lost(0, 'constructor threw', false);
      return;
    }
    socket = ws;
    socketState = 'connecting';
    connectTimer = setTimer(() => {
      connectTimer = null;
      report(new RealtimeError('timeout', `${opts.url} did not open within ${opts.connectTimeoutMs} ms`, { provider: 'mempool', operation: 'connect' }));
      abandon(0, 'connect timeout');
    }, opts.connectTimeoutMs);
    ws.onopen = () => {
      if (socket !== ws) return;
      connectTimer = clear(connectTimer);
      socketState = 'open';
      counters.connects += 1;
      armKeepAlive();
      queueWant();
    };
    ws.onmessage = (event) => {
      if (socket === ws) onSocketMessage(event.data);
    };
    // Browsers follow an error with a close event, but Node 20's built-in WebSocket (undici) fires
    // none after a refused handshake (nodejs/undici#3546): the error alone ends the socket.
    ws.onerror = () => {
      if (socket === ws) abandon(1006, 'error');
    };
    ws.onclose = (event) => {
      if (socket !== ws) return;
      const wasHealthy = healthy;
      detachSocket();
      lost(event?.code ?? 0, event?.reason ?? '', wasHealthy);
    };
  }

  function onSocketMessage(data) {
    counters.messages += 1;
    lastMessageAt = opts.now();
    armKeepAlive(); // any message proves the connection alive
    if (!healthy) {
      healthy = true;
      consecutiveFailures = 0;
      if (fallback) {
        fallback = false; // the socket is back: stop polling its topics
        reconcile();
      }
    }
    if (typeof data !== 'string') {
      report(new RealtimeError('parse', 'expected a text (JSON) message, got a binary one', { provider: 'mempool', operation: 'realtime' }));
      return;
    }
    if (data.length > opts.maxMessageChars) {
      report(new RealtimeError('parse', `message of ${data.length} characters exceeds maxMessageChars (${opts.maxMessageChars})`, { provider: 'mempool', operation: 'realtime' }));
      return;
    }
    let message;
    try {
      message = JSON.parse(data);
    } catch {
      report(parseError('message', 'JSON', data));
      return;
    }
    if (!isObject(message)) {
      report(parseError('message', 'a JSON object', message));
      return;
    }
    handleMessage(message);
  }

  // The connection ended (or never opened): reconnect with backoff, or fall back to polling.
  function lost(code, reason, wasHealthy) {
    lastClose = { code, reason, at: opts.now() };
    if (!wasHealthy) consecutiveFailures += 1;
    if (closed) return;
    if (!hasSocketTopics()) return reconcile();
    if (!fallback && consecutiveFailures >= opts.maxFailedConnects) {
      fallback = true;
      report(new RealtimeError('network', `${consecutiveFailures} connection attempts to ${opts.url} failed; polling until the socket is back`, { provider: 'mempool', operation: 'connect' }));
    }
    if (fallback) return reconcile(); // schedules the next socket retry
    const ceiling = Math.min(opts.backoff.maxMs, opts.backoff.baseMs * 2 ** Math.min(consecutiveFailures, 30));
    const delay = ceiling * (0.5 + 0.5 * opts.random()); // jitter in [ceiling/2, ceiling]
    reconnectTimer = setTimer(() => {
      reconnectTimer = null;
      counters.reconnects += 1;
      connect();
    }, delay);
    updateMode();
  }

  // ---- polling ----

  async function runPoll(topic, entry) {
    entry.timer = null;
    let data;
    try {
      data = await opts.poll[topic]();
    } catch (cause) {
      report(cause instanceof RealtimeError ? cause : new RealtimeError('network', `poll.${topic}() failed: ${cause?.message ?? cause}`, { operation: `poll.${topic}`, cause }));
    }
    if (!entry.active || closed) return;
    if (data !== undefined) attempt(() => offer(topic, checkPolled(topic, data), 'polling'));
    if (entry.active) entry.timer = setTimer(() => runPoll(topic, entry), opts.pollIntervalMs[topic]);
  }

  function startPoll(topic) {
    if (polls.has(topic)) return;
    const entry = { active: true, timer: null };
    polls.set(topic, entry);
    runPoll(topic, entry); // the first poll now, then every pollIntervalMs after each answer
  }

  function stopPoll(topic) {
    const entry = polls.get(topic);
    if (!entry) return;
    entry.active = false;
    entry.timer = clear(entry.timer);
    polls.delete(topic);
  }

  // ---- bringing it together ----

  function updateMode() {
    const topics = subscribedTopics();
    if (closed || topics.size === 0) mode = 'idle';
    else if (!fallback && hasSocketTopics()) mode = 'socket';
    else mode = 'polling';
  }

  // Makes the socket, the retry timer and the polls match the subscriptions and the fallback state.
  function reconcile() {
    if (closed) return;
    const topics = subscribedTopics();
    if (!hasSocketTopics()) {
      closeQuietly(detachSocket(), CLOSE_NORMAL, 'no topics');
      reconnectTimer = clear(reconnectTimer);
      retryTimer = clear(retryTimer);
      consecutiveFailures = 0;
      fallback = !socketPossible;
    } else if (!fallback) {
      if (!socket && reconnectTimer === null) connect();
      else if (socketState === 'open') queueWant();
    } else if (socketPossible) {
      if (!socket && retryTimer === null) {
        retryTimer = setTimer(() => {
          retryTimer = null;
          counters.reconnects += 1;
          connect();
        }, opts.socketRetryMs * (0.5 + 0.5 * opts.random()));
      } else if (socketState === 'open') queueWant();
    }
    for (const topic of TOPICS) {
      const wanted = topics.has(topic) && typeof opts.poll[topic] === 'function' && (topic === 'price' || fallback);
      if (wanted) startPoll(topic);
      else stopPoll(topic);
    }
    updateMode();
  }

  function subscribe(topic, callback) {
    if (closed) throw new RealtimeError('validation', 'subscribe: the realtime service is closed', { operation: 'subscribe' });
    if (!TOPICS.includes(topic)) throw invalid('topic', `one of ${TOPICS.join(', ')}, got ${describe(topic)}`);
    if (typeof callback !== 'function') throw invalid('callback', `a function, got ${describe(callback)}`);
    if (subscriptions.size >= opts.maxSubscribers) throw invalid('subscribe', `at most maxSubscribers (${opts.maxSubscribers}) subscriptions`);
    const id = nextId++;
    const sub = { topic, callback, active: true };
    subscriptions.set(id, sub);
    const replay = latest.get(topic);
    if (replay) {
      // The latest value at once, to this subscriber only (others have seen it).
      queueMicrotask(() => {
        if (sub.active && !closed) safeCall(callback, replay, 'subscriber');
      });
    }
    reconcile();
    return function unsubscribe() {
      if (!sub.active) return;
      sub.active = false;
      subscriptions.delete(id);
      reconcile();
    };
  }

  function state() {
    const topics = {};
    for (const topic of TOPICS) {
      const update = latest.get(topic);
      topics[topic] = {
        subscribers: [...subscriptions.values()].filter((s) => s.topic === topic).length,
        polling: polls.has(topic),
        lastUpdateAt: update?.receivedAt ?? null,
        lastSource: update?.source ?? null,
      };
    }
    return {
      mode,
      connected: socketState === 'open',
      socket: socketState,
      wants: sentWants ? sentWants.split(',') : [],
      reconnects: counters.reconnects,
      connects: counters.connects,
      failedConnects: consecutiveFailures,
      reconnectPending: reconnectTimer !== null,
      socketRetryPending: retryTimer !== null,
      lastMessageAt,
      lastPongAt,
      lastClose: lastClose && { ...lastClose },
      lastError,
      subscribers: subscriptions.size,
      topics,
      counts: { ...counters },
    };
  }

  function close() {
    if (closed) return;
    closed = true;
    closeQuietly(detachSocket(), CLOSE_NORMAL, 'closed');
    reconnectTimer = clear(reconnectTimer);
    retryTimer = clear(retryTimer);
    for (const topic of [...polls.keys()]) stopPoll(topic);
    for (const sub of subscriptions.values()) sub.active = false;
    subscriptions.clear();
    mode = 'idle';
  }

  return { subscribe, state, close };
}
