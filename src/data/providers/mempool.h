#pragma once
// mempool.space REST (https://mempool.space/api). /v1/* is the mempool backend; the tip, /blocks
// and /mempool routes are electrs (see esplora.h), parsed here under provider "mempool".
//   /v1/fees/recommended, /v1/fees/precise  sat/vB (whole numbers / 3 decimals)
//   /v1/difficulty-adjustment  mixed units: estimatedRetargetDate unix MS, remainingTime and
//                              timeAvg ms durations, previousTime unix SECONDS, percentages
//   /v1/mining/hashrate/:p     currentHashrate in H/s, timestamps in seconds
//   /v1/prices                 time in unix SECONDS, whole fiat numbers, -1 = unavailable
// While the mempool is not in sync /v1/fees/recommended answers 503 with text: callers check the
// status first (classify_http_result); a text body reaching a JSON parser is a parse error.
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "data/market.h"
#include "data/network.h"

namespace ltl::providers::mempool {

constexpr const char* kProvider = "mempool";
constexpr const char* kRecommendedFeesPath = "/v1/fees/recommended";
constexpr const char* kPreciseFeesPath = "/v1/fees/precise";
constexpr const char* kTipHeightPath = "/blocks/tip/height";
constexpr const char* kTipHashPath = "/blocks/tip/hash";
constexpr const char* kBlocksPath = "/v1/blocks";  // 15 blocks with `extras`
constexpr const char* kMempoolPath = "/mempool";
constexpr const char* kDifficultyAdjustmentPath = "/v1/difficulty-adjustment";
// An unknown period silently returns the whole history, so always ask for a documented one.
constexpr const char* kHashratePath = "/v1/mining/hashrate/3d";
constexpr const char* kPricesPath = "/v1/prices";

// Operation "fees"; both fee routes share the body shape. /v1/fees/recommended → fee_definition
// "mempool_recommended" (whole numbers); /v1/fees/precise → "mempool_precise", the same
// definition as the WebSocket's `fees` (the fees route reads this one).
Result<RecommendedFees> parse_recommended_fees(std::string_view body);
Result<RecommendedFees> parse_precise_fees(std::string_view body);
// Operation "tip_height" (text/plain).
Result<BlockTip> parse_tip_height(std::string_view body);
// Operation "tip_hash" (text/plain); lower-case hex.
Result<std::string> parse_tip_hash(std::string_view body);
// Operation "blocks"; fills median fee, total fees and pool from `extras`.
Result<std::vector<BlockSummary>> parse_blocks(std::string_view body);
// Operation "mempool".
Result<MempoolStats> parse_mempool(std::string_view body);
// Operation "difficulty". Rejects a retarget date that is not in unix ms (the stale REST docs
// sample used seconds).
Result<DifficultyAdjustment> parse_difficulty_adjustment(std::string_view body);
// Operation "hashrate": currentHashrate (H/s, window "1w": Core's getnetworkhashps(1008)) and
// currentDifficulty; the history is not kept.
Result<Hashrate> parse_hashrate(std::string_view body);
// Operation "price": the `currency` (lower-case ISO code) entry of /v1/prices; as_of from `time`.
Result<PriceQuote> parse_prices(std::string_view body, const std::string& currency);

}  // namespace ltl::providers::mempool
