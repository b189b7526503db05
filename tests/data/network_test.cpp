#include "data/network.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace ltl {
namespace {

using nlohmann::json;

TEST(Halving, CountsBlocksToTheNextMultipleOf210000) {
  EXPECT_EQ(blocks_to_next_halving(0), 210000);
  EXPECT_EQ(blocks_to_next_halving(1), 209999);
  EXPECT_EQ(blocks_to_next_halving(839999), 1);
  EXPECT_EQ(blocks_to_next_halving(840000), 210000);  // at a halving, the next is a full interval away
  EXPECT_EQ(blocks_to_next_halving(900006), 149994);
  EXPECT_EQ(next_halving_height(900006), 1050000);
  EXPECT_EQ(next_halving_height(840000), 1050000);
  EXPECT_EQ(blocks_to_next_halving(-5), 210000);  // treated as genesis
}

TEST(NetworkJson, BlockTipWritesNullForAMissingHash) {
  EXPECT_EQ(json(BlockTip{900006, std::nullopt}), json::parse(R"({"height":900006,"hash":null})"));
  BlockTip tip{5, "ab"};
  EXPECT_EQ(json(tip).get<BlockTip>().hash, "ab");
}

TEST(NetworkJson, KeysCarryTheirUnits) {
  RecommendedFees fees{31, 29, 27, 14, 0, kFeesMempoolRecommended};
  EXPECT_EQ(json(fees), json::parse(R"({"fee_definition":"mempool_recommended","fastest_sat_vb":31,"half_hour_sat_vb":29,)"
                                    R"("hour_sat_vb":27,"economy_sat_vb":14,"minimum_sat_vb":0})"));

  MempoolStats stats;
  stats.count = 8134;
  stats.vsize_vb = 3444604;
  stats.total_fee_sat = 29204625;
  stats.fee_histogram = {{53.01, 102131}, {1.1, 775272}};
  EXPECT_EQ(json(stats), json::parse(R"({"count":8134,"vsize_vb":3444604,"total_fee_sat":29204625,)"
                                     R"("fee_histogram":[[53.01,102131],[1.1,775272]]})"));

  Hashrate hashrate{2.5e20, std::nullopt, kHashrateWindowDay};
  EXPECT_EQ(json(hashrate),
            json::parse(R"({"current_hashrate_hs":2.5e20,"hashrate_window":"24h","current_difficulty":null})"));

  DifficultyAdjustment da;
  da.progress_pct = 32.5;
  da.remaining_time_ms = 811481279;
  da.estimated_retarget_ms = 1735514828279;
  const json written = da;
  for (const char* key : {"progress_pct", "change_pct", "remaining_blocks", "remaining_time_ms", "estimated_retarget_ms",
                          "previous_retarget_pct", "next_retarget_height", "time_avg_ms", "previous_retarget_time_ms"})
    EXPECT_TRUE(written.contains(key)) << key;
  EXPECT_TRUE(written.at("time_avg_ms").is_null());

  BlockSummary block;
  block.median_fee_sat_vb = 0.0;
  const json block_json = block;
  EXPECT_EQ(block_json.at("median_fee_sat_vb"), 0.0);  // zero is not missing
  EXPECT_TRUE(block_json.at("total_fees_sat").is_null());
  for (const char* key : {"height", "hash", "timestamp_ms", "tx_count", "size_bytes", "weight_wu", "pool_name"})
    EXPECT_TRUE(block_json.contains(key)) << key;

  FeeEstimates estimates;
  estimates.sat_vb_by_target_blocks = {{1, 2.5}, {1008, 1}};
  EXPECT_EQ(json(estimates), json::parse(R"({"sat_vb_by_target_blocks":{"1":2.5,"1008":1.0}})"));

  NetworkStats network{1767229380000, 9.6e20, 1.3e14, 900006, 10, 82216.64, {}};
  EXPECT_EQ(json(network), json::parse(R"({"as_of_ms":1767229380000,"height":900006,"hashrate_hs":9.6e20,)"
                                       R"("difficulty":1.3e14,"minutes_between_blocks":10.0,"market_price_usd":82216.64,)"
                                       R"("dropped_fields":{}})"));
}

TEST(NetworkJson, EveryModelRoundTrips) {
  BlockSummary block{730000, "00ab", 1648829449000, 1627, 1210916, 3993515, 11.0, 16321983, "Binance Pool"};
  BlockSummary block_back = json(block).get<BlockSummary>();
  EXPECT_EQ(json(block_back), json(block));

  MempoolStats stats{1, 2, 3, {{4.5, 6}}};
  EXPECT_EQ(json(json(stats).get<MempoolStats>()), json(stats));

  DifficultyAdjustment da{32.5, 0.78, 1361, 811481279, 1735514828279, 4.4, 876960, 596239, 1734312810000};
  EXPECT_EQ(json(json(da).get<DifficultyAdjustment>()), json(da));

  Hashrate hashrate{2.5e20, 3.1e13, kHashrateWindowWeek};
  EXPECT_EQ(json(json(hashrate).get<Hashrate>()), json(hashrate));

  RecommendedFees fees{5, 4, 3, 2, 1, kFeesEsploraTargets};
  EXPECT_EQ(json(json(fees).get<RecommendedFees>()), json(fees));

  FeeEstimates estimates;
  estimates.sat_vb_by_target_blocks = {{2, 87.882}, {144, 1.027}};
  EXPECT_EQ(json(estimates).get<FeeEstimates>().sat_vb_by_target_blocks, estimates.sat_vb_by_target_blocks);
  EXPECT_THROW(json::parse(R"({"sat_vb_by_target_blocks":{"x":1}})").get<FeeEstimates>(), json::exception);

  NetworkStats network{1767229380000, 9.6e20, 1.3e14, 900006, 10, 82216.64, {{"n_tx", "junk"}}};
  EXPECT_EQ(json(json(network).get<NetworkStats>()), json(network));
  NetworkStats junk{1767229380000, 9.6e20, 1.3e14, std::nullopt, std::nullopt, std::nullopt, {}};
  EXPECT_TRUE(json(junk).at("market_price_usd").is_null());
  EXPECT_EQ(json(json(junk).get<NetworkStats>()), json(junk));
}

}  // namespace
}  // namespace ltl
