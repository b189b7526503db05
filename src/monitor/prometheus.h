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
// Histograms are exported as Prometheus histograms: cumulative _bucket{le=...} lines over
// the family's fixed bounds (default_latency_buckets_ms(), converted like the values), then
// le="+Inf" equal to _count, _sum and _count; they sum across instances.
// Every declared family is exported, even before its first sample (HELP and TYPE, and the
// series created up front with MetricsRegistry::create_series).
// Two families that map to one exported name: the first (by registry name) wins and the
// other is reported in a comment line.
#include <string>

#include "monitor/metrics.h"

namespace ltl {

struct PrometheusOptions {
  bool base_units = true;
  // OpenMetrics 1.0 text instead (asked for with Accept: application/openmetrics-text): the
  // same samples; a counter's HELP/TYPE name the family without _total; no comment lines
  // other than HELP/TYPE; ends with "# EOF".
  bool openmetrics = false;
};

inline constexpr const char* kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";
inline constexpr const char* kOpenMetricsContentType = "application/openmetrics-text; version=1.0.0; charset=utf-8";

std::string to_prometheus(const MetricsRegistry& registry, const PrometheusOptions& options = {});

// The exported family name for a registry family (see the rules above).
std::string prometheus_family_name(const std::string& name, MetricType type, const std::string& unit,
                                   const PrometheusOptions& options = {});

// A value as Prometheus writes it: NaN, +Inf, -Inf, integers without exponent,
// otherwise the shortest decimal that reads back as the same double.
std::string prometheus_value(double value);

}  // namespace ltl
