// libFuzzer target: both CoinGecko price parsers (/simple/price and /coins/markets).
#include <cstddef>
#include <cstdint>

#include "data/providers/coingecko.h"
#include "fuzz_checks.h"

using namespace ltl;
using namespace ltl::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr int64_t kFetchedAt = 1767229380123;
  const std::string_view body = as_text(data, size);
  namespace coingecko = providers::coingecko;
  // /simple/price accepts any finite change; only the shared checks that hold for it are applied.
  expect(coingecko::parse_simple_price(body, "usd", kFetchedAt), "coingecko", "price", [](const PriceQuote& quote) {
    FUZZ_CHECK(finite_positive(quote.price));
    FUZZ_CHECK(!quote.change_24h_pct || std::isfinite(*quote.change_24h_pct));
    FUZZ_CHECK(quote.as_of_ms > 0);
    check_round_trip(quote);
  });
  expect(coingecko::parse_coins_markets(body, "usd", kFetchedAt), "coingecko", "price",
         [](const PriceQuote& quote) { check_quote(quote, "coingecko", "usd"); });
  return 0;
}
