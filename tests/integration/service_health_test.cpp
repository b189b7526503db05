// The integration's services and health rules on their own: the rules over plain values,
// the seven services over a real cache, upstream client and registry.
#include "integration/service_health.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "support/fake_store.h"
#include "support/fake_transport.h"

namespace ltl {
namespace {

using nlohmann::json;

BreakerLookup breakers(std::map<std::string, BreakerState> states) {
  return [states = std::move(states)](const std::string& provider) {
    auto it = states.find(provider);
    return it == states.end() ? BreakerState::closed : it->second;
  };
}

const std::vector<std::string> kPrice = {"coingecko", "coinbase", "kraken"};

TEST(FamilyHealth, HealthyWhileEveryProviderIsAvailable) {
  auto report = family_health(kPrice, {"price", "market"}, breakers({{"kraken", BreakerState::half_open}}), {});
  EXPECT_EQ(report.status, HealthStatus::healthy);  // a half-open breaker lets probes through
  EXPECT_EQ(report.reason, "providers available");
}

TEST(FamilyHealth, SomeOpenBreakersDegradeAllOpenIsUnhealthy) {
  auto some = family_health(kPrice, {"price"}, breakers({{"kraken", BreakerState::open}}), {});
  EXPECT_EQ(some.status, HealthStatus::degraded);
  EXPECT_EQ(some.reason, "1 of 3 providers open");
  auto all = family_health(kPrice, {"price"},
                           breakers({{"coingecko", BreakerState::open}, {"coinbase", BreakerState::open},
                                     {"kraken", BreakerState::open}}),
                           {});
  EXPECT_EQ(all.status, HealthStatus::unhealthy);
  EXPECT_EQ(all.reason, "every provider's breaker is open");
}

TEST(FamilyHealth, ThreeFailedRequestsInARowOfOneRouteMakeTheFamilyUnhealthy) {
  RouteHealthMap routes;
  routes["market"] = RouteHealth{2, 0, "timeout"};
  EXPECT_EQ(family_health(kPrice, {"price", "market"}, breakers({}), routes).status, HealthStatus::healthy);
  routes["market"].consecutive_failures = 3;
  auto report = family_health(kPrice, {"price", "market"}, breakers({}), routes);
  EXPECT_EQ(report.status, HealthStatus::unhealthy);
  EXPECT_EQ(report.reason, "market: 3 failed requests in a row, last: timeout");
  // Another family's route does not count.
  EXPECT_EQ(family_health(kPrice, {"fees"}, breakers({}), routes).status, HealthStatus::healthy);
}

TEST(MonitorHealth, CriticalAlertsDegradeUnlessMonitoringIsOff) {
  Alert warning, critical;
  critical.level = AlertLevel::critical;
  EXPECT_EQ(monitor_health(true, {warning}, 12).reason, "1 alert(s) active, 12 history points");
  auto degraded = monitor_health(true, {warning, critical}, 12);
  EXPECT_EQ(degraded.status, HealthStatus::degraded);
  EXPECT_EQ(degraded.reason, "1 critical alert(s) active");
  auto off = monitor_health(false, {critical}, 12);
  EXPECT_EQ(off.status, HealthStatus::healthy);
  EXPECT_EQ(off.reason, "disabled by PERFORMANCE_ENABLED");
}

TEST(UpstreamHealth, NamesEveryBreakerThatIsNotClosed) {
  UpstreamProviderSnapshot open, half, closed;
  open.provider = "coingecko";
  open.breaker.state = BreakerState::open;
  half.provider = "kraken";
  half.breaker.state = BreakerState::half_open;
  closed.provider = "mempool";
  EXPECT_EQ(upstream_health({closed}).status, HealthStatus::healthy);
  EXPECT_EQ(upstream_health({closed}).reason, "every breaker closed");
  auto report = upstream_health({open, closed, half});
  EXPECT_EQ(report.status, HealthStatus::degraded);
  EXPECT_EQ(report.reason, "breakers: coingecko open, kraken half_open");
}

class IntegrationServicesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    upstream = std::make_unique<UpstreamClient>(clock, scheduler, transport, seeded_random(3));
    ProviderPolicy policy;
    policy.retry.max_attempts = 1;
    policy.breaker.consecutive_failures = 1;  // one failure opens it
    for (const char* provider : kProviderNames) ASSERT_FALSE(upstream->configure(provider, policy));
  }

  IntegrationHealthInputs inputs() {
    return {config, [this]() -> const AlertEngine& { return alerts; }, history, cache, *upstream, routes,
            [this] { ++monitor_stops; }};
  }

  void open_breaker(const std::string& provider) {
    transport.answer_with([](const HttpRequest&) { return testing::http_response(500, "down"); });
    upstream->fetch(provider, "x", HttpRequest{}, {}, clock.now_ms() + 10000, [](FetchOutcome) {});
    scheduler.run_due();
    ASSERT_EQ(upstream->breaker_state(provider), BreakerState::open);
  }

  json status_of(const ServiceRegistry& registry) {
    json out;
    const json health = registry.health();
    for (const auto& [name, service] : health["services"].items()) out[name] = service["status"];
    return out;
  }

  ManualClock clock;
  ManualScheduler scheduler{clock};
  testing::FakeTransport transport;
  testing::FakeStore store;
  ConfigStore config;
  MetricsRegistry metrics;
  MetricsHistory history;
  AlertEngine alerts{metrics, history, {}};
  TieredCache cache{clock, scheduler, MemoryCacheOptions{}, &store};
  std::unique_ptr<UpstreamClient> upstream;
  RouteHealthMap routes;
  int monitor_stops = 0;
};

TEST_F(IntegrationServicesTest, SevenServicesStartAfterTheirDependenciesAndStopInReverse) {
  ServiceRegistry registry;
  ASSERT_TRUE(add_integration_services(registry, inputs()).ok());
  ASSERT_TRUE(registry.start_all().ok());
  const auto& order = registry.start_order();
  ASSERT_EQ(order.size(), 7u);
  auto at = [&order](const std::string& name) { return std::find(order.begin(), order.end(), name) - order.begin(); };
  EXPECT_EQ(order.front(), "config");
  for (const char* data : {"market", "network", "sentiment"})
    for (const char* dep : {"cache", "upstream", "monitor"}) EXPECT_LT(at(dep), at(data)) << data << " after " << dep;
  EXPECT_EQ(status_of(registry), json({{"config", "healthy"}, {"monitor", "healthy"}, {"cache", "healthy"},
                                       {"upstream", "healthy"}, {"market", "healthy"}, {"network", "healthy"},
                                       {"sentiment", "healthy"}}));
  EXPECT_EQ(registry.find("config")->health().reason, "valid, version 1");

  cache.set_sweep_interval_ms(60000);
  registry.stop_all();
  EXPECT_EQ(monitor_stops, 1);
  EXPECT_EQ(scheduler.pending(), 0u);  // the cache's sweep timer went with the cache service
}

TEST_F(IntegrationServicesTest, AddingThemTwiceIsAConfigError) {
  ServiceRegistry registry;
  ASSERT_TRUE(add_integration_services(registry, inputs()).ok());
  auto again = add_integration_services(registry, inputs());
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().category, ErrorCategory::config);
}

TEST_F(IntegrationServicesTest, OpenBreakersAndFailingRoutesReachTheirFamilies) {
  ServiceRegistry registry;
  ASSERT_TRUE(add_integration_services(registry, inputs()).ok());
  ASSERT_TRUE(registry.start_all().ok());
  open_breaker("fng");
  open_breaker("kraken");
  routes["hashrate"] = RouteHealth{3, 0, "parse"};
  json status = status_of(registry);
  EXPECT_EQ(status["upstream"], "degraded");
  EXPECT_EQ(status["market"], "degraded");      // 1 of 4 price providers open
  EXPECT_EQ(status["network"], "unhealthy");    // hashrate failed three times in a row
  EXPECT_EQ(status["sentiment"], "degraded");   // its only provider is open, but sentiment is an extra
  EXPECT_EQ(registry.find("sentiment")->health().reason, "every provider's breaker is open");
  EXPECT_EQ(registry.find("market")->health().reason, "1 of 4 providers open");
  // The families follow the live provider lists.
  ASSERT_TRUE(config.update({{"PRICE_PROVIDERS", "kraken"}}).ok());
  EXPECT_EQ(registry.find("market")->health().status, HealthStatus::unhealthy);
}

TEST_F(IntegrationServicesTest, CacheReportsItsEntriesADegradedStoreAndBeingDisabled) {
  ServiceRegistry registry;
  ASSERT_TRUE(add_integration_services(registry, inputs()).ok());
  CachePolicy policy;
  policy.ttl = Ttl::ms(60000);
  ASSERT_FALSE(cache.put("k", policy, FetchedValue{"value", std::nullopt, std::nullopt}));
  scheduler.run_due();
  const HealthReport healthy = registry.find("cache")->health();
  EXPECT_EQ(healthy.status, HealthStatus::healthy);
  EXPECT_EQ(healthy.reason.rfind("1 entries, ", 0), 0u) << healthy.reason;

  store.fail("IndexedDB blocked");
  ASSERT_FALSE(cache.put("k2", policy, FetchedValue{"value", std::nullopt, std::nullopt}));
  scheduler.run_due();
  const HealthReport degraded = registry.find("cache")->health();
  EXPECT_EQ(degraded.status, HealthStatus::degraded);
  EXPECT_NE(degraded.reason.find("indexeddb tier degraded"), std::string::npos) << degraded.reason;

  cache.set_enabled(false);
  EXPECT_EQ(registry.find("cache")->health().reason, "disabled by CACHE_ENABLED");
}

}  // namespace
}  // namespace ltl
