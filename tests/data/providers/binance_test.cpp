// Fixtures: tests/fixtures/binance/<name> are the bodies quoted in upstream-apis.md; sim_<name>
// were captured from the simulator (seed 1, manual clock, start + 3 780 000 ms).
#include "data/providers/binance.h"

#include <string>

#include <gtest/gtest.h>

#include "data/providers/error_assertions.h"
#include "support/fixtures.h"

namespace ltl {
namespace {

namespace binance = providers::binance;
using testing::BadBody;
using testing::IsError;
using testing::IsParseError;

// The documented BNBBTC body, relabelled as the pair we ask for, so the field mapping is checked
// against the reference values.
std::string docs_body_as_btcusdt() {
  std::string body = testing::fixture("binance/ticker_24hr_docs.json");
  body.replace(body.find("BNBBTC"), 6, "BTCUSDT");
  return body;
}

TEST(BinanceTicker, MapsTheDocumentedFields) {
  auto quote = binance::parse_ticker_24hr(docs_body_as_btcusdt(), "usd");
  ASSERT_TRUE(quote.ok()) << quote.error().message;
  EXPECT_DOUBLE_EQ(quote.value().price, 4.000002);                  // lastPrice
  EXPECT_DOUBLE_EQ(*quote.value().volume_24h, 15.3);                // quoteVolume, in the quote currency
  EXPECT_DOUBLE_EQ(*quote.value().change_24h_pct, -95.96);          // priceChangePercent
  EXPECT_EQ(quote.value().as_of_ms, 1499869899040);                 // closeTime, already ms
  EXPECT_FALSE(quote.value().market_cap.has_value());
  EXPECT_FALSE(quote.value().change_since_utc_midnight_pct.has_value());
  EXPECT_EQ(quote.value().source, "binance");
  EXPECT_EQ(quote.value().currency, "usd");
  EXPECT_EQ(quote.value().quote, "USDT");  // BTCUSDT: a dollar stablecoin, not USD
  EXPECT_EQ(quote.value().volume_24h_scope, "exchange:binance");
  EXPECT_EQ(quote.value().as_of_source, "provider");
}

TEST(BinanceTicker, ParsesTheSimulatorBody) {
  auto quote = binance::parse_ticker_24hr(testing::fixture("binance/sim_ticker_24hr.json"), "usd");
  ASSERT_TRUE(quote.ok()) << quote.error().message;
  EXPECT_DOUBLE_EQ(quote.value().price, 82216.64);
  EXPECT_DOUBLE_EQ(*quote.value().volume_24h, 364976764.06757277);
  EXPECT_DOUBLE_EQ(*quote.value().change_24h_pct, -3.334);
  EXPECT_EQ(quote.value().as_of_ms, 1767229380000);
}

TEST(BinanceTicker, TheDocumentedBodyIsTheWrongPairForUs) {
  auto result = binance::parse_ticker_24hr(testing::fixture("binance/ticker_24hr_docs.json"), "usd");
  ASSERT_TRUE(IsParseError(result, "binance", "price", "symbol"));
  EXPECT_EQ(result.error().message, "symbol: got \"BNBBTC\"; expected \"BTCUSDT\"");
}

TEST(BinanceTicker, SymbolsAndPaths) {
  EXPECT_EQ(binance::symbol_for("usd"), "BTCUSDT");
  EXPECT_EQ(binance::symbol_for("eur"), "BTCEUR");
  EXPECT_EQ(binance::ticker_path("jpy"), "/ticker/24hr?symbol=BTCJPY");
  EXPECT_EQ(binance::quote_asset("usd"), "USDT");
  EXPECT_EQ(binance::quote_asset("eur"), "EUR");
}

// Issue 15 item 1: only pairs Binance lists are asked for; USD only as USDT, and only when allowed.
TEST(BinanceTicker, QuotesOnlyListedFiatPairsAndUsdOnlyThroughAnAllowedUsdt) {
  for (const char* listed : {"eur", "jpy", "try", "brl", "pln"}) {
    EXPECT_TRUE(binance::quotes(listed, false)) << listed;
    EXPECT_TRUE(binance::quotes(listed, true)) << listed;
  }
  for (const char* unlisted : {"cad", "chf", "aud", "gbp", "xyz"}) EXPECT_FALSE(binance::quotes(unlisted, true)) << unlisted;
  EXPECT_FALSE(binance::quotes("usd", false));
  EXPECT_TRUE(binance::quotes("usd", true));
}

TEST(BinanceTicker, TheInvalidSymbolAnswerIsATypedClientError) {
  // What Binance answers (HTTP 400) for a BTC<fiat> symbol it does not list, e.g. BTCCAD.
  auto result = binance::parse_ticker_24hr(R"({"code":-1121,"msg":"Invalid symbol."})", "cad");
  ASSERT_TRUE(IsError(result, ErrorCategory::upstream_4xx, "binance", "price", "code"));
  EXPECT_EQ(result.error().message, "code: -1121 Invalid symbol.");
}

TEST(BinanceTicker, AcceptsNumbersAsNumbersZeroAndMissingOptionals) {
  auto quote = binance::parse_ticker_24hr(
      R"({"closeTime":"1767229380000","lastPrice":82216.64,"priceChangePercent":0,"symbol":"BTCUSDT","new":[]})", "usd");
  ASSERT_TRUE(quote.ok()) << quote.error().message;
  EXPECT_EQ(quote.value().price, 82216.64);
  EXPECT_EQ(quote.value().change_24h_pct, 0.0);
  EXPECT_FALSE(quote.value().volume_24h.has_value());
  EXPECT_EQ(quote.value().as_of_ms, 1767229380000);
}

TEST(BinanceTicker, PicksOurSymbolFromTheEverySymbolList) {
  const std::string sim = testing::fixture("binance/sim_ticker_24hr.json");
  std::string eur = sim;
  eur.replace(eur.find("BTCUSDT"), 7, "BTCEUR");
  auto quote = binance::parse_ticker_24hr("[" + sim + "," + eur + "]", "eur");
  ASSERT_TRUE(quote.ok()) << quote.error().message;
  EXPECT_DOUBLE_EQ(quote.value().price, 82216.64);
  EXPECT_TRUE(IsParseError(binance::parse_ticker_24hr("[" + sim + "]", "gbp"), "binance", "price", "symbol"));
  auto broken = binance::parse_ticker_24hr(R"([{"symbol":"BTCEUR"},{"symbol":"BTCUSDT","lastPrice":"x"}])", "usd");
  EXPECT_TRUE(IsParseError(broken, "binance", "price", "[1].lastPrice"));
}

TEST(BinanceTicker, CodeAndMessageBodiesAreTypedByCode) {
  auto invalid = binance::parse_ticker_24hr(testing::fixture("binance/invalid_symbol.json"), "usd");
  ASSERT_TRUE(IsError(invalid, ErrorCategory::upstream_4xx, "binance", "price", "code"));
  EXPECT_EQ(invalid.error().message, "code: -1121 Invalid symbol.");
  EXPECT_TRUE(IsError(binance::parse_ticker_24hr(testing::fixture("binance/restricted_451.json"), "usd"),
                      ErrorCategory::upstream_4xx, "binance", "price", "code"));
  EXPECT_TRUE(IsError(binance::parse_ticker_24hr(R"({"code":-1003,"msg":"Too much request weight used"})", "usd"),
                      ErrorCategory::rate_limited, "binance", "price", "code"));
  EXPECT_TRUE(IsError(binance::parse_ticker_24hr(R"({"code":-1000,"msg":"An unknown error occurred"})", "usd"),
                      ErrorCategory::upstream_5xx, "binance", "price", "code"));
  EXPECT_TRUE(IsParseError(binance::parse_ticker_24hr(R"({"code":"x"})", "usd"), "binance", "price", "code"));
}

class BinanceBadBodies : public ::testing::TestWithParam<BadBody> {};

TEST_P(BinanceBadBodies, AreParseErrorsNamingTheField) {
  EXPECT_TRUE(IsParseError(binance::parse_ticker_24hr(GetParam().body, "usd"), "binance", "price", GetParam().field));
}

const std::string kTail = R"(,"symbol":"BTCUSDT","closeTime":1767229380000})";

INSTANTIATE_TEST_SUITE_P(
    Bodies, BinanceBadBodies,
    ::testing::Values(BadBody{"empty", "", "body"},
                      BadBody{"html_waf", "<html><body>403 Forbidden</body></html>", "body"},
                      BadBody{"truncated", testing::fixture("binance/sim_ticker_24hr.json").substr(0, 120), "body"},
                      BadBody{"not_found_empty_text", " ", "body"},
                      BadBody{"symbol_missing", R"({"lastPrice":"1","closeTime":1767229380000})", "symbol"},
                      BadBody{"price_missing", R"({"quoteVolume":"1")" + kTail, "lastPrice"},
                      BadBody{"price_nan", R"({"lastPrice":"NaN")" + kTail, "lastPrice"},
                      BadBody{"price_hex", R"({"lastPrice":"0x10")" + kTail, "lastPrice"},
                      BadBody{"price_zero", R"({"lastPrice":"0.00000000")" + kTail, "lastPrice"},
                      BadBody{"volume_negative", R"({"lastPrice":"1","quoteVolume":"-5")" + kTail, "quoteVolume"},
                      BadBody{"change_below_minus_100", R"({"lastPrice":"1","priceChangePercent":"-100.5")" + kTail,
                              "priceChangePercent"},
                      BadBody{"close_time_seconds", R"({"lastPrice":"1","symbol":"BTCUSDT","closeTime":1767229380})",
                              "closeTime"},
                      BadBody{"close_time_missing", R"({"lastPrice":"1","symbol":"BTCUSDT"})", "closeTime"}),
    testing::BadBodyName);

}  // namespace
}  // namespace ltl
