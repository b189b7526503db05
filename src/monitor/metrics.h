#pragma once
// Metrics registry: counters, gauges and latency histograms with bounded state.
// Labels come from fixed sets chosen by the code (provider, route, result),
// never from user input, and each family caps its number of series.
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace ltl {

using Labels = std::vector<std::pair<std::string, std::string>>;

// A frozen copy of a sketch's counts: compact (a sorted vector, not a map) so that
// histories can keep several of them per series.
struct SketchCounts {
  double relative_accuracy = 0.01;
  uint64_t count = 0;
  uint64_t zero_count = 0;
  double sum = 0;
  double min = 0;
  double max = 0;
  std::vector<std::pair<int, uint64_t>> bins;  // ascending bin index
};

// The observations in `later` that were not yet in `earlier`, where both were taken from
// one sketch (earlier first). Bins folded away by collapsing in between are charged to
// the bin they were folded into; min and max become the edges of the outermost bins.
SketchCounts sketch_difference(const SketchCounts& later, const SketchCounts& earlier);
// The counts of both, bin by bin (same relative accuracy expected).
SketchCounts sketch_sum(const SketchCounts& a, const SketchCounts& b);

// A DDSketch-style quantile sketch: log-spaced bins with a relative-error
// guarantee, mergeable when accuracies match, bounded by collapsing the
// lowest bins (the tail we report stays exact to the guarantee).
class LatencySketch {
 public:
  explicit LatencySketch(double relative_accuracy = 0.01, size_t max_bins = 2048);

  void add(double value);
  void merge(const LatencySketch& other);
  // Adds frozen counts (ignored when their relative accuracy differs: bins would not line up).
  void merge(const SketchCounts& counts);
  SketchCounts counts() const;
  // Value at quantile q in [0, 1]; 0 when empty.
  double quantile(double q) const;

  uint64_t count() const { return count_; }
  double sum() const { return sum_; }
  double min() const { return count_ ? min_ : 0; }
  double max() const { return count_ ? max_ : 0; }
  size_t bin_count() const { return bins_.size(); }
  double relative_accuracy() const { return relative_accuracy_; }

 private:
  int index_of(double value) const;
  double value_of(int index) const;
  void collapse_to_bound();

  double relative_accuracy_;
  double gamma_;
  double log_gamma_;
  size_t max_bins_;
  std::map<int, uint64_t> bins_;
  uint64_t zero_count_ = 0;  // values too small to index (<= kMinIndexable)
  uint64_t count_ = 0;
  double sum_ = 0;
  double min_ = 0;
  double max_ = 0;
};

enum class MetricType { counter, gauge, histogram };

const char* to_string(MetricType type);

// Upper bounds of the fixed buckets a latency histogram exports to Prometheus, in ms:
// 0.1 ms (memory-cache hits) to 60 s (slow upstream chains, long retry waits) in 1-2.5-5
// steps, so that instances sum bucket by bucket. +Inf is implied.
const std::vector<double>& default_latency_buckets_ms();

// One declared metric and its series. Counters and gauges live in `values`,
// histograms in `sketches` (percentiles for the JSON snapshot, reports and alerts)
// and `bucket_counts` (the fixed buckets of the Prometheus histogram).
struct MetricFamily {
  MetricType type;
  std::string help;
  std::string unit;
  std::map<Labels, double> values;
  std::map<Labels, LatencySketch> sketches;
  std::vector<double> bucket_bounds;  // histograms: ascending upper bounds, in `unit`
  // Per series: observations per bucket (not cumulative); the last slot is above every bound.
  std::map<Labels, std::vector<uint64_t>> bucket_counts;
};

class MetricsRegistry {
 public:
  static constexpr size_t kMaxSeriesPerFamily = 256;

  // Every metric is declared once with its type, help text and unit. Histograms take
  // ascending bucket bounds in `unit` (default_latency_buckets_ms() when empty).
  void declare(const std::string& name, MetricType type, std::string help, std::string unit,
               std::vector<double> bucket_bounds = {});
  // Creates a series before its first sample, so it is exported from the first scrape:
  // counters and gauges at `initial`, histograms empty. An existing series is left alone.
  void create_series(const std::string& name, const Labels& labels, double initial = 0);

  void add(const std::string& name, const Labels& labels, double amount = 1);
  void set(const std::string& name, const Labels& labels, double value);
  void observe(const std::string& name, const Labels& labels, double value);
  // A counter whose running total is kept elsewhere (cache statistics): the series takes
  // that total. Negative or non-finite totals are ignored.
  void set_total(const std::string& name, const Labels& labels, double total);

  // Current value of a counter or gauge series, 0 when absent.
  double value(const std::string& name, const Labels& labels = {}) const;
  // A histogram series, or nullptr.
  const LatencySketch* histogram(const std::string& name, const Labels& labels = {}) const;
  // Series dropped because a family reached its cap (a sign of a labelling bug).
  uint64_t dropped_series() const { return dropped_series_; }

  nlohmann::json snapshot(int64_t now_ms) const;

  // Read access for exporters, histories and reports: every family by name (sorted).
  const std::map<std::string, MetricFamily>& families() const { return families_; }
  // One family, or nullptr when it was never declared.
  const MetricFamily* find_family(const std::string& name) const;

 private:
  MetricFamily* family(const std::string& name, MetricType expected);
  // The series' value slot (counters, gauges), or nullptr when the family is at its cap.
  double* value_slot(MetricFamily& family, const Labels& labels, double initial);
  // The histogram series, created empty when missing; nullptr when the family is at its cap.
  LatencySketch* histogram_slot(MetricFamily& family, const Labels& labels);

  std::map<std::string, MetricFamily> families_;
  uint64_t dropped_series_ = 0;
};

}  // namespace ltl
