// Market data providers: CoinGecko, Coinbase, Kraken, Binance and alternative.me (Fear & Greed).
import { DAY_MS, FIAT, fxRate, supplySats } from '../model.mjs';
import { bodies, reason } from '../responses.mjs';

const NO_CACHE = { 'cache-control': 'no-cache' };
const round = (x, digits) => Number(x.toFixed(digits));
const lowerList = (value) => [...new Set((value ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean))];
const FIAT_CODES = Object.keys(FIAT);

// ---- CoinGecko ----

const coingeckoBodies = bodies('application/json; charset=utf-8', 'text/plain; charset=utf-8');
const COINGECKO_RATE_LIMIT =
  "You've exceeded the Rate Limit. Please visit https://www.coingecko.com/en/api/pricing to subscribe to our API plans for higher rate limits.";
const ATH = { usd: 126_080, date: '2025-10-06T18:57:42.558Z' };
const ATL = { usd: 67.81, date: '2013-07-06T00:00:00.000Z' };
const MAX_SUPPLY = 21_000_000;
// The public API refreshes about once a minute: values and timestamps move in minute steps.
const lastUpdate = (t) => Math.floor(t / 60_000) * 60_000;

function simplePrice({ model, t, query }) {
  const { json } = coingeckoBodies;
  if (!query.has('vs_currencies')) return json({ error: 'Missing parameter vs_currencies' }, { status: 400 });
  const flag = (name) => query.get(name) === 'true';
  const updated = lastUpdate(t);
  const m = model.market(updated);
  const coin = {};
  for (const vs of lowerList(query.get('vs_currencies'))) {
    const fx = fxRate(vs);
    if (fx === undefined) continue; // unknown vs currencies are simply absent
    coin[vs] = m.price * fx;
    if (flag('include_market_cap')) coin[`${vs}_market_cap`] = m.marketCap * fx;
    if (flag('include_24hr_vol')) coin[`${vs}_24h_vol`] = m.volumeUsd * fx;
    if (flag('include_24hr_change')) coin[`${vs}_24h_change`] = m.changePct;
  }
  if (flag('include_last_updated_at')) coin.last_updated_at = updated / 1000;
  return json(lowerList(query.get('ids')).includes('bitcoin') ? { bitcoin: coin } : {});
}

function coinsMarkets({ model, t, query }) {
  const { json } = coingeckoBodies;
  const vs = (query.get('vs_currency') ?? '').toLowerCase();
  if (!vs) return json({ error: 'Missing parameter vs_currency' }, { status: 400 });
  const fx = fxRate(vs);
  if (fx === undefined) return json({ error: 'invalid vs_currency' }, { status: 400 });
  const ids = lowerList(query.get('ids'));
  if (ids.length > 0 && !ids.includes('bitcoin')) return json([]);

  const updated = lastUpdate(t);
  const m = model.market(updated);
  const price = m.price * fx;
  const marketCap = m.marketCap * fx;
  const marketCapDayAgo = ((m.open * supplySats(model.height(updated - DAY_MS))) / 1e8) * fx;
  const lastUpdated = new Date(updated).toISOString();
  // The fixed all-time high is superseded while the walk trades above it.
  const [ath, athDate] = price > ATH.usd * fx ? [price, lastUpdated] : [ATH.usd * fx, ATH.date];
  const atl = ATL.usd * fx;
  return json([
    {
      id: 'bitcoin',
      symbol: 'btc',
      name: 'Bitcoin',
      image: 'https://assets.coingecko.com/coins/images/1/large/bitcoin.png?1696501400',
      current_price: Math.round(price),
      market_cap: Math.round(marketCap),
      market_cap_rank: 1,
      fully_diluted_valuation: Math.round(price * MAX_SUPPLY),
      total_volume: Math.round(m.volumeUsd * fx),
      high_24h: Math.round(m.high * fx),
      low_24h: Math.round(m.low * fx),
      price_change_24h: round(price - m.open * fx, 2),
      price_change_percentage_24h: round(m.changePct, 5),
      market_cap_change_24h: Math.round(marketCap - marketCapDayAgo),
      market_cap_change_percentage_24h: round((marketCap / marketCapDayAgo - 1) * 100, 5),
      circulating_supply: m.supply,
      total_supply: MAX_SUPPLY,
      max_supply: MAX_SUPPLY,
      ath: Math.round(ath),
      ath_change_percentage: round((price / ath - 1) * 100, 5),
      ath_date: athDate,
      atl: round(atl, 2),
      atl_change_percentage: round((price / atl - 1) * 100, 5),
      atl_date: ATL.date,
      roi: null,
      last_updated: lastUpdated,
    },
  ]);
}

const coingecko = {
  name: 'coingecko',
  prefix: '/coingecko/api/v3',
  envKey: 'COINGECKO_API_URL',
  host: 'api.coingecko.com',
  headers: { 'cache-control': 'public, max-age=60' },
  errorResponse(status) {
    const { json } = coingeckoBodies;
    if (status === 404) return json({ error: 'Incorrect path. Please check https://www.coingecko.com/api/documentation' });
    const message = status === 429 ? COINGECKO_RATE_LIMIT : reason(status);
    return json({ status: { error_code: status, error_message: message } }, { headers: status === 429 ? { 'retry-after': '60' } : {} });
  },
  routes: [
    { id: 'coingecko.simple_price', paths: ['/simple/price'], handle: simplePrice },
    { id: 'coingecko.coins_markets', paths: ['/coins/markets'], handle: coinsMarkets },
  ],
};

// ---- Coinbase ----

const coinbaseBodies = bodies('application/json; charset=utf-8', 'text/plain; charset=utf-8');
const COINBASE_ERROR_IDS = { 400: 'invalid_request', 401: 'authentication_error', 404: 'not_found', 429: 'rate_limit_exceeded' };
const coinbaseError = (status, message) =>
  coinbaseBodies.json({ errors: [{ id: COINBASE_ERROR_IDS[status] ?? 'internal_server_error', message }] }, { status });

const coinbase = {
  name: 'coinbase',
  prefix: '/coinbase/v2',
  envKey: 'COINBASE_API_URL',
  host: 'api.coinbase.com',
  headers: NO_CACHE,
  errorResponse: (status) => coinbaseError(status, status === 429 ? 'Too many requests' : reason(status)),
  routes: [
    {
      id: 'coinbase.spot',
      paths: ['/prices/:pair/spot'],
      handle({ model, t, params }) {
        const [base, currency = ''] = params.pair.toUpperCase().split('-');
        const fx = fxRate(currency.toLowerCase());
        if (base !== 'BTC' || fx === undefined) return coinbaseError(400, `Invalid currency (${params.pair})`);
        return coinbaseBodies.json({ data: { amount: (model.priceUsd(t) * fx).toFixed(2), base: 'BTC', currency } });
      },
    },
  ],
};

// ---- Kraken ----

const krakenBodies = bodies('application/json; charset=utf-8', 'text/plain; charset=utf-8');
const KRAKEN_SHARE = 0.05; // Kraken's share of the global 24 h volume
// Legacy pairs answer under X/Z-prefixed keys (XBTUSD → XXBTZUSD); newer ones keep the plain name.
const KRAKEN_KEYS = Object.fromEntries(FIAT_CODES.map((c) => [c, ['chf', 'aud'].includes(c) ? `XBT${c.toUpperCase()}` : `XXBTZ${c.toUpperCase()}`]));
const KRAKEN_PAIRS = new Map(
  FIAT_CODES.flatMap((c) => [`XBT${c}`, `BTC${c}`, KRAKEN_KEYS[c]].map((name) => [name.toUpperCase(), c])),
);

function krakenTicker(model, t, fiat) {
  const fx = FIAT[fiat];
  const m = model.market(t);
  const midnight = Math.floor(t / DAY_MS) * DAY_MS;
  const today = model.priceRange(midnight, t);
  const dayShare = (t - midnight) / DAY_MS;
  const tick = (usd) => Math.round(usd * fx * 10) / 10; // Kraken quotes BTC pairs in 0.1 steps
  const price = (usd) => tick(usd).toFixed(5);
  const last = tick(m.price);
  const lot = (m.volumeBtc % 1).toFixed(8); // a deterministic odd-looking trade size
  const volume = m.volumeBtc * KRAKEN_SHARE;
  const trades = Math.round(volume * 40);
  return {
    a: [(last + 0.1).toFixed(5), '1', '1.000'],
    b: [last.toFixed(5), '2', '2.000'],
    c: [last.toFixed(5), lot],
    v: [(volume * dayShare).toFixed(8), volume.toFixed(8)],
    p: [price(today.mean), price(m.mean)],
    t: [Math.round(trades * dayShare), trades],
    l: [price(today.low), price(m.low)],
    h: [price(today.high), price(m.high)],
    o: price(today.open),
  };
}

const kraken = {
  name: 'kraken',
  prefix: '/kraken/0/public',
  envKey: 'KRAKEN_API_URL',
  host: 'api.kraken.com',
  headers: NO_CACHE,
  errorResponse(status) {
    const code = status === 404 ? 'EGeneral:Unknown method' : status === 429 ? 'EAPI:Rate limit exceeded' : status >= 500 ? 'EService:Unavailable' : 'EGeneral:Invalid arguments';
    return krakenBodies.json({ error: [code] });
  },
  routes: [
    {
      id: 'kraken.ticker',
      paths: ['/Ticker'],
      handle({ model, t, query }) {
        const names = query.has('pair') ? query.get('pair').toUpperCase().split(',') : Object.values(KRAKEN_KEYS);
        const fiats = names.map((name) => KRAKEN_PAIRS.get(name.trim()));
        // Kraken reports errors in the body with HTTP 200.
        if (fiats.includes(undefined)) return krakenBodies.json({ error: ['EQuery:Unknown asset pair'] });
        const result = Object.fromEntries(fiats.map((fiat) => [KRAKEN_KEYS[fiat], krakenTicker(model, t, fiat)]));
        return krakenBodies.json({ error: [], result });
      },
    },
  ],
};

// ---- Binance ----

const binanceBodies = bodies('application/json;charset=UTF-8', 'text/plain;charset=UTF-8');
const BINANCE_SHARE = 0.4;
// Binance has no BTC/USD pair (dollars trade as the USDT and USDC stablecoins) and lists only some
// BTC/fiat pairs; of the model's currencies that is EUR and JPY. Anything else is 400 -1121.
const BINANCE_SYMBOLS = { BTCUSDT: 'usd', BTCUSDC: 'usd', BTCEUR: 'eur', BTCJPY: 'jpy' };
const BINANCE_RESTRICTED =
  "Service unavailable from a restricted location according to 'b. Eligibility' in https://www.binance.com/en/terms. Please contact customer service if you believe you received this message in error.";

function binanceTicker(model, t, symbol) {
  const fx = FIAT[BINANCE_SYMBOLS[symbol]];
  const m = model.market(t);
  const cents = (usd) => Math.round(usd * fx * 100) / 100;
  const decimals8 = (x) => x.toFixed(8);
  const [last, open] = [cents(m.price), cents(m.open)];
  const volume = round(m.volumeBtc * BINANCE_SHARE, 5);
  const firstId = model.tradeId(t - DAY_MS) + 1;
  const lastId = model.tradeId(t);
  return {
    symbol,
    priceChange: decimals8(last - open),
    priceChangePercent: ((last / open - 1) * 100).toFixed(3),
    weightedAvgPrice: decimals8(cents(m.mean)),
    prevClosePrice: decimals8(open),
    lastPrice: decimals8(last),
    lastQty: decimals8(round(m.volumeBtc % 1, 5)),
    bidPrice: decimals8(last),
    bidQty: decimals8(1.5),
    askPrice: decimals8(last + 0.01),
    askQty: decimals8(0.8),
    openPrice: decimals8(open),
    highPrice: decimals8(cents(m.high)),
    lowPrice: decimals8(cents(m.low)),
    volume: decimals8(volume),
    quoteVolume: decimals8(volume * cents(m.mean)),
    openTime: t - DAY_MS,
    closeTime: t,
    firstId,
    lastId,
    count: lastId - firstId + 1,
  };
}

const binance = {
  name: 'binance',
  prefix: '/binance/api/v3',
  envKey: 'BINANCE_API_URL',
  host: 'api.binance.com',
  headers: { 'cache-control': 'no-cache, no-store, must-revalidate' },
  errorResponse(status, t) {
    const { json, text } = binanceBodies;
    const retry = { headers: { 'retry-after': '60' } };
    switch (status) {
      case 404: return text('');
      case 418: return json({ code: -1003, msg: `Way too much request weight used; IP banned until ${t + 120_000}. Please use WebSocket Streams for live updates to avoid bans.` }, retry);
      case 429: return json({ code: -1003, msg: 'Too much request weight used; current limit is 6000 request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.' }, retry);
      case 451: return json({ code: 0, msg: BINANCE_RESTRICTED });
      default: return json({ code: -1000, msg: 'An unknown error occurred while processing the request.' });
    }
  },
  routes: [
    {
      id: 'binance.ticker_24hr',
      paths: ['/ticker/24hr'],
      handle({ model, t, query }) {
        const { json } = binanceBodies;
        if (!query.has('symbol')) return json(Object.keys(BINANCE_SYMBOLS).map((s) => binanceTicker(model, t, s)));
        const symbol = query.get('symbol');
        if (!Object.hasOwn(BINANCE_SYMBOLS, symbol)) return json({ code: -1121, msg: 'Invalid symbol.' }, { status: 400 });
        return json(binanceTicker(model, t, symbol));
      },
    },
  ],
};

// ---- alternative.me Fear & Greed ----

const fngBodies = bodies('application/json', 'text/plain');
const FNG_CLASSES = [[24, 'Extreme Fear'], [46, 'Fear'], [54, 'Neutral'], [75, 'Greed'], [100, 'Extreme Greed']];

function fearAndGreed({ model, t, query }) {
  const parsed = Number.parseInt(query.get('limit') ?? '1', 10);
  const limit = Number.isNaN(parsed) || parsed < 0 ? 1 : parsed;
  const nowS = Math.floor(t / 1000);
  // Every value is a string; only the newest entry says when the next daily update is due.
  const data = model.fearGreedHistory(t, limit).map(({ day, value }, i) => ({
    value: String(value),
    value_classification: FNG_CLASSES.find(([max]) => value <= max)[1],
    timestamp: String(day * 86_400),
    ...(i === 0 && { time_until_update: String((day + 1) * 86_400 - nowS) }),
  }));
  return fngBodies.json({ name: 'Fear and Greed Index', data, metadata: { error: null } });
}

const alternative = {
  name: 'fng',
  prefix: '/alternative',
  envKey: 'FNG_API_URL',
  host: 'api.alternative.me',
  headers: {},
  errorResponse: (status) => fngBodies.text(reason(status)),
  routes: [{ id: 'fng.fng', paths: ['/fng/', '/fng'], handle: fearAndGreed }],
};

export { coingecko, coinbase, kraken, binance, alternative };
