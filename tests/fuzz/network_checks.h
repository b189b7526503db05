#pragma once
// Model invariants for the chain data parsers (mempool, esplora, blockchain.info).
#include <vector>

#include "data/network.h"
#include "data/providers/json_fields.h"
#include "fuzz_checks.h"

namespace ltl::fuzz {

inline void check_hash(const std::string& hash) {
  FUZZ_CHECK(hash.size() == 64);
  for (char c : hash) FUZZ_CHECK((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
}

inline void check_tip(const BlockTip& tip) {
  FUZZ_CHECK(tip.height >= 0 && tip.height <= providers::kMaxBlockHeight);
  if (tip.hash) check_hash(*tip.hash);
  check_round_trip(tip);
}

inline void check_fees(const RecommendedFees& fees) {
  FUZZ_CHECK(finite_non_negative(fees.fastest_sat_vb));
  FUZZ_CHECK(finite_non_negative(fees.half_hour_sat_vb));
  FUZZ_CHECK(finite_non_negative(fees.hour_sat_vb));
  FUZZ_CHECK(finite_non_negative(fees.economy_sat_vb));
  FUZZ_CHECK(finite_non_negative(fees.minimum_sat_vb));
  FUZZ_CHECK(fees.definition == kFeesMempoolPrecise || fees.definition == kFeesMempoolRecommended ||
             fees.definition == kFeesEsploraTargets);
  check_round_trip(fees);
}

inline void check_blocks(const std::vector<BlockSummary>& blocks, size_t max_blocks) {
  FUZZ_CHECK(blocks.size() <= max_blocks);
  for (const BlockSummary& block : blocks) {
    check_hash(block.hash);
    FUZZ_CHECK(block.height >= 0 && block.height <= providers::kMaxBlockHeight);
    FUZZ_CHECK(block.timestamp_ms >= providers::kMinUnixMs && block.timestamp_ms <= providers::kMaxUnixMs);
    FUZZ_CHECK(block.timestamp_ms % 1000 == 0);
    FUZZ_CHECK(block.tx_count >= 1 && block.size_bytes >= 1 && block.weight_wu >= 1);
    FUZZ_CHECK(!block.median_fee_sat_vb || finite_non_negative(*block.median_fee_sat_vb));
    FUZZ_CHECK(!block.total_fees_sat || *block.total_fees_sat >= 0);
    FUZZ_CHECK(!block.pool_name || !block.pool_name->empty());
    check_round_trip(block);
  }
}

inline void check_mempool(const MempoolStats& stats) {
  FUZZ_CHECK(stats.count >= 0 && stats.vsize_vb >= 0 && stats.total_fee_sat >= 0);
  FUZZ_CHECK(stats.fee_histogram.size() <= MempoolStats::kMaxHistogramBins);
  for (const FeeHistogramBin& bin : stats.fee_histogram) {
    FUZZ_CHECK(finite_non_negative(bin.feerate_sat_vb));
    FUZZ_CHECK(bin.vsize_vb >= 0);
  }
  check_round_trip(stats);
}

inline void check_hashrate(const Hashrate& hashrate) {
  FUZZ_CHECK(finite_positive(hashrate.current_hashrate_hs));
  FUZZ_CHECK(hashrate.window == kHashrateWindowWeek || hashrate.window == kHashrateWindowDay);
  FUZZ_CHECK(!hashrate.current_difficulty || finite_positive(*hashrate.current_difficulty));
  check_round_trip(hashrate);
}

}  // namespace ltl::fuzz
