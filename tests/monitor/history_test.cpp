#include "monitor/history.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "monitor/monitor_fixtures.h"

namespace ltl {
namespace {

constexpr int64_t kInterval = 30000;

double exact_quantile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  return values[static_cast<size_t>(q * static_cast<double>(values.size() - 1))];
}

class HistoryTest : public ::testing::Test {
 protected:
  void SetUp() override { testing::declare_ltl_metrics(registry); }
  void step(MetricsHistory& history) {
    clock.advance(kInterval);
    ASSERT_TRUE(history.sample(registry, clock.now_ms()));
  }
  ManualClock clock;
  MetricsRegistry registry;
};

TEST_F(HistoryTest, RingWrapsAroundKeepingTheNewestPoints) {
  MetricsHistory history(HistoryOptions{5, 16, 8});
  history.track("ltl_wasm_heap_bytes");
  std::vector<int64_t> times;
  for (int i = 1; i <= 8; ++i) {
    registry.set("ltl_wasm_heap_bytes", {}, i * 1000.0);
    step(history);
    times.push_back(clock.now_ms());
  }
  EXPECT_EQ(history.size(), 5u);
  EXPECT_EQ(history.times(), std::vector<int64_t>(times.end() - 5, times.end()));
  EXPECT_EQ(history.column("ltl_wasm_heap_bytes", {}, HistoryStatistic::value),
            (std::vector<double>{4000, 5000, 6000, 7000, 8000}));
  EXPECT_EQ(history.last_sample_ms(), times.back());
}

TEST_F(HistoryTest, SamplesMustMoveForward) {
  MetricsHistory history;
  history.track("ltl_wasm_heap_bytes");
  EXPECT_TRUE(history.sample(registry, 1000));
  EXPECT_FALSE(history.sample(registry, 1000));
  EXPECT_FALSE(history.sample(registry, 999));
  EXPECT_EQ(history.size(), 1u);
}

TEST_F(HistoryTest, CounterRatesPerSecondFromDeltasAcrossWrapAndReset) {
  MetricsHistory history(HistoryOptions{4, 16, 8});
  history.track("ltl_upstream_requests_total");
  const Labels ok{{"outcome", "ok"}, {"provider", "kraken"}};
  registry.add("ltl_upstream_requests_total", ok, 10);
  step(history);
  for (int i = 0; i < 6; ++i) {
    registry.add("ltl_upstream_requests_total", ok, 30.0 * (i + 1));  // 1/s, 2/s, ... 6/s
    step(history);
  }
  std::vector<double> rates = history.column("ltl_upstream_requests_total", ok, HistoryStatistic::rate_per_s);
  ASSERT_EQ(rates.size(), 4u);
  EXPECT_TRUE(std::isnan(rates[0]));  // its previous point has left the ring
  EXPECT_EQ(std::vector<double>(rates.begin() + 1, rates.end()), (std::vector<double>{4, 5, 6}));

  // A counter that starts again (a new registry) reads as a reset, never a negative rate.
  MetricsRegistry restarted;
  testing::declare_ltl_metrics(restarted);
  restarted.add("ltl_upstream_requests_total", ok, 60);
  clock.advance(kInterval);
  history.sample(restarted, clock.now_ms());
  EXPECT_DOUBLE_EQ(history.column("ltl_upstream_requests_total", ok, HistoryStatistic::rate_per_s).back(), 2);
}

TEST_F(HistoryTest, SeriesBornBetweenSamplesStartFromZero) {
  MetricsHistory history;
  history.track("ltl_requests_total");
  const Labels hit{{"outcome", "hit"}, {"route", "price"}};
  const Labels miss{{"outcome", "miss"}, {"route", "price"}};
  registry.add("ltl_requests_total", hit, 100);  // existed before tracking: its past is unknown
  step(history);
  registry.add("ltl_requests_total", miss, 60);  // born after the first sample
  step(history);
  auto hit_rates = history.column("ltl_requests_total", hit, HistoryStatistic::rate_per_s);
  auto miss_rates = history.column("ltl_requests_total", miss, HistoryStatistic::rate_per_s);
  EXPECT_TRUE(std::isnan(hit_rates[0]));
  EXPECT_EQ(hit_rates[1], 0);
  EXPECT_TRUE(std::isnan(miss_rates[0]));
  EXPECT_EQ(miss_rates[1], 2);  // 60 since the previous sample

  // A window reaching before either: the new series counts whole, the old one from its first point.
  const int64_t start = clock.now_ms() - 10 * kInterval;
  auto miss_window = history.counter_since("ltl_requests_total", miss, 70, start);
  ASSERT_TRUE(miss_window);
  EXPECT_EQ(miss_window->increase, 70);
  EXPECT_EQ(miss_window->from_ms, start);
  auto hit_window = history.counter_since("ltl_requests_total", hit, 105, start);
  ASSERT_TRUE(hit_window);
  EXPECT_EQ(hit_window->increase, 5);
  EXPECT_EQ(hit_window->from_ms, clock.now_ms() - kInterval);

  // Not sampled yet, but its selector saw every series at the last sample: it is new.
  const Labels error{{"outcome", "error"}, {"route", "price"}};
  auto unseen = history.counter_since("ltl_requests_total", error, 3, clock.now_ms() - kInterval);
  ASSERT_TRUE(unseen);
  EXPECT_EQ(unseen->increase, 3);
  EXPECT_FALSE(history.counter_since("ltl_cache_bytes", {}, 3, 0));  // never tracked
}

TEST_F(HistoryTest, CounterWindowStartsAtTheLatestPointBeforeIt) {
  MetricsHistory history;
  history.track("ltl_requests_total");
  const Labels hit{{"outcome", "hit"}, {"route", "price"}};
  for (int i = 0; i < 10; ++i) {
    registry.add("ltl_requests_total", hit, 10);
    step(history);
  }
  registry.add("ltl_requests_total", hit, 7);  // after the last sample
  const double live = registry.value("ltl_requests_total", hit);
  auto window = history.counter_since("ltl_requests_total", hit, live, clock.now_ms() - 3 * kInterval);
  ASSERT_TRUE(window);
  EXPECT_EQ(window->increase, 37);
  EXPECT_EQ(window->from_ms, clock.now_ms() - 3 * kInterval);
}

TEST_F(HistoryTest, HistogramPercentilesAreOfEachIntervalNotSinceStart) {
  MetricsHistory history;
  history.track("ltl_upstream_latency_ms");
  const Labels kraken{{"provider", "kraken"}};
  for (int v = 1; v <= 100; ++v) registry.observe("ltl_upstream_latency_ms", kraken, v);
  step(history);
  for (int v = 1000; v <= 1100; ++v) registry.observe("ltl_upstream_latency_ms", kraken, v);
  step(history);
  step(history);  // an interval without observations
  auto p50 = history.column("ltl_upstream_latency_ms", kraken, HistoryStatistic::p50);
  auto p99 = history.column("ltl_upstream_latency_ms", kraken, HistoryStatistic::p99);
  auto rate = history.column("ltl_upstream_latency_ms", kraken, HistoryStatistic::rate_per_s);
  ASSERT_EQ(p50.size(), 3u);
  EXPECT_TRUE(std::isnan(p50[0]));  // existed before tracking: no interval to speak of
  EXPECT_NEAR(p50[1], 1050, 1050 * 0.02);
  EXPECT_NEAR(p99[1], 1099, 1099 * 0.02);
  EXPECT_TRUE(std::isnan(p50[2]));
  EXPECT_NEAR(rate[1], 101.0 / 30, 1e-9);
  EXPECT_EQ(rate[2], 0);
}

TEST_F(HistoryTest, WindowedPercentilesMatchExactValuesOnKnownDistributions) {
  MetricsHistory history;
  history.track("ltl_upstream_latency_ms");
  const Labels p{{"provider", "coingecko"}};
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> uniform(5, 500);
  std::exponential_distribution<double> exponential(1.0 / 150);
  std::normal_distribution<double> fast(30, 4), slow(1200, 100);
  std::bernoulli_distribution pick_slow(0.25);
  // Old traffic that the window must leave out.
  for (int i = 0; i < 5000; ++i) registry.observe("ltl_upstream_latency_ms", p, 5000 + i);
  step(history);
  for (int shape = 0; shape < 3; ++shape) {
    SCOPED_TRACE(shape);
    std::vector<double> window_values;
    for (int interval = 0; interval < 4; ++interval) {
      for (int i = 0; i < 3000; ++i) {
        double v = shape == 0 ? uniform(rng) : shape == 1 ? exponential(rng) + 1 : std::max(1.0, pick_slow(rng) ? slow(rng) : fast(rng));
        registry.observe("ltl_upstream_latency_ms", p, v);
        window_values.push_back(v);
      }
      step(history);
    }
    const LatencySketch* live = registry.histogram("ltl_upstream_latency_ms", p);
    auto window = history.sketch_since("ltl_upstream_latency_ms", p, *live, clock.now_ms() - 4 * kInterval);
    ASSERT_TRUE(window);
    EXPECT_EQ(window->counts.count, window_values.size());
    LatencySketch sketch;
    sketch.merge(window->counts);
    for (double q : {0.5, 0.9, 0.95, 0.99}) {
      double exact = exact_quantile(window_values, q);
      EXPECT_NEAR(sketch.quantile(q), exact, exact * 0.02) << "q=" << q;
    }
  }
}

TEST_F(HistoryTest, CheckpointsStayBoundedAndRecentWindowsExact) {
  MetricsHistory history(HistoryOptions{360, 16, 8});
  history.track("ltl_request_duration_ms");
  const Labels route{{"route", "price"}};
  for (int i = 0; i < 200; ++i) {
    for (int k = 0; k < 10; ++k) registry.observe("ltl_request_duration_ms", route, 10 + i);
    step(history);
    ASSERT_LE(history.checkpoint_count("ltl_request_duration_ms", route), 8u);
  }
  const LatencySketch* live = registry.histogram("ltl_request_duration_ms", route);
  // The last interval is always exact.
  auto last = history.sketch_since("ltl_request_duration_ms", route, *live, clock.now_ms() - kInterval);
  ASSERT_TRUE(last);
  EXPECT_EQ(last->counts.count, 10u);
  EXPECT_EQ(last->from_ms, clock.now_ms() - kInterval);
  // Older windows cover at least what was asked (the baseline is at or before the start).
  for (int intervals : {5, 20, 60, 150}) {
    const int64_t start = clock.now_ms() - intervals * kInterval;
    auto window = history.sketch_since("ltl_request_duration_ms", route, *live, start);
    ASSERT_TRUE(window);
    EXPECT_LE(window->from_ms, start);
    EXPECT_EQ(window->counts.count % 10, 0u);
    EXPECT_EQ(window->counts.count, static_cast<uint64_t>((clock.now_ms() - window->from_ms) / kInterval * 10));
    EXPECT_GE(window->counts.count, static_cast<uint64_t>(intervals * 10));
  }
}

TEST_F(HistoryTest, SeriesCapCountsDroppedSeriesAndStopsGuessing) {
  MetricsHistory history(HistoryOptions{10, 3, 8});
  history.track("ltl_upstream_retries_total");
  for (int i = 0; i < 5; ++i) registry.add("ltl_upstream_retries_total", {{"provider", "p" + std::to_string(i)}});
  step(history);
  EXPECT_EQ(history.series().size(), 3u);
  EXPECT_EQ(history.dropped_series(), 2u);
  // A dropped series is not known to be new: no window for it.
  EXPECT_FALSE(history.counter_since("ltl_upstream_retries_total", {{"provider", "p4"}}, 1, clock.now_ms() - kInterval));
  step(history);
  EXPECT_LE(history.series().size(), 3u);
}

TEST_F(HistoryTest, SelectorsFilterByLabelsAndOverlapOnce) {
  MetricsHistory history;
  history.track("ltl_cache_lookups_total", {{"tier", "memory"}});
  history.track("ltl_cache_lookups_total");  // overlaps the first
  registry.add("ltl_cache_lookups_total", {{"result", "hit"}, {"tier", "memory"}}, 3);
  registry.add("ltl_cache_lookups_total", {{"result", "hit"}, {"tier", "kv"}}, 2);
  step(history);
  EXPECT_EQ(history.series().size(), 2u);
  EXPECT_TRUE(history.tracks("ltl_cache_lookups_total"));
  EXPECT_FALSE(history.tracks("ltl_cache_bytes"));
}

TEST_F(HistoryTest, JsonForUplot) {
  MetricsHistory history;
  history.track("ltl_requests_total");
  history.track("ltl_wasm_heap_bytes");
  history.track("ltl_request_duration_ms");
  const Labels hit{{"outcome", "hit"}, {"route", "price"}};
  registry.set("ltl_wasm_heap_bytes", {}, 1 << 20);
  registry.add("ltl_requests_total", hit, 1);
  step(history);
  registry.add("ltl_requests_total", hit, 30);
  registry.observe("ltl_request_duration_ms", {{"route", "price"}}, 12);
  step(history);
  nlohmann::json out = history.to_json();
  ASSERT_EQ(out["t"].size(), 2u);
  EXPECT_EQ(out["t"][1].get<int64_t>(), clock.now_ms());
  const auto& series = out["series"];
  const auto& rate = series["ltl_requests_total{outcome=\"hit\",route=\"price\"}:rate_per_s"];
  ASSERT_EQ(rate.size(), 2u);
  EXPECT_TRUE(rate[0].is_null());
  EXPECT_EQ(rate[1], 1);
  EXPECT_EQ(series["ltl_wasm_heap_bytes:value"], nlohmann::json::array({1 << 20, 1 << 20}));
  const auto& p95 = series["ltl_request_duration_ms{route=\"price\"}:p95"];
  EXPECT_TRUE(p95[0].is_null());  // the series did not exist yet
  EXPECT_NEAR(p95[1].get<double>(), 12, 0.2);
  for (const auto& [name, column] : series.items()) EXPECT_EQ(column.size(), 2u) << name;
}

}  // namespace
}  // namespace ltl
