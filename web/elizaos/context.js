// Providers that put BTC price, network state and sentiment into an agent's context (short text,
// template values, the full answers as data), and the "BTC price in <currency>" action.
import { LtlError } from '../index.js';
import { errorSummary, formatAge, formatNumber, formatProvenance, priceText } from './format.js';

function unavailable(what, error, key) {
  const summary = errorSummary(error);
  return { text: `${what}: unavailable (${summary.category}: ${summary.message})`, values: {}, data: { [key]: summary } };
}

function service(runtime, name) {
  const found = runtime.getService(name);
  if (!found) throw new LtlError({ category: 'internal', severity: 'medium', operation: name, message: `the ${name} service is not running` });
  return found;
}

export const btcPriceProvider = {
  name: 'BTC_PRICE',
  description: 'Current BTC price in the agent\'s currency (BTC_PRICE_CURRENCY, default usd) with source and age',
  async get(runtime) {
    try {
      const quote = await service(runtime, 'market-data').getPrice();
      return {
        text: priceText(quote),
        values: { btcPrice: quote.price, btcPriceCurrency: quote.currency, btcPriceSource: quote.source, btcPriceAgeMs: quote.age_ms, btcPriceStale: quote.stale },
        data: { btcPrice: quote },
      };
    } catch (error) {
      return unavailable('BTC price', error, 'btcPriceError');
    }
  },
};

function networkText(summary) {
  const parts = [];
  if (summary.tip) parts.push(`block ${formatNumber(summary.tip.height)}`);
  if (summary.fees) parts.push(`fees ${formatNumber(summary.fees.fastest_sat_vb)} / ${formatNumber(summary.fees.half_hour_sat_vb)} / ${formatNumber(summary.fees.hour_sat_vb)} sat/vB (fastest / 30 min / 1 h)`);
  if (summary.mempool) parts.push(`mempool ${formatNumber(summary.mempool.count)} tx, ${formatNumber(summary.mempool.vsize_vb / 1e6)} MvB`);
  if (summary.hashrate) parts.push(`hashrate ${formatNumber(summary.hashrate.current_hashrate_hs / 1e18)} EH/s`);
  if (summary.difficulty) parts.push(`difficulty retarget in ${formatNumber(summary.difficulty.remaining_blocks)} blocks (${summary.difficulty.change_pct >= 0 ? '+' : ''}${formatNumber(summary.difficulty.change_pct)}%)`);
  if (summary.halving) parts.push(`halving in ${formatNumber(summary.halving.blocks_to_next_halving)} blocks`);
  const present = ['tip', 'fees', 'mempool', 'difficulty', 'hashrate'].map((p) => summary[p]).filter(Boolean);
  const sources = [...new Set(present.map((p) => p.source))].join(', ');
  const oldest = Math.max(0, ...present.map((p) => p.age_ms));
  let text = `Bitcoin network: ${parts.join('; ')}`;
  if (present.length) text += `; from ${sources}, oldest part ${formatAge(oldest)} old`;
  if (summary.failed_parts.length) text += `; unavailable: ${summary.failed_parts.map((f) => `${f.part} (${f.error.category})`).join(', ')}`;
  return { text, sources, oldest };
}

export const bitcoinNetworkProvider = {
  name: 'BITCOIN_NETWORK',
  description: 'Bitcoin network state: tip, fees (sat/vB), mempool, hashrate (H/s), difficulty and halving, with sources and age',
  async get(runtime) {
    try {
      const summary = await service(runtime, 'bitcoin-network').getNetworkSummary();
      const { text, sources, oldest } = networkText(summary);
      return {
        text,
        values: {
          btcBlockHeight: summary.tip?.height ?? null,
          btcFastestFeeSatVb: summary.fees?.fastest_sat_vb ?? null,
          btcHourFeeSatVb: summary.fees?.hour_sat_vb ?? null,
          btcMempoolTxCount: summary.mempool?.count ?? null,
          btcHashrateHs: summary.hashrate?.current_hashrate_hs ?? null,
          btcBlocksToHalving: summary.halving?.blocks_to_next_halving ?? null,
          btcNetworkSources: sources,
          btcNetworkOldestAgeMs: oldest,
        },
        data: { bitcoinNetwork: summary },
      };
    } catch (error) {
      return unavailable('Bitcoin network', error, 'bitcoinNetworkError');
    }
  },
};

export const btcSentimentProvider = {
  name: 'BTC_SENTIMENT',
  description: 'Bitcoin Fear & Greed index (0-100) with its classification, source and age',
  async get(runtime) {
    try {
      const sentiment = await service(runtime, 'market-data').getSentiment();
      return {
        text: `Bitcoin Fear & Greed index: ${sentiment.value}/100 (${sentiment.classification}), ${formatProvenance(sentiment)}`,
        values: { btcFearGreed: sentiment.value, btcFearGreedClass: sentiment.classification, btcSentimentSource: sentiment.source, btcSentimentAgeMs: sentiment.age_ms },
        data: { btcSentiment: sentiment },
      };
    } catch (error) {
      return unavailable('Bitcoin sentiment', error, 'btcSentimentError');
    }
  },
};

// Names people use for the client's default currencies; a code (EUR) always works.
const CURRENCY_NAMES = [
  ['cad', /\bcanadian dollars?\b|\bc\$/i], ['aud', /\baustralian dollars?\b|\ba\$/i],
  ['eur', /\beuros?\b|€/i], ['gbp', /\bpounds?\b|\bsterling\b|£/i], ['jpy', /\byen\b|¥/i],
  ['chf', /\bswiss francs?\b|\bfrancs?\b/i], ['usd', /\bus dollars?\b|\bdollars?\b|\$/],
];

/**
 * The currency a message asks for: an upper-case code after "in"/"to" ("in BRL", passed on so an
 * unsupported one gets the client's typed error), a supported code, a currency name, or null.
 */
export function currencyFromText(text, supported) {
  const asked = /\b(?:in|to)\s+([A-Z]{3})\b/.exec(text);
  if (asked) return asked[1].toLowerCase();
  for (const code of supported) if (new RegExp(`\\b${code}\\b`, 'i').test(text)) return code;
  for (const [code, pattern] of CURRENCY_NAMES) if (pattern.test(text)) return code;
  return null;
}

const ASKS_PRICE = /\b(btc|bitcoin|xbt)\b/i;

export const btcPriceAction = {
  name: 'BTC_PRICE_IN_CURRENCY',
  similes: ['BTC_PRICE', 'BITCOIN_PRICE', 'GET_BTC_PRICE'],
  description: 'Answers the current BTC price in the currency the user names (EUR, euros, £, ...), with source and age',
  async validate(runtime, message) {
    return ASKS_PRICE.test(message?.content?.text ?? '') && runtime.getService('market-data') !== null;
  },
  async handler(runtime, message, _state, _options, callback) {
    const text = message?.content?.text ?? '';
    try {
      const market = service(runtime, 'market-data');
      const supported = String((await market.client.config()).SUPPORTED_CURRENCIES ?? 'usd').split(',').map((c) => c.trim()).filter(Boolean);
      const currency = currencyFromText(text, supported) ?? market.defaultCurrency;
      const quote = await market.getPrice(currency);
      const reply = priceText(quote);
      await callback?.({ text: reply, actions: ['BTC_PRICE_IN_CURRENCY'], source: message?.content?.source });
      return {
        success: true,
        text: reply,
        values: { btcPrice: quote.price, btcPriceCurrency: quote.currency, btcPriceSource: quote.source, btcPriceAgeMs: quote.age_ms },
        data: { quote },
      };
    } catch (error) {
      const summary = errorSummary(error);
      const reply = `I could not get the BTC price: ${summary.message}`;
      await callback?.({ text: reply, actions: ['BTC_PRICE_IN_CURRENCY'], source: message?.content?.source });
      return { success: false, text: reply, error: error instanceof Error ? error : new Error(summary.message), data: { error: summary } };
    }
  },
  examples: [[
    { name: '{{user1}}', content: { text: 'What is the BTC price in EUR?' } },
    { name: '{{agent}}', content: { text: 'BTC price: 61,234.5 EUR, 24 h +1.2%, from coingecko, 12 s old', actions: ['BTC_PRICE_IN_CURRENCY'] } },
  ], [
    { name: '{{user1}}', content: { text: 'how much is bitcoin in pounds' } },
    { name: '{{agent}}', content: { text: 'BTC price: 52,310 GBP, from kraken, 4 s old', actions: ['BTC_PRICE_IN_CURRENCY'] } },
  ]],
};
