// The integration's metric declarations and the gauges copied from the cache and upstream.
#include "integration/service_metrics.h"

#include <gtest/gtest.h>

#include "integration/metric_catalogue.h"
#include "support/fake_store.h"
#include "support/fake_transport.h"

namespace ltl {
namespace {

TEST(ServiceMetrics, DeclaresEveryCatalogueFamilyAndTracksTheDashboardSeries) {
  MetricsRegistry metrics;
  MetricsHistory history;
  declare_service_metrics(metrics, history);
  for (const auto& family : metric_catalogue()) EXPECT_NE(metrics.find_family(family.name), nullptr) << family.name;
  for (const char* name : {"ltl_requests_total", "ltl_upstream_latency_ms", "ltl_breaker_state", "ltl_cache_entries",
                           "ltl_event_loop_lag_ms"})
    EXPECT_TRUE(history.tracks(name)) << name;
}

TEST(ServiceMetrics, GaugesFollowTheCacheAndTheBreakers) {
  ManualClock clock;
  ManualScheduler scheduler{clock};
  testing::FakeTransport transport;
  testing::FakeStore store("redis");
  MetricsRegistry metrics;
  MetricsHistory history;
  declare_service_metrics(metrics, history);
  TieredCache cache{clock, scheduler, MemoryCacheOptions{}, &store};
  UpstreamClient upstream{clock, scheduler, transport, seeded_random(1)};
  ProviderPolicy policy;
  policy.retry.max_attempts = 1;
  policy.breaker.consecutive_failures = 1;
  ASSERT_FALSE(upstream.configure("kraken", policy));
  ASSERT_FALSE(upstream.configure("coinbase", policy));

  CachePolicy cache_policy;
  cache_policy.ttl = Ttl::ms(60000);
  ASSERT_FALSE(cache.put("a", cache_policy, FetchedValue{"12345", std::nullopt, std::nullopt}));
  transport.answer_with([](const HttpRequest&) { return testing::http_response(500, "down"); });
  upstream.fetch("kraken", "x", HttpRequest{}, {}, clock.now_ms() + 10000, [](FetchOutcome) {});
  scheduler.run_due();

  sync_service_gauges(metrics, cache, upstream);
  EXPECT_EQ(metrics.value("ltl_cache_entries", {{"tier", "memory"}}), 1);
  EXPECT_GT(metrics.value("ltl_cache_bytes", {{"tier", "memory"}}), 0);
  EXPECT_EQ(metrics.value("ltl_cache_tier_up", {{"tier", "memory"}}), 1);
  EXPECT_EQ(metrics.value("ltl_cache_tier_up", {{"tier", "redis"}}), 1);
  EXPECT_EQ(metrics.value("ltl_breaker_state", {{"provider", "kraken"}}), 2);
  EXPECT_EQ(metrics.value("ltl_breaker_failure_rate", {{"provider", "kraken"}}), 1);
  EXPECT_EQ(metrics.value("ltl_breaker_state", {{"provider", "coinbase"}}), 0);

  store.fail();
  ASSERT_FALSE(cache.put("b", cache_policy, FetchedValue{"6789", std::nullopt, std::nullopt}));
  scheduler.run_due();
  sync_service_gauges(metrics, cache, upstream);
  EXPECT_EQ(metrics.value("ltl_cache_tier_up", {{"tier", "redis"}}), 0);
  EXPECT_GE(metrics.value("ltl_cache_store_errors_total", {{"tier", "redis"}}), 1);
}

}  // namespace
}  // namespace ltl
