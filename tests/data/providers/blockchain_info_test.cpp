// Fixtures: tests/fixtures/blockchain_info/stats.json is the body quoted in upstream-apis.md;
// sim_<name> were captured from the simulator (seed 1, manual clock, start + 3 780 000 ms).
#include "data/providers/blockchain_info.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

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
  EXPECT_DOUBLE_EQ(stats.value().minutes_between_blocks, 8.2577);
  EXPECT_DOUBLE_EQ(stats.value().market_price_usd, 610.036975);
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
  EXPECT_DOUBLE_EQ(stats.value().market_price_usd, 82216.64);
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
                      BadBody{"price_zero",
                              R"({"timestamp":1474035340000,"market_price_usd":0.0,"hash_rate":1,"n_blocks_total":1,)"
                              R"("difficulty":1,"minutes_between_blocks":1})",
                              "market_price_usd"},
                      BadBody{"difficulty_negative",
                              R"({"timestamp":1474035340000,"market_price_usd":1,"hash_rate":1,"n_blocks_total":1,)"
                              R"("difficulty":-1,"minutes_between_blocks":1})",
                              "difficulty"},
                      BadBody{"height_string",
                              R"({"timestamp":1474035340000,"market_price_usd":1,"hash_rate":1,"n_blocks_total":"1"})",
                              "n_blocks_total"},
                      BadBody{"truncated", testing::fixture("blockchain_info/stats.json").substr(0, 100), "body"},
                      BadBody{"text", "Service Unavailable", "body"},
                      BadBody{"array", "[]", "body"}),
    testing::BadBodyName);

}  // namespace
}  // namespace ltl
