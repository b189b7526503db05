#pragma once
// blockchain.info (https://api.blockchain.info). Browsers only get CORS headers with ?cors=true.
//   /q/getblockcount  text/plain integer
//   /q/hashrate       text/plain, GH/s (normalised to H/s)
//   /stats            JSON; hash_rate in GH/s, timestamp in unix MS (may be a Java double such
//                     as 1.780730885E12). Several fields are garbage (negative fees, zero revenue),
//                     so only timestamp, hash_rate and difficulty (what the hash-rate route
//                     uses) are required; n_blocks_total, minutes_between_blocks and
//                     market_price_usd are read when sane and otherwise null (dropped_fields
//                     says why); nothing else is read. hash_rate is a 24 h figure.
#include <string_view>

#include "core/result.h"
#include "data/network.h"

namespace ltl::providers::blockchain_info {

constexpr const char* kProvider = "blockchain_info";
constexpr const char* kBlockCountPath = "/q/getblockcount?cors=true";
constexpr const char* kHashratePath = "/q/hashrate?cors=true";
constexpr const char* kStatsPath = "/stats?cors=true";
constexpr double kHashesPerGigahash = 1e9;

// Operation "tip_height".
Result<BlockTip> parse_block_count(std::string_view body);
// Operation "hashrate"; current_difficulty stays nullopt (the endpoint does not give it).
Result<Hashrate> parse_hashrate(std::string_view body);
// Operation "stats".
Result<NetworkStats> parse_stats(std::string_view body);

}  // namespace ltl::providers::blockchain_info
