#pragma once
// The single entry point. Every data request runs the pipeline
// route → cache check → track → fetch → classify errors → cache → metrics.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "cache/memory_cache.h"
#include "config/config.h"
#include "core/clock.h"
#include "core/result.h"
#include "data/market.h"
#include "monitor/metrics.h"
#include "net/http.h"

namespace ltl {

struct PriceResponse {
  PriceQuote quote;
  int64_t fetched_at_ms = 0;  // when we received it from the provider
  int64_t expires_at_ms = 0;  // when the cached copy expires
  bool from_cache = false;
};

// The JSON the JS API and the edge return: the quote plus its age and freshness.
nlohmann::json price_response_json(const PriceResponse& response, int64_t now_ms);

class IntegrationService {
 public:
  using PriceCallback = std::function<void(Result<PriceResponse>)>;

  IntegrationService(const Clock& clock, HttpTransport& transport, Config config);
  ~IntegrationService();
  IntegrationService(const IntegrationService&) = delete;
  IntegrationService& operator=(const IntegrationService&) = delete;

  // BTC price in `currency`. `done` is called exactly once, possibly synchronously.
  void price(const std::string& currency, PriceCallback done);

  nlohmann::json health() const;
  nlohmann::json metrics_snapshot();

  const Config& config() const { return config_; }
  const MemoryCache& cache() const { return cache_; }
  const MetricsRegistry& metrics() const { return metrics_; }
  // Gauges the host measures (e.g. WASM heap bytes).
  void set_gauge(const std::string& name, double value) { metrics_.set(name, {}, value); }

 private:
  struct ProviderHealth {
    uint64_t consecutive_failures = 0;
    int64_t last_success_ms = 0;
    std::string last_error_category;
  };

  void on_price_fetched(const std::string& key, const std::string& currency,
                        const HttpResult& result);
  void complete_price(const std::string& key, const Result<PriceResponse>& result);
  void record_upstream(const std::string& provider, const HttpResult& result,
                       const Error* error);
  void sync_cache_gauges();

  const Clock& clock_;
  HttpTransport& transport_;
  Config config_;
  MemoryCache cache_;
  MetricsRegistry metrics_;
  std::unordered_map<std::string, ProviderHealth> providers_;
  // Callers waiting on one upstream call per key (request coalescing).
  std::unordered_map<std::string, std::vector<PriceCallback>> in_flight_;
  // Transport callbacks hold a weak reference so a late answer after destruction is dropped.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace ltl
