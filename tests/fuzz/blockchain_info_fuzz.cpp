// libFuzzer target: every blockchain.info parser on the same input.
#include <cstddef>
#include <cstdint>

#include "data/providers/blockchain_info.h"
#include "network_checks.h"

using namespace ltl;
using namespace ltl::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body = as_text(data, size);
  namespace blockchain_info = providers::blockchain_info;
  expect(blockchain_info::parse_block_count(body), "blockchain_info", "tip_height", check_tip);
  expect(blockchain_info::parse_hashrate(body), "blockchain_info", "hashrate", check_hashrate);
  expect(blockchain_info::parse_stats(body), "blockchain_info", "stats", [](const NetworkStats& stats) {
    FUZZ_CHECK(stats.as_of_ms >= providers::kMinUnixMs && stats.as_of_ms <= providers::kMaxUnixMs);
    FUZZ_CHECK(!stats.height || (*stats.height >= 0 && *stats.height <= providers::kMaxBlockHeight));
    FUZZ_CHECK(finite_positive(stats.hashrate_hs));
    FUZZ_CHECK(finite_positive(stats.difficulty));
    // An extra is either sane or null with a reason.
    FUZZ_CHECK(stats.height || stats.dropped_fields.count("n_blocks_total"));
    FUZZ_CHECK(stats.minutes_between_blocks ? finite_positive(*stats.minutes_between_blocks)
                                            : stats.dropped_fields.count("minutes_between_blocks") == 1);
    FUZZ_CHECK(stats.market_price_usd ? finite_positive(*stats.market_price_usd)
                                      : stats.dropped_fields.count("market_price_usd") == 1);
    check_round_trip(stats);
  });
  return 0;
}
