// libFuzzer target: every mempool.space parser on the same input.
#include <cstddef>
#include <cstdint>

#include "data/providers/esplora.h"
#include "data/providers/mempool.h"
#include "network_checks.h"

using namespace ltl;
using namespace ltl::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body = as_text(data, size);
  namespace mempool = providers::mempool;
  expect(mempool::parse_recommended_fees(body), "mempool", "fees", check_fees);
  expect(mempool::parse_precise_fees(body), "mempool", "fees", check_fees);
  expect(mempool::parse_tip_height(body), "mempool", "tip_height", check_tip);
  expect(mempool::parse_tip_hash(body), "mempool", "tip_hash", check_hash);
  expect(mempool::parse_blocks(body), "mempool", "blocks",
         [](const auto& blocks) { check_blocks(blocks, providers::esplora::kMaxBlocks); });
  expect(mempool::parse_mempool(body), "mempool", "mempool", check_mempool);
  expect(mempool::parse_difficulty_adjustment(body), "mempool", "difficulty", [](const DifficultyAdjustment& da) {
    FUZZ_CHECK(da.progress_pct >= 0 && da.progress_pct <= 100);
    FUZZ_CHECK(std::isfinite(da.change_pct) && std::isfinite(da.previous_retarget_pct));
    FUZZ_CHECK(da.remaining_blocks >= 0 && da.remaining_blocks <= kDifficultyEpochBlocks);
    FUZZ_CHECK(da.remaining_time_ms >= 0);
    FUZZ_CHECK(da.estimated_retarget_ms >= providers::kMinUnixMs && da.estimated_retarget_ms <= providers::kMaxUnixMs);
    FUZZ_CHECK(!da.time_avg_ms || *da.time_avg_ms >= 0);
    FUZZ_CHECK(!da.previous_retarget_time_ms || *da.previous_retarget_time_ms % 1000 == 0);
    check_round_trip(da);
  });
  expect(mempool::parse_hashrate(body), "mempool", "hashrate", check_hashrate);
  expect(mempool::parse_prices(body, "usd"), "mempool", "price", [](const PriceQuote& quote) {
    check_quote(quote, "mempool", "usd");
    FUZZ_CHECK(quote.as_of_ms % 1000 == 0);
  });
  return 0;
}
