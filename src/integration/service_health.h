#pragma once
// The integration's services as the registry sees them: config, monitor, cache, upstream
// and the data families market, network and sentiment, with the seed's dependencies
// (data needs cache, upstream and monitor; all need config), and the rules that turn
// their state into a HealthReport.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cache/tiered_cache.h"
#include "config/config_store.h"
#include "integration/service_registry.h"
#include "monitor/alerts.h"
#include "monitor/history.h"
#include "resilience/upstream_client.h"

namespace ltl {

// Outcome of the recent requests of one route (validation errors are not counted).
struct RouteHealth {
  uint64_t consecutive_failures = 0;
  int64_t last_success_ms = 0;
  std::string last_error;  // category of the last failure
};
using RouteHealthMap = std::map<std::string, RouteHealth>;

// A registry service that reports health through a function and runs `on_stop` when stopped.
class LambdaService final : public Service {
 public:
  LambdaService(std::string name, std::vector<std::string> deps, std::function<HealthReport()> health,
                std::function<void()> on_stop = {})
      : name_(std::move(name)), deps_(std::move(deps)), health_(std::move(health)), on_stop_(std::move(on_stop)) {}
  std::string name() const override { return name_; }
  std::vector<std::string> dependencies() const override { return deps_; }
  void stop() override {
    if (on_stop_) on_stop_();
  }
  HealthReport health() const override { return health_(); }

 private:
  std::string name_;
  std::vector<std::string> deps_;
  std::function<HealthReport()> health_;
  std::function<void()> on_stop_;
};

using BreakerLookup = std::function<BreakerState(const std::string& provider)>;

// A data family is unhealthy when a route of it failed 3 requests in a row, or every
// provider's breaker is open; degraded when some providers are open; else healthy.
HealthReport family_health(const std::vector<std::string>& providers, const std::vector<std::string>& routes,
                           const BreakerLookup& breaker, const RouteHealthMap& route_health);
// Degraded while a critical alert is active (healthy when performance monitoring is off).
HealthReport monitor_health(bool performance_enabled, const std::vector<Alert>& active, size_t history_points);
// Degraded while a persistent tier is degraded (memory keeps serving).
HealthReport cache_health(const TieredCache& cache);
// Degraded while any breaker is not closed, naming them.
HealthReport upstream_health(const std::vector<UpstreamProviderSnapshot>& snapshots);

// What the services read. All must outlive the registry's services.
struct IntegrationHealthInputs {
  const ConfigStore& config;
  std::function<const AlertEngine&()> alerts;  // the current engine (replaced when the rules change)
  const MetricsHistory& history;
  TieredCache& cache;  // stopping the cache service stops its sweep
  UpstreamClient& upstream;
  const RouteHealthMap& route_health;
  std::function<void()> stop_monitor;  // stopping the monitor service cancels the host's timers
};

// Adds the seven services to `registry`; a name already there is a config error.
Result<bool> add_integration_services(ServiceRegistry& registry, const IntegrationHealthInputs& inputs);

}  // namespace ltl
