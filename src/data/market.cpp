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

std::string exchange_volume_scope(const std::string& provider) { return "exchange:" + provider; }

void to_json(nlohmann::json& out, const PriceQuote& quote) {
  out = nlohmann::json{{"price", quote.price},
                       {"currency", quote.currency},
                       {"quote", quote.quote},
                       {"market_cap", optional_number(quote.market_cap)},
                       {"volume_24h", optional_number(quote.volume_24h)},
                       {"volume_24h_scope", quote.volume_24h_scope ? nlohmann::json(*quote.volume_24h_scope) : nlohmann::json(nullptr)},
                       {"change_24h_pct", optional_number(quote.change_24h_pct)},
                       {"change_since_utc_midnight_pct", optional_number(quote.change_since_utc_midnight_pct)},
                       {"source", quote.source},
                       {"as_of", quote.as_of_ms},
                       {"as_of_source", quote.as_of_source}};
}

void from_json(const nlohmann::json& in, PriceQuote& quote) {
  quote.price = in.at("price").get<double>();
  quote.currency = in.at("currency").get<std::string>();
  quote.quote = in.at("quote").get<std::string>();
  quote.market_cap = read_optional(in, "market_cap");
  quote.volume_24h = read_optional(in, "volume_24h");
  if (in.contains("volume_24h_scope") && !in.at("volume_24h_scope").is_null())
    quote.volume_24h_scope = in.at("volume_24h_scope").get<std::string>();
  quote.change_24h_pct = read_optional(in, "change_24h_pct");
  quote.change_since_utc_midnight_pct = read_optional(in, "change_since_utc_midnight_pct");  // absent in older entries
  quote.source = in.at("source").get<std::string>();
  quote.as_of_ms = in.at("as_of").get<int64_t>();
  quote.as_of_source = in.at("as_of_source").get<std::string>();
}

}  // namespace ltl
