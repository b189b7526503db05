// libFuzzer target: the alternative.me Fear & Greed parser.
#include <cstddef>
#include <cstdint>

#include "data/providers/fng.h"
#include "data/providers/json_fields.h"
#include "fuzz_checks.h"

using namespace ltl;
using namespace ltl::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  expect(providers::fng::parse_fng(as_text(data, size)), "fng", "sentiment", [](const FearGreed& index) {
    FUZZ_CHECK(index.value >= FearGreed::kMin && index.value <= FearGreed::kMax);
    FUZZ_CHECK(!index.classification.empty());
    FUZZ_CHECK(index.timestamp_ms >= providers::kMinUnixMs && index.timestamp_ms <= providers::kMaxUnixMs);
    FUZZ_CHECK(index.timestamp_ms % 1000 == 0);
    FUZZ_CHECK(!index.time_until_update_ms || *index.time_until_update_ms >= 0);
    FUZZ_CHECK(!(index.time_until_update_ms && index.time_until_update_error));
    check_round_trip(index);
  });
  return 0;
}
