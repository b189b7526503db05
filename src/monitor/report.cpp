#include "monitor/report.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "monitor/hit_rates.h"
#include "monitor/window.h"

namespace ltl {
namespace {

using nlohmann::json;

const char* const kReportMetrics[] = {
    "ltl_requests_total",          "ltl_request_duration_ms",       "ltl_upstream_requests_total",
    "ltl_upstream_errors_total",   "ltl_upstream_latency_ms",       "ltl_upstream_retries_total",
    "ltl_breaker_state",           "ltl_breaker_transitions_total", "ltl_cache_lookups_total",
    "ltl_wasm_heap_bytes",
};

json optional_number(std::optional<double> value) {
  return value && std::isfinite(*value) ? json(*value) : json(nullptr);
}

std::string label_value(const Labels& group, const std::string& name) {
  for (const auto& [k, v] : group)
    if (k == name) return v;
  return "";
}

// Warning or critical level of the engine's threshold `id`, else of the default one.
std::optional<double> level_of(const AlertEngine& alerts, const std::string& id, bool critical) {
  const Threshold* threshold = alerts.find_threshold(id);
  static const std::vector<Threshold> defaults = default_thresholds();
  if (threshold == nullptr)
    for (const auto& t : defaults)
      if (t.id == id) threshold = &t;
  if (threshold == nullptr) return std::nullopt;
  return critical ? threshold->critical : threshold->warning;
}

std::string percent(double ratio) { return format_number(ratio * 100) + "%"; }
std::string mebibytes(double bytes) { return format_number(bytes / (1024.0 * 1024.0)) + " MiB"; }

struct LatencySummary {
  uint64_t count = 0;
  std::optional<double> p50, p95, p99;
  json to_json() const {
    return json{{"count", count}, {"p50", optional_number(p50)}, {"p95", optional_number(p95)}, {"p99", optional_number(p99)}};
  }
};

std::map<std::string, LatencySummary> latency_by(const MetricsRegistry& registry, const MetricsHistory& history,
                                                 const std::string& metric, const std::string& label,
                                                 int64_t window_ms, int64_t now_ms) {
  std::map<std::string, LatencySummary> out;
  for (const auto& [group, window] : sketch_window(registry, history, {metric, {}}, {label}, window_ms, now_ms)) {
    LatencySummary& summary = out[label_value(group, label)];
    summary.count = window.counts.count;
    summary.p50 = quantile_of(window.counts, 0.5);
    summary.p95 = quantile_of(window.counts, 0.95);
    summary.p99 = quantile_of(window.counts, 0.99);
  }
  return out;
}

// Increase per (first label value, second label value), and the covered span per first value.
struct Breakdown {
  std::map<std::string, std::map<std::string, double>> counts;
  std::map<std::string, int64_t> covered_ms;
  double total(const std::string& key) const {
    auto it = counts.find(key);
    if (it == counts.end()) return 0;
    double sum = 0;
    for (const auto& [k, v] : it->second) sum += v;
    return sum;
  }
  double count(const std::string& key, const std::string& sub) const {
    auto it = counts.find(key);
    if (it == counts.end()) return 0;
    auto inner = it->second.find(sub);
    return inner == it->second.end() ? 0 : inner->second;
  }
};

Breakdown breakdown(const MetricsRegistry& registry, const MetricsHistory& history, const MetricSelector& selector,
                    const std::string& first, const std::string& second, int64_t window_ms, int64_t now_ms) {
  Breakdown out;
  std::vector<std::string> group_by{first};
  if (!second.empty()) group_by.push_back(second);
  for (const auto& [group, counter] : counter_increase(registry, history, selector, group_by, window_ms, now_ms)) {
    std::string key = label_value(group, first);
    out.counts[key][second.empty() ? "" : label_value(group, second)] += counter.increase;
    int64_t covered = now_ms - counter.from_ms;
    auto it = out.covered_ms.find(key);
    out.covered_ms[key] = it == out.covered_ms.end() ? covered : std::min(it->second, covered);
  }
  return out;
}

struct Recommendation {
  std::string id;
  std::string severity;  // "warning" or "critical"
  std::string subject;
  std::string message;
  json evidence;
};

// First-half vs second-half means of the points inside the window.
json trends(const MetricsHistory& history, int64_t window_ms, int64_t now_ms, const ReportRules& rules) {
  struct Trend {
    json body;
    double magnitude;
  };
  std::vector<Trend> found;
  const std::vector<int64_t> times = history.times();
  for (const auto& series : history.series()) {
    HistoryStatistic statistic = series.type == MetricType::counter     ? HistoryStatistic::rate_per_s
                                 : series.type == MetricType::histogram ? HistoryStatistic::p95
                                                                        : HistoryStatistic::value;
    std::vector<double> column = history.column(series.metric, series.labels, statistic);
    std::vector<double> values;
    for (size_t p = 0; p < column.size(); ++p)
      if (times[p] >= now_ms - window_ms && times[p] <= now_ms && std::isfinite(column[p])) values.push_back(column[p]);
    if (values.size() < 4) continue;
    const size_t half = values.size() / 2;
    double first = 0, second = 0;
    for (size_t i = 0; i < half; ++i) {
      first += values[i];
      second += values[values.size() - half + i];
    }
    first /= static_cast<double>(half);
    second /= static_cast<double>(half);
    std::optional<double> change;
    if (first != 0) change = (second - first) / std::fabs(first);
    std::string direction = "flat";
    if (change ? std::fabs(*change) >= rules.flat_change : second != 0) direction = second > first ? "rising" : "falling";
    const char* statistic_name = statistic == HistoryStatistic::rate_per_s ? "rate_per_s"
                                 : statistic == HistoryStatistic::p95      ? "p95"
                                                                           : "value";
    double magnitude = direction == "flat" ? 0 : change ? std::fabs(*change) : std::numeric_limits<double>::infinity();
    found.push_back(Trend{json{{"series", series_key(series.metric, series.labels)},
                               {"statistic", statistic_name},
                               {"points", values.size()},
                               {"first_half_mean", first},
                               {"second_half_mean", second},
                               {"change", optional_number(change)},
                               {"direction", direction}},
                          magnitude});
  }
  std::stable_sort(found.begin(), found.end(), [](const Trend& a, const Trend& b) { return a.magnitude > b.magnitude; });
  json out = json::array();
  for (size_t i = 0; i < found.size() && i < rules.max_trends; ++i) out.push_back(std::move(found[i].body));
  return out;
}

const char* advice_for(const std::string& category) {
  if (category == "rate_limited") return "raise the cache TTL of what it serves or lower its request rate";
  if (category == "timeout") return "raise http_timeout_ms or move it later in the fallback order";
  if (category == "upstream_4xx" || category == "parse")
    return "check its request URL and parser against the API: retries cannot fix these errors";
  return "move it later in the fallback order";
}

}  // namespace

void track_report_metrics(MetricsHistory& history) {
  for (const char* metric : kReportMetrics) history.track(metric);
}

json build_report(const MetricsRegistry& registry, const MetricsHistory& history, const AlertEngine& alerts,
                  int64_t window_ms, int64_t now_ms, const ReportRules& rules) {
  std::vector<Recommendation> recommendations;
  auto severity = [](double value, std::optional<double> critical, bool above) {
    bool is_critical = critical && (above ? value > *critical : value < *critical);
    return std::string(is_critical ? "critical" : "warning");
  };

  // The span the history can actually vouch for.
  int64_t covered_ms = 0;
  {
    std::vector<int64_t> times = history.times();
    std::optional<int64_t> from;
    for (int64_t t : times)
      if (t <= now_ms - window_ms) from = t;
    if (!from && !times.empty()) from = times.front();
    if (from) covered_ms = now_ms - *from;
  }

  // Routes.
  Breakdown route_requests =
      breakdown(registry, history, {"ltl_requests_total", {}}, "route", "outcome", window_ms, now_ms);
  auto route_latency = latency_by(registry, history, "ltl_request_duration_ms", "route", window_ms, now_ms);
  std::set<std::string> routes;
  for (const auto& [route, _] : route_requests.counts) routes.insert(route);
  for (const auto& [route, _] : route_latency) routes.insert(route);
  json routes_json = json::array();
  const auto route_error_warning = level_of(alerts, "request_error_rate", false);
  const auto route_latency_warning = level_of(alerts, "request_latency_p95", false);
  for (const auto& route : routes) {
    double requests = route_requests.total(route);
    double errors = route_requests.count(route, "error");
    int64_t covered = route_requests.covered_ms.count(route) ? route_requests.covered_ms.at(route) : 0;
    json outcomes = json::object();
    if (route_requests.counts.count(route))
      for (const auto& [outcome, n] : route_requests.counts.at(route)) outcomes[outcome] = n;
    std::optional<double> error_rate = requests > 0 ? std::optional<double>(errors / requests) : std::nullopt;
    LatencySummary latency = route_latency.count(route) ? route_latency.at(route) : LatencySummary{};
    routes_json.push_back({{"route", route},
                           {"requests", requests},
                           {"requests_per_s", covered > 0 ? json(requests * 1000.0 / static_cast<double>(covered)) : json(nullptr)},
                           {"outcomes", outcomes},
                           {"error_rate", optional_number(error_rate)},
                           {"latency_ms", latency.to_json()}});
    if (error_rate && requests >= rules.min_requests && route_error_warning && *error_rate > *route_error_warning) {
      recommendations.push_back(
          {"route_error_rate", severity(*error_rate, level_of(alerts, "request_error_rate", true), true), "route=" + route,
           "route " + route + " answered " + percent(*error_rate) + " of " + format_number(requests) +
               " requests with an error in " + format_duration(covered) + " (threshold " + percent(*route_error_warning) +
               ") — serve stale data on errors (stale-if-error) or add a fallback provider",
           {{"requests", requests}, {"errors", errors}, {"error_rate", *error_rate}, {"threshold", *route_error_warning},
            {"covered_ms", covered}}});
    }
    if (latency.p95 && latency.count >= rules.min_observations && route_latency_warning &&
        *latency.p95 > *route_latency_warning) {
      recommendations.push_back(
          {"slow_route", severity(*latency.p95, level_of(alerts, "request_latency_p95", true), true), "route=" + route,
           "p95 latency of route " + route + " is " + format_number(*latency.p95) + " ms over " +
               format_number(static_cast<double>(latency.count)) + " requests, above the " +
               format_number(*route_latency_warning) + " ms threshold — check its slowest provider and cache hit rate",
           {{"p95_ms", *latency.p95}, {"observations", latency.count}, {"threshold_ms", *route_latency_warning}}});
    }
  }

  // Providers.
  Breakdown upstream =
      breakdown(registry, history, {"ltl_upstream_requests_total", {}}, "provider", "outcome", window_ms, now_ms);
  Breakdown errors_by_category =
      breakdown(registry, history, {"ltl_upstream_errors_total", {}}, "provider", "category", window_ms, now_ms);
  Breakdown retries = breakdown(registry, history, {"ltl_upstream_retries_total", {}}, "provider", "", window_ms, now_ms);
  Breakdown opens = breakdown(registry, history, {"ltl_breaker_transitions_total", {{"to", "open"}}}, "provider", "",
                              window_ms, now_ms);
  auto provider_latency = latency_by(registry, history, "ltl_upstream_latency_ms", "provider", window_ms, now_ms);
  std::map<std::string, double> breaker_state;
  for (const auto& [group, value] : value_sum(registry, {"ltl_breaker_state", {}}, {"provider"}))
    breaker_state[label_value(group, "provider")] = value;

  std::set<std::string> providers;
  for (const auto* source : {&upstream, &errors_by_category, &retries, &opens})
    for (const auto& [provider, _] : source->counts) providers.insert(provider);
  for (const auto& [provider, _] : provider_latency) providers.insert(provider);
  for (const auto& [provider, _] : breaker_state) providers.insert(provider);

  const auto error_warning = level_of(alerts, "upstream_error_rate", false);
  const auto latency_warning = level_of(alerts, "upstream_latency_p95", false);
  json providers_json = json::array();
  json slowest = json::array();
  std::vector<std::pair<double, json>> ranked;
  for (const auto& provider : providers) {
    double requests = upstream.total(provider);
    double errors = upstream.count(provider, "error");
    int64_t covered = upstream.covered_ms.count(provider) ? upstream.covered_ms.at(provider) : covered_ms;
    std::optional<double> error_rate = requests > 0 ? std::optional<double>(errors / requests) : std::nullopt;
    json categories = json::object();
    std::string top_category;
    double top_count = 0;
    if (errors_by_category.counts.count(provider)) {
      for (const auto& [category, n] : errors_by_category.counts.at(provider)) {
        categories[category] = n;
        if (n > top_count) {
          top_count = n;
          top_category = category;
        }
      }
    }
    double retry_count = retries.total(provider);
    double open_count = opens.total(provider);
    int64_t opens_covered = opens.covered_ms.count(provider) ? opens.covered_ms.at(provider) : covered_ms;
    LatencySummary latency = provider_latency.count(provider) ? provider_latency.at(provider) : LatencySummary{};
    json state = nullptr;
    if (breaker_state.count(provider)) {
      double s = breaker_state.at(provider);
      state = s >= 1.5 ? "open" : s >= 0.5 ? "half_open" : "closed";
    }
    providers_json.push_back({{"provider", provider},
                              {"requests", requests},
                              {"errors", errors},
                              {"error_rate", optional_number(error_rate)},
                              {"errors_by_category", categories},
                              {"retries", retry_count},
                              {"latency_ms", latency.to_json()},
                              {"breaker", {{"state", state}, {"opens", open_count}}}});
    if (latency.p95 && latency.count >= rules.min_observations)
      ranked.emplace_back(*latency.p95, json{{"provider", provider}, {"p95_ms", *latency.p95}, {"observations", latency.count}});

    if (open_count >= rules.breaker_opens) {
      recommendations.push_back(
          {"breaker_flapping", "warning", "provider=" + provider,
           "provider " + provider + " opened its breaker " + format_number(open_count) + " times in " +
               format_duration(opens_covered) + " — move it later in the fallback order",
           {{"opens", open_count}, {"covered_ms", opens_covered}, {"floor", rules.breaker_opens}}});
    }
    if (error_rate && requests >= rules.min_requests && error_warning && *error_rate > *error_warning) {
      std::string mostly = top_category.empty() ? "" : " (mostly " + top_category + ": " + format_number(top_count) + ")";
      recommendations.push_back(
          {"provider_error_rate", severity(*error_rate, level_of(alerts, "upstream_error_rate", true), true),
           "provider=" + provider,
           "provider " + provider + " failed " + percent(*error_rate) + " of " + format_number(requests) +
               " requests in " + format_duration(covered) + mostly + " — " + advice_for(top_category),
           {{"requests", requests},
            {"errors", errors},
            {"error_rate", *error_rate},
            {"threshold", *error_warning},
            {"top_category", top_category.empty() ? json(nullptr) : json(top_category)},
            {"top_category_errors", top_count},
            {"covered_ms", covered}}});
    }
    if (latency.p95 && latency.count >= rules.min_observations && latency_warning && *latency.p95 > *latency_warning) {
      recommendations.push_back(
          {"slow_provider", severity(*latency.p95, level_of(alerts, "upstream_latency_p95", true), true),
           "provider=" + provider,
           "p95 upstream latency for " + provider + " is " + format_number(*latency.p95) + " ms over " +
               format_number(static_cast<double>(latency.count)) + " calls, above the " +
               format_number(*latency_warning) + " ms threshold — put a faster provider first or raise the cache TTL",
           {{"p95_ms", *latency.p95}, {"observations", latency.count}, {"threshold_ms", *latency_warning}}});
    }
    if (requests >= rules.min_requests && retry_count / requests >= rules.retries_per_request) {
      recommendations.push_back(
          {"heavy_retries", "warning", "provider=" + provider,
           "provider " + provider + " needed " + format_number(retry_count) + " retries for " + format_number(requests) +
               " requests in " + format_duration(covered) + " — lower its retry count or move it later in the fallback order",
           {{"retries", retry_count}, {"requests", requests}, {"floor", rules.retries_per_request}}});
    }
  }
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (auto& [p95, entry] : ranked) slowest.push_back(std::move(entry));

  // Cache hit rates, by tier and (when lookups carry it) by key family; see monitor/hit_rates.h.
  const auto hit_warning = level_of(alerts, "cache_hit_rate", false);
  auto hit_rates = [&](const std::string& label, const char* noun, json& out) {
    Breakdown lookups = breakdown(registry, history, {kCacheLookupsMetric, {}}, label, "result", window_ms, now_ms);
    std::map<std::string, LookupCounts> counts;
    for (const auto& [key, results] : lookups.counts) {
      if (key.empty() && label != "tier") continue;  // series without a family label
      LookupCounts& c = counts[key.empty() ? kMemoryTier : key];
      c.hit += lookups.count(key, "hit");
      c.stale += lookups.count(key, "stale");
      c.miss += lookups.count(key, "miss");
    }
    for (const HitRate& rate : label == "tier" ? tier_hit_rates(counts) : family_hit_rates(counts)) {
      out.push_back({{label, rate.name},
                     {"lookups", rate.lookups},
                     {"hits", rate.hits},
                     {"stale", rate.stale},
                     {"misses", rate.passed_on},
                     {"hit_rate", optional_number(rate.hit_rate)},
                     {"stale_rate", optional_number(rate.stale_rate)},
                     {"miss_rate", optional_number(rate.miss_rate)}});
      if (rate.hit_rate && rate.lookups >= rules.min_lookups && hit_warning && *rate.hit_rate < *hit_warning) {
        const int64_t covered = lookups.covered_ms.count(rate.name) ? lookups.covered_ms.at(rate.name) : covered_ms;
        recommendations.push_back(
            {"low_hit_rate", severity(*rate.hit_rate, level_of(alerts, "cache_hit_rate", true), false),
             label + "=" + rate.name,
             "hit rate " + percent(*rate.hit_rate) + " for " + noun + " " + rate.name + " over " +
                 format_number(rate.lookups) + " lookups in " + format_duration(covered) + " (threshold " +
                 percent(*hit_warning) + ") — raise its TTL",
             {{"lookups", rate.lookups}, {"hits", rate.hits}, {"misses", rate.passed_on}, {"stale", rate.stale},
              {"hit_rate", *rate.hit_rate}, {"threshold", *hit_warning}}});
      }
    }
  };
  json tiers = json::array();
  json families = json::array();
  hit_rates("tier", "cache tier", tiers);
  hit_rates("family", "key family", families);

  // WASM heap: current value and growth across the window's history.
  json heap = nullptr;
  auto heap_values = value_sum(registry, {"ltl_wasm_heap_bytes", {}}, {});
  if (!heap_values.empty()) heap = heap_values.begin()->second;
  json trend_list = trends(history, window_ms, now_ms, rules);
  for (const auto& trend : trend_list) {
    if (trend["series"] != "ltl_wasm_heap_bytes" || trend["change"].is_null()) continue;
    double change = trend["change"].get<double>();
    if (change < rules.heap_growth) continue;
    double first = trend["first_half_mean"].get<double>();
    double second = trend["second_half_mean"].get<double>();
    recommendations.push_back(
        {"heap_growth", "warning", "wasm_heap",
         "WASM heap grew from " + mebibytes(first) + " to " + mebibytes(second) + " (+" + percent(change) + ") over " +
             format_duration(covered_ms) + " — lower cache_max_bytes or look for a leak",
         {{"first_half_mean_bytes", first}, {"second_half_mean_bytes", second}, {"change", change},
          {"floor", rules.heap_growth}}});
  }

  std::stable_sort(recommendations.begin(), recommendations.end(), [](const Recommendation& a, const Recommendation& b) {
    if (a.severity != b.severity) return a.severity == "critical";
    return a.id != b.id ? a.id < b.id : a.subject < b.subject;
  });
  json recommendations_json = json::array();
  for (auto& r : recommendations)
    recommendations_json.push_back({{"id", r.id},
                                    {"severity", r.severity},
                                    {"subject", r.subject},
                                    {"message", r.message},
                                    {"evidence", std::move(r.evidence)}});

  json active = json::array();
  for (const auto& alert : alerts.active()) active.push_back(alert);
  return json{{"generated_at_ms", now_ms},
              {"window_ms", window_ms},
              {"window_covered_ms", covered_ms},
              {"routes", std::move(routes_json)},
              {"providers", std::move(providers_json)},
              {"slowest_providers", std::move(slowest)},
              {"cache", {{"tiers", std::move(tiers)}, {"families", std::move(families)}}},
              {"wasm_heap_bytes", heap},
              {"trends", std::move(trend_list)},
              {"alerts", {{"active", std::move(active)}}},
              {"recommendations", std::move(recommendations_json)}};
}

}  // namespace ltl
