// bitcoin-ltl/elizaos against the real @elizaos/core: the plugin's services extend its Service,
// start and stop through a real AgentRuntime (no model provider; an in-memory database adapter),
// share one client per runtime, and answer from the simulator under the design's service names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Service } from '@elizaos/core';

import { LtlError } from '../../../web/index.js';
import bitcoinLtlPlugin, {
  BitcoinNetworkService, CacheService, CentralizedConfigService, CONFIG_KEYS, IntegrationService, MarketDataService,
  PerformanceMonitorService, RealTimeDataService, clientReferences, createBitcoinLtlPlugin, currencyFromText,
} from '../../../web/elizaos/index.js';
import { CLIENT_DEFAULTS, until, useManualSimulator } from '../support/simulated.mjs';
import { SEED_NAMES, startRuntime, unexpectedProblems } from '../support/eliza-runtime.mjs';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const CLASSES = {
  'centralized-config': CentralizedConfigService, cache: CacheService, 'performance-monitor': PerformanceMonitorService,
  integration: IntegrationService, 'bitcoin-network': BitcoinNetworkService, 'market-data': MarketDataService,
  'real-time-data': RealTimeDataService,
};

let sim;
useManualSimulator(14, { onStart: (started) => { sim = started; } });

// A plugin on the simulator's clock, with the settings an agent's character would carry.
async function agent(settings = {}, { waitFor, secrets } = {}) {
  const plugin = createBitcoinLtlPlugin({ loadOptions: { now: () => sim.now() } });
  return startRuntime({ plugins: [plugin], settings: { ...sim.baseUrls, ...CLIENT_DEFAULTS, ...settings }, secrets, waitFor });
}

async function withAgent(settings, body, options) {
  const { runtime, logger } = await agent(settings, options);
  try {
    return await body(runtime, logger);
  } finally {
    await runtime.stop();
  }
}

const simulatorGet = async (base, path) => (await fetch(`${sim.baseUrls[base]}${path}`)).text();
const message = (text) => ({ id: crypto.randomUUID(), entityId: crypto.randomUUID(), roomId: crypto.randomUUID(), content: { text, source: 'test' } });

test('the plugin object: the seed\'s seven service names, each a subclass of @elizaos/core Service', () => {
  assert.equal(bitcoinLtlPlugin.name, 'bitcoin-ltl');
  assert.deepEqual(bitcoinLtlPlugin.services.map((s) => s.serviceType), SEED_NAMES);
  for (const ServiceClass of bitcoinLtlPlugin.services) {
    assert.ok(ServiceClass.prototype instanceof Service, `${ServiceClass.name} extends Service`);
    assert.equal(typeof ServiceClass.start, 'function');
  }
  assert.deepEqual(bitcoinLtlPlugin.providers.map((p) => p.name), ['BTC_PRICE', 'BITCOIN_NETWORK', 'BTC_SENTIMENT']);
  assert.deepEqual(bitcoinLtlPlugin.actions.map((a) => a.name), ['BTC_PRICE_IN_CURRENCY']);
  // A plugin made with load options carries them on its own subclasses, under the same names.
  const bound = createBitcoinLtlPlugin({ loadOptions: { now: () => 5 } });
  assert.deepEqual(bound.services.map((s) => [s.name, s.serviceType]), bitcoinLtlPlugin.services.map((s) => [s.name, s.serviceType]));
  assert.equal(bound.services[0].loadOptions.now(), 5);
  assert.deepEqual(bitcoinLtlPlugin.services[0].loadOptions, {});
});

test('services start through a real AgentRuntime on one shared client and stop with it', async () => {
  const { runtime, logger } = await agent();
  const services = SEED_NAMES.map((name) => runtime.getService(name));
  services.forEach((service, i) => {
    assert.ok(service instanceof Service, `${SEED_NAMES[i]} is a Service`);
    assert.ok(service instanceof CLASSES[SEED_NAMES[i]], `${SEED_NAMES[i]} is a ${CLASSES[SEED_NAMES[i]].name}`);
    assert.equal(runtime.getServiceRegistrationStatus(SEED_NAMES[i]), 'registered');
    assert.equal(typeof service.capabilityDescription, 'string');
  });
  const client = services[0].client;
  assert.ok(services.every((service) => service.client === client), 'one client behind every service');
  assert.equal(clientReferences(runtime), SEED_NAMES.length);

  // A second runtime gets its own client.
  const other = await agent();
  assert.notEqual(other.runtime.getService('market-data').client, client);
  await other.runtime.stop();
  assert.equal(clientReferences(other.runtime), 0);

  // Stopping one service leaves the client to the others; stopping the runtime closes it.
  await CacheService.stop(runtime);
  assert.equal(clientReferences(runtime), SEED_NAMES.length - 1);
  assert.equal((await runtime.getService('market-data').getPrice('usd')).source, 'coingecko');
  await runtime.stop();
  assert.equal(clientReferences(runtime), 0);
  await assert.rejects(client.price('usd'), (e) => e instanceof LtlError && /client closed/.test(e.message));
  assert.throws(() => services[5].client, (e) => e instanceof LtlError && e.category === 'internal' && /market-data: service is stopped/.test(e.message));
  await runtime.getService('cache').stop(); // a second stop is harmless
  assert.equal(clientReferences(runtime), 0);
  assert.deepEqual(unexpectedProblems(logger), []);
});

test('configuration comes from the runtime settings under the client\'s keys, the seed keys included', async () => {
  // 0 and false as literals: ElizaOS's getSetting turns them into "not set", the plugin reads them.
  await withAgent({ CACHE_DEFAULT_TTL: 0, PERFORMANCE_INTERVAL: '5000', HEALTH_CHECK_INTERVAL: 7000, REDIS_ENABLED: false, CACHE_ENABLED: false }, async (runtime) => {
    const config = runtime.getService('centralized-config');
    const all = await config.getAll();
    assert.equal(all.CACHE_DEFAULT_TTL, 0);
    assert.equal(all.PERFORMANCE_INTERVAL, 5000);
    assert.equal(all.HEALTH_CHECK_INTERVAL, 7000);
    assert.equal(all.REDIS_ENABLED, false);
    assert.equal(all.CACHE_ENABLED, false);
    assert.equal(await config.get('COINGECKO_API_URL'), sim.baseUrls.COINGECKO_API_URL);
    // The plugin reads every key the core knows, and only those.
    assert.deepEqual([...CONFIG_KEYS].sort(), Object.keys(all).sort());
  });
  // Secrets are settings too (character.secrets), and never shown.
  await withAgent({}, async (runtime) => {
    assert.equal(await runtime.getService('centralized-config').get('COINGECKO_API_KEY'), '(set)');
    assert.equal((await runtime.getService('market-data').getPrice('usd')).source, 'coingecko');
  }, { secrets: { COINGECKO_API_KEY: 'test-demo-key-0001' } });
});

test('a bad setting fails every service with the core\'s typed error naming the key, and leaks no client', async () => {
  const plugin = createBitcoinLtlPlugin({ loadOptions: { now: () => sim.now() } });
  const { runtime, logger, settled } = await startRuntime({ plugins: [plugin], settings: { ...sim.baseUrls, REDIS_ENABLED: true }, waitFor: [] });
  const results = await settled;
  assert.deepEqual(results.map((r) => r.status), SEED_NAMES.map(() => 'rejected'));
  for (const { reason } of results) assert.match(reason.message, /failed to register: .*REDIS_ENABLED/);
  assert.ok(SEED_NAMES.every((name) => runtime.getServiceRegistrationStatus(name) === 'failed'));
  assert.equal(clientReferences(runtime), 0);
  assert.equal(runtime.getService('market-data'), null);
  const errors = logger.problems().filter((e) => e.level === 'error');
  assert.equal(errors.length, SEED_NAMES.length, 'one "Service registration failed" per service');
  assert.ok(errors.every((e) => /Service registration failed/.test(e.message) && /REDIS_ENABLED/.test(e.message)));
  // The providers say so instead of failing the agent's context.
  const price = await runtime.providers.find((p) => p.name === 'BTC_PRICE').get(runtime, message('hi'), { values: {}, data: {}, text: '' });
  assert.equal(price.text, 'BTC price: unavailable (internal: the market-data service is not running)');
  assert.equal(await runtime.actions[0].validate(runtime, message('BTC price?')), false, 'the action is not offered');
  await runtime.stop();
});

test('market-data and bitcoin-network answer from the simulator with provenance', async () => {
  await withAgent({}, async (runtime) => {
    const market = runtime.getService('market-data');
    const quote = await market.getPrice('eur');
    const simulated = JSON.parse(await simulatorGet('COINGECKO_API_URL', '/simple/price?ids=bitcoin&vs_currencies=eur')).bitcoin.eur;
    assert.equal(quote.price, simulated);
    assert.equal(quote.currency, 'eur');
    assert.equal(quote.source, 'coingecko');
    assert.equal(quote.fetched_at, sim.now());
    assert.equal(quote.cache, 'origin');
    const consensus = await market.getMarket('usd');
    assert.equal(consensus.source, 'consensus');
    assert.ok(consensus.provider_count >= 3);
    const sentiment = await market.getSentiment();
    assert.ok(sentiment.value >= 0 && sentiment.value <= 100);

    const network = runtime.getService('bitcoin-network');
    const summary = await network.getNetworkSummary();
    assert.equal(summary.tip.height, Number(await simulatorGet('MEMPOOL_API_URL', '/blocks/tip/height')));
    assert.deepEqual(summary.failed_parts, []);
    assert.equal((await network.getTip()).cache, 'memory', 'the summary filled the cache');
    assert.ok((await network.getFees()).fastest_sat_vb > 0);
    assert.ok((await network.getBlocks()).blocks.length > 0);
    assert.ok((await network.getHashrate()).current_hashrate_hs > 0);
    assert.ok((await network.getDifficulty()).remaining_blocks >= 0);
    assert.ok((await network.getMempool()).count > 0);
  });
});

test('BTC_PRICE_CURRENCY sets the agent\'s default currency', async () => {
  await withAgent({ BTC_PRICE_CURRENCY: 'GBP' }, async (runtime) => {
    assert.equal((await runtime.getService('market-data').getPrice()).currency, 'gbp');
  });
});

test('cache: JSON values with TTLs, kept apart from the data keys, delete, invalidate and stats', async () => {
  await withAgent({ CACHE_DEFAULT_TTL: 2000 }, async (runtime) => {
    const cache = runtime.getService('cache');
    assert.equal(await cache.get('missing'), null);
    assert.equal(await cache.set('user:1', { name: 'satoshi', sats: 0 }), true);
    assert.deepEqual(await cache.get('user:1'), { name: 'satoshi', sats: 0 });
    assert.equal(await cache.has('user:1'), true);
    sim.advance(1999);
    assert.ok(await cache.get('user:1'), 'within CACHE_DEFAULT_TTL');
    sim.advance(1);
    assert.equal(await cache.get('user:1'), null, 'expired at CACHE_DEFAULT_TTL ms');

    await cache.set('a:1', 1, 60_000);
    await cache.set('a:2', 2, 60_000);
    await cache.set('b:1', 3, 60_000);
    assert.equal(await cache.delete('b:1'), true);
    assert.equal(await cache.delete('b:1'), false);
    assert.equal((await cache.invalidate('a:*')).memory_removed, 2);
    assert.equal(await cache.get('a:2'), null);

    // A user key named like a data key never shadows the data.
    await cache.set('price:usd', 'not a quote', 60_000);
    const quote = await runtime.getService('market-data').getPrice('usd');
    assert.equal(typeof quote.price, 'number');
    // { tag } reaches the client's data keys.
    assert.equal((await cache.invalidate({ tag: 'price', purge: true })).memory_removed, 1);
    assert.equal((await runtime.getService('market-data').getPrice('usd')).cache, 'origin');

    const stats = await cache.getStats();
    assert.ok(stats.tiers.memory.hits > 0 && stats.tiers.memory.misses > 0, JSON.stringify(stats));
    assert.equal(stats.tiers.memory.hit_rate, stats.tiers.memory.hits / (stats.tiers.memory.hits + stats.tiers.memory.misses));
    assert.ok(stats.origin.fetches >= 2);
    assert.deepEqual(stats.tier_health.map((t) => t.name), ['memory']);
    await assert.rejects(cache.set('', 1), (e) => e instanceof LtlError && e.category === 'validation' && /key/.test(e.message));
    await assert.rejects(cache.set('k', undefined), (e) => e instanceof LtlError && /JSON-serialisable/.test(e.message));
    await assert.rejects(cache.invalidate(42), (e) => e instanceof LtlError && /glob string/.test(e.message));
  });
});

test('cache: without CACHE_DEFAULT_TTL a value lives the client\'s effective default (30000 ms)', async () => {
  await withAgent({}, async (runtime) => {
    const cache = runtime.getService('cache');
    assert.equal(await runtime.getService('centralized-config').get('CACHE_DEFAULT_TTL'), 30_000);
    await cache.set('k', 'v');
    sim.advance(29_999);
    assert.equal(await cache.get('k'), 'v');
    sim.advance(1);
    assert.equal(await cache.get('k'), null);
  });
});

test('performance-monitor: metrics, reports, alerts, and onAlert called back on a raised alert', async () => {
  await withAgent({ PERFORMANCE_INTERVAL: 1000, BREAKER_CONSECUTIVE_FAILURES: 2 }, async (runtime) => {
    const market = runtime.getService('market-data');
    await market.getPrice('usd');
    const monitor = runtime.getService('performance-monitor');
    const metrics = await monitor.getCurrentMetrics();
    assert.ok(metrics.metrics.length >= 30, `${metrics.metrics.length} metric families`);
    const requests = metrics.metrics.find((m) => m.name === 'ltl_upstream_requests_total');
    assert.ok(requests.samples.some((s) => s.labels.provider === 'coingecko' && s.value >= 1));
    const report = await monitor.generateReport({ windowMs: 60_000 });
    assert.ok(Array.isArray(report.recommendations));
    assert.match(await monitor.getPrometheusText(), /# TYPE ltl_upstream_requests_total counter/);

    // Two failures in a row open CoinGecko's breaker; the next sample (every 1000 ms) raises breaker_open.
    const seen = [];
    const unsubscribe = monitor.onAlert((event) => seen.push(event));
    sim.setFault('coingecko.simple_price', { kind: 'status', status: 500 });
    assert.equal((await market.getPrice('eur')).source, 'coinbase');
    assert.equal((await market.getPrice('gbp')).source, 'coinbase');
    await until(() => seen.length > 0, 'an alert event', 5_000);
    assert.equal(seen[0].kind, 'raised');
    assert.equal(seen[0].alert.threshold, 'breaker_open');
    assert.deepEqual(seen[0].alert.labels, { provider: 'coingecko' });
    assert.ok((await monitor.getAlerts()).active.some((a) => a.threshold === 'breaker_open'));
    unsubscribe();
  });
});

test('centralized-config: validated run-time updates, change events, typed rejection of a bad value', async () => {
  await withAgent({}, async (runtime) => {
    const config = runtime.getService('centralized-config');
    const events = [];
    config.onChange((event) => events.push(event));
    const result = await config.update({ CACHE_TTL_PRICE: 1234 });
    assert.deepEqual(result.changed, ['CACHE_TTL_PRICE']);
    assert.equal(await config.get('CACHE_TTL_PRICE'), 1234);
    await until(() => events.length === 1, 'a config event');
    await assert.rejects(config.update({ CACHE_TTL_PRICE: 'soon' }), (e) => e instanceof LtlError && e.category === 'config' && /CACHE_TTL_PRICE/.test(e.message));
    assert.equal(await config.get('CACHE_TTL_PRICE'), 1234, 'nothing half-applied');
  });
});

test('integration: status, services, config, report, cache stats; refreshAllData reports each part and never rejects', async () => {
  await withAgent({}, async (runtime) => {
    const integration = runtime.getService('integration');
    const status = await integration.getStatus();
    assert.equal(status.isHealthy, true);
    assert.deepEqual(status.services, Object.fromEntries(SEED_NAMES.map((n) => [n, true])));
    const services = await integration.getServices();
    assert.deepEqual(Object.keys(services), SEED_NAMES);
    assert.ok(Object.values(services).every((s) => s.registered && typeof s.status === 'string' && typeof s.reason === 'string'));
    assert.equal((await integration.getConfig()).PRICE_PROVIDERS, CLIENT_DEFAULTS.PRICE_PROVIDERS ?? 'coingecko,coinbase,kraken,binance');
    assert.deepEqual((await integration.updateConfig({ CACHE_TTL_FEES: 5000 })).changed, ['CACHE_TTL_FEES']);
    assert.ok(Array.isArray((await integration.getPerformanceReport()).recommendations));
    assert.equal(typeof (await integration.getCacheStats()).tiers.memory.hit_rate, 'number');

    sim.setFault('fng.fng', { kind: 'status', status: 500 });
    const refreshed = await integration.refreshAllData({ currency: 'eur' });
    assert.equal(refreshed.refreshed_at, sim.now());
    assert.equal(refreshed.failed, 1);
    assert.equal(refreshed.ok, 8);
    assert.equal(refreshed.parts.sentiment.ok, false);
    assert.equal(refreshed.parts.sentiment.error.category, 'upstream_5xx');
    assert.equal(refreshed.parts.price.ok, true);
    assert.equal(refreshed.parts.price.source, 'coingecko');
    assert.equal(refreshed.parts.price.fetched_at, sim.now());
    for (const part of ['market', 'tip', 'fees', 'mempool', 'blocks', 'difficulty', 'hashrate']) {
      assert.equal(refreshed.parts[part].ok, true, part);
      assert.equal(typeof refreshed.parts[part].source, 'string', part);
    }

    // A stopped sibling shows as not running.
    await runtime.getService('real-time-data').stop();
    assert.equal((await integration.getStatus()).services['real-time-data'], false);
  });
});

test('real-time-data: subscriptions deliver (polling without a WebSocket) and stop with the service', async () => {
  await withAgent({}, async (runtime) => {
    const realtime = runtime.getService('real-time-data');
    const updates = [];
    realtime.subscribe('price', (update) => updates.push(update));
    await until(() => updates.length > 0, 'a price update');
    assert.equal(updates[0].source, 'polling');
    // The topic carries mempool.space's price shape; the polled value is the client's quote.
    const quote = await runtime.getService('market-data').getPrice('usd');
    assert.deepEqual(updates[0].data, { as_of_ms: quote.as_of, prices: { usd: quote.price } });
    assert.equal(realtime.getLatest('price'), updates[0]);
    assert.equal(realtime.getLatest('fees'), null);
    assert.equal(realtime.getState().subscribers, 1);
    assert.throws(() => realtime.subscribe('trades', () => {}), (e) => e instanceof LtlError && /topic: got trades/.test(e.message));
    await realtime.stop();
    assert.equal(runtime.getService('market-data').client.realtimeState().subscribers, 0, 'stop() unsubscribed');
  });
});

test('providers put price, network and sentiment into the agent\'s context with source and age', async () => {
  await withAgent({}, async (runtime) => {
    // Through the runtime's own state composition, as the agent's prompt gets it.
    const state = await runtime.composeState(message('hello'), ['BTC_PRICE', 'BITCOIN_NETWORK', 'BTC_SENTIMENT'], true);
    const lines = state.text.split('\n');
    assert.equal(lines.length, 3);
    assert.match(lines[0], /^BTC price: /);
    assert.match(lines[1], /^Bitcoin network: /);
    assert.match(lines[2], /^Bitcoin Fear & Greed index: /);
    assert.equal(typeof state.values.btcPrice, 'number');
    assert.equal(typeof state.values.btcBlockHeight, 'number');
    assert.equal(typeof state.values.btcFearGreed, 'number');
    assert.equal(state.data.providers.BTC_PRICE.data.btcPrice.source, 'coingecko');

    const byName = Object.fromEntries(runtime.providers.map((p) => [p.name, p]));
    const msg = message('hi');
    const price = await byName.BTC_PRICE.get(runtime, msg, { values: {}, data: {}, text: '' });
    assert.match(price.text, /^BTC price: [\d,.]+ USD, 24 h [+-][\d.]+%, from coingecko, <1 s old$/);
    assert.equal(price.values.btcPriceSource, 'coingecko');
    assert.equal(price.values.btcPriceAgeMs, 0);
    assert.equal(price.data.btcPrice.currency, 'usd');

    sim.advance(90_000); // past the price TTL (30 s) and SWR (30 s): fetched again, age resets
    sim.setFault('coingecko.simple_price', { kind: 'status', status: 503 });
    const fallback = await byName.BTC_PRICE.get(runtime, msg, { values: {}, data: {}, text: '' });
    assert.match(fallback.text, /from coinbase, <1 s old$/);

    const network = await byName.BITCOIN_NETWORK.get(runtime, msg, { values: {}, data: {}, text: '' });
    assert.match(network.text, /^Bitcoin network: block [\d,]+; fees .* sat\/vB .*; mempool [\d,]+ tx, .* MvB; hashrate [\d,.]+ EH\/s; .*; from .*mempool.*, oldest part 1 min old$/,
      'difficulty and hashrate (TTL 5 and 10 min) come from the cache filled 90 s ago, and say so');
    assert.equal(network.values.btcBlockHeight, Number(await simulatorGet('MEMPOOL_API_URL', '/blocks/tip/height')));
    assert.equal(network.data.bitcoinNetwork.failed_parts.length, 0);

    const sentiment = await byName.BTC_SENTIMENT.get(runtime, msg, { values: {}, data: {}, text: '' });
    // Fetched by composeState 90 s ago (sentiment TTL 1 h): served from cache with its age.
    assert.match(sentiment.text, /^Bitcoin Fear & Greed index: \d+\/100 \([A-Za-z ]+\), from \w+, 1 min old$/);
    assert.equal(sentiment.values.btcSentimentAgeMs, 90_000);
    sim.advance(60_000);
    const older = await byName.BTC_SENTIMENT.get(runtime, msg, { values: {}, data: {}, text: '' });
    assert.match(older.text, /, 2 min old$/);

    // Every provider failing and nothing cached: said so, with the error category, never a number.
    for (const route of ['fng.fng']) sim.setFault(route, { kind: 'status', status: 500 });
    await runtime.getService('cache').invalidate({ tag: 'sentiment', purge: true });
    const failed = await byName.BTC_SENTIMENT.get(runtime, msg, { values: {}, data: {}, text: '' });
    assert.match(failed.text, /^Bitcoin sentiment: unavailable \(upstream_5xx: /);
    assert.deepEqual(failed.values, {});
    assert.equal(failed.data.btcSentimentError.category, 'upstream_5xx');
  });
});

test('the BTC_PRICE_IN_CURRENCY action answers in the currency asked for', async () => {
  await withAgent({}, async (runtime) => {
    const action = runtime.actions.find((a) => a.name === 'BTC_PRICE_IN_CURRENCY');
    assert.equal(await action.validate(runtime, message('What is the BTC price in EUR?')), true);
    assert.equal(await action.validate(runtime, message('good morning')), false);

    const replies = [];
    const callback = async (content) => { replies.push(content); return []; };
    const result = await action.handler(runtime, message('What is the BTC price in EUR?'), undefined, {}, callback);
    assert.equal(result.success, true);
    assert.equal(result.values.btcPriceCurrency, 'eur');
    assert.match(result.text, /^BTC price: [\d,.]+ EUR, .*from coingecko, <1 s old$/);
    assert.deepEqual(replies.map((r) => r.text), [result.text]);

    assert.equal((await action.handler(runtime, message('how much is bitcoin in pounds'), undefined, {})).values.btcPriceCurrency, 'gbp');
    const unsupported = await action.handler(runtime, message('BTC price in BRL please'), undefined, {}, callback);
    assert.equal(unsupported.success, false);
    assert.match(unsupported.text, /I could not get the BTC price: currency: got "brl"; expected one of usd, eur/);
  });
});

test('currencyFromText: codes, names and symbols; an explicit unknown code is passed on, not replaced', () => {
  const supported = ['usd', 'eur', 'gbp', 'jpy', 'cad', 'chf', 'aud'];
  assert.equal(currencyFromText('btc in EUR', supported), 'eur');
  assert.equal(currencyFromText('bitcoin price eur', supported), 'eur');
  assert.equal(currencyFromText('price in euros?', supported), 'eur');
  assert.equal(currencyFromText('how many yen for a bitcoin', supported), 'jpy');
  assert.equal(currencyFromText('btc in canadian dollars', supported), 'cad');
  assert.equal(currencyFromText('btc in dollars', supported), 'usd');
  assert.equal(currencyFromText('BTC in £', supported), 'gbp');
  assert.equal(currencyFromText('BTC to BRL', supported), 'brl');
  assert.equal(currencyFromText('what is bitcoin at', supported), null);
});

test('the declarations and the README\'s ElizaOS example type-check against @elizaos/core under tsc --strict', async () => {
  // The README block is written under build/ (ignored) so that `bitcoin-ltl/elizaos` resolves to
  // this package by its own name, as it does for users.
  const readme = await readFile(`${REPO}README.md`, 'utf8');
  const section = readme.slice(readme.indexOf('## Use it from ElizaOS'));
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  assert.ok(block, 'the ElizaOS section has a ts block');
  await mkdir(`${REPO}build`, { recursive: true });
  await writeFile(`${REPO}build/readme-elizaos.ts`, block[1]);
  const tsc = `${REPO}node_modules/typescript/bin/tsc`;
  const args = ['--noEmit', '--strict', '--module', 'esnext', '--moduleResolution', 'bundler', '--target', 'es2022',
    '--lib', 'es2022,dom', 'tests/js/types/node-globals.d.ts', 'tests/js/types/elizaos-usage.ts', 'build/readme-elizaos.ts'];
  const result = await promisify(execFile)(process.execPath, [tsc, ...args], { cwd: REPO }).catch((error) => error);
  assert.equal(result.code ?? 0, 0, `tsc failed:\n${result.stdout}${result.stderr}`);
});
