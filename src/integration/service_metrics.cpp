#include "integration/service_metrics.h"

#include "integration/metric_catalogue.h"
#include "integration/upstream_observer.h"
#include "monitor/report.h"

namespace ltl {

void declare_service_metrics(MetricsRegistry& metrics, MetricsHistory& history) {
  declare_catalogue_metrics(metrics);
  track_report_metrics(history);
  for (const char* name : {"ltl_requests_total", "ltl_request_duration_ms", "ltl_upstream_requests_total",
                           "ltl_upstream_errors_total", "ltl_upstream_latency_ms", "ltl_upstream_retries_total",
                           "ltl_breaker_state", "ltl_cache_lookups_total", "ltl_wasm_heap_bytes", "ltl_errors_total",
                           "ltl_cache_entries", "ltl_event_loop_lag_ms"})
    history.track(name);
}

void sync_service_gauges(MetricsRegistry& metrics, const TieredCache& cache, UpstreamClient& upstream) {
  const TieredCacheStats stats = cache.stats();
  const Labels memory = {{"tier", "memory"}};
  metrics.set("ltl_cache_entries", memory, static_cast<double>(stats.memory.entries));
  metrics.set("ltl_cache_bytes", memory, static_cast<double>(stats.memory.bytes));
  metrics.set_total("ltl_cache_evictions_total", {{"reason", "capacity"}, {"tier", "memory"}}, static_cast<double>(stats.memory.evictions_capacity));
  metrics.set_total("ltl_cache_evictions_total", {{"reason", "size"}, {"tier", "memory"}}, static_cast<double>(stats.memory.evictions_size));
  metrics.set_total("ltl_cache_evictions_total", {{"reason", "expired"}, {"tier", "memory"}}, static_cast<double>(stats.memory.evictions_expired));
  metrics.set_total("ltl_cache_evictions_total", {{"reason", "invalidated"}, {"tier", "memory"}}, static_cast<double>(stats.memory.evictions_invalidated));
  metrics.set_total("ltl_cache_coalesced_waits_total", {}, static_cast<double>(stats.origin.coalesced_waits));
  metrics.set_total("ltl_cache_background_refreshes_total", {}, static_cast<double>(stats.origin.background_refreshes));
  metrics.set_total("ltl_cache_stale_if_error_answers_total", {}, static_cast<double>(stats.origin.stale_if_error_answers));
  metrics.set("ltl_cache_tier_up", memory, 1);
  if (stats.persistent) {
    const Labels tier = {{"tier", stats.persistent->name}};
    metrics.set_total("ltl_cache_store_errors_total", tier, static_cast<double>(stats.persistent->errors));
    metrics.set_total("ltl_cache_compression_saved_bytes_total", tier, static_cast<double>(stats.persistent->saved_bytes));
    bool up = true;
    for (const auto& health : cache.health())
      if (health.name == stats.persistent->name) up = health.status != "degraded";
    metrics.set("ltl_cache_tier_up", tier, up ? 1 : 0);
  }
  for (const auto& snapshot : upstream.snapshot()) {
    const Labels provider = {{"provider", snapshot.provider}};
    metrics.set("ltl_breaker_state", provider, breaker_state_gauge(snapshot.breaker.state));
    metrics.set("ltl_breaker_failure_rate", provider, snapshot.breaker.failure_rate);
  }
}

}  // namespace ltl
