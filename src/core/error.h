#pragma once
// Typed errors: every failure says what kind it is, how bad, whether a retry
// can help, and where it happened. Classification comes from what happened
// (status code, transport failure, parse failure), never from message text.
#include <cstdint>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace ltl {

enum class ErrorCategory {
  network,
  timeout,
  rate_limited,
  upstream_5xx,
  upstream_4xx,
  parse,
  validation,
  config,
  storage,
  circuit_open,
  internal,
};

enum class Severity { low, medium, high, critical };

const char* to_string(ErrorCategory category);
const char* to_string(Severity severity);

struct Error {
  ErrorCategory category = ErrorCategory::internal;
  Severity severity = Severity::high;
  bool retryable = false;
  std::string provider;   // e.g. "coingecko"; empty when no provider is involved
  std::string operation;  // e.g. "price"
  std::string message;
  int upstream_status = 0;        // HTTP status from the upstream, 0 when none
  int64_t retry_after_ms = -1;    // from Retry-After, -1 when absent

  // The status an HTTP front end should answer with.
  int http_status() const;
};

// An error with the category's default severity and retryability.
Error make_error(ErrorCategory category, std::string provider, std::string operation,
                 std::string message);

void to_json(nlohmann::json& out, const Error& error);

}  // namespace ltl
