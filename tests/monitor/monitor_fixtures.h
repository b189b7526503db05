#pragma once
// Shared set-up for the monitor suites: a registry declaring the metrics the
// integration records, under the same names, types and units.
#include "monitor/metrics.h"

namespace ltl::testing {

inline void declare_ltl_metrics(MetricsRegistry& registry) {
  registry.declare("ltl_requests_total", MetricType::counter, "Data requests by route and outcome.", "requests");
  registry.declare("ltl_request_duration_ms", MetricType::histogram, "Time from request to answer, by route.", "ms");
  registry.declare("ltl_upstream_requests_total", MetricType::counter, "Upstream HTTP calls by provider and outcome.", "requests");
  registry.declare("ltl_upstream_errors_total", MetricType::counter, "Upstream failures by provider and category.", "errors");
  registry.declare("ltl_upstream_latency_ms", MetricType::histogram, "Upstream call latency by provider.", "ms");
  registry.declare("ltl_upstream_retries_total", MetricType::counter, "Upstream retries by provider.", "retries");
  registry.declare("ltl_breaker_state", MetricType::gauge, "Breaker state: 0 closed, 1 half-open, 2 open.", "state");
  registry.declare("ltl_breaker_transitions_total", MetricType::counter, "Breaker transitions by provider and target state.", "transitions");
  registry.declare("ltl_cache_lookups_total", MetricType::counter, "Cache lookups by tier and result.", "lookups");
  registry.declare("ltl_cache_entries", MetricType::gauge, "Entries held by a cache tier.", "entries");
  registry.declare("ltl_cache_bytes", MetricType::gauge, "Bytes held by a cache tier.", "bytes");
  registry.declare("ltl_cache_evictions_total", MetricType::counter, "Evictions by tier and reason.", "entries");
  registry.declare("ltl_wasm_heap_bytes", MetricType::gauge, "Size of the WebAssembly linear memory.", "bytes");
}

}  // namespace ltl::testing
