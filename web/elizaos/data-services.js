// The seed's data services (bitcoin-network, market-data, real-time-data): every answer is the
// client's, with its provenance (source, as_of, fetched_at, age_ms, stale, cache, failed).
import { LtlService, invalidArgument } from './base-service.js';
import { PLUGIN_KEYS, pluginSetting } from './settings.js';

/** `bitcoin-network`: tip, fees, mempool, blocks, difficulty, hashrate and the summary of them all. */
export class BitcoinNetworkService extends LtlService {
  static serviceType = 'bitcoin-network';
  capabilityDescription = 'Bitcoin network state (tip, fees in sat/vB, mempool, difficulty, hashrate in H/s, halving) with provenance';

  /** All parts in one answer; parts that failed are named in `failed_parts`, never invented. */
  getNetworkSummary() { return this.client.network(); }
  getTip() { return this.client.tip(); }
  getFees() { return this.client.fees(); }
  getMempool() { return this.client.mempool(); }
  getBlocks() { return this.client.blocks(); }
  getDifficulty() { return this.client.difficulty(); }
  getHashrate() { return this.client.hashrate(); }
}

/** `market-data`: price, consensus market and sentiment. */
export class MarketDataService extends LtlService {
  static serviceType = 'market-data';
  capabilityDescription = 'BTC price (first answering provider), median consensus market and Fear & Greed sentiment, with provenance';

  /** The currency used when none is given: the BTC_PRICE_CURRENCY setting, else usd. */
  get defaultCurrency() {
    return pluginSetting(this.runtime, PLUGIN_KEYS.currency, 'usd');
  }

  getPrice(currency = this.defaultCurrency) { return this.client.price(currency); }
  getMarket(currency = this.defaultCurrency) { return this.client.market(currency); }
  getSentiment() { return this.client.sentiment(); }
}

const TOPICS = Object.freeze(['blocks', 'fees', 'mempool', 'price']);

/** `real-time-data`: pushed updates (mempool.space WebSocket where the host has one, else polling). */
export class RealTimeDataService extends LtlService {
  static serviceType = 'real-time-data';
  capabilityDescription = 'Real-time Bitcoin updates (blocks, fees, mempool, price) over the mempool.space WebSocket or polling';
  #latest = new Map(); // topic → last update seen by this service (at most 4 entries)

  /** Calls back on each update of `topic`; returns unsubscribe (stop() unsubscribes too). */
  subscribe(topic, callback) {
    if (!TOPICS.includes(topic)) throw invalidArgument('real-time-data.subscribe', `topic: got ${String(topic).slice(0, 32)}; expected one of ${TOPICS.join(', ')}`);
    if (typeof callback !== 'function') throw invalidArgument('real-time-data.subscribe', 'callback: expected a function');
    return this.track(this.client.subscribe(topic, (update) => {
      this.#latest.set(topic, update);
      callback(update);
    }));
  }

  /** The last update of `topic` delivered to a subscription of this service, or null. */
  getLatest(topic) {
    return this.#latest.get(topic) ?? null;
  }

  /** Socket or polling mode, connection, reconnects, subscribers and last update per topic. */
  getState() {
    return this.client.realtimeState();
  }
}
