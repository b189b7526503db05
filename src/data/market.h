#pragma once
// Market data models. Units: prices and volumes in the quote currency,
// percentages in percent, timestamps in unix milliseconds. Missing values are
// std::nullopt (JSON null), never 0.
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace ltl {

struct PriceQuote {
  double price = 0;
  std::string currency;  // lower-case ISO code
  std::optional<double> market_cap;
  std::optional<double> volume_24h;
  std::optional<double> change_24h_pct;
  // Kraken only: change from the UTC day's opening price, which is not a 24 h change.
  std::optional<double> change_since_utc_midnight_pct;
  std::string source;    // provider id
  int64_t as_of_ms = 0;  // provider's own timestamp when it has one
};

void to_json(nlohmann::json& out, const PriceQuote& quote);
void from_json(const nlohmann::json& in, PriceQuote& quote);

}  // namespace ltl
