#pragma once
// The live configuration: updates are validated as a whole against the current
// values (nothing half-applies) and then pushed to subscribers, so TTLs,
// thresholds, intervals, provider order and timeouts change without a restart.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "config/config.h"

namespace ltl {

class ConfigStore {
 public:
  using Listener = std::function<void(const Config& config, const std::vector<std::string>& changed_keys)>;
  using SubscriptionId = uint64_t;

  explicit ConfigStore(Config initial = Config{}) : current_(std::move(initial)) {}

  const Config& current() const { return current_; }
  uint64_t version() const { return version_; }

  // Applies env-style overrides on top of the current values. Returns the keys whose
  // effective value changed; listeners hear of it only when something changed.
  Result<std::vector<std::string>> update(const nlohmann::json& overrides);

  SubscriptionId subscribe(Listener listener);
  void unsubscribe(SubscriptionId id);
  size_t subscribers() const { return listeners_.size(); }

 private:
  Config current_;
  uint64_t version_ = 1;
  SubscriptionId last_id_ = 0;
  std::map<SubscriptionId, Listener> listeners_;
};

}  // namespace ltl
