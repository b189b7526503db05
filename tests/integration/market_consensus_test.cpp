// The market consensus run on its own: every price source of the currency through a
// scripted gateway answering with the providers' real bodies.
#include "integration/market_consensus.h"

#include <gtest/gtest.h>

#include <optional>

#include "integration/metric_catalogue.h"
#include "support/fake_gateway.h"
#include "support/fixtures.h"

namespace ltl {
namespace {

using nlohmann::json;
using testing::FakeGateway;
using testing::fixture;

class MarketConsensusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    declare_catalogue_metrics(metrics);
    // CoinGecko's fixture is 67,187 USD, about 20 % under Coinbase (83,894) and Kraken (84,036).
    gateway.answer("coingecko", 200, fixture("coingecko/simple_price.json"));
    gateway.answer("coinbase", 200, fixture("coinbase/spot.json"));
    gateway.answer("kraken", 200, fixture("kraken/ticker.json"));
  }

  std::optional<Result<SourcedData>> run(const std::string& currency = "usd") {
    std::optional<Result<SourcedData>> out;
    consensus.run({{"currency", currency}}, [&out](Result<SourcedData> result) { out = std::move(result); });
    return out;
  }

  FakeGateway gateway;
  ConfigStore config;
  MetricsRegistry metrics;
  MarketConsensus consensus{gateway, config, metrics};
};

TEST_F(MarketConsensusTest, AsksEverySourceOfTheCurrencyAndAnswersTheMedianWithOutliersNamed) {
  auto out = run();
  ASSERT_TRUE(out && out->ok()) << out->error().message;
  // Binance quotes USD only through BTCUSDT, which is off by default.
  ASSERT_EQ(gateway.calls.size(), 3u);
  EXPECT_EQ(gateway.calls[0].rfind("coingecko ", 0), 0u);
  EXPECT_EQ(gateway.calls[2].rfind("kraken ", 0), 0u);
  const SourcedData& answer = out->value();
  EXPECT_EQ(answer.source, "consensus");
  EXPECT_TRUE(answer.failed.empty());
  EXPECT_EQ(answer.data["currency"], "usd");
  EXPECT_DOUBLE_EQ(answer.data["price"].get<double>(), 83894.035);
  EXPECT_EQ(answer.data["outliers"], json::array({"coingecko"}));
  EXPECT_EQ(answer.data["providers"].size(), 3u);
  EXPECT_GT(answer.data["spread_pct"].get<double>(), 0);
  EXPECT_DOUBLE_EQ(metrics.value("ltl_consensus_spread_pct", {{"currency", "usd"}}), answer.data["spread_pct"].get<double>());
  EXPECT_EQ(metrics.value("ltl_consensus_outliers_total", {{"provider", "coingecko"}}), 1);
  EXPECT_EQ(metrics.value("ltl_consensus_outliers_total", {{"provider", "kraken"}}), 0);
}

TEST_F(MarketConsensusTest, AFailedSourceIsNamedAndTheOthersStillMakeTheAnswer) {
  gateway.answer("kraken", 200, fixture("mempool/cloudflare_502.html"));  // not a Kraken ticker: a parse error
  gateway.fail("coingecko", make_error(ErrorCategory::rate_limited, "coingecko", "price", "429 from coingecko"));
  auto out = run();
  ASSERT_TRUE(out && out->ok());
  const SourcedData& answer = out->value();
  EXPECT_DOUBLE_EQ(answer.data["price"].get<double>(), 83894.035);
  ASSERT_EQ(answer.failed.size(), 2u);
  EXPECT_EQ(answer.failed[0]["provider"], "coingecko");
  EXPECT_EQ(answer.failed[0]["category"], "rate_limited");
  EXPECT_EQ(answer.failed[1]["provider"], "kraken");
  EXPECT_EQ(answer.failed[1]["category"], "parse");
  EXPECT_EQ(answer.data["outliers"], json::array());
}

TEST_F(MarketConsensusTest, NoSourceAnsweringIsTheMarketChainError) {
  for (const char* provider : {"coingecko", "coinbase", "kraken"})
    gateway.fail(provider, make_error(ErrorCategory::timeout, provider, "price", "timed out"));
  auto out = run();
  ASSERT_TRUE(out && !out->ok());
  EXPECT_EQ(out->error().category, ErrorCategory::timeout);
  EXPECT_EQ(out->error().operation, "market");
  EXPECT_NE(out->error().message.find("coingecko: timeout (timed out)"), std::string::npos);
  EXPECT_NE(out->error().message.find("kraken: timeout (timed out)"), std::string::npos);
}

TEST_F(MarketConsensusTest, ACurrencyNoConfiguredProviderQuotesIsAConfigError) {
  ASSERT_TRUE(config.update({{"PRICE_PROVIDERS", "binance"}}).ok());
  auto out = run("usd");  // Binance without BINANCE_USDT_AS_USD
  ASSERT_TRUE(out && !out->ok());
  EXPECT_EQ(out->error().category, ErrorCategory::config);
  EXPECT_EQ(out->error().message, "no provider is configured for market");
  EXPECT_TRUE(gateway.calls.empty());
}

TEST_F(MarketConsensusTest, AnswersOnlyOnceEverySourceAnswered) {
  gateway.hold();
  std::optional<Result<SourcedData>> out;
  consensus.run({{"currency", "usd"}}, [&out](Result<SourcedData> result) { out = std::move(result); });
  ASSERT_EQ(gateway.held(), 3u);
  gateway.release_next();
  gateway.release_next();
  EXPECT_FALSE(out.has_value());
  gateway.release_next();
  ASSERT_TRUE(out && out->ok());
  EXPECT_EQ(out->value().data["outliers"], json::array({"coingecko"}));
}

TEST_F(MarketConsensusTest, AnswersAfterDestructionAreDropped) {
  auto owner = std::make_unique<MarketConsensus>(gateway, config, metrics);
  gateway.hold();
  bool called = false;
  owner->run({{"currency", "usd"}}, [&called](Result<SourcedData>) { called = true; });
  owner.reset();
  while (gateway.held()) gateway.release_next();
  EXPECT_FALSE(called);
  EXPECT_EQ(metrics.value("ltl_consensus_outliers_total", {{"provider", "coingecko"}}), 0);
}

}  // namespace
}  // namespace ltl
