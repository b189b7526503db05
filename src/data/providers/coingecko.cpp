#include "data/providers/coingecko.h"

#include "data/providers/json_fields.h"

namespace ltl::providers::coingecko {
namespace {
constexpr const char* kOperation = "price";
}

std::string simple_price_path(const std::string& currency) {
  return "/simple/price?ids=bitcoin&vs_currencies=" + currency +
         "&include_market_cap=true&include_24hr_vol=true&include_24hr_change=true"
         "&include_last_updated_at=true";
}

Result<PriceQuote> parse_simple_price(std::string_view body, const std::string& currency,
                                      int64_t fetched_at_ms) {
  auto parsed = parse_json_body(body, kProvider, kOperation);
  if (!parsed.ok()) return parsed.error();
  const nlohmann::json& root = parsed.value();
  if (!root.is_object()) return field_error(kProvider, kOperation, "body", "expected a JSON object");
  auto coin = root.find("bitcoin");
  if (coin == root.end()) return field_error(kProvider, kOperation, "bitcoin", "missing");
  if (!coin->is_object())
    return field_error(kProvider, kOperation, "bitcoin",
                       std::string("got ") + coin->type_name() + "; expected an object");

  const std::string prefix = "bitcoin.";
  PriceQuote quote;
  quote.currency = currency;
  quote.quote = ascii_upper(currency);
  quote.source = kProvider;

  auto price = read_number(*coin, currency, true, kProvider, kOperation, prefix + currency);
  if (!price.ok()) return price.error();
  if (*price.value() <= 0)
    return field_error(kProvider, kOperation, prefix + currency, "expected a positive price");
  quote.price = *price.value();

  struct Optional {
    std::string key;
    std::optional<double> PriceQuote::*field;
  };
  for (const Optional& item : {Optional{currency + "_market_cap", &PriceQuote::market_cap},
                               Optional{currency + "_24h_vol", &PriceQuote::volume_24h},
                               Optional{currency + "_24h_change", &PriceQuote::change_24h_pct}}) {
    auto value = read_number(*coin, item.key, false, kProvider, kOperation, prefix + item.key);
    if (!value.ok()) return value.error();
    quote.*item.field = value.value();
  }
  if (quote.volume_24h) quote.volume_24h_scope = kVolumeScopeGlobal;

  auto updated = read_number(*coin, "last_updated_at", false, kProvider, kOperation,
                             prefix + "last_updated_at");
  if (!updated.ok()) return updated.error();
  if (updated.value()) {
    double seconds = *updated.value();
    if (seconds <= 0 || seconds > 1e11)
      return field_error(kProvider, kOperation, prefix + "last_updated_at",
                         "expected unix seconds");
    quote.as_of_ms = static_cast<int64_t>(seconds) * 1000;
    quote.as_of_source = kAsOfProvider;
  } else {
    quote.as_of_ms = fetched_at_ms;
  }
  return quote;
}

std::string coins_markets_path(const std::string& currency) {
  return "/coins/markets?vs_currency=" + currency + "&ids=bitcoin";
}

Result<PriceQuote> parse_coins_markets(std::string_view body, const std::string& currency,
                                       int64_t fetched_at_ms) {
  auto parsed = parse_json_body(body, kProvider, kOperation);
  if (!parsed.ok()) return parsed.error();
  FieldReader fields(kProvider, kOperation);
  const nlohmann::json* root = fields.array(&parsed.value(), "body");
  if (!fields.ok()) return fields.error();
  const nlohmann::json* coin = nullptr;
  std::string path;
  for (size_t i = 0; i < root->size() && coin == nullptr; ++i) {
    const nlohmann::json* id = FieldReader::member(&(*root)[i], "id");
    if (id != nullptr && *id == "bitcoin") {
      coin = &(*root)[i];
      path = "[" + std::to_string(i) + "].";
    }
  }
  if (coin == nullptr) return field_error(kProvider, kOperation, "bitcoin", "missing; no entry with id \"bitcoin\"");

  constexpr auto kNumber = NumberEncoding::json_number;
  auto member = [&](const char* key) { return FieldReader::member(coin, key); };
  PriceQuote quote;
  quote.currency = currency;
  quote.quote = ascii_upper(currency);
  quote.source = kProvider;
  quote.price = fields.positive(member("current_price"), path + "current_price", kNumber);
  quote.market_cap = fields.optional_number(member("market_cap"), path + "market_cap", kNumber, kNonNegative);
  quote.volume_24h = fields.optional_number(member("total_volume"), path + "total_volume", kNumber, kNonNegative);
  if (quote.volume_24h) quote.volume_24h_scope = kVolumeScopeGlobal;
  quote.change_24h_pct = fields.optional_number(member("price_change_percentage_24h"),
                                                path + "price_change_percentage_24h", kNumber, {-100, 1e9});
  auto updated = fields.optional_string(member("last_updated"), path + "last_updated", 64);
  quote.as_of_ms = fetched_at_ms;
  if (updated) {
    if (auto ms = parse_iso8601_utc_ms(*updated)) {
      quote.as_of_ms = *ms;
      quote.as_of_source = kAsOfProvider;
    } else fields.fail(path + "last_updated", "got \"" + printable_prefix(*updated) + "\"; expected an ISO-8601 UTC time");
  }
  if (!fields.ok()) return fields.error();
  return quote;
}

}  // namespace ltl::providers::coingecko
