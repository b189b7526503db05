// `integration`: the seed's orchestrator. Health of every seed service, configuration, reports,
// cache statistics and a refresh of all data that reports per part.
import { LtlService } from './base-service.js';
import { PLUGIN_KEYS, pluginSetting } from './settings.js';

/** The seed's service names and the core service whose health each reflects. */
export const SEED_SERVICES = Object.freeze({
  'centralized-config': 'config',
  cache: 'cache',
  'performance-monitor': 'monitor',
  integration: null, // the whole: health's overall status
  'bitcoin-network': 'network',
  'market-data': 'market',
  'real-time-data': null, // the real-time client's state
});

// The data parts refreshAllData brings up to date; `price`/`market` take the currency.
const PARTS = Object.freeze(['price', 'market', 'tip', 'fees', 'mempool', 'blocks', 'difficulty', 'hashrate', 'sentiment']);

function errorFields(error) {
  return typeof error?.toJSON === 'function' ? error.toJSON().error : { category: 'internal', message: String(error?.message ?? error) };
}

export class IntegrationService extends LtlService {
  static serviceType = 'integration';
  capabilityDescription = 'bitcoin-ltl integration: health of every service, configuration, performance report, cache statistics, refresh of all data';

  /** `{ isHealthy, status, services: { <seed name>: running }, health }` (health: the client's full report). */
  async getStatus() {
    const health = await this.client.health();
    const services = {};
    for (const name of Object.keys(SEED_SERVICES)) services[name] = this.#running(name);
    return { isHealthy: health.status !== 'unhealthy', status: health.status, services, health };
  }

  /** Per seed service: registered in this runtime, and its status with the reason. */
  async getServices() {
    const health = await this.client.health();
    const realtime = this.client.realtimeState();
    const out = {};
    for (const [name, core] of Object.entries(SEED_SERVICES)) {
      let status = health.status;
      let reason = 'overall status';
      if (core) ({ status, reason } = health.services[core] ?? { status: 'unhealthy', reason: `no ${core} service in health` });
      else if (name === 'real-time-data') {
        // Degraded while its last error stands (a socket that failed, a poll that did not parse).
        status = realtime.lastError ? 'degraded' : 'healthy';
        reason = `mode ${realtime.mode}${realtime.connected ? ', socket connected' : ''}${realtime.lastError ? `; last error: ${realtime.lastError.error?.message}` : ''}`;
      }
      out[name] = { registered: this.#running(name), status, reason };
    }
    return out;
  }

  getConfig() { return this.client.config(); }
  updateConfig(overrides) { return this.client.updateConfig(overrides); }
  getPerformanceReport(options = {}) { return this.client.report(options); }

  async getCacheStats() {
    const cache = this.runtime.getService('cache');
    if (cache && typeof cache.getStats === 'function') return cache.getStats();
    return { ...this.client.cache.stats(), tier_health: (await this.client.health()).cache_tiers };
  }

  /** Calls back when the overall or a service's health changes; returns unsubscribe. */
  onHealthChange(callback) {
    return this.track(this.client.on('health', callback));
  }

  /**
   * Brings every data part up to date through the cache (a part past its TTL is fetched from its
   * providers, a fresh one is answered from cache) and reports each part on its own: one failing
   * part never rejects the whole. `{ refreshed_at, ok, failed, parts: { <part>: { ok, ... } } }`.
   */
  async refreshAllData({ currency = pluginSetting(this.runtime, PLUGIN_KEYS.currency, 'usd') } = {}) {
    const client = this.client;
    const settled = await Promise.allSettled(PARTS.map((part) =>
      (part === 'price' || part === 'market' ? client[part](currency) : client[part]())));
    const parts = {};
    let ok = 0;
    settled.forEach((result, i) => {
      if (result.status === 'fulfilled') {
        const { source, as_of, fetched_at, age_ms, stale, cache, failed } = result.value;
        parts[PARTS[i]] = { ok: true, source, as_of, fetched_at, age_ms, stale, cache, failed };
        ok += 1;
      } else {
        parts[PARTS[i]] = { ok: false, error: errorFields(result.reason) };
      }
    });
    const now = this.constructor.loadOptions.now ?? Date.now;
    return { refreshed_at: now(), ok, failed: PARTS.length - ok, parts };
  }

  #running(name) {
    const service = this.runtime.getService(name);
    return Boolean(service && service.running !== false);
  }
}
