#pragma once
// alternative.me Fear & Greed: GET /fng/?limit=1 →
// {"name":…,"data":[{"value":"25","value_classification":"Extreme Fear","timestamp":"1639958400",
//   "time_until_update":"62507"}],"metadata":{"error":null}}
// value (0–100), timestamp (unix SECONDS, the UTC day start) and time_until_update (seconds) are
// strings; time_until_update is only on the newest entry; data is newest first. time_until_update
// can be negative in real bodies (an overdue update): it is then null with the reason in
// time_until_update_error, and the rest of the answer stands.
#include <string_view>

#include "core/result.h"
#include "data/sentiment.h"

namespace ltl::providers::fng {

constexpr const char* kProvider = "fng";
constexpr const char* kLatestPath = "/fng/?limit=1";

// Operation "sentiment": the newest entry (data[0]). A non-null metadata.error becomes an
// upstream_4xx error "metadata.error: <text>".
Result<FearGreed> parse_fng(std::string_view body);

}  // namespace ltl::providers::fng
