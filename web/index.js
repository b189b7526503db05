// bitcoin-ltl: the JS shell around the C++ core. It loads the WASM for the
// host (browser, Node, workerd), supplies a fetch()-backed XMLHttpRequest where
// the host has none, and turns the core's callbacks into promises.
import createLtlModule from '../wasm/dist/bitcoin-ltl.mjs';
import catalogue from '../wasm/dist/catalogue.js';
import { createFetchXMLHttpRequest } from './xhr-fetch.js';
import { createRealtime, mempoolWebSocketUrl } from './realtime.js';
import { bridgeStore, persistentStoreFor } from './storage/index.js';
import { DEFAULT_GATE_TIMEOUT_MS, gateBridge, gateOptionsProblem } from './gate.js';
import { HotPath, STATUS_ANSWER, STATUS_PENDING, TierHotPath } from './hot-path.js';

/** What the core publishes (describe()): routes, kinds, config keys, error categories, metric families. */
export { catalogue };

// What an HTTP front end answers for errors raised in the shell itself (the core sends its own).
const HTTP_STATUS = new Map(catalogue.errors.categories.map((category) => [category.name, category.http_status]));
function httpStatusFor(category) {
  return HTTP_STATUS.get(category) ?? 500;
}

/** A typed failure from the core: category, severity, retryability, provider and operation. */
export class LtlError extends Error {
  constructor(fields) {
    super(fields.message);
    this.name = 'LtlError';
    this.category = fields.category;
    this.severity = fields.severity;
    this.retryable = Boolean(fields.retryable);
    this.provider = fields.provider ?? '';
    this.operation = fields.operation ?? '';
    this.upstreamStatus = fields.upstream_status ?? 0;
    this.httpStatus = fields.http_status ?? httpStatusFor(this.category);
    if (fields.retry_after_ms !== undefined) this.retryAfterMs = fields.retry_after_ms;
  }

  static fromJSON(text) {
    return new LtlError(JSON.parse(text).error);
  }

  toJSON() {
    const error = {
      category: this.category,
      severity: this.severity,
      retryable: this.retryable,
      provider: this.provider,
      operation: this.operation,
      message: this.message,
      upstream_status: this.upstreamStatus,
    };
    if (this.retryAfterMs !== undefined) error.retry_after_ms = this.retryAfterMs;
    return { error };
  }
}

function isNode() {
  return typeof process === 'object' && typeof process.versions?.node === 'string';
}

// Node: one compile per .wasm file and process (a handful of URLs at most); later clients and
// memory tiers instantiate the same compiled module.
const compiledFiles = new Map();

function instantiateFrom(compiled) {
  return {
    locateFile: (path) => path,
    instantiateWasm(imports, receiveInstance) {
      WebAssembly.instantiate(compiled, imports).then((instance) => receiveInstance(instance, compiled));
      return {};
    },
  };
}

// Tells the Emscripten loader how to obtain the .wasm on this host.
async function wasmLoadOptions(options) {
  // Edge runtimes hand us a compiled module and forbid compiling from bytes.
  if (options.wasmModule) return instantiateFrom(options.wasmModule);
  if (options.wasmBinary) return { wasmBinary: options.wasmBinary };
  // A literal URL: bundlers (Vite, webpack, esbuild) only see and copy the asset in this exact form.
  const url = options.wasmUrl ? new URL(options.wasmUrl) : new URL('../wasm/dist/bitcoin-ltl.wasm', import.meta.url);
  if (isNode() && url.protocol === 'file:') {
    let compiled = compiledFiles.get(url.href);
    if (!compiled) {
      // process.getBuiltinModule (Node >= 20.16) instead of import('node:fs/promises'): edge
      // runtimes and bundlers reject a Node built-in import even on a path they never take.
      const { readFile } = process.getBuiltinModule('node:fs/promises');
      compiled = readFile(url).then((bytes) => WebAssembly.compile(bytes));
      compiledFiles.set(url.href, compiled);
      compiled.catch(() => compiledFiles.delete(url.href)); // a failed read is retried next time
    }
    return instantiateFrom(await compiled);
  }
  return { locateFile: () => url.href };
}

const EVENT_TYPES = Object.freeze(['alert', 'breaker', 'health', 'config', 'warm']);
const MAX_LISTENERS = 64;
const LAG_INTERVAL_MS = 1000;

class Client {
  #native;
  #hot;
  #calls = new Map(); // call id → { resolve, reject, as }: requests the core answers later
  #nextCall = 1;
  #pending = new Set();
  #listeners = new Map(EVENT_TYPES.map((type) => [type, new Set()]));
  #realtime = null;
  #realtimeOptions;
  #store;
  #gate;
  #lagTimer = null;
  #longTaskObserver = null;
  #keepAlive = null;

  constructor(native, hot, { store = null, realtime = {}, gate = null } = {}) {
    this.#native = native;
    this.#hot = hot;
    native.setResultSink((callId, status, pointer, length) => this.#settle(callId, status, pointer, length));
    this.#store = store;
    this.#gate = gate;
    this.#realtimeOptions = realtime;
    native.setEventListener((eventJson) => this.#dispatch(JSON.parse(eventJson)));
    this.#watchHost();
    /** The memory tier as a synchronous key-value cache (strings; ttlMs < 0 = no expiry). */
    this.cache = Object.freeze({
      get: (key) => this.#hotPath().cacheGet(String(key)),
      has: (key) => this.#hotPath().cacheHas(String(key)),
      set: (key, value, { ttlMs = 30000 } = {}) => {
        if (typeof ttlMs !== 'number' || Number.isNaN(ttlMs) || ttlMs < 0) {
          throw new LtlError({ category: 'validation', severity: 'low', operation: 'cache.set', message: `ttlMs: got ${ttlMs}; expected ms >= 0 or Infinity` });
        }
        return this.#hotPath().cacheSet(String(key), String(value), ttlMs === Infinity ? -1 : ttlMs);
      },
      stats: () => this.#parse(this.#alive().cacheStats()),
    });
  }

  /** Any route with its parameters, e.g. request('price', { currency: 'eur' }). */
  request(route, params = {}) {
    return this.#request(route, params, 'json');
  }

  /** The answer's JSON text, as the core serialised it (no parse, no re-serialisation). */
  requestText(route, params = {}) {
    return this.#request(route, params, 'text');
  }

  /** The answer's UTF-8 bytes (a copy the caller owns): what an HTTP front sends as the body. */
  requestBytes(route, params = {}) {
    return this.#request(route, params, 'bytes');
  }

  price(currency = 'usd') { return this.request('price', { currency }); }
  market(currency = 'usd') { return this.request('market', { currency }); }
  network() { return this.request('network'); }
  fees() { return this.request('fees'); }
  mempool() { return this.request('mempool'); }
  tip() { return this.request('tip'); }
  blocks() { return this.request('blocks'); }
  difficulty() { return this.request('difficulty'); }
  hashrate() { return this.request('hashrate'); }
  sentiment() { return this.request('sentiment'); }

  async health() { return this.#parse(this.#alive().health()); }
  async metrics() { return this.#parse(this.#alive().metrics()); }
  /** Prometheus text exposition 0.0.4, or OpenMetrics 1.0 text with `{ format: 'openmetrics' }`. */
  async metricsText({ format = 'prometheus' } = {}) {
    if (format !== 'prometheus' && format !== 'openmetrics') {
      throw new TypeError(`metricsText: format must be 'prometheus' or 'openmetrics', got ${JSON.stringify(format)}`);
    }
    const text = this.#alive().prometheus(format === 'openmetrics');
    if (text.startsWith('{"error"')) throw LtlError.fromJSON(text);
    return text;
  }
  async history() { return this.#parse(this.#alive().history()); }
  async alerts() { return this.#parse(this.#alive().alerts()); }
  async report({ windowMs = 3600000 } = {}) {
    if (!Number.isFinite(windowMs) || windowMs <= 0) {
      throw new LtlError({ category: 'validation', severity: 'low', operation: 'report', message: `windowMs: got ${windowMs}; expected a positive number of ms` });
    }
    return this.#parse(this.#alive().report(windowMs));
  }
  async errors() { return this.#parse(this.#alive().errors()); }
  async config() { return this.#parse(this.#alive().config()); }
  /** The core's catalogue with this client's cache windows (the `catalogue` export has the defaults). */
  async describe() { return this.#parse(this.#alive().describe()); }

  /** Applies env-style keys at run time; rejects the whole update on any bad value. */
  async updateConfig(overrides) {
    return this.#parse(this.#alive().updateConfig(JSON.stringify(overrides ?? {})));
  }

  /**
   * Invalidation in every tier: { key } exact, { glob } with * and ?, or { tag } (a route name).
   * Matching memory entries expire (kept for stale-if-error) unless `purge: true` removes them.
   */
  invalidate(what = {}) {
    const [how] = ['key', 'glob', 'tag'].filter((name) => typeof what?.[name] === 'string');
    if (!how) {
      return Promise.reject(new LtlError({ category: 'validation', severity: 'low', operation: 'invalidate', message: 'invalidate: expected { key }, { glob } or { tag } with a string' }));
    }
    const { purge = false } = what;
    if (typeof purge !== 'boolean') {
      return Promise.reject(new LtlError({ category: 'validation', severity: 'low', operation: 'invalidate', message: `invalidate: purge: got ${purge === null ? 'null' : typeof purge}; expected a boolean (true removes instead of expiring)` }));
    }
    return this.#callJson((done) => this.#native.invalidate(how, what[how], purge, done));
  }

  /** Alerts, breaker transitions, health and config changes as they happen. Returns unsubscribe. */
  on(type, callback) {
    const set = this.#listeners.get(type);
    if (!set) throw new LtlError({ category: 'validation', severity: 'low', operation: 'on', message: `type: got ${String(type).slice(0, 32)}; expected one of ${EVENT_TYPES.join(', ')}` });
    if (typeof callback !== 'function') throw new TypeError('on: callback must be a function');
    if (set.size >= MAX_LISTENERS) throw new LtlError({ category: 'validation', severity: 'low', operation: 'on', message: `too many ${type} listeners (max ${MAX_LISTENERS})` });
    set.add(callback);
    return () => set.delete(callback);
  }

  /**
   * Real-time updates: 'blocks' | 'fees' | 'mempool' | 'price'. Fed by the mempool.space
   * WebSocket where the host has one, else by polling; new data also refreshes the cache.
   */
  subscribe(topic, callback) {
    this.#alive();
    if (!this.#realtime) this.#realtime = this.#startRealtime();
    return this.#realtime.subscribe(topic, callback);
  }

  realtimeState() {
    return this.#realtime ? this.#realtime.state() : { mode: 'idle', connected: false };
  }

  close() {
    if (!this.#native) return;
    this.#realtime?.close();
    this.#realtime = null;
    if (this.#lagTimer) clearInterval(this.#lagTimer);
    this.#longTaskObserver?.disconnect();
    this.#gate?.close(); // late admissions are dropped, not sent to a deleted core
    this.#native.stop();
    this.#native.delete();
    this.#native = null;
    this.#hot.close();
    this.#calls.clear();
    this.#store?.close?.();
    const closed = new LtlError({ category: 'internal', severity: 'low', message: 'client closed', operation: 'close' });
    for (const reject of this.#pending) reject(closed);
    this.#pending.clear();
    if (this.#keepAlive) clearInterval(this.#keepAlive);
    this.#keepAlive = null;
  }

  /** The persistent tier's adapter (web/storage/), or null: its health() says why a tier is degraded. */
  get persistentStore() {
    return this.#store;
  }

  /** Called by the persistent-store bridge with an adapter's answer. */
  storeDone(id, errorJson, resultJson) {
    this.#native?.storeDone(id, errorJson, resultJson);
  }

  #startRealtime() {
    const options = this.#realtimeOptions;
    const ingest = (route, data, source) => {
      const error = this.#native?.ingest(route, JSON.stringify(data), source);
      if (error) options.onError?.(LtlError.fromJSON(error));
    };
    return createRealtime({
      ...options,
      poll: {
        // Polled answers in the shapes the socket delivers (web/realtime.d.ts TopicData), so a
        // subscriber sees one shape per topic whichever path fed it.
        blocks: async () => blockUpdate((await this.blocks()).blocks[0]),
        fees: async () => stripProvenance(await this.fees()),
        mempool: async () => ({ min_fee_sat_vb: null, projected_blocks: null, ...stripProvenance(await this.mempool()) }),
        price: async () => priceUpdate(await this.price(options.currency ?? 'usd')),
        ...options.poll,
      },
      onUpdate(update) {
        // What the socket pushes goes into the cache, so the next request is served fresh.
        if (update.source !== 'websocket') return;
        if (update.topic === 'fees') ingest('fees', update.data, 'mempool-websocket');
        if (update.topic === 'blocks' && Number.isInteger(update.data?.height)) {
          ingest('tip', { height: update.data.height, hash: update.data.hash ?? null }, 'mempool-websocket');
        }
        options.onUpdate?.(update);
      },
    });
  }

  // Event-loop lag (and long tasks where the host reports them) as host metrics.
  #watchHost() {
    let expected = performance.now() + LAG_INTERVAL_MS;
    this.#lagTimer = setInterval(() => {
      const now = performance.now();
      this.#native?.setHostGauge('ltl_event_loop_lag_ms', Math.max(0, now - expected));
      expected = now + LAG_INTERVAL_MS;
    }, LAG_INTERVAL_MS);
    this.#lagTimer.unref?.(); // never keeps a Node process alive
    if (typeof PerformanceObserver === 'function' && PerformanceObserver.supportedEntryTypes?.includes('longtask')) {
      this.#longTaskObserver = new PerformanceObserver((list) => this.#native?.addHostCounter('ltl_long_tasks_total', list.getEntries().length));
      this.#longTaskObserver.observe({ type: 'longtask' });
    }
  }

  #dispatch(event) {
    for (const callback of this.#listeners.get(event.type) ?? []) {
      try {
        callback(event);
      } catch (err) {
        queueMicrotask(() => { throw err; }); // reported by the host, never breaks the core
      }
    }
  }

  // A memory hit resolves with no further boundary crossing; anything else settles through the
  // result sink. JSON.parse runs only for callers that asked for an object.
  #request(route, params, as) {
    let started;
    try {
      const callId = this.#nextCall++;
      started = this.#hotPath().request(String(route), JSON.stringify(params ?? {}), callId, as === 'bytes' ? 'bytes' : 'text');
      if (started.status === STATUS_PENDING) {
        return this.#call((resolve, reject) => this.#calls.set(callId, { resolve, reject, as }));
      }
    } catch (err) {
      return Promise.reject(err);
    }
    if (started.status !== STATUS_ANSWER) return Promise.reject(LtlError.fromJSON(started.value));
    try {
      return Promise.resolve(as === 'json' ? JSON.parse(started.value) : started.value);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  #settle(callId, status, pointer, length) {
    const call = this.#calls.get(callId);
    if (!call) return;
    this.#calls.delete(callId);
    const value = this.#hot.read(pointer, length, status === STATUS_ANSWER && call.as === 'bytes' ? 'bytes' : 'text');
    if (status !== STATUS_ANSWER) call.reject(LtlError.fromJSON(value));
    else call.resolve(call.as === 'json' ? JSON.parse(value) : value);
  }

  #hotPath() {
    this.#alive();
    return this.#hot;
  }

  #alive() {
    if (!this.#native) throw new LtlError({ category: 'internal', severity: 'low', message: 'client closed', operation: 'call' });
    return this.#native;
  }

  #parse(text) {
    const value = JSON.parse(text);
    if (value && value.error && typeof value.error === 'object' && value.error.category) throw new LtlError(value.error);
    return value;
  }

  // Runs a core call the core answers later as a promise; close() rejects it if still pending.
  // The core's own timers do not hold a Node process open, so a pending call does.
  #call(start) {
    return new Promise((resolve, reject) => {
      this.#alive();
      this.#pending.add(reject);
      this.#keepAlive ??= setInterval(() => {}, 1 << 30);
      const settle = () => {
        if (this.#pending.size === 0 && this.#keepAlive) {
          clearInterval(this.#keepAlive);
          this.#keepAlive = null;
        }
      };
      start(
        (value) => {
          if (!this.#pending.delete(reject)) return;
          settle();
          resolve(value);
        },
        (err) => {
          if (!this.#pending.delete(reject)) return;
          settle();
          reject(err);
        },
      );
    });
  }

  // A callback-style core call (error JSON, result JSON) as a promise.
  #callJson(start) {
    return this.#call((resolve, reject) =>
      start((errorJson, resultJson) => (errorJson ? reject(LtlError.fromJSON(errorJson)) : resolve(JSON.parse(resultJson)))));
  }
}

const PROVENANCE = ['source', 'as_of', 'fetched_at', 'age_ms', 'stale', 'expires_at', 'cache', 'failed', 'stale_reason'];
function stripProvenance(value) {
  const out = { ...value };
  for (const key of PROVENANCE) delete out[key];
  return out;
}

// A block of the REST answer as a realtime BlockData: fields REST does not carry are null.
function blockUpdate(block) {
  if (!block) return undefined;
  return { median_time_ms: null, difficulty: null, previous_hash: null, ...block };
}

// A price quote as a realtime PriceData (what mempool.space `conversions` pushes).
function priceUpdate(quote) {
  return { as_of_ms: quote.as_of, prices: { [quote.currency]: quote.price } };
}

/**
 * Loads the module and returns a configured client.
 * @param {import('./index.d.ts').LtlConfig} config env-style keys (see README)
 * @param {import('./index.d.ts').LoadOptions} options how to obtain the .wasm, which fetch to use
 */
export async function createClient(config = {}, options = {}) {
  const gateProblem = gateOptionsProblem(options.gate, options.gateTimeoutMs);
  if (gateProblem) throw new LtlError({ category: 'validation', severity: 'low', operation: 'createClient', message: gateProblem });
  const moduleArg = await wasmLoadOptions(options);
  if (options.forceFetchXhr || typeof globalThis.XMLHttpRequest === 'undefined') {
    const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
    moduleArg.XMLHttpRequest = createFetchXMLHttpRequest(fetchImpl);
  }
  const module = await createLtlModule(moduleArg);
  // A store that cannot be built is reported after the core's validation, which names bad keys better.
  let store = null;
  let storeError = null;
  try {
    store = await persistentStoreFor(config, options);
  } catch (err) {
    storeError = err;
  }
  let client = null;
  const host = store ? bridgeStore(store, (id, errorJson, resultJson) => client?.storeDone(id, errorJson, resultJson)) : null;
  // options.now: an injected wall clock (unix ms), for tests and simulations.
  const native = new module.Client(typeof options.now === 'function' ? options.now : undefined, host);
  // A fleet budget before every upstream attempt; set before configure(), whose warming already fetches.
  const gate = options.gate
    ? gateBridge(options.gate, (id, allowed, retryAfterMs, reason) => native.gateDone(id, allowed, retryAfterMs, reason),
      { timeoutMs: options.gateTimeoutMs ?? DEFAULT_GATE_TIMEOUT_MS })
    : null;
  if (gate) native.setAdmissionGate(gate);
  const error = native.configure(JSON.stringify(config));
  if (error || storeError) {
    gate?.close();
    native.delete();
    store?.close?.();
    if (error) throw LtlError.fromJSON(error);
    throw storeError;
  }
  const mempoolApi = config.MEMPOOL_API_URL ?? 'https://mempool.space/api';
  const realtimeEnabled = String(config.REALTIME_ENABLED ?? 'true') !== 'false' && String(config.REALTIME_ENABLED) !== '0';
  const realtime = {
    url: realtimeEnabled ? (config.MEMPOOL_WS_URL || mempoolWebSocketUrl(mempoolApi)) : null,
    WebSocket: options.WebSocket ?? globalThis.WebSocket,
    ...options.realtime,
  };
  client = new Client(native, new HotPath(module, native.handle()), { store, realtime, gate });
  return client;
}

/**
 * The C++ memory tier alone: no upstream I/O, no timers, no store. For hosts that keep finished
 * answers and leave fetching to someone else (the edge front worker, which asks its coordinator).
 * Values are strings kept until `retainUntil` (unix ms); capacity bounds by entries and bytes.
 * @param {{ maxEntries?: number, maxBytes?: number } & import('./index.d.ts').LoadOptions} options
 */
export async function createMemoryTier({ maxEntries = 1000, maxBytes = 8 << 20, ...options } = {}) {
  const module = await createLtlModule(await wasmLoadOptions(options));
  const tier = new module.MemoryTier(maxEntries, maxBytes);
  const hot = new TierHotPath(module, tier.handle());
  return Object.freeze({
    get: (key) => hot.get(String(key)),
    set: (key, value, retainUntil) => hot.set(String(key), String(value), retainUntil),
    erase: (key) => tier.erase(key),
    clear: () => tier.clear(),
    stats: () => JSON.parse(tier.stats()),
    close: () => {
      hot.close();
      tier.delete();
    },
  });
}
