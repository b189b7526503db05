#include "data/market.h"

#include <nlohmann/json.hpp>

namespace ltl {
namespace {
nlohmann::json optional_number(const std::optional<double>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}
std::optional<double> read_optional(const nlohmann::json& in, const char* key) {
  if (!in.contains(key) || in.at(key).is_null()) return std::nullopt;
  return in.at(key).get<double>();
}
}  // namespace

void to_json(nlohmann::json& out, const PriceQuote& quote) {
  out = nlohmann::json{{"price", quote.price},
                       {"currency", quote.currency},
                       {"market_cap", optional_number(quote.market_cap)},
                       {"volume_24h", optional_number(quote.volume_24h)},
                       {"change_24h_pct", optional_number(quote.change_24h_pct)},
                       {"change_since_utc_midnight_pct", optional_number(quote.change_since_utc_midnight_pct)},
                       {"source", quote.source},
                       {"as_of", quote.as_of_ms}};
}

void from_json(const nlohmann::json& in, PriceQuote& quote) {
  quote.price = in.at("price").get<double>();
  quote.currency = in.at("currency").get<std::string>();
  quote.market_cap = read_optional(in, "market_cap");
  quote.volume_24h = read_optional(in, "volume_24h");
  quote.change_24h_pct = read_optional(in, "change_24h_pct");
  quote.change_since_utc_midnight_pct = read_optional(in, "change_since_utc_midnight_pct");  // absent in older entries
  quote.source = in.at("source").get<std::string>();
  quote.as_of_ms = in.at("as_of").get<int64_t>();
}

}  // namespace ltl
