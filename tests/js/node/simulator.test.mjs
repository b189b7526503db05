import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { after, afterEach, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { refusedUrl, SimulatorInputError, startSimulator } from '../../../scripts/simulator/index.mjs';
import { BLOCK_MS, Model, mempoolDifficultyAdjustment } from '../../../scripts/simulator/model.mjs';

const START = 1_767_225_600_000; // the default manual start time
const CLI = fileURLToPath(new URL('../../../scripts/simulator/cli.mjs', import.meta.url));
const FEE_KEYS = ['fastestFee', 'halfHourFee', 'hourFee', 'economyFee', 'minimumFee'];
const ESPLORA_TARGETS = [...Array.from({ length: 25 }, (_, i) => String(i + 1)), '144', '504', '1008'];
const ALL_FLAGS = 'include_market_cap=true&include_24hr_vol=true&include_24hr_change=true&include_last_updated_at=true';

// One concrete request per route id, used for the determinism check.
const SAMPLE_PATHS = [
  '/mempool/api/v1/fees/recommended', '/mempool/api/v1/fees/precise', '/mempool/api/blocks/tip/height',
  '/mempool/api/blocks/tip/hash', '/mempool/api/v1/blocks', '/mempool/api/blocks/899990', '/mempool/api/mempool',
  '/mempool/api/v1/difficulty-adjustment', '/mempool/api/v1/mining/hashrate/1m', '/mempool/api/v1/prices',
  '/esplora/api/blocks/tip/height', '/esplora/api/blocks/tip/hash', '/esplora/api/blocks', '/esplora/api/fee-estimates',
  '/esplora/api/mempool', `/coingecko/api/v3/simple/price?ids=bitcoin&vs_currencies=usd,eur,jpy&${ALL_FLAGS}`,
  '/coingecko/api/v3/coins/markets?vs_currency=eur', '/coinbase/v2/prices/BTC-GBP/spot', '/kraken/0/public/Ticker?pair=XBTUSD',
  '/binance/api/v3/ticker/24hr?symbol=BTCUSDT', '/alternative/fng/?limit=10', '/blockchain-info/stats', '/blockchain-info/q/getblockcount',
];

async function get(base, path, init) {
  const res = await fetch(base + path, init);
  const text = await res.text();
  return { res, text, type: res.headers.get('content-type'), json: () => JSON.parse(text) };
}

const decimals = (x) => (String(x).split('.')[1] ?? '').length;

describe('routes (manual clock, seed 1)', () => {
  let sim;
  const call = (path, init) => get(sim.url, path, init);
  before(async () => {
    // cors: false, so every header is the provider's own.
    sim = await startSimulator({ clock: 'manual', cors: false });
  });
  after(() => sim.close());

  test('baseUrls has exactly the documented keys and prefixes', () => {
    assert.deepEqual(sim.baseUrls, {
      MEMPOOL_API_URL: `${sim.url}/mempool/api`,
      ESPLORA_API_URL: `${sim.url}/esplora/api`,
      COINGECKO_API_URL: `${sim.url}/coingecko/api/v3`,
      COINBASE_API_URL: `${sim.url}/coinbase/v2`,
      KRAKEN_API_URL: `${sim.url}/kraken/0/public`,
      BINANCE_API_URL: `${sim.url}/binance/api/v3`,
      FNG_API_URL: `${sim.url}/alternative`,
      BLOCKCHAIN_INFO_API_URL: `${sim.url}/blockchain-info`,
    });
    assert.match(sim.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(sim.now(), START);
  });

  test('mempool fees: recommended whole numbers, precise decimals, CORS', async () => {
    const rec = await call('/mempool/api/v1/fees/recommended');
    assert.equal(rec.res.headers.get('access-control-allow-origin'), '*');
    assert.equal(rec.type, 'application/json; charset=utf-8');
    const fees = rec.json();
    assert.deepEqual(Object.keys(fees), FEE_KEYS);
    for (const v of Object.values(fees)) assert.ok(Number.isInteger(v) && v >= 1);
    const precise = (await call('/mempool/api/v1/fees/precise')).json();
    assert.deepEqual(Object.keys(precise), FEE_KEYS);
    const values = Object.values(precise);
    values.forEach((v, i) => {
      assert.ok(decimals(v) <= 3);
      if (i > 0) assert.ok(v <= values[i - 1], 'levels never increase');
    });
    assert.ok(precise.fastestFee >= 1 && precise.halfHourFee >= 0.5);
  });

  test('tip height and hash are text/plain and match state()', async () => {
    const state = sim.state();
    for (const prefix of ['/mempool/api', '/esplora/api']) {
      const height = await call(`${prefix}/blocks/tip/height`);
      assert.match(height.type, /^text\/plain/);
      assert.match(height.text, /^\d+$/);
      assert.equal(Number(height.text), state.height);
      const hash = await call(`${prefix}/blocks/tip/hash`);
      assert.match(hash.type, /^text\/plain/);
      assert.match(hash.text, /^[0-9a-f]{64}$/);
      assert.equal(hash.text, state.tipHash);
    }
    assert.equal(state.height, 900_000);
    const getblockcount = await call('/blockchain-info/q/getblockcount');
    assert.match(getblockcount.type, /^text\/plain/);
    assert.equal(getblockcount.text, '900000');
  });

  test('mempool /v1/blocks: 15 blocks with extras, seconds timestamps, clamped to tip', async () => {
    const blocks = (await call('/mempool/api/v1/blocks')).json();
    assert.equal(blocks.length, 15);
    blocks.forEach((b, i) => {
      assert.equal(b.height, 900_000 - i);
      assert.match(b.id, /^0{19}[0-9a-f]{45}$/);
      assert.ok(b.timestamp <= START / 1000 && b.timestamp > START / 1000 - 16 * 600, 'unix seconds');
      assert.ok(b.mediantime < b.timestamp);
      assert.ok(b.weight <= 4_000_000 && b.size > b.weight / 4);
      assert.ok(Number.isInteger(b.extras.totalFees) && b.extras.reward === 312_500_000 + b.extras.totalFees);
      assert.equal(b.extras.feeRange.length, 7);
      assert.equal(typeof b.extras.pool.name, 'string');
      if (i > 0) assert.equal(blocks[i - 1].previousblockhash, b.id);
    });
    const from = (await call('/mempool/api/v1/blocks/899990')).json();
    assert.equal(from[0].height, 899_990);
    const future = (await call('/mempool/api/v1/blocks/999999999')).json();
    assert.equal(future[0].height, 900_000);
  });

  test('esplora-style /blocks: 10 blocks without extras; a future height is 404', async () => {
    for (const prefix of ['/mempool/api', '/esplora/api']) {
      const blocks = (await call(`${prefix}/blocks`)).json();
      assert.equal(blocks.length, 10);
      assert.ok(blocks.every((b) => !('extras' in b)));
      assert.equal((await call(`${prefix}/blocks/899000`)).json()[0].height, 899_000);
      const missing = await call(`${prefix}/blocks/900001`);
      assert.equal(missing.res.status, 404);
      assert.equal(missing.text, 'Block not found');
    }
  });

  test('mempool: counts, vB and a histogram that sums to vsize, highest rate first', async () => {
    const m = (await call('/mempool/api/mempool')).json();
    assert.deepEqual(Object.keys(m), ['count', 'vsize', 'total_fee', 'fee_histogram']);
    assert.ok([m.count, m.vsize, m.total_fee].every(Number.isInteger));
    assert.equal(m.fee_histogram.reduce((sum, [, vsize]) => sum + vsize, 0), m.vsize);
    m.fee_histogram.forEach(([rate], i) => i > 0 && assert.ok(rate < m.fee_histogram[i - 1][0]));
    assert.deepEqual(m, (await call('/esplora/api/mempool')).json());
  });

  test('difficulty adjustment uses the documented mixed units', async () => {
    const da = (await call('/mempool/api/v1/difficulty-adjustment')).json();
    assert.equal(da.estimatedRetargetDate, START + da.remainingTime, 'unix ms = now ms + remaining ms');
    assert.ok(da.previousTime < START / 1000 && da.previousTime > START / 1000 - 14 * 86_400, 'unix seconds');
    assert.equal(da.nextRetargetHeight % 2016, 0);
    assert.equal(da.nextRetargetHeight - da.remainingBlocks, 900_000);
    assert.equal(da.progressPercent, ((2016 - da.remainingBlocks) / 2016) * 100);
    assert.ok(da.timeAvg > 500_000 && da.timeAvg < 700_000, 'ms per block');
    assert.equal(da.timeOffset, 0);
  });

  test('difficulty adjustment early in an epoch: sliding 504-block estimate, remainingTime from adjustedTimeAvg', () => {
    const model = new Model(1, START);
    const tipAtStart = model.height(START);
    const epochStart = Math.ceil(tipAtStart / 2016) * 2016;
    const t = START + (epochStart + 10 - tipAtStart) * BLOCK_MS; // 10 blocks into the next epoch
    const da = model.difficultyAdjustment(t);
    assert.equal(da.remainingBlocks, 2006);
    assert.notEqual(da.difficultyChange, 0, 'mempool no longer waits 146 blocks before estimating');
    assert.ok(Math.abs(da.difficultyChange) < 20, `a plausible estimate, got ${da.difficultyChange}`);
    assert.notEqual(da.adjustedTimeAvg, da.timeAvg);
    assert.equal(da.remainingTime, da.remainingBlocks * da.adjustedTimeAvg);
    assert.equal(da.estimatedRetargetDate, Math.floor(t / 1000) * 1000 + da.remainingTime);
  });

  test("difficulty adjustment reproduces mempool's own calcDifficultyAdjustment test vectors", () => {
    const dt = (text) => Math.floor(new Date(text).getTime() / 1000);
    // backend/src/__tests__/api/difficulty-adjustment.test.ts, mainnet vectors.
    const vectors = [
      [{ daTime: dt('2024-02-02T15:42:06.000Z'), quarterEpochTime: dt('2024-02-08T14:43:05.000Z'), nowS: dt('2024-02-11T22:43:01.000Z'),
         height: 830027, previousRetarget: 7.333505241141637, latestBlockTime: 0 },
       { progressPercent: 71.97420634920636, difficultyChange: 8.512745140778843, estimatedRetargetDate: 1708004001715, remainingBlocks: 565,
         remainingTime: 312620715, previousRetarget: 7.333505241141637, previousTime: 1706888526, nextRetargetHeight: 830592,
         timeAvg: 553311, adjustedTimeAvg: 553311, timeOffset: 0, expectedBlocks: 1338.0916666666667 }],
      [{ daTime: dt('2022-08-18T11:07:00.000Z'), quarterEpochTime: dt('2022-08-16T03:16:54.000Z'), nowS: dt('2022-08-19T14:03:53.000Z'),
         height: 750134, previousRetarget: 0.6280047707459726, latestBlockTime: 0 },
       { progressPercent: 9.027777777777777, difficultyChange: 1.0420538959004633, estimatedRetargetDate: 1662009048328, remainingBlocks: 1834,
         remainingTime: 1091215328, previousRetarget: 0.6280047707459726, previousTime: 1660820820, nextRetargetHeight: 751968,
         timeAvg: 533038, adjustedTimeAvg: 594992, timeOffset: 0, expectedBlocks: 161.68833333333333 }],
      [{ daTime: dt('2023-04-20T09:57:33.000Z'), quarterEpochTime: dt('2022-08-16T03:16:54.000Z'), nowS: dt('2023-05-04T14:54:09.000Z'),
         height: 788255, previousRetarget: 1.7220298879531821, latestBlockTime: dt('2023-05-04T14:54:26.000Z') },
       { progressPercent: 99.95039682539682, difficultyChange: -1.4512637555574193, estimatedRetargetDate: 1683212658129, remainingBlocks: 1,
         remainingTime: 609129, previousRetarget: 1.7220298879531821, previousTime: 1681984653, nextRetargetHeight: 788256,
         timeAvg: 609129, adjustedTimeAvg: 609129, timeOffset: 0, expectedBlocks: 2045.66 }],
    ];
    for (const [input, expected] of vectors) assert.deepEqual(mempoolDifficultyAdjustment(input), expected);
  });

  test('hashrate: H/s floats, second timestamps; unknown period returns the full history', async () => {
    const res = await call('/mempool/api/v1/mining/hashrate/3d');
    const h = res.json();
    assert.equal(res.res.headers.get('x-total-count'), '3');
    assert.deepEqual(h.hashrates.map((x) => x.timestamp), [1_766_966_400, 1_767_052_800, 1_767_139_200]);
    for (const { avgHashrate } of h.hashrates) assert.ok(avgHashrate > 1e20 && avgHashrate < 1e21);
    assert.ok(h.currentHashrate > 1e20 && h.currentHashrate < 1e21);
    assert.ok(h.currentDifficulty > 1e14);
    const full = (await call('/mempool/api/v1/mining/hashrate/everything')).json();
    assert.equal(full.hashrates[0].timestamp, 1_230_940_800); // 2009-01-03
    assert.ok(full.difficulty.length > 400 && full.difficulty.every((d) => d.height % 2016 === 0));
  });

  test('mempool prices: whole numbers, time in seconds, fixed FX ratios', async () => {
    const prices = (await call('/mempool/api/v1/prices')).json();
    assert.deepEqual(Object.keys(prices), ['time', 'USD', 'EUR', 'GBP', 'CAD', 'CHF', 'AUD', 'JPY']);
    assert.equal(prices.time, START / 1000);
    for (const v of Object.values(prices)) assert.ok(Number.isInteger(v));
    assert.ok(Math.abs(prices.EUR / prices.USD - 0.86) < 1e-4);
    assert.ok(Math.abs(prices.JPY / prices.USD - 155) < 1e-2);
  });

  test('esplora fee-estimates: string targets 1–25,144,504,1008 with float rates; cache headers', async () => {
    const est = await call('/esplora/api/fee-estimates');
    assert.equal(est.res.headers.get('cache-control'), 'public, max-age=10');
    const body = est.json();
    assert.deepEqual(Object.keys(body), ESPLORA_TARGETS);
    const rates = Object.values(body);
    rates.forEach((r, i) => i > 0 && assert.ok(r <= rates[i - 1]));
  });

  test('CoinGecko simple/price honours ids, vs_currencies and every include flag', async () => {
    const all = await call(`/coingecko/api/v3/simple/price?ids=bitcoin&vs_currencies=usd,EUR,xyz&${ALL_FLAGS}`);
    const coin = all.json().bitcoin;
    assert.deepEqual(Object.keys(coin), [
      'usd', 'usd_market_cap', 'usd_24h_vol', 'usd_24h_change',
      'eur', 'eur_market_cap', 'eur_24h_vol', 'eur_24h_change', 'last_updated_at',
    ]);
    assert.equal(coin.last_updated_at, START / 1000, 'unix seconds');
    assert.ok(Math.abs(coin.eur / coin.usd - 0.86) < 1e-12);
    const supply = coin.usd_market_cap / coin.usd;
    assert.ok(supply > 19.8e6 && supply < 21e6);
    assert.equal(coin.usd_24h_change, coin.eur_24h_change);
    const plain = (await call('/coingecko/api/v3/simple/price?ids=bitcoin&vs_currencies=usd')).json();
    assert.deepEqual(Object.keys(plain.bitcoin), ['usd']);
    assert.deepEqual((await call('/coingecko/api/v3/simple/price?ids=nope&vs_currencies=usd')).json(), {});
    assert.deepEqual((await call('/coingecko/api/v3/simple/price?ids=bitcoin&vs_currencies=xyz')).json(), { bitcoin: {} });
  });

  test('CoinGecko coins/markets uses ISO date strings', async () => {
    const [coin] = (await call('/coingecko/api/v3/coins/markets?vs_currency=usd&ids=bitcoin')).json();
    assert.equal(coin.id, 'bitcoin');
    for (const key of ['ath_date', 'atl_date', 'last_updated']) assert.match(coin[key], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(coin.last_updated, new Date(START).toISOString());
    assert.ok(coin.low_24h <= coin.current_price && coin.current_price <= coin.high_24h);
    assert.equal((await call('/coingecko/api/v3/coins/markets?vs_currency=xyz')).res.status, 400);
  });

  test('Coinbase spot amount is a string; unknown currency is a Coinbase error', async () => {
    const { data } = (await call('/coinbase/v2/prices/BTC-USD/spot')).json();
    assert.deepEqual(Object.keys(data), ['amount', 'base', 'currency']);
    assert.equal(typeof data.amount, 'string');
    assert.match(data.amount, /^\d+\.\d\d$/);
    const eur = (await call('/coinbase/v2/prices/BTC-EUR/spot')).json().data;
    assert.equal(eur.currency, 'EUR');
    assert.ok(Math.abs(Number(eur.amount) / Number(data.amount) - 0.86) < 1e-6);
    const bad = await call('/coinbase/v2/prices/BTC-XYZ/spot');
    assert.equal(bad.res.status, 400);
    assert.equal(bad.json().errors[0].id, 'invalid_request');
  });

  test('Kraken ticker answers under XXBTZUSD, numbers as strings except t', async () => {
    const body = (await call('/kraken/0/public/Ticker?pair=XBTUSD')).json();
    assert.deepEqual(body.error, []);
    assert.deepEqual(Object.keys(body.result), ['XXBTZUSD']);
    const ticker = body.result.XXBTZUSD;
    for (const [key, value] of Object.entries(ticker)) {
      const items = [value].flat();
      assert.ok(items.every((v) => typeof v === (key === 't' ? 'number' : 'string')), key);
    }
    assert.ok(Number(ticker.a[0]) > Number(ticker.b[0]));
    const eur = (await call('/kraken/0/public/Ticker?pair=XBTEUR')).json();
    assert.deepEqual(Object.keys(eur.result), ['XXBTZEUR']);
    const unknown = await call('/kraken/0/public/Ticker?pair=FOOBAR');
    assert.equal(unknown.res.status, 200);
    assert.deepEqual(unknown.json(), { error: ['EQuery:Unknown asset pair'] });
  });

  test('Binance 24hr ticker: string prices, ms times; unknown symbol is 400 -1121', async () => {
    const t = (await call('/binance/api/v3/ticker/24hr?symbol=BTCUSDT')).json();
    assert.equal(t.symbol, 'BTCUSDT');
    for (const key of ['priceChange', 'priceChangePercent', 'lastPrice', 'volume', 'quoteVolume', 'highPrice']) {
      assert.equal(typeof t[key], 'string', key);
    }
    assert.match(t.lastPrice, /^\d+\.\d{8}$/);
    assert.equal(t.closeTime, START);
    assert.equal(t.closeTime - t.openTime, 86_400_000);
    assert.equal(t.count, t.lastId - t.firstId + 1);
    const bad = await call('/binance/api/v3/ticker/24hr?symbol=NOPE');
    assert.equal(bad.res.status, 400);
    assert.deepEqual(bad.json(), { code: -1121, msg: 'Invalid symbol.' });
  });

  test('Binance lists only some BTC/fiat pairs and no BTC/USD: the rest are 400 -1121 (issue 15 items 1, 8)', async () => {
    for (const symbol of ['BTCUSDT', 'BTCUSDC', 'BTCEUR', 'BTCJPY']) {
      const ok = await call(`/binance/api/v3/ticker/24hr?symbol=${symbol}`);
      assert.equal(ok.res.status, 200, symbol);
      assert.equal(ok.json().symbol, symbol);
    }
    for (const symbol of ['BTCUSD', 'BTCGBP', 'BTCCAD', 'BTCCHF', 'BTCAUD']) {
      const bad = await call(`/binance/api/v3/ticker/24hr?symbol=${symbol}`);
      assert.equal(bad.res.status, 400, symbol);
      assert.deepEqual(bad.json(), { code: -1121, msg: 'Invalid symbol.' }, symbol);
    }
    const all = (await call('/binance/api/v3/ticker/24hr')).json();
    assert.deepEqual(all.map((t) => t.symbol), ['BTCUSDT', 'BTCUSDC', 'BTCEUR', 'BTCJPY']);
  });

  test('Fear & Greed: strings, newest first, time_until_update only on the newest, limit=0 is full history', async () => {
    for (const path of ['/alternative/fng/?limit=1', '/alternative/fng']) {
      const body = (await call(path)).json();
      assert.equal(body.name, 'Fear and Greed Index');
      assert.deepEqual(body.metadata, { error: null });
      assert.deepEqual(body.data, [
        { ...body.data[0], timestamp: String(START / 1000), time_until_update: '86400' },
      ]);
      assert.equal(typeof body.data[0].value, 'string');
    }
    const three = (await call('/alternative/fng/?limit=3')).json().data;
    assert.deepEqual(three.map((d) => Number(d.timestamp)), [START / 1000, START / 1000 - 86_400, START / 1000 - 172_800]);
    assert.deepEqual(three.map((d) => 'time_until_update' in d), [true, false, false]);
    for (const d of three) assert.ok(Number(d.value) >= 0 && Number(d.value) <= 100 && d.value_classification);
    const full = (await call('/alternative/fng/?limit=0')).json().data;
    assert.equal(full.at(-1).timestamp, '1517443200'); // 2018-02-01
    assert.ok(full.length > 2800);
  });

  test('blockchain.info stats: GH/s hash rate, ms timestamp, the garbage fields, CORS only on request', async () => {
    const res = await call('/blockchain-info/stats');
    assert.equal(res.res.headers.get('access-control-allow-origin'), null);
    assert.match(res.text, /"timestamp":1\.7672256E12/, 'Java-style double');
    const stats = res.json();
    assert.equal(stats.timestamp, START);
    assert.ok(Math.abs(stats.hash_rate * 1e9 - sim.state().hashrate) < 1e9);
    assert.equal(stats.n_blocks_total, 900_000);
    assert.ok(stats.total_fees_btc < 0 && stats.miners_revenue_usd === 0);
    const cors = await call('/blockchain-info/q/getblockcount?cors=true');
    assert.equal(cors.res.headers.get('access-control-allow-origin'), '*');
  });

  test('unknown paths: 404 in the provider style, counted as <provider>.unknown; others not counted', async () => {
    sim.resetCounts();
    const cg = await call('/coingecko/api/v3/nope');
    assert.equal(cg.res.status, 404);
    assert.ok('error' in cg.json());
    assert.equal((await call('/mempool/api/v1/blocks/abc')).res.status, 404);
    assert.equal((await call('/mempool/api/v1/fees/recommended', { method: 'POST' })).res.status, 404);
    assert.equal((await call('/elsewhere')).res.status, 404);
    assert.deepEqual(sim.counts(), { total: 3, routes: { 'coingecko.unknown': 1, 'mempool.unknown': 2 } });
  });
});

describe('determinism and the clock', () => {
  test('same seed → byte-identical bodies; different seed → different price', async () => {
    const [a, b, c] = await Promise.all([7, 7, 8].map((seed) => startSimulator({ seed, clock: 'manual' })));
    try {
      for (const path of SAMPLE_PATHS) {
        const [x, y] = await Promise.all([get(a.url, path), get(b.url, path)]);
        assert.equal(x.res.status, 200, path);
        assert.equal(x.text, y.text, path);
      }
      assert.equal(Object.keys(a.counts().routes).length, new Set(a.routes().map((r) => r.id)).size, 'every route sampled');
      const spot = '/coinbase/v2/prices/BTC-USD/spot';
      assert.notEqual((await get(a.url, spot)).text, (await get(c.url, spot)).text);
    } finally {
      await Promise.all([a, b, c].map((s) => s.close()));
    }
  });

  test('advance(600000) mines one block on top of the previous tip; prices move', async () => {
    const sim = await startSimulator({ clock: 'manual', seed: 3 });
    try {
      const before = sim.state();
      const spot = (await get(sim.url, '/coinbase/v2/prices/BTC-USD/spot')).json().data.amount;
      assert.equal(sim.advance(600_000), START + 600_000);
      assert.equal(sim.now(), START + 600_000);
      const height = Number((await get(sim.baseUrls.ESPLORA_API_URL, '/blocks/tip/height')).text);
      assert.equal(height, before.height + 1);
      const [tip] = (await get(sim.baseUrls.MEMPOOL_API_URL, '/blocks')).json();
      assert.equal(tip.previousblockhash, before.tipHash);
      assert.notEqual(tip.id, before.tipHash);
      sim.advance(3_600_000);
      const later = (await get(sim.url, '/coinbase/v2/prices/BTC-USD/spot')).json().data.amount;
      assert.notEqual(later, spot);
      assert.equal(sim.state().height, before.height + 7);
    } finally {
      await sim.close();
    }
  });

  test('the real clock follows Date.now() and refuses advance()', async () => {
    const sim = await startSimulator();
    try {
      assert.ok(Math.abs(sim.now() - Date.now()) < 1000);
      assert.throws(() => sim.advance(1000), (e) => e instanceof SimulatorInputError && e.field === 'clock');
      const res = await get(sim.url, '/__sim/advance', { method: 'POST', body: '{"ms":1000}' });
      assert.equal(res.res.status, 400);
      assert.equal(res.json().field, 'clock');
    } finally {
      await sim.close();
    }
  });

  test('startSimulator validates its options', async () => {
    await assert.rejects(startSimulator({ clock: 'fast' }), (e) => e.field === 'clock');
    await assert.rejects(startSimulator({ port: -1 }), (e) => e.field === 'port');
    await assert.rejects(startSimulator({ seed: 1.5 }), (e) => e.field === 'seed');
    await assert.rejects(startSimulator({ cors: 'no' }), (e) => e.field === 'cors');
  });
});

describe('faults', () => {
  let sim;
  const call = (path, init) => get(sim.url, path, init);
  const PRICE = '/coingecko/api/v3/simple/price?ids=bitcoin&vs_currencies=usd';
  before(async () => {
    sim = await startSimulator({ clock: 'manual' });
  });
  afterEach(() => sim.clearFaults());
  after(() => sim.close());

  test('status: provider error bodies and Retry-After (seconds or HTTP-date)', async () => {
    sim.setFault('coingecko.simple_price', { kind: 'status', status: 429 });
    const cg = await call(PRICE);
    assert.equal(cg.res.status, 429);
    assert.equal(cg.res.headers.get('retry-after'), '60');
    assert.equal(cg.json().status.error_code, 429);

    sim.setFault('coingecko.simple_price', { kind: 'status', status: 429, retryAfter: 119 });
    assert.equal((await call(PRICE)).res.headers.get('retry-after'), '119');
    const date = 'Wed, 21 Oct 2026 07:28:00 GMT';
    sim.setFault('coingecko.simple_price', { kind: 'status', status: 503, retryAfter: date });
    assert.equal((await call(PRICE)).res.headers.get('retry-after'), date);

    sim.setFault('esplora.tip_height', { kind: 'status', status: 429 });
    const esplora = await call('/esplora/api/blocks/tip/height');
    assert.match(esplora.type, /^application\/json/);
    assert.match(esplora.json().message, /rate exceeds/);

    sim.setFault('mempool.fees_recommended', { kind: 'status', status: 503 });
    const mempool = await call('/mempool/api/v1/fees/recommended');
    assert.equal(mempool.text, 'Service Unavailable');
    assert.match(mempool.type, /^text\/plain/);

    sim.setFault('coinbase.spot', { kind: 'status', status: 429 });
    assert.deepEqual((await call('/coinbase/v2/prices/BTC-USD/spot')).json(), {
      errors: [{ id: 'rate_limit_exceeded', message: 'Too many requests' }],
    });
    sim.setFault('binance.ticker_24hr', { kind: 'status', status: 451 });
    assert.equal((await call('/binance/api/v3/ticker/24hr?symbol=BTCUSDT')).json().code, 0);

    sim.setFault('kraken.ticker', { kind: 'status', status: 500, body: { custom: true } });
    const custom = await call('/kraken/0/public/Ticker?pair=XBTUSD');
    assert.equal(custom.res.status, 500);
    assert.deepEqual(custom.json(), { custom: true });
  });

  test('malformed: 200 with a body that is not JSON', async () => {
    sim.setFault('coingecko.simple_price', { kind: 'malformed' });
    const res = await call(PRICE);
    assert.equal(res.res.status, 200);
    assert.throws(() => res.json(), SyntaxError);
  });

  test('truncated: half the normal body with a matching Content-Length', async () => {
    const full = await call('/mempool/api/v1/blocks');
    sim.setFault('mempool.blocks_v1', { kind: 'truncated' });
    const cut = await call('/mempool/api/v1/blocks');
    assert.equal(cut.res.status, 200);
    assert.equal(Number(cut.res.headers.get('content-length')), Buffer.byteLength(cut.text));
    assert.equal(cut.text, full.text.slice(0, Math.floor(full.text.length / 2)));
    assert.throws(() => cut.json(), SyntaxError);
  });

  test('html: a Cloudflare-like error page', async () => {
    sim.setFault('coingecko.*', { kind: 'html' });
    const res = await call(PRICE);
    assert.equal(res.res.status, 502);
    assert.match(res.type, /^text\/html/);
    assert.equal(res.res.headers.get('server'), 'cloudflare');
    assert.match(res.text, /^<!DOCTYPE html>/);
    assert.match(res.text, /api\.coingecko\.com \| 502: Bad gateway/);
    sim.setFault('coingecko.*', { kind: 'html', status: 522 });
    assert.equal((await call(PRICE)).res.status, 522);
  });

  test('reset: the connection drops without a response', async () => {
    sim.setFault('kraken.ticker', { kind: 'reset' });
    await assert.rejects(fetch(`${sim.url}/kraken/0/public/Ticker?pair=XBTUSD`), TypeError);
  });

  test('hang: no answer until the client times out', async () => {
    sim.setFault('binance.ticker_24hr', { kind: 'hang' });
    await assert.rejects(
      fetch(`${sim.url}/binance/api/v3/ticker/24hr?symbol=BTCUSDT`, { signal: AbortSignal.timeout(150) }),
      (e) => e.name === 'TimeoutError',
    );
  });

  test('latency: delays, then answers normally', async () => {
    sim.setFault('fng.fng', { kind: 'latency', ms: 150 });
    const started = performance.now();
    const res = await call('/alternative/fng/');
    assert.ok(performance.now() - started >= 140);
    assert.equal(res.res.status, 200);
    assert.equal(res.json().data.length, 1);
  });

  test('body: serves exactly the given body', async () => {
    sim.setFault('mempool.tip_height', { kind: 'body', contentType: 'text/plain', body: 'not-a-number' });
    const res = await call('/mempool/api/blocks/tip/height');
    assert.deepEqual([res.res.status, res.type, res.text], [200, 'text/plain', 'not-a-number']);
  });

  test('times: N requests, then the fault clears itself', async () => {
    sim.setFault('coinbase.spot', { kind: 'status', status: 503, times: 2 });
    assert.deepEqual(sim.faults()['coinbase.spot'].times, 2);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await call('/coinbase/v2/prices/BTC-USD/spot')).res.status);
    assert.deepEqual(statuses, [503, 503, 200]);
    assert.deepEqual(sim.faults(), {});
  });

  test('the most specific target wins: route, then provider.*, then *', async () => {
    sim.setFault('*', { kind: 'status', status: 500 });
    sim.setFault('coingecko.*', { kind: 'status', status: 503 });
    sim.setFault('coingecko.simple_price', { kind: 'status', status: 429 });
    assert.equal((await call(PRICE)).res.status, 429);
    assert.equal((await call('/coingecko/api/v3/coins/markets?vs_currency=usd')).res.status, 503);
    assert.equal((await call('/coinbase/v2/prices/BTC-USD/spot')).res.status, 500);
    sim.clearFaults('coingecko.*');
    assert.equal((await call('/coingecko/api/v3/coins/markets?vs_currency=usd')).res.status, 500);
  });

  test('faulted requests are counted per route', async () => {
    sim.resetCounts();
    sim.setFault('esplora.*', { kind: 'status', status: 429 });
    await call('/esplora/api/blocks/tip/height');
    await call('/esplora/api/fee-estimates');
    await call('/esplora/api/fee-estimates');
    assert.deepEqual(sim.counts(), { total: 3, routes: { 'esplora.fee_estimates': 2, 'esplora.tip_height': 1 } });
  });

  test('setFault rejects unknown routes and bad faults, naming the field', () => {
    const field = (name) => (e) => e instanceof SimulatorInputError && e.field === name;
    assert.throws(() => sim.setFault('coingecko.nope', { kind: 'reset' }), field('route'));
    assert.throws(() => sim.setFault('*', { kind: 'explode' }), field('kind'));
    assert.throws(() => sim.setFault('*', { kind: 'latency' }), field('ms'));
    assert.throws(() => sim.setFault('*', { kind: 'status', status: 42 }), field('status'));
    assert.throws(() => sim.setFault('*', { kind: 'status', status: 429, retryAfter: 'soon' }), field('retryAfter'));
    assert.throws(() => sim.setFault('*', { kind: 'reset', times: 0 }), field('times'));
    assert.throws(() => sim.setFault('*', { kind: 'hang', ms: 5 }), field('ms'));
  });
});

describe('control API over HTTP', () => {
  let sim;
  const call = (path, init) => get(sim.url, path, init);
  const post = (path, body) => call(path, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });
  before(async () => {
    sim = await startSimulator({ clock: 'manual' });
  });
  after(() => sim.close());

  test('faults, counts, advance, state and routes; /__sim/ is never counted', async () => {
    await post('/__sim/reset-counts', {});
    const set = await post('/__sim/faults', { route: 'coinbase.spot', kind: 'status', status: 500, times: 1 });
    assert.equal(set.res.status, 200);
    assert.deepEqual(set.json().faults, { 'coinbase.spot': { kind: 'status', status: 500, times: 1 } });
    assert.equal((await call('/coinbase/v2/prices/BTC-USD/spot')).res.status, 500);
    await post('/__sim/faults', { route: '*', kind: 'reset' });
    assert.deepEqual((await call('/__sim/faults', { method: 'DELETE' })).json(), { faults: {} });

    const advanced = await post('/__sim/advance', { ms: 1_200_000 });
    assert.equal(advanced.json().height, 900_002);
    assert.equal(advanced.json().now, START + 1_200_000);
    const state = (await call('/__sim/state')).json();
    assert.equal(state.height, 900_002);
    assert.equal(typeof state.priceUsd, 'number');

    const routes = (await call('/__sim/routes')).json();
    assert.ok(routes.some((r) => r.id === 'mempool.blocks_v1' && r.method === 'GET' && r.path === '/mempool/api/v1/blocks/:height'));
    assert.equal(new Set(routes.map((r) => r.id)).size, 23);

    const counts = (await call('/__sim/counts')).json();
    assert.deepEqual(counts, { total: 1, routes: { 'coinbase.spot': 1 } });
    await post('/__sim/reset-counts', {});
    assert.deepEqual(sim.counts(), { total: 0, routes: {} });
  });

  test('bad input → 400 naming the field; unknown endpoint 404; wrong method 405', async () => {
    const cases = [
      [{ kind: 'status', status: 429 }, 'route'],
      [{ route: 'nope.route', kind: 'reset' }, 'route'],
      [{ route: '*', kind: 'teleport' }, 'kind'],
      [{ route: '*', kind: 'status', status: 'abc' }, 'status'],
      [{ route: '*', kind: 'status', status: 429, retry_after: 5 }, 'retry_after'],
      ['{not json', 'body'],
      [[1, 2], 'body'],
    ];
    for (const [body, field] of cases) {
      const res = await post('/__sim/faults', body);
      assert.equal(res.res.status, 400, JSON.stringify(body));
      assert.equal(res.json().field, field);
      assert.match(res.json().error, new RegExp(`^${field}: `));
    }
    const badMs = await post('/__sim/advance', { ms: -5 });
    assert.deepEqual([badMs.res.status, badMs.json().field], [400, 'ms']);
    const badDelete = await call('/__sim/faults?route=', { method: 'DELETE' });
    assert.deepEqual([badDelete.res.status, badDelete.json().field], [400, 'route']);
    assert.equal((await call('/__sim/nope')).res.status, 404);
    const wrong = await call('/__sim/counts', { method: 'POST' });
    assert.equal(wrong.res.status, 405);
    assert.equal(wrong.res.headers.get('allow'), 'GET');
    assert.equal(sim.counts().total, 0);
  });
});

describe('CORS for pages', () => {
  const PAGE = { origin: 'http://page.example' };
  const PATHS = ['/coingecko/api/v3/simple/price?ids=bitcoin&vs_currencies=usd', '/coinbase/v2/prices/BTC-USD/spot',
    '/kraken/0/public/Ticker?pair=XBTUSD', '/binance/api/v3/ticker/24hr?symbol=BTCUSDT', '/alternative/fng/',
    '/blockchain-info/stats', '/mempool/api/v1/fees/recommended', '/esplora/api/blocks/tip/height', '/coingecko/api/v3/nope', '/__sim/state'];

  test('on by default: every route, error and fault answer is readable cross-origin; preflights pass uncounted', async () => {
    const sim = await startSimulator({ clock: 'manual' });
    try {
      sim.setFault('mempool.fees_recommended', { kind: 'status', status: 429 }); // the real 429 has no CORS header
      for (const path of PATHS) {
        const { res } = await get(sim.url, path, { headers: PAGE });
        assert.equal(res.headers.get('access-control-allow-origin'), '*', path);
      }
      sim.resetCounts();
      const preflight = await fetch(`${sim.baseUrls.COINGECKO_API_URL}/simple/price`, {
        method: 'OPTIONS', headers: { ...PAGE, 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-cg-demo-api-key' },
      });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers.get('access-control-allow-headers'), 'x-cg-demo-api-key');
      assert.match(preflight.headers.get('access-control-allow-methods'), /\bGET\b/);
      assert.equal(sim.counts().total, 0);
    } finally {
      await sim.close();
    }
  });

  test('cors: false mimics the providers: no header where they send none, preflights unanswered', async () => {
    const sim = await startSimulator({ clock: 'manual', cors: false });
    try {
      const coingecko = await get(sim.url, PATHS[0], { headers: PAGE });
      assert.equal(coingecko.res.headers.get('access-control-allow-origin'), null);
      const mempool = await get(sim.url, '/mempool/api/v1/fees/recommended', { headers: PAGE });
      assert.equal(mempool.res.headers.get('access-control-allow-origin'), '*', 'mempool.space sends its own');
      const preflight = await fetch(`${sim.baseUrls.COINGECKO_API_URL}/simple/price`, {
        method: 'OPTIONS', headers: { ...PAGE, 'access-control-request-method': 'GET' },
      });
      assert.equal(preflight.headers.get('access-control-allow-origin'), null);
    } finally {
      await sim.close();
    }
  });

  test('the CLI takes --cors=false and rejects a non-boolean', async () => {
    const child = spawn(process.execPath, [CLI, '--port', '0', '--cors=false'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let coingecko;
    for await (const line of createInterface({ input: child.stdout })) {
      if (line.startsWith('COINGECKO_API_URL=')) { coingecko = line.slice('COINGECKO_API_URL='.length); break; }
    }
    const { res } = await get(coingecko, '/simple/price?ids=bitcoin&vs_currencies=usd', { headers: PAGE });
    assert.equal(res.headers.get('access-control-allow-origin'), null);
    child.kill('SIGTERM');
    assert.deepEqual(await once(child, 'exit'), [0, null]);
    const bad = spawn(process.execPath, [CLI, '--cors=maybe'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    bad.stderr.on('data', (chunk) => { stderr += chunk; });
    assert.deepEqual(await once(bad, 'exit'), [2, null]);
    assert.match(stderr, /--cors: expected true or false, got "maybe"/);
  });
});

describe('lifecycle', () => {
  test('close() releases hanging requests', async () => {
    const sim = await startSimulator();
    sim.setFault('*', { kind: 'hang' });
    const pending = fetch(`${sim.baseUrls.MEMPOOL_API_URL}/blocks/tip/height`);
    while (sim.counts().total === 0) await new Promise((resolve) => setImmediate(resolve));
    await sim.close();
    await assert.rejects(pending, TypeError);
  });

  test('refusedUrl() points at a port where nothing listens', async () => {
    const url = await refusedUrl();
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    await assert.rejects(fetch(`${url}/stats`), (e) => e.cause?.code === 'ECONNREFUSED');
  });

  test('the CLI prints KEY=url lines and exits cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, [CLI, '--port', '0', '--clock', 'manual', '--seed', '42'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const lines = [];
    for await (const line of createInterface({ input: child.stdout })) {
      lines.push(line);
      if (lines.length === 8) break;
    }
    const env = Object.fromEntries(lines.map((line) => line.split(/=(.*)/s, 2)));
    assert.deepEqual(Object.keys(env), [
      'MEMPOOL_API_URL', 'ESPLORA_API_URL', 'COINGECKO_API_URL', 'COINBASE_API_URL',
      'KRAKEN_API_URL', 'BINANCE_API_URL', 'FNG_API_URL', 'BLOCKCHAIN_INFO_API_URL',
    ]);
    assert.equal((await get(env.MEMPOOL_API_URL, '/blocks/tip/height')).text, '900000');
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    assert.equal(code, 0);
  });
});
