#include "integration/service_health.h"

namespace ltl {

HealthReport family_health(const std::vector<std::string>& providers, const std::vector<std::string>& routes,
                           const BreakerLookup& breaker, const RouteHealthMap& route_health) {
  size_t open = 0;
  for (const auto& provider : providers)
    if (breaker(provider) == BreakerState::open) ++open;
  for (const auto& route : routes) {
    auto it = route_health.find(route);
    if (it != route_health.end() && it->second.consecutive_failures >= 3)
      return HealthReport{HealthStatus::unhealthy, route + ": " + std::to_string(it->second.consecutive_failures) +
                                                       " failed requests in a row, last: " + it->second.last_error};
  }
  if (!providers.empty() && open == providers.size())
    return HealthReport{HealthStatus::unhealthy, "every provider's breaker is open"};
  if (open) return HealthReport{HealthStatus::degraded, std::to_string(open) + " of " + std::to_string(providers.size()) + " providers open"};
  return HealthReport{HealthStatus::healthy, "providers available"};
}

HealthReport monitor_health(bool performance_enabled, const std::vector<Alert>& active, size_t history_points) {
  size_t critical = 0;
  for (const auto& alert : active) critical += alert.level == AlertLevel::critical;
  if (!performance_enabled) return HealthReport{HealthStatus::healthy, "disabled by PERFORMANCE_ENABLED"};
  if (critical) return HealthReport{HealthStatus::degraded, std::to_string(critical) + " critical alert(s) active"};
  return HealthReport{HealthStatus::healthy, std::to_string(active.size()) + " alert(s) active, " +
                                                 std::to_string(history_points) + " history points"};
}

HealthReport cache_health(const TieredCache& cache) {
  if (!cache.enabled()) return HealthReport{HealthStatus::healthy, "disabled by CACHE_ENABLED"};
  for (const TierHealth& tier : cache.health())
    if (tier.status == "degraded")
      return HealthReport{HealthStatus::degraded, tier.name + " tier degraded (" + tier.reason + "); serving from memory"};
  const auto& memory = cache.memory().stats();
  return HealthReport{HealthStatus::healthy,
                      std::to_string(memory.entries) + " entries, " + std::to_string(memory.bytes) + " bytes in memory"};
}

HealthReport upstream_health(const std::vector<UpstreamProviderSnapshot>& snapshots) {
  std::string reason;
  for (const auto& snapshot : snapshots)
    if (snapshot.breaker.state != BreakerState::closed)
      reason += (reason.empty() ? "" : ", ") + snapshot.provider + " " + to_string(snapshot.breaker.state);
  if (reason.empty()) return HealthReport{HealthStatus::healthy, "every breaker closed"};
  return HealthReport{HealthStatus::degraded, "breakers: " + reason};
}

Result<bool> add_integration_services(ServiceRegistry& registry, const IntegrationHealthInputs& inputs) {
  const ConfigStore& config = inputs.config;
  TieredCache& cache = inputs.cache;
  UpstreamClient& upstream = inputs.upstream;
  const RouteHealthMap& routes = inputs.route_health;
  const std::vector<std::string> data_deps = {"cache", "upstream", "monitor"};
  auto family = [&upstream, &routes](const std::vector<std::string>& providers, const std::vector<std::string>& names) {
    return family_health(
        providers, names,
        [&upstream](const std::string& provider) { return upstream.breaker_state(provider).value_or(BreakerState::closed); },
        routes);
  };
  const std::vector<std::shared_ptr<Service>> services = {
      std::make_shared<LambdaService>("config", std::vector<std::string>{}, [&config] {
        return HealthReport{HealthStatus::healthy, "valid, version " + std::to_string(config.version())};
      }),
      std::make_shared<LambdaService>(
          "monitor", std::vector<std::string>{"config"},
          [&config, alerts = inputs.alerts, &history = inputs.history] {
            return monitor_health(config.current().performance_enabled, alerts().active(), history.size());
          },
          inputs.stop_monitor),
      std::make_shared<LambdaService>(
          "cache", std::vector<std::string>{"config"}, [&cache] { return cache_health(cache); },
          [&cache] { cache.set_sweep_interval_ms(0); }),
      std::make_shared<LambdaService>("upstream", std::vector<std::string>{"config"},
                                      [&upstream] { return upstream_health(upstream.snapshot()); }),
      std::make_shared<LambdaService>("market", data_deps, [&config, family] {
        return family(config.current().price_providers, {"price", "market"});
      }),
      std::make_shared<LambdaService>("network", data_deps, [&config, family] {
        return family(config.current().network_providers, {"fees", "mempool", "tip", "blocks", "difficulty", "hashrate"});
      }),
      std::make_shared<LambdaService>("sentiment", data_deps, [family] {
        HealthReport report = family({"fng"}, {"sentiment"});
        // Sentiment is an extra: without it the service still does its main job.
        if (report.status == HealthStatus::unhealthy) report.status = HealthStatus::degraded;
        return report;
      }),
  };
  for (const auto& service : services) {
    auto added = registry.add(service);
    if (!added.ok()) return added;
  }
  return true;
}

}  // namespace ltl
