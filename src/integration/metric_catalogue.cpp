#include "integration/metric_catalogue.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"
#include "integration/data_sources.h"
#include "monitor/prometheus.h"

namespace ltl {
namespace {

constexpr double kUnmeasured = std::numeric_limits<double>::quiet_NaN();

// The error categories an upstream attempt can end with (UpstreamObserver::on_attempt).
constexpr const char* kUpstreamErrorCategories = "network|timeout|rate_limited|upstream_5xx|upstream_4xx|parse|circuit_open";

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t end = text.find(separator, start);
    out.push_back(text.substr(start, end - start));
    if (end == std::string::npos) return out;
    start = end + 1;
  }
}

// Values of one label, given the values already chosen for the labels before it
// ("@route_providers" depends on the series' route).
std::vector<std::string> label_values(const MetricLabelSpec& spec, const Labels& chosen, const KnownLabelValues& known) {
  std::string values = spec.values;
  if (values.empty() || values[0] != '@') return split(values, '|');
  std::string set = values;
  if (set == "@route_providers") {
    for (const auto& [name, value] : chosen)
      if (name == "route") set += ":" + value;
  }
  auto it = known.find(set);
  return it == known.end() ? std::vector<std::string>{} : it->second;
}

void expand(const MetricDeclaration& spec, size_t index, Labels& chosen, const KnownLabelValues& known,
            MetricsRegistry& registry) {
  if (index == spec.labels.size()) {
    registry.create_series(spec.name, chosen, spec.initial);
    return;
  }
  for (const auto& value : label_values(spec.labels[index], chosen, known)) {
    chosen.emplace_back(spec.labels[index].name, value);
    expand(spec, index + 1, chosen, known, registry);
    chosen.pop_back();
  }
}

}  // namespace

const std::vector<MetricDeclaration>& metric_catalogue() {
  using T = MetricType;
  static const std::vector<MetricDeclaration> catalogue = {
      {"ltl_requests_total", T::counter, "Data requests by route and outcome (hit, stale, miss, error; ok for network).", "requests",
       {{"outcome", "hit|stale|miss|error|ok"}, {"route", "@routes"}}, 0},
      {"ltl_request_duration_ms", T::histogram, "Time from request to answer, by route.", "ms", {{"route", "@routes"}}, 0},
      {"ltl_pipeline_step_ms", T::histogram, "Time spent in each pipeline step (route, cache, fetch).", "ms",
       {{"step", "route|cache|fetch"}}, 0},
      {"ltl_stale_answers_total", T::counter, "Answers served stale, by route and reason.", "answers",
       {{"reason", "origin_error|revalidating"}, {"route", "@cached_routes"}}, 0},
      {"ltl_provider_fallbacks_total", T::counter, "Providers that failed in a chain so the next was tried, by route and provider.",
       "fallbacks", {{"route", "@chain_routes"}, {"provider", "@route_providers"}}, 0},
      {"ltl_upstream_requests_total", T::counter, "Upstream attempts by provider and outcome.", "requests",
       {{"outcome", "ok|error"}, {"provider", "@providers"}}, 0},
      {"ltl_upstream_errors_total", T::counter, "Upstream failures by provider and error category.", "errors",
       {{"category", kUpstreamErrorCategories}, {"provider", "@providers"}}, 0},
      {"ltl_upstream_latency_ms", T::histogram, "Upstream attempt latency by provider.", "ms", {{"provider", "@providers"}}, 0},
      {"ltl_upstream_retries_total", T::counter, "Retries by provider.", "retries", {{"provider", "@providers"}}, 0},
      {"ltl_upstream_retry_delay_ms", T::histogram, "Delay before each retry by provider.", "ms", {{"provider", "@providers"}}, 0},
      {"ltl_upstream_rate_limit_waits_total", T::counter, "Calls that waited for the per-host rate limiter.", "waits",
       {{"provider", "@providers"}}, 0},
      {"ltl_upstream_rate_limit_wait_ms", T::histogram, "Time waited for the rate limiter.", "ms", {{"provider", "@providers"}}, 0},
      {"ltl_fleet_admission_denied_total", T::counter, "Attempts the host's admission gate (fleet budget) refused, by provider.", "attempts",
       {{"provider", "@providers"}}, 0},
      {"ltl_breaker_state", T::gauge, "Circuit breaker state by provider: 0 closed, 1 half-open, 2 open.", "state",
       {{"provider", "@providers"}}, 0},
      {"ltl_breaker_transitions_total", T::counter, "Circuit breaker transitions by provider and new state.", "transitions",
       {{"provider", "@providers"}, {"to", "closed|half_open|open"}}, 0},
      {"ltl_breaker_failure_rate", T::gauge, "Failure rate (0 to 1) in the breaker's window by provider.", "ratio",
       {{"provider", "@providers"}}, 0},
      {"ltl_consensus_spread_pct", T::gauge, "Spread of the agreeing price providers in percent, by currency; NaN before the first consensus.",
       "percent", {{"currency", "@currencies"}}, kUnmeasured},
      {"ltl_consensus_outliers_total", T::counter, "Price quotes left out of the consensus, by provider.", "quotes",
       {{"provider", "@price_providers"}}, 0},
      {"ltl_cache_lookups_total", T::counter, "Cache lookups by key family (route), tier and result (hit, stale, miss).", "lookups",
       {{"family", "@cached_routes"}, {"result", "hit|stale|miss"}, {"tier", "@tiers"}}, 0},
      {"ltl_cache_entries", T::gauge, "Entries held by a cache tier.", "entries", {{"tier", "memory"}}, 0},
      {"ltl_cache_bytes", T::gauge, "Bytes held by a cache tier (keys, values, overhead).", "bytes", {{"tier", "memory"}}, 0},
      {"ltl_cache_evictions_total", T::counter, "Evictions by tier and reason.", "entries",
       {{"reason", "capacity|size|expired|invalidated"}, {"tier", "memory"}}, 0},
      {"ltl_cache_coalesced_waits_total", T::counter, "Callers that joined an upstream fetch already in flight.", "waits", {}, 0},
      {"ltl_cache_background_refreshes_total", T::counter, "Background refreshes (stale-while-revalidate, refresh-ahead).",
       "refreshes", {}, 0},
      {"ltl_cache_stale_if_error_answers_total", T::counter, "Answers served stale because the origin failed.", "answers", {}, 0},
      {"ltl_cache_store_errors_total", T::counter, "Persistent tier failures.", "errors", {{"tier", "@persistent_tiers"}}, 0},
      {"ltl_cache_compression_saved_bytes_total", T::counter,
       "Value bytes saved by compression in the persistent tier (raw minus gzip payload of compressed puts; never negative).",
       "bytes", {{"tier", "@persistent_tiers"}}, 0},
      {"ltl_cache_tier_up", T::gauge, "1 when a cache tier is healthy, 0 when degraded.", "state", {{"tier", "@tiers"}}, kUnmeasured},
      {"ltl_wasm_heap_bytes", T::gauge, "Size of the WebAssembly linear memory; NaN until the JS host reports it.", "bytes", {},
       kUnmeasured},
      {"ltl_event_loop_lag_ms", T::gauge, "Event-loop lag measured by the JS host; NaN until measured.", "ms", {}, kUnmeasured},
      {"ltl_long_tasks_total", T::counter, "Long tasks (over 50 ms) seen by the JS host.", "tasks", {}, 0},
      {"ltl_service_health", T::gauge, "Service health: 0 healthy, 1 degraded, 2 unhealthy; NaN before the first health check.",
       "state", {{"service", "@services"}}, kUnmeasured},
      {"ltl_alerts_active", T::gauge, "Active alerts by level.", "alerts", {{"level", "warning|critical"}}, 0},
      {"ltl_alert_events_total", T::counter, "Alert events by kind.", "events", {{"kind", "raised|escalated|deescalated|resolved"}}, 0},
      {"ltl_config_updates_total", T::counter, "Configuration updates by result.", "updates", {{"result", "applied|rejected"}}, 0},
      {"ltl_errors_total", T::counter, "Errors returned to callers by category.", "errors", {{"category", "@error_categories"}}, 0},
      {"ltl_realtime_updates_total", T::counter, "Pushed updates ingested into the cache, by route.", "updates",
       {{"route", "tip|fees|mempool"}}, 0},
  };
  return catalogue;
}

KnownLabelValues known_label_values(const Config& config, const std::string& persistent_tier) {
  KnownLabelValues known;
  auto& routes = known["@routes"];
  auto& cached = known["@cached_routes"];
  auto& chains = known["@chain_routes"];
  for (const auto& route : route_catalogue()) {
    routes.push_back(route.name);
    // network answers from its parts' cache entries, never from its own.
    if (route.name != "network") cached.push_back(route.name);
    if (route.composite) continue;
    chains.push_back(route.name);
    auto& providers = known["@route_providers:" + route.name];
    // A route's providers may depend on its parameters (Binance lists only some pairs): the union
    // over the supported currencies (routes without a currency ignore it).
    for (const auto& currency : config.supported_currencies) {
      for (const auto& source : route.sources(config, nlohmann::json{{"currency", currency}})) {
        if (std::find(providers.begin(), providers.end(), source.provider) == providers.end()) providers.push_back(source.provider);
      }
    }
  }
  routes.push_back("unknown");  // requests naming no route
  known["@providers"] = std::vector<std::string>(kProviderNames.begin(), kProviderNames.end());
  known["@price_providers"] = config.price_providers;
  known["@currencies"] = config.supported_currencies;
  known["@tiers"] = {"memory"};
  known["@persistent_tiers"] = {};
  if (!persistent_tier.empty()) {
    known["@tiers"].push_back(persistent_tier);
    known["@persistent_tiers"].push_back(persistent_tier);
  }
  known["@services"] = {"config", "monitor", "cache", "upstream", "market", "network", "sentiment"};
  auto& categories = known["@error_categories"];
  for (int i = 0; i <= static_cast<int>(ErrorCategory::internal); ++i)
    categories.push_back(to_string(static_cast<ErrorCategory>(i)));
  return known;
}

void declare_catalogue_metrics(MetricsRegistry& registry) {
  for (const auto& spec : metric_catalogue()) registry.declare(spec.name, spec.type, spec.help, spec.unit);
}

void create_known_series(MetricsRegistry& registry, const KnownLabelValues& known) {
  for (const auto& spec : metric_catalogue()) {
    Labels chosen;
    expand(spec, 0, chosen, known, registry);
  }
}

std::string metric_catalogue_markdown() {
  std::string out = "| Prometheus family | type | unit | labels | meaning |\n|---|---|---|---|---|\n";
  for (const auto& spec : metric_catalogue()) {
    const std::string exported = prometheus_family_name(spec.name, spec.type, spec.unit);
    const bool seconds = exported != spec.name && std::string(spec.unit) == "ms";
    std::string labels;
    for (const auto& label : spec.labels) {
      if (!labels.empty()) labels += ", ";
      std::string values = label.values;
      for (auto& c : values)
        if (c == '|') c = '/';
      labels += std::string("`") + label.name + "` (" + (values[0] == '@' ? values.substr(1) : values) + ")";
    }
    std::string type = to_string(spec.type);
    std::string name = "`" + exported + "`";
    if (exported != spec.name) name += " (JSON: `" + std::string(spec.name) + "`)";
    out += "| " + name + " | " + type + " | " + (seconds ? std::string("s") : std::string(spec.unit)) + " | " +
           (labels.empty() ? "—" : labels) + " | " + spec.help + " |\n";
  }
  return out;
}

}  // namespace ltl
