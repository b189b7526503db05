// Fixtures: tests/fixtures/coinbase/<name> are the bodies quoted in upstream-apis.md; sim_<name>
// were captured from the simulator (seed 1, manual clock, start + 3 780 000 ms).
#include "data/providers/coinbase.h"

#include <gtest/gtest.h>

#include "data/providers/error_assertions.h"
#include "support/fixtures.h"

namespace ltl {
namespace {

namespace coinbase = providers::coinbase;
using testing::BadBody;
using testing::IsError;
using testing::IsParseError;
constexpr int64_t kFetchedAt = 1767229380123;

TEST(CoinbaseSpot, ParsesTheStringAmountInEitherKeyOrder) {
  auto quote = coinbase::parse_spot(testing::fixture("coinbase/spot.json"), "usd", kFetchedAt);
  ASSERT_TRUE(quote.ok()) << quote.error().message;
  EXPECT_DOUBLE_EQ(quote.value().price, 83894.035);
  EXPECT_EQ(quote.value().currency, "usd");
  EXPECT_EQ(quote.value().source, "coinbase");
  EXPECT_EQ(quote.value().as_of_ms, kFetchedAt);  // no timestamp in the body
  EXPECT_EQ(quote.value().as_of_source, "fetch");
  EXPECT_EQ(quote.value().quote, "USD");
  EXPECT_FALSE(quote.value().volume_24h.has_value());
  EXPECT_FALSE(quote.value().volume_24h_scope.has_value());
  EXPECT_FALSE(quote.value().change_24h_pct.has_value());
  EXPECT_FALSE(quote.value().market_cap.has_value());

  auto old_order = coinbase::parse_spot(testing::fixture("coinbase/spot_old_key_order.json"), "usd", kFetchedAt);
  ASSERT_TRUE(old_order.ok()) << old_order.error().message;
  EXPECT_DOUBLE_EQ(old_order.value().price, 11110.66);

  auto eur = coinbase::parse_spot(testing::fixture("coinbase/sim_spot_eur.json"), "eur", kFetchedAt);
  ASSERT_TRUE(eur.ok()) << eur.error().message;
  EXPECT_DOUBLE_EQ(eur.value().price, 70706.31);
}

TEST(CoinbaseSpot, AcceptsTheAmountAsAJsonNumberAndUnknownFields) {
  auto quote = coinbase::parse_spot(R"({"warnings":[],"data":{"currency":"USD","amount":83894.5,"base":"BTC","x":1}})",
                                    "usd", kFetchedAt);
  ASSERT_TRUE(quote.ok()) << quote.error().message;
  EXPECT_DOUBLE_EQ(quote.value().price, 83894.5);
}

TEST(CoinbaseSpot, PathUsesTheUpperCasePair) { EXPECT_EQ(coinbase::spot_path("eur"), "/prices/BTC-EUR/spot"); }

TEST(CoinbaseSpot, AnErrorsBodyBecomesTheMatchingCategory) {
  auto limited = coinbase::parse_spot(testing::fixture("coinbase/rate_limited_429.json"), "usd", kFetchedAt);
  ASSERT_TRUE(IsError(limited, ErrorCategory::rate_limited, "coinbase", "price", "errors[0]"));
  EXPECT_EQ(limited.error().message, "errors[0]: rate_limit_exceeded: Too many requests");
  EXPECT_TRUE(limited.error().retryable);
  EXPECT_TRUE(IsError(coinbase::parse_spot(R"({"errors":[{"id":"not_found","message":"Invalid currency"}]})", "xyz",
                                           kFetchedAt),
                      ErrorCategory::upstream_4xx, "coinbase", "price", "errors[0]"));
  EXPECT_TRUE(IsError(coinbase::parse_spot(R"({"errors":[{"id":"internal_server_error"}]})", "usd", kFetchedAt),
                      ErrorCategory::upstream_5xx, "coinbase", "price", "errors[0]"));
  EXPECT_TRUE(IsParseError(coinbase::parse_spot(R"({"errors":[5]})", "usd", kFetchedAt), "coinbase", "price",
                           "errors[0]"));
}

class CoinbaseBadBodies : public ::testing::TestWithParam<BadBody> {};

TEST_P(CoinbaseBadBodies, AreParseErrorsNamingTheField) {
  EXPECT_TRUE(IsParseError(coinbase::parse_spot(GetParam().body, "usd", kFetchedAt), "coinbase", "price",
                           GetParam().field));
}

INSTANTIATE_TEST_SUITE_P(
    Bodies, CoinbaseBadBodies,
    ::testing::Values(BadBody{"empty", "", "body"},
                      BadBody{"html", "<!DOCTYPE html><html></html>", "body"},
                      BadBody{"truncated", R"({"data":{"amount":"8389)", "body"},
                      BadBody{"data_missing", R"({"amount":"1"})", "data"},
                      BadBody{"data_array", R"({"data":[]})", "data"},
                      BadBody{"amount_missing", R"({"data":{"base":"BTC","currency":"USD"}})", "data.amount"},
                      BadBody{"amount_null", R"({"data":{"amount":null,"base":"BTC","currency":"USD"}})", "data.amount"},
                      BadBody{"amount_words", R"({"data":{"amount":"lots","base":"BTC","currency":"USD"}})", "data.amount"},
                      BadBody{"amount_nan", R"({"data":{"amount":"NaN","base":"BTC","currency":"USD"}})", "data.amount"},
                      BadBody{"amount_padded", R"({"data":{"amount":" 1.5","base":"BTC","currency":"USD"}})", "data.amount"},
                      BadBody{"amount_empty", R"({"data":{"amount":"","base":"BTC","currency":"USD"}})", "data.amount"},
                      BadBody{"amount_zero", R"({"data":{"amount":"0.00","base":"BTC","currency":"USD"}})", "data.amount"},
                      BadBody{"amount_negative", R"({"data":{"amount":"-1","base":"BTC","currency":"USD"}})", "data.amount"},
                      BadBody{"wrong_base", R"({"data":{"amount":"1","base":"ETH","currency":"USD"}})", "data.base"},
                      BadBody{"wrong_currency", R"({"data":{"amount":"1","base":"BTC","currency":"EUR"}})", "data.currency"},
                      BadBody{"currency_missing", R"({"data":{"amount":"1","base":"BTC"}})", "data.currency"}),
    testing::BadBodyName);

}  // namespace
}  // namespace ltl
