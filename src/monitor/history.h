#pragma once
// Bounded history of selected metric series, sampled by the caller (no timers here):
// the PerformanceMonitorService calls sample() every PERFORMANCE_INTERVAL ms.
//
// Storage is columnar: one ring of sample times shared by every series, and per series
// one ring column per stored quantity, all `capacity` long (360 points = 3 h at 30 s).
//  - counters: the cumulative value; rates are derived from deltas between points
//    (a decrease is read as a reset: the delta is then the new value);
//  - gauges: the value;
//  - histograms: cumulative count and sum, and p50/p95/p99 of the observations made
//    since the previous sample (a delta of the cumulative sketch, not since start).
// For windows longer than one interval, each histogram series also keeps up to
// `max_checkpoints` delta records (the sketch's new observations per interval). When
// full, two neighbouring records are merged where that loses the least relative
// resolution (gap / age), so recent windows stay exact and old ones coarsen.
// A series first seen after its family was already being sampled is known to have
// been zero before: windows that start earlier count all of it.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "monitor/metrics.h"

namespace ltl {

struct HistoryOptions {
  size_t capacity = 360;        // points per series
  size_t max_series = 128;      // tracked series over all families; more are counted, not kept
  size_t max_checkpoints = 48;  // delta records per histogram series (>= 3)
};

// What a history column can show for one series.
enum class HistoryStatistic { value, rate_per_s, p50, p95, p99 };

struct HistorySeries {
  std::string metric;
  Labels labels;
  MetricType type;
};

class MetricsHistory {
 public:
  explicit MetricsHistory(HistoryOptions options = {});

  // Follows every series of `metric` whose labels include `match` (all of them when empty),
  // including series that appear later. Tracking the same selector twice is a no-op.
  void track(const std::string& metric, const Labels& match = {});
  bool tracks(const std::string& metric) const;

  // Records one point for every tracked series. Returns false (and records nothing) when
  // now_ms is not after the previous sample.
  bool sample(const MetricsRegistry& registry, int64_t now_ms);

  size_t size() const { return size_; }
  size_t capacity() const { return options_.capacity; }
  const HistoryOptions& options() const { return options_; }
  uint64_t dropped_series() const { return dropped_series_; }
  std::optional<int64_t> last_sample_ms() const;
  // Sample times, oldest first.
  std::vector<int64_t> times() const;
  std::vector<HistorySeries> series() const;
  size_t checkpoint_count(const std::string& metric, const Labels& labels) const;

  // One derived column aligned with times(); NaN where there is no value (before the
  // series was first seen, the first rate, a percentile of an interval without
  // observations). rate_per_s: counter increase per second, or histogram observations
  // per second. Empty when the series is not tracked or the statistic does not apply.
  std::vector<double> column(const std::string& metric, const Labels& labels, HistoryStatistic statistic) const;

  // Windows ending at the live value: the baseline is the latest known state at or before
  // start_ms, else the earliest known one (then the window is shorter than asked).
  // nullopt when the series is untracked and cannot be known to be new.
  struct CounterWindow {
    double increase;
    int64_t from_ms;
  };
  std::optional<CounterWindow> counter_since(const std::string& metric, const Labels& labels, double live_value,
                                             int64_t start_ms) const;
  struct SketchWindow {
    SketchCounts counts;  // observations in the window
    int64_t from_ms;
  };
  std::optional<SketchWindow> sketch_since(const std::string& metric, const Labels& labels,
                                           const LatencySketch& live, int64_t start_ms) const;

  // {"t": [unix ms...], "series": {"name{label=\"v\"}:stat": [numbers or null...]}} for uPlot:
  // counters as :rate_per_s, gauges as :value, histograms as :p50 :p95 :p99 :rate_per_s.
  nlohmann::json to_json() const;

 private:
  struct Selector {
    std::string metric;
    Labels match;
    std::optional<int64_t> first_sample_ms;
    bool complete = true;  // false once a matching series was dropped for the series cap
  };
  struct DeltaRecord {
    int64_t end_ms;
    SketchCounts delta;  // observations after the previous record, up to end_ms
  };
  struct Series {
    HistorySeries info;
    std::vector<std::vector<double>> columns;  // ring columns, see kColumn*
    std::optional<int64_t> zero_at_ms;         // known zero (or empty) at and before this time
    std::vector<DeltaRecord> records;          // histograms only, oldest first
    SketchCounts cumulative_at_newest;
    std::optional<int64_t> sampled_at_ms;
  };

  size_t slot(size_t point) const;
  const Series* find(const std::string& metric, const Labels& labels) const;
  std::optional<int64_t> implicit_zero_ms(const std::string& metric, const Labels& labels) const;
  void add_record(Series& series, const LatencySketch& sketch, int64_t now_ms);

  HistoryOptions options_;
  std::vector<Selector> selectors_;
  std::vector<int64_t> times_;
  size_t head_ = 0;  // next slot to write
  size_t size_ = 0;
  std::vector<Series> series_;
  std::map<std::pair<std::string, Labels>, size_t> index_;
  uint64_t dropped_series_ = 0;
};

// "name{k=\"v\",...}" with labels in the series' order, as used for history and report keys.
std::string series_key(const std::string& metric, const Labels& labels);

}  // namespace ltl
