#include "data/providers/kraken.h"

#include <cmath>

#include "data/providers/json_fields.h"

namespace ltl::providers::kraken {
namespace {

using nlohmann::json;
constexpr const char* kOperation = "price";
constexpr auto kEither = NumberEncoding::number_or_string;
constexpr size_t kMaxErrorsRead = 16;
constexpr size_t kErrorCodeMax = 200;

}  // namespace

std::string ticker_path(const std::string& currency) { return "/Ticker?pair=XBT" + ascii_upper(currency); }

ErrorCategory category_for_error_code(std::string_view code) {
  if (code.starts_with("EAPI:Rate limit") || code.starts_with("EService:Throttled") ||
      code == "EGeneral:Too many requests")
    return ErrorCategory::rate_limited;
  if (code.starts_with("EService:") || code == "EGeneral:Internal error") return ErrorCategory::upstream_5xx;
  return ErrorCategory::upstream_4xx;
}

Result<PriceQuote> parse_ticker(std::string_view body, const std::string& currency, int64_t fetched_at_ms) {
  auto parsed = parse_json_body(body, kProvider, kOperation);
  if (!parsed.ok()) return parsed.error();
  FieldReader fields(kProvider, kOperation);
  const json* root = fields.object(&parsed.value(), "body");

  if (const json* errors = FieldReader::member(root, "error"); errors != nullptr && !errors->is_null()) {
    errors = fields.array(errors, "error");
    for (size_t i = 0; fields.ok() && i < errors->size() && i < kMaxErrorsRead; ++i) {
      std::string code = fields.string(FieldReader::element(errors, i), "error[" + std::to_string(i) + "]", kErrorCodeMax);
      if (fields.ok() && code.front() == 'E')
        return make_error(category_for_error_code(code), kProvider, kOperation, "error: " + printable_prefix(code, 200));
    }
  }

  // Legacy pairs answer as XXBTZ<CUR>, newer ones as XBT<CUR>.
  const std::string code = ascii_upper(currency);
  const std::string legacy_key = "XXBTZ" + code;
  const std::string plain_key = "XBT" + code;
  const json* result = fields.object(FieldReader::member(root, "result"), "result");
  std::string key = legacy_key;
  const json* ticker = FieldReader::member(result, legacy_key);
  if (ticker == nullptr) {
    key = plain_key;
    ticker = FieldReader::member(result, plain_key);
  }
  if (fields.ok() && ticker == nullptr)
    fields.fail("result." + legacy_key, "missing (and no result." + plain_key + "); expected the XBT/" + code + " ticker");
  const std::string path = "result." + key;
  ticker = fields.object(ticker, path);

  PriceQuote quote;
  quote.currency = currency;
  quote.quote = code;
  quote.source = kProvider;
  quote.as_of_ms = fetched_at_ms;
  quote.as_of_source = kAsOfFetch;
  const json* last_trade = fields.array(FieldReader::member(ticker, "c"), path + ".c");
  quote.price = fields.positive(FieldReader::element(last_trade, 0), path + ".c[0]", kEither);

  const json* volume = FieldReader::member(ticker, "v");
  const json* vwap = FieldReader::member(ticker, "p");
  if (volume != nullptr && vwap != nullptr) {
    volume = fields.array(volume, path + ".v");
    vwap = fields.array(vwap, path + ".p");
    double volume_btc = fields.number(FieldReader::element(volume, 1), path + ".v[1]", kEither, kNonNegative);
    double vwap_price = fields.positive(FieldReader::element(vwap, 1), path + ".p[1]", kEither);
    quote.volume_24h = volume_btc * vwap_price;
    quote.volume_24h_scope = exchange_volume_scope(kProvider);
    if (fields.ok() && !std::isfinite(*quote.volume_24h)) fields.fail(path + ".v[1]", "volume x VWAP overflows");
  }
  if (auto open = FieldReader::member(ticker, "o"); open != nullptr && !open->is_null()) {
    double open_price = fields.positive(open, path + ".o", kEither);
    double change_pct = (quote.price / open_price - 1) * 100;
    if (fields.ok() && !std::isfinite(change_pct)) fields.fail(path + ".o", "change from the open overflows");
    if (fields.ok()) quote.change_since_utc_midnight_pct = change_pct;
  }
  if (!fields.ok()) return fields.error();
  return quote;
}

}  // namespace ltl::providers::kraken
