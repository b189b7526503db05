// Chain data providers: mempool.space, Blockstream esplora and blockchain.info.
import { FIAT, EPOCH_BLOCKS, DAY_MS, BLOCK_MS, subsidySats, supplySats } from '../model.mjs';
import { bodies, httpDate, reason } from '../responses.mjs';

const CORS = { 'access-control-allow-origin': '*' };
const HOT = { 'cache-control': 'max-age=1' }; // mempool nginx "hot" cache and esplora routes: expires 1s
const NO_CACHE = { 'cache-control': 'no-cache' }; // mempool nginx "normal" cache: expires -1
const ESPLORA_429 =
  'Blockstream Explorer API NOTICE: Your request rate exceeds the current limit. Please reduce your request rate or use the keyed Blockstream Explorer API for higher limits.';
const HASHRATE_PERIOD_DAYS = { '24h': 1, '3d': 3, '1w': 7, '1m': 30, '3m': 90, '6m': 180, '1y': 365, '2y': 730, '3y': 1095, '4y': 1460 };

const express = bodies('application/json; charset=utf-8', 'text/plain; charset=utf-8');
const electrs = bodies('application/json', 'text/plain');

// The electrs routes; mempool.space proxies the same set (nginx rewrites non-/v1 paths to electrs).
function electrsRoutes(provider, headers) {
  const { json, text } = electrs;
  return [
    { id: `${provider}.tip_height`, paths: ['/blocks/tip/height'], headers, handle: ({ model, t }) => text(String(model.height(t))) },
    { id: `${provider}.tip_hash`, paths: ['/blocks/tip/hash'], headers, handle: ({ model, t }) => text(model.blockHash(model.height(t))) },
    {
      id: `${provider}.blocks`,
      paths: ['/blocks', '/blocks/:height'],
      headers,
      handle: ({ model, t, params }) => {
        const tip = model.height(t);
        const from = params.height === undefined ? tip : Number(params.height);
        return from > tip ? text('Block not found', { status: 404 }) : json(model.blocks(from, 10, false));
      },
    },
    { id: `${provider}.mempool`, paths: ['/mempool'], headers, handle: ({ model, t }) => json(model.mempool(t)) },
  ];
}

const mempool = {
  name: 'mempool',
  prefix: '/mempool/api',
  envKey: 'MEMPOOL_API_URL',
  host: 'mempool.space',
  headers: CORS,
  // Backend errors carry CORS headers; 429s from the rate limiter usually do not.
  errorResponse: (status) => express.text(reason(status), { headers: status === 429 ? {} : CORS }),
  routes: [
    {
      id: 'mempool.fees_recommended',
      paths: ['/v1/fees/recommended'],
      headers: HOT,
      handle: ({ model, t }) =>
        express.json(Object.fromEntries(Object.entries(model.fees(t)).map(([k, v]) => [k, Math.max(1, Math.round(v))]))),
    },
    { id: 'mempool.fees_precise', paths: ['/v1/fees/precise'], headers: NO_CACHE, handle: ({ model, t }) => express.json(model.fees(t)) },
    {
      id: 'mempool.blocks_v1',
      paths: ['/v1/blocks', '/v1/blocks/:height'],
      headers: NO_CACHE,
      handle: ({ model, t, params }) => {
        const tip = model.height(t);
        const from = params.height === undefined ? tip : Math.min(Number(params.height), tip);
        return express.json(model.blocks(from, 15, true));
      },
    },
    {
      id: 'mempool.difficulty_adjustment',
      paths: ['/v1/difficulty-adjustment'],
      headers: NO_CACHE,
      handle: ({ model, t }) => express.json(model.difficultyAdjustment(t)),
    },
    {
      id: 'mempool.hashrate',
      paths: ['/v1/mining/hashrate/:period'],
      headers: { 'cache-control': 'public, max-age=120' },
      handle: ({ model, t, params }) => {
        // An unknown period silently returns the full history, as on mempool.space.
        const history = model.hashrateHistory(t, HASHRATE_PERIOD_DAYS[params.period] ?? null);
        return express.json(history, { headers: { 'x-total-count': String(history.hashrates.length) } });
      },
    },
    {
      id: 'mempool.prices',
      paths: ['/v1/prices'],
      handle: ({ model, t }) => {
        // Prices update every 5 minutes; `time` is the update in seconds, values whole numbers.
        const updated = Math.floor(t / 300_000) * 300_000;
        const usd = model.priceUsd(updated);
        const prices = { time: updated / 1000 };
        for (const [code, fx] of Object.entries(FIAT)) prices[code.toUpperCase()] = Math.round(usd * fx);
        return express.json(prices, { headers: { 'cache-control': 'public', expires: httpDate(updated + 300_000) } });
      },
    },
    ...electrsRoutes('mempool', HOT),
  ],
};

const esplora = {
  name: 'esplora',
  prefix: '/esplora/api',
  envKey: 'ESPLORA_API_URL',
  host: 'blockstream.info',
  headers: { ...CORS, 'cache-control': 'public, max-age=10' },
  // The rate limiter answers JSON even where the route itself is plain text.
  errorResponse: (status) =>
    status === 429
      ? electrs.json({ message: ESPLORA_429 }, { headers: CORS })
      : electrs.text(reason(status), { headers: CORS }),
  routes: [
    ...electrsRoutes('esplora'),
    { id: 'esplora.fee_estimates', paths: ['/fee-estimates'], handle: ({ model, t }) => electrs.json(model.feeEstimates(t)) },
  ],
};

// Java's Double.toString, which blockchain.info's JSON uses (e.g. 1.780730885E12).
function javaDouble(x) {
  if (x !== 0 && (Math.abs(x) >= 1e7 || Math.abs(x) < 1e-3)) {
    const [mantissa, exponent] = x.toExponential().split('e');
    return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
  }
  return Number.isInteger(x) ? `${x}.0` : String(x);
}

function stats(model, t) {
  const updated = Math.floor(t / 60_000) * 60_000;
  const h = model.height(updated);
  const price = Math.round(model.priceUsd(updated) * 100) / 100;
  const blocks = model.blocks(h, DAY_MS / BLOCK_MS, false);
  const nTx = blocks.reduce((sum, b) => sum + b.tx_count, 0);
  const mined = blocks.length * subsidySats(h);
  const sentSats = nTx * 30_000_000;
  const volumeBtc = model.volumeBtc24h(updated);
  const double = (x) => ({ double: x });
  // Field order and the garbage values (negative fees, zero revenue) follow a 2026 live capture.
  const fields = {
    timestamp: double(updated),
    market_price_usd: double(price),
    hash_rate: double(model.hashrate(h) / 1e9),
    total_fees_btc: -mined,
    n_btc_mined: mined,
    n_tx: nTx,
    n_blocks_mined: blocks.length,
    minutes_between_blocks: double(1440 / blocks.length),
    totalbc: supplySats(h),
    n_blocks_total: h,
    estimated_transaction_volume_usd: double((sentSats / 1e8) * price),
    blocks_size: blocks.reduce((sum, b) => sum + b.size, 0),
    miners_revenue_usd: double(0),
    nextretarget: (Math.floor(h / EPOCH_BLOCKS) + 1) * EPOCH_BLOCKS,
    difficulty: Math.round(model.difficulty(h)),
    estimated_btc_sent: sentSats,
    miners_revenue_btc: 0,
    total_btc_sent: sentSats * 7,
    trade_volume_btc: double(volumeBtc),
    trade_volume_usd: double(volumeBtc * price),
  };
  const members = Object.entries(fields).map(([k, v]) => `"${k}":${typeof v === 'object' ? javaDouble(v.double) : v}`);
  return `{${members.join(',')}}`;
}

const BLOCKCHAIN_JSON = 'application/json; charset=UTF-8';
const blockchain = bodies(BLOCKCHAIN_JSON, 'text/plain; charset=UTF-8');
// CORS headers only when the caller adds ?cors=true.
const corsOnRequest = (query) => (query.get('cors') === 'true' ? CORS : {});

const blockchainInfo = {
  name: 'blockchain_info',
  prefix: '/blockchain-info',
  envKey: 'BLOCKCHAIN_INFO_API_URL',
  host: 'api.blockchain.info',
  headers: { 'cache-control': 'public, max-age=60' },
  errorResponse: (status) => blockchain.text(reason(status)),
  routes: [
    {
      id: 'blockchain_info.stats',
      paths: ['/stats'],
      handle: ({ model, t, query }) => ({ contentType: BLOCKCHAIN_JSON, body: stats(model, t), headers: corsOnRequest(query) }),
    },
    {
      id: 'blockchain_info.getblockcount',
      paths: ['/q/getblockcount'],
      handle: ({ model, t, query }) => blockchain.text(String(model.height(t)), { headers: corsOnRequest(query) }),
    },
  ],
};

export { mempool, esplora, blockchainInfo };
