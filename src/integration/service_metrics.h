#pragma once
// The integration's metric families: declared from the catalogue, with the series kept in
// the history (reports and alert rules read them), and the gauges copied from the cache's
// and the upstream client's own counters before each scrape.
#include "cache/tiered_cache.h"
#include "monitor/history.h"
#include "monitor/metrics.h"
#include "resilience/upstream_client.h"

namespace ltl {

// Every family of metric_catalogue(), plus the report's and the dashboard's history series.
void declare_service_metrics(MetricsRegistry& metrics, MetricsHistory& history);

// Cache entries/bytes/evictions/origin totals per tier, tier up/down, and each provider's
// breaker state and failure rate.
void sync_service_gauges(MetricsRegistry& metrics, const TieredCache& cache, UpstreamClient& upstream);

}  // namespace ltl
