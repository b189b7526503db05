// The hot path over bytes (web/hot-path.js, the core's plain exports): a memory hit is the stored
// answer's bytes with the serve-time fields current; keys and values of any size and script
// round-trip; failures stay typed.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LtlError } from '../../../web/index.js';
import { useManualSimulator } from '../support/simulated.mjs';

let sim;
const { withClient } = useManualSimulator(1313, { onStart: (s) => { sim = s; } });
const NO_BACKGROUND = { REALTIME_ENABLED: 'false', CACHE_WARM: '', PERFORMANCE_ENABLED: 'false', HEALTH_CHECK_ENABLED: 'false' };

// The serve-time fields, blanked: what must not differ between two serves of one stored answer.
const volatile = (text) => text.replace(/"age_ms":[0-9]+/, '"age_ms":_').replace(/"cache":"[a-z-]+"/, '"cache":_');

describe('answers over bytes', () => {
  it('serves a hit byte-identical to the miss that stored it, with age and tier as of the hit', async () => {
    await withClient(NO_BACKGROUND, async (ltl) => {
      const miss = await ltl.requestText('price', { currency: 'usd' });
      assert.match(miss, /"cache":"origin"/);
      sim.advance(1234);
      const hit = await ltl.requestText('price', { currency: 'USD' }); // canonicalised: same entry
      assert.equal(volatile(hit), volatile(miss));
      const answer = JSON.parse(hit);
      assert.equal(answer.cache, 'memory');
      assert.equal(answer.age_ms, 1234);
      assert.equal(answer.stale, false);
      assert.equal(answer.fetched_at, JSON.parse(miss).fetched_at);
      // Bytes and objects are the same answer.
      const bytes = await ltl.requestBytes('price', { currency: 'usd' });
      assert.ok(bytes instanceof Uint8Array);
      assert.equal(new TextDecoder().decode(bytes), hit);
      assert.deepEqual(await ltl.request('price', { currency: 'usd' }), answer);
    });
  });

  it('flags a copy served past its freshness, with its age then', async () => {
    await withClient({ ...NO_BACKGROUND, CACHE_TTL_FEES: '10000', CACHE_SWR_FEES: '60000' }, async (ltl) => {
      const miss = JSON.parse(await ltl.requestText('fees'));
      sim.advance(15_000);
      const stale = JSON.parse(await ltl.requestText('fees'));
      assert.equal(stale.stale, true);
      assert.equal(stale.age_ms, 15_000);
      assert.equal(stale.fetched_at, miss.fetched_at);
    });
  });

  it('rejects with typed errors, synchronously known or not', async () => {
    await withClient(NO_BACKGROUND, async (ltl) => {
      await assert.rejects(ltl.requestText('nope'), (err) => err instanceof LtlError && err.category === 'validation' && /route/.test(err.message));
      await assert.rejects(ltl.request('price', { currency: 'dollars' }), (err) => err instanceof LtlError && err.category === 'validation');
      sim.setFault('*', { kind: 'status', status: 503 });
      await assert.rejects(ltl.requestBytes('hashrate'), (err) => err instanceof LtlError && err.category === 'upstream_5xx');
    });
  });

  it('rejects a pending request when the client closes', async () => {
    await withClient(NO_BACKGROUND, async (ltl) => {
      sim.setFault('*', { kind: 'hang' });
      const pending = ltl.requestText('difficulty');
      ltl.close();
      await assert.rejects(pending, (err) => err instanceof LtlError && /closed/.test(err.message));
    });
  });
});

describe('ltl.cache over bytes', () => {
  it('round-trips keys and values of every size and script', async () => {
    await withClient(NO_BACKGROUND, async (ltl) => {
      const cases = [
        ['a', ''],
        ['ascii-key', 'plain value'],
        ['ключ-😀', 'значение — 値 — 😀'],
        ['k'.repeat(63) + 'é', 'mixed after a long ASCII prefix ' + 'x'.repeat(70) + ' ü'],
        ['big', 'y'.repeat(200_000) + '😀'], // larger than the scratch area: it grows
        ['x'.repeat(5000), 'a long key'],
      ];
      for (const [key, value] of cases) assert.equal(ltl.cache.set(key, value, { ttlMs: 60_000 }), true, key.slice(0, 20));
      for (const [key, value] of cases) {
        assert.equal(ltl.cache.has(key), true);
        assert.equal(ltl.cache.get(key), value, key.slice(0, 20));
      }
      assert.equal(ltl.cache.get('missing'), undefined);
      assert.equal(ltl.cache.has('missing'), false);
      sim.advance(60_001);
      assert.equal(ltl.cache.get('ascii-key'), undefined, 'expired on the injected clock');
    });
  });
});
