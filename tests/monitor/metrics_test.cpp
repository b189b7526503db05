#include "monitor/metrics.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
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

std::vector<double> draw(const char* shape, size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uniform(1, 1000);
  std::exponential_distribution<double> exponential(1.0 / 200);  // mean 200 ms
  std::normal_distribution<double> fast(40, 5), slow(900, 80);
  std::bernoulli_distribution pick_slow(0.3);
  std::vector<double> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    std::string s = shape;
    if (s == "uniform") out.push_back(uniform(rng));
    else if (s == "exponential") out.push_back(exponential(rng) + 0.5);
    else out.push_back(std::max(1.0, pick_slow(rng) ? slow(rng) : fast(rng)));  // bimodal
  }
  return out;
}

TEST(LatencySketch, UniformExponentialAndBimodalWithinTwoPercent) {
  for (const char* shape : {"uniform", "exponential", "bimodal"}) {
    SCOPED_TRACE(shape);
    std::vector<double> values = draw(shape, 50000, 11);
    LatencySketch sketch;
    for (double v : values) sketch.add(v);
    expect_within_relative_error(sketch, values);
    EXPECT_NEAR(sketch.quantile(0.5), exact_quantile(values, 0.5), exact_quantile(values, 0.5) * 0.02);
  }
}

TEST(LatencySketch, BoundedAfterAMillionSamples) {
  std::vector<double> values = draw("exponential", 1000000, 5);
  LatencySketch sketch;
  for (double v : values) sketch.add(v);
  EXPECT_EQ(sketch.count(), 1000000u);
  // A 1% sketch needs ~ln(max/min)/ln(1.0202) bins, whatever the sample count.
  EXPECT_LE(sketch.bin_count(), 1000u);
  expect_within_relative_error(sketch, values);
  for (int round = 0; round < 3; ++round)
    for (double v : values) sketch.add(v);
  EXPECT_LE(sketch.bin_count(), 1000u);
  EXPECT_EQ(sketch.count(), 4000000u);
}

TEST(SketchCounts, DifferenceHoldsOnlyTheNewObservations) {
  std::vector<double> before = draw("uniform", 20000, 1);
  std::vector<double> after = draw("bimodal", 20000, 2);
  LatencySketch sketch;
  for (double v : before) sketch.add(v);
  SketchCounts earlier = sketch.counts();
  for (double v : after) sketch.add(v);
  SketchCounts delta = sketch_difference(sketch.counts(), earlier);
  EXPECT_EQ(delta.count, after.size());
  double sum = 0;
  for (double v : after) sum += v;
  EXPECT_NEAR(delta.sum, sum, sum * 1e-9);
  LatencySketch window;
  window.merge(delta);
  expect_within_relative_error(window, after);
  EXPECT_LE(window.min(), *std::min_element(after.begin(), after.end()) * 1.0001);
  EXPECT_GE(window.max(), *std::max_element(after.begin(), after.end()) * 0.98);
}

TEST(SketchCounts, DifferenceSurvivesCollapsedBins) {
  LatencySketch sketch(0.01, 64);
  for (int i = 1; i <= 64; ++i) sketch.add(std::pow(1.0202, i));  // 64 bins: full
  SketchCounts earlier = sketch.counts();
  for (int i = 65; i <= 96; ++i) sketch.add(std::pow(1.0202, i));  // folds the 32 lowest bins
  EXPECT_LE(sketch.bin_count(), 64u);
  SketchCounts delta = sketch_difference(sketch.counts(), earlier);
  EXPECT_EQ(delta.count, 32u);
  LatencySketch window;
  window.merge(delta);
  EXPECT_NEAR(window.quantile(0.5), std::pow(1.0202, 80), std::pow(1.0202, 80) * 0.03);
}

TEST(SketchCounts, SumAndMergeAgreeWithAddingEverything) {
  LatencySketch a, b, all;
  for (int i = 1; i <= 500; ++i) {
    (i % 3 ? a : b).add(i);
    all.add(i);
  }
  SketchCounts sum = sketch_sum(a.counts(), b.counts());
  EXPECT_EQ(sum.count, all.count());
  LatencySketch rebuilt;
  rebuilt.merge(sum);
  for (double q : {0.1, 0.5, 0.95}) EXPECT_DOUBLE_EQ(rebuilt.quantile(q), all.quantile(q));
  EXPECT_EQ(rebuilt.min(), 1);
  EXPECT_EQ(rebuilt.max(), 500);
  LatencySketch other_accuracy(0.05);
  other_accuracy.merge(sum);  // bins would not line up: ignored
  EXPECT_EQ(other_accuracy.count(), 0u);
}

TEST(MetricsRegistry, FamiliesAreReadableForExporters) {
  MetricsRegistry registry;
  registry.declare("b_gauge", MetricType::gauge, "B.", "1");
  registry.declare("a_hist", MetricType::histogram, "A.", "ms");
  registry.observe("a_hist", {{"p", "x"}}, 3);
  std::vector<std::string> names;
  for (const auto& [name, family] : registry.families()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"a_hist", "b_gauge"}));
  const MetricFamily* family = registry.find_family("a_hist");
  ASSERT_NE(family, nullptr);
  EXPECT_EQ(family->type, MetricType::histogram);
  EXPECT_EQ(family->unit, "ms");
  EXPECT_EQ(family->sketches.size(), 1u);
  EXPECT_EQ(registry.find_family("missing"), nullptr);
  EXPECT_STREQ(to_string(MetricType::counter), "counter");
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

TEST(MetricsRegistry, HistogramsCountFixedBucketsBesideTheSketch) {
  MetricsRegistry registry;
  registry.declare("latency_ms", MetricType::histogram, "Latency.", "ms", {100, 10, 10, 1000});  // sorted, deduplicated
  for (double ms : {5.0, 10.0, 10.5, 999.0, 1000.0, 1500.0}) registry.observe("latency_ms", {}, ms);
  registry.observe("latency_ms", {}, -1);  // refused by the sketch and the buckets alike
  const MetricFamily* family = registry.find_family("latency_ms");
  ASSERT_NE(family, nullptr);
  EXPECT_EQ(family->bucket_bounds, (std::vector<double>{10, 100, 1000}));
  // Bounds are inclusive (le): 10 is in the first bucket, 1000 in the third; 1500 above all.
  EXPECT_EQ(family->bucket_counts.at({}), (std::vector<uint64_t>{2, 1, 2, 1}));
  EXPECT_EQ(registry.histogram("latency_ms")->count(), 6u);
  registry.declare("default_ms", MetricType::histogram, "Default.", "ms");
  EXPECT_EQ(registry.find_family("default_ms")->bucket_bounds, default_latency_buckets_ms());
  EXPECT_EQ(default_latency_buckets_ms().front(), 0.1);
  EXPECT_EQ(default_latency_buckets_ms().back(), 60000);
}

TEST(MetricsRegistry, SeriesCreatedUpFrontAndCountersMirroredFromTotals) {
  MetricsRegistry registry;
  registry.declare("requests_total", MetricType::counter, "Requests.", "requests");
  registry.declare("spread", MetricType::gauge, "Spread.", "percent");
  registry.declare("latency_ms", MetricType::histogram, "Latency.", "ms");
  registry.create_series("requests_total", {{"route", "price"}}, -3);  // a counter never starts below 0
  registry.create_series("spread", {{"currency", "usd"}}, std::nan(""));
  registry.create_series("latency_ms", {{"route", "price"}});
  registry.create_series("undeclared", {}, 1);
  EXPECT_EQ(registry.find_family("requests_total")->values.at({{"route", "price"}}), 0);
  EXPECT_TRUE(std::isnan(registry.value("spread", {{"currency", "usd"}})));
  EXPECT_EQ(registry.histogram("latency_ms", {{"route", "price"}})->count(), 0u);
  const nlohmann::json snapshot = registry.snapshot(0);
  for (const auto& family : snapshot["metrics"])
    if (family["name"] == "latency_ms") {
      EXPECT_TRUE(family["samples"][0]["p95"].is_null()) << family.dump();
    }
  EXPECT_EQ(registry.find_family("latency_ms")->bucket_counts.at({{"route", "price"}}).size(),
            default_latency_buckets_ms().size() + 1);
  registry.add("requests_total", {{"route", "price"}}, 2);
  registry.create_series("requests_total", {{"route", "price"}});  // an existing series is left alone
  EXPECT_EQ(registry.value("requests_total", {{"route", "price"}}), 2);

  registry.set_total("requests_total", {{"route", "fees"}}, 40);
  registry.set_total("requests_total", {{"route", "fees"}}, -1);  // ignored
  registry.set_total("requests_total", {{"route", "fees"}}, std::nan(""));  // ignored
  registry.set_total("spread", {{"currency", "usd"}}, 5);  // not a counter: ignored
  EXPECT_EQ(registry.value("requests_total", {{"route", "fees"}}), 40);
  EXPECT_TRUE(std::isnan(registry.value("spread", {{"currency", "usd"}})));
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
