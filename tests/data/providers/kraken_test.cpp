// Fixtures: tests/fixtures/kraken/ticker.json is the body quoted in upstream-apis.md; sim_<name>
// (and unknown_pair.json, rate_limited.json) were captured from the simulator.
#include "data/providers/kraken.h"

#include <gtest/gtest.h>

#include "data/providers/error_assertions.h"
#include "support/fixtures.h"

namespace ltl {
namespace {

namespace kraken = providers::kraken;
using testing::BadBody;
using testing::IsError;
using testing::IsParseError;
constexpr int64_t kFetchedAt = 1767229380123;

TEST(KrakenTicker, ParsesTheReferenceBodyUnderItsLegacyKey) {
  auto quote = kraken::parse_ticker(testing::fixture("kraken/ticker.json"), "usd", kFetchedAt);
  ASSERT_TRUE(quote.ok()) << quote.error().message;
  EXPECT_EQ(quote.value().price, 84036.0);  // c[0]
  EXPECT_DOUBLE_EQ(*quote.value().volume_24h, 3307.38151293 * 84073.56822);  // v[1] BTC × p[1] VWAP
  EXPECT_DOUBLE_EQ(*quote.value().change_since_utc_midnight_pct, (84036.0 / 84380.0 - 1) * 100);
  EXPECT_FALSE(quote.value().change_24h_pct.has_value());  // Kraken has no 24 h-ago price
  EXPECT_FALSE(quote.value().market_cap.has_value());
  EXPECT_EQ(quote.value().as_of_ms, kFetchedAt);
  EXPECT_EQ(quote.value().as_of_source, "fetch");  // the ticker has no timestamp
  EXPECT_EQ(quote.value().source, "kraken");
  EXPECT_EQ(quote.value().currency, "usd");
  EXPECT_EQ(quote.value().quote, "USD");
  EXPECT_EQ(quote.value().volume_24h_scope, "exchange:kraken");  // one venue's volume
}

TEST(KrakenTicker, ParsesTheSimulatorBodiesIncludingPlainPairKeys) {
  auto usd = kraken::parse_ticker(testing::fixture("kraken/sim_ticker.json"), "usd", kFetchedAt);
  ASSERT_TRUE(usd.ok()) << usd.error().message;
  EXPECT_DOUBLE_EQ(usd.value().price, 82216.6);
  EXPECT_DOUBLE_EQ(*usd.value().volume_24h, 551.77036808 * 82683.1);
  EXPECT_DOUBLE_EQ(*usd.value().change_since_utc_midnight_pct, (82216.6 / 81729.7 - 1) * 100);
  auto chf = kraken::parse_ticker(testing::fixture("kraken/sim_ticker_chf.json"), "chf", kFetchedAt);  // "XBTCHF"
  ASSERT_TRUE(chf.ok()) << chf.error().message;
  EXPECT_DOUBLE_EQ(chf.value().price, 65773.3);
}

TEST(KrakenTicker, PathAsksForTheXbtPair) { EXPECT_EQ(kraken::ticker_path("usd"), "/Ticker?pair=XBTUSD"); }

TEST(KrakenTicker, AcceptsNumbersSentAsJsonNumbersAndMissingOptionalArrays) {
  auto quote = kraken::parse_ticker(R"({"result":{"XXBTZUSD":{"c":[84036.5,"1"]}},"error":[]})", "usd", kFetchedAt);
  ASSERT_TRUE(quote.ok()) << quote.error().message;
  EXPECT_EQ(quote.value().price, 84036.5);
  EXPECT_FALSE(quote.value().volume_24h.has_value());
  EXPECT_FALSE(quote.value().change_since_utc_midnight_pct.has_value());
  auto zero_volume = kraken::parse_ticker(
      R"({"error":[],"result":{"XXBTZUSD":{"c":["2","1"],"v":["0","0"],"p":["2","2"],"o":"2"}}})", "usd", kFetchedAt);
  ASSERT_TRUE(zero_volume.ok()) << zero_volume.error().message;
  EXPECT_EQ(zero_volume.value().volume_24h, 0.0);
  EXPECT_EQ(zero_volume.value().change_since_utc_midnight_pct, 0.0);
}

TEST(KrakenTicker, ErrorsInTheBodyWithStatus200AreTypedByTheirCode) {
  auto unknown = kraken::parse_ticker(testing::fixture("kraken/unknown_pair.json"), "xyz", kFetchedAt);
  ASSERT_TRUE(IsError(unknown, ErrorCategory::upstream_4xx, "kraken", "price", "error"));
  EXPECT_EQ(unknown.error().message, "error: EQuery:Unknown asset pair");
  EXPECT_FALSE(unknown.error().retryable);
  auto limited = kraken::parse_ticker(testing::fixture("kraken/rate_limited.json"), "usd", kFetchedAt);
  ASSERT_TRUE(IsError(limited, ErrorCategory::rate_limited, "kraken", "price", "error"));
  EXPECT_TRUE(limited.error().retryable);
  EXPECT_TRUE(IsError(kraken::parse_ticker(R"({"error":["EService:Unavailable"]})", "usd", kFetchedAt),
                      ErrorCategory::upstream_5xx, "kraken", "price", "error"));
  // An error wins over a result that came with it.
  EXPECT_TRUE(IsError(kraken::parse_ticker(R"({"error":["EGeneral:Invalid arguments"],"result":{"XXBTZUSD":{"c":["1"]}}})",
                                           "usd", kFetchedAt),
                      ErrorCategory::upstream_4xx, "kraken", "price", "error"));
}

TEST(KrakenTicker, WarningsAreIgnored) {
  auto quote = kraken::parse_ticker(R"({"error":["WGeneral:Something"],"result":{"XXBTZUSD":{"c":["5","1"]}}})", "usd",
                                    kFetchedAt);
  ASSERT_TRUE(quote.ok()) << quote.error().message;
  EXPECT_EQ(quote.value().price, 5);
}

TEST(KrakenErrorCodes, MapToCategories) {
  EXPECT_EQ(kraken::category_for_error_code("EAPI:Rate limit exceeded"), ErrorCategory::rate_limited);
  EXPECT_EQ(kraken::category_for_error_code("EService:Throttled: 1700000000"), ErrorCategory::rate_limited);
  EXPECT_EQ(kraken::category_for_error_code("EService:Busy"), ErrorCategory::upstream_5xx);
  EXPECT_EQ(kraken::category_for_error_code("EGeneral:Internal error"), ErrorCategory::upstream_5xx);
  EXPECT_EQ(kraken::category_for_error_code("EQuery:Unknown asset pair"), ErrorCategory::upstream_4xx);
  EXPECT_EQ(kraken::category_for_error_code("EGeneral:Unknown method"), ErrorCategory::upstream_4xx);
}

class KrakenBadBodies : public ::testing::TestWithParam<BadBody> {};

TEST_P(KrakenBadBodies, AreParseErrorsNamingTheField) {
  EXPECT_TRUE(IsParseError(kraken::parse_ticker(GetParam().body, "usd", kFetchedAt), "kraken", "price", GetParam().field));
}

INSTANTIATE_TEST_SUITE_P(
    Bodies, KrakenBadBodies,
    ::testing::Values(
        BadBody{"empty", "", "body"},
        BadBody{"html", "<html><title>Kraken | 520</title></html>", "body"},
        BadBody{"truncated", testing::fixture("kraken/ticker.json").substr(0, 80), "body"},
        BadBody{"error_not_array", R"({"error":"EQuery:Unknown asset pair"})", "error"},
        BadBody{"error_entry_number", R"({"error":[5]})", "error[0]"},
        BadBody{"result_missing", R"({"error":[]})", "result"},
        BadBody{"pair_missing", R"({"error":[],"result":{"XETHZUSD":{"c":["1","1"]}}})", "result.XXBTZUSD"},
        BadBody{"ticker_not_object", R"({"error":[],"result":{"XXBTZUSD":[1]}})", "result.XXBTZUSD"},
        BadBody{"last_missing", R"({"error":[],"result":{"XXBTZUSD":{"o":"1"}}})", "result.XXBTZUSD.c"},
        BadBody{"last_empty", R"({"error":[],"result":{"XXBTZUSD":{"c":[]}}})", "result.XXBTZUSD.c[0]"},
        BadBody{"last_words", R"({"error":[],"result":{"XXBTZUSD":{"c":["abc","1"]}}})", "result.XXBTZUSD.c[0]"},
        BadBody{"last_zero", R"({"error":[],"result":{"XXBTZUSD":{"c":["0.00000","1"]}}})", "result.XXBTZUSD.c[0]"},
        BadBody{"volume_short", R"({"error":[],"result":{"XXBTZUSD":{"c":["1"],"v":["1"],"p":["1","1"]}}})",
                "result.XXBTZUSD.v[1]"},
        BadBody{"volume_negative", R"({"error":[],"result":{"XXBTZUSD":{"c":["1"],"v":["1","-1"],"p":["1","1"]}}})",
                "result.XXBTZUSD.v[1]"},
        BadBody{"vwap_object", R"({"error":[],"result":{"XXBTZUSD":{"c":["1"],"v":["1","1"],"p":{}}}})",
                "result.XXBTZUSD.p"},
        BadBody{"open_zero", R"({"error":[],"result":{"XXBTZUSD":{"c":["1"],"o":"0"}}})", "result.XXBTZUSD.o"},
        BadBody{"open_bool", R"({"error":[],"result":{"XXBTZUSD":{"c":["1"],"o":true}}})", "result.XXBTZUSD.o"}),
    testing::BadBodyName);

}  // namespace
}  // namespace ltl
