// The seed's infrastructure services (centralized-config, cache, performance-monitor), mapped
// onto the shared bitcoin-ltl client.
import { LtlService, invalidArgument } from './base-service.js';

/** `centralized-config`: the client's one typed configuration, read and updated at run time. */
export class CentralizedConfigService extends LtlService {
  static serviceType = 'centralized-config';
  capabilityDescription = 'bitcoin-ltl configuration: effective values (secrets redacted), validated run-time updates';

  /** The effective configuration (secrets redacted). */
  getAll() {
    return this.client.config();
  }

  /** One key's effective value, or undefined for a key the client does not have. */
  async get(key) {
    return (await this.client.config())[key];
  }

  /** Applies keys at run time, all or nothing; rejects with an LtlError (category config) naming a bad key. */
  update(overrides) {
    return this.client.updateConfig(overrides);
  }

  /** Calls back on every applied update; returns unsubscribe. */
  onChange(callback) {
    return this.track(this.client.on('config', callback));
  }
}

// User keys live under their own prefix in the client's memory tier, so they can never be
// mistaken for (or overwrite) the data keys (`price:usd`, `fees`, ...).
const APP_PREFIX = 'app:';

function checkKey(operation, key) {
  if (typeof key !== 'string' || key === '') throw invalidArgument(operation, `key: got ${typeof key === 'string' ? '""' : typeof key}; expected a non-empty string`);
}

/** `cache`: JSON values in the client's bounded memory tier, plus invalidation of data keys. */
export class CacheService extends LtlService {
  static serviceType = 'cache';
  capabilityDescription = 'bitcoin-ltl cache: bounded LRU memory tier with TTLs, hit/miss statistics, invalidation by key, glob or tag';

  /** The cached value, or null when absent or expired. */
  async get(key) {
    checkKey('cache.get', key);
    const text = this.client.cache.get(APP_PREFIX + key);
    return text === undefined ? null : JSON.parse(text);
  }

  /**
   * Stores a JSON-serialisable value for `ttlMs` (default: the effective CACHE_DEFAULT_TTL, which
   * the client reports as 30000 ms when not set). False when the value is over
   * CACHE_MAX_ENTRY_BYTES or the cache is disabled.
   */
  async set(key, value, ttlMs) {
    checkKey('cache.set', key);
    const text = JSON.stringify(value);
    if (text === undefined) throw invalidArgument('cache.set', `value: got ${typeof value}; expected a JSON-serialisable value`);
    const ttl = ttlMs ?? Number((await this.client.config()).CACHE_DEFAULT_TTL);
    return this.client.cache.set(APP_PREFIX + key, text, { ttlMs: ttl });
  }

  async has(key) {
    checkKey('cache.has', key);
    return this.client.cache.has(APP_PREFIX + key);
  }

  /** True when the key was present (in any tier). */
  async delete(key) {
    checkKey('cache.delete', key);
    // An app value is deleted, not kept for stale-if-error: purge.
    const removed = await this.client.invalidate({ key: APP_PREFIX + key, purge: true });
    return removed.memory_removed + removed.persistent_removed > 0;
  }

  /**
   * A string is a glob (`*`, `?`) over this service's keys; `{ key }`, `{ glob }` or `{ tag }`
   * invalidates the client's data keys (e.g. `{ tag: 'price' }`) in every tier. Counts removed.
   */
  invalidate(pattern) {
    if (typeof pattern === 'string') return this.client.invalidate({ glob: APP_PREFIX + pattern, purge: true });
    if (pattern && typeof pattern === 'object') return this.client.invalidate(pattern);
    return Promise.reject(invalidArgument('cache.invalidate', `pattern: got ${pattern === null ? 'null' : typeof pattern}; expected a glob string or { key } / { glob } / { tag }`));
  }

  /** The client's cache counters (origin fetches, per tier hits, misses, hit_rate, entries, bytes, evictions) and each tier's health. */
  async getStats() {
    const health = await this.client.health();
    return { ...this.client.cache.stats(), tier_health: health.cache_tiers };
  }
}

/** `performance-monitor`: the client's metrics, reports and alerts. */
export class PerformanceMonitorService extends LtlService {
  static serviceType = 'performance-monitor';
  capabilityDescription = 'bitcoin-ltl performance: metric snapshot, reports with recommendations, threshold alerts';

  /** Every metric family with its samples (latencies in ms, counters, gauges). */
  getCurrentMetrics() {
    return this.client.metrics();
  }

  /** Percentiles, error and hit rates, slowest providers, trends and recommendations over `windowMs` (default 1 h). */
  generateReport(options = {}) {
    return this.client.report(options);
  }

  /** Active and recent alerts. */
  getAlerts() {
    return this.client.alerts();
  }

  /** Calls back on each raised or resolved alert; returns unsubscribe (stop() unsubscribes too). */
  onAlert(callback) {
    return this.track(this.client.on('alert', callback));
  }

  /** Prometheus text exposition 0.0.4. */
  getPrometheusText() {
    return this.client.metricsText();
  }
}
