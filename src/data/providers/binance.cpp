#include "data/providers/binance.h"

#include "data/providers/json_fields.h"

namespace ltl::providers::binance {
namespace {

using nlohmann::json;
constexpr const char* kOperation = "price";
constexpr auto kEither = NumberEncoding::number_or_string;
constexpr int64_t kTooManyRequests = -1003;
constexpr size_t kSymbolMax = 32;

Error reported_error(const json& body) {
  FieldReader fields(kProvider, kOperation);
  int64_t code = fields.integer(FieldReader::member(&body, "code"), "code", NumberEncoding::json_number,
                                -1'000'000, 1'000'000);
  auto message = fields.optional_string(FieldReader::member(&body, "msg"), "msg", 1000);
  if (!fields.ok()) return fields.error();
  ErrorCategory category = code == kTooManyRequests           ? ErrorCategory::rate_limited
                           : code <= -1000 && code >= -1099   ? ErrorCategory::upstream_5xx
                                                              : ErrorCategory::upstream_4xx;
  return make_error(category, kProvider, kOperation,
                    "code: " + std::to_string(code) + " " + printable_prefix(message.value_or(""), 200));
}

}  // namespace

bool quotes(const std::string& currency, bool usdt_as_usd) {
  if (currency == "usd") return usdt_as_usd;
  for (std::string_view listed : kListedFiat)
    if (currency == listed) return true;
  return false;
}

std::string quote_asset(const std::string& currency) {
  const std::string code = ascii_upper(currency);
  return code == "USD" ? "USDT" : code;
}

std::string symbol_for(const std::string& currency) { return "BTC" + quote_asset(currency); }

std::string ticker_path(const std::string& currency) { return "/ticker/24hr?symbol=" + symbol_for(currency); }

Result<PriceQuote> parse_ticker_24hr(std::string_view body, const std::string& currency) {
  auto parsed = parse_json_body(body, kProvider, kOperation);
  if (!parsed.ok()) return parsed.error();
  const json& root = parsed.value();
  const std::string symbol = symbol_for(currency);
  FieldReader fields(kProvider, kOperation);

  const json* ticker = &root;
  std::string path;
  if (root.is_array()) {
    ticker = nullptr;
    for (size_t i = 0; i < root.size() && ticker == nullptr; ++i) {
      const json* symbol_field = FieldReader::member(&root[i], "symbol");
      if (symbol_field != nullptr && *symbol_field == symbol) {
        ticker = &root[i];
        path = "[" + std::to_string(i) + "].";
      }
    }
    if (ticker == nullptr) return field_error(kProvider, kOperation, "symbol", "no " + symbol + " ticker in the list");
  } else if (root.contains("code") && !root.contains("lastPrice")) {
    return reported_error(root);
  }

  ticker = fields.object(ticker, "body");
  std::string got_symbol = fields.string(FieldReader::member(ticker, "symbol"), path + "symbol", kSymbolMax);
  if (fields.ok() && got_symbol != symbol)
    fields.fail(path + "symbol", "got \"" + printable_prefix(got_symbol) + "\"; expected \"" + symbol + "\"");
  PriceQuote quote;
  quote.currency = currency;
  quote.quote = quote_asset(currency);
  quote.source = kProvider;
  quote.as_of_source = kAsOfProvider;
  quote.price = fields.positive(FieldReader::member(ticker, "lastPrice"), path + "lastPrice", kEither);
  quote.volume_24h =
      fields.optional_number(FieldReader::member(ticker, "quoteVolume"), path + "quoteVolume", kEither, kNonNegative);
  if (quote.volume_24h) quote.volume_24h_scope = exchange_volume_scope(kProvider);
  // A price cannot fall more than 100 %.
  quote.change_24h_pct = fields.optional_number(FieldReader::member(ticker, "priceChangePercent"),
                                                path + "priceChangePercent", kEither, {-100, 1e9});
  quote.as_of_ms = fields.integer(FieldReader::member(ticker, "closeTime"), path + "closeTime", kEither, kMinUnixMs,
                                  kMaxUnixMs);
  if (!fields.ok()) return fields.error();
  return quote;
}

}  // namespace ltl::providers::binance
