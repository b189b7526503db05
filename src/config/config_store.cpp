#include "config/config_store.h"

#include <nlohmann/json.hpp>

namespace ltl {

Result<std::vector<std::string>> ConfigStore::update(const nlohmann::json& overrides) {
  auto parsed = parse_config(overrides, current_);
  if (!parsed.ok()) return parsed.error();
  const nlohmann::json before = describe_config(current_);
  const nlohmann::json after = describe_config(parsed.value());
  std::vector<std::string> changed;
  for (auto it = after.begin(); it != after.end(); ++it)
    if (before.at(it.key()) != it.value()) changed.push_back(it.key());
  // Secrets are described as "(set)", so compare them directly.
  if (current_.coingecko_api_key != parsed.value().coingecko_api_key && before.at("COINGECKO_API_KEY") == after.at("COINGECKO_API_KEY"))
    changed.push_back("COINGECKO_API_KEY");
  if (changed.empty()) return changed;
  current_ = parsed.value();
  ++version_;
  // Copy first: a listener may unsubscribe (itself or another) while we notify.
  auto listeners = listeners_;
  for (const auto& entry : listeners) entry.second(current_, changed);
  return changed;
}

ConfigStore::SubscriptionId ConfigStore::subscribe(Listener listener) {
  listeners_.emplace(++last_id_, std::move(listener));
  return last_id_;
}

void ConfigStore::unsubscribe(SubscriptionId id) { listeners_.erase(id); }

}  // namespace ltl
