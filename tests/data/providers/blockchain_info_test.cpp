// Fixtures: tests/fixtures/blockchain_info/stats.json is the body quoted in upstream-apis.md;
// sim_<name> were captured from the simulator (seed 1, manual clock, start + 3 780 000 ms).
#include "data/providers/blockchain_info.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "data/providers/error_assertions.h"
#include "support/fixtures.h"

namespace ltl {
namespace {

namespace blockchain_info = providers::blockchain_info;
using testing::BadBody;
using testing::IsParseError;

TEST(BlockchainInfoBlockCount, ParsesThePlainTextHeight) {
  auto tip = blockchain_info::parse_block_count(testing::fixture("blockchain_info/sim_getblockcount.txt"));
  ASSERT_TRUE(tip.ok()) << tip.error().message;
  EXPECT_EQ(tip.value().height, 900006);
  EXPECT_TRUE(IsParseError(blockchain_info::parse_block_count("Too Many Requests"), "blockchain_info", "tip_height",
                           "body"));
}

TEST(BlockchainInfoHashrate, NormalisesGigahashesToHashesPerSecond) {
  auto whole = blockchain_info::parse_hashrate("652498375\n");
  ASSERT_TRUE(whole.ok()) << whole.error().message;
  EXPECT_EQ(whole.value().current_hashrate_hs, 652498375e9);  // exact: an integer below 2^53 after scaling
  EXPECT_FALSE(whole.value().current_difficulty.has_value());
  EXPECT_EQ(whole.value().window, "24h");  // blockchain.info's figure is a 24 h estimate
  auto fractional = blockchain_info::parse_hashrate("9.325136155806332E11");
  ASSERT_TRUE(fractional.ok()) << fractional.error().message;
  EXPECT_DOUBLE_EQ(fractional.value().current_hashrate_hs, 9.325136155806332e20);
}

TEST(BlockchainInfoHashrate, RejectsAnythingButAPositiveNumber) {
  for (const std::string& body : std::vector<std::string>{"", "0", "-5", "abc", "NaN", "Infinity", "1e999", "<html>",
                                                          "{\"hash_rate\":1}", "12 34"})
    EXPECT_TRUE(IsParseError(blockchain_info::parse_hashrate(body), "blockchain_info", "hashrate", "body")) << body;
}

TEST(BlockchainInfoStats, ParsesTheReferenceBodyWithUnitsNormalised) {
  auto stats = blockchain_info::parse_stats(testing::fixture("blockchain_info/stats.json"));
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  EXPECT_EQ(stats.value().as_of_ms, 1474035340000);  // already ms
  EXPECT_EQ(stats.value().height, 430098);
  EXPECT_DOUBLE_EQ(stats.value().hashrate_hs, 1.8410989266292908e18);  // GH/s → H/s
  EXPECT_EQ(stats.value().difficulty, 225832872179);
  EXPECT_DOUBLE_EQ(stats.value().minutes_between_blocks.value(), 8.2577);
  EXPECT_DOUBLE_EQ(stats.value().market_price_usd.value(), 610.036975);
  EXPECT_TRUE(stats.value().dropped_fields.empty());
}

TEST(BlockchainInfoStats, ParsesTheSimulatorBodyWithJavaDoublesAndGarbageFields) {
  // timestamp arrives as 1.76722938E12; total_fees_btc is negative and miners_revenue_usd 0.0.
  auto stats = blockchain_info::parse_stats(testing::fixture("blockchain_info/sim_stats.json"));
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  EXPECT_EQ(stats.value().as_of_ms, 1767229380000);
  EXPECT_EQ(stats.value().height, 900006);
  EXPECT_DOUBLE_EQ(stats.value().hashrate_hs, 9.610499547238763e20);
  EXPECT_EQ(stats.value().difficulty, 132115271004504);
  EXPECT_EQ(stats.value().minutes_between_blocks, 10.0);
  EXPECT_DOUBLE_EQ(stats.value().market_price_usd.value(), 82216.64);
}

// Issue 15 item 5: junk in fields the hash-rate route does not use no longer voids the answer.
TEST(BlockchainInfoStats, JunkInUnusedFieldsNullsThemWithAReasonAndKeepsTheHashrate) {
  // The shape of the 2026 live capture: Java-double timestamp, zero price, zero revenue,
  // negative fees; here also a zero minutes_between_blocks and a string block count.
  auto stats = blockchain_info::parse_stats(
      R"({"timestamp":1.780730885E12,"market_price_usd":0.0,"hash_rate":9.325136155806332E11,)"
      R"("total_fees_btc":-42187500000,"n_btc_mined":312500000,"n_tx":0,"n_blocks_mined":0,)"
      R"("minutes_between_blocks":0,"totalbc":1998231250000000,"n_blocks_total":"953112",)"
      R"("miners_revenue_usd":0.0,"difficulty":1.4852931979298E14,"miners_revenue_btc":0})");
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  EXPECT_EQ(stats.value().as_of_ms, 1780730885000);
  EXPECT_DOUBLE_EQ(stats.value().hashrate_hs, 9.325136155806332e20);
  EXPECT_DOUBLE_EQ(stats.value().difficulty, 1.4852931979298e14);
  EXPECT_FALSE(stats.value().market_price_usd.has_value());
  EXPECT_FALSE(stats.value().minutes_between_blocks.has_value());
  EXPECT_FALSE(stats.value().height.has_value());
  const auto& dropped = stats.value().dropped_fields;
  ASSERT_EQ(dropped.size(), 3u);
  EXPECT_NE(dropped.at("market_price_usd").find("market_price_usd"), std::string::npos) << dropped.at("market_price_usd");
  EXPECT_NE(dropped.at("minutes_between_blocks").find("positive"), std::string::npos) << dropped.at("minutes_between_blocks");
  EXPECT_NE(dropped.at("n_blocks_total").find("n_blocks_total"), std::string::npos);
  // The nulls and the reasons survive the JSON round trip.
  const nlohmann::json written = stats.value();
  EXPECT_TRUE(written.at("market_price_usd").is_null());
  EXPECT_EQ(written.get<NetworkStats>().dropped_fields, dropped);
}

class BlockchainInfoStatsBadBodies : public ::testing::TestWithParam<BadBody> {};

TEST_P(BlockchainInfoStatsBadBodies, AreParseErrorsNamingTheField) {
  EXPECT_TRUE(IsParseError(blockchain_info::parse_stats(GetParam().body), "blockchain_info", "stats", GetParam().field));
}

const std::string kGood =
    R"("market_price_usd":610.03,"hash_rate":1.84E9,"n_blocks_total":430098,"difficulty":225832872179,)"
    R"("minutes_between_blocks":8.2577)";

INSTANTIATE_TEST_SUITE_P(
    Bodies, BlockchainInfoStatsBadBodies,
    ::testing::Values(BadBody{"timestamp_in_seconds", R"({"timestamp":1474035340,)" + kGood + "}", "timestamp"},
                      BadBody{"timestamp_fraction", R"({"timestamp":1474035340000.5,)" + kGood + "}", "timestamp"},
                      BadBody{"timestamp_missing", "{" + kGood + "}", "timestamp"},
                      BadBody{"hash_rate_zero",
                              R"({"timestamp":1474035340000,"market_price_usd":1,"hash_rate":0,"n_blocks_total":1,)"
                              R"("difficulty":1,"minutes_between_blocks":1})",
                              "hash_rate"},
                      BadBody{"difficulty_negative",
                              R"({"timestamp":1474035340000,"market_price_usd":1,"hash_rate":1,"n_blocks_total":1,)"
                              R"("difficulty":-1,"minutes_between_blocks":1})",
                              "difficulty"},
                      BadBody{"difficulty_missing",
                              R"({"timestamp":1474035340000,"market_price_usd":1,"hash_rate":1,"n_blocks_total":1})",
                              "difficulty"},
                      BadBody{"truncated", testing::fixture("blockchain_info/stats.json").substr(0, 100), "body"},
                      BadBody{"text", "Service Unavailable", "body"},
                      BadBody{"array", "[]", "body"}),
    testing::BadBodyName);

}  // namespace
}  // namespace ltl
