#pragma once
// The single entry point. It owns the services (config, monitor, cache, upstream,
// data), starts them in dependency order, and runs every data request through the
// seed's pipeline:
//   route → cache check → performance tracking → fetch (provider fallback chain,
//   each call through breaker, rate limit, timeout and retries) → error handling
//   (stale-if-error, typed errors) → response caching → metrics.
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cache/persistent_store.h"
#include "cache/tiered_cache.h"
#include "config/config_store.h"
#include "core/clock.h"
#include "core/result.h"
#include "core/scheduler.h"
#include "integration/data_sources.h"
#include "integration/service_health.h"
#include "integration/service_registry.h"
#include "monitor/alerts.h"
#include "monitor/history.h"
#include "monitor/metrics.h"
#include "net/http.h"
#include "resilience/retry.h"
#include "resilience/upstream_client.h"

namespace ltl {

using TextResult = Result<std::string>;
using TextCallback = std::function<void(TextResult)>;
class ProviderGateway;
class ProviderChain;
class MarketConsensus;

// Events the host can subscribe to: {"type": "alert"|"breaker"|"health"|"config", ...}.
using EventListener = std::function<void(const nlohmann::json& event)>;

struct IntegrationOptions {
  PersistentStore* store = nullptr;  // persistent cache tier; null = memory only
  RandomSource random;               // retry jitter; default seeded from the clock
  size_t max_tracked_errors = 100;   // bounded error history
};

class IntegrationService {
 public:
  IntegrationService(const Clock& clock, Scheduler& scheduler, HttpTransport& transport, Config config,
                     IntegrationOptions options = {});
  ~IntegrationService();
  IntegrationService(const IntegrationService&) = delete;
  IntegrationService& operator=(const IntegrationService&) = delete;

  // Starts the services in dependency order, the health and performance timers, and warming.
  Result<bool> start();
  // Stops in reverse order; timers and subscriptions are released. Safe to call twice.
  void stop();
  bool running() const { return registry_.running(); }

  // One data request: route is a name of route_catalogue() ("price", "market", "fees",
  // "mempool", "tip", "blocks", "difficulty", "hashrate", "sentiment", "network").
  // `done` is called exactly once, possibly synchronously.
  void request(const std::string& route, const nlohmann::json& params, JsonCallback done);
  // The same answer as JSON text (answer.h): a cache hit is served from the stored bytes
  // without parsing them.
  void request_text(const std::string& route, const nlohmann::json& params, TextCallback done);

  // Price in `currency` (the foundation slice's entry, kept for callers and tests).
  void price(const std::string& currency, JsonCallback done) { request("price", {{"currency", currency}}, std::move(done)); }

  // Realtime push (WebSocket): new data for a route replaces its cached value.
  Result<bool> ingest(const std::string& route, const nlohmann::json& data, const std::string& source);

  // Validated whole, then propagated to every service (TTLs, thresholds, intervals,
  // provider order, timeouts). Returns the changed keys.
  Result<std::vector<std::string>> update_config(const nlohmann::json& overrides);
  const Config& config() const { return config_.current(); }
  nlohmann::json describe_config() const;

  // Invalidation across every tier: by exact key, glob (* and ?) or tag (a route name).
  // how: key, glob or tag. Expires by default (kept for stale-if-error); purge removes.
  void invalidate(const std::string& how, const std::string& what, JsonCallback done,
                  InvalidationMode mode = InvalidationMode::expire);

  nlohmann::json health();  // checks every service now
  nlohmann::json metrics_snapshot();
  // Prometheus text 0.0.4, or OpenMetrics 1.0 text when `openmetrics`.
  std::string metrics_prometheus(bool openmetrics = false);
  nlohmann::json history() const;
  nlohmann::json alerts() const;
  nlohmann::json report(int64_t window_ms);
  nlohmann::json errors() const;  // recent tracked errors, newest last
  nlohmann::json cache_stats() const;

  void set_event_listener(EventListener listener) { listener_ = std::move(listener); }
  // Gauges the host measures (WASM heap bytes, event-loop lag).
  void set_host_gauge(const std::string& name, double value);
  void add_host_counter(const std::string& name, double amount);

  TieredCache& cache() { return *cache_; }
  const MetricsRegistry& metrics() const { return metrics_; }
  UpstreamClient& upstream() { return *upstream_; }
  // A fleet budget before every upstream attempt (see UpstreamClient::set_admission_gate).
  void set_admission_gate(AdmissionGate* gate) { upstream_->set_admission_gate(gate); }

 private:
  void declare_metrics();
  void apply_config(const Config& config, const std::vector<std::string>& changed);
  void configure_providers(const Config& config);
  CachePolicy policy_for(const RouteSpec& route) const;
  void run_chain(const RouteSpec& route, const nlohmann::json& params, CacheFetchCallback done);
  void run_consensus(const nlohmann::json& params, CacheFetchCallback done);
  void run_network(JsonCallback done);
  std::string answer_text(const CachedValue& cached) const;
  void track_error(const std::string& route, const Error& error);
  void sync_gauges();
  void on_performance_tick();
  void on_health_tick();
  void emit(const nlohmann::json& event);
  void schedule_timers();
  void cancel_timers();
  void warm();

  const Clock& clock_;
  Scheduler& scheduler_;
  HttpTransport& transport_;
  IntegrationOptions options_;
  ConfigStore config_;
  MetricsRegistry metrics_;
  MetricsHistory history_;
  std::unique_ptr<AlertEngine> alerts_;
  std::unique_ptr<TieredCache> cache_;
  std::unique_ptr<UpstreamClient> upstream_;
  std::unique_ptr<ProviderGateway> gateway_;
  std::unique_ptr<ProviderChain> chains_;
  std::unique_ptr<MarketConsensus> consensus_;
  ServiceRegistry registry_;
  EventListener listener_;

  RouteHealthMap route_health_;
  std::deque<nlohmann::json> tracked_errors_;
  std::string last_health_status_ = "healthy";
  TimerId performance_timer_ = 0;
  TimerId health_timer_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace ltl
