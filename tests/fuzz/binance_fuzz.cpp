// libFuzzer target: the Binance 24 h ticker parser.
#include <cstddef>
#include <cstdint>

#include "data/providers/binance.h"
#include "data/providers/json_fields.h"
#include "fuzz_checks.h"

using namespace ltl;
using namespace ltl::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body = as_text(data, size);
  for (const char* currency : {"usd", "eur"}) {
    expect(providers::binance::parse_ticker_24hr(body, currency), "binance", "price", [&](const PriceQuote& quote) {
      check_quote(quote, "binance", currency);
      FUZZ_CHECK(quote.as_of_ms >= providers::kMinUnixMs && quote.as_of_ms <= providers::kMaxUnixMs);
    });
  }
  return 0;
}
