// /coins/markets. Fixtures: tests/fixtures/coingecko/coins_markets.json is the body quoted in
// upstream-apis.md; sim_coins_markets.json was captured from the simulator.
#include <gtest/gtest.h>

#include "data/providers/coingecko.h"
#include "data/providers/error_assertions.h"
#include "support/fixtures.h"

namespace ltl {
namespace {

namespace coingecko = providers::coingecko;
using testing::BadBody;
using testing::IsParseError;
constexpr int64_t kFetchedAt = 1711356999000;

TEST(CoinGeckoCoinsMarkets, ParsesTheReferenceBodyWithTheIsoDate) {
  auto quote = coingecko::parse_coins_markets(testing::fixture("coingecko/coins_markets.json"), "usd", kFetchedAt);
  ASSERT_TRUE(quote.ok()) << quote.error().message;
  EXPECT_EQ(quote.value().price, 70187);
  EXPECT_EQ(quote.value().market_cap, 1381651251183.0);
  EXPECT_EQ(quote.value().volume_24h, 20154184933.0);
  EXPECT_DOUBLE_EQ(*quote.value().change_24h_pct, 3.12502);
  EXPECT_EQ(quote.value().as_of_ms, 1712508571736);  // "2024-04-07T16:49:31.736Z"
  EXPECT_EQ(quote.value().source, "coingecko");
}

TEST(CoinGeckoCoinsMarkets, ParsesTheSimulatorBody) {
  auto quote = coingecko::parse_coins_markets(testing::fixture("coingecko/sim_coins_markets.json"), "usd", kFetchedAt);
  ASSERT_TRUE(quote.ok()) << quote.error().message;
  EXPECT_EQ(quote.value().price, 82217);
  EXPECT_DOUBLE_EQ(*quote.value().change_24h_pct, -3.33423);
  EXPECT_EQ(quote.value().as_of_ms, 1767229380000);
}

TEST(CoinGeckoCoinsMarkets, PathAndMissingOptionals) {
  EXPECT_EQ(coingecko::coins_markets_path("eur"), "/coins/markets?vs_currency=eur&ids=bitcoin");
  auto quote = coingecko::parse_coins_markets(
      R"([{"id":"ethereum","current_price":1},{"id":"bitcoin","current_price":5,"price_change_percentage_24h":null,)"
      R"("total_volume":0,"last_updated":null}])",
      "usd", kFetchedAt);
  ASSERT_TRUE(quote.ok()) << quote.error().message;
  EXPECT_EQ(quote.value().price, 5);
  EXPECT_FALSE(quote.value().change_24h_pct.has_value());
  EXPECT_FALSE(quote.value().market_cap.has_value());
  EXPECT_EQ(quote.value().volume_24h, 0.0);
  EXPECT_EQ(quote.value().as_of_ms, kFetchedAt);
}

class CoinGeckoCoinsMarketsBadBodies : public ::testing::TestWithParam<BadBody> {};

TEST_P(CoinGeckoCoinsMarketsBadBodies, AreParseErrorsNamingTheField) {
  EXPECT_TRUE(IsParseError(coingecko::parse_coins_markets(GetParam().body, "usd", kFetchedAt), "coingecko", "price",
                           GetParam().field));
}

INSTANTIATE_TEST_SUITE_P(
    Bodies, CoinGeckoCoinsMarketsBadBodies,
    ::testing::Values(BadBody{"rate_limited", testing::fixture("coingecko/rate_limited_429.json"), "body"},
                      BadBody{"html", testing::fixture("coingecko/cloudflare_error.html"), "body"},
                      BadBody{"no_bitcoin", "[]", "bitcoin"},
                      BadBody{"price_string", R"([{"id":"bitcoin","current_price":"70187"}])", "[0].current_price"},
                      BadBody{"price_missing", R"([{"id":"bitcoin"}])", "[0].current_price"},
                      BadBody{"cap_negative", R"([{"id":"bitcoin","current_price":1,"market_cap":-1}])", "[0].market_cap"},
                      BadBody{"date_epoch", R"([{"id":"bitcoin","current_price":1,"last_updated":1712508571}])",
                              "[0].last_updated"},
                      BadBody{"date_garbled", R"([{"id":"bitcoin","current_price":1,"last_updated":"2024-13-07T16:49:31Z"}])",
                              "[0].last_updated"},
                      BadBody{"date_no_zone", R"([{"id":"bitcoin","current_price":1,"last_updated":"2024-04-07T16:49:31"}])",
                              "[0].last_updated"}),
    testing::BadBodyName);

}  // namespace
}  // namespace ltl
