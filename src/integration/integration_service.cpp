#include "integration/integration_service.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "data/providers/coingecko.h"
#include "resilience/classify.h"

namespace ltl {
namespace {

using nlohmann::json;
namespace coingecko = providers::coingecko;

constexpr const char* kRoutePrice = "price";

MemoryCacheOptions cache_options(const Config& config) {
  MemoryCacheOptions options;
  options.max_entries = static_cast<size_t>(config.cache_max_entries);
  options.max_bytes = static_cast<size_t>(config.cache_max_bytes);
  options.max_entry_bytes = std::min<size_t>(options.max_bytes, 1u << 20);
  options.default_ttl_ms = config.cache_default_ttl_ms;
  return options;
}

std::string lower_ascii(std::string text) {
  for (char& c : text)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return text;
}

// User input echoed in errors: printable ASCII only (the JSON encoder rejects invalid UTF-8), bounded.
std::string printable_excerpt(const std::string& text) {
  std::string out;
  for (char c : text.substr(0, 16)) out += (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? c : '?';
  return text.size() > 16 ? out + "..." : out;
}

std::string encode_cached(const PriceQuote& quote, int64_t fetched_at_ms) {
  return json{{"quote", quote}, {"fetched_at", fetched_at_ms}}.dump();
}

// A cached value we cannot read back is dropped and treated as a miss, never returned.
std::optional<PriceResponse> decode_cached(const CacheEntry& entry) {
  auto parsed = json::parse(entry.value, nullptr, false);
  if (parsed.is_discarded()) return std::nullopt;
  try {
    PriceResponse response;
    response.quote = parsed.at("quote").get<PriceQuote>();
    response.fetched_at_ms = parsed.at("fetched_at").get<int64_t>();
    response.expires_at_ms = entry.expires_at_ms;
    response.from_cache = true;
    return response;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

}  // namespace

json price_response_json(const PriceResponse& response, int64_t now_ms) {
  json out = response.quote;
  out["age_ms"] = std::max<int64_t>(0, now_ms - response.fetched_at_ms);
  out["stale"] = now_ms >= response.expires_at_ms;
  out["expires_at"] = response.expires_at_ms;
  return out;
}

IntegrationService::IntegrationService(const Clock& clock, HttpTransport& transport, Config config)
    : clock_(clock), transport_(transport), config_(std::move(config)),
      cache_(clock, cache_options(config_)) {
  metrics_.declare("ltl_requests_total", MetricType::counter, "Data requests by route and outcome (hit, miss, coalesced, error).", "requests");
  metrics_.declare("ltl_request_duration_ms", MetricType::histogram, "Time from request to answer, by route.", "ms");
  metrics_.declare("ltl_upstream_requests_total", MetricType::counter, "Upstream HTTP calls by provider and outcome.", "requests");
  metrics_.declare("ltl_upstream_errors_total", MetricType::counter, "Upstream failures by provider and error category.", "errors");
  metrics_.declare("ltl_upstream_latency_ms", MetricType::histogram, "Upstream call latency by provider.", "ms");
  metrics_.declare("ltl_cache_lookups_total", MetricType::counter, "Cache lookups by tier and result.", "lookups");
  metrics_.declare("ltl_cache_entries", MetricType::gauge, "Entries held by a cache tier.", "entries");
  metrics_.declare("ltl_cache_bytes", MetricType::gauge, "Bytes held by a cache tier (keys, values, overhead).", "bytes");
  metrics_.declare("ltl_cache_evictions_total", MetricType::gauge, "Evictions by tier and reason since start.", "entries");
  metrics_.declare("ltl_wasm_heap_bytes", MetricType::gauge, "Size of the WebAssembly linear memory.", "bytes");
}

IntegrationService::~IntegrationService() { *alive_ = false; }

void IntegrationService::price(const std::string& requested_currency, PriceCallback done) {
  const double started = clock_.monotonic_ms();
  auto answer = [this, started, done = std::move(done)](const Result<PriceResponse>& result,
                                                        const char* outcome) {
    metrics_.add("ltl_requests_total", {{"outcome", outcome}, {"route", kRoutePrice}});
    metrics_.observe("ltl_request_duration_ms", {{"route", kRoutePrice}}, clock_.monotonic_ms() - started);
    done(result);
  };

  // Route: validate before anything touches the cache or the network.
  const std::string currency = lower_ascii(requested_currency);
  const auto& supported = config_.supported_currencies;
  if (std::find(supported.begin(), supported.end(), currency) == supported.end()) {
    std::string list;
    for (const auto& code : supported) list += (list.empty() ? "" : ", ") + code;
    answer(make_error(ErrorCategory::validation, "", kRoutePrice,
                      "currency: got \"" + printable_excerpt(requested_currency) + "\"; expected one of " + list),
           "error");
    return;
  }

  // Cache check.
  const std::string key = std::string(kRoutePrice) + ":" + currency;
  if (config_.cache_enabled) {
    auto entry = cache_.get(key);
    std::optional<PriceResponse> cached = entry ? decode_cached(*entry) : std::nullopt;
    if (entry && !cached) cache_.erase(key);
    metrics_.add("ltl_cache_lookups_total", {{"result", cached ? "hit" : "miss"}, {"tier", "memory"}});
    if (cached) {
      answer(*cached, "hit");
      return;
    }
  }

  // Coalesce: one upstream call per key, every caller gets its result.
  auto& waiters = in_flight_[key];
  waiters.push_back([answer](const Result<PriceResponse>& result) {
    answer(result, result.ok() ? "miss" : "error");
  });
  if (waiters.size() > 1) {
    metrics_.add("ltl_requests_total", {{"outcome", "coalesced"}, {"route", kRoutePrice}});
    return;
  }

  HttpRequest request;
  request.url = config_.coingecko_api_url + coingecko::simple_price_path(currency);
  request.timeout_ms = config_.http_timeout_ms;
  request.headers.emplace_back("accept", "application/json");
  if (!config_.coingecko_api_key.empty())
    request.headers.emplace_back("x-cg-demo-api-key", config_.coingecko_api_key);
  std::weak_ptr<bool> alive = alive_;
  transport_.send(request, [this, alive, key, currency](HttpResult result) {
    if (alive.expired()) return;
    on_price_fetched(key, currency, result);
  });
}

void IntegrationService::on_price_fetched(const std::string& key, const std::string& currency,
                                          const HttpResult& result) {
  const int64_t now = clock_.now_ms();
  if (auto error = classify_http_result(result, coingecko::kProvider, kRoutePrice, now)) {
    record_upstream(coingecko::kProvider, result, &*error);
    complete_price(key, *error);
    return;
  }
  auto parsed = coingecko::parse_simple_price(result.response.body, currency, now);
  if (!parsed.ok()) {
    record_upstream(coingecko::kProvider, result, &parsed.error());
    complete_price(key, parsed.error());
    return;
  }
  record_upstream(coingecko::kProvider, result, nullptr);

  PriceResponse response;
  response.quote = parsed.value();
  response.fetched_at_ms = now;
  response.expires_at_ms = Ttl::ms(config_.price_ttl_ms()).expires_at(now, config_.cache_default_ttl_ms);
  if (config_.cache_enabled) cache_.set_until(key, encode_cached(response.quote, now), response.expires_at_ms);
  complete_price(key, response);
}

void IntegrationService::complete_price(const std::string& key, const Result<PriceResponse>& result) {
  auto node = in_flight_.extract(key);
  if (node.empty()) return;
  for (auto& waiter : node.mapped()) waiter(result);
}

void IntegrationService::record_upstream(const std::string& provider, const HttpResult& result,
                                         const Error* error) {
  metrics_.add("ltl_upstream_requests_total", {{"outcome", error ? "error" : "ok"}, {"provider", provider}});
  if (result.failure == TransportFailure::none)
    metrics_.observe("ltl_upstream_latency_ms", {{"provider", provider}}, result.elapsed_ms);
  ProviderHealth& health = providers_[provider];
  if (error) {
    metrics_.add("ltl_upstream_errors_total", {{"category", to_string(error->category)}, {"provider", provider}});
    ++health.consecutive_failures;
    health.last_error_category = to_string(error->category);
  } else {
    health.consecutive_failures = 0;
    health.last_success_ms = clock_.now_ms();
  }
}

void IntegrationService::sync_cache_gauges() {
  const MemoryCacheStats& stats = cache_.stats();
  const Labels memory = {{"tier", "memory"}};
  metrics_.set("ltl_cache_entries", memory, static_cast<double>(stats.entries));
  metrics_.set("ltl_cache_bytes", memory, static_cast<double>(stats.bytes));
  metrics_.set("ltl_cache_evictions_total", {{"reason", "capacity"}, {"tier", "memory"}}, static_cast<double>(stats.evictions_capacity));
  metrics_.set("ltl_cache_evictions_total", {{"reason", "size"}, {"tier", "memory"}}, static_cast<double>(stats.evictions_size));
  metrics_.set("ltl_cache_evictions_total", {{"reason", "expired"}, {"tier", "memory"}}, static_cast<double>(stats.evictions_expired));
}

json IntegrationService::metrics_snapshot() {
  sync_cache_gauges();
  return metrics_.snapshot(clock_.now_ms());
}

json IntegrationService::health() const {
  json services = json::object();
  const MemoryCacheStats& stats = cache_.stats();
  services["cache"] = {
      {"status", "healthy"},
      {"reason", config_.cache_enabled
                     ? "memory tier: " + std::to_string(stats.entries) + " entries, " +
                           std::to_string(stats.bytes) + " bytes"
                     : "disabled by CACHE_ENABLED"}};
  services["config"] = {{"status", "healthy"}, {"reason", "valid"}};

  // A provider that failed recently degrades the market service; three failures in a row with
  // no success make it unhealthy (nothing fresh can be served).
  std::string market_status = "healthy";
  std::string reason = "no upstream calls yet";
  auto it = providers_.find(coingecko::kProvider);
  if (it != providers_.end()) {
    const ProviderHealth& p = it->second;
    if (p.consecutive_failures == 0) {
      reason = "coingecko answered";
    } else {
      market_status = p.consecutive_failures >= 3 ? "unhealthy" : "degraded";
      reason = "coingecko failed " + std::to_string(p.consecutive_failures) +
               " time(s) in a row, last: " + p.last_error_category;
    }
  }
  services["market"] = {{"status", market_status}, {"reason", reason}};

  std::string overall = "healthy";
  for (const auto& [name, service] : services.items()) {
    const std::string status = service.at("status").get<std::string>();
    if (status == "unhealthy") overall = "unhealthy";
    else if (status == "degraded" && overall == "healthy") overall = "degraded";
  }
  return {{"status", overall}, {"checked_at", clock_.now_ms()}, {"services", services}};
}

}  // namespace ltl
