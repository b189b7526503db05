#include "monitor/window.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ltl {

bool labels_include(const Labels& labels, const Labels& match) {
  for (const auto& wanted : match)
    if (std::find(labels.begin(), labels.end(), wanted) == labels.end()) return false;
  return true;
}

Labels group_of(const Labels& labels, const std::vector<std::string>& group_by) {
  Labels out;
  out.reserve(group_by.size());
  for (const auto& name : group_by) {
    auto it = std::find_if(labels.begin(), labels.end(), [&](const auto& label) { return label.first == name; });
    out.emplace_back(name, it == labels.end() ? "" : it->second);
  }
  return out;
}

std::map<Labels, CounterGroup> counter_increase(const MetricsRegistry& registry, const MetricsHistory& history,
                                                const MetricSelector& selector,
                                                const std::vector<std::string>& group_by, int64_t window_ms,
                                                int64_t now_ms) {
  std::map<Labels, CounterGroup> out;
  const MetricFamily* family = registry.find_family(selector.metric);
  if (family == nullptr) return out;
  for (const auto& [labels, value] : family->values) {
    if (!labels_include(labels, selector.match)) continue;
    auto window = history.counter_since(selector.metric, labels, value, now_ms - window_ms);
    if (!window) continue;
    CounterGroup& group = out[group_of(labels, group_by)];
    group.increase += window->increase;
    group.from_ms = group.series == 0 ? window->from_ms : std::max(group.from_ms, window->from_ms);
    ++group.series;
  }
  return out;
}

std::map<Labels, SketchGroup> sketch_window(const MetricsRegistry& registry, const MetricsHistory& history,
                                            const MetricSelector& selector,
                                            const std::vector<std::string>& group_by, int64_t window_ms,
                                            int64_t now_ms) {
  std::map<Labels, SketchGroup> out;
  const MetricFamily* family = registry.find_family(selector.metric);
  if (family == nullptr) return out;
  for (const auto& [labels, sketch] : family->sketches) {
    if (!labels_include(labels, selector.match)) continue;
    auto window = history.sketch_since(selector.metric, labels, sketch, now_ms - window_ms);
    if (!window) continue;
    SketchGroup& group = out[group_of(labels, group_by)];
    group.counts = sketch_sum(group.counts, window->counts);
    group.from_ms = group.series == 0 ? window->from_ms : std::max(group.from_ms, window->from_ms);
    ++group.series;
  }
  return out;
}

std::map<Labels, double> value_sum(const MetricsRegistry& registry, const MetricSelector& selector,
                                   const std::vector<std::string>& group_by) {
  std::map<Labels, double> out;
  const MetricFamily* family = registry.find_family(selector.metric);
  if (family == nullptr) return out;
  for (const auto& [labels, value] : family->values)
    if (labels_include(labels, selector.match)) out[group_of(labels, group_by)] += value;
  return out;
}

std::optional<double> quantile_of(const SketchCounts& counts, double q) {
  if (counts.count == 0) return std::nullopt;
  LatencySketch sketch(counts.relative_accuracy);
  sketch.merge(counts);
  return sketch.quantile(q);
}

std::string format_duration(int64_t ms) {
  if (ms < 1000) return std::to_string(ms) + "ms";
  const int64_t seconds = ms / 1000;
  const std::pair<int64_t, const char*> parts[] = {
      {seconds / 86400, "d"}, {seconds % 86400 / 3600, "h"}, {seconds % 3600 / 60, "m"}, {seconds % 60, "s"}};
  std::string out;
  for (const auto& [amount, unit] : parts)
    if (amount) out += std::to_string(amount) + unit;
  return out;
}

std::string format_number(double value) {
  if (!std::isfinite(value)) return std::isnan(value) ? "NaN" : value > 0 ? "Inf" : "-Inf";
  char buffer[48];
  double magnitude = std::fabs(value);
  int decimals = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : 3;
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  std::string out = buffer;
  if (out.find('.') != std::string::npos) {
    while (out.back() == '0') out.pop_back();
    if (out.back() == '.') out.pop_back();
  }
  return out == "-0" ? "0" : out;
}

std::string format_group(const Labels& group) {
  if (group.empty()) return "all";
  std::string out;
  for (const auto& [name, value] : group) out += (out.empty() ? "" : ",") + name + "=" + value;
  return out;
}

}  // namespace ltl
