// Real-time blocks, fees, mempool and price for bitcoin-ltl: the mempool.space WebSocket where the
// host has one (`want` blocks/stats/mempool-blocks, ping/pong keep-alive, reconnect with backoff
// and jitter, resubscribe), polling where it has none or while the socket keeps failing.
// Every update is normalised (units in field names), de-duplicated and delivered as
// { topic, data, source, receivedAt }. All timing runs on injected timers and clock.

export const TOPICS = Object.freeze(['blocks', 'fees', 'mempool', 'price']);
const SOCKET_TOPICS = new Set(['blocks', 'fees', 'mempool']); // price: polled; `conversions` pushes are a bonus
const WANTS_BY_TOPIC = { blocks: ['blocks'], fees: ['stats'], mempool: ['stats', 'mempool-blocks'], price: [] };
const WANT_ORDER = ['blocks', 'stats', 'mempool-blocks'];
const OPEN = 1; // WebSocket.OPEN in every implementation
const CLOSE_NORMAL = 1000;
const CLOSE_KEEPALIVE_TIMEOUT = 4000; // application code (4000-4999): no pong in time
const MAX_TIMER_MS = 2 ** 31 - 1;
const MAX_BLOCKS_PER_MESSAGE = 64; // `blocks` carries 8; more is not mempool.space
const MAX_PROJECTED_BLOCKS = 16; // `mempool-blocks` carries up to 8
const MAX_HISTOGRAM_BANDS = 1_000;
const MAX_CURRENCIES = 64;

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

const SEVERITY = { validation: 'low', parse: 'medium', network: 'medium', timeout: 'medium', rate_limited: 'medium', upstream_4xx: 'medium', upstream_5xx: 'medium', internal: 'high' };
const RETRYABLE = new Set(['network', 'timeout', 'rate_limited', 'upstream_5xx']);

/** A typed failure, shaped like LtlError: category, severity, retryable, provider, operation, field. */
export class RealtimeError extends Error {
  constructor(category, message, { provider = '', operation = '', field, upstreamStatus = 0, cause } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'RealtimeError';
    this.category = category;
    this.severity = SEVERITY[category] ?? 'high';
    this.retryable = RETRYABLE.has(category);
    this.provider = provider;
    this.operation = operation;
    this.upstreamStatus = upstreamStatus;
    if (field !== undefined) this.field = field;
  }

  toJSON() {
    const error = { category: this.category, severity: this.severity, retryable: this.retryable, provider: this.provider, operation: this.operation, message: this.message, upstream_status: this.upstreamStatus };
    if (this.field !== undefined) error.field = this.field;
    return { error };
  }
}

const invalid = (field, expected) => new RealtimeError('validation', `${field}: expected ${expected}`, { operation: 'realtime', field });

// ---- normalisation (units as in upstream-apis.md) ----

const describe = (v) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'string' ? `"${v.slice(0, 40)}"` : typeof v === 'number' ? String(v) : typeof v);
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

function parseError(field, expected, value) {
  return new RealtimeError('parse', `${field}: expected ${expected}, got ${describe(value)}`, { provider: 'mempool', operation: 'realtime', field });
}

function object(value, where) {
  if (!isObject(value)) throw parseError(where, 'an object', value);
  return value;
}

function number(obj, key, where, { integer = false } = {}) {
  const v = obj[key];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (integer && !Number.isInteger(v))) {
    throw parseError(`${where}.${key}`, integer ? 'a non-negative integer' : 'a non-negative number', v);
  }
  return v;
}

// Missing or null stays null (0 is a value).
const optionalNumber = (obj, key, where, flags) => (obj[key] === undefined || obj[key] === null ? null : number(obj, key, where, flags));

function hash(obj, key, where) {
  const v = obj[key];
  if (typeof v !== 'string' || !/^[0-9a-f]{64}$/.test(v)) throw parseError(`${where}.${key}`, 'a 64-digit lower-case hex hash', v);
  return v;
}

const secondsToMs = (s) => s * 1000;

/** A mempool.space / esplora block (WS `block`, an element of `blocks`, REST /v1/blocks). Times in unix s → ms. */
export function normalizeBlock(raw, where = 'block') {
  object(raw, where);
  const extras = raw.extras === undefined || raw.extras === null ? null : object(raw.extras, `${where}.extras`);
  const pool = extras && isObject(extras.pool) && typeof extras.pool.name === 'string' ? extras.pool.name : null;
  const previous = raw.previousblockhash === undefined || raw.previousblockhash === null ? null : hash(raw, 'previousblockhash', where);
  const medianTime = optionalNumber(raw, 'mediantime', where, { integer: true });
  return {
    height: number(raw, 'height', where, { integer: true }),
    hash: hash(raw, 'id', where),
    timestamp_ms: secondsToMs(number(raw, 'timestamp', where, { integer: true })),
    median_time_ms: medianTime === null ? null : secondsToMs(medianTime),
    tx_count: number(raw, 'tx_count', where, { integer: true }),
    size_bytes: optionalNumber(raw, 'size', where, { integer: true }),
    weight_wu: optionalNumber(raw, 'weight', where, { integer: true }),
    difficulty: optionalNumber(raw, 'difficulty', where),
    previous_hash: previous,
    total_fees_sat: extras ? optionalNumber(extras, 'totalFees', `${where}.extras`, { integer: true }) : null,
    median_fee_sat_vb: extras ? optionalNumber(extras, 'medianFee', `${where}.extras`) : null,
    pool_name: pool,
  };
}

/**
 * WS `fees` or REST /v1/fees/precise (mempool's precise calculation: decimals, can be below 1) →
 * sat/vB, labelled `fee_definition: 'mempool_precise'` like the REST fees route.
 */
export function normalizeFees(raw, where = 'fees') {
  object(raw, where);
  return {
    fee_definition: 'mempool_precise',
    fastest_sat_vb: number(raw, 'fastestFee', where),
    half_hour_sat_vb: number(raw, 'halfHourFee', where),
    hour_sat_vb: number(raw, 'hourFee', where),
    economy_sat_vb: number(raw, 'economyFee', where),
    minimum_sat_vb: number(raw, 'minimumFee', where),
  };
}

// BTC → sat and BTC/kvB → sat/vB without float noise (0.00001858 BTC/kvB → 1.858 sat/vB).
const btcToSat = (btc) => Math.round(btc * 1e8);
const btcPerKvbToSatPerVb = (rate) => Math.round(rate * 1e8) / 1000;

/** WS `mempoolInfo` (Core getmempoolinfo: total_fee in BTC, mempoolminfee in BTC/kvB). */
export function normalizeMempoolInfo(raw, where = 'mempoolInfo') {
  object(raw, where);
  const minFee = optionalNumber(raw, 'mempoolminfee', where);
  return {
    count: number(raw, 'size', where, { integer: true }),
    vsize_vb: number(raw, 'bytes', where, { integer: true }),
    total_fee_sat: btcToSat(number(raw, 'total_fee', where)),
    min_fee_sat_vb: minFee === null ? null : btcPerKvbToSatPerVb(minFee),
  };
}

/** WS `mempool-blocks`: blockVSize in vB, totalFees in sat, medianFee and feeRange in sat/vB. */
export function normalizeMempoolBlocks(raw, where = 'mempool-blocks') {
  if (!Array.isArray(raw)) throw parseError(where, 'an array', raw);
  return raw.slice(0, MAX_PROJECTED_BLOCKS).map((block, i) => {
    const at = `${where}[${i}]`;
    object(block, at);
    if (!Array.isArray(block.feeRange) || !block.feeRange.every((x) => typeof x === 'number' && Number.isFinite(x) && x >= 0)) {
      throw parseError(`${at}.feeRange`, 'an array of non-negative numbers', block.feeRange);
    }
    return {
      vsize_vb: number(block, 'blockVSize', at),
      size_bytes: optionalNumber(block, 'blockSize', at, { integer: true }),
      tx_count: number(block, 'nTx', at, { integer: true }),
      total_fees_sat: number(block, 'totalFees', at, { integer: true }),
      median_fee_sat_vb: number(block, 'medianFee', at),
      fee_range_sat_vb: block.feeRange.slice(0, 16),
    };
  });
}

/** REST /mempool (esplora format): vsize in vB, total_fee in sat, fee_histogram [[sat/vB, vB]]. */
export function normalizeRestMempool(raw, where = 'mempool') {
  object(raw, where);
  let histogram = null;
  if (raw.fee_histogram !== undefined && raw.fee_histogram !== null) {
    if (!Array.isArray(raw.fee_histogram)) throw parseError(`${where}.fee_histogram`, 'an array of [sat/vB, vB] pairs', raw.fee_histogram);
    histogram = raw.fee_histogram.slice(0, MAX_HISTOGRAM_BANDS).map((band, i) => {
      if (!Array.isArray(band) || band.length !== 2 || !band.every((x) => typeof x === 'number' && Number.isFinite(x) && x >= 0)) {
        throw parseError(`${where}.fee_histogram[${i}]`, 'a [sat/vB, vB] pair of non-negative numbers', band);
      }
      return [band[0], band[1]];
    });
  }
  return {
    count: number(raw, 'count', where, { integer: true }),
    vsize_vb: number(raw, 'vsize', where, { integer: true }),
    total_fee_sat: number(raw, 'total_fee', where, { integer: true }),
    min_fee_sat_vb: null,
    fee_histogram: histogram,
    projected_blocks: null,
  };
}

/** WS `conversions` or REST /v1/prices: `time` in unix s; whole fiat values; -1 means unavailable (→ null). */
export function normalizePrices(raw, where = 'conversions') {
  object(raw, where);
  const prices = {};
  let n = 0;
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'time' || !/^[A-Z]{3}$/.test(key)) continue;
    if (++n > MAX_CURRENCIES) break;
    if (value === -1) prices[key.toLowerCase()] = null;
    else prices[key.toLowerCase()] = number(raw, key, where);
  }
  return { as_of_ms: secondsToMs(number(raw, 'time', where, { integer: true })), prices };
}

// Checks what a poll function returned against the normalised shape; fills optional fields with null.
const OPTIONAL_FIELDS = {
  blocks: ['median_time_ms', 'size_bytes', 'weight_wu', 'difficulty', 'previous_hash', 'total_fees_sat', 'median_fee_sat_vb', 'pool_name'],
  fees: [],
  mempool: ['min_fee_sat_vb', 'fee_histogram', 'projected_blocks'],
  price: [],
};

function checkPolled(topic, data) {
  const where = `poll.${topic}()`;
  object(data, where);
  switch (topic) {
    case 'blocks':
      number(data, 'height', where, { integer: true });
      if (typeof data.hash !== 'string' || data.hash === '') throw parseError(`${where}.hash`, 'a block hash', data.hash);
      number(data, 'timestamp_ms', where, { integer: true });
      number(data, 'tx_count', where, { integer: true });
      break;
    case 'fees':
      for (const key of ['fastest_sat_vb', 'half_hour_sat_vb', 'hour_sat_vb', 'economy_sat_vb', 'minimum_sat_vb']) number(data, key, where);
      break;
    case 'mempool':
      for (const key of ['count', 'vsize_vb', 'total_fee_sat']) number(data, key, where);
      break;
    default:
      number(data, 'as_of_ms', where, { integer: true });
      object(data.prices, `${where}.prices`);
  }
  const filled = { ...data };
  for (const key of OPTIONAL_FIELDS[topic]) filled[key] ??= null;
  return filled;
}

// JSON with sorted keys, so equal values compare equal whatever their key order.
function stableKey(value) {
  if (Array.isArray(value)) return `[${value.map(stableKey).join(',')}]`;
  if (isObject(value)) return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${stableKey(value[k])}`).join(',')}}`;
  return JSON.stringify(value);
}

function deepFreeze(value) {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

// ---- URLs and REST polling ----

/** The WebSocket URL for a mempool.space API base: https://mempool.space/api → wss://mempool.space/api/v1/ws. */
export function mempoolWebSocketUrl(apiBaseUrl) {
  let url;
  try {
    url = new URL(apiBaseUrl);
  } catch {
    throw invalid('apiBaseUrl', `an absolute http(s) URL such as https://mempool.space/api, got ${describe(apiBaseUrl)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid('apiBaseUrl', `an http: or https: URL, got ${url.protocol}`);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/v1/ws`;
  return url.href;
}

function statusCategory(status) {
  if (status === 429) return 'rate_limited';
  return status >= 500 ? 'upstream_5xx' : 'upstream_4xx';
}

/**
 * Poll functions over mempool.space's REST API (for `poll` when nothing better is at hand):
 * blocks → /v1/blocks (the tip), fees → /v1/fees/precise (the WS's precision), mempool → /mempool,
 * price → /v1/prices.
 */
export function createMempoolRestPoll({ baseUrl, fetch: fetchImpl = globalThis.fetch?.bind(globalThis) } = {}) {
  if (typeof baseUrl !== 'string' || !/^https?:\/\//.test(baseUrl)) throw invalid('baseUrl', 'an http(s) URL such as https://mempool.space/api');
  if (typeof fetchImpl !== 'function') throw invalid('fetch', 'a fetch function (the host has none)');
  const base = baseUrl.replace(/\/+$/, '');
  async function getJson(path, operation) {
    let res;
    let text;
    try {
      res = await fetchImpl(base + path);
      text = await res.text();
    } catch (cause) {
      throw new RealtimeError('network', `GET ${path} failed: ${cause?.message ?? cause}`, { provider: 'mempool', operation, cause });
    }
    // Check the status first: errors are plain text (e.g. 503 "Service Unavailable").
    if (!res.ok) throw new RealtimeError(statusCategory(res.status), `GET ${path} answered ${res.status}`, { provider: 'mempool', operation, upstreamStatus: res.status });
    try {
      return JSON.parse(text);
    } catch {
      throw new RealtimeError('parse', `GET ${path}: expected JSON, got ${describe(text)}`, { provider: 'mempool', operation, field: path });
    }
  }
  return {
    async blocks() {
      const list = await getJson('/v1/blocks', 'blocks');
      if (!Array.isArray(list) || list.length === 0) throw parseError('/v1/blocks', 'a non-empty array of blocks', list);
      const blocks = list.slice(0, MAX_BLOCKS_PER_MESSAGE).map((b, i) => normalizeBlock(b, `/v1/blocks[${i}]`));
      return blocks.reduce((tip, b) => (b.height > tip.height ? b : tip));
    },
    fees: async () => normalizeFees(await getJson('/v1/fees/precise', 'fees'), '/v1/fees/precise'),
    mempool: async () => normalizeRestMempool(await getJson('/mempool', 'mempool'), '/mempool'),
    price: async () => normalizePrices(await getJson('/v1/prices', 'price'), '/v1/prices'),
  };
}

// ---- options ----

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

function checkOptions(options) {
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

// ---- the service ----

const noop = () => {};

/**
 * Creates the real-time service. Nothing connects until the first subscription.
 * @param {import('./realtime.d.ts').RealtimeOptions} options
 * @returns {import('./realtime.d.ts').Realtime}
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
