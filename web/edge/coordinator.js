// The coordinator Durable Object: the one place of the deployment that talks to the upstream
// providers. It runs the C++ core (pipeline, coalescing, retries, breakers, per-provider token
// buckets, stale-if-error, refresh-ahead, monitor) with the object's own SQLite-backed storage as
// its persistent tier, and answers the front workers with finished documents (http/documents.js).
//
// Every front of the deployment reaches the same object (idFromName(COORDINATOR_NAME)), so one
// upstream call per key per TTL, provider budgets and breakers hold for the whole deployment. A
// Durable Object has one I/O context for all its requests, so the core may coalesce callers and
// keep timers (retry back-off, rate-limit waits) across them; nothing here is shared with a front.
// Background work runs on the object's alarm: while requests keep coming (EDGE_ALARM_IDLE_MS),
// the alarm wakes the object every PERFORMANCE_INTERVAL to refresh the CACHE_WARM keys, drop
// expired records and let the core sample its history; an idle deployment sleeps.
import { DurableObject } from 'cloudflare:workers';
import wasmModule from '../../wasm/dist/bitcoin-ltl.wasm';
import { createClient, LtlError } from '../index.js';
import { DurableObjectStore } from '../storage/durable-object.js';
import { AnswerSource, clientOp, errorDocument } from '../http/documents.js';
import { configFromEnv, frontSettings, KV_BINDING } from '../http/config.js';
import { dataKey, OPS_NAMES } from '../http/routes.js';

export const COORDINATOR_NAME = 'global';
const DEFAULT_ALARM_INTERVAL_MS = 10_000;
const KV_MIN_WRITE_INTERVAL_MS = 1000; // KV's limit: one write per second per key
const KV_MIN_EXPIRATION_S = 60;

export class LtlCoordinator extends DurableObject {
  #client = null;
  #source = null;
  #store = null;
  #settings = null;
  #startError = null;
  #lastRequestAt = 0;
  #alarmArmed = false; // known from our own setAlarm calls, so requests need no storage read
  #alarmIntervalMs = DEFAULT_ALARM_INTERVAL_MS;
  #warmKeys = [];
  #kv = { writes: 0, skipped: 0, errors: 0, lastByKey: new Map() };

  constructor(ctx, env) {
    super(ctx, env);
    // No event reaches the object before its client is ready.
    ctx.blockConcurrencyWhile(() => this.#start());
  }

  async #start() {
    try {
      this.#settings = frontSettings(this.env);
      const config = configFromEnv(this.env);
      // The object's own storage is its persistent tier (CACHE_PERSISTENT=none turns it off).
      this.#store = config.CACHE_PERSISTENT === 'none'
        ? null
        : new DurableObjectStore({
          storage: this.ctx.storage,
          compressionThresholdBytes: config.CACHE_COMPRESS_THRESHOLD !== undefined ? Number(config.CACHE_COMPRESS_THRESHOLD) : undefined,
        });
      this.#client = await createClient(config, { wasmModule, store: this.#store ?? 'none' });
      this.#source = new AnswerSource(this.#client, { negativeCacheMs: this.#settings.NEGATIVE_CACHE_MS });
      this.#client.on('config', () => this.#source.forgetFailures());
      const effective = await this.#client.config();
      this.#alarmIntervalMs = Math.max(1000, Number(effective.PERFORMANCE_INTERVAL) || DEFAULT_ALARM_INTERVAL_MS);
      this.#warmKeys = warmRequests(effective.CACHE_WARM);
    } catch (err) {
      this.#startError = err instanceof LtlError ? err : new LtlError({ category: 'internal', severity: 'critical', operation: 'start', message: String(err?.message ?? err) });
    }
  }

  /** The answer document for one data request (RPC from a front). */
  async document(route, params, key) {
    if (this.#startError) return errorDocument(this.#startError, Date.now());
    await this.#touch();
    const doc = await this.#source.document(route, params, key);
    this.#writeKv(key, doc);
    return doc;
  }

  /** The deployment's health: the core's, plus the coordinator's own counters. */
  async health() {
    if (this.#startError) return { status: 'unhealthy', reason: this.#startError.message, coordinator: this.#coordinatorState() };
    return { ...(await this.#client.health()), coordinator: this.#coordinatorState() };
  }

  /** An operational read: metricsText, metrics, history, alerts, errors, config, report. */
  async ops(op, params = {}) {
    if (this.#startError) throw this.#startError;
    if (!OPS_NAMES.has(op)) throw new LtlError({ category: 'validation', severity: 'low', operation: op, message: `unknown operation ${String(op).slice(0, 32)}` });
    return clientOp(this.#client, op, params);
  }

  /** Admin invalidation in every tier of the coordinator; remembered failures are forgotten. */
  async invalidate(what) {
    if (this.#startError) throw this.#startError;
    const [how] = ['key', 'glob', 'tag'].filter((name) => typeof what?.[name] === 'string');
    this.#source.forgetFailures();
    return this.#client.invalidate({ [how]: what[how], purge: what.purge === true });
  }

  async alarm() {
    if (this.#startError) return;
    for (const { route, params } of this.#warmKeys) {
      await this.#source.document(route, params, dataKey(route, params));
    }
    await this.#store?.purgeExpired().catch(() => {});
    const now = Date.now();
    this.#alarmArmed = now - this.#lastRequestAt < this.#settings.EDGE_ALARM_IDLE_MS;
    if (this.#alarmArmed) await this.ctx.storage.setAlarm(now + this.#alarmIntervalMs);
  }

  // A request keeps the alarm armed (an idle object lets it lapse).
  async #touch() {
    this.#lastRequestAt = Date.now();
    if (this.#alarmArmed || this.#settings.EDGE_ALARM_IDLE_MS === 0) return;
    this.#alarmArmed = true;
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(this.#lastRequestAt + this.#alarmIntervalMs);
  }

  // KV, when bound, is a global read-through copy for fronts far from the object. Only the
  // coordinator writes it, only kinds whose TTL is at least EDGE_KV_MIN_TTL_MS, at most once per
  // stored answer and once per second per key.
  #writeKv(key, doc) {
    const kv = this.env[KV_BINDING];
    if (!kv || typeof kv.put !== 'function' || doc.status !== 200 || !(doc.fresh_until > 0)) return;
    const ttlMs = doc.fresh_until - doc.stored_at;
    const last = this.#kv.lastByKey.get(key);
    const now = Date.now();
    if (ttlMs < this.#settings.EDGE_KV_MIN_TTL_MS) return;
    if (last && (last.storedAt === doc.stored_at || now - last.at < KV_MIN_WRITE_INTERVAL_MS)) {
      this.#kv.skipped++;
      return;
    }
    this.#kv.lastByKey.set(key, { storedAt: doc.stored_at, at: now });
    this.#kv.writes++;
    const expirationTtl = Math.max(KV_MIN_EXPIRATION_S, Math.ceil((Math.max(doc.sie_until, doc.fresh_until) - now) / 1000));
    const write = kv.put(key, JSON.stringify(doc), { expirationTtl }).catch(() => {
      this.#kv.errors++;
    });
    this.ctx.waitUntil?.(write);
  }

  #coordinatorState() {
    return {
      name: COORDINATOR_NAME,
      negative_entries: this.#source?.negativeEntries ?? 0,
      kv: { bound: Boolean(this.env[KV_BINDING]), writes: this.#kv.writes, skipped: this.#kv.skipped, errors: this.#kv.errors },
      store: this.#store?.health() ?? null,
      last_request_at: this.#lastRequestAt || null,
      alarm_interval_ms: this.#alarmIntervalMs,
    };
  }
}

// CACHE_WARM keys ("price:usd", "fees", …) as route requests.
function warmRequests(value) {
  if (typeof value !== 'string' || value.trim() === '') return [];
  return value.split(',').map((item) => item.trim()).filter(Boolean).map((item) => {
    const [route, currency] = item.split(':');
    return currency ? { route, params: { currency } } : { route, params: {} };
  });
}
