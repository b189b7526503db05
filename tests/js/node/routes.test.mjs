// Issue 6 through the JS API: every route against the simulator, checked field by field against
// what the simulator serves (units normalised: sat/vB, H/s, unix ms), 0 kept as 0 and missing as
// null, the market consensus with an outlier, the network summary with a failed part, and the
// real-time path over the simulator's mempool.space WebSocket (with the `ws` package), including
// reconnect and the polling fallback. The client's wall clock is the simulator's manual clock.
import { test, describe, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws'; // Node 20 has no global WebSocket without --experimental-websocket

import { LtlError } from '../../../web/index.js';
import { until, useManualSimulator } from '../support/simulated.mjs';

const BLOCK_MS = 600_000;
const HALVING_BLOCKS = 210_000;

let sim;
const { calls, withClient } = useManualSimulator(5, { onStart: (started) => { sim = started; } });
beforeEach(() => {
  sim.setWebSocketEnabled(true);
});

// What the simulator serves right now (the same instant the client saw, on the manual clock).
async function served(base, path) {
  const res = await fetch(sim.baseUrls[base] + path);
  const text = await res.text();
  return res.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : text;
}

function assertFreshFrom(answer, source) {
  assert.equal(answer.source, source);
  assert.equal(answer.stale, false);
  assert.deepEqual(answer.failed, []);
  assert.equal(answer.fetched_at, sim.now());
  assert.equal(typeof answer.as_of, 'number');
  assert.ok(answer.as_of > 1_500_000_000_000 && answer.as_of <= sim.now(), `as_of ${answer.as_of} is unix ms, not in the future`);
}

describe('network routes against mempool.space (the simulator)', () => {
  test('fees: sat/vB equal to /v1/fees/precise, the WebSocket\'s definition, and labelled so (issue 15 item 4)', async () => {
    await withClient({}, async (ltl) => {
      const fees = await ltl.fees();
      assert.equal(calls('mempool.fees_recommended'), 0, 'the rounded endpoint is not read');
      const body = await served('MEMPOOL_API_URL', '/v1/fees/precise');
      const recommended = await served('MEMPOOL_API_URL', '/v1/fees/recommended');
      assertFreshFrom(fees, 'mempool');
      assert.equal(fees.fee_definition, 'mempool_precise');
      assert.ok(!Number.isInteger(body.hourFee) && body.hourFee !== recommended.hourFee, 'precondition: precise differs from recommended');
      assert.equal(fees.fastest_sat_vb, body.fastestFee);
      assert.equal(fees.half_hour_sat_vb, body.halfHourFee);
      assert.equal(fees.hour_sat_vb, body.hourFee);
      assert.equal(fees.economy_sat_vb, body.economyFee);
      assert.equal(fees.minimum_sat_vb, body.minimumFee);
    });
  });

  test('mempool: count, vsize (vB), total fee (sat) and the fee histogram as served', async () => {
    await withClient({}, async (ltl) => {
      const mempool = await ltl.mempool();
      const body = await served('MEMPOOL_API_URL', '/mempool');
      assertFreshFrom(mempool, 'mempool');
      assert.equal(mempool.count, body.count);
      assert.equal(mempool.vsize_vb, body.vsize);
      assert.equal(mempool.total_fee_sat, body.total_fee);
      assert.deepEqual(mempool.fee_histogram, body.fee_histogram);
    });
  });

  test('tip: height and hash from the plain-text endpoints', async () => {
    await withClient({}, async (ltl) => {
      const tip = await ltl.tip();
      assertFreshFrom(tip, 'mempool');
      assert.equal(tip.height, Number(await served('MEMPOOL_API_URL', '/blocks/tip/height')));
      assert.equal(tip.hash, await served('MEMPOOL_API_URL', '/blocks/tip/hash'));
      assert.equal(tip.height, sim.state().height);
      assert.match(tip.hash, /^[0-9a-f]{64}$/);
    });
  });

  test('blocks: every summary matches /v1/blocks (seconds → ms, extras → fees and pool)', async () => {
    await withClient({}, async (ltl) => {
      const { blocks, ...provenance } = await ltl.blocks();
      const body = await served('MEMPOOL_API_URL', '/v1/blocks');
      assertFreshFrom(provenance, 'mempool');
      assert.equal(blocks.length, body.length);
      blocks.forEach((block, i) => {
        const raw = body[i];
        assert.equal(block.height, raw.height);
        assert.equal(block.hash, raw.id);
        assert.equal(block.timestamp_ms, raw.timestamp * 1000);
        assert.equal(block.tx_count, raw.tx_count);
        assert.equal(block.size_bytes, raw.size);
        assert.equal(block.weight_wu, raw.weight);
        assert.equal(block.median_fee_sat_vb, raw.extras.medianFee);
        assert.equal(block.total_fees_sat, raw.extras.totalFees);
        assert.equal(block.pool_name, raw.extras.pool.name);
      });
      assert.equal(blocks[0].height, sim.state().height);
    });
  });

  test('difficulty: progress %, change %, remaining blocks and time, retarget time in unix ms', async () => {
    await withClient({}, async (ltl) => {
      const difficulty = await ltl.difficulty();
      const body = await served('MEMPOOL_API_URL', '/v1/difficulty-adjustment');
      assertFreshFrom(difficulty, 'mempool');
      assert.equal(difficulty.progress_pct, body.progressPercent);
      assert.equal(difficulty.change_pct, body.difficultyChange);
      assert.equal(difficulty.remaining_blocks, body.remainingBlocks);
      assert.equal(difficulty.remaining_time_ms, body.remainingTime);
      assert.equal(difficulty.estimated_retarget_ms, body.estimatedRetargetDate);
      assert.equal(difficulty.previous_retarget_pct, body.previousRetarget);
      assert.equal(difficulty.next_retarget_height, body.nextRetargetHeight);
      assert.equal(difficulty.previous_retarget_time_ms, body.previousTime * 1000);
      assert.equal(difficulty.time_avg_ms, body.timeAvg);
      // A retarget date in ms lies in the future, about remaining_time_ms from now.
      assert.ok(Math.abs(difficulty.estimated_retarget_ms - (sim.now() + difficulty.remaining_time_ms)) < BLOCK_MS);
    });
  });

  test('hashrate: H/s equal to currentHashrate, with the current difficulty', async () => {
    await withClient({}, async (ltl) => {
      const hashrate = await ltl.hashrate();
      const body = await served('MEMPOOL_API_URL', '/v1/mining/hashrate/3d');
      assertFreshFrom(hashrate, 'mempool');
      assert.equal(hashrate.current_hashrate_hs, body.currentHashrate);
      assert.equal(hashrate.current_difficulty, body.currentDifficulty);
      assert.equal(hashrate.current_hashrate_hs, sim.state().hashrate);
      assert.ok(hashrate.current_hashrate_hs > 1e20, 'H/s, not EH/s or GH/s');
    });
  });
});

describe('network fallbacks: esplora and blockchain.info, with their units', () => {
  test('fees from esplora /fee-estimates (targets 1, 3, 6, 144, 1008 blocks)', async () => {
    await withClient({}, async (ltl) => {
      sim.setFault('mempool.fees_precise', { kind: 'status', status: 503 });
      const fees = await ltl.fees();
      const estimates = await served('ESPLORA_API_URL', '/fee-estimates');
      assert.equal(fees.source, 'esplora');
      assert.equal(fees.fee_definition, 'esplora_targets');
      assert.equal(fees.failed[0].provider, 'mempool');
      assert.equal(fees.fastest_sat_vb, estimates['1']);
      assert.equal(fees.half_hour_sat_vb, estimates['3']);
      assert.equal(fees.hour_sat_vb, estimates['6']);
      assert.equal(fees.economy_sat_vb, estimates['144']);
      assert.equal(fees.minimum_sat_vb, estimates['1008']);
    });
  });

  test('mempool and blocks from esplora: the fields esplora lacks stay null', async () => {
    await withClient({}, async (ltl) => {
      sim.setFault('mempool.mempool', { kind: 'status', status: 500 });
      sim.setFault('mempool.blocks_v1', { kind: 'status', status: 500 });
      const mempool = await ltl.mempool();
      const rawMempool = await served('ESPLORA_API_URL', '/mempool');
      assert.equal(mempool.source, 'esplora');
      assert.equal(mempool.count, rawMempool.count);
      assert.equal(mempool.vsize_vb, rawMempool.vsize);
      assert.equal(mempool.total_fee_sat, rawMempool.total_fee);
      const { blocks, source } = await ltl.blocks();
      const raw = await served('ESPLORA_API_URL', '/blocks');
      assert.equal(source, 'esplora');
      assert.equal(blocks.length, raw.length);
      for (const [i, block] of blocks.entries()) {
        assert.equal(block.hash, raw[i].id);
        assert.equal(block.timestamp_ms, raw[i].timestamp * 1000);
        assert.equal(block.median_fee_sat_vb, null, 'esplora has no extras: null, not 0');
        assert.equal(block.total_fees_sat, null);
        assert.equal(block.pool_name, null);
      }
    });
  });

  test('tip from blockchain.info: the height, and a null hash (its query API has none)', async () => {
    await withClient({}, async (ltl) => {
      sim.setFault('mempool.tip_height', { kind: 'status', status: 500 });
      sim.setFault('esplora.tip_height', { kind: 'status', status: 500 });
      const tip = await ltl.tip();
      assert.equal(tip.source, 'blockchain_info');
      assert.equal(tip.height, Number(await served('BLOCKCHAIN_INFO_API_URL', '/q/getblockcount')));
      assert.equal(tip.hash, null);
      assert.deepEqual(tip.failed.map((f) => f.provider), ['mempool', 'esplora']);
    });
  });

  test('hashrate from blockchain.info: GH/s × 1e9 = H/s, timestamp in ms', async () => {
    await withClient({}, async (ltl) => {
      sim.setFault('mempool.hashrate', { kind: 'status', status: 500 });
      const hashrate = await ltl.hashrate();
      const stats = await served('BLOCKCHAIN_INFO_API_URL', '/stats');
      assert.equal(hashrate.source, 'blockchain_info');
      assert.equal(hashrate.current_hashrate_hs, stats.hash_rate * 1e9);
      assert.equal(hashrate.current_difficulty, stats.difficulty);
      assert.equal(hashrate.as_of, stats.timestamp);
      sim.clearFaults();
      const mempool = await served('MEMPOOL_API_URL', '/v1/mining/hashrate/3d');
      assert.ok(Math.abs(hashrate.current_hashrate_hs / mempool.currentHashrate - 1) < 1e-9, 'same unit as mempool.space');
    });
  });
});

describe('sentiment and prices', () => {
  test('sentiment: the Fear & Greed value as a number, classification, timestamps in ms', async () => {
    await withClient({}, async (ltl) => {
      const sentiment = await ltl.sentiment();
      const body = await served('FNG_API_URL', '/fng/?limit=1');
      const raw = body.data[0];
      assertFreshFrom(sentiment, 'fng');
      assert.equal(typeof sentiment.value, 'number');
      assert.equal(sentiment.value, Number(raw.value));
      assert.ok(sentiment.value >= 0 && sentiment.value <= 100);
      assert.equal(sentiment.classification, raw.value_classification);
      assert.equal(sentiment.timestamp_ms, Number(raw.timestamp) * 1000);
      assert.equal(sentiment.time_until_update_ms, Number(raw.time_until_update) * 1000);
      assert.equal(sentiment.as_of, sentiment.timestamp_ms, 'as_of is the provider\'s own timestamp');
    });
  });

  test('price from each provider alone, in its own format (string amounts, Kraken keys, Binance USDT)', async () => {
    await withClient({ PRICE_PROVIDERS: 'coinbase' }, async (ltl) => {
      const quote = await ltl.price('gbp');
      const body = await served('COINBASE_API_URL', '/prices/BTC-GBP/spot');
      assertFreshFrom(quote, 'coinbase');
      assert.equal(quote.currency, 'gbp');
      assert.equal(quote.price, Number(body.data.amount));
      for (const missing of ['market_cap', 'volume_24h', 'change_24h_pct', 'change_since_utc_midnight_pct']) {
        assert.equal(quote[missing], null, `coinbase has no ${missing}: null, not 0`);
      }
    });
    await withClient({ PRICE_PROVIDERS: 'kraken' }, async (ltl) => {
      const quote = await ltl.price('usd');
      const ticker = (await served('KRAKEN_API_URL', '/Ticker?pair=XBTUSD')).result.XXBTZUSD;
      assertFreshFrom(quote, 'kraken');
      assert.equal(quote.price, Number(ticker.c[0]));
      assert.equal(quote.volume_24h, Number(ticker.v[1]) * Number(ticker.p[1]), 'BTC volume × VWAP = fiat volume');
      assert.equal(quote.change_since_utc_midnight_pct, (Number(ticker.c[0]) / Number(ticker.o) - 1) * 100);
      assert.equal(quote.market_cap, null);
      const chf = await ltl.price('chf'); // answered under the plain XBTCHF key
      const chfTicker = (await served('KRAKEN_API_URL', '/Ticker?pair=XBTCHF')).result.XBTCHF;
      assert.equal(chf.price, Number(chfTicker.c[0]));
    });
    await withClient({ PRICE_PROVIDERS: 'binance' }, async (ltl) => {
      const quote = await ltl.price('usd');
      const ticker = await served('BINANCE_API_URL', '/ticker/24hr?symbol=BTCUSDT');
      assert.equal(quote.source, 'binance');
      assert.equal(quote.price, Number(ticker.lastPrice));
      assert.equal(quote.volume_24h, Number(ticker.quoteVolume));
      assert.equal(quote.change_24h_pct, Number(ticker.priceChangePercent));
      assert.equal(quote.as_of, ticker.closeTime);
      assert.equal(quote.market_cap, null);
    });
  });

  test("Kraken's error array with HTTP 200 is a typed failure, and the chain moves on", async () => {
    await withClient({ PRICE_PROVIDERS: 'kraken,binance' }, async (ltl) => {
      sim.setFault('kraken.ticker', { kind: 'body', body: { error: ['EService:Unavailable'], result: {} } });
      const quote = await ltl.price('usd');
      assert.equal(quote.source, 'binance');
      assert.equal(quote.failed[0].provider, 'kraken');
      assert.equal(quote.failed[0].category, 'upstream_5xx');
      assert.equal(quote.failed[0].upstream_status, 200);
      assert.match(quote.failed[0].message, /EService:Unavailable/);
    });
  });
});

describe('0 stays 0, missing stays null', () => {
  test('a fee of 0 sat/vB is 0', async () => {
    await withClient({}, async (ltl) => {
      sim.setFault('mempool.fees_precise', { kind: 'body', body: { fastestFee: 2, halfHourFee: 1, hourFee: 1, economyFee: 0, minimumFee: 0 } });
      const fees = await ltl.fees();
      assert.equal(fees.source, 'mempool');
      assert.equal(fees.economy_sat_vb, 0);
      assert.equal(fees.minimum_sat_vb, 0);
      assert.equal(fees.fastest_sat_vb, 2);
    });
  });

  test('an empty mempool is count 0, vsize 0, fee 0 and an empty histogram', async () => {
    await withClient({}, async (ltl) => {
      sim.setFault('mempool.mempool', { kind: 'body', body: { count: 0, vsize: 0, total_fee: 0, fee_histogram: [] } });
      const mempool = await ltl.mempool();
      assert.equal(mempool.source, 'mempool');
      assert.equal(mempool.count, 0);
      assert.equal(mempool.vsize_vb, 0);
      assert.equal(mempool.total_fee_sat, 0);
      assert.deepEqual(mempool.fee_histogram, []);
    });
  });

  test('a Fear & Greed value of "0" is 0', async () => {
    await withClient({}, async (ltl) => {
      const timestamp = String(Math.floor(sim.now() / 86_400_000) * 86_400);
      sim.setFault('fng.fng', {
        kind: 'body',
        body: { name: 'Fear and Greed Index', data: [{ value: '0', value_classification: 'Extreme Fear', timestamp, time_until_update: '0' }], metadata: { error: null } },
      });
      const sentiment = await ltl.sentiment();
      assert.equal(sentiment.value, 0);
      assert.equal(sentiment.classification, 'Extreme Fear');
      assert.equal(sentiment.time_until_update_ms, 0);
      assert.equal(sentiment.timestamp_ms, Number(timestamp) * 1000);
    });
  });

  test('a 24 h change of 0 % is 0; absent market cap and volume are null', async () => {
    await withClient({ PRICE_PROVIDERS: 'coingecko' }, async (ltl) => {
      const updated = Math.floor(sim.now() / 1000);
      sim.setFault('coingecko.simple_price', { kind: 'body', body: { bitcoin: { usd: 65_000.5, usd_24h_change: 0, last_updated_at: updated } } });
      const quote = await ltl.price('usd');
      assert.equal(quote.price, 65_000.5);
      assert.equal(quote.change_24h_pct, 0);
      assert.equal(quote.market_cap, null);
      assert.equal(quote.volume_24h, null);
      assert.equal(quote.as_of, updated * 1000);
    });
  });
});

describe('market consensus', () => {
  // Kraken's real ticker body with every price 10 % higher.
  async function krakenOutlierBody() {
    const body = await served('KRAKEN_API_URL', '/Ticker?pair=XBTUSD');
    const ticker = body.result.XXBTZUSD;
    const up = (text) => (Number(text) * 1.1).toFixed(5);
    for (const key of ['a', 'b', 'c']) ticker[key][0] = up(ticker[key][0]);
    for (const key of ['p', 'l', 'h']) ticker[key] = ticker[key].map(up);
    ticker.o = up(ticker.o);
    return body;
  }

  async function servedQuotes() {
    const coingecko = await served('COINGECKO_API_URL', '/simple/price?ids=bitcoin&vs_currencies=usd&include_market_cap=true');
    return {
      coingecko: coingecko.bitcoin.usd,
      coinbase: Number((await served('COINBASE_API_URL', '/prices/BTC-USD/spot')).data.amount),
      binance: Number((await served('BINANCE_API_URL', '/ticker/24hr?symbol=BTCUSDT')).lastPrice),
      marketCap: coingecko.bitcoin.usd_market_cap,
    };
  }

  const median = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  };

  test('four providers agree: the median, a small spread, no outliers', async () => {
    await withClient({}, async (ltl) => {
      const market = await ltl.market('usd');
      const quotes = await servedQuotes();
      const kraken = Number((await served('KRAKEN_API_URL', '/Ticker?pair=XBTUSD')).result.XXBTZUSD.c[0]);
      assert.equal(market.source, 'consensus');
      assert.equal(market.currency, 'usd');
      assert.equal(market.provider_count, 4);
      assert.deepEqual(market.outliers, []);
      assert.equal(market.price, median([quotes.coingecko, quotes.coinbase, quotes.binance, kraken]));
      assert.ok(market.spread_pct >= 0 && market.spread_pct < 0.5, `spread ${market.spread_pct} %`);
      assert.deepEqual(market.providers.map((p) => p.provider).sort(), ['binance', 'coinbase', 'coingecko', 'kraken']);
      assert.ok(market.providers.every((p) => !p.outlier && Math.abs(p.deviation_pct) < 0.5));
      assert.equal(market.market_cap, quotes.marketCap);
      assert.equal(market.market_cap_source, 'coingecko');
      assert.deepEqual(market.failed, []);
    });
  });

  test('Kraken 10 % higher is named as the outlier; the median and spread are right', async () => {
    await withClient({}, async (ltl) => {
      const crafted = await krakenOutlierBody();
      const krakenPrice = Number(crafted.result.XXBTZUSD.c[0]);
      sim.setFault('kraken.ticker', { kind: 'body', body: crafted });
      const market = await ltl.market('usd');
      const quotes = await servedQuotes();
      const inliers = [quotes.coingecko, quotes.coinbase, quotes.binance];
      const expectedMedian = median([...inliers, krakenPrice]);
      assert.deepEqual(market.outliers, ['kraken']);
      assert.equal(market.price, expectedMedian);
      assert.equal(market.provider_count, 4);
      const kraken = market.providers.find((p) => p.provider === 'kraken');
      assert.equal(kraken.outlier, true);
      assert.equal(kraken.price, krakenPrice);
      assert.ok(Math.abs(kraken.deviation_pct - ((krakenPrice - expectedMedian) / expectedMedian) * 100) < 1e-9);
      assert.ok(kraken.deviation_pct > 9 && kraken.deviation_pct < 11, `deviation ${kraken.deviation_pct} %`);
      for (const p of market.providers.filter((q) => q.provider !== 'kraken')) assert.equal(p.outlier, false, p.provider);
      // The spread is over the agreeing providers only.
      const expectedSpread = ((Math.max(...inliers) - Math.min(...inliers)) / expectedMedian) * 100;
      assert.ok(Math.abs(market.spread_pct - expectedSpread) < 1e-9, `spread ${market.spread_pct} vs ${expectedSpread}`);
      const metrics = await ltl.metrics();
      const outliers = metrics.metrics.find((m) => m.name === 'ltl_consensus_outliers_total').samples;
      // Every price provider has a series from the start; only kraken was left out.
      assert.deepEqual(outliers.filter((s) => s.value > 0).map((s) => [s.labels.provider, s.value]), [['kraken', 1]]);
      assert.deepEqual(outliers.map((s) => s.labels.provider).sort(), ['binance', 'coinbase', 'coingecko', 'kraken']);
    });
  });

  test('CONSENSUS_OUTLIER_PCT sets the threshold; two quotes never single one out', async () => {
    await withClient({ CONSENSUS_OUTLIER_PCT: '20' }, async (ltl) => {
      sim.setFault('kraken.ticker', { kind: 'body', body: await krakenOutlierBody() });
      assert.deepEqual((await ltl.market('usd')).outliers, [], '10 % is within 20 %');
    });
    await withClient({ PRICE_PROVIDERS: 'coingecko,kraken' }, async (ltl) => {
      const crafted = await krakenOutlierBody();
      sim.setFault('kraken.ticker', { kind: 'body', body: crafted });
      const market = await ltl.market('usd');
      const { coingecko } = await servedQuotes();
      assert.deepEqual(market.outliers, []);
      assert.equal(market.provider_count, 2);
      assert.equal(market.price, (coingecko + Number(crafted.result.XXBTZUSD.c[0])) / 2);
    });
  });

  test('a failing provider is named in failed; the consensus uses the rest', async () => {
    await withClient({}, async (ltl) => {
      sim.setFault('coinbase.spot', { kind: 'status', status: 503 });
      const market = await ltl.market('usd');
      assert.equal(market.provider_count, 3);
      assert.deepEqual(market.failed.map((f) => [f.provider, f.category]), [['coinbase', 'upstream_5xx']]);
      assert.ok(!market.providers.some((p) => p.provider === 'coinbase'));
    });
  });
});

describe('network summary', () => {
  test('all parts, and blocks to the next halving from the tip', async () => {
    await withClient({}, async (ltl) => {
      const network = await ltl.network();
      const height = sim.state().height;
      for (const part of ['tip', 'fees', 'mempool', 'difficulty', 'hashrate']) {
        assert.equal(typeof network[part], 'object', part);
        assert.equal(network[part].source, 'mempool', part);
      }
      assert.deepEqual(network.failed_parts, []);
      assert.equal(network.tip.height, height);
      const next = (Math.floor(height / HALVING_BLOCKS) + 1) * HALVING_BLOCKS;
      assert.equal(network.halving.next_halving_height, next);
      assert.equal(network.halving.blocks_to_next_halving, next - height);
      assert.equal(network.as_of, sim.now());
    });
  });

  test('blocks_to_next_halving follows the chain, including right at a halving', async () => {
    await withClient({ CACHE_TTL_BLOCKS: '0', CACHE_SWR_BLOCKS: '0' }, async (ltl) => {
      const before = (await ltl.network()).halving.blocks_to_next_halving;
      sim.advance(3 * BLOCK_MS);
      assert.equal((await ltl.network()).halving.blocks_to_next_halving, before - 3);
      for (const [height, blocks, next] of [[1_049_999, 1, 1_050_000], [1_050_000, 210_000, 1_260_000]]) {
        sim.setFault('mempool.tip_height', { kind: 'body', body: String(height) });
        const network = await ltl.network();
        assert.equal(network.tip.height, height);
        assert.deepEqual(network.halving, { blocks_to_next_halving: blocks, next_halving_height: next }, `at ${height}`);
      }
      // A tip of 0 (or any truncated height) is not plausible on mainnet: esplora answers instead.
      sim.setFault('mempool.tip_height', { kind: 'body', body: '0' });
      const network = await ltl.network();
      assert.equal(network.tip.source, 'esplora');
      assert.equal(network.tip.height, sim.state().height);
      assert.equal(network.tip.failed[0].category, 'parse');
    });
  });

  test('one part failing: the others are returned and the failed part is named with its error', async () => {
    await withClient({}, async (ltl) => {
      sim.setFault('mempool.difficulty_adjustment', { kind: 'status', status: 502 });
      const network = await ltl.network();
      assert.equal(network.difficulty, null);
      assert.equal(network.failed_parts.length, 1);
      assert.equal(network.failed_parts[0].part, 'difficulty');
      assert.equal(network.failed_parts[0].error.category, 'upstream_5xx');
      assert.equal(network.failed_parts[0].error.upstream_status, 502);
      for (const part of ['tip', 'fees', 'mempool', 'hashrate']) assert.equal(typeof network[part]?.source, 'string', part);
      assert.equal(typeof network.halving.blocks_to_next_halving, 'number');
    });
  });

  test('the tip failing everywhere: no halving figure, the tip named; every part failing is an error', async () => {
    await withClient({}, async (ltl) => {
      for (const route of ['mempool.tip_height', 'esplora.tip_height', 'blockchain_info.getblockcount']) sim.setFault(route, { kind: 'status', status: 500 });
      const network = await ltl.network();
      assert.equal(network.tip, null);
      assert.equal(network.halving, null, 'no tip, no halving figure (nothing made up)');
      assert.deepEqual(network.failed_parts.map((p) => p.part), ['tip']);
    });
    await withClient({}, async (ltl) => {
      sim.setFault('*', { kind: 'status', status: 500 });
      await assert.rejects(ltl.network(), (error) => {
        assert.ok(error instanceof LtlError);
        assert.equal(error.operation, 'network');
        assert.equal(error.httpStatus, 503);
        assert.match(error.message, /every part of the network summary failed/);
        return true;
      });
    });
  });
});

describe('real time over the simulator WebSocket', () => {
  // Short reconnect backoff and poll intervals so the fallback paths run in milliseconds.
  const realtime = (extra = {}) => ({
    WebSocket,
    realtime: {
      backoff: { baseMs: 20, maxMs: 50 },
      maxFailedConnects: 1,
      connectTimeoutMs: 2_000,
      socketRetryMs: 60_000,
      pollIntervalMs: { blocks: 100, fees: 100, mempool: 100, price: 100 },
      now: () => sim.now(),
      ...extra,
    },
  });

  test('subscribe(blocks): the tip at once, then each new block pushed; tip() answers it without a REST call', async () => {
    await withClient({}, async (ltl) => {
      const updates = [];
      const unsubscribe = ltl.subscribe('blocks', (update) => updates.push(update));
      await until(() => updates.length >= 1, 'the first block');
      const start = sim.state();
      assert.equal(updates[0].topic, 'blocks');
      assert.equal(updates[0].source, 'websocket');
      assert.equal(updates[0].data.height, start.height);
      assert.equal(updates[0].data.hash, start.tipHash);
      assert.equal(updates[0].data.timestamp_ms, start.tipTimestamp * 1000);
      const state = ltl.realtimeState();
      assert.equal(state.mode, 'socket');
      assert.equal(state.connected, true);
      assert.deepEqual(state.wants, ['blocks']);
      assert.deepEqual(sim.webSocketClients(), [{ wants: ['blocks'] }]);

      sim.resetCounts();
      sim.advance(BLOCK_MS);
      await until(() => updates.length >= 2, 'the pushed block');
      const pushed = updates[1].data;
      assert.equal(pushed.height, start.height + 1);
      assert.equal(updates[1].source, 'websocket');
      const tip = await ltl.tip();
      assert.equal(tip.height, start.height + 1);
      assert.equal(tip.hash, pushed.hash);
      assert.equal(tip.source, 'mempool-websocket');
      assert.equal(tip.cache, 'memory');
      assert.equal(tip.stale, false);
      const rest = (await served('MEMPOOL_API_URL', `/v1/blocks/${pushed.height}`))[0];
      assert.equal(pushed.hash, rest.id, 'the pushed block is the one REST serves');
      assert.equal(pushed.tx_count, rest.tx_count);
      assert.equal(calls('mempool.tip_height') + calls('esplora.tip_height') + calls('blockchain_info.getblockcount'), 0, 'no REST call for the tip');
      assert.equal(calls('mempool.blocks_v1'), 1, 'only the check above');
      const metrics = await ltl.metrics();
      assert.ok(metrics.metrics.find((m) => m.name === 'ltl_realtime_updates_total').samples.some((s) => s.labels.route === 'tip' && s.value >= 2));
      unsubscribe();
      await until(() => sim.webSocketClients().length === 0, 'the socket to close without subscribers');
    }, realtime());
  });

  test('subscribe(fees): precise fees pushed over the socket, and fees() answers them', async () => {
    await withClient({}, async (ltl) => {
      const updates = [];
      ltl.subscribe('fees', (update) => updates.push(update));
      await until(() => updates.length >= 1, 'the fees snapshot');
      const precise = await served('MEMPOOL_API_URL', '/v1/fees/precise');
      assert.equal(updates[0].source, 'websocket');
      assert.equal(updates[0].data.fastest_sat_vb, precise.fastestFee);
      assert.equal(updates[0].data.minimum_sat_vb, precise.minimumFee);
      sim.resetCounts();
      const fees = await ltl.fees();
      assert.equal(fees.source, 'mempool-websocket');
      assert.equal(fees.fee_definition, 'mempool_precise', 'the same definition as the REST route');
      assert.equal(fees.fastest_sat_vb, precise.fastestFee);
      assert.equal(fees.economy_sat_vb, precise.economyFee);
      assert.equal(calls('mempool.fees_precise'), 0);
    }, realtime());
  });

  test('the simulator drops the socket: the client reconnects, resubscribes and gets the next block', async () => {
    await withClient({}, async (ltl) => {
      const updates = [];
      ltl.subscribe('blocks', (update) => updates.push(update));
      await until(() => updates.length >= 1, 'the first block');
      const startHeight = updates[0].data.height;
      assert.equal(sim.dropWebSockets(), 1);
      await until(() => ltl.realtimeState().connects >= 2 && sim.webSocketClients().length === 1, 'the reconnect');
      await until(() => sim.webSocketClients()[0]?.wants.includes('blocks'), 'the resubscription');
      assert.ok(ltl.realtimeState().reconnects >= 1);
      assert.equal(ltl.realtimeState().mode, 'socket');
      sim.advance(BLOCK_MS);
      await until(() => updates.some((u) => u.data.height === startHeight + 1), 'the block after the reconnect');
      const next = updates.find((u) => u.data.height === startHeight + 1);
      assert.equal(next.source, 'websocket');
      assert.equal(updates.filter((u) => u.data.height === startHeight).length, 1, 'the snapshot after reconnect is not delivered twice');
      assert.equal((await ltl.tip()).height, startHeight + 1);
    }, realtime());
  });

  test('WebSocket unavailable: polling takes over for fees', async () => {
    await withClient({}, async (ltl) => {
      sim.setWebSocketEnabled(false);
      const updates = [];
      ltl.subscribe('fees', (update) => updates.push(update));
      await until(() => ltl.realtimeState().mode === 'polling', 'the fallback to polling');
      await until(() => updates.length >= 1, 'a polled fees update');
      assert.equal(updates[0].source, 'polling');
      const rest = await served('MEMPOOL_API_URL', '/v1/fees/precise');
      assert.equal(updates[0].data.fastest_sat_vb, rest.fastestFee);
      sim.advance(BLOCK_MS); // new fees; the 10 s fees TTL has passed on the manual clock
      const changed = await served('MEMPOOL_API_URL', '/v1/fees/precise');
      assert.notDeepEqual(changed, rest, 'precondition: the simulator moved the fees');
      await until(() => updates.length >= 2, 'the next polled fees');
      assert.equal(updates.at(-1).source, 'polling');
      assert.equal(updates.at(-1).data.fastest_sat_vb, changed.fastestFee);
      assert.equal(updates.at(-1).data.minimum_sat_vb, changed.minimumFee);
    }, realtime());
  });

  test('WebSocket dropped and refused: polling still delivers new blocks', async () => {
    const errors = [];
    await withClient({}, async (ltl) => {
      const updates = [];
      ltl.subscribe('blocks', (update) => updates.push(update));
      await until(() => updates.length >= 1, 'the first block');
      const startHeight = updates[0].data.height;
      sim.setWebSocketEnabled(false);
      sim.dropWebSockets();
      await until(() => ltl.realtimeState().mode === 'polling', 'the fallback to polling');
      sim.advance(BLOCK_MS);
      await until(() => updates.some((u) => u.data.height === startHeight + 1), 'a polled block');
      const polled = updates.find((u) => u.data.height === startHeight + 1);
      assert.equal(polled.source, 'polling');
      assert.equal(polled.data.hash, sim.state().tipHash);
      assert.deepEqual(errors.filter((e) => e.category === 'parse').map((e) => e.message), []);
    }, realtime({ onError: (error) => errors.push(error) }));
  });
});

// Issue 15 "data semantics": each risky meaning made explicit, checked with real-shaped bodies.
describe('data semantics: quote asset, volume scope, staleness, fee definition, windows', () => {
  test('item 1: Binance is never asked for USD by default nor for a pair it does not list', async () => {
    await withClient({ BINANCE_USDT_AS_USD: 'false' }, async (ltl) => {
      const market = await ltl.market('usd');
      assert.equal(calls('binance.ticker_24hr'), 0);
      assert.equal(market.quote, 'USD');
      assert.deepEqual(market.providers.map((p) => [p.provider, p.quote]).sort(), [['coinbase', 'USD'], ['coingecko', 'USD'], ['kraken', 'USD']]);
      assert.deepEqual(market.failed, [], 'skipped, not failed');
    });
    await withClient({ PRICE_PROVIDERS: 'binance,coinbase' }, async (ltl) => {
      const gbp = await ltl.price('gbp'); // no BTCGBP on Binance (the simulator would answer 400 -1121)
      assert.equal(calls('binance.ticker_24hr'), 0);
      assert.equal(gbp.source, 'coinbase');
      assert.deepEqual(gbp.failed, []);
      const eur = await ltl.price('eur'); // BTCEUR is listed
      const ticker = await served('BINANCE_API_URL', '/ticker/24hr?symbol=BTCEUR');
      assert.equal(eur.source, 'binance');
      assert.equal(eur.quote, 'EUR');
      assert.equal(eur.price, Number(ticker.lastPrice));
    });
  });

  test('item 1: with BINANCE_USDT_AS_USD the USDT price is used and says quote "USDT"', async () => {
    await withClient({ BINANCE_USDT_AS_USD: 'true', PRICE_PROVIDERS: 'binance' }, async (ltl) => {
      const quote = await ltl.price('usd');
      assert.equal(quote.source, 'binance');
      assert.equal(quote.currency, 'usd');
      assert.equal(quote.quote, 'USDT');
      assert.equal(quote.volume_24h_scope, 'exchange:binance');
    });
    await withClient({ BINANCE_USDT_AS_USD: 'true' }, async (ltl) => {
      const market = await ltl.market('usd');
      assert.equal(market.quote, 'USD');
      assert.equal(market.providers.find((p) => p.provider === 'binance').quote, 'USDT');
      assert.equal(market.volume_24h_source, 'coingecko', 'a USDT volume never labels the USD answer');
    });
  });

  test('item 2: every volume names its scope; a global figure wins, and one venue\'s says so', async () => {
    await withClient({ PRICE_PROVIDERS: 'kraken,coingecko,coinbase' }, async (ltl) => {
      const market = await ltl.market('usd');
      const body = await served('COINGECKO_API_URL', '/simple/price?ids=bitcoin&vs_currencies=usd&include_24hr_vol=true');
      assert.equal(market.volume_24h, body.bitcoin.usd_24h_vol, 'CoinGecko\'s all-exchange volume, although Kraken is first');
      assert.equal(market.volume_24h_scope, 'global');
      assert.equal(market.volume_24h_source, 'coingecko');
      assert.equal((await ltl.price('usd')).volume_24h_scope, 'exchange:kraken');
    });
    await withClient({}, async (ltl) => {
      sim.setFault('coingecko.simple_price', { kind: 'status', status: 503 });
      const market = await ltl.market('usd');
      assert.equal(market.volume_24h_scope, 'exchange:kraken');
      assert.equal(market.volume_24h_source, 'kraken');
    });
  });

  test('item 2: an outlier supplies neither volume nor change', async () => {
    await withClient({}, async (ltl) => {
      const body = await served('COINGECKO_API_URL', `/simple/price?ids=bitcoin&vs_currencies=usd&include_market_cap=true&include_24hr_vol=true&include_24hr_change=true&include_last_updated_at=true`);
      body.bitcoin.usd *= 1.2; // CoinGecko 20 % off the others
      sim.setFault('coingecko.simple_price', { kind: 'body', body });
      const market = await ltl.market('usd');
      assert.deepEqual(market.outliers, ['coingecko']);
      assert.equal(market.market_cap, null);
      assert.notEqual(market.volume_24h_source, 'coingecko');
      assert.notEqual(market.change_24h_pct_source, 'coingecko');
      assert.equal(market.volume_24h_scope, 'exchange:kraken');
    });
  });

  test('item 3: the consensus as_of is the oldest provider stamp, so a minute-old CoinGecko quote shows', async () => {
    sim.advance(59_000); // CoinGecko's last_updated_at moves in minute steps: now 59 s behind
    await withClient({}, async (ltl) => {
      const market = await ltl.market('usd');
      const coingecko = market.providers.find((p) => p.provider === 'coingecko');
      assert.equal(coingecko.as_of_source, 'provider');
      assert.equal(coingecko.as_of, sim.now() - 59_000);
      assert.equal(market.as_of, coingecko.as_of, 'not the newest member\'s time');
      assert.equal(market.as_of_source, 'provider');
      assert.deepEqual([...market.unstamped_providers].sort(), ['coinbase', 'kraken']);
      for (const p of market.providers.filter((q) => ['coinbase', 'kraken'].includes(q.provider))) assert.equal(p.as_of_source, 'fetch');
    });
  });

  test('item 5: junk in blockchain.info fields the hashrate route does not use leaves the answer standing', async () => {
    await withClient({}, async (ltl) => {
      sim.setFault('mempool.hashrate', { kind: 'status', status: 500 });
      const stats = await served('BLOCKCHAIN_INFO_API_URL', '/stats');
      sim.setFault('blockchain_info.stats', { kind: 'body', body: { ...stats, market_price_usd: 0.0, minutes_between_blocks: -1, n_blocks_total: 'n/a', total_fees_btc: -42187500000 } });
      const hashrate = await ltl.hashrate();
      assert.equal(hashrate.source, 'blockchain_info');
      assert.equal(hashrate.current_hashrate_hs, stats.hash_rate * 1e9);
      assert.equal(hashrate.hashrate_window, '24h');
    });
  });

  test('item 6: a negative time_until_update is null with a reason; the index stands', async () => {
    await withClient({}, async (ltl) => {
      const body = await served('FNG_API_URL', '/fng/?limit=1');
      body.data[0].time_until_update = '-1337';
      sim.setFault('fng.fng', { kind: 'body', body });
      const sentiment = await ltl.sentiment();
      assert.equal(sentiment.source, 'fng');
      assert.equal(sentiment.value, Number(body.data[0].value));
      assert.equal(sentiment.time_until_update_ms, null);
      assert.match(sentiment.time_until_update_error, /^data\[0\]\.time_until_update: got -1337/);
    });
  });

  test('item 7: the hashrate names its averaging window', async () => {
    await withClient({}, async (ltl) => {
      assert.equal((await ltl.hashrate()).hashrate_window, '1w');
    });
  });
});
