#include "monitor/hit_rates.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "monitor/monitor_fixtures.h"
#include "monitor/report.h"

namespace ltl {
namespace {

using nlohmann::json;

TEST(HitRates, MemoryCountsEveryLookupAPersistentTierOnlyWhatMemoryPassedOn) {
  // 100 lookups: memory answered 60 fresh and 10 stale; of the 30 it passed on, kv answered
  // 8 fresh and 2 stale; the origin answered 20 (counted as memory misses).
  std::map<std::string, LookupCounts> by_tier{{"kv", {8, 2, 0}}, {"memory", {60, 10, 20}}};
  auto rates = tier_hit_rates(by_tier);
  ASSERT_EQ(rates.size(), 2u);
  EXPECT_EQ(rates[0].name, "memory");
  EXPECT_EQ(rates[0].lookups, 100);
  EXPECT_DOUBLE_EQ(*rates[0].hit_rate, 0.6);
  EXPECT_DOUBLE_EQ(*rates[0].stale_rate, 0.1);
  EXPECT_DOUBLE_EQ(*rates[0].miss_rate, 0.3);
  EXPECT_EQ(rates[0].passed_on, 30);
  EXPECT_EQ(rates[1].name, "kv");
  EXPECT_EQ(rates[1].lookups, 30);
  EXPECT_EQ(rates[1].hits, 8);
  EXPECT_DOUBLE_EQ(*rates[1].hit_rate, 8.0 / 30);
  EXPECT_DOUBLE_EQ(*rates[1].miss_rate, 20.0 / 30);
}

TEST(HitRates, MemoryIsListedFirstEvenWithoutItsOwnSeriesAndNothingMeansNoRate) {
  auto rates = tier_hit_rates({{"cache-api", {0, 0, 0}}, {"kv", {0, 0, 0}}});
  ASSERT_EQ(rates.size(), 3u);
  EXPECT_EQ(rates[0].name, "memory");
  EXPECT_EQ(rates[1].name, "cache-api");
  EXPECT_EQ(rates[2].name, "kv");
  for (const auto& rate : rates) {
    EXPECT_EQ(rate.lookups, 0);
    EXPECT_FALSE(rate.hit_rate) << rate.name;  // missing, not 0
  }
  EXPECT_TRUE(tier_hit_rates({}).empty());
}

TEST(HitRates, FamiliesShareOfTheirOwnLookups) {
  auto rates = family_hit_rates({{"fees", {3, 1, 6}}, {"price", {0, 0, 0}}, {"", {5, 0, 0}}});
  ASSERT_EQ(rates.size(), 2u);  // a series without a family label is not a family
  EXPECT_EQ(rates[0].name, "fees");
  EXPECT_EQ(rates[0].lookups, 10);
  EXPECT_DOUBLE_EQ(*rates[0].hit_rate, 0.3);
  EXPECT_DOUBLE_EQ(*rates[0].stale_rate, 0.1);
  EXPECT_DOUBLE_EQ(*rates[0].miss_rate, 0.6);
  EXPECT_FALSE(rates[1].hit_rate);
}

class HitRateHistoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::declare_ltl_metrics(registry);
    history.track(kCacheLookupsMetric);
    sample();
  }
  void sample() {
    now_ms += 30000;
    history.sample(registry, now_ms);
  }
  void lookups(const std::string& tier, const std::string& result, double n) {
    registry.add(kCacheLookupsMetric, {{"family", "price"}, {"result", result}, {"tier", tier}}, n);
  }
  MetricsRegistry registry;
  MetricsHistory history;
  int64_t now_ms = 1'700'000'000'000;
};

TEST_F(HitRateHistoryTest, OneRatioPerIntervalAlignedWithTheHistoryTimes) {
  lookups("memory", "hit", 3);
  lookups("memory", "miss", 1);
  sample();  // interval 1: 3 of 4
  sample();  // interval 2: no lookups
  lookups("memory", "hit", 1);
  lookups("memory", "stale", 1);
  lookups("kv", "hit", 3);
  lookups("memory", "miss", 1);
  sample();  // interval 3: memory 1 of 6; kv 3 of the 4 memory passed on; all 4 of 6

  json series = hit_rate_history(history);
  ASSERT_EQ(history.times().size(), 4u);
  const json& all = series["all"];
  ASSERT_EQ(all.size(), 4u);
  EXPECT_TRUE(all[0].is_null());  // no rate before the second point
  EXPECT_DOUBLE_EQ(all[1].get<double>(), 0.75);
  EXPECT_TRUE(all[2].is_null()) << "interval 2 had no lookups: no rate, not 0";
  EXPECT_DOUBLE_EQ(all[3].get<double>(), 4.0 / 6);
  const json& memory = series["tiers"]["memory"];
  EXPECT_DOUBLE_EQ(memory[1].get<double>(), 0.75);
  EXPECT_DOUBLE_EQ(memory[3].get<double>(), 1.0 / 6);
  const json& kv = series["tiers"]["kv"];
  ASSERT_EQ(kv.size(), 4u);
  EXPECT_DOUBLE_EQ(kv[1].get<double>(), 0.0);  // reached by 1 lookup (the miss), answered none
  EXPECT_DOUBLE_EQ(kv[3].get<double>(), 3.0 / 4);
}

TEST_F(HitRateHistoryTest, NoLookupsAtAllGivesNullsNotZeros) {
  sample();
  sample();
  json series = hit_rate_history(history);
  ASSERT_EQ(series["all"].size(), 3u);
  for (const auto& value : series["all"]) EXPECT_TRUE(value.is_null());
  EXPECT_TRUE(series["tiers"].empty());
}

TEST(HitRatesReport, ReportTiersUseTheSameRates) {
  MetricsRegistry registry;
  testing::declare_ltl_metrics(registry);
  MetricsHistory history;
  track_report_metrics(history);
  AlertEngine engine(registry, history, default_thresholds());
  int64_t now_ms = 1'700'000'000'000;
  history.sample(registry, now_ms);
  registry.add(kCacheLookupsMetric, {{"result", "hit"}, {"tier", "memory"}}, 60);
  registry.add(kCacheLookupsMetric, {{"result", "stale"}, {"tier", "memory"}}, 10);
  registry.add(kCacheLookupsMetric, {{"result", "miss"}, {"tier", "memory"}}, 20);
  registry.add(kCacheLookupsMetric, {{"result", "hit"}, {"tier", "kv"}}, 8);
  registry.add(kCacheLookupsMetric, {{"result", "stale"}, {"tier", "kv"}}, 2);
  now_ms += 30000;
  history.sample(registry, now_ms);
  json tiers = build_report(registry, history, engine, 3600000, now_ms)["cache"]["tiers"];
  ASSERT_EQ(tiers.size(), 2u) << tiers.dump();
  EXPECT_EQ(tiers[0]["tier"], "memory");
  EXPECT_EQ(tiers[0]["lookups"], 100);
  EXPECT_EQ(tiers[0]["hits"], 60);
  EXPECT_EQ(tiers[0]["stale"], 10);
  EXPECT_EQ(tiers[0]["misses"], 30);
  EXPECT_DOUBLE_EQ(tiers[0]["hit_rate"].get<double>(), 0.6);
  EXPECT_EQ(tiers[1]["tier"], "kv");
  EXPECT_EQ(tiers[1]["lookups"], 30);
  EXPECT_DOUBLE_EQ(tiers[1]["hit_rate"].get<double>(), 8.0 / 30);
}

}  // namespace
}  // namespace ltl
