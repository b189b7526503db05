#pragma once
// Services with declared dependencies: started in dependency order, stopped in
// reverse, health aggregated. Names are fixed by code, so lookups cannot drift.
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/result.h"

namespace ltl {

enum class HealthStatus { healthy, degraded, unhealthy };
const char* to_string(HealthStatus status);

struct HealthReport {
  HealthStatus status = HealthStatus::healthy;
  std::string reason;
};

class Service {
 public:
  virtual ~Service() = default;
  virtual std::string name() const = 0;
  virtual std::vector<std::string> dependencies() const { return {}; }
  // start() may fail with a typed error; stop() releases timers and subscriptions.
  virtual Result<bool> start() { return true; }
  virtual void stop() {}
  virtual HealthReport health() const = 0;
};

class ServiceRegistry {
 public:
  // Fails on a duplicate name.
  Result<bool> add(std::shared_ptr<Service> service);
  // Starts every service after its dependencies. A missing dependency or a cycle is a config
  // error and nothing starts; a failing start stops the ones already started, in reverse.
  Result<bool> start_all();
  // Stops in the reverse of the start order; safe to call twice.
  void stop_all();

  const std::vector<std::string>& start_order() const { return started_; }
  bool running() const { return !started_.empty(); }
  Service* find(const std::string& name) const;

  // {"status": worst of all, "services": {name: {status, reason}}}; a service that is not
  // running reports unhealthy.
  nlohmann::json health() const;

 private:
  Result<std::vector<Service*>> dependency_order() const;

  std::vector<std::shared_ptr<Service>> services_;
  std::vector<std::string> started_;
};

}  // namespace ltl
