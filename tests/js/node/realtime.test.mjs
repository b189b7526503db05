// Real-time updates: the simulator's mempool.space WebSocket endpoint, and web/realtime.js against
// it over real sockets. Client timers run on a manual clock, so backoff, keep-alive and polling
// intervals are exact and nothing waits for them; only socket I/O is awaited.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import WebSocket from 'ws'; // Node 20 has no global WebSocket without --experimental-websocket
import { SimulatorInputError, startSimulator } from '../../../scripts/simulator/index.mjs';
import {
  createMempoolRestPoll, createRealtime, mempoolWebSocketUrl, normalizeBlock, normalizeFees, normalizeMempoolBlocks,
  normalizeMempoolInfo, normalizePrices, normalizeRestMempool, RealtimeError, TOPICS,
} from '../../../web/realtime.js';
import { until } from '../support/simulated.mjs';

const START = 1_767_225_600_000; // the simulator's default manual start (tip 900000)
const BLOCK_MS = 600_000;
const ALL_WANTS = ['blocks', 'stats', 'mempool-blocks'];
const STATS_KEYS = ['mempoolInfo', 'vBytesPerSecond', 'fees', 'da'];
const run = promisify(execFile);

// ---- helpers ----

// setTimeout/clearTimeout/now on a manual clock; advance() fires what falls due, in order.
class ManualTimers {
  #time;
  #queue = new Map(); // id → { at, fn }
  #nextId = 1;

  constructor(start) {
    this.#time = start;
  }

  now = () => this.#time;

  setTimeout = (fn, ms) => {
    const id = this.#nextId++;
    this.#queue.set(id, { at: this.#time + ms, fn });
    return id;
  };

  clearTimeout = (id) => {
    this.#queue.delete(id);
  };

  // Delays until each pending timer fires, soonest first.
  pending() {
    return [...this.#queue.values()].map((e) => e.at - this.#time).sort((a, b) => a - b);
  }

  advance(ms) {
    const end = this.#time + ms;
    for (;;) {
      let next = null;
      for (const [id, entry] of this.#queue) if (entry.at <= end && (!next || entry.at < next[1].at)) next = [id, entry];
      if (!next) break;
      this.#queue.delete(next[0]);
      this.#time = next[1].at;
      next[1].fn();
    }
    this.#time = end;
  }
}

// Collects a subscriber's updates; next() returns the first one not yet read, waiting if needed.
function collector() {
  const updates = [];
  let read = 0;
  return {
    updates,
    callback: (update) => updates.push(update),
    next: async () => {
      await until(() => updates.length > read, `update #${read + 1}`);
      return updates[read++];
    },
  };
}

async function startSim(t, options = {}) {
  const sim = await startSimulator({ clock: 'manual', ...options });
  t.after(() => sim.close());
  return sim;
}

async function rest(sim, path) {
  const res = await fetch(sim.baseUrls.MEMPOOL_API_URL + path);
  assert.equal(res.status, 200, path);
  return res.json();
}

// A raw protocol client over `ws`, reading messages in order.
async function rawClient(t, url) {
  const ws = new WebSocket(url);
  const messages = [];
  let closeInfo = null;
  let read = 0;
  ws.on('message', (data) => messages.push(JSON.parse(data.toString())));
  ws.on('close', (code, reason) => {
    closeInfo = { code, reason: reason.toString() };
  });
  ws.on('error', () => {});
  t.after(() => ws.terminate());
  await once(ws, 'open');
  return {
    ws,
    messages,
    send: (m) => ws.send(typeof m === 'string' || Buffer.isBuffer(m) ? m : JSON.stringify(m)),
    next: async () => {
      await until(() => messages.length > read, 'a WebSocket message');
      return messages[read++];
    },
    closed: () => until(() => closeInfo, 'the WebSocket to close'),
  };
}

// Nothing else is queued: a ping's answer is the very next message.
async function expectOnlyPong(client) {
  client.send({ action: 'ping' });
  assert.deepEqual(await client.next(), { pong: true });
}

// The upgrade's HTTP answer when the server refuses it.
function refusedStatus(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode);
      ws.terminate();
    });
    ws.on('error', () => {});
    ws.on('open', () => reject(new Error('the upgrade was accepted')));
  });
}

function realtime(t, sim, timers, overrides = {}) {
  const errors = [];
  const rt = createRealtime({
    url: sim.webSocketUrl,
    WebSocket,
    now: timers.now,
    setTimeout: timers.setTimeout,
    clearTimeout: timers.clearTimeout,
    random: () => 0.5,
    onError: (error) => errors.push(error),
    ...overrides,
  });
  t.after(() => rt.close());
  return { rt, errors };
}

// ---- the simulator endpoint ----

describe('simulator: mempool.space WebSocket endpoint', () => {
  test('lives at the mempool API base + /v1/ws, derived the way mempool.space does', async (t) => {
    const sim = await startSim(t);
    assert.equal(sim.webSocketUrl, `${sim.baseUrls.MEMPOOL_API_URL.replace(/^http/, 'ws')}/v1/ws`);
    assert.equal(mempoolWebSocketUrl(sim.baseUrls.MEMPOOL_API_URL), sim.webSocketUrl);
    assert.equal(mempoolWebSocketUrl('https://mempool.space/api'), 'wss://mempool.space/api/v1/ws');
    assert.equal(mempoolWebSocketUrl('https://mempool.space/api/'), 'wss://mempool.space/api/v1/ws');
    assert.equal(await refusedStatus(sim.webSocketUrl.replace('/v1/ws', '/v1/nope')), 404);
  });

  test('want sends a snapshot of each newly wanted item, from the same model as REST', async (t) => {
    const sim = await startSim(t);
    const client = await rawClient(t, sim.webSocketUrl);
    client.send({ action: 'want', data: ALL_WANTS });
    const snapshot = await client.next();
    assert.deepEqual(Object.keys(snapshot), ['blocks', ...STATS_KEYS, 'mempool-blocks']);

    // blocks: the last 8, oldest first, with extras: the REST /v1/blocks list reversed.
    assert.deepEqual(snapshot.blocks, (await rest(sim, '/v1/blocks')).slice(0, 8).reverse());
    assert.equal(snapshot.blocks.at(-1).height, 900_000);
    // fees: the precise values (decimals), as the WS sends.
    assert.deepEqual(snapshot.fees, await rest(sim, '/v1/fees/precise'));
    assert.deepEqual(snapshot.da, await rest(sim, '/v1/difficulty-adjustment'));
    // mempoolInfo is Core's getmempoolinfo: total_fee in BTC, mempoolminfee in BTC/kvB.
    const mempool = await rest(sim, '/mempool');
    const info = snapshot.mempoolInfo;
    assert.equal(info.size, mempool.count);
    assert.equal(info.bytes, mempool.vsize);
    assert.equal(info.total_fee, Number((mempool.total_fee / 1e8).toFixed(8)));
    assert.equal(Math.round(info.mempoolminfee * 1e8) / 1000, snapshot.fees.minimumFee);
    assert.equal(info.loaded, true);
    assert.ok(Number.isInteger(snapshot.vBytesPerSecond) && snapshot.vBytesPerSecond > 0);
    // mempool-blocks: the mempool cut into 1 MvB blocks (the last takes the rest), at most 8.
    const projected = snapshot['mempool-blocks'];
    assert.ok(projected.length >= 1 && projected.length <= 8);
    assert.equal(projected.reduce((sum, b) => sum + b.blockVSize, 0), mempool.vsize);
    projected.slice(0, -1).forEach((b) => assert.equal(b.blockVSize, 1_000_000));
    for (const b of projected) {
      assert.deepEqual(Object.keys(b), ['blockSize', 'blockVSize', 'nTx', 'totalFees', 'medianFee', 'feeRange']);
      assert.equal(b.feeRange.length, 7);
      assert.deepEqual(b.feeRange, [...b.feeRange].sort((x, y) => x - y));
      assert.ok(b.medianFee >= b.feeRange[0] && b.medianFee <= b.feeRange[6]);
    }

    // Each want replaces the list; items wanted already get no second snapshot.
    client.send({ action: 'want', data: ALL_WANTS });
    await expectOnlyPong(client);
    client.send({ action: 'want', data: ['blocks'] });
    await expectOnlyPong(client);
    client.send({ action: 'want', data: ['blocks', 'stats', 'tomahawk', 'bogus'] });
    assert.deepEqual(Object.keys(await client.next()), STATS_KEYS);
    assert.deepEqual(sim.webSocketClients(), [{ wants: ['blocks', 'stats', 'tomahawk'] }]);
  });

  test('advance pushes block (singular) to blocks clients, stats and mempool-blocks; conversions to everyone', async (t) => {
    const sim = await startSim(t);
    const all = await rawClient(t, sim.webSocketUrl);
    const blocksOnly = await rawClient(t, sim.webSocketUrl);
    const nothing = await rawClient(t, sim.webSocketUrl);
    all.send({ action: 'want', data: ALL_WANTS });
    blocksOnly.send({ action: 'want', data: ['blocks'] });
    await all.next();
    await blocksOnly.next();

    sim.advance(BLOCK_MS);
    const pushed = await all.next();
    assert.deepEqual(Object.keys(pushed), ['block', ...STATS_KEYS, 'mempool-blocks']);
    assert.deepEqual(pushed.block, (await rest(sim, '/v1/blocks/900001'))[0]);
    assert.deepEqual(pushed.fees, await rest(sim, '/v1/fees/precise'));
    assert.deepEqual(await blocksOnly.next(), { block: pushed.block });
    // The move crossed a 5-minute price update: `conversions` goes to every client, wanted or not.
    const prices = await rest(sim, '/v1/prices');
    for (const client of [all, blocksOnly, nothing]) assert.deepEqual(await client.next(), { conversions: prices });

    // A mempool move without a block: stats (with transactions) and mempool-blocks only.
    sim.advance(1_000);
    const stats = await all.next();
    assert.deepEqual(Object.keys(stats), ['mempoolInfo', 'vBytesPerSecond', 'transactions', 'da', 'fees', 'mempool-blocks']);
    assert.ok(stats.transactions.length <= 6);
    for (const tx of stats.transactions) {
      assert.deepEqual(Object.keys(tx), ['txid', 'fee', 'vsize', 'value', 'rate']);
      assert.match(tx.txid, /^[0-9a-f]{64}$/);
    }
    await expectOnlyPong(blocksOnly);
    await expectOnlyPong(nothing);

    // Three blocks at once: one `block` each, oldest first; the tip's message carries the stats.
    sim.advance(3 * BLOCK_MS);
    const heights = [];
    for (let i = 0; i < 3; i++) {
      const message = await all.next();
      heights.push(message.block.height);
      assert.deepEqual(Object.keys(message), i < 2 ? ['block'] : ['block', ...STATS_KEYS, 'mempool-blocks']);
    }
    assert.deepEqual(heights, [900_002, 900_003, 900_004]);
  });

  test('ping, init, invalid and unsupported messages', async (t) => {
    const sim = await startSim(t);
    const client = await rawClient(t, sim.webSocketUrl);
    client.send({ action: 'ping' });
    assert.deepEqual(await client.next(), { pong: true });
    client.send({ action: 'init' });
    const init = await client.next();
    assert.deepEqual(Object.keys(init), ['backend', 'mempoolInfo', 'vBytesPerSecond', 'blocks', 'conversions', 'mempool-blocks',
      'transactions', 'backendInfo', 'loadingIndicators', 'da', 'fees']);
    assert.equal(init.blocks.length, 8);
    assert.deepEqual(init.conversions, await rest(sim, '/v1/prices'));
    client.send('not json');
    client.send(Buffer.from([1, 2, 3]));
    client.send({ action: 'want', data: 'blocks' });
    client.send({ action: 'track-tx', txid: 'ab' });
    await expectOnlyPong(client); // ignored, connection kept
    const counts = sim.webSocketCounts();
    assert.deepEqual(counts.received, { total: 7, want: 0, init: 1, ping: 2, other: 1, invalid: 3 });
    assert.equal(counts.sent.keys.pong, 2);
    assert.deepEqual(sim.webSocketClients(), [{ wants: [] }]);
  });

  test('server limits: more than 100 messages in 10 s closes (1008); a message over 50000 bytes terminates (1009)', async (t) => {
    const sim = await startSim(t);
    const chatty = await rawClient(t, sim.webSocketUrl);
    for (let i = 0; i < 101; i++) chatty.send({ action: 'ping' });
    assert.equal((await chatty.closed()).code, 1008);
    assert.equal(chatty.messages.length, 100);
    const big = await rawClient(t, sim.webSocketUrl);
    big.send(JSON.stringify({ action: 'ping', pad: 'x'.repeat(50_000) }));
    assert.equal((await big.closed()).code, 1009);
  });

  test('controls: refuse upgrades, mute, drop (terminate or close), counts; close() ends sockets', async (t) => {
    const sim = await startSim(t);
    sim.setWebSocketEnabled(false);
    assert.equal(await refusedStatus(sim.webSocketUrl), 503);
    assert.equal(sim.webSocketCounts().refused, 1);
    sim.setWebSocketEnabled(true);

    const a = await rawClient(t, sim.webSocketUrl);
    const b = await rawClient(t, sim.webSocketUrl);
    await until(() => sim.webSocketCounts().open === 2, 'two open sockets');
    sim.setWebSocketMuted(true);
    a.send({ action: 'ping' });
    await until(() => sim.webSocketCounts().received.ping === 1, 'the ping to arrive');
    sim.setWebSocketMuted(false);
    await expectOnlyPong(a); // the muted ping was never answered

    assert.equal(sim.dropWebSockets(), 2);
    assert.equal((await a.closed()).code, 1006); // terminated: no close frame
    assert.equal((await b.closed()).code, 1006);
    const c = await rawClient(t, sim.webSocketUrl);
    assert.equal(sim.dropWebSockets({ mode: 'close' }), 1);
    assert.deepEqual(await c.closed(), { code: 1001, reason: 'going away' });
    const counts = sim.webSocketCounts();
    assert.deepEqual({ open: counts.open, accepted: counts.accepted, refused: counts.refused, dropped: counts.dropped },
      { open: 0, accepted: 3, refused: 1, dropped: 3 });
    sim.resetWebSocketCounts();
    assert.deepEqual(sim.webSocketCounts(), {
      open: 0, accepted: 0, refused: 0, dropped: 0,
      received: { total: 0, want: 0, init: 0, ping: 0, other: 0, invalid: 0 }, sent: { total: 0, keys: {} },
    });
    assert.throws(() => sim.setWebSocketEnabled('no'), (e) => e instanceof SimulatorInputError && e.field === 'enabled');
    assert.throws(() => sim.setWebSocketMuted(1), (e) => e instanceof SimulatorInputError && e.field === 'muted');
    assert.throws(() => sim.dropWebSockets({ mode: 'gently' }), (e) => e instanceof SimulatorInputError && e.field === 'mode');

    const d = await rawClient(t, sim.webSocketUrl);
    await sim.close();
    assert.equal((await d.closed()).code, 1006);
  });

  test('HTTP control API under /__sim/websocket', async (t) => {
    const sim = await startSim(t);
    const call = async (path, method = 'GET', body) => {
      const res = await fetch(sim.url + path, { method, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: res.status, json: await res.json() };
    };
    const initial = await call('/__sim/websocket');
    assert.equal(initial.status, 200);
    assert.deepEqual({ ...initial.json, counts: undefined }, {
      enabled: true, muted: false, available: true, path: '/mempool/api/v1/ws', counts: undefined, clients: [],
    });
    assert.deepEqual((await call('/__sim/websocket', 'POST', { enabled: false, muted: true })).json.enabled, false);
    assert.equal(await refusedStatus(sim.webSocketUrl), 503);
    const state = (await call('/__sim/websocket', 'POST', { enabled: true, muted: false })).json;
    assert.deepEqual([state.enabled, state.muted, state.counts.refused], [true, false, 1]);

    const client = await rawClient(t, sim.webSocketUrl);
    client.send({ action: 'want', data: ['blocks'] });
    await client.next();
    assert.deepEqual((await call('/__sim/websocket')).json.clients, [{ wants: ['blocks'] }]);
    assert.deepEqual((await call('/__sim/websocket/drop', 'POST', { mode: 'close' })).json, { dropped: 1 });
    assert.equal((await client.closed()).code, 1001);
    assert.equal((await call('/__sim/websocket/reset-counts', 'POST')).json.counts.accepted, 0);

    assert.deepEqual(await call('/__sim/websocket', 'POST', { enabled: 'yes' }), { status: 400, json: { error: 'enabled: expected true or false', field: 'enabled' } });
    assert.equal((await call('/__sim/websocket', 'POST', { colour: 1 })).json.field, 'colour');
    assert.equal((await call('/__sim/websocket/drop', 'POST', { mode: 'x' })).status, 400);
    assert.equal((await call('/__sim/websocket/nope')).status, 404);
    assert.equal((await call('/__sim/websocket/drop')).status, 405);
    assert.equal((await call('/__sim/counts')).status, 200, 'the other control endpoints still answer');
  });

  test('with the real clock the endpoint pushes mempool updates by itself', async (t) => {
    const sim = await startSim(t, { clock: 'real' });
    const client = await rawClient(t, sim.webSocketUrl);
    client.send({ action: 'want', data: ['stats'] });
    assert.deepEqual(Object.keys(await client.next()), STATS_KEYS);
    const push = await client.next(); // within about a second
    assert.ok('mempoolInfo' in push && 'transactions' in push);
  });
});

// ---- normalisation ----

describe('realtime: normalisation (units as in upstream-apis.md)', () => {
  const HASH = (c) => c.repeat(64);

  test('mempoolInfo: BTC → sat, BTC/kvB → sat/vB; fees keep decimals; 0 stays 0, missing is null', () => {
    const info = { loaded: true, size: 264505, bytes: 108875402, usage: 649908688, total_fee: 1.61036575, maxmempool: 300000000,
      mempoolminfee: 0.00001858, minrelaytxfee: 0.00001, incrementalrelayfee: 0.00001, unbroadcastcount: 0, fullrbf: true };
    assert.deepEqual(normalizeMempoolInfo(info), { count: 264505, vsize_vb: 108875402, total_fee_sat: 161036575, min_fee_sat_vb: 1.858 });
    assert.deepEqual(normalizeMempoolInfo({ size: 0, bytes: 0, total_fee: 0 }), { count: 0, vsize_vb: 0, total_fee_sat: 0, min_fee_sat_vb: null });
    assert.deepEqual(normalizeFees({ fastestFee: 2.023, halfHourFee: 1.094, hourFee: 0.502, economyFee: 0.2, minimumFee: 0 }),
      { fee_definition: 'mempool_precise', fastest_sat_vb: 2.023, half_hour_sat_vb: 1.094, hour_sat_vb: 0.502, economy_sat_vb: 0.2, minimum_sat_vb: 0 });
    assert.deepEqual(normalizeRestMempool({ count: 8134, vsize: 3444604, total_fee: 29204625, fee_histogram: [[53.01, 102131], [1.1, 775272]] }),
      { count: 8134, vsize_vb: 3444604, total_fee_sat: 29204625, min_fee_sat_vb: null, fee_histogram: [[53.01, 102131], [1.1, 775272]], projected_blocks: null });
    assert.deepEqual(normalizeMempoolBlocks([{ blockSize: 1801614, blockVSize: 997936.5, nTx: 3391, totalFees: 8170664, medianFee: 6.011, feeRange: [4.58, 5, 200] }]),
      [{ vsize_vb: 997936.5, size_bytes: 1801614, tx_count: 3391, total_fees_sat: 8170664, median_fee_sat_vb: 6.011, fee_range_sat_vb: [4.58, 5, 200] }]);
  });

  test('blocks: unix s → ms, extras optional; prices: -1 means unavailable', () => {
    const raw = { id: HASH('a'), height: 730000, timestamp: 1648829449, mediantime: 1648827418, tx_count: 1627, size: 1210916,
      weight: 3993515, difficulty: 28587155782195.1, previousblockhash: HASH('b'), unknownField: [1],
      extras: { totalFees: 16321983, medianFee: 11, pool: { id: 105, name: 'Binance Pool' } } };
    assert.deepEqual(normalizeBlock(raw), {
      height: 730000, hash: HASH('a'), timestamp_ms: 1648829449000, median_time_ms: 1648827418000, tx_count: 1627, size_bytes: 1210916,
      weight_wu: 3993515, difficulty: 28587155782195.1, previous_hash: HASH('b'), total_fees_sat: 16321983, median_fee_sat_vb: 11, pool_name: 'Binance Pool',
    });
    const bare = normalizeBlock({ id: HASH('c'), height: 0, timestamp: 1231006505, tx_count: 1 });
    assert.deepEqual([bare.height, bare.previous_hash, bare.total_fees_sat, bare.pool_name, bare.size_bytes], [0, null, null, null, null]);
    assert.deepEqual(normalizePrices({ time: 1703252411, USD: 43753, EUR: -1, JPY: 0 }), { as_of_ms: 1703252411000, prices: { usd: 43753, eur: null, jpy: 0 } });
  });

  test('bad input is a typed parse error naming the field', () => {
    const parseError = (field) => (e) => e instanceof RealtimeError && e.category === 'parse' && e.field === field && e.message.startsWith(`${field}: expected`);
    assert.throws(() => normalizeFees({ fastestFee: '7', halfHourFee: 6, hourFee: 5, economyFee: 4, minimumFee: 2 }), parseError('fees.fastestFee'));
    assert.throws(() => normalizeFees({ fastestFee: 7, halfHourFee: 6, hourFee: 5, economyFee: 4 }), parseError('fees.minimumFee'));
    assert.throws(() => normalizeBlock({ id: 'a'.repeat(64), timestamp: 1, tx_count: 1 }), parseError('block.height'));
    assert.throws(() => normalizeBlock({ id: 'xyz', height: 1, timestamp: 1, tx_count: 1 }), parseError('block.id'));
    assert.throws(() => normalizeBlock({ id: 'a'.repeat(64), height: 1.5, timestamp: 1, tx_count: 1 }), parseError('block.height'));
    assert.throws(() => normalizeMempoolInfo(null), parseError('mempoolInfo'));
    assert.throws(() => normalizeMempoolInfo({ size: 1, bytes: 1, total_fee: -1 }), parseError('mempoolInfo.total_fee'));
    assert.throws(() => normalizeMempoolBlocks({}), parseError('mempool-blocks'));
    assert.throws(() => normalizeRestMempool({ count: 1, vsize: 1, total_fee: 1, fee_histogram: [[1]] }), parseError('mempool.fee_histogram[0]'));
    assert.throws(() => normalizePrices({ time: 1, USD: 'x' }), parseError('conversions.USD'));
    assert.throws(() => mempoolWebSocketUrl('ftp://x'), (e) => e instanceof RealtimeError && e.category === 'validation' && e.field === 'apiBaseUrl');
    assert.throws(() => mempoolWebSocketUrl('nope'), (e) => e.field === 'apiBaseUrl');
  });

  test('REST poll functions: normalised data; upstream errors typed', async (t) => {
    const sim = await startSim(t);
    const poll = createMempoolRestPoll({ baseUrl: sim.baseUrls.MEMPOOL_API_URL });
    const tip = (await rest(sim, '/v1/blocks'))[0];
    assert.deepEqual(await poll.blocks(), normalizeBlock(tip));
    assert.equal((await poll.blocks()).timestamp_ms, tip.timestamp * 1000);
    assert.deepEqual(await poll.fees(), normalizeFees(await rest(sim, '/v1/fees/precise')));
    assert.deepEqual(await poll.mempool(), normalizeRestMempool(await rest(sim, '/mempool')));
    assert.deepEqual(await poll.price(), normalizePrices(await rest(sim, '/v1/prices')));
    sim.setFault('mempool.fees_precise', { kind: 'status', status: 503, times: 1 });
    await assert.rejects(poll.fees(), (e) => e instanceof RealtimeError && e.category === 'upstream_5xx' && e.upstreamStatus === 503 && e.retryable);
    sim.setFault('mempool.mempool', { kind: 'malformed', times: 1 });
    await assert.rejects(poll.mempool(), (e) => e instanceof RealtimeError && e.category === 'parse');
    sim.setFault('mempool.prices', { kind: 'status', status: 429, times: 1 });
    await assert.rejects(poll.price(), (e) => e.category === 'rate_limited');
  });
});

// ---- the client against the simulator ----

describe('realtime: createRealtime against the simulator', () => {
  test('subscribe → initial data over the socket; advance → the new block is pushed', async (t) => {
    const sim = await startSim(t);
    const timers = new ManualTimers(START);
    const { rt, errors } = realtime(t, sim, timers);
    assert.equal(rt.state().mode, 'idle');
    const blocks = collector();
    rt.subscribe('blocks', blocks.callback);
    assert.deepEqual([rt.state().mode, rt.state().socket], ['socket', 'connecting']);

    const first = await blocks.next();
    const tip = (await rest(sim, '/v1/blocks'))[0];
    assert.deepEqual(Object.keys(first), ['topic', 'data', 'source', 'receivedAt']);
    assert.deepEqual([first.topic, first.source, first.receivedAt], ['blocks', 'websocket', START]);
    assert.deepEqual(first.data, normalizeBlock(tip));
    assert.deepEqual([first.data.height, first.data.hash, first.data.timestamp_ms, first.data.pool_name, first.data.total_fees_sat],
      [900_000, tip.id, tip.timestamp * 1000, tip.extras.pool.name, tip.extras.totalFees]);
    assert.ok(Object.isFrozen(first.data), 'subscribers cannot change what others receive');

    sim.advance(BLOCK_MS);
    const second = await blocks.next();
    assert.deepEqual(second.data, normalizeBlock((await rest(sim, '/v1/blocks/900001'))[0]));
    const state = rt.state();
    assert.deepEqual([state.mode, state.connected, state.wants, state.connects, state.reconnects], ['socket', true, ['blocks'], 1, 0]);
    assert.deepEqual(state.topics.blocks, { subscribers: 1, polling: false, lastUpdateAt: START, lastSource: 'websocket' });
    assert.deepEqual(sim.webSocketClients(), [{ wants: ['blocks'] }]);
    assert.deepEqual(errors, []);
  });

  test('fees and mempool normalised from stats; one want for the union; a late subscriber gets the latest at once', async (t) => {
    const sim = await startSim(t);
    const timers = new ManualTimers(START);
    const { rt, errors } = realtime(t, sim, timers);
    const fees = collector();
    const mempool = collector();
    rt.subscribe('blocks', () => {});
    rt.subscribe('fees', fees.callback);
    const stopMempool = rt.subscribe('mempool', mempool.callback);

    const feeUpdate = await fees.next();
    const precise = await rest(sim, '/v1/fees/precise');
    assert.deepEqual(feeUpdate.data, { fee_definition: 'mempool_precise', fastest_sat_vb: precise.fastestFee, half_hour_sat_vb: precise.halfHourFee,
      hour_sat_vb: precise.hourFee, economy_sat_vb: precise.economyFee, minimum_sat_vb: precise.minimumFee });
    const mem = (await mempool.next()).data;
    const restMempool = await rest(sim, '/mempool');
    assert.deepEqual([mem.count, mem.vsize_vb, mem.total_fee_sat, mem.min_fee_sat_vb, mem.fee_histogram],
      [restMempool.count, restMempool.vsize, restMempool.total_fee, precise.minimumFee, null]);
    assert.equal(mem.projected_blocks.reduce((sum, b) => sum + b.vsize_vb, 0), restMempool.vsize);
    assert.equal(sim.webSocketCounts().received.want, 1, 'three subscriptions in one tick send one want');
    assert.deepEqual(sim.webSocketClients(), [{ wants: ALL_WANTS }]);

    const late = collector();
    rt.subscribe('fees', late.callback);
    assert.equal(await late.next(), feeUpdate, 'the latest update, replayed to the new subscriber only');
    assert.equal(fees.updates.length, 1);

    stopMempool();
    await until(() => sim.webSocketClients()[0]?.wants.length === 2, 'the narrowed want');
    assert.deepEqual(sim.webSocketClients(), [{ wants: ['blocks', 'stats'] }]);
    assert.deepEqual(rt.state().wants, ['blocks', 'stats']);
    assert.deepEqual(errors, []);
  });

  test('connection dropped → reconnect after jittered backoff, want again, dedupe the snapshot, next block arrives', async (t) => {
    const sim = await startSim(t);
    const timers = new ManualTimers(START);
    const { rt } = realtime(t, sim, timers, { backoff: { baseMs: 1_000, maxMs: 8_000 }, random: () => 0 });
    const blocks = collector();
    rt.subscribe('blocks', blocks.callback);
    await blocks.next();

    sim.dropWebSockets();
    await until(() => !rt.state().connected, 'the client to see the drop');
    let state = rt.state();
    assert.deepEqual([state.mode, state.reconnectPending, state.lastClose.code, state.failedConnects], ['socket', true, 1006, 0]);
    // The connection had worked, so the first retry waits baseMs × [0.5, 1] (random 0 → 500 ms).
    assert.deepEqual(timers.pending(), [500]);
    timers.advance(499);
    assert.equal(rt.state().socket, 'closed');
    timers.advance(1);
    assert.deepEqual([rt.state().socket, rt.state().reconnects], ['connecting', 1]);

    await until(() => sim.webSocketClients()[0]?.wants.length === 1, 'the want after reconnecting');
    assert.equal(sim.webSocketCounts().accepted, 2);
    await until(() => rt.state().counts.duplicates === 1, 'the repeated tip to be dropped');
    assert.equal(blocks.updates.length, 1, 'the same block twice is delivered once');

    sim.advance(BLOCK_MS);
    const next = await blocks.next();
    assert.deepEqual([next.data.height, next.source], [900_001, 'websocket']);
    state = rt.state();
    assert.deepEqual([state.connected, state.connects, state.reconnects, state.failedConnects], [true, 2, 1, 0]);
  });

  test('socket refused → exponential backoff, then polling via the REST routes, then back to the socket', async (t) => {
    const sim = await startSim(t);
    sim.setWebSocketEnabled(false);
    const timers = new ManualTimers(START);
    const restPoll = createMempoolRestPoll({ baseUrl: sim.baseUrls.MEMPOOL_API_URL });
    let pollCalls = 0;
    const poll = Object.fromEntries(Object.entries(restPoll).map(([topic, get]) => [topic, () => {
      pollCalls += 1;
      return get();
    }]));
    const { rt, errors } = realtime(t, sim, timers, {
      backoff: { baseMs: 1_000, maxMs: 3_000 },
      maxFailedConnects: 3,
      socketRetryMs: 60_000,
      poll,
      pollIntervalMs: { blocks: 5_000, fees: 5_000 },
    });
    const blocks = collector();
    const fees = collector();
    rt.subscribe('blocks', blocks.callback);
    rt.subscribe('fees', fees.callback);

    // Failure n waits min(maxMs, baseMs × 2^n) × (0.5 + 0.5 × random): 1500, then 2250 (capped).
    await until(() => rt.state().failedConnects === 1, 'the first refusal');
    assert.deepEqual(timers.pending(), [1_500]);
    timers.advance(1_500);
    await until(() => rt.state().failedConnects === 2, 'the second refusal');
    assert.deepEqual(timers.pending(), [2_250]);
    timers.advance(2_250);
    await until(() => rt.state().failedConnects === 3, 'the third refusal');
    assert.equal(sim.webSocketCounts().refused, 3);
    assert.equal(rt.state().mode, 'polling');
    assert.ok(errors.some((e) => e.category === 'network' && e.operation === 'connect'));

    const polled = await blocks.next();
    assert.deepEqual([polled.source, polled.data], ['polling', normalizeBlock((await rest(sim, '/v1/blocks'))[0])]);
    assert.equal((await fees.next()).source, 'polling');
    assert.deepEqual([rt.state().topics.blocks.polling, rt.state().socketRetryPending], [true, true]);

    sim.advance(BLOCK_MS);
    await until(() => rt.state().topics.blocks.polling && timers.pending().includes(5_000), 'the next poll to be scheduled');
    timers.advance(5_000);
    const polledNext = await blocks.next();
    assert.deepEqual([polledNext.source, polledNext.data.height], ['polling', 900_001]);

    // The socket is back: the periodic retry (socketRetryMs × 0.75 here) takes over and polling stops.
    sim.setWebSocketEnabled(true);
    timers.advance(45_000 - 5_000);
    await until(() => rt.state().mode === 'socket' && rt.state().connected, 'socket mode again');
    assert.deepEqual([rt.state().topics.blocks.polling, rt.state().topics.fees.polling, rt.state().failedConnects], [false, false, 0]);
    const calls = pollCalls;
    timers.advance(60_000);
    assert.equal(pollCalls, calls, 'no more polling');

    sim.advance(BLOCK_MS);
    const pushed = await blocks.next();
    assert.deepEqual([pushed.source, pushed.data.height], ['websocket', 900_002]);
  });

  test('no WebSocket constructor → polling right away (Node 20 without --experimental-websocket)', async (t) => {
    const sim = await startSim(t);
    const timers = new ManualTimers(START);
    const poll = createMempoolRestPoll({ baseUrl: sim.baseUrls.MEMPOOL_API_URL });
    const { rt } = realtime(t, sim, timers, { WebSocket: null, poll });
    const got = Object.fromEntries(TOPICS.map((topic) => [topic, collector()]));
    for (const topic of TOPICS) rt.subscribe(topic, got[topic].callback);
    for (const topic of TOPICS) {
      const update = await got[topic].next();
      assert.deepEqual([update.source, update.data], ['polling', await poll[topic]()]);
    }
    const state = rt.state();
    assert.deepEqual([state.mode, state.socket, state.socketRetryPending, sim.webSocketCounts().accepted], ['polling', 'closed', false, 0]);
    assert.deepEqual(timers.pending(), [10_000, 10_000, 30_000, 60_000], 'default poll intervals: fees, mempool, blocks, price');

    if (globalThis.WebSocket === undefined) {
      const defaulted = createRealtime({ url: sim.webSocketUrl, poll, setTimeout: timers.setTimeout, clearTimeout: timers.clearTimeout });
      t.after(() => defaulted.close());
      defaulted.subscribe('fees', () => {});
      assert.equal(defaulted.state().mode, 'polling');
    }
  });

  test('keep-alive: ping after silence, pong keeps the socket; no pong → reconnect', async (t) => {
    const sim = await startSim(t);
    const timers = new ManualTimers(START);
    const { rt, errors } = realtime(t, sim, timers, { pingIntervalMs: 30_000, pongTimeoutMs: 5_000, backoff: { baseMs: 2_000, maxMs: 8_000 } });
    const blocks = collector();
    rt.subscribe('blocks', blocks.callback);
    await blocks.next();

    timers.advance(30_000);
    await until(() => rt.state().counts.pongs === 1, 'the pong');
    assert.equal(sim.webSocketCounts().received.ping, 1);
    assert.equal(rt.state().lastPongAt, START + 30_000);
    timers.advance(5_000);
    assert.deepEqual([rt.state().connected, rt.state().reconnects], [true, 0], 'answered: the connection stays');

    sim.setWebSocketMuted(true); // the server goes silent, as a dead NAT mapping would
    timers.advance(25_000); // 30 s after the pong, the last message
    assert.deepEqual(timers.pending(), [5_000], 'the pong timeout');
    await until(() => sim.webSocketCounts().received.ping === 2, 'the second ping');
    timers.advance(4_999);
    assert.equal(rt.state().connected, true);
    timers.advance(1);
    const state = rt.state();
    assert.deepEqual([state.connected, state.reconnectPending, state.lastClose.code], [false, true, 4000]);
    assert.ok(errors.some((e) => e.category === 'timeout' && e.operation === 'keep-alive'));
    await until(() => sim.webSocketCounts().open === 0, 'the server to see the close');

    sim.setWebSocketMuted(false);
    timers.advance(1_500); // baseMs × 0.75
    await until(() => rt.state().connected && sim.webSocketClients()[0]?.wants.length === 1, 'the resubscribed socket');
    sim.advance(BLOCK_MS);
    assert.equal((await blocks.next()).data.height, 900_001);
  });

  test('dedupe across sources: a price pushed over the socket is not delivered again by the poll', async (t) => {
    const sim = await startSim(t);
    const timers = new ManualTimers(START);
    const poll = createMempoolRestPoll({ baseUrl: sim.baseUrls.MEMPOOL_API_URL });
    const { rt } = realtime(t, sim, timers, { poll: { price: poll.price }, pollIntervalMs: { price: 60_000 } });
    const price = collector();
    const blocks = collector();
    rt.subscribe('blocks', blocks.callback);
    rt.subscribe('price', price.callback);
    const first = await price.next();
    assert.deepEqual([first.source, first.data], ['polling', normalizePrices(await rest(sim, '/v1/prices'))]);
    await blocks.next();

    sim.advance(300_000); // the next 5-minute price update: `conversions` to every client
    const pushed = await price.next();
    assert.deepEqual([pushed.source, pushed.data.as_of_ms], ['websocket', START + 300_000]);
    const duplicates = rt.state().counts.duplicates;
    timers.advance(60_000);
    await until(() => rt.state().counts.duplicates === duplicates + 1, 'the polled copy to be dropped');
    assert.equal(price.updates.length, 2);
  });

  test('unsubscribe stops delivery and closes the socket when no socket topic remains', async (t) => {
    const sim = await startSim(t);
    const timers = new ManualTimers(START);
    const { rt } = realtime(t, sim, timers);
    const blocks = collector();
    const fees = collector();
    const stopBlocks = rt.subscribe('blocks', blocks.callback);
    const stopFees = rt.subscribe('fees', fees.callback);
    await blocks.next();
    await fees.next();

    stopBlocks();
    stopBlocks(); // idempotent
    await until(() => sim.webSocketClients()[0]?.wants.length === 1, 'want narrowed to stats');
    sim.advance(BLOCK_MS);
    await fees.next(); // a blocks subscriber would have had the block in this same message
    assert.equal(blocks.updates.length, 1);

    stopFees();
    assert.deepEqual([rt.state().mode, rt.state().socket, rt.state().subscribers], ['idle', 'closed', 0]);
    await until(() => sim.webSocketCounts().open === 0, 'the server to see the socket closed');
    sim.advance(BLOCK_MS);
    assert.equal(fees.updates.length, 2);
    assert.deepEqual(timers.pending(), [], 'no timers left behind');
  });

  test('subscriber exceptions are isolated; onUpdate sees each update once; limits and bad input are typed', async (t) => {
    const sim = await startSim(t);
    const timers = new ManualTimers(START);
    const seen = [];
    const { rt, errors } = realtime(t, sim, timers, { maxSubscribers: 2, onUpdate: (update) => seen.push(update) });
    rt.subscribe('blocks', () => {
      throw new Error('boom');
    });
    const good = collector();
    rt.subscribe('blocks', good.callback);
    const update = await good.next();
    assert.deepEqual(seen, [update]);
    assert.equal(errors.length, 1);
    assert.deepEqual([errors[0].category, errors[0].operation, errors[0].cause.message], ['internal', 'subscriber', 'boom']);

    const typed = (field) => (e) => e instanceof RealtimeError && e.category === 'validation' && e.field === field;
    assert.throws(() => rt.subscribe('fees', () => {}), typed('subscribe'));
    assert.throws(() => rt.subscribe('weather', () => {}), typed('topic'));
    assert.throws(() => rt.subscribe('fees', 'not a function'), typed('callback'));
    assert.throws(() => createRealtime({ url: 'https://mempool.space/api' }), typed('url'));
    assert.throws(() => createRealtime({ backoff: { baseMs: 10, maxMs: 5 } }), typed('backoff.maxMs'));
    assert.throws(() => createRealtime({ pollIntervalMs: { weather: 5 } }), typed('pollIntervalMs.weather'));
    assert.throws(() => createRealtime({ poll: { fees: 5 } }), typed('poll.fees'));
    assert.throws(() => createRealtime({ WebSocket: 'ws' }), typed('WebSocket'));

    rt.close();
    assert.equal(rt.state().mode, 'idle');
    assert.throws(() => rt.subscribe('blocks', () => {}), (e) => e instanceof RealtimeError && e.operation === 'subscribe');
    await until(() => sim.webSocketCounts().open === 0, 'close() to close the socket');
  });

  test('a bad field costs only its topic; binary and non-JSON messages are reported, the socket stays', async () => {
    // A scripted socket: the server side is the test.
    const sockets = [];
    class ScriptedWebSocket {
      readyState = 0;
      sent = [];
      constructor(url) {
        this.url = url;
        sockets.push(this);
      }
      send(text) {
        this.sent.push(JSON.parse(text));
      }
      close() {
        this.readyState = 3;
      }
      open() {
        this.readyState = 1;
        this.onopen({});
      }
      receive(data) {
        this.onmessage({ data });
      }
    }
    const timers = new ManualTimers(START);
    const errors = [];
    const rt = createRealtime({ url: 'wss://mempool.example/api/v1/ws', WebSocket: ScriptedWebSocket, now: timers.now,
      setTimeout: timers.setTimeout, clearTimeout: timers.clearTimeout, onError: (e) => errors.push(e) });
    const fees = collector();
    const blocks = collector();
    rt.subscribe('fees', fees.callback);
    rt.subscribe('blocks', blocks.callback);
    const [ws] = sockets;
    ws.open();
    await sleep(0);
    assert.deepEqual(ws.sent, [{ action: 'want', data: ['blocks', 'stats'] }]);
    ws.receive(JSON.stringify({ block: { id: 'a'.repeat(64), height: 'x', timestamp: 1, tx_count: 1 },
      fees: { fastestFee: 3, halfHourFee: 2, hourFee: 1, economyFee: 1, minimumFee: 0 } }));
    assert.equal(fees.updates[0].data.minimum_sat_vb, 0);
    assert.equal(blocks.updates.length, 0);
    assert.deepEqual([errors[0].category, errors[0].field], ['parse', 'block.height']);
    ws.receive(new Uint8Array([1]));
    ws.receive('{"fees": ');
    ws.receive('[1]');
    assert.deepEqual(errors.slice(1).map((e) => e.category), ['parse', 'parse', 'parse']);
    assert.deepEqual([rt.state().connected, sockets.length], [true, 1]);
    rt.close();
  });

  test('poll failures and malformed poll results are reported; polling carries on; oversized messages dropped', async () => {
    const timers = new ManualTimers(START);
    const errors = [];
    const answers = [
      () => Promise.reject(new Error('offline')),
      () => Promise.resolve({ fastest_sat_vb: 3, half_hour_sat_vb: 2 }),
      () => Promise.resolve({ fastest_sat_vb: 3, half_hour_sat_vb: 2, hour_sat_vb: 1, economy_sat_vb: 1, minimum_sat_vb: 0 }),
    ];
    const rt = createRealtime({ WebSocket: null, poll: { fees: () => answers.shift()() }, pollIntervalMs: { fees: 1_000 },
      now: timers.now, setTimeout: timers.setTimeout, clearTimeout: timers.clearTimeout, onError: (e) => errors.push(e) });
    const fees = collector();
    rt.subscribe('fees', fees.callback);
    await until(() => errors.length === 1, 'the failed poll');
    assert.deepEqual([errors[0].category, errors[0].operation, errors[0].cause.message], ['network', 'poll.fees', 'offline']);
    await until(() => timers.pending().length === 1, 'the next poll');
    timers.advance(1_000);
    await until(() => errors.length === 2, 'the malformed poll');
    assert.deepEqual([errors[1].category, errors[1].field], ['parse', 'poll.fees().hour_sat_vb']);
    await until(() => timers.pending().length === 1, 'the next poll');
    timers.advance(1_000);
    const update = await fees.next();
    assert.deepEqual([update.source, update.data.minimum_sat_vb, update.receivedAt], ['polling', 0, START + 2_000]);
    rt.close();

    let socket;
    const small = createRealtime({ url: 'wss://mempool.example/api/v1/ws', maxMessageChars: 20, onError: (e) => errors.push(e),
      setTimeout: timers.setTimeout, clearTimeout: timers.clearTimeout,
      WebSocket: class {
        readyState = 1;
        constructor() {
          socket = this;
        }
        send() {}
        close() {}
      } });
    small.subscribe('fees', () => {});
    socket.onopen({});
    socket.onmessage({ data: JSON.stringify({ fees: { fastestFee: 1, halfHourFee: 1, hourFee: 1, economyFee: 1, minimumFee: 1 } }) });
    assert.match(errors.at(-1).message, /exceeds maxMessageChars \(20\)/);
    small.close();
  });

  test('a socket that never opens times out as a failed attempt; an error without a close event ends it too', async () => {
    const sockets = [];
    class SilentWebSocket {
      readyState = 0;
      closed = false;
      constructor() {
        sockets.push(this);
      }
      send() {}
      close() {
        this.closed = true;
      }
    }
    const timers = new ManualTimers(START);
    const errors = [];
    const rt = createRealtime({ url: 'wss://mempool.example/api/v1/ws', WebSocket: SilentWebSocket, now: timers.now,
      setTimeout: timers.setTimeout, clearTimeout: timers.clearTimeout, random: () => 1, connectTimeoutMs: 10_000,
      backoff: { baseMs: 1_000, maxMs: 60_000 }, onError: (e) => errors.push(e) });
    rt.subscribe('blocks', () => {});
    assert.deepEqual(timers.pending(), [10_000]);
    timers.advance(10_000);
    assert.deepEqual([sockets[0].closed, rt.state().failedConnects, rt.state().reconnectPending], [true, 1, true]);
    assert.deepEqual([errors[0].category, errors[0].operation], ['timeout', 'connect']);
    assert.deepEqual(timers.pending(), [2_000]); // failure 1: baseMs × 2, random 1 → the full ceiling
    timers.advance(2_000);
    sockets[1].onerror({}); // undici after a refused handshake: error, no close
    assert.deepEqual([sockets[1].closed, rt.state().failedConnects, rt.state().lastClose.code], [true, 2, 1006]);
    assert.deepEqual(timers.pending(), [4_000]);
    rt.close();
    assert.deepEqual(timers.pending(), []);
  });

  test("Node's built-in WebSocket (--experimental-websocket) as the default constructor", async () => {
    const script = `
      import { startSimulator } from ${JSON.stringify(new URL('../../../scripts/simulator/index.mjs', import.meta.url).href)};
      import { createRealtime } from ${JSON.stringify(new URL('../../../web/realtime.js', import.meta.url).href)};
      const sim = await startSimulator({ clock: 'manual' });
      const rt = createRealtime({ url: sim.webSocketUrl });
      const heights = [];
      await new Promise((resolve) => rt.subscribe('blocks', (u) => {
        heights.push([u.data.height, u.source]);
        if (heights.length === 1) sim.advance(600000);
        else resolve();
      }));
      console.log(JSON.stringify({ heights, global: typeof WebSocket, mode: rt.state().mode }));
      rt.close();
      await sim.close();
    `;
    const { stdout } = await run(process.execPath, ['--experimental-websocket', '--no-warnings', '--input-type=module', '-e', script], { timeout: 15_000 });
    assert.deepEqual(JSON.parse(stdout.trim()), { heights: [[900_000, 'websocket'], [900_001, 'websocket']], global: 'function', mode: 'socket' });
  });

  test("Node's built-in WebSocket, upgrade refused: falls back to polling (its refusal fires no close event)", async () => {
    const script = `
      import { startSimulator } from ${JSON.stringify(new URL('../../../scripts/simulator/index.mjs', import.meta.url).href)};
      import { createMempoolRestPoll, createRealtime } from ${JSON.stringify(new URL('../../../web/realtime.js', import.meta.url).href)};
      const sim = await startSimulator({ clock: 'manual' });
      sim.setWebSocketEnabled(false);
      const poll = createMempoolRestPoll({ baseUrl: sim.baseUrls.MEMPOOL_API_URL });
      const rt = createRealtime({ url: sim.webSocketUrl, poll, maxFailedConnects: 1, socketRetryMs: 600000, connectTimeoutMs: 600000 });
      const update = await new Promise((resolve) => rt.subscribe('fees', resolve));
      const { mode, failedConnects } = rt.state();
      console.log(JSON.stringify({ source: update.source, mode, failedConnects, refused: sim.webSocketCounts().refused }));
      rt.close();
      await sim.close();
    `;
    const { stdout } = await run(process.execPath, ['--experimental-websocket', '--no-warnings', '--input-type=module', '-e', script], { timeout: 15_000 });
    assert.deepEqual(JSON.parse(stdout.trim()), { source: 'polling', mode: 'polling', failedConnects: 1, refused: 1 });
  });
});
