#pragma once
// Blockstream esplora / electrs REST (https://blockstream.info/api). mempool.space serves the same
// electrs routes (tip, /blocks, /mempool), so its parsers call these with provider "mempool".
//   /blocks/tip/height  text/plain integer
//   /blocks/tip/hash    text/plain 64 hex chars
//   /blocks[/:h]        JSON array (10 newest first); timestamp in unix SECONDS
//   /mempool            count, vsize (vB), total_fee (sats), fee_histogram [[sat/vB, vB]…]
//   /fee-estimates      {"<target blocks>": sat/vB}; targets 1–25, 144, 504, 1008, some may be missing
// A 429 from the rate limiter is JSON even on text routes: callers check the status first
// (classify_http_result); a JSON body reaching a text parser is a parse error naming "body".
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "data/network.h"

namespace ltl::providers::esplora {

constexpr const char* kProvider = "esplora";
constexpr const char* kTipHeightPath = "/blocks/tip/height";
constexpr const char* kTipHashPath = "/blocks/tip/hash";
constexpr const char* kBlocksPath = "/blocks";
constexpr const char* kMempoolPath = "/mempool";
constexpr const char* kFeeEstimatesPath = "/fee-estimates";

// At most this many blocks are kept from a /blocks body (newest first); the rest are ignored.
constexpr size_t kMaxBlocks = 32;

// Operation "tip_height". Decimal digits only (surrounding whitespace allowed).
Result<BlockTip> parse_tip_height(std::string_view body, const char* provider = kProvider);
// Operation "tip_hash". 64 hex digits, returned lower-case.
Result<std::string> parse_tip_hash(std::string_view body, const char* provider = kProvider);
// Operation "blocks". Reads mempool.space `extras` (medianFee, totalFees, pool.name) when present.
Result<std::vector<BlockSummary>> parse_blocks(std::string_view body, const char* provider = kProvider);
// Operation "mempool".
Result<MempoolStats> parse_mempool(std::string_view body, const char* provider = kProvider);
// Operation "fees".
Result<FeeEstimates> parse_fee_estimates(std::string_view body);

// Maps esplora targets onto mempool.space's five levels: fastest = 1 block, half hour = 3,
// hour = 6, economy = 144 (a day), minimum = 1008 (a week). A missing target takes the estimate
// of the largest available target below it (a rate that confirms at least as fast), or failing
// that the smallest target above it. nullopt when `estimates` is empty.
std::optional<RecommendedFees> recommended_fees_from(const FeeEstimates& estimates);

}  // namespace ltl::providers::esplora
