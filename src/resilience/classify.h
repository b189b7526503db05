#pragma once
// Turns what happened on the wire into a typed error.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "net/http.h"

namespace ltl {

// The error for a transport failure or a non-2xx status; nullopt for a 2xx response.
std::optional<Error> classify_http_result(const HttpResult& result, const std::string& provider,
                                          const std::string& operation, int64_t now_ms);

// How a non-2xx upstream status maps to a category: the first rule whose [from, to] range holds
// the status wins; a status no rule holds is kStatusDefaultCategory.
struct StatusRule {
  int from;
  int to;
  ErrorCategory category;
};
const std::vector<StatusRule>& status_rules();
constexpr ErrorCategory kStatusDefaultCategory = ErrorCategory::upstream_4xx;
ErrorCategory category_for_status(int status);

// Retry-After as a delay in ms: delta-seconds or an IMF-fixdate HTTP-date
// ("Sun, 06 Nov 1994 08:49:37 GMT"). nullopt for anything else.
std::optional<int64_t> parse_retry_after(std::string_view value, int64_t now_ms);

}  // namespace ltl
