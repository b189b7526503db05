// libFuzzer target: every esplora parser on the same input, plus the fee-level mapping.
#include <cstddef>
#include <cstdint>

#include "data/providers/esplora.h"
#include "network_checks.h"

using namespace ltl;
using namespace ltl::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body = as_text(data, size);
  namespace esplora = providers::esplora;
  expect(esplora::parse_tip_height(body), "esplora", "tip_height", check_tip);
  expect(esplora::parse_tip_hash(body), "esplora", "tip_hash", check_hash);
  expect(esplora::parse_blocks(body), "esplora", "blocks",
         [](const auto& blocks) { check_blocks(blocks, esplora::kMaxBlocks); });
  expect(esplora::parse_mempool(body), "esplora", "mempool", check_mempool);
  expect(esplora::parse_fee_estimates(body), "esplora", "fees", [](const FeeEstimates& estimates) {
    FUZZ_CHECK(!estimates.sat_vb_by_target_blocks.empty());
    FUZZ_CHECK(estimates.sat_vb_by_target_blocks.size() <= FeeEstimates::kMaxTargets);
    for (const auto& [target, rate] : estimates.sat_vb_by_target_blocks) {
      FUZZ_CHECK(target >= 1);
      FUZZ_CHECK(finite_non_negative(rate));
    }
    check_round_trip(estimates);
    auto fees = esplora::recommended_fees_from(estimates);
    FUZZ_CHECK(fees.has_value());
    check_fees(*fees);
  });
  return 0;
}
