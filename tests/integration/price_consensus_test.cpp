// The market consensus over real-shaped provider bodies (issue 15 items 1–3): quote assets,
// volume scope, outliers that supply nothing, and an as_of that shows the oldest member.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "data/providers/binance.h"
#include "data/providers/coinbase.h"
#include "data/providers/coingecko.h"
#include "data/providers/kraken.h"
#include "integration/data_sources.h"

namespace ltl {
namespace {

using nlohmann::json;
namespace providers_ns = providers;

const std::vector<std::string> kOrder = {"coingecko", "coinbase", "kraken", "binance"};
constexpr int64_t kFetchedAt = 1767229380000;  // 2026-01-01T01:03:00Z

json coingecko(double price, int64_t updated_s, double volume = 31260929299.5248) {
  const std::string body = R"({"bitcoin":{"usd":)" + std::to_string(price) + R"(,"usd_market_cap":1651000000000,)" +
                           R"("usd_24h_vol":)" + std::to_string(volume) + R"(,"usd_24h_change":-1.25,)" +
                           R"("last_updated_at":)" + std::to_string(updated_s) + "}}";
  auto quote = providers_ns::coingecko::parse_simple_price(body, "usd", kFetchedAt);
  EXPECT_TRUE(quote.ok()) << quote.error().message;
  return quote.value();
}

json coinbase(const std::string& amount) {
  auto quote = providers_ns::coinbase::parse_spot(
      R"({"data":{"amount":")" + amount + R"(","base":"BTC","currency":"USD"}})", "usd", kFetchedAt);
  EXPECT_TRUE(quote.ok()) << quote.error().message;
  return quote.value();
}

json kraken(const std::string& last) {
  auto quote = providers_ns::kraken::parse_ticker(
      R"({"error":[],"result":{"XXBTZUSD":{"a":["84036.10000","2","2.000"],"b":["84036.00000","1","1.000"],)"
      R"("c":[")" + last + R"(","0.00112355"],"v":["702.24523395","3307.38151293"],"p":["84259.58809","84073.56822"],)"
      R"("t":[33153,135029],"l":["83740.10000","82832.30000"],"h":["84861.80000","84914.80000"],"o":"84380.00000"}}})",
      "usd", kFetchedAt);
  EXPECT_TRUE(quote.ok()) << quote.error().message;
  return quote.value();
}

json binance_usdt(const std::string& last) {
  auto quote = providers_ns::binance::parse_ticker_24hr(
      R"({"symbol":"BTCUSDT","priceChange":"-2836.42000000","priceChangePercent":"-3.334","lastPrice":")" + last +
          R"(","volume":"4439.01203000","quoteVolume":"364976764.06757277","openTime":1767142980000,)"
          R"("closeTime":1767229380000,"firstId":1,"lastId":2,"count":2})",
      "usd");
  EXPECT_TRUE(quote.ok()) << quote.error().message;
  return quote.value();
}

TEST(PriceConsensus, MembersAndTheAnswerSayWhichAssetTheyAreQuotedIn) {
  auto out = price_consensus({coinbase("84000.00"), kraken("84010.00000"), binance_usdt("84020.00")}, 2, "usd", kOrder);
  EXPECT_EQ(out["quote"], "USD");
  ASSERT_EQ(out["providers"].size(), 3u);
  EXPECT_EQ(out["providers"][0]["quote"], "USD");
  EXPECT_EQ(out["providers"][1]["quote"], "USD");
  EXPECT_EQ(out["providers"][2]["provider"], "binance");
  EXPECT_EQ(out["providers"][2]["quote"], "USDT");
  // Binance is the only member with a volume, but it is in USDT: it never labels a USD volume.
  EXPECT_EQ(out["volume_24h"], 3307.38151293 * 84073.56822);  // Kraken's, in USD
  EXPECT_EQ(out["volume_24h_source"], "kraken");
  EXPECT_EQ(out["volume_24h_scope"], "exchange:kraken");
  EXPECT_TRUE(out["change_24h_pct"].is_null());  // Binance's change is a USDT-pair change
}

TEST(PriceConsensus, AGlobalVolumeIsNeverReplacedByOneVenuesAndScopeIsAlwaysNamed) {
  // Kraken comes first in this order, yet CoinGecko's all-exchange volume wins.
  const std::vector<std::string> kraken_first = {"kraken", "coingecko", "coinbase"};
  auto out = price_consensus({coingecko(84005, 1767229320), coinbase("84000.00"), kraken("84010.00000")}, 2, "usd",
                             kraken_first);
  EXPECT_EQ(out["volume_24h_source"], "coingecko");
  EXPECT_EQ(out["volume_24h_scope"], "global");
  EXPECT_DOUBLE_EQ(out["volume_24h"].get<double>(), 31260929299.5248);
  EXPECT_EQ(out["change_24h_pct_source"], "coingecko");
  EXPECT_EQ(out["market_cap_source"], "coingecko");

  // Without a global figure the venue's volume is used, and says it is one venue's.
  auto venue_only = price_consensus({coinbase("84000.00"), kraken("84010.00000")}, 2, "usd", kOrder);
  EXPECT_EQ(venue_only["volume_24h_scope"], "exchange:kraken");
  // Without any volume, both are null.
  auto none = price_consensus({coinbase("84000.00")}, 2, "usd", kOrder);
  EXPECT_TRUE(none["volume_24h"].is_null());
  EXPECT_TRUE(none["volume_24h_scope"].is_null());
  EXPECT_TRUE(none["volume_24h_source"].is_null());
}

TEST(PriceConsensus, AnOutlierNeverSuppliesVolumeChangeOrMarketCap) {
  // CoinGecko 20 % off the others: an outlier, so its global volume, change and cap are not used.
  auto out = price_consensus({coingecko(67187.34, 1767229320), coinbase("84000.00"), kraken("84010.00000")}, 2,
                             "usd", kOrder);
  ASSERT_EQ(out["outliers"].size(), 1u);
  EXPECT_EQ(out["outliers"][0], "coingecko");
  EXPECT_TRUE(out["market_cap"].is_null());
  EXPECT_TRUE(out["change_24h_pct"].is_null());
  EXPECT_EQ(out["volume_24h_source"], "kraken");
  EXPECT_EQ(out["volume_24h_scope"], "exchange:kraken");
}

TEST(PriceConsensus, AsOfIsTheOldestProviderStampAndUnstampedMembersAreNamed) {
  // CoinGecko's public API refreshes about once a minute: its last_updated_at is 60 s before the
  // fetch, while Coinbase and Kraken carry no timestamp (their as_of is the fetch time).
  const int64_t stale_s = kFetchedAt / 1000 - 60;
  auto out = price_consensus({coingecko(84005, stale_s), coinbase("84000.00"), kraken("84010.00000")}, 2, "usd", kOrder);
  EXPECT_EQ(out["as_of"], stale_s * 1000);  // not the newest member's time
  EXPECT_EQ(out["as_of_source"], "provider");
  EXPECT_EQ(out["unstamped_providers"], json::parse(R"(["coinbase","kraken"])"));
  EXPECT_EQ(out["providers"][0]["as_of_source"], "provider");
  EXPECT_EQ(out["providers"][0]["as_of"], stale_s * 1000);
  EXPECT_EQ(out["providers"][1]["as_of_source"], "fetch");

  // Two stamped members: the older one.
  auto two = price_consensus({coingecko(84005, stale_s), binance_usdt("84020.00")}, 2, "usd", kOrder);
  EXPECT_EQ(two["as_of"], stale_s * 1000);
  EXPECT_TRUE(two["unstamped_providers"].empty());

  // Nobody stamped: the oldest fetch time, and the answer says so.
  auto unstamped = price_consensus({coinbase("84000.00"), kraken("84010.00000")}, 2, "usd", kOrder);
  EXPECT_EQ(unstamped["as_of"], kFetchedAt);
  EXPECT_EQ(unstamped["as_of_source"], "fetch");
}

}  // namespace
}  // namespace ltl
