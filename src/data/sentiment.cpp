#include "data/sentiment.h"

#include <nlohmann/json.hpp>

namespace ltl {

void to_json(nlohmann::json& out, const FearGreed& value) {
  out = nlohmann::json{{"value", value.value},
                       {"classification", value.classification},
                       {"timestamp_ms", value.timestamp_ms},
                       {"time_until_update_ms", value.time_until_update_ms
                                                    ? nlohmann::json(*value.time_until_update_ms)
                                                    : nlohmann::json(nullptr)},
                       {"time_until_update_error", value.time_until_update_error
                                                       ? nlohmann::json(*value.time_until_update_error)
                                                       : nlohmann::json(nullptr)}};
}

void from_json(const nlohmann::json& in, FearGreed& value) {
  value.value = in.at("value").get<int>();
  value.classification = in.at("classification").get<std::string>();
  value.timestamp_ms = in.at("timestamp_ms").get<int64_t>();
  auto until = in.find("time_until_update_ms");
  value.time_until_update_ms =
      until == in.end() || until->is_null() ? std::nullopt : std::optional<int64_t>(until->get<int64_t>());
  auto error = in.find("time_until_update_error");
  value.time_until_update_error = error == in.end() || error->is_null()
                                      ? std::nullopt
                                      : std::optional<std::string>(error->get<std::string>());
}

}  // namespace ltl
