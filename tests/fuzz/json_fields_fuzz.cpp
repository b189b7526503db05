// libFuzzer target: the shared text readers (numbers in strings, ISO dates, plain-text bodies).
#include <cstddef>
#include <cstdint>

#include "data/providers/json_fields.h"
#include "fuzz_checks.h"

using namespace ltl;
using namespace ltl::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = as_text(data, size);
  if (auto number = providers::parse_decimal_text(text)) FUZZ_CHECK(std::isfinite(*number));
  if (auto ms = providers::parse_iso8601_utc_ms(text)) {
    FUZZ_CHECK(*ms >= 0);
    FUZZ_CHECK(*ms < int64_t{253402300800000});  // before year 10000
  }
  const std::string shown = providers::printable_prefix(text);
  for (char c : shown) FUZZ_CHECK(c >= 0x20 && c < 0x7f);
  auto body = providers::parse_text_body(text, "p", "o", "text");
  if (body.ok()) {
    FUZZ_CHECK(!body.value().empty());
    FUZZ_CHECK(body.value().front() != ' ' && body.value().back() != '\n');
  } else {
    check_error(body.error(), "p", "o");
  }
  return 0;
}
