#include "data/market.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace ltl {
namespace {

using nlohmann::json;

TEST(PriceQuoteJson, ChangeSinceUtcMidnightRoundTripsAndMayBeAbsentInOlderEntries) {
  PriceQuote quote;
  quote.price = 84036;
  quote.currency = "usd";
  quote.change_since_utc_midnight_pct = -0.4;
  quote.source = "kraken";
  quote.as_of_ms = 1767229380123;
  const json written = quote;
  EXPECT_EQ(written.at("change_since_utc_midnight_pct"), -0.4);
  EXPECT_TRUE(written.at("change_24h_pct").is_null());
  PriceQuote back = written.get<PriceQuote>();
  EXPECT_EQ(back.change_since_utc_midnight_pct, -0.4);
  EXPECT_FALSE(back.change_24h_pct.has_value());

  // A cache entry written before the field existed still reads, as missing.
  json older = written;
  older.erase("change_since_utc_midnight_pct");
  EXPECT_FALSE(older.get<PriceQuote>().change_since_utc_midnight_pct.has_value());
}

TEST(PriceQuoteJson, QuoteAssetVolumeScopeAndTimestampOriginRoundTrip) {
  PriceQuote quote;
  quote.price = 84000.5;
  quote.currency = "usd";
  quote.quote = "USDT";
  quote.volume_24h = 1.5e9;
  quote.volume_24h_scope = exchange_volume_scope("binance");
  quote.source = "binance";
  quote.as_of_ms = 1767229380123;
  quote.as_of_source = kAsOfProvider;
  const json written = quote;
  EXPECT_EQ(written.at("quote"), "USDT");
  EXPECT_EQ(written.at("volume_24h_scope"), "exchange:binance");
  EXPECT_EQ(written.at("as_of_source"), "provider");
  PriceQuote back = written.get<PriceQuote>();
  EXPECT_EQ(back.quote, "USDT");
  EXPECT_EQ(back.volume_24h_scope, "exchange:binance");
  EXPECT_EQ(back.as_of_source, kAsOfProvider);

  PriceQuote bare;  // no volume: no scope either, and a fetch time unless a parser says otherwise
  EXPECT_TRUE(json(bare).at("volume_24h_scope").is_null());
  EXPECT_EQ(json(bare).at("as_of_source"), "fetch");
}

}  // namespace
}  // namespace ltl
