#pragma once
// Market sentiment models. Timestamps in unix ms, durations in ms; missing is std::nullopt.
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace ltl {

// alternative.me Crypto Fear & Greed Index (one value per UTC day).
struct FearGreed {
  static constexpr int kMin = 0;
  static constexpr int kMax = 100;
  int value = 0;               // 0 = extreme fear … 100 = extreme greed
  std::string classification;  // e.g. "Extreme Fear", as the provider words it
  int64_t timestamp_ms = 0;    // start of the UTC day the value belongs to
  std::optional<int64_t> time_until_update_ms;  // only the newest entry carries it
  std::optional<std::string> time_until_update_error;  // why time_until_update_ms is null despite a value
};

void to_json(nlohmann::json& out, const FearGreed& value);
void from_json(const nlohmann::json& in, FearGreed& value);

}  // namespace ltl
