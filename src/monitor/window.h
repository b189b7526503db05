#pragma once
// Windowed statistics over registry series, grouped by label values: the live registry
// gives the end of the window, the history the state at its start (see MetricsHistory).
// Shared by the alert engine and the reports so that both read numbers the same way.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "monitor/history.h"
#include "monitor/metrics.h"

namespace ltl {

// A metric and the label values its series must have (a subset match).
struct MetricSelector {
  std::string metric;
  Labels match;
};

bool labels_include(const Labels& labels, const Labels& match);
// The values of `group_by` labels in that order ("" for a label a series lacks).
Labels group_of(const Labels& labels, const std::vector<std::string>& group_by);

struct CounterGroup {
  double increase = 0;
  int64_t from_ms = 0;  // start of the shortest window among the group's series
  size_t series = 0;
};
// Increase over [now - window_ms, now] per group of the matching counter series. Series
// whose start the history cannot know are left out.
std::map<Labels, CounterGroup> counter_increase(const MetricsRegistry& registry, const MetricsHistory& history,
                                                const MetricSelector& selector,
                                                const std::vector<std::string>& group_by, int64_t window_ms,
                                                int64_t now_ms);

struct SketchGroup {
  SketchCounts counts;
  int64_t from_ms = 0;
  size_t series = 0;
};
// Observations over [now - window_ms, now] per group of the matching histogram series.
std::map<Labels, SketchGroup> sketch_window(const MetricsRegistry& registry, const MetricsHistory& history,
                                            const MetricSelector& selector,
                                            const std::vector<std::string>& group_by, int64_t window_ms,
                                            int64_t now_ms);

// Current value per group of the matching gauge (or counter) series, summed.
std::map<Labels, double> value_sum(const MetricsRegistry& registry, const MetricSelector& selector,
                                   const std::vector<std::string>& group_by);

// Quantile q of counts, nullopt when they hold no observation.
std::optional<double> quantile_of(const SketchCounts& counts, double q);

// For messages: "1h", "5m", "1h30m", "45s", "250ms".
std::string format_duration(int64_t ms);
// For messages: up to 3 significant decimals, no trailing zeros ("1450", "0.125", "12.3").
std::string format_number(double value);
// "provider=kraken,route=price", or "all" for an empty group.
std::string format_group(const Labels& group);

}  // namespace ltl
