// Shared by the Node suites that drive the package against the upstream simulator.
import assert from 'node:assert/strict';
import { after, before, beforeEach } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { createClient } from '../../../web/index.js';
import { startSimulator } from '../../../scripts/simulator/index.mjs';

export const PROVIDER_KEYS = Object.freeze(['MEMPOOL', 'ESPLORA', 'BLOCKCHAIN_INFO', 'COINGECKO', 'COINBASE', 'KRAKEN', 'BINANCE', 'FNG']);

// On the simulator's manual clock the per-host token buckets would never refill: lift them.
export const UNTHROTTLED = Object.freeze(Object.fromEntries(PROVIDER_KEYS.map((p) => [`${p}_RATE_PER_MIN`, '100000'])));

/** Polls `condition` (sync or async) every 2 ms until it is truthy; its value, or a timeout error naming `what`. */
export async function until(condition, what, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

// One attempt per call, no refresh-ahead (it would add background fetches to the counts), limits lifted.
// The suites exercise four price providers for "usd", so Binance's BTCUSDT may stand in (marked
// quote "USDT"); the product default (false) is tested explicitly in routes.test.mjs.
export const CLIENT_DEFAULTS = Object.freeze({
  ...UNTHROTTLED, RETRY_MAX_ATTEMPTS: '1', CACHE_REFRESH_AHEAD_PCT: '0', BINANCE_USDT_AS_USD: 'true',
});

/**
 * Registers before/after hooks that run one simulator on its manual clock for the file, with faults
 * and counters reset before each test. The client's wall clock is the simulator's, so TTLs and ages
 * are exact. `onStart(sim)` hands the simulator to the file.
 */
export function useManualSimulator(seed, { onStart = () => {}, defaults = CLIENT_DEFAULTS } = {}) {
  let sim;
  before(async () => {
    sim = await startSimulator({ seed, clock: 'manual' });
    onStart(sim);
  });
  after(() => sim.close());
  beforeEach(() => {
    sim.clearFaults();
    sim.resetCounts();
  });
  const client = (config = {}, options = {}) =>
    createClient({ ...sim.baseUrls, ...defaults, ...config }, { now: () => sim.now(), ...options });
  return {
    client,
    /** Upstream requests the simulator counted for one route id since the last reset. */
    calls: (routeId) => sim.counts().routes[routeId] ?? 0,
    async withClient(config, body, options) {
      const ltl = await client(config, options);
      try {
        return await body(ltl);
      } finally {
        ltl.close();
      }
    },
  };
}

/** One sample of a metric in a metrics() snapshot (labels matched as a subset). */
export function metricSample(snapshot, name, labels = {}) {
  const metric = snapshot.metrics.find((m) => m.name === name);
  assert.ok(metric, `metric ${name} is declared`);
  return metric.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

export const metricValue = (snapshot, name, labels) => metricSample(snapshot, name, labels)?.value ?? 0;
