// The JS half of the admission gate (web/gate.js) with injected timers: what the core hears
// for each way a host's gate can answer, fail or hang. No WASM needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { gateBridge, gateOptionsProblem } from '../../../web/gate.js';

// Lets the promise callbacks of an admit run (they are microtasks, never synchronous).
const settle = () => new Promise((resolve) => setImmediate(resolve));

function bridged(gate, options) {
  const answers = [];
  const bridge = gateBridge(gate, (...answer) => answers.push(answer), options);
  return { bridge, answers };
}

test('an allow and a denial reach the core once each, with the limits passed through', async () => {
  const asked = [];
  const timers = manualTimers();
  const { bridge, answers } = bridged({
    admit: async (provider, limit) => {
      asked.push([provider, limit]);
      return provider === 'coingecko' ? { allowed: false, retryAfterMs: 4200, reason: 'spent' } : { allowed: true };
    },
  }, { timers });
  bridge.admit(1, 'coingecko', 10, 3);
  bridge.admit(2, 'kraken', 30, 2);
  assert.deepEqual(answers, [], 'never answered synchronously inside the core');
  await settle();
  assert.deepEqual(asked, [['coingecko', { ratePerMin: 10, burst: 3 }], ['kraken', { ratePerMin: 30, burst: 2 }]]);
  assert.deepEqual(answers, [[1, false, 4200, 'spent'], [2, true, 0, '']]);
  assert.equal(timers.pending, 0, 'an answered admit leaves no timer behind');
});

test('a throwing, rejecting or nonsense gate counts as allowed; bad retry times become 0', async () => {
  const verdicts = [
    () => { throw new Error('redis down'); },
    async () => { throw new Error('redis down'); },
    async () => undefined,
    async () => ({ allowed: 'no' }),
    async () => ({ allowed: false, retryAfterMs: -5, reason: 'x'.repeat(500) }),
    async () => ({ allowed: false, retryAfterMs: 'soon' }),
  ];
  const answers = [];
  verdicts.forEach((admit, id) => gateBridge({ admit }, (...answer) => answers.push(answer)).admit(id, 'coingecko', 10, 3));
  await settle();
  assert.deepEqual(answers.slice(0, 4).map(([id, allowed]) => [id, allowed]), [[0, true], [1, true], [2, true], [3, true]]);
  assert.deepEqual(answers[4].slice(0, 3), [4, false, 0]);
  assert.equal(answers[4][3].length, 200, 'the reason is bounded');
  assert.deepEqual(answers[5], [5, false, 0, '']);
});

// A manual clock: timers fire only when the test moves time.
function manualTimers() {
  let now = 0;
  let nextId = 0;
  const pending = new Map();
  return {
    set: (fn, ms) => { pending.set(++nextId, { at: now + ms, fn }); return nextId; },
    clear: (id) => pending.delete(id),
    tick(ms) {
      now += ms;
      for (const [id, timer] of [...pending]) if (timer.at <= now) { pending.delete(id); timer.fn(); }
    },
    get pending() { return pending.size; },
  };
}

test('a gate slower than timeoutMs is allowed at the timeout and its late denial is ignored', async () => {
  const timers = manualTimers();
  let deny;
  const { bridge, answers } = bridged({ admit: () => new Promise((resolve) => { deny = () => resolve({ allowed: false }); }) }, { timeoutMs: 100, timers });
  bridge.admit(7, 'coingecko', 10, 3);
  timers.tick(99);
  await settle();
  assert.deepEqual(answers, []);
  timers.tick(1);
  assert.deepEqual(answers, [[7, true, 0, '']]);
  deny();
  await settle();
  assert.equal(answers.length, 1);
});

test('after close nothing reaches the core; pause is forwarded and its failures swallowed', async () => {
  const paused = [];
  const { bridge, answers } = bridged({
    admit: async () => ({ allowed: true }),
    pause: (provider, ms) => { paused.push([provider, ms]); if (ms > 1000) throw new Error('redis down'); return Promise.reject(new Error('async')); },
  });
  bridge.pause('coingecko', 500);
  bridge.pause('coingecko', 30000); // throws: swallowed
  assert.deepEqual(paused, [['coingecko', 500], ['coingecko', 30000]]);
  bridge.admit(1, 'coingecko', 10, 3);
  bridge.close();
  bridge.pause('coingecko', 10);
  await settle();
  assert.deepEqual(answers, []);
  assert.equal(paused.length, 2);
  // A gate without pause is fine.
  gateBridge({ admit: async () => ({ allowed: true }) }, () => {}).pause('coingecko', 10);
});

test('gateOptionsProblem names the field and what is expected', () => {
  assert.equal(gateOptionsProblem(undefined, undefined), null);
  assert.equal(gateOptionsProblem({ admit() {} }, 0), null);
  assert.match(gateOptionsProblem({}, undefined), /options\.gate\.admit: expected a function/);
  assert.match(gateOptionsProblem(42, undefined), /options\.gate: got number/);
  assert.match(gateOptionsProblem({ admit() {}, pause: 'x' }, undefined), /options\.gate\.pause/);
  assert.match(gateOptionsProblem({ admit() {} }, Number.NaN), /options\.gateTimeoutMs: got NaN; expected ms >= 0/);
});
