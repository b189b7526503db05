#include "integration/integration_service.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/fake_transport.h"
#include "support/fixtures.h"

namespace ltl {
namespace {

using nlohmann::json;
using testing::FakeTransport;
using testing::fixture;
using testing::http_response;
using testing::transport_failure;

// Answers each provider from the reference fixtures, unless a test overrides a URL prefix.
class Pipeline : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* provider : kProviderNames) set_base_url(provider, std::string("http://sim.test/") + provider);
    config_.retry_max_attempts = 1;  // fallback behaviour without retry noise; retries are tested below
    // Rate limits are the limiter's own tests; here they would only add waits.
    for (auto& rate : config_.provider_rate_per_min) rate = 100000;
    overrides_.clear();
    transport_.answer_with([this](const HttpRequest& request) { return answer(request); });
  }

  void set_base_url(const std::string& provider, const std::string& url) {
    if (provider == "mempool") config_.mempool_api_url = url;
    if (provider == "esplora") config_.esplora_api_url = url;
    if (provider == "blockchain_info") config_.blockchain_info_api_url = url;
    if (provider == "coingecko") config_.coingecko_api_url = url;
    if (provider == "coinbase") config_.coinbase_api_url = url;
    if (provider == "kraken") config_.kraken_api_url = url;
    if (provider == "binance") config_.binance_api_url = url;
    if (provider == "fng") config_.fng_api_url = url;
  }

  HttpResult answer(const HttpRequest& request) {
    for (const auto& [prefix, result] : overrides_)
      if (request.url.rfind(prefix, 0) == 0) return result;
    const std::string& url = request.url;
    auto ok = [](const std::string& name) { return http_response(200, fixture(name)); };
    if (url.find("/coingecko/simple/price") != std::string::npos) return ok("coingecko/simple_price.json");
    if (url.find("/coinbase/prices/") != std::string::npos) return ok("coinbase/spot.json");
    if (url.find("/kraken/Ticker") != std::string::npos) return ok("kraken/ticker.json");
    if (url.find("/binance/ticker/24hr") != std::string::npos) return ok("binance/sim_ticker_24hr.json");
    if (url.find("/mempool/v1/fees/recommended") != std::string::npos) return ok("mempool/fees_recommended.json");
    if (url.find("/mempool/v1/fees/precise") != std::string::npos) return ok("mempool/fees_precise.json");
    if (url.find("/mempool/mempool") != std::string::npos) return ok("mempool/mempool.json");
    if (url.find("/mempool/blocks/tip/height") != std::string::npos) return ok("mempool/tip_height.txt");
    if (url.find("/mempool/blocks/tip/hash") != std::string::npos) return ok("mempool/tip_hash.txt");
    if (url.find("/mempool/v1/difficulty-adjustment") != std::string::npos) return ok("mempool/difficulty_adjustment.json");
    if (url.find("/mempool/v1/mining/hashrate/3d") != std::string::npos) return ok("mempool/hashrate_3d.json");
    if (url.find("/esplora/fee-estimates") != std::string::npos) return ok("esplora/fee_estimates.json");
    if (url.find("/blockchain_info/stats") != std::string::npos) return ok("blockchain_info/stats.json");
    if (url.find("/fng/fng/") != std::string::npos) return ok("fng/fng.json");
    if (url.find("/mempool/v1/blocks") != std::string::npos) return ok("mempool/blocks_v1.json");
    if (url.find("/esplora/blocks") != std::string::npos) return ok("esplora/sim_blocks.json");
    return http_response(404, "not found");
  }

  void fail(const std::string& provider, HttpResult result) {
    overrides_.emplace_back("http://sim.test/" + provider, std::move(result));
  }

  JsonResult call(IntegrationService& service, const std::string& route, const json& params = json::object()) {
    std::optional<JsonResult> out;
    service.request(route, params, [&](JsonResult result) { out = std::move(result); });
    scheduler_.run_due();
    // Retry-After pauses and retries wait on the scheduler: let time pass until answered.
    for (int i = 0; i < 600 && !out; ++i) scheduler_.advance(100);
    EXPECT_TRUE(out.has_value()) << route << ": callback not called";
    return out.value_or(make_error(ErrorCategory::internal, "", "", "no callback"));
  }

  size_t requests_to(const std::string& needle) const {
    size_t n = 0;
    for (const auto& request : transport_.requests) n += request.url.find(needle) != std::string::npos;
    return n;
  }

  double metric(IntegrationService& service, const std::string& name, const Labels& labels) {
    return service.metrics().value(name, labels);
  }

  ManualClock clock_;
  ManualScheduler scheduler_{clock_};
  FakeTransport transport_;
  Config config_;
  std::vector<std::pair<std::string, HttpResult>> overrides_;
};

TEST_F(Pipeline, PriceIsFetchedParsedAndAnsweredWithProvenance) {
  IntegrationService service(clock_, scheduler_, transport_, config_);
  auto result = call(service, "price", {{"currency", "usd"}});
  ASSERT_TRUE(result.ok()) << result.error().message;
  const json& body = result.value();
  EXPECT_DOUBLE_EQ(body["price"].get<double>(), 67187.3358936566);
  EXPECT_EQ(body["as_of"], 1711356300000);  // CoinGecko's last_updated_at (s) × 1000
  EXPECT_EQ(body["source"], "coingecko");
  EXPECT_EQ(body["stale"], false);
  EXPECT_EQ(body["cache"], "origin");
  EXPECT_EQ(body["expires_at"], clock_.now_ms() + 30000);
  EXPECT_TRUE(body["failed"].empty());
  ASSERT_EQ(transport_.requests.size(), 1u);
  EXPECT_EQ(transport_.requests[0].url,
            "http://sim.test/coingecko/simple/price?ids=bitcoin&vs_currencies=usd"
            "&include_market_cap=true&include_24hr_vol=true&include_24hr_change=true"
            "&include_last_updated_at=true");
  EXPECT_EQ(transport_.requests[0].timeout_ms, config_.http_timeout_ms);
}

TEST_F(Pipeline, SecondCallIsServedFromMemoryUntilTheTtlEnds) {
  config_.cache_refresh_ahead_pct = 0;
  IntegrationService service(clock_, scheduler_, transport_, config_);
  ASSERT_TRUE(call(service, "price", {{"currency", "usd"}}).ok());
  clock_.advance(29999);
  auto cached = call(service, "price", {{"currency", "USD"}});
  ASSERT_TRUE(cached.ok());
  EXPECT_EQ(cached.value()["cache"], "memory");
  EXPECT_EQ(cached.value()["age_ms"], 29999);
  EXPECT_EQ(transport_.requests.size(), 1u);
  EXPECT_EQ(metric(service, "ltl_requests_total", {{"outcome", "hit"}, {"route", "price"}}), 1);
  EXPECT_EQ(metric(service, "ltl_requests_total", {{"outcome", "miss"}, {"route", "price"}}), 1);
}

TEST_F(Pipeline, ConcurrentMissesMakeOneUpstreamCall) {
  transport_.hold();
  IntegrationService service(clock_, scheduler_, transport_, config_);
  int answered = 0;
  for (int i = 0; i < 100; ++i)
    service.request("price", {{"currency", "usd"}}, [&](JsonResult result) { answered += result.ok(); });
  scheduler_.run_due();
  ASSERT_EQ(transport_.held(), 1u);
  transport_.release_next(http_response(200, fixture("coingecko/simple_price.json")));
  scheduler_.run_due();
  EXPECT_EQ(answered, 100);
  EXPECT_EQ(transport_.requests.size(), 1u);
}

TEST_F(Pipeline, AFailingProviderFallsBackToTheNextAndIsNamed) {
  fail("coingecko", http_response(500, "oops"));
  IntegrationService service(clock_, scheduler_, transport_, config_);
  auto result = call(service, "price", {{"currency", "usd"}});
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result.value()["source"], "coinbase");
  EXPECT_DOUBLE_EQ(result.value()["price"].get<double>(), 83894.035);  // Coinbase's string amount
  ASSERT_EQ(result.value()["failed"].size(), 1u);
  EXPECT_EQ(result.value()["failed"][0]["provider"], "coingecko");
  EXPECT_EQ(result.value()["failed"][0]["category"], "upstream_5xx");
  EXPECT_EQ(metric(service, "ltl_provider_fallbacks_total", {{"provider", "coingecko"}, {"route", "price"}}), 1);
}

TEST_F(Pipeline, ProviderOrderIsConfigurable) {
  config_.price_providers = {"kraken", "coingecko"};
  IntegrationService service(clock_, scheduler_, transport_, config_);
  auto result = call(service, "price", {{"currency", "usd"}});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.value()["source"], "kraken");
  EXPECT_DOUBLE_EQ(result.value()["price"].get<double>(), 84036.0);  // Kraken's c[0] under XXBTZUSD
}

TEST_F(Pipeline, EveryProviderFailingWithNothingCachedIsATypedErrorNamingEach) {
  for (const char* provider : {"coingecko", "coinbase", "kraken", "binance"}) fail(provider, http_response(503, "down"));
  IntegrationService service(clock_, scheduler_, transport_, config_);
  auto result = call(service, "price", {{"currency", "usd"}});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().category, ErrorCategory::upstream_5xx);
  EXPECT_EQ(result.error().http_status(), 503);
  for (const char* provider : {"coingecko", "coinbase", "kraken"})
    EXPECT_NE(result.error().message.find(provider), std::string::npos) << result.error().message;
  // Binance has no BTC/USD pair and BINANCE_USDT_AS_USD is off: not asked, so not named.
  EXPECT_EQ(result.error().message.find("binance"), std::string::npos) << result.error().message;
}

TEST_F(Pipeline, StaleIfErrorServesTheLastValueFlaggedWithItsAgeAndNeverAFabricatedOne) {
  IntegrationService service(clock_, scheduler_, transport_, config_);
  ASSERT_TRUE(call(service, "price", {{"currency", "usd"}}).ok());
  for (const char* provider : {"coingecko", "coinbase", "kraken", "binance"}) fail(provider, transport_failure(TransportFailure::network));
  clock_.advance(120000);  // past TTL (30 s) and SWR (30 s), inside stale-if-error (10 min)
  auto stale = call(service, "price", {{"currency", "usd"}});
  ASSERT_TRUE(stale.ok()) << stale.error().message;
  EXPECT_EQ(stale.value()["stale"], true);
  EXPECT_EQ(stale.value()["age_ms"], 120000);
  EXPECT_DOUBLE_EQ(stale.value()["price"].get<double>(), 67187.3358936566);
  EXPECT_EQ(stale.value()["stale_reason"]["category"], "network");

  clock_.advance(10 * 60000);  // now past the stale-if-error window
  auto gone = call(service, "price", {{"currency", "usd"}});
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().category, ErrorCategory::network);
}

TEST_F(Pipeline, MarketConsensusIsTheMedianWithOutliersNamed) {
  // Kraken's fixture says 84036 and Coinbase's 83894; CoinGecko's 67187 is the outlier here.
  // Binance has no BTC/USD pair and BINANCE_USDT_AS_USD is off: it is not asked at all.
  IntegrationService service(clock_, scheduler_, transport_, config_);
  auto result = call(service, "market", {{"currency", "usd"}});
  ASSERT_TRUE(result.ok()) << result.error().message;
  const json& body = result.value();
  EXPECT_EQ(body["provider_count"], 3);
  EXPECT_EQ(requests_to("/binance/"), 0u);
  ASSERT_EQ(body["outliers"].size(), 1u);
  EXPECT_EQ(body["outliers"][0], "coingecko");
  EXPECT_EQ(body["source"], "consensus");
  EXPECT_EQ(body["quote"], "USD");
  EXPECT_GT(body["price"].get<double>(), 83000);
  // The outlier supplies nothing: no market cap, Kraken's one-venue volume, named as such.
  EXPECT_TRUE(body["market_cap"].is_null());
  EXPECT_EQ(body["volume_24h_source"], "kraken");
  EXPECT_EQ(body["volume_24h_scope"], "exchange:kraken");
}

TEST_F(Pipeline, BinanceAnswersUsdOnlyWhenUsdtIsAllowedAndSaysUsdt) {
  config_.binance_usdt_as_usd = true;
  config_.price_providers = {"binance", "coingecko"};
  IntegrationService service(clock_, scheduler_, transport_, config_);
  auto price = call(service, "price", {{"currency", "usd"}});
  ASSERT_TRUE(price.ok()) << price.error().message;
  EXPECT_EQ(price.value()["source"], "binance");
  EXPECT_EQ(price.value()["quote"], "USDT");
  EXPECT_EQ(requests_to("/binance/ticker/24hr?symbol=BTCUSDT"), 1u);
  auto market = call(service, "market", {{"currency", "usd"}});
  ASSERT_TRUE(market.ok()) << market.error().message;
  EXPECT_EQ(market.value()["quote"], "USD");
  bool saw_usdt = false;
  for (const auto& member : market.value()["providers"]) saw_usdt = saw_usdt || (member["provider"] == "binance" && member["quote"] == "USDT");
  EXPECT_TRUE(saw_usdt) << market.value()["providers"].dump();
}

TEST_F(Pipeline, BinanceIsNotAskedForPairsItDoesNotList) {
  config_.price_providers = {"binance", "coingecko"};
  IntegrationService service(clock_, scheduler_, transport_, config_);
  auto usd = call(service, "price", {{"currency", "usd"}});  // BINANCE_USDT_AS_USD off
  ASSERT_TRUE(usd.ok()) << usd.error().message;
  EXPECT_EQ(usd.value()["source"], "coingecko");
  EXPECT_TRUE(usd.value()["failed"].empty());  // skipped, not failed
  auto cad = call(service, "price", {{"currency", "cad"}});  // no BTCCAD on Binance
  EXPECT_EQ(requests_to("/binance/"), 0u);
  (void)cad;
}

TEST_F(Pipeline, NetworkSummaryReturnsThePartsItHasAndNamesTheOnesThatFailed) {
  fail("mempool/v1/difficulty-adjustment", http_response(500, "x"));
  IntegrationService service(clock_, scheduler_, transport_, config_);
  auto result = call(service, "network");
  ASSERT_TRUE(result.ok()) << result.error().message;
  const json& body = result.value();
  EXPECT_TRUE(body["difficulty"].is_null());
  ASSERT_EQ(body["failed_parts"].size(), 1u);
  EXPECT_EQ(body["failed_parts"][0]["part"], "difficulty");
  EXPECT_EQ(body["tip"]["height"], 698767);
  EXPECT_EQ(body["halving"]["blocks_to_next_halving"], 840000 - 698767);
  EXPECT_TRUE(body["fees"]["fastest_sat_vb"].is_number());
  EXPECT_TRUE(body["hashrate"]["current_hashrate_hs"].is_number());
}

TEST_F(Pipeline, FeesFallBackToEsploraEstimates) {
  fail("mempool", http_response(503, "Service Unavailable"));
  IntegrationService service(clock_, scheduler_, transport_, config_);
  auto result = call(service, "fees");
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result.value()["source"], "esplora");
  EXPECT_TRUE(result.value()["fastest_sat_vb"].is_number());
  EXPECT_EQ(result.value()["fee_definition"], "esplora_targets");
}

TEST_F(Pipeline, FeesReadMempoolsPreciseEndpointLikeTheWebSocket) {
  IntegrationService service(clock_, scheduler_, transport_, config_);
  auto result = call(service, "fees");
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(requests_to("/v1/fees/precise"), 1u);
  EXPECT_EQ(requests_to("/v1/fees/recommended"), 0u);
  EXPECT_EQ(result.value()["fee_definition"], "mempool_precise");
  EXPECT_DOUBLE_EQ(result.value()["hour_sat_vb"].get<double>(), 0.502);  // below 1: never rounded up
}

TEST_F(Pipeline, HashrateNamesItsWindowPerProvider) {
  IntegrationService service(clock_, scheduler_, transport_, config_);
  auto mempool = call(service, "hashrate");
  ASSERT_TRUE(mempool.ok()) << mempool.error().message;
  EXPECT_EQ(mempool.value()["hashrate_window"], "1w");
  fail("mempool", http_response(503, "Service Unavailable"));
  IntegrationService without_mempool(clock_, scheduler_, transport_, config_);  // its own empty cache
  auto fallback = call(without_mempool, "hashrate");
  ASSERT_TRUE(fallback.ok()) << fallback.error().message;
  EXPECT_EQ(fallback.value()["source"], "blockchain_info");
  EXPECT_EQ(fallback.value()["hashrate_window"], "24h");
}

TEST_F(Pipeline, ABreakerOpenAfterFailuresIsSkippedWithoutTouchingTheTransport) {
  config_.breaker_min_calls = 2;
  config_.breaker_consecutive_failures = 2;
  config_.cache_enabled = false;
  fail("coingecko", http_response(500, "oops"));
  IntegrationService service(clock_, scheduler_, transport_, config_);
  ASSERT_TRUE(service.start().ok());
  ASSERT_TRUE(call(service, "price", {{"currency", "usd"}}).ok());
  ASSERT_TRUE(call(service, "price", {{"currency", "usd"}}).ok());
  const size_t before = requests_to("/coingecko/");
  auto third = call(service, "price", {{"currency", "usd"}});
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(requests_to("/coingecko/"), before);
  EXPECT_EQ(third.value()["failed"][0]["category"], "circuit_open");
  EXPECT_EQ(metric(service, "ltl_breaker_transitions_total", {{"provider", "coingecko"}, {"to", "open"}}), 1);
  json health = service.health();
  EXPECT_EQ(health["services"]["upstream"]["status"], "degraded");
}

TEST_F(Pipeline, RetriesHonourRetryAfterOnTheScheduler) {
  config_.retry_max_attempts = 2;
  config_.price_providers = {"coingecko"};
  int calls = 0;
  transport_.answer_with([&](const HttpRequest& request) {
    if (request.url.find("/coingecko/") != std::string::npos && calls++ == 0)
      return http_response(503, "busy", {{"retry-after", "2"}});
    return answer(request);
  });
  IntegrationService service(clock_, scheduler_, transport_, config_);
  std::optional<JsonResult> out;
  service.request("price", {{"currency", "usd"}}, [&](JsonResult result) { out = result; });
  scheduler_.advance(1999);
  EXPECT_FALSE(out.has_value());
  scheduler_.advance(1);
  ASSERT_TRUE(out.has_value());
  ASSERT_TRUE(out->ok()) << out->error().message;
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(metric(service, "ltl_upstream_retries_total", {{"provider", "coingecko"}}), 1);
}

TEST_F(Pipeline, BadParametersAreValidationErrorsWithoutAnyFetch) {
  IntegrationService service(clock_, scheduler_, transport_, config_);
  auto currency = call(service, "price", {{"currency", "xyz"}});
  ASSERT_FALSE(currency.ok());
  EXPECT_EQ(currency.error().category, ErrorCategory::validation);
  EXPECT_NE(currency.error().message.find("currency: got \"xyz\""), std::string::npos);
  auto extra = call(service, "fees", {{"limit", 3}});
  ASSERT_FALSE(extra.ok());
  EXPECT_NE(extra.error().message.find("limit: unknown parameter"), std::string::npos);
  auto route = call(service, "weather");
  ASSERT_FALSE(route.ok());
  EXPECT_EQ(route.error().category, ErrorCategory::validation);
  EXPECT_TRUE(transport_.requests.empty());
}

TEST_F(Pipeline, ConfigUpdatesPropagateAndBadOnesChangeNothing) {
  IntegrationService service(clock_, scheduler_, transport_, config_);
  auto changed = service.update_config({{"CACHE_TTL_PRICE", "1000"}});
  ASSERT_TRUE(changed.ok());
  ASSERT_TRUE(call(service, "price", {{"currency", "usd"}}).ok());
  clock_.advance(1000);
  ASSERT_TRUE(call(service, "price", {{"currency", "usd"}}).ok());
  EXPECT_EQ(requests_to("/coingecko/"), 2u);  // the new 1 s TTL applied without a restart

  auto bad = service.update_config({{"CACHE_TTL_PRICE", "2000"}, {"PERFORMANCE_THRESHOLDS", "[{\"id\":\"x\"}]"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(service.config().price_ttl_ms(), 1000);
}

TEST_F(Pipeline, ServicesStartInDependencyOrderAndHealthAggregates) {
  IntegrationService service(clock_, scheduler_, transport_, config_);
  ASSERT_TRUE(service.start().ok());
  EXPECT_TRUE(service.running());
  json health = service.health();
  EXPECT_EQ(health["status"], "healthy");
  for (const char* name : {"config", "monitor", "cache", "upstream", "market", "network", "sentiment"})
    EXPECT_EQ(health["services"][name]["status"], "healthy") << name;

  // Three failed price requests in a row with nothing cached: the market service is unhealthy.
  for (const char* provider : {"coingecko", "coinbase", "kraken", "binance"}) fail(provider, http_response(500, "x"));
  for (const char* currency : {"usd", "eur", "gbp"}) EXPECT_FALSE(call(service, "price", {{"currency", currency}}).ok());
  health = service.health();
  EXPECT_EQ(health["services"]["market"]["status"], "unhealthy");
  EXPECT_EQ(health["status"], "unhealthy");
  service.stop();
  EXPECT_FALSE(service.running());
  EXPECT_EQ(scheduler_.pending(), 0u);  // no timer survives stop()
}

TEST_F(Pipeline, PerformanceTimerSamplesHistoryAndHealthTimerEmitsChanges) {
  config_.performance_interval_ms = 1000;
  config_.health_check_interval_ms = 1000;
  IntegrationService service(clock_, scheduler_, transport_, config_);
  std::vector<json> events;
  service.set_event_listener([&](const json& event) { events.push_back(event); });
  ASSERT_TRUE(service.start().ok());
  ASSERT_TRUE(call(service, "price", {{"currency", "usd"}}).ok());
  scheduler_.advance(3000);
  EXPECT_GE(service.history()["t"].size(), 3u);
  for (const char* provider : {"coingecko", "coinbase", "kraken", "binance"}) fail(provider, http_response(500, "x"));
  service.update_config({{"CACHE_ENABLED", "false"}});
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(call(service, "price", {{"currency", "usd"}}).ok());
  scheduler_.advance(1000);
  bool saw_health = false;
  for (const auto& event : events) saw_health = saw_health || (event["type"] == "health" && event["to"] == "unhealthy");
  EXPECT_TRUE(saw_health);
}

TEST_F(Pipeline, IngestedRealtimeDataIsServedFromTheCache) {
  IntegrationService service(clock_, scheduler_, transport_, config_);
  ASSERT_TRUE(service.ingest("tip", {{"height", 900000}, {"hash", nullptr}}, "mempool-websocket").ok());
  scheduler_.run_due();
  auto tip = call(service, "tip");
  ASSERT_TRUE(tip.ok());
  EXPECT_EQ(tip.value()["height"], 900000);
  EXPECT_EQ(tip.value()["source"], "mempool-websocket");
  EXPECT_EQ(requests_to("/tip/"), 0u);
  EXPECT_FALSE(service.ingest("tip", {{"height", "tall"}}, "x").ok());
  const json precise = json::parse(R"({"fee_definition":"mempool_precise","fastest_sat_vb":2.023,"half_hour_sat_vb":1.094,)"
                                   R"("hour_sat_vb":0.502,"economy_sat_vb":0.2,"minimum_sat_vb":0.1})");
  ASSERT_TRUE(service.ingest("fees", precise, "mempool-websocket").ok());
  json unlabelled = precise;
  unlabelled.erase("fee_definition");
  EXPECT_FALSE(service.ingest("fees", unlabelled, "x").ok());  // fees must say which definition they follow
  EXPECT_FALSE(service.ingest("weather", json::object(), "x").ok());
}

TEST_F(Pipeline, TenThousandFailingRequestsKeepStateBounded) {
  config_.cache_enabled = false;
  for (const char* provider : {"coingecko", "coinbase", "kraken", "binance"}) fail(provider, http_response(500, "x"));
  IntegrationService service(clock_, scheduler_, transport_, config_);
  for (int i = 0; i < 10000; ++i) {
    ASSERT_FALSE(call(service, "price", {{"currency", "usd"}}).ok());
    clock_.advance(10);
  }
  EXPECT_LE(service.errors().size(), 100u);
  EXPECT_EQ(service.upstream().in_flight(), 0u);
  EXPECT_EQ(service.metrics().dropped_series(), 0u);
  EXPECT_EQ(scheduler_.pending(), 0u);
}

TEST_F(Pipeline, PrometheusExportAndAtLeastThirtyRecordedMetricFamilies) {
  config_.performance_interval_ms = 1000;
  config_.retry_max_attempts = 2;
  config_.breaker_min_calls = 2;
  config_.breaker_consecutive_failures = 2;
  IntegrationService service(clock_, scheduler_, transport_, config_);
  ASSERT_TRUE(service.start().ok());
  // A mixed run: a rate-limited provider (retries, waits, an opening breaker), every route,
  // a stale answer, a realtime push, a config update and the host's gauges.
  for (const char* route : {"price", "market", "network", "blocks", "sentiment"}) ASSERT_TRUE(call(service, route).ok()) << route;
  clock_.advance(45000);  // price is stale within its SWR window
  EXPECT_EQ(call(service, "price", {{"currency", "usd"}}).value()["stale"], true);
  fail("coingecko", http_response(429, "{}", {{"retry-after", "1"}}));
  for (int i = 0; i < 2; ++i) {
    service.invalidate("key", "price:usd", [](JsonResult) {});
    ASSERT_TRUE(call(service, "price", {{"currency", "usd"}}).ok());
  }
  ASSERT_TRUE(service.ingest("fees", json::parse(fixture("mempool/fees_recommended.json")).is_object()
                                         ? json{{"fee_definition", "mempool_precise"}, {"fastest_sat_vb", 5},
                                                {"half_hour_sat_vb", 4}, {"hour_sat_vb", 3}, {"economy_sat_vb", 2},
                                                {"minimum_sat_vb", 1}}
                                         : json::object(),
                             "mempool-websocket")
                  .ok());
  ASSERT_TRUE(service.update_config({{"CACHE_TTL_FEES", "5000"}}).ok());
  service.set_host_gauge("ltl_event_loop_lag_ms", 3);
  service.set_host_gauge("ltl_wasm_heap_bytes", 4 << 20);
  service.add_host_counter("ltl_long_tasks_total", 1);
  scheduler_.advance(2000);
  (void)service.health();
  json snapshot = service.metrics_snapshot();
  size_t recorded = 0;
  std::string empty;
  for (const auto& family : snapshot["metrics"]) {
    if (family["samples"].empty()) empty += family["name"].get<std::string>() + " ";
    else ++recorded;
  }
  EXPECT_GE(recorded, 30u) << "not recorded: " << empty;
  const std::string text = service.metrics_prometheus();
  EXPECT_NE(text.find("# TYPE ltl_requests_total counter"), std::string::npos);
  EXPECT_NE(text.find("ltl_breaker_transitions_total{provider=\"coingecko\",to=\"open\"} 1"), std::string::npos) << text;
}

}  // namespace
}  // namespace ltl
