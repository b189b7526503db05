#include "monitor/report.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "monitor/monitor_fixtures.h"

namespace ltl {
namespace {

using nlohmann::json;

constexpr int64_t kInterval = 30000;
constexpr int64_t kHour = 3600000;
constexpr double kMiB = 1024.0 * 1024.0;

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::declare_ltl_metrics(registry);
    track_report_metrics(history);
    engine.emplace(registry, history, default_thresholds());
    history.sample(registry, clock.now_ms());
  }
  // `steps` intervals; `traffic(i)` records what happened during interval i.
  void run(int steps, const std::function<void(int)>& traffic) {
    for (int i = 0; i < steps; ++i) {
      traffic(i);
      clock.advance(kInterval);
      history.sample(registry, clock.now_ms());
      engine->evaluate(clock.now_ms());
    }
  }
  json report(int64_t window_ms = kHour) { return build_report(registry, history, *engine, window_ms, clock.now_ms()); }

  // Ordinary, healthy traffic for one interval.
  void healthy(int) {
    registry.add("ltl_requests_total", {{"outcome", "hit"}, {"route", "price"}}, 20);
    registry.add("ltl_requests_total", {{"outcome", "miss"}, {"route", "price"}}, 2);
    for (int k = 0; k < 22; ++k) registry.observe("ltl_request_duration_ms", {{"route", "price"}}, 40 + k);
    registry.add("ltl_upstream_requests_total", {{"outcome", "ok"}, {"provider", "coingecko"}}, 2);
    registry.observe("ltl_upstream_latency_ms", {{"provider", "coingecko"}}, 190);
    registry.observe("ltl_upstream_latency_ms", {{"provider", "coingecko"}}, 210);
    registry.add("ltl_cache_lookups_total", {{"result", "hit"}, {"tier", "memory"}}, 20);
    registry.add("ltl_cache_lookups_total", {{"result", "miss"}, {"tier", "memory"}}, 2);
    registry.set("ltl_breaker_state", {{"provider", "coingecko"}}, 0);
    registry.set("ltl_wasm_heap_bytes", {}, 16 * kMiB);
  }

  std::vector<json> recommendations(const json& r, const std::string& id) {
    std::vector<json> out;
    for (const auto& rec : r["recommendations"])
      if (rec["id"] == id) out.push_back(rec);
    return out;
  }

  ManualClock clock;
  MetricsRegistry registry;
  MetricsHistory history;
  std::optional<AlertEngine> engine;
};

TEST_F(ReportTest, HealthyTrafficHasNumbersButNoRecommendations) {
  run(120, [&](int i) { healthy(i); });
  json r = report();
  EXPECT_EQ(r["generated_at_ms"], clock.now_ms());
  EXPECT_EQ(r["window_ms"], kHour);
  EXPECT_EQ(r["window_covered_ms"], kHour);
  EXPECT_TRUE(r["recommendations"].empty()) << r["recommendations"].dump(2);
  EXPECT_TRUE(r["alerts"]["active"].empty());

  ASSERT_EQ(r["routes"].size(), 1u);
  const json& price = r["routes"][0];
  EXPECT_EQ(price["route"], "price");
  EXPECT_EQ(price["requests"], 22 * 120);
  EXPECT_NEAR(price["requests_per_s"].get<double>(), 22.0 * 120 / 3600, 1e-9);
  EXPECT_EQ(price["outcomes"]["hit"], 20 * 120);
  EXPECT_EQ(price["error_rate"], 0);
  EXPECT_EQ(price["latency_ms"]["count"], 22 * 120);
  EXPECT_NEAR(price["latency_ms"]["p50"].get<double>(), 50, 1);
  EXPECT_NEAR(price["latency_ms"]["p99"].get<double>(), 61, 1.5);

  ASSERT_EQ(r["providers"].size(), 1u);
  const json& coingecko = r["providers"][0];
  EXPECT_EQ(coingecko["provider"], "coingecko");
  EXPECT_EQ(coingecko["requests"], 240);
  EXPECT_EQ(coingecko["error_rate"], 0);
  EXPECT_EQ(coingecko["breaker"]["state"], "closed");
  EXPECT_EQ(coingecko["breaker"]["opens"], 0);
  EXPECT_NEAR(coingecko["latency_ms"]["p95"].get<double>(), 210, 210 * 0.02);
  ASSERT_EQ(r["slowest_providers"].size(), 1u);

  ASSERT_EQ(r["cache"]["tiers"].size(), 1u);
  EXPECT_NEAR(r["cache"]["tiers"][0]["hit_rate"].get<double>(), 20.0 / 22, 1e-9);
  EXPECT_TRUE(r["cache"]["families"].empty());
  EXPECT_EQ(r["wasm_heap_bytes"], 16 * kMiB);
  for (const auto& trend : r["trends"]) EXPECT_EQ(trend["direction"], "flat") << trend.dump();
}

TEST_F(ReportTest, BreakerOpeningRepeatedlyIsFlagged) {
  run(120, [&](int i) {
    healthy(i);
    if (i % 30 == 5) registry.add("ltl_breaker_transitions_total", {{"provider", "kraken"}, {"to", "open"}});
    if (i % 30 == 6) registry.add("ltl_breaker_transitions_total", {{"provider", "kraken"}, {"to", "half_open"}});
    if (i % 60 == 7) registry.add("ltl_breaker_transitions_total", {{"provider", "binance"}, {"to", "open"}});
  });
  json r = report();
  auto flapping = recommendations(r, "breaker_flapping");
  ASSERT_EQ(flapping.size(), 1u) << r["recommendations"].dump(2);  // binance opened twice: not enough
  EXPECT_EQ(flapping[0]["message"], "provider kraken opened its breaker 4 times in 1h — move it later in the fallback order");
  EXPECT_EQ(flapping[0]["subject"], "provider=kraken");
  EXPECT_EQ(flapping[0]["evidence"]["opens"], 4);
  EXPECT_EQ(flapping[0]["evidence"]["covered_ms"], kHour);

  // Over the last 30 minutes kraken opened only twice: no recommendation there.
  EXPECT_TRUE(recommendations(report(kHour / 2), "breaker_flapping").empty());
}

TEST_F(ReportTest, LowHitRateOnlyForAKeyFamilyWithEnoughLookups) {
  run(120, [&](int i) {
    healthy(i);
    if (i < 100) {
      // fees: 12 hits in 100 lookups; prices: 90 in 100.
      registry.add("ltl_cache_lookups_total", {{"family", "fees"}, {"result", i % 25 < 3 ? "hit" : "miss"}, {"tier", "memory"}});
      registry.add("ltl_cache_lookups_total", {{"family", "prices"}, {"result", i % 10 ? "hit" : "miss"}, {"tier", "memory"}});
    }
    // blocks: no hit at all, but only 6 lookups: not enough to say anything.
    if (i % 20 == 0) registry.add("ltl_cache_lookups_total", {{"family", "blocks"}, {"result", "miss"}, {"tier", "memory"}});
  });
  json r = report();
  ASSERT_EQ(r["cache"]["families"].size(), 3u) << r["cache"].dump(2);
  auto low = recommendations(r, "low_hit_rate");
  ASSERT_EQ(low.size(), 1u) << r["recommendations"].dump(2);
  EXPECT_EQ(low[0]["subject"], "family=fees");
  EXPECT_EQ(low[0]["message"],
            "hit rate 12% for key family fees over 100 lookups in 1h (threshold 50%) — raise its TTL");
  EXPECT_EQ(low[0]["severity"], "critical");  // 12% is below the critical 20%
  EXPECT_EQ(low[0]["evidence"]["hits"], 12);
  EXPECT_EQ(low[0]["evidence"]["lookups"], 100);
}

TEST_F(ReportTest, SlowProvidersRankedAndFlaggedWithEnoughObservations) {
  run(120, [&](int i) {
    healthy(i);
    registry.add("ltl_upstream_requests_total", {{"outcome", "ok"}, {"provider", "kraken"}});
    registry.observe("ltl_upstream_latency_ms", {{"provider", "kraken"}}, 1500 + i);
    registry.add("ltl_upstream_requests_total", {{"outcome", "ok"}, {"provider", "binance"}});
    registry.observe("ltl_upstream_latency_ms", {{"provider", "binance"}}, 400);
    if (i % 20 == 0) registry.observe("ltl_upstream_latency_ms", {{"provider", "rare"}}, 9000);  // 6 calls only
  });
  json r = report();
  std::vector<std::string> ranked;
  for (const auto& p : r["slowest_providers"]) ranked.push_back(p["provider"]);
  EXPECT_EQ(ranked, (std::vector<std::string>{"kraken", "binance", "coingecko"}));
  auto slow = recommendations(r, "slow_provider");
  ASSERT_EQ(slow.size(), 1u) << r["recommendations"].dump(2);
  EXPECT_EQ(slow[0]["subject"], "provider=kraken");
  EXPECT_EQ(slow[0]["severity"], "warning");
  EXPECT_NE(slow[0]["message"].get<std::string>().find("p95 upstream latency for kraken is 16"), std::string::npos);
  EXPECT_NE(slow[0]["message"].get<std::string>().find(" ms over 120 calls, above the 1000 ms threshold"), std::string::npos)
      << slow[0]["message"];
  EXPECT_EQ(slow[0]["evidence"]["threshold_ms"], 1000);
}

TEST_F(ReportTest, ThresholdLevelsComeFromTheAlertEngine) {
  auto parsed = parse_performance_thresholds(R"({"rules": [{"id": "upstream_latency_p95", "warning": 300}]})");
  ASSERT_TRUE(parsed.ok());
  engine.emplace(registry, history, parsed.value());
  run(120, [&](int i) {
    healthy(i);
    registry.observe("ltl_upstream_latency_ms", {{"provider", "binance"}}, 400);
  });
  auto slow = recommendations(report(), "slow_provider");
  ASSERT_EQ(slow.size(), 1u);
  EXPECT_EQ(slow[0]["subject"], "provider=binance");
  EXPECT_EQ(slow[0]["evidence"]["threshold_ms"], 300);
}

TEST_F(ReportTest, ProviderErrorsWithTheirDominantCategory) {
  run(120, [&](int i) {
    healthy(i);
    if (i < 100) {
      bool failed = i % 10 < 3;
      registry.add("ltl_upstream_requests_total", {{"outcome", failed ? "error" : "ok"}, {"provider", "binance"}});
      if (failed)
        registry.add("ltl_upstream_errors_total", {{"category", i % 10 == 0 ? "timeout" : "rate_limited"}, {"provider", "binance"}});
    }
  });
  json r = report();
  auto errors = recommendations(r, "provider_error_rate");
  ASSERT_EQ(errors.size(), 1u) << r["recommendations"].dump(2);
  EXPECT_EQ(errors[0]["severity"], "critical");
  EXPECT_EQ(errors[0]["message"],
            "provider binance failed 30% of 100 requests in 1h (mostly rate_limited: 20) — raise the cache TTL of what "
            "it serves or lower its request rate");
  EXPECT_EQ(errors[0]["evidence"]["top_category"], "rate_limited");
  json binance;
  for (const auto& p : r["providers"])
    if (p["provider"] == "binance") binance = p;
  EXPECT_EQ(binance["errors_by_category"]["timeout"], 10);
  EXPECT_EQ(binance["errors_by_category"]["rate_limited"], 20);
  // The critical recommendation comes first.
  EXPECT_EQ(r["recommendations"][0]["id"], "provider_error_rate");
}

TEST_F(ReportTest, OldProblemsOutsideTheWindowAreNotRecommendedOn) {
  run(120, [&](int i) {  // an hour of failures...
    healthy(i);
    registry.add("ltl_upstream_requests_total", {{"outcome", "error"}, {"provider", "binance"}}, 2);
    registry.add("ltl_upstream_errors_total", {{"category", "upstream_5xx"}, {"provider", "binance"}}, 2);
  });
  EXPECT_EQ(recommendations(report(), "provider_error_rate").size(), 1u);
  run(120, [&](int i) {  // ...then an hour of clean calls
    healthy(i);
    registry.add("ltl_upstream_requests_total", {{"outcome", "ok"}, {"provider", "binance"}}, 2);
  });
  json r = report();
  EXPECT_TRUE(r["recommendations"].empty()) << r["recommendations"].dump(2);
  for (const auto& p : r["providers"]) {
    if (p["provider"] == "binance") {
      EXPECT_EQ(p["error_rate"], 0);
    }
  }
}

TEST_F(ReportTest, HeavyRetriesAreFlagged) {
  run(120, [&](int i) {
    healthy(i);
    if (i < 40) {
      registry.add("ltl_upstream_requests_total", {{"outcome", "ok"}, {"provider", "mempool"}});
      registry.add("ltl_upstream_retries_total", {{"provider", "mempool"}});
    }
    registry.add("ltl_upstream_retries_total", {{"provider", "coingecko"}}, i % 12 == 0 ? 1 : 0);  // 10 for 240
  });
  auto retries = recommendations(report(), "heavy_retries");
  ASSERT_EQ(retries.size(), 1u);
  EXPECT_EQ(retries[0]["message"],
            "provider mempool needed 40 retries for 40 requests in 1h — lower its retry count or move it later in the "
            "fallback order");
}

TEST_F(ReportTest, HeapGrowthAndTrends) {
  run(120, [&](int i) {
    healthy(i);
    registry.set("ltl_wasm_heap_bytes", {}, (16 + 32.0 * i / 119) * kMiB);
    // Traffic on route fees doubles in the second half hour.
    registry.add("ltl_requests_total", {{"outcome", "hit"}, {"route", "fees"}}, i < 60 ? 10 : 20);
  });
  json r = report();
  auto heap = recommendations(r, "heap_growth");
  ASSERT_EQ(heap.size(), 1u) << r["recommendations"].dump(2);
  // Half-hour means of a heap growing linearly from 16 to 48 MiB.
  EXPECT_EQ(heap[0]["message"],
            "WASM heap grew from 23.9 MiB to 40.1 MiB (+67.4%) over 1h — lower cache_max_bytes or look for a leak");
  json fees_trend, heap_trend;
  for (const auto& t : r["trends"]) {
    if (t["series"] == "ltl_requests_total{outcome=\"hit\",route=\"fees\"}") fees_trend = t;
    if (t["series"] == "ltl_wasm_heap_bytes") heap_trend = t;
  }
  ASSERT_FALSE(fees_trend.is_null());
  EXPECT_EQ(fees_trend["direction"], "rising");
  EXPECT_EQ(fees_trend["statistic"], "rate_per_s");
  EXPECT_NEAR(fees_trend["change"].get<double>(), 1.0, 0.05);
  EXPECT_EQ(heap_trend["direction"], "rising");
  EXPECT_EQ(r["trends"][0]["direction"], "rising");  // movers first
}

TEST_F(ReportTest, EmptyHistoryStillReports) {
  json r = report();
  EXPECT_EQ(r["window_covered_ms"], 0);
  EXPECT_TRUE(r["routes"].empty());
  EXPECT_TRUE(r["providers"].empty());
  EXPECT_TRUE(r["recommendations"].empty());
  EXPECT_TRUE(r["wasm_heap_bytes"].is_null());
}

}  // namespace
}  // namespace ltl
