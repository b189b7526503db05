#include "monitor/metrics.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace ltl {
namespace {

double exact_quantile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  return values[static_cast<size_t>(q * static_cast<double>(values.size() - 1))];
}

void expect_within_relative_error(const LatencySketch& sketch, const std::vector<double>& values) {
  for (double q : {0.5, 0.9, 0.95, 0.99}) {
    double exact = exact_quantile(values, q);
    EXPECT_NEAR(sketch.quantile(q), exact, exact * 0.02) << "q=" << q;
  }
}

TEST(LatencySketch, QuantilesWithinTwoPercentOnKnownDistributions) {
  std::mt19937_64 rng(7);
  std::vector<std::vector<double>> distributions(3);
  std::uniform_real_distribution<double> uniform(1, 1000);
  std::lognormal_distribution<double> lognormal(3, 1);
  std::exponential_distribution<double> exponential(0.05);
  for (int i = 0; i < 20000; ++i) {
    distributions[0].push_back(uniform(rng));
    distributions[1].push_back(lognormal(rng));
    distributions[2].push_back(exponential(rng) + 0.1);
  }
  for (const auto& values : distributions) {
    LatencySketch sketch;
    for (double v : values) sketch.add(v);
    EXPECT_EQ(sketch.count(), values.size());
    expect_within_relative_error(sketch, values);
  }
}

TEST(LatencySketch, StateStaysBoundedRegardlessOfSampleCount) {
  LatencySketch sketch(0.01, 128);
  for (int i = 1; i <= 200000; ++i) sketch.add(std::pow(1.0001, i));  // spans many bins
  EXPECT_LE(sketch.bin_count(), 128u);
  EXPECT_EQ(sketch.count(), 200000u);
  // The tail stays accurate after collapsing the low bins.
  EXPECT_NEAR(sketch.quantile(0.99), std::pow(1.0001, 198001), std::pow(1.0001, 198001) * 0.02);
}

TEST(LatencySketch, MergeEqualsAddingEverything) {
  LatencySketch a, b, all;
  for (int i = 1; i <= 1000; ++i) {
    (i % 2 ? a : b).add(i);
    all.add(i);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), all.count());
  EXPECT_DOUBLE_EQ(a.sum(), all.sum());
  for (double q : {0.1, 0.5, 0.99}) EXPECT_DOUBLE_EQ(a.quantile(q), all.quantile(q));
}

TEST(LatencySketch, EmptyAndEdgeValues) {
  LatencySketch sketch;
  EXPECT_EQ(sketch.quantile(0.5), 0);
  sketch.add(-1);
  sketch.add(std::nan(""));
  EXPECT_EQ(sketch.count(), 0u);
  sketch.add(0);
  sketch.add(5);
  EXPECT_EQ(sketch.quantile(0), 0);
  EXPECT_NEAR(sketch.quantile(1), 5, 0.05);
  EXPECT_EQ(sketch.min(), 0);
  EXPECT_EQ(sketch.max(), 5);
}

TEST(MetricsRegistry, CountersGaugesAndHistogramsBySeries) {
  MetricsRegistry registry;
  registry.declare("requests_total", MetricType::counter, "Requests.", "requests");
  registry.declare("entries", MetricType::gauge, "Entries.", "entries");
  registry.declare("latency_ms", MetricType::histogram, "Latency.", "ms");
  registry.add("requests_total", {{"route", "price"}});
  registry.add("requests_total", {{"route", "price"}}, 2);
  registry.add("requests_total", {{"route", "fees"}});
  registry.add("requests_total", {{"route", "price"}}, -5);  // counters never go down
  registry.set("entries", {}, 7);
  registry.set("entries", {}, 3);
  registry.observe("latency_ms", {{"provider", "coingecko"}}, 40);
  EXPECT_EQ(registry.value("requests_total", {{"route", "price"}}), 3);
  EXPECT_EQ(registry.value("requests_total", {{"route", "fees"}}), 1);
  EXPECT_EQ(registry.value("entries"), 3);
  EXPECT_EQ(registry.histogram("latency_ms", {{"provider", "coingecko"}})->count(), 1u);
}

TEST(MetricsRegistry, UndeclaredOrMistypedUseIsIgnored) {
  MetricsRegistry registry;
  registry.declare("entries", MetricType::gauge, "Entries.", "entries");
  registry.add("entries", {}, 1);   // a gauge is not a counter
  registry.add("unknown", {}, 1);
  EXPECT_EQ(registry.value("entries"), 0);
  EXPECT_EQ(registry.value("unknown"), 0);
}

TEST(MetricsRegistry, SeriesPerFamilyAreCapped) {
  MetricsRegistry registry;
  registry.declare("c", MetricType::counter, "C.", "1");
  for (size_t i = 0; i < MetricsRegistry::kMaxSeriesPerFamily + 10; ++i)
    registry.add("c", {{"id", std::to_string(i)}});
  EXPECT_EQ(registry.dropped_series(), 10u);
  nlohmann::json snapshot = registry.snapshot(5);
  EXPECT_EQ(snapshot["metrics"][0]["samples"].size(), MetricsRegistry::kMaxSeriesPerFamily);
  EXPECT_EQ(snapshot["taken_at"], 5);
}

TEST(MetricsRegistry, SnapshotDescribesEachFamily) {
  MetricsRegistry registry;
  registry.declare("latency_ms", MetricType::histogram, "Latency.", "ms");
  for (int i = 1; i <= 100; ++i) registry.observe("latency_ms", {{"provider", "x"}}, i);
  nlohmann::json metric = registry.snapshot(0)["metrics"][0];
  EXPECT_EQ(metric["name"], "latency_ms");
  EXPECT_EQ(metric["type"], "histogram");
  EXPECT_EQ(metric["unit"], "ms");
  EXPECT_EQ(metric["samples"][0]["labels"]["provider"], "x");
  EXPECT_EQ(metric["samples"][0]["count"], 100);
  EXPECT_EQ(metric["samples"][0]["sum"], 5050);
  EXPECT_NEAR(metric["samples"][0]["p50"].get<double>(), 50, 1);
  EXPECT_NEAR(metric["samples"][0]["p99"].get<double>(), 99, 2);
}

}  // namespace
}  // namespace ltl
