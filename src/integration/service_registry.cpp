#include "integration/service_registry.h"

#include <algorithm>
#include <functional>
#include <map>

#include <nlohmann/json.hpp>

namespace ltl {

const char* to_string(HealthStatus status) {
  switch (status) {
    case HealthStatus::healthy: return "healthy";
    case HealthStatus::degraded: return "degraded";
    case HealthStatus::unhealthy: return "unhealthy";
  }
  return "unhealthy";
}

Result<bool> ServiceRegistry::add(std::shared_ptr<Service> service) {
  if (find(service->name()) != nullptr)
    return make_error(ErrorCategory::config, "", "register", "service \"" + service->name() + "\" is registered twice");
  services_.push_back(std::move(service));
  return true;
}

Service* ServiceRegistry::find(const std::string& name) const {
  for (const auto& service : services_)
    if (service->name() == name) return service.get();
  return nullptr;
}

Result<std::vector<Service*>> ServiceRegistry::dependency_order() const {
  enum class Mark { none, visiting, done };
  std::map<std::string, Mark> marks;
  std::vector<Service*> order;
  std::string problem;
  // Depth-first in registration order, so independent services keep the order they were added in.
  std::function<bool(Service*, std::vector<std::string>&)> visit = [&](Service* service, std::vector<std::string>& path) {
    Mark& mark = marks[service->name()];
    if (mark == Mark::done) return true;
    path.push_back(service->name());
    if (mark == Mark::visiting) {
      std::string cycle;
      for (const auto& step : path) cycle += (cycle.empty() ? "" : " -> ") + step;
      problem = "dependency cycle: " + cycle;
      return false;
    }
    mark = Mark::visiting;
    for (const auto& dependency : service->dependencies()) {
      Service* target = find(dependency);
      if (target == nullptr) {
        problem = "service \"" + service->name() + "\" depends on \"" + dependency + "\", which is not registered";
        return false;
      }
      if (!visit(target, path)) return false;
    }
    marks[service->name()] = Mark::done;
    path.pop_back();
    order.push_back(service);
    return true;
  };
  for (const auto& service : services_) {
    std::vector<std::string> path;
    if (!visit(service.get(), path)) return make_error(ErrorCategory::config, "", "start", problem);
  }
  return order;
}

Result<bool> ServiceRegistry::start_all() {
  if (running()) return true;
  auto order = dependency_order();
  if (!order.ok()) return order.error();
  for (Service* service : order.value()) {
    auto started = service->start();
    if (!started.ok()) {
      stop_all();
      Error error = started.error();
      error.message = "starting " + service->name() + ": " + error.message;
      return error;
    }
    started_.push_back(service->name());
  }
  return true;
}

void ServiceRegistry::stop_all() {
  while (!started_.empty()) {
    if (Service* service = find(started_.back())) service->stop();
    started_.pop_back();
  }
}

nlohmann::json ServiceRegistry::health() const {
  nlohmann::json services = nlohmann::json::object();
  HealthStatus overall = HealthStatus::healthy;
  for (const auto& service : services_) {
    bool is_running = std::find(started_.begin(), started_.end(), service->name()) != started_.end();
    HealthReport report = is_running ? service->health() : HealthReport{HealthStatus::unhealthy, "not running"};
    overall = std::max(overall, report.status);
    services[service->name()] = {{"status", to_string(report.status)}, {"reason", report.reason}};
  }
  return {{"status", to_string(overall)}, {"services", services}};
}

}  // namespace ltl
