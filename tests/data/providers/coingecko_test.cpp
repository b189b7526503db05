#include "data/providers/coingecko.h"

#include <gtest/gtest.h>

#include "support/fixtures.h"

namespace ltl {
namespace {

using providers::coingecko::parse_simple_price;
using providers::coingecko::simple_price_path;
constexpr int64_t kFetchedAt = 1711356999000;

TEST(CoinGeckoSimplePrice, ParsesTheReferenceBodyWithUnitsNormalised) {
  auto result = parse_simple_price(testing::fixture("coingecko/simple_price.json"), "usd", kFetchedAt);
  ASSERT_TRUE(result.ok()) << result.error().message;
  const PriceQuote& quote = result.value();
  EXPECT_DOUBLE_EQ(quote.price, 67187.3358936566);
  EXPECT_DOUBLE_EQ(*quote.market_cap, 1317802988326.25);
  EXPECT_DOUBLE_EQ(*quote.volume_24h, 31260929299.5248);
  EXPECT_DOUBLE_EQ(*quote.change_24h_pct, 3.63727894677354);
  EXPECT_EQ(quote.as_of_ms, 1711356300000);  // seconds → ms
  EXPECT_EQ(quote.as_of_source, "provider");
  EXPECT_EQ(quote.source, "coingecko");
  EXPECT_EQ(quote.currency, "usd");
  EXPECT_EQ(quote.quote, "USD");
  EXPECT_EQ(quote.volume_24h_scope, "global");  // aggregated across exchanges
}

TEST(CoinGeckoSimplePrice, RequestsEveryFieldForTheCurrency) {
  EXPECT_EQ(simple_price_path("eur"),
            "/simple/price?ids=bitcoin&vs_currencies=eur&include_market_cap=true"
            "&include_24hr_vol=true&include_24hr_change=true&include_last_updated_at=true");
}

TEST(CoinGeckoSimplePrice, ReadsTheRequestedCurrencyAmongSeveral) {
  auto result = parse_simple_price(
      R"({"bitcoin":{"usd":100.5,"eur":92.25,"eur_market_cap":5,"last_updated_at":1700000000}})", "eur", kFetchedAt);
  ASSERT_TRUE(result.ok());
  EXPECT_DOUBLE_EQ(result.value().price, 92.25);
  EXPECT_DOUBLE_EQ(*result.value().market_cap, 5);
  EXPECT_FALSE(result.value().volume_24h.has_value());
  EXPECT_FALSE(result.value().volume_24h_scope.has_value());  // no volume, no scope
  EXPECT_EQ(result.value().quote, "EUR");
}

TEST(CoinGeckoSimplePrice, NullAndAbsentOptionalsStayMissingAndZeroStaysZero) {
  auto result = parse_simple_price(
      R"({"bitcoin":{"usd":1.5,"usd_24h_change":null,"usd_24h_vol":0,"extra":"ignored"}})", "usd", kFetchedAt);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_FALSE(result.value().change_24h_pct.has_value());
  EXPECT_FALSE(result.value().market_cap.has_value());
  ASSERT_TRUE(result.value().volume_24h.has_value());
  EXPECT_EQ(*result.value().volume_24h, 0.0);
  EXPECT_EQ(result.value().as_of_ms, kFetchedAt);  // no provider timestamp → fetch time
  EXPECT_EQ(result.value().as_of_source, "fetch");
}

struct BadBody {
  const char* name;
  std::string body;
  std::string expected_field;
};

void PrintTo(const BadBody& c, std::ostream* os) { *os << c.name; }

class CoinGeckoBadBodies : public ::testing::TestWithParam<BadBody> {};

TEST_P(CoinGeckoBadBodies, AreTypedParseErrorsNamingTheField) {
  auto result = parse_simple_price(GetParam().body, "usd", kFetchedAt);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().category, ErrorCategory::parse);
  EXPECT_EQ(result.error().provider, "coingecko");
  EXPECT_EQ(result.error().operation, "price");
  EXPECT_FALSE(result.error().retryable);
  EXPECT_EQ(result.error().message.rfind(GetParam().expected_field + ":", 0), 0u) << result.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Bodies, CoinGeckoBadBodies,
    ::testing::Values(
        BadBody{"empty", "", "body"},
        BadBody{"whitespace", " \n", "body"},
        BadBody{"html", testing::fixture("coingecko/cloudflare_error.html"), "body"},
        BadBody{"truncated", R"({"bitcoin": {"usd": 6718)", "body"},
        BadBody{"plain_number", "67187", "body"},
        BadBody{"array", "[]", "body"},
        BadBody{"unknown_coin", "{}", "bitcoin"},
        BadBody{"coin_not_object", R"({"bitcoin": 5})", "bitcoin"},
        BadBody{"currency_missing", R"({"bitcoin": {"eur": 5}})", "bitcoin.usd"},
        BadBody{"price_string", R"({"bitcoin": {"usd": "67187.3"}})", "bitcoin.usd"},
        BadBody{"price_null", R"({"bitcoin": {"usd": null}})", "bitcoin.usd"},
        BadBody{"price_zero", R"({"bitcoin": {"usd": 0}})", "bitcoin.usd"},
        BadBody{"price_negative", R"({"bitcoin": {"usd": -3}})", "bitcoin.usd"},
        BadBody{"market_cap_string", R"({"bitcoin": {"usd": 1, "usd_market_cap": "5"}})", "bitcoin.usd_market_cap"},
        BadBody{"change_bool", R"({"bitcoin": {"usd": 1, "usd_24h_change": true}})", "bitcoin.usd_24h_change"},
        BadBody{"updated_in_ms", R"({"bitcoin": {"usd": 1, "last_updated_at": 1711356300000}})", "bitcoin.last_updated_at"},
        BadBody{"updated_string", R"({"bitcoin": {"usd": 1, "last_updated_at": "1711356300"}})", "bitcoin.last_updated_at"},
        BadBody{"rate_limit_body", testing::fixture("coingecko/rate_limited_429.json"), "bitcoin"}),
    [](const ::testing::TestParamInfo<BadBody>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace ltl
