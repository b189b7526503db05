#include "config/config_store.h"

#include <utility>

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
  // Secrets are described as "(set)" and URLs without their password, so compare them directly.
  const Config& next = parsed.value();
  const std::pair<const char*, bool> hidden_changes[] = {
      {"COINGECKO_API_KEY", current_.coingecko_api_key != next.coingecko_api_key},
      {"REDIS_URL", current_.redis_url != next.redis_url},
      {"REDIS_PASSWORD", current_.redis_password != next.redis_password},
      {"REDIS_REST_URL", current_.redis_rest_url != next.redis_rest_url},
      {"REDIS_REST_TOKEN", current_.redis_rest_token != next.redis_rest_token},
  };
  for (const auto& [key, differs] : hidden_changes)
    if (differs && before.at(key) == after.at(key)) changed.push_back(key);
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
