// Types of `bitcoin-ltl/elizaos`: an ElizaOS 1.x plugin (needs the optional peer `@elizaos/core`).
import { Service } from '@elizaos/core';
import type { Action, IAgentRuntime, Plugin, Provider } from '@elizaos/core';
import type {
  Blocks, Difficulty, Fees, Hashrate, Health, LoadOptions, LtlClient, LtlConfig, LtlEventType, Market, Mempool,
  MetricsSnapshot, NetworkSummary, PriceQuote, Provenance, RealtimeTopic, Sentiment, StorageAdapter, Tip, LtlError,
} from '../index.js';

/** The seed's service names, so `runtime.getServiceLoadPromise('market-data')` type-checks. */
declare module '@elizaos/core' {
  interface ServiceTypeRegistry {
    BITCOIN_LTL_CONFIG: 'centralized-config';
    BITCOIN_LTL_CACHE: 'cache';
    BITCOIN_LTL_PERFORMANCE: 'performance-monitor';
    BITCOIN_LTL_INTEGRATION: 'integration';
    BITCOIN_LTL_NETWORK: 'bitcoin-network';
    BITCOIN_LTL_MARKET: 'market-data';
    BITCOIN_LTL_REALTIME: 'real-time-data';
  }
}

type EventPayload = Record<string, unknown> & { type: LtlEventType };
type Unsubscribe = () => void;

/** Base of every service: a reference on the runtime's one shared client, from start() to stop(). */
export declare abstract class LtlService extends Service {
  static loadOptions: LoadOptions;
  /** The shared client; throws an LtlError (category internal) once this service is stopped. */
  readonly client: LtlClient;
  readonly running: boolean;
  stop(): Promise<void>;
  static stop(runtime: IAgentRuntime): Promise<void>;
}

export declare class CentralizedConfigService extends LtlService {
  static serviceType: 'centralized-config';
  capabilityDescription: string;
  static start(runtime: IAgentRuntime): Promise<CentralizedConfigService>;
  getAll(): Promise<Record<string, unknown>>;
  get(key: string): Promise<unknown>;
  update(overrides: LtlConfig): Promise<{ changed: string[]; config: Record<string, unknown> }>;
  onChange(callback: (event: EventPayload) => void): Unsubscribe;
}

export interface TierStats {
  hits: number; misses: number; hit_rate: number; entries: number; bytes: number; sets: number;
  evictions: Record<string, number>;
  [counter: string]: unknown;
}
export interface CacheStats {
  enabled: boolean;
  /** Upstream fetches in flight. */
  in_flight: number;
  /** Origin counters: fetches, failures, timeouts, coalesced waits, background refreshes... */
  origin: Record<string, number>;
  /** Per tier (`memory`, and the persistent one when there is one). */
  tiers: Record<string, TierStats>;
  /** Each tier's health (status, reason, failures). */
  tier_health: Health['cache_tiers'];
}
export type InvalidateTarget = { key: string } | { glob: string } | { tag: string };

export declare class CacheService extends LtlService {
  static serviceType: 'cache';
  capabilityDescription: string;
  static start(runtime: IAgentRuntime): Promise<CacheService>;
  /** The value, or null when absent or expired. */
  get<T = unknown>(key: string): Promise<T | null>;
  /** ttlMs in ms (default: the effective CACHE_DEFAULT_TTL, 30000 when not set); false when over CACHE_MAX_ENTRY_BYTES or disabled. */
  set(key: string, value: unknown, ttlMs?: number): Promise<boolean>;
  has(key: string): Promise<boolean>;
  delete(key: string): Promise<boolean>;
  /** A glob string over this service's keys, or `{ key | glob | tag }` over the client's data keys. */
  invalidate(pattern: string | InvalidateTarget): Promise<{ memory_removed: number; persistent_removed: number }>;
  getStats(): Promise<CacheStats>;
}

export declare class PerformanceMonitorService extends LtlService {
  static serviceType: 'performance-monitor';
  capabilityDescription: string;
  static start(runtime: IAgentRuntime): Promise<PerformanceMonitorService>;
  getCurrentMetrics(): Promise<MetricsSnapshot>;
  generateReport(options?: { windowMs?: number }): Promise<Record<string, unknown>>;
  getAlerts(): Promise<{ active: unknown[]; recent: unknown[] }>;
  onAlert(callback: (event: EventPayload) => void): Unsubscribe;
  getPrometheusText(): Promise<string>;
}

export type SeedServiceName =
  | 'centralized-config' | 'cache' | 'performance-monitor' | 'integration' | 'bitcoin-network' | 'market-data' | 'real-time-data';

export interface RefreshPart {
  ok: boolean;
  /** Present when ok: the answer's provenance. */
  source?: string; as_of?: number; fetched_at?: number; age_ms?: number; stale?: boolean; cache?: string;
  failed?: Provenance['failed'];
  /** Present when not ok. */
  error?: ReturnType<LtlError['toJSON']>['error'];
}

export declare class IntegrationService extends LtlService {
  static serviceType: 'integration';
  capabilityDescription: string;
  static start(runtime: IAgentRuntime): Promise<IntegrationService>;
  getStatus(): Promise<{ isHealthy: boolean; status: Health['status']; services: Record<SeedServiceName, boolean>; health: Health }>;
  getServices(): Promise<Record<SeedServiceName, { registered: boolean; status: Health['status']; reason: string }>>;
  getConfig(): Promise<Record<string, unknown>>;
  updateConfig(overrides: LtlConfig): Promise<{ changed: string[]; config: Record<string, unknown> }>;
  getPerformanceReport(options?: { windowMs?: number }): Promise<Record<string, unknown>>;
  getCacheStats(): Promise<CacheStats>;
  onHealthChange(callback: (event: EventPayload) => void): Unsubscribe;
  /** Every part through the cache, reported per part; never rejects because a part failed. */
  refreshAllData(options?: { currency?: string }): Promise<{
    refreshed_at: number; ok: number; failed: number;
    parts: Record<'price' | 'market' | 'tip' | 'fees' | 'mempool' | 'blocks' | 'difficulty' | 'hashrate' | 'sentiment', RefreshPart>;
  }>;
}

export declare class BitcoinNetworkService extends LtlService {
  static serviceType: 'bitcoin-network';
  capabilityDescription: string;
  static start(runtime: IAgentRuntime): Promise<BitcoinNetworkService>;
  getNetworkSummary(): Promise<NetworkSummary>;
  getTip(): Promise<Tip>;
  getFees(): Promise<Fees>;
  getMempool(): Promise<Mempool>;
  getBlocks(): Promise<Blocks>;
  getDifficulty(): Promise<Difficulty>;
  getHashrate(): Promise<Hashrate>;
}

export declare class MarketDataService extends LtlService {
  static serviceType: 'market-data';
  capabilityDescription: string;
  static start(runtime: IAgentRuntime): Promise<MarketDataService>;
  /** BTC_PRICE_CURRENCY, else `usd`. */
  readonly defaultCurrency: string;
  /** The quote with its full provenance (fetched_at, cache, failed, stale_reason included). */
  getPrice(currency?: string): Promise<PriceQuote & Provenance>;
  getMarket(currency?: string): Promise<Market>;
  getSentiment(): Promise<Sentiment>;
}

export interface RealtimeUpdate { topic: RealtimeTopic; data: unknown; source: 'websocket' | 'polling'; receivedAt: number }

export declare class RealTimeDataService extends LtlService {
  static serviceType: 'real-time-data';
  capabilityDescription: string;
  static start(runtime: IAgentRuntime): Promise<RealTimeDataService>;
  subscribe(topic: RealtimeTopic, callback: (update: RealtimeUpdate) => void): Unsubscribe;
  getLatest(topic: RealtimeTopic): RealtimeUpdate | null;
  getState(): Record<string, unknown>;
}

/** Seed service name → the core health service it reflects (null: overall / real-time state). */
export declare const SEED_SERVICES: Readonly<Record<SeedServiceName, string | null>>;
/** Every configuration key read from the runtime's settings (the client's keys). */
export declare const CONFIG_KEYS: readonly string[];
/** References held on a runtime's shared client (0 when none). */
export declare function clientReferences(runtime: IAgentRuntime): number;
/** The currency a message asks for, or null. */
export declare function currencyFromText(text: string, supported: readonly string[]): string | null;

export declare const btcPriceProvider: Provider;
export declare const bitcoinNetworkProvider: Provider;
export declare const btcSentimentProvider: Provider;
export declare const btcPriceAction: Action;

export interface BitcoinLtlPluginOptions {
  /** Passed to createClient: `WebSocket` (Node 20), `now`, `fetch`, `store`, ... */
  loadOptions?: LoadOptions & { store?: 'none' | StorageAdapter | null };
}
export declare function createBitcoinLtlPlugin(options?: BitcoinLtlPluginOptions): Plugin;
export declare const bitcoinLtlPlugin: Plugin;
export default bitcoinLtlPlugin;
