// bitcoin-ltl/elizaos: an ElizaOS 1.x plugin whose services carry the "Phase 3" design's names
// (centralized-config, cache, performance-monitor, integration, bitcoin-network, market-data,
// real-time-data), all backed by one bitcoin-ltl client per runtime.
import { bitcoinNetworkProvider, btcPriceAction, btcPriceProvider, btcSentimentProvider, currencyFromText } from './context.js';
import { BitcoinNetworkService, MarketDataService, RealTimeDataService } from './data-services.js';
import { CacheService, CentralizedConfigService, PerformanceMonitorService } from './infra-services.js';
import { IntegrationService, SEED_SERVICES } from './integration-service.js';
import { CONFIG_KEYS } from './settings.js';
import { clientReferences } from './shared-client.js';

export {
  BitcoinNetworkService, CacheService, CentralizedConfigService, IntegrationService, MarketDataService,
  PerformanceMonitorService, RealTimeDataService, SEED_SERVICES, CONFIG_KEYS, clientReferences,
  btcPriceProvider, bitcoinNetworkProvider, btcSentimentProvider, btcPriceAction, currencyFromText,
};
export { LtlService } from './base-service.js';

const SERVICE_CLASSES = [
  CentralizedConfigService, CacheService, PerformanceMonitorService, IntegrationService,
  BitcoinNetworkService, MarketDataService, RealTimeDataService,
];

/**
 * The plugin, with `loadOptions` for createClient (e.g. `{ WebSocket }` from `ws` on Node 20,
 * `now` for a simulated clock). Each call makes its own service subclasses carrying the options.
 */
export function createBitcoinLtlPlugin({ loadOptions } = {}) {
  const services = loadOptions
    ? SERVICE_CLASSES.map((Base) => {
      const Bound = class extends Base {};
      Bound.loadOptions = { ...loadOptions };
      Object.defineProperty(Bound, 'name', { value: Base.name });
      return Bound;
    })
    : SERVICE_CLASSES;
  return {
    name: 'bitcoin-ltl',
    description: 'Bitcoin network and market data (price, consensus, fees, mempool, blocks, difficulty, hashrate, sentiment) with cache, resilience and monitoring',
    services,
    providers: [btcPriceProvider, bitcoinNetworkProvider, btcSentimentProvider],
    actions: [btcPriceAction],
  };
}

export const bitcoinLtlPlugin = createBitcoinLtlPlugin();
export default bitcoinLtlPlugin;
