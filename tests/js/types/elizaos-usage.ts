// Type-checked (tsc --strict, nodenext) by tests/js/node/elizaos.test.mjs: the plugin's declarations
// must fit @elizaos/core's Plugin, Service, Provider and Action types as users write against them.
import { AgentRuntime, Service } from '@elizaos/core';
import type { IAgentRuntime, Plugin, Provider, Action } from '@elizaos/core';
import bitcoinLtlPlugin, {
  createBitcoinLtlPlugin, MarketDataService, BitcoinNetworkService, CacheService, IntegrationService,
  PerformanceMonitorService, CentralizedConfigService, RealTimeDataService, btcPriceProvider, btcPriceAction,
} from 'bitcoin-ltl/elizaos';

const plugin: Plugin = bitcoinLtlPlugin;
const custom: Plugin = createBitcoinLtlPlugin({ loadOptions: { now: () => Date.now() } });
const services: (typeof Service)[] = [MarketDataService, BitcoinNetworkService, CacheService, IntegrationService,
  PerformanceMonitorService, CentralizedConfigService, RealTimeDataService];
const provider: Provider = btcPriceProvider;
const action: Action = btcPriceAction;

async function use(runtime: IAgentRuntime): Promise<string> {
  // The design's snippet: services by their seed names.
  const market = runtime.getService<MarketDataService>('market-data');
  const network = runtime.getService<BitcoinNetworkService>('bitcoin-network');
  const cache = runtime.getService<CacheService>('cache');
  const integration = runtime.getService<IntegrationService>('integration');
  const performance = runtime.getService<PerformanceMonitorService>('performance-monitor');
  await runtime.getServiceLoadPromise('market-data');
  if (!market || !network || !cache || !integration || !performance) return 'not ready';

  const quote = await market.getPrice('eur');
  const age: number = quote.age_ms;
  const fetchedAt: number = quote.fetched_at;
  const fees = await network.getFees();
  const fastest: number = fees.fastest_sat_vb;
  const summary = await network.getNetworkSummary();
  const height: number | undefined = summary.tip?.height;
  await cache.set('greeting', { hello: 'world' }, 60_000);
  const greeting = await cache.get<{ hello: string }>('greeting');
  const stats = await cache.getStats();
  const refreshed = await integration.refreshAllData({ currency: 'usd' });
  const priceOk: boolean = refreshed.parts.price.ok;
  const status = await integration.getStatus();
  const unsubscribe = performance.onAlert((event) => console.log(event.type));
  unsubscribe();
  // The declarations reject misuse (each line must be an error, or tsc fails on the directive).
  // @ts-expect-error a currency is a string
  await market.getPrice(42);
  // @ts-expect-error no such real-time topic
  runtime.getService<RealTimeDataService>('real-time-data')?.subscribe('trades', () => {});
  // @ts-expect-error not a service name of ElizaOS or of this plugin
  await runtime.getServiceLoadPromise('marketdata');
  // @ts-expect-error Plugin.services takes classes, not instances
  const wrong: Plugin = { name: 'x', description: 'x', services: [market] };
  void wrong;
  return `${quote.price} ${age} ${fetchedAt} ${fastest} ${height} ${greeting?.hello} ${stats.tiers.memory?.hit_rate} ${stats.tier_health.length} ${priceOk} ${status.isHealthy}`;
}

const runtime = new AgentRuntime({ character: { name: 'typed', bio: 'typed', plugins: [] }, plugins: [plugin, custom] });
void use(runtime);
void services;
void provider;
void action;
