// Fixtures: tests/fixtures/esplora/<name> are the bodies quoted in upstream-apis.md; sim_<name>
// were captured from the simulator (seed 1, manual clock, start + 3 780 000 ms).
#include "data/providers/esplora.h"

#include <string>

#include <gtest/gtest.h>

#include "data/providers/error_assertions.h"
#include "support/fixtures.h"

namespace ltl {
namespace {

namespace esplora = providers::esplora;
using testing::BadBody;
using testing::IsParseError;

TEST(EsploraTip, ParsesPlainTextUnderTheEsploraName) {
  EXPECT_EQ(esplora::parse_tip_height("900006").value().height, 900006);
  EXPECT_EQ(esplora::parse_tip_hash("00000000000000000008df5448ded73cf5a2823d9059c2dd3d36477fb166fc7b").value(),
            "00000000000000000008df5448ded73cf5a2823d9059c2dd3d36477fb166fc7b");
}

TEST(EsploraTip, TheJsonRateLimitBodyOnATextRouteIsAParseErrorNamingTheBody) {
  const std::string body = testing::fixture("esplora/rate_limited_429.json");
  auto height = esplora::parse_tip_height(body);
  ASSERT_TRUE(IsParseError(height, "esplora", "tip_height", "body"));
  EXPECT_NE(height.error().message.find("got JSON ({\"message\":\"Blockstream Explorer API NOTICE"), std::string::npos)
      << height.error().message;
  EXPECT_TRUE(IsParseError(esplora::parse_tip_hash(body), "esplora", "tip_hash", "body"));
}

TEST(EsploraBlocks, ParsesBlocksWithoutExtras) {
  auto blocks = esplora::parse_blocks(testing::fixture("esplora/sim_blocks.json"));
  ASSERT_TRUE(blocks.ok()) << blocks.error().message;
  ASSERT_EQ(blocks.value().size(), 10u);
  const BlockSummary& tip = blocks.value()[0];
  EXPECT_EQ(tip.height, 900006);
  EXPECT_EQ(tip.timestamp_ms, 1767229183000);
  EXPECT_EQ(tip.tx_count, 2961);
  EXPECT_FALSE(tip.median_fee_sat_vb.has_value());
  EXPECT_FALSE(tip.total_fees_sat.has_value());
  EXPECT_FALSE(tip.pool_name.has_value());
  EXPECT_EQ(blocks.value()[9].height, 899997);
}

TEST(EsploraBlocks, IgnoresTheStaleFlag) {
  auto blocks = esplora::parse_blocks(
      R"([{"stale":true,"id":"00000000000000000008df5448ded73cf5a2823d9059c2dd3d36477fb166fc7b","height":5,)"
      R"("timestamp":1767229183,"tx_count":1,"size":200,"weight":800}])");
  ASSERT_TRUE(blocks.ok()) << blocks.error().message;
  EXPECT_EQ(blocks.value()[0].height, 5);
}

TEST(EsploraMempool, ParsesTheReferenceAndSimulatorBodies) {
  auto reference = esplora::parse_mempool(testing::fixture("esplora/mempool.json"));
  ASSERT_TRUE(reference.ok()) << reference.error().message;
  EXPECT_EQ(reference.value().total_fee_sat, 29204625);
  EXPECT_EQ(reference.value().fee_histogram.size(), 7u);
  auto sim = esplora::parse_mempool(testing::fixture("esplora/sim_mempool.json"));
  ASSERT_TRUE(sim.ok()) << sim.error().message;
  EXPECT_EQ(sim.value().count, 30509);
  EXPECT_TRUE(IsParseError(esplora::parse_mempool("{}"), "esplora", "mempool", "count"));
}

// ---- fee estimates ----

TEST(EsploraFeeEstimates, ParsesTheReferenceBody) {
  auto estimates = esplora::parse_fee_estimates(testing::fixture("esplora/fee_estimates.json"));
  ASSERT_TRUE(estimates.ok()) << estimates.error().message;
  const auto& by_target = estimates.value().sat_vb_by_target_blocks;
  ASSERT_EQ(by_target.size(), 11u);
  EXPECT_DOUBLE_EQ(by_target.at(2), 87.882);
  EXPECT_DOUBLE_EQ(by_target.at(6), 68.285);
  EXPECT_DOUBLE_EQ(by_target.at(1008), 1.027);
  EXPECT_EQ(by_target.count(1), 0u);  // missing stays missing
}

TEST(EsploraFeeEstimates, MapsTargetsOntoTheFiveLevels) {
  // Reference body: no 1-block target, so "fastest" falls back to the smallest target above it.
  auto reference = esplora::recommended_fees_from(esplora::parse_fee_estimates(testing::fixture("esplora/fee_estimates.json")).value());
  ASSERT_TRUE(reference.has_value());
  EXPECT_DOUBLE_EQ(reference->fastest_sat_vb, 87.882);
  EXPECT_DOUBLE_EQ(reference->half_hour_sat_vb, 87.882);
  EXPECT_DOUBLE_EQ(reference->hour_sat_vb, 68.285);
  EXPECT_DOUBLE_EQ(reference->economy_sat_vb, 1.027);
  EXPECT_DOUBLE_EQ(reference->minimum_sat_vb, 1.027);
  EXPECT_EQ(reference->definition, "esplora_targets");  // Core's per-target estimates, not mempool's

  // Sparse capture (no 1 or 5): a missing target takes the largest target below it.
  auto sparse = esplora::recommended_fees_from(
      esplora::parse_fee_estimates(testing::fixture("esplora/fee_estimates_sparse.json")).value());
  ASSERT_TRUE(sparse.has_value());
  EXPECT_DOUBLE_EQ(sparse->fastest_sat_vb, 32.749);
  EXPECT_DOUBLE_EQ(sparse->half_hour_sat_vb, 32.749);
  EXPECT_DOUBLE_EQ(sparse->hour_sat_vb, 20.098);
  EXPECT_EQ(sparse->economy_sat_vb, 1);
  EXPECT_EQ(sparse->minimum_sat_vb, 1);

  auto sim = esplora::recommended_fees_from(esplora::parse_fee_estimates(testing::fixture("esplora/sim_fee_estimates.json")).value());
  ASSERT_TRUE(sim.has_value());
  EXPECT_DOUBLE_EQ(sim->fastest_sat_vb, 2.135);
  EXPECT_DOUBLE_EQ(sim->half_hour_sat_vb, 1.671);
  EXPECT_DOUBLE_EQ(sim->hour_sat_vb, 1.21);
  EXPECT_DOUBLE_EQ(sim->economy_sat_vb, 0.5);
  EXPECT_DOUBLE_EQ(sim->minimum_sat_vb, 0.5);
}

TEST(EsploraFeeEstimates, MissingTargetBetweenKnownOnesUsesTheFasterEstimate) {
  FeeEstimates estimates;
  estimates.sat_vb_by_target_blocks = {{1, 40}, {5, 20}, {200, 2}};
  auto fees = esplora::recommended_fees_from(estimates);
  ASSERT_TRUE(fees.has_value());
  EXPECT_EQ(fees->half_hour_sat_vb, 40);  // 3 → 1 (confirms at least as fast)
  EXPECT_EQ(fees->hour_sat_vb, 20);       // 6 → 5
  EXPECT_EQ(fees->economy_sat_vb, 20);    // 144 → 5
  EXPECT_EQ(fees->minimum_sat_vb, 2);     // 1008 → 200
  EXPECT_FALSE(esplora::recommended_fees_from(FeeEstimates{}).has_value());
}

TEST(EsploraFeeEstimates, ZeroRateStaysZero) {
  auto estimates = esplora::parse_fee_estimates(R"({"1":0,"2":0.0})");
  ASSERT_TRUE(estimates.ok()) << estimates.error().message;
  EXPECT_EQ(estimates.value().sat_vb_by_target_blocks.at(1), 0.0);
}

class EsploraFeeEstimatesBadBodies : public ::testing::TestWithParam<BadBody> {};

TEST_P(EsploraFeeEstimatesBadBodies, AreParseErrorsNamingTheField) {
  EXPECT_TRUE(IsParseError(esplora::parse_fee_estimates(GetParam().body), "esplora", "fees", GetParam().field));
}

std::string many_targets(int count) {
  std::string body = "{";
  for (int i = 1; i <= count; ++i) body += (i > 1 ? "," : "") + std::string("\"") + std::to_string(i) + "\":1";
  return body + "}";
}

INSTANTIATE_TEST_SUITE_P(
    Bodies, EsploraFeeEstimatesBadBodies,
    ::testing::Values(BadBody{"empty_object", "{}", "body"},
                      BadBody{"array", "[1.5]", "body"},
                      BadBody{"empty", "", "body"},
                      BadBody{"html", "<html>", "body"},
                      BadBody{"rate_limit_json", testing::fixture("esplora/rate_limited_429.json"), "body[\"message\"]"},
                      BadBody{"target_not_number", R"({"2":1.5,"soon":3})", "body[\"soon\"]"},
                      BadBody{"target_zero", R"({"0":1.5})", "body[\"0\"]"},
                      BadBody{"target_empty", R"({"":1.5})", "body[\"\"]"},  // found by esplora_fuzz
                      // A key that itself reads like "<field>: ": found by esplora_fuzz in npm test.
                      BadBody{"target_colon", R"({"2":1.5,": 20.1, [38.5":1})", "body[\": 20.1, [38.5\"]"},
                      BadBody{"target_negative", R"({"-2":1.5})", "body[\"-2\"]"},
                      BadBody{"rate_negative", R"({"2":-1.5})", "2"},
                      BadBody{"rate_string", R"({"2":"1.5"})", "2"},
                      BadBody{"rate_null", R"({"2":null})", "2"},
                      BadBody{"too_many_targets", many_targets(65), "body"}),
    testing::BadBodyName);

}  // namespace
}  // namespace ltl
