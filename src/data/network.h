#pragma once
// Bitcoin network data models. Units are in the names: fee rates in sat/vB,
// sizes in vB / bytes / weight units, amounts in satoshis, hash rates in H/s,
// timestamps in unix ms, durations in ms. Missing values are std::nullopt (JSON
// null), never 0. to_json writes snake_case keys carrying the same units.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace ltl {

constexpr int64_t kHalvingIntervalBlocks = 210000;
constexpr int64_t kDifficultyEpochBlocks = 2016;
// Mainnet passed this height in October 2019. A plain-text tip below it is a truncated or garbage
// body (any cut of a 6-digit height has at most 5 digits), never a real tip.
constexpr int64_t kMinPlausibleTipHeight = 600000;

// Blocks from `height` until the next subsidy halving (at a multiple of 210000); at a halving
// height itself the answer is the full interval. Heights below 0 are treated as 0.
int64_t blocks_to_next_halving(int64_t height);
// Height of the next halving strictly above `height`.
int64_t next_halving_height(int64_t height);

struct BlockTip {
  int64_t height = 0;
  std::optional<std::string> hash;  // lower-case hex; absent when only the height was fetched
};

struct BlockSummary {
  int64_t height = 0;
  std::string hash;  // lower-case hex
  int64_t timestamp_ms = 0;  // miner's header time (the upstream sends seconds)
  int64_t tx_count = 0;
  int64_t size_bytes = 0;
  int64_t weight_wu = 0;
  // mempool.space /v1/blocks `extras` only:
  std::optional<double> median_fee_sat_vb;
  std::optional<int64_t> total_fees_sat;
  std::optional<std::string> pool_name;
};

// What a set of fee rates means (fee_definition): the field names are shared, the meaning is not.
// mempool.space's precise calculation: the REST /v1/fees/precise endpoint and the WebSocket `fees`
// (3 decimals, can be below 1 sat/vB).
constexpr const char* kFeesMempoolPrecise = "mempool_precise";
// mempool.space /v1/fees/recommended: the same rates rounded to whole numbers, at least 1.
constexpr const char* kFeesMempoolRecommended = "mempool_recommended";
// Esplora /fee-estimates: Bitcoin Core's estimate per confirmation target (see
// esplora::recommended_fees_from for the target chosen for each field).
constexpr const char* kFeesEsploraTargets = "esplora_targets";

struct RecommendedFees {
  double fastest_sat_vb = 0;
  double half_hour_sat_vb = 0;
  double hour_sat_vb = 0;
  double economy_sat_vb = 0;
  double minimum_sat_vb = 0;
  std::string definition = kFeesMempoolPrecise;  // one of the kFees* names above (JSON fee_definition)
};

// Esplora /fee-estimates: confirmation target in blocks → sat/vB. Targets can be missing.
struct FeeEstimates {
  static constexpr size_t kMaxTargets = 64;  // esplora sends 28 (1–25, 144, 504, 1008)
  std::map<int, double> sat_vb_by_target_blocks;
};

// One histogram band: `vsize_vb` of transactions paying at least `feerate_sat_vb` (and less than
// the previous band's rate). Bands arrive highest rate first.
struct FeeHistogramBin {
  double feerate_sat_vb = 0;
  int64_t vsize_vb = 0;
};

struct MempoolStats {
  // Beyond this many bands the tail is merged into the last kept band (rate of the lowest band,
  // summed vsize), so totals are preserved and memory is bounded.
  static constexpr size_t kMaxHistogramBins = 256;
  int64_t count = 0;
  int64_t vsize_vb = 0;
  int64_t total_fee_sat = 0;
  std::vector<FeeHistogramBin> fee_histogram;
};

struct DifficultyAdjustment {
  double progress_pct = 0;           // of the current 2016-block epoch
  double change_pct = 0;             // estimated difficulty change at the retarget
  int64_t remaining_blocks = 0;
  int64_t remaining_time_ms = 0;     // duration
  int64_t estimated_retarget_ms = 0; // unix ms
  double previous_retarget_pct = 0;
  int64_t next_retarget_height = 0;
  std::optional<int64_t> time_avg_ms;            // mean block interval this epoch
  std::optional<int64_t> previous_retarget_time_ms;  // unix ms (the upstream sends seconds)
};

// The averaging window of a hash rate (hashrate_window): mempool's currentHashrate is Core's
// getnetworkhashps(1008), about a week; blockchain.info's hash_rate is a 24 h figure.
constexpr const char* kHashrateWindowWeek = "1w";
constexpr const char* kHashrateWindowDay = "24h";

struct Hashrate {
  double current_hashrate_hs = 0;
  std::optional<double> current_difficulty;  // absent from blockchain.info /q/hashrate
  std::string window;                        // kHashrateWindowWeek or kHashrateWindowDay (JSON hashrate_window)
};

// blockchain.info /stats, reduced to the fields that are trustworthy (others carry garbage).
// Only what the hash-rate route uses is required; the rest is null when absent or garbage
// (zero, negative, wrong type), with the reason in `dropped_fields`, and never voids the answer.
struct NetworkStats {
  int64_t as_of_ms = 0;
  double hashrate_hs = 0;  // the upstream sends GH/s
  double difficulty = 0;
  std::optional<int64_t> height;
  std::optional<double> minutes_between_blocks;
  std::optional<double> market_price_usd;
  std::map<std::string, std::string> dropped_fields;  // field → why it is null
};

void to_json(nlohmann::json& out, const BlockTip& value);
void from_json(const nlohmann::json& in, BlockTip& value);
void to_json(nlohmann::json& out, const BlockSummary& value);
void from_json(const nlohmann::json& in, BlockSummary& value);
void to_json(nlohmann::json& out, const RecommendedFees& value);
void from_json(const nlohmann::json& in, RecommendedFees& value);
void to_json(nlohmann::json& out, const FeeEstimates& value);
void from_json(const nlohmann::json& in, FeeEstimates& value);
void to_json(nlohmann::json& out, const MempoolStats& value);
void from_json(const nlohmann::json& in, MempoolStats& value);
void to_json(nlohmann::json& out, const DifficultyAdjustment& value);
void from_json(const nlohmann::json& in, DifficultyAdjustment& value);
void to_json(nlohmann::json& out, const Hashrate& value);
void from_json(const nlohmann::json& in, Hashrate& value);
void to_json(nlohmann::json& out, const NetworkStats& value);
void from_json(const nlohmann::json& in, NetworkStats& value);

}  // namespace ltl
