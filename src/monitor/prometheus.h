#pragma once
// Prometheus text exposition format 0.0.4 (Content-Type: text/plain; version=0.0.4).
//
// Names follow Prometheus conventions so that `promtool check metrics` accepts them:
//  - characters outside [a-zA-Z0-9_] become '_', a leading digit gets a '_' prefix;
//  - counters end in _total (appended when missing);
//  - other types never end in _total (the suffix is dropped: ltl_cache_evictions_total,
//    declared as a gauge, is exported as ltl_cache_evictions);
//  - with `base_units`, a family whose unit is "ms" and whose name ends in _ms is exported
//    in seconds (ltl_upstream_latency_ms -> ltl_upstream_latency_seconds, values / 1000).
// Histograms are exported as summaries: quantiles 0.5/0.9/0.95/0.99 since start (the
// same observations as _sum and _count), NaN when a series has no observation yet.
// Two families that map to one exported name: the first (by registry name) wins and the
// other is reported in a comment line.
#include <string>

#include "monitor/metrics.h"

namespace ltl {

struct PrometheusOptions {
  bool base_units = true;
};

inline constexpr const char* kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string to_prometheus(const MetricsRegistry& registry, const PrometheusOptions& options = {});

// The exported family name for a registry family (see the rules above).
std::string prometheus_family_name(const std::string& name, MetricType type, const std::string& unit,
                                   const PrometheusOptions& options = {});

// A value as Prometheus writes it: NaN, +Inf, -Inf, integers without exponent,
// otherwise the shortest decimal that reads back as the same double.
std::string prometheus_value(double value);

}  // namespace ltl
