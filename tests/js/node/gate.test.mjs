// A host's admission gate (a fleet-wide provider budget) in front of every upstream attempt,
// against the WASM build and the upstream simulator on its manual clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { LtlError } from '../../../web/index.js';
import { metricValue, useManualSimulator } from '../support/simulated.mjs';

const CURRENCIES = ['usd', 'eur', 'gbp', 'jpy', 'cad', 'chf', 'aud'];
const COINGECKO_PRICE = 'coingecko.simple_price';
const COINBASE_PRICE = 'coinbase.spot';

let sim;
const { calls, client, withClient } = useManualSimulator(12, { onStart: (started) => { sim = started; } });

// Allows `budget` attempts per provider, then denies; records every question and pause.
function countingGate(budget) {
  const asked = [];
  const paused = [];
  const spent = new Map();
  return {
    asked,
    paused,
    async admit(provider, limit) {
      asked.push({ provider, ...limit });
      const used = spent.get(provider) ?? 0;
      if (provider === 'coingecko' && used >= budget) return { allowed: false, retryAfterMs: 6000, reason: 'fleet budget spent' };
      spent.set(provider, used + 1);
      return { allowed: true };
    },
    pause(provider, ms) { paused.push({ provider, ms }); },
  };
}

test('a gate that allows 2 CoinGecko calls: seven currencies make 2 CoinGecko calls, the next provider answers the rest', async () => {
  const gate = countingGate(2);
  await withClient({ COINGECKO_RATE_PER_MIN: '6000' }, async (ltl) => {
    const quotes = await Promise.all(CURRENCIES.map((currency) => ltl.price(currency)));
    assert.equal(calls(COINGECKO_PRICE), 2);
    assert.equal(calls(COINBASE_PRICE), 5);
    const from = (source) => quotes.filter((quote) => quote.source === source);
    assert.equal(from('coingecko').length, 2);
    assert.equal(from('coinbase').length, 5);
    for (const quote of from('coinbase')) {
      assert.equal(quote.failed.length, 1);
      assert.equal(quote.failed[0].provider, 'coingecko');
      assert.equal(quote.failed[0].category, 'rate_limited');
      assert.match(JSON.stringify(quote.failed[0]), /fleet budget spent/);
    }
    // Asked with this process's limits: CoinGecko 6000/min as configured, burst from the defaults.
    const coingecko = gate.asked.filter((ask) => ask.provider === 'coingecko');
    assert.equal(coingecko.length, 7);
    assert.ok(coingecko.every((ask) => ask.ratePerMin === 6000 && ask.burst >= 1), JSON.stringify(coingecko[0]));
    assert.equal(gate.asked.filter((ask) => ask.provider === 'coinbase').length, 5);
    const metrics = await ltl.metrics();
    assert.equal(metricValue(metrics, 'ltl_fleet_admission_denied_total', { provider: 'coingecko' }), 5);
    // A denial is not a provider failure: CoinGecko made 2 attempts, both fine, and no errors.
    assert.equal(metricValue(metrics, 'ltl_upstream_requests_total', { provider: 'coingecko', outcome: 'ok' }), 2);
    assert.equal(metricValue(metrics, 'ltl_upstream_errors_total', { provider: 'coingecko' }), 0);
  }, { gate });
});

test('a gate whose admit throws, rejects or hangs: every request is still answered (local limits only)', async () => {
  const gates = {
    throws: { admit() { throw new Error('redis down'); } },
    rejects: { admit: async () => { throw new Error('redis down'); } },
    hangs: { admit: () => new Promise(() => {}) },
    garbage: { admit: async () => 'yes' },
  };
  for (const [kind, gate] of Object.entries(gates)) {
    await withClient({}, async (ltl) => {
      const started = Date.now();
      const quotes = await Promise.all(['usd', 'eur', 'gbp'].map((currency) => ltl.price(currency)));
      assert.deepEqual(quotes.map((quote) => quote.source), ['coingecko', 'coingecko', 'coingecko'], kind);
      assert.ok(quotes.every((quote) => quote.failed.length === 0), kind);
      if (kind === 'hangs') assert.ok(Date.now() - started >= 20, 'a hanging gate is waited for gateTimeoutMs');
      const metrics = await ltl.metrics();
      assert.equal(metricValue(metrics, 'ltl_fleet_admission_denied_total', { provider: 'coingecko' }), 0, kind);
    }, { gate, gateTimeoutMs: 20 });
    sim.resetCounts();
  }
});

test('a 429 with Retry-After from the provider pauses that provider for the fleet', async () => {
  const gate = countingGate(100);
  sim.setFault(COINGECKO_PRICE, { kind: 'status', status: 429, retryAfter: 30, times: 1 });
  await withClient({}, async (ltl) => {
    const quote = await ltl.price('usd');
    assert.equal(quote.source, 'coinbase');
    assert.equal(quote.failed[0].category, 'rate_limited');
    assert.deepEqual(gate.paused, [{ provider: 'coingecko', ms: 30_000 }]);
  }, { gate });
});

test('a bare denial (no retry time, no reason) still moves on to the next provider, named in failed', async () => {
  const gate = { admit: async (provider) => (provider === 'coingecko' ? { allowed: false } : { allowed: true }) };
  await withClient({}, async (ltl) => {
    const quote = await ltl.price('usd');
    assert.equal(quote.source, 'coinbase');
    assert.equal(calls(COINGECKO_PRICE), 0);
    assert.equal(quote.failed[0].category, 'rate_limited');
    assert.match(quote.failed[0].message, /fleet budget "coingecko" denied the attempt$/);
  }, { gate });
});

test('options.gate and options.gateTimeoutMs are checked before anything loads', async () => {
  for (const [options, pattern] of [
    [{ gate: {} }, /options\.gate\.admit: expected a function/],
    [{ gate: 'redis' }, /options\.gate: got string/],
    [{ gate: { admit() {}, pause: 5 } }, /options\.gate\.pause/],
    [{ gate: { admit() {} }, gateTimeoutMs: -1 }, /options\.gateTimeoutMs: got -1; expected ms >= 0/],
  ]) {
    await assert.rejects(client({}, options), (err) => err instanceof LtlError && err.category === 'validation' && pattern.test(err.message));
  }
});
