#pragma once
// Performance reports: what the metrics say over a window, and what to change.
//
// Reads the metric names the integration records:
//   ltl_requests_total{route,outcome}, ltl_request_duration_ms{route},
//   ltl_upstream_requests_total{provider,outcome}, ltl_upstream_errors_total{provider,category},
//   ltl_upstream_latency_ms{provider}, ltl_upstream_retries_total{provider},
//   ltl_breaker_state{provider} (0 closed, 1 half-open, 2 open), ltl_breaker_transitions_total{provider,to},
//   ltl_cache_lookups_total{tier,result} (hit/miss/stale; an optional `family` label gives
//   per-key-family hit rates), ltl_wasm_heap_bytes.
// Windows follow MetricsHistory (live registry at the end, history at the start); the
// report says which span it actually covered.
//
// A recommendation is made only when its evidence clears both a volume floor and a
// level; the levels come from the alert engine's thresholds of the same id
// (upstream_latency_p95, upstream_error_rate, request_latency_p95, request_error_rate,
// cache_hit_rate) when present, else the default levels.
#include <cstdint>

#include <nlohmann/json_fwd.hpp>

#include "monitor/alerts.h"
#include "monitor/history.h"
#include "monitor/metrics.h"

namespace ltl {

// The evidence floors behind recommendations.
struct ReportRules {
  double min_requests = 20;      // before an error or retry rate counts
  double min_observations = 20;  // before a percentile counts
  double min_lookups = 50;       // before a hit rate counts
  double breaker_opens = 3;      // opens in the window that make a breaker "flapping"
  double retries_per_request = 0.5;
  double heap_growth = 0.25;     // second-half mean over first-half mean, minus 1
  double flat_change = 0.10;     // |change| below this is a flat trend
  size_t max_trends = 32;
};

// Tracks every metric the report reads (call once, before sampling).
void track_report_metrics(MetricsHistory& history);

// {"generated_at_ms", "window_ms", "window_covered_ms", "routes": [...], "providers": [...],
//  "slowest_providers": [...], "cache": {"tiers": [...], "families": [...]} (rows
//  {"tier"|"family", "lookups", "hits", "stale", "misses", "hit_rate", "stale_rate", "miss_rate"}
//  as monitor/hit_rates.h defines them),
//  "wasm_heap_bytes", "trends": [...], "alerts": {"active": [...]}, "recommendations": [...]}
nlohmann::json build_report(const MetricsRegistry& registry, const MetricsHistory& history, const AlertEngine& alerts,
                            int64_t window_ms, int64_t now_ms, const ReportRules& rules = {});

}  // namespace ltl
