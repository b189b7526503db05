// libFuzzer target: the kraken price parser.
#include <cstddef>
#include <cstdint>

#include "data/providers/kraken.h"
#include "fuzz_checks.h"

using namespace ltl;
using namespace ltl::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr int64_t kFetchedAt = 1767229380123;
  const std::string_view body = as_text(data, size);
  for (const char* currency : {"usd", "chf"}) {
    expect(providers::kraken::parse_ticker(body, currency, kFetchedAt), "kraken", "price",
           [&](const PriceQuote& quote) {
             check_quote(quote, "kraken", currency);
             FUZZ_CHECK(quote.as_of_ms == kFetchedAt);  // the body carries no timestamp
           });
  }
  return 0;
}
