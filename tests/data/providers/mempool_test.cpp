// Fixtures: tests/fixtures/mempool/<name> are the bodies quoted in upstream-apis.md; sim_<name>
// were captured from the simulator (seed 1, manual clock, start + 3 780 000 ms).
#include "data/providers/mempool.h"

#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "data/providers/error_assertions.h"
#include "support/fixtures.h"

namespace ltl {
namespace {

namespace mempool = providers::mempool;
using testing::BadBody;
using testing::IsParseError;

// ---- fees ----

TEST(MempoolFees, ParsesTheRecommendedReferenceBody) {
  auto fees = mempool::parse_recommended_fees(testing::fixture("mempool/fees_recommended.json"));
  ASSERT_TRUE(fees.ok()) << fees.error().message;
  EXPECT_EQ(fees.value().fastest_sat_vb, 31);
  EXPECT_EQ(fees.value().half_hour_sat_vb, 29);
  EXPECT_EQ(fees.value().hour_sat_vb, 27);
  EXPECT_EQ(fees.value().economy_sat_vb, 14);
  EXPECT_EQ(fees.value().minimum_sat_vb, 7);
  EXPECT_EQ(fees.value().definition, "mempool_recommended");
}

TEST(MempoolFees, ParsesPreciseFeesBelowOneSatPerVbyte) {
  auto fees = mempool::parse_precise_fees(testing::fixture("mempool/fees_precise.json"));
  ASSERT_TRUE(fees.ok()) << fees.error().message;
  EXPECT_DOUBLE_EQ(fees.value().fastest_sat_vb, 2.023);
  EXPECT_DOUBLE_EQ(fees.value().half_hour_sat_vb, 1.094);
  EXPECT_DOUBLE_EQ(fees.value().hour_sat_vb, 0.502);
  EXPECT_DOUBLE_EQ(fees.value().economy_sat_vb, 0.2);
  EXPECT_DOUBLE_EQ(fees.value().minimum_sat_vb, 0.1);
  EXPECT_EQ(fees.value().definition, "mempool_precise");
}

// Issue 15 item 4: the same field names carry two definitions; the answer says which it is.
TEST(MempoolFees, PreciseAndRecommendedBodiesAreLabelledWithTheirDefinition) {
  const std::string precise_body = testing::fixture("mempool/sim_fees_precise.json");
  const std::string recommended_body = testing::fixture("mempool/sim_fees_recommended.json");
  auto precise = mempool::parse_precise_fees(precise_body);
  auto recommended = mempool::parse_recommended_fees(recommended_body);
  ASSERT_TRUE(precise.ok() && recommended.ok());
  const nlohmann::json precise_json = precise.value();
  const nlohmann::json recommended_json = recommended.value();
  EXPECT_EQ(precise_json.at("fee_definition"), "mempool_precise");
  EXPECT_EQ(recommended_json.at("fee_definition"), "mempool_recommended");
  // Same moment, different numbers: precise keeps decimals below 1, recommended rounds to >= 1.
  EXPECT_DOUBLE_EQ(precise.value().minimum_sat_vb, 0.5);
  EXPECT_GE(recommended.value().minimum_sat_vb, 1.0);
  EXPECT_EQ(recommended.value().hour_sat_vb, std::round(recommended.value().hour_sat_vb));
  EXPECT_NE(precise.value().hour_sat_vb, std::round(precise.value().hour_sat_vb));
  // The definition survives the JSON round trip, and an unknown one is refused.
  EXPECT_EQ(precise_json.get<RecommendedFees>().definition, kFeesMempoolPrecise);
  nlohmann::json unknown = precise_json;
  unknown["fee_definition"] = "guess";
  EXPECT_THROW(unknown.get<RecommendedFees>(), nlohmann::json::exception);
}

TEST(MempoolFees, ParsesTheSimulatorBodies) {
  auto precise = mempool::parse_recommended_fees(testing::fixture("mempool/sim_fees_precise.json"));
  ASSERT_TRUE(precise.ok()) << precise.error().message;
  EXPECT_DOUBLE_EQ(precise.value().fastest_sat_vb, 2.033);
  EXPECT_DOUBLE_EQ(precise.value().minimum_sat_vb, 0.5);
  auto rounded = mempool::parse_recommended_fees(testing::fixture("mempool/sim_fees_recommended.json"));
  ASSERT_TRUE(rounded.ok()) << rounded.error().message;
  EXPECT_EQ(rounded.value().fastest_sat_vb, 2);
  EXPECT_EQ(rounded.value().minimum_sat_vb, 1);
}

TEST(MempoolFees, IgnoresUnknownFieldsAndKeyOrderAndKeepsZero) {
  auto fees = mempool::parse_recommended_fees(
      R"({"minimumFee":0,"economyFee":0,"new":{"x":[1]},"hourFee":1,"halfHourFee":2,"fastestFee":3})");
  ASSERT_TRUE(fees.ok()) << fees.error().message;
  EXPECT_EQ(fees.value().fastest_sat_vb, 3);
  EXPECT_EQ(fees.value().economy_sat_vb, 0.0);
  EXPECT_EQ(fees.value().minimum_sat_vb, 0.0);
}

class MempoolFeesBadBodies : public ::testing::TestWithParam<BadBody> {};

TEST_P(MempoolFeesBadBodies, AreParseErrorsNamingTheField) {
  auto result = mempool::parse_recommended_fees(GetParam().body);
  EXPECT_TRUE(IsParseError(result, "mempool", "fees", GetParam().field));
  if (!result.ok()) {
    EXPECT_FALSE(result.error().retryable);
  }
}

const std::string kFees = R"("halfHourFee":29,"hourFee":27,"economyFee":14,"minimumFee":7)";

INSTANTIATE_TEST_SUITE_P(
    Bodies, MempoolFeesBadBodies,
    ::testing::Values(BadBody{"empty", "", "body"},
                      BadBody{"service_unavailable_text", testing::fixture("mempool/service_unavailable_503.txt"), "body"},
                      BadBody{"cloudflare_html", testing::fixture("mempool/cloudflare_502.html"), "body"},
                      BadBody{"truncated", R"({"fastestFee":31,"halfHo)", "body"},
                      BadBody{"array", "[31,29]", "body"},
                      BadBody{"missing", "{" + kFees + "}", "fastestFee"},
                      BadBody{"null", R"({"fastestFee":null,)" + kFees + "}", "fastestFee"},
                      BadBody{"string", R"({"fastestFee":"31",)" + kFees + "}", "fastestFee"},
                      BadBody{"negative", R"({"fastestFee":-1,)" + kFees + "}", "fastestFee"},
                      BadBody{"bool", R"({"fastestFee":31,"halfHourFee":true,"hourFee":27,"economyFee":14,"minimumFee":7})",
                              "halfHourFee"},
                      BadBody{"nan_literal", R"({"fastestFee":NaN,)" + kFees + "}", "body"},
                      BadBody{"overflow", R"({"fastestFee":1e999,)" + kFees + "}", "body"},  // nlohmann rejects it
                      BadBody{"minimum_missing", R"({"fastestFee":31,"halfHourFee":29,"hourFee":27,"economyFee":14})",
                              "minimumFee"}),
    testing::BadBodyName);

TEST(MempoolFees, NegativeFeeMessageSaysWhatWasExpected) {
  auto result = mempool::parse_recommended_fees(R"({"fastestFee":-1,)" + kFees + "}");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message, "fastestFee: got -1; expected >= 0");
}

// ---- tip (text/plain electrs routes) ----

TEST(MempoolTip, ParsesPlainTextHeightAndHash) {
  auto height = mempool::parse_tip_height(testing::fixture("mempool/tip_height.txt"));
  ASSERT_TRUE(height.ok()) << height.error().message;
  EXPECT_EQ(height.value().height, 698767);
  EXPECT_FALSE(height.value().hash.has_value());
  auto hash = mempool::parse_tip_hash(testing::fixture("mempool/tip_hash.txt"));
  ASSERT_TRUE(hash.ok()) << hash.error().message;
  EXPECT_EQ(hash.value(), "0000000000000000000624d76f52661d0f35a0da8b93a87cb93cf08fd9140209");

  EXPECT_EQ(mempool::parse_tip_height(testing::fixture("mempool/sim_tip_height.txt")).value().height, 900006);
  EXPECT_EQ(mempool::parse_tip_hash(testing::fixture("mempool/sim_tip_hash.txt")).value(),
            "00000000000000000008df5448ded73cf5a2823d9059c2dd3d36477fb166fc7b");
}

TEST(MempoolTip, AcceptsSurroundingWhitespaceAndNormalisesHashCase) {
  EXPECT_EQ(mempool::parse_tip_height("698767\n").value().height, 698767);
  // A plain-text height has no structure to show truncation: "948011" cut to "9480" must not pass.
  for (const char* implausible : {"0", "9480", "94801"})
    EXPECT_TRUE(IsParseError(mempool::parse_tip_height(implausible), "mempool", "tip_height", "body")) << implausible;
  EXPECT_EQ(mempool::parse_tip_hash(" 0000000000000000000624D76F52661D0F35A0DA8B93A87CB93CF08FD9140209\r\n").value(),
            "0000000000000000000624d76f52661d0f35a0da8b93a87cb93cf08fd9140209");
}

TEST(MempoolTip, RejectsBodiesThatAreNotAPlainHeight) {
  for (const std::string& body : std::vector<std::string>{"", "  \n", "-5", "+5", "12a", "1.5", "698767 698768", "999999999999999999999",
                                 "100000001", "Service Unavailable", "<html>502</html>", R"({"message":"slow down"})",
                                 "[698767]"}) {
    auto result = mempool::parse_tip_height(body);
    EXPECT_TRUE(IsParseError(result, "mempool", "tip_height", "body")) << "body: " << body;
  }
  auto json = mempool::parse_tip_height(R"({"message":"rate"})");
  EXPECT_NE(json.error().message.find("got JSON"), std::string::npos) << json.error().message;
}

TEST(MempoolTip, RejectsBodiesThatAreNotAHash) {
  for (const std::string& body : std::vector<std::string>{"", "698767", std::string(63, 'a'), std::string(65, 'a'), std::string(63, 'a') + "g",
                                 "<!DOCTYPE html>", R"({"message":"slow down"})"}) {
    EXPECT_TRUE(IsParseError(mempool::parse_tip_hash(body), "mempool", "tip_hash", "body")) << "body: " << body;
  }
}

// ---- blocks ----

TEST(MempoolBlocks, ParsesTheReferenceBlockWithExtras) {
  auto blocks = mempool::parse_blocks(testing::fixture("mempool/blocks_v1.json"));
  ASSERT_TRUE(blocks.ok()) << blocks.error().message;
  ASSERT_EQ(blocks.value().size(), 1u);
  const BlockSummary& block = blocks.value()[0];
  EXPECT_EQ(block.height, 730000);
  EXPECT_EQ(block.hash, "0000000000000000000384f28cb3b9cf4377a39cfd6c29ae9466951de38c0529");
  EXPECT_EQ(block.timestamp_ms, 1648829449000);  // seconds → ms
  EXPECT_EQ(block.tx_count, 1627);
  EXPECT_EQ(block.size_bytes, 1210916);
  EXPECT_EQ(block.weight_wu, 3993515);
  EXPECT_EQ(block.median_fee_sat_vb, 11.0);
  EXPECT_EQ(block.total_fees_sat, 16321983);
  EXPECT_EQ(block.pool_name, "Binance Pool");
}

TEST(MempoolBlocks, ParsesTheFifteenSimulatorBlocksNewestFirst) {
  auto blocks = mempool::parse_blocks(testing::fixture("mempool/sim_blocks_v1.json"));
  ASSERT_TRUE(blocks.ok()) << blocks.error().message;
  ASSERT_EQ(blocks.value().size(), 15u);
  const BlockSummary& tip = blocks.value()[0];
  EXPECT_EQ(tip.height, 900006);
  EXPECT_EQ(tip.hash, "00000000000000000008df5448ded73cf5a2823d9059c2dd3d36477fb166fc7b");
  EXPECT_EQ(tip.timestamp_ms, 1767229183000);
  EXPECT_EQ(tip.tx_count, 2961);
  EXPECT_EQ(tip.size_bytes, 1769326);
  EXPECT_EQ(tip.weight_wu, 3997307);
  EXPECT_DOUBLE_EQ(*tip.median_fee_sat_vb, 1.576);
  EXPECT_EQ(tip.total_fees_sat, 1889927);
  EXPECT_EQ(tip.pool_name, "ViaBTC");
  EXPECT_EQ(blocks.value()[14].height, 899992);
}

TEST(MempoolBlocks, MissingOrNullExtrasLeaveOptionalsMissing) {
  const std::string block =
      R"({"id":"0000000000000000000384f28cb3b9cf4377a39cfd6c29ae9466951de38c0529","height":1,"timestamp":1648829449,)"
      R"("tx_count":1,"size":285,"weight":1140)";
  for (const std::string& tail : std::vector<std::string>{"}", R"(,"extras":null})", R"(,"extras":{"medianFee":null,"pool":null}})",
                                 R"(,"extras":{"pool":{"id":1}}})"}) {
    auto blocks = mempool::parse_blocks("[" + block + tail + "]");
    ASSERT_TRUE(blocks.ok()) << blocks.error().message;
    EXPECT_FALSE(blocks.value()[0].median_fee_sat_vb.has_value());
    EXPECT_FALSE(blocks.value()[0].total_fees_sat.has_value());
    EXPECT_FALSE(blocks.value()[0].pool_name.has_value());
  }
  auto zero = mempool::parse_blocks("[" + block + R"(,"extras":{"medianFee":0,"totalFees":0}}])");
  ASSERT_TRUE(zero.ok()) << zero.error().message;
  EXPECT_EQ(zero.value()[0].median_fee_sat_vb, 0.0);
  EXPECT_EQ(zero.value()[0].total_fees_sat, 0);
}

TEST(MempoolBlocks, AnEmptyListIsNoBlocks) {
  auto blocks = mempool::parse_blocks("[]");
  ASSERT_TRUE(blocks.ok());
  EXPECT_TRUE(blocks.value().empty());
}

class MempoolBlocksBadBodies : public ::testing::TestWithParam<BadBody> {};

TEST_P(MempoolBlocksBadBodies, AreParseErrorsNamingTheField) {
  EXPECT_TRUE(IsParseError(mempool::parse_blocks(GetParam().body), "mempool", "blocks", GetParam().field));
}

const std::string kHash = "0000000000000000000384f28cb3b9cf4377a39cfd6c29ae9466951de38c0529";
std::string block_object(const std::string& more_fields) {
  return R"({"id":")" + kHash + R"(","height":730000,"tx_count":1627,"size":1210916,"weight":3993515,)" +
         more_fields + "}";
}
std::string block_with(const std::string& more_fields) { return "[" + block_object(more_fields) + "]"; }

INSTANTIATE_TEST_SUITE_P(
    Bodies, MempoolBlocksBadBodies,
    ::testing::Values(BadBody{"object", R"({"id":"x"})", "body"},
                      BadBody{"element_not_object", "[5]", "[0]"},
                      BadBody{"timestamp_in_ms", block_with(R"("timestamp":1648829449000)"), "[0].timestamp"},
                      BadBody{"timestamp_missing", block_with(R"("mediantime":1648827418)"), "[0].timestamp"},
                      BadBody{"timestamp_fraction", block_with(R"("timestamp":1648829449.5)"), "[0].timestamp"},
                      BadBody{"median_fee_negative", block_with(R"("timestamp":1648829449,"extras":{"medianFee":-1})"),
                              "[0].extras.medianFee"},
                      BadBody{"median_fee_string", block_with(R"("timestamp":1648829449,"extras":{"medianFee":"11"})"),
                              "[0].extras.medianFee"},
                      BadBody{"extras_not_object", block_with(R"("timestamp":1648829449,"extras":[1])"), "[0].extras"},
                      BadBody{"pool_name_number", block_with(R"("timestamp":1648829449,"extras":{"pool":{"name":5}})"),
                              "[0].extras.pool.name"},
                      BadBody{"hash_short", R"([{"id":"abc","height":1}])", "[0].id"},
                      BadBody{"height_negative",
                              R"([{"id":")" + kHash + R"(","height":-1,"timestamp":1648829449,"tx_count":1,"size":1,"weight":4}])",
                              "[0].height"},
                      BadBody{"second_block_broken",
                              "[" + block_object(R"("timestamp":1648829449)") + R"(,{"id":")" + kHash + R"("}])",
                              "[1].height"},
                      BadBody{"truncated", testing::fixture("mempool/blocks_v1.json").substr(0, 200), "body"}),
    testing::BadBodyName);

TEST(MempoolBlocks, KeepsAtMostTheNewestThirtyTwoBlocks) {
  std::string body = "[";
  for (int i = 0; i < 40; ++i) {
    body += (i ? "," : "") + std::string(R"({"id":")") + kHash + R"(","height":)" + std::to_string(1000 - i) +
            R"(,"timestamp":1648829449,"tx_count":1,"size":1,"weight":4})";
  }
  auto blocks = mempool::parse_blocks(body + "]");
  ASSERT_TRUE(blocks.ok()) << blocks.error().message;
  ASSERT_EQ(blocks.value().size(), 32u);
  EXPECT_EQ(blocks.value().back().height, 1000 - 31);
}

// ---- mempool ----

TEST(MempoolStatsParse, ParsesTheReferenceBody) {
  auto stats = mempool::parse_mempool(testing::fixture("mempool/mempool.json"));
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  EXPECT_EQ(stats.value().count, 8134);
  EXPECT_EQ(stats.value().vsize_vb, 3444604);
  EXPECT_EQ(stats.value().total_fee_sat, 29204625);
  ASSERT_EQ(stats.value().fee_histogram.size(), 7u);
  EXPECT_DOUBLE_EQ(stats.value().fee_histogram[0].feerate_sat_vb, 53.01);
  EXPECT_EQ(stats.value().fee_histogram[0].vsize_vb, 102131);
  EXPECT_DOUBLE_EQ(stats.value().fee_histogram[6].feerate_sat_vb, 1.1);
  EXPECT_EQ(stats.value().fee_histogram[6].vsize_vb, 775272);
}

TEST(MempoolStatsParse, ParsesTheSimulatorBody) {
  auto stats = mempool::parse_mempool(testing::fixture("mempool/sim_mempool.json"));
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  EXPECT_EQ(stats.value().count, 30509);
  EXPECT_EQ(stats.value().vsize_vb, 8542455);
  EXPECT_EQ(stats.value().total_fee_sat, 16920296);
  ASSERT_EQ(stats.value().fee_histogram.size(), 8u);
  int64_t total = 0;
  for (const FeeHistogramBin& bin : stats.value().fee_histogram) total += bin.vsize_vb;
  EXPECT_EQ(total, 8542455);  // the simulator's bands add up to the mempool
}

TEST(MempoolStatsParse, EmptyMempoolKeepsZeros) {
  auto stats = mempool::parse_mempool(R"({"count":0,"vsize":0,"total_fee":0,"fee_histogram":[]})");
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  EXPECT_EQ(stats.value().count, 0);
  EXPECT_TRUE(stats.value().fee_histogram.empty());
}

TEST(MempoolStatsParse, MergesAHistogramTailBeyondTheCapPreservingTotalVsize) {
  std::string body = R"({"count":1,"vsize":1,"total_fee":1,"fee_histogram":[)";
  const size_t bands = MempoolStats::kMaxHistogramBins + 44;
  for (size_t i = 0; i < bands; ++i)
    body += (i ? "," : "") + std::string("[") + std::to_string(1000 - static_cast<int>(i)) + ",10]";
  auto stats = mempool::parse_mempool(body + "]}");
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  const auto& histogram = stats.value().fee_histogram;
  ASSERT_EQ(histogram.size(), MempoolStats::kMaxHistogramBins);
  EXPECT_EQ(histogram.front().feerate_sat_vb, 1000);
  EXPECT_EQ(histogram.back().feerate_sat_vb, 1000.0 - static_cast<double>(bands - 1));  // the lowest rate
  EXPECT_EQ(histogram.back().vsize_vb, 10 * 45);  // the last kept band plus the 44 merged ones
}

class MempoolStatsBadBodies : public ::testing::TestWithParam<BadBody> {};

TEST_P(MempoolStatsBadBodies, AreParseErrorsNamingTheField) {
  EXPECT_TRUE(IsParseError(mempool::parse_mempool(GetParam().body), "mempool", "mempool", GetParam().field));
}

INSTANTIATE_TEST_SUITE_P(
    Bodies, MempoolStatsBadBodies,
    ::testing::Values(
        BadBody{"total_fee_btc_float", R"({"count":1,"vsize":1,"total_fee":1.61036575,"fee_histogram":[]})", "total_fee"},
        BadBody{"count_negative", R"({"count":-1,"vsize":1,"total_fee":1,"fee_histogram":[]})", "count"},
        BadBody{"vsize_string", R"({"count":1,"vsize":"1","total_fee":1,"fee_histogram":[]})", "vsize"},
        BadBody{"histogram_missing", R"({"count":1,"vsize":1,"total_fee":1})", "fee_histogram"},
        BadBody{"histogram_object", R"({"count":1,"vsize":1,"total_fee":1,"fee_histogram":{}})", "fee_histogram"},
        BadBody{"pair_too_short", R"({"count":1,"vsize":1,"total_fee":1,"fee_histogram":[[1.5,10],[1.2]]})",
                "fee_histogram[1]"},
        BadBody{"pair_not_array", R"({"count":1,"vsize":1,"total_fee":1,"fee_histogram":[5]})", "fee_histogram[0]"},
        BadBody{"rate_negative", R"({"count":1,"vsize":1,"total_fee":1,"fee_histogram":[[-1,10]]})",
                "fee_histogram[0][0]"},
        BadBody{"vsize_null", R"({"count":1,"vsize":1,"total_fee":1,"fee_histogram":[[1,null]]})",
                "fee_histogram[0][1]"},
        BadBody{"html", "<html><body>502</body></html>", "body"},
        BadBody{"plain_text", "Too Many Requests", "body"}),
    testing::BadBodyName);

// ---- difficulty adjustment ----

TEST(MempoolDifficulty, ParsesTheReferenceBodyWithMixedUnits) {
  auto da = mempool::parse_difficulty_adjustment(testing::fixture("mempool/difficulty_adjustment.json"));
  ASSERT_TRUE(da.ok()) << da.error().message;
  EXPECT_DOUBLE_EQ(da.value().progress_pct, 32.49007936507937);
  EXPECT_DOUBLE_EQ(da.value().change_pct, 0.7843046881601534);
  EXPECT_EQ(da.value().estimated_retarget_ms, 1735514828279);  // already ms
  EXPECT_EQ(da.value().remaining_blocks, 1361);
  EXPECT_EQ(da.value().remaining_time_ms, 811481279);  // already ms
  EXPECT_DOUBLE_EQ(da.value().previous_retarget_pct, 4.429396745461176);
  EXPECT_EQ(da.value().next_retarget_height, 876960);
  EXPECT_EQ(da.value().time_avg_ms, 596239);
  EXPECT_EQ(da.value().previous_retarget_time_ms, 1734312810000);  // seconds → ms
}

TEST(MempoolDifficulty, ParsesTheSimulatorBody) {
  auto da = mempool::parse_difficulty_adjustment(testing::fixture("mempool/sim_difficulty_adjustment.json"));
  ASSERT_TRUE(da.ok()) << da.error().message;
  EXPECT_DOUBLE_EQ(da.value().progress_pct, 43.154761904761905);
  EXPECT_EQ(da.value().estimated_retarget_ms, 1767917238996);
  EXPECT_EQ(da.value().remaining_blocks, 1146);
  EXPECT_EQ(da.value().remaining_time_ms, 687858996);
  EXPECT_EQ(da.value().next_retarget_height, 901152);
  EXPECT_EQ(da.value().previous_retarget_time_ms, 1766707183000);
}

TEST(MempoolDifficulty, OptionalFieldsMayBeMissingAndZeroStaysZero) {
  auto da = mempool::parse_difficulty_adjustment(
      R"({"progressPercent":0,"difficultyChange":0,"estimatedRetargetDate":1735514828279,"remainingBlocks":2016,)"
      R"("remainingTime":0,"previousRetarget":0,"nextRetargetHeight":876960})");
  ASSERT_TRUE(da.ok()) << da.error().message;
  EXPECT_EQ(da.value().progress_pct, 0.0);
  EXPECT_EQ(da.value().remaining_time_ms, 0);
  EXPECT_FALSE(da.value().time_avg_ms.has_value());
  EXPECT_FALSE(da.value().previous_retarget_time_ms.has_value());
}

class MempoolDifficultyBadBodies : public ::testing::TestWithParam<BadBody> {};

TEST_P(MempoolDifficultyBadBodies, AreParseErrorsNamingTheField) {
  EXPECT_TRUE(IsParseError(mempool::parse_difficulty_adjustment(GetParam().body), "mempool", "difficulty",
                           GetParam().field));
}

std::string da_with(const std::string& key, const std::string& value) {
  nlohmann::json body = nlohmann::json::parse(testing::fixture("mempool/difficulty_adjustment.json"));
  if (value.empty()) body.erase(key);
  else body[key] = nlohmann::json::parse(value);
  return body.dump();
}

INSTANTIATE_TEST_SUITE_P(
    Bodies, MempoolDifficultyBadBodies,
    ::testing::Values(
        // The stale REST docs sample: 2021 values in seconds.
        BadBody{"retarget_date_in_seconds", da_with("estimatedRetargetDate", "1627762478"), "estimatedRetargetDate"},
        BadBody{"previous_time_in_ms", da_with("previousTime", "1734312810000"), "previousTime"},
        BadBody{"progress_over_100", da_with("progressPercent", "100.5"), "progressPercent"},
        BadBody{"change_beyond_consensus", da_with("difficultyChange", "400"), "difficultyChange"},
        BadBody{"remaining_blocks_over_epoch", da_with("remainingBlocks", "2017"), "remainingBlocks"},
        BadBody{"remaining_time_negative", da_with("remainingTime", "-1"), "remainingTime"},
        BadBody{"next_height_missing", da_with("nextRetargetHeight", ""), "nextRetargetHeight"},
        BadBody{"time_avg_string", da_with("timeAvg", "\"596239\""), "timeAvg"},
        BadBody{"empty", "", "body"}),
    testing::BadBodyName);

// ---- hashrate ----

TEST(MempoolHashrate, ReadsCurrentHashrateInHashesPerSecond) {
  auto hashrate = mempool::parse_hashrate(testing::fixture("mempool/hashrate_3d.json"));
  ASSERT_TRUE(hashrate.ok()) << hashrate.error().message;
  EXPECT_EQ(hashrate.value().current_hashrate_hs, 252033247355212300000.0);  // already H/s: no scaling
  EXPECT_EQ(hashrate.value().current_difficulty, 31251101365711.12);
  EXPECT_EQ(hashrate.value().window, "1w");  // getnetworkhashps(1008): about a week
  auto sim = mempool::parse_hashrate(testing::fixture("mempool/sim_hashrate_3d.json"));
  ASSERT_TRUE(sim.ok()) << sim.error().message;
  EXPECT_EQ(sim.value().current_hashrate_hs, 961049954723876300000.0);
  EXPECT_EQ(sim.value().current_difficulty, 132115271004503.81);
}

TEST(MempoolHashrate, RejectsZeroMissingAndStringValues) {
  EXPECT_TRUE(IsParseError(mempool::parse_hashrate(R"({"currentHashrate":0,"currentDifficulty":1})"), "mempool",
                           "hashrate", "currentHashrate"));
  EXPECT_TRUE(IsParseError(mempool::parse_hashrate(R"({"currentHashrate":"1e20","currentDifficulty":1})"), "mempool",
                           "hashrate", "currentHashrate"));
  EXPECT_TRUE(IsParseError(mempool::parse_hashrate(R"({"currentHashrate":1e20})"), "mempool", "hashrate",
                           "currentDifficulty"));
  EXPECT_TRUE(IsParseError(mempool::parse_hashrate("[]"), "mempool", "hashrate", "body"));
}

// ---- prices ----

TEST(MempoolPrices, ReadsTheCurrencyAndTheTimeInSeconds) {
  auto usd = mempool::parse_prices(testing::fixture("mempool/prices.json"), "usd");
  ASSERT_TRUE(usd.ok()) << usd.error().message;
  EXPECT_EQ(usd.value().price, 43753);
  EXPECT_EQ(usd.value().currency, "usd");
  EXPECT_EQ(usd.value().source, "mempool");
  EXPECT_EQ(usd.value().as_of_ms, 1703252411000);
  EXPECT_FALSE(usd.value().volume_24h.has_value());
  EXPECT_EQ(mempool::parse_prices(testing::fixture("mempool/prices.json"), "jpy").value().price, 6218915);
  auto sim = mempool::parse_prices(testing::fixture("mempool/sim_prices.json"), "eur");
  ASSERT_TRUE(sim.ok()) << sim.error().message;
  EXPECT_EQ(sim.value().price, 70715);
  EXPECT_EQ(sim.value().as_of_ms, 1767229200000);
}

TEST(MempoolPrices, MinusOneMeansUnavailableAndIsAnError) {
  auto result = mempool::parse_prices(R"({"time":1703252411,"USD":-1})", "usd");
  ASSERT_TRUE(IsParseError(result, "mempool", "price", "USD"));
  EXPECT_NE(result.error().message.find("-1"), std::string::npos);
  EXPECT_TRUE(IsParseError(mempool::parse_prices(R"({"time":1703252411,"USD":43753})", "brl"), "mempool", "price", "BRL"));
  EXPECT_TRUE(IsParseError(mempool::parse_prices(R"({"time":1703252411000,"USD":43753})", "usd"), "mempool", "price",
                           "time"));
  EXPECT_TRUE(IsParseError(mempool::parse_prices(R"({"USD":43753})", "usd"), "mempool", "price", "time"));
}

}  // namespace
}  // namespace ltl
