#include "integration/catalogue.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "integration/data_sources.h"
#include "integration/metric_catalogue.h"
#include "resilience/classify.h"

namespace ltl {
namespace {

using nlohmann::json;

constexpr int64_t kMaxReportWindowMs = int64_t{7} * 24 * 3600 * 1000;

// A currency as the HTTP fronts take it: any case, canonical lower case, one of SUPPORTED_CURRENCIES.
json currency_param() {
  return {{"name", "currency"},
          {"type", "currency"},
          {"pattern", "^[a-z]{3}$"},
          {"normalize", "lowercase"},
          {"default", "usd"},
          {"one_of_config_key", "SUPPORTED_CURRENCIES"},
          {"description", "three-letter ISO 4217 code such as usd"}};
}

json data_routes() {
  json out = json::array();
  for (const auto& route : route_catalogue()) {
    const bool summary = route.name == "network";  // its freshness is that of its parts
    json entry = {{"name", route.name},
                  {"path", route.path},
                  {"kind", summary ? json(nullptr) : json(to_string(route.kind))},
                  {"composite", route.composite},
                  {"params", route.takes_currency ? json::array({currency_param()}) : json::array()}};
    if (summary) entry["parts"] = network_parts();
    out.push_back(std::move(entry));
  }
  return out;
}

// Operational routes: the deployment's internals. access: "ops" (OPS_TOKEN when set, never
// CORS-open), "admin" (ADMIN_TOKEN) or "public".
json operational_routes() {
  auto route = [](const char* name, const char* path, const char* op, const char* access) {
    return json{{"name", name}, {"path", path}, {"op", op}, {"method", "GET"}, {"access", access}, {"params", json::array()}};
  };
  json report = route("report", "/api/v1/report", "report", "ops");
  report["params"].push_back({{"name", "window_ms"},
                              {"type", "integer"},
                              {"pattern", "^[0-9]{1,10}$"},
                              {"min", 1},
                              {"max", kMaxReportWindowMs},
                              {"unit", "milliseconds"},
                              {"default", nullptr},
                              {"description", "the report's window; the whole history when absent"}});
  json invalidate = route("cache/invalidate", "/api/v1/cache/invalidate", "invalidate", "admin");
  invalidate["method"] = "POST";
  return json::array({route("metrics", "/api/v1/metrics", "metricsText", "ops"),
                      route("metrics.json", "/api/v1/metrics.json", "metrics", "ops"),
                      route("history", "/api/v1/history", "history", "ops"),
                      route("alerts", "/api/v1/alerts", "alerts", "ops"),
                      route("errors", "/api/v1/errors", "errors", "ops"),
                      route("config", "/api/v1/config", "config", "ops"),
                      report,
                      route("health", "/api/v1/health", "health", "public"),
                      invalidate});
}

json kinds(const Config& config) {
  json out = json::array();
  for (DataKind kind : kAllDataKinds) {
    const KindCacheWindows windows = config.cache_windows(kind);
    const CacheWindowKeys keys = cache_window_keys(kind);
    out.push_back({{"name", to_string(kind)},
                   {"ttl_ms", windows.ttl_ms},
                   {"swr_ms", windows.swr_ms},
                   {"stale_if_error_ms", windows.stale_if_error_ms},
                   {"config_keys", {{"ttl_ms", keys.ttl}, {"swr_ms", keys.swr}, {"stale_if_error_ms", keys.stale_if_error}}}});
  }
  return out;
}

json errors() {
  json categories = json::array();
  // Every enumerator: network is the first, internal the last (core/error.h).
  for (int i = static_cast<int>(ErrorCategory::network); i <= static_cast<int>(ErrorCategory::internal); ++i) {
    const auto category = static_cast<ErrorCategory>(i);
    const Error error = make_error(category, "", "", "");
    categories.push_back({{"name", to_string(category)},
                          {"severity", to_string(error.severity)},
                          {"http_status", error.http_status()},
                          {"retryable", error.retryable}});
  }
  json rules = json::array();
  for (const auto& rule : status_rules())
    rules.push_back({{"from", rule.from}, {"to", rule.to}, {"category", to_string(rule.category)}});
  return {{"categories", categories},
          {"upstream_status", {{"rules", rules}, {"default", to_string(kStatusDefaultCategory)}}}};
}

json metrics() {
  json out = json::array();
  for (const auto& family : metric_catalogue()) {
    json labels = json::array();
    for (const auto& label : family.labels) labels.push_back({{"name", label.name}, {"values", label.values}});
    out.push_back({{"name", family.name},
                   {"type", to_string(family.type)},
                   {"help", family.help},
                   {"unit", family.unit},
                   {"labels", labels}});
  }
  return out;
}

}  // namespace

std::string route_path(const std::string& route) {
  const RouteSpec* spec = find_route(route);
  return spec ? spec->path : "";
}

json describe_catalogue(const Config& config) {
  return {{"routes", data_routes()},
          {"operational_routes", operational_routes()},
          {"kinds", kinds(config)},
          {"config", config_key_catalogue()},
          {"errors", errors()},
          {"network_parts", network_parts()},
          {"metrics", metrics()}};
}

}  // namespace ltl
