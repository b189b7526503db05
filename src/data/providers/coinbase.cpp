#include "data/providers/coinbase.h"

#include "data/providers/json_fields.h"

namespace ltl::providers::coinbase {
namespace {

using nlohmann::json;
constexpr const char* kOperation = "price";
constexpr size_t kCodeMax = 16;

// The first entry of an `errors` array as a typed error.
Error reported_error(const json& errors) {
  FieldReader fields(kProvider, kOperation);
  const json* first = fields.object(FieldReader::element(&errors, 0), "errors[0]");
  std::string id = fields.string(FieldReader::member(first, "id"), "errors[0].id", 64);
  auto message = fields.optional_string(FieldReader::member(first, "message"), "errors[0].message", 200);
  if (!fields.ok()) return fields.error();
  ErrorCategory category = id == "rate_limit_exceeded"     ? ErrorCategory::rate_limited
                           : id == "internal_server_error" ? ErrorCategory::upstream_5xx
                                                           : ErrorCategory::upstream_4xx;
  return make_error(category, kProvider, kOperation,
                    "errors[0]: " + printable_prefix(id) + ": " + printable_prefix(message.value_or(""), 200));
}

}  // namespace

std::string spot_path(const std::string& currency) { return "/prices/BTC-" + ascii_upper(currency) + "/spot"; }

Result<PriceQuote> parse_spot(std::string_view body, const std::string& currency, int64_t fetched_at_ms) {
  auto parsed = parse_json_body(body, kProvider, kOperation);
  if (!parsed.ok()) return parsed.error();
  FieldReader fields(kProvider, kOperation);
  const json* root = fields.object(&parsed.value(), "body");
  if (const json* errors = FieldReader::member(root, "errors"); errors != nullptr && errors->is_array() && !errors->empty())
    return reported_error(*errors);

  const json* data = fields.object(FieldReader::member(root, "data"), "data");
  PriceQuote quote;
  quote.currency = currency;
  quote.quote = ascii_upper(currency);
  quote.source = kProvider;
  quote.as_of_ms = fetched_at_ms;
  quote.as_of_source = kAsOfFetch;
  quote.price = fields.positive(FieldReader::member(data, "amount"), "data.amount", NumberEncoding::number_or_string);
  std::string base = fields.string(FieldReader::member(data, "base"), "data.base", kCodeMax);
  if (fields.ok() && base != "BTC") fields.fail("data.base", "got \"" + printable_prefix(base) + "\"; expected \"BTC\"");
  std::string quoted = fields.string(FieldReader::member(data, "currency"), "data.currency", kCodeMax);
  if (fields.ok() && quoted != ascii_upper(currency))
    fields.fail("data.currency", "got \"" + printable_prefix(quoted) + "\"; expected \"" + ascii_upper(currency) + "\"");
  if (!fields.ok()) return fields.error();
  return quote;
}

}  // namespace ltl::providers::coinbase
