#include "core/error.h"

#include <nlohmann/json.hpp>

namespace ltl {

const char* to_string(ErrorCategory category) {
  switch (category) {
    case ErrorCategory::network: return "network";
    case ErrorCategory::timeout: return "timeout";
    case ErrorCategory::rate_limited: return "rate_limited";
    case ErrorCategory::upstream_5xx: return "upstream_5xx";
    case ErrorCategory::upstream_4xx: return "upstream_4xx";
    case ErrorCategory::parse: return "parse";
    case ErrorCategory::validation: return "validation";
    case ErrorCategory::config: return "config";
    case ErrorCategory::storage: return "storage";
    case ErrorCategory::circuit_open: return "circuit_open";
    case ErrorCategory::internal: return "internal";
  }
  return "internal";
}

const char* to_string(Severity severity) {
  switch (severity) {
    case Severity::low: return "low";
    case Severity::medium: return "medium";
    case Severity::high: return "high";
    case Severity::critical: return "critical";
  }
  return "high";
}

int Error::http_status() const {
  switch (category) {
    case ErrorCategory::validation: return 400;
    case ErrorCategory::config:
    case ErrorCategory::internal: return 500;
    default: return 503;  // the upstream (or a tier) failed or timed out and nothing usable was cached
  }
}

Error make_error(ErrorCategory category, std::string provider, std::string operation,
                 std::string message) {
  Error error;
  error.category = category;
  error.provider = std::move(provider);
  error.operation = std::move(operation);
  error.message = std::move(message);
  switch (category) {
    case ErrorCategory::network:
    case ErrorCategory::timeout:
    case ErrorCategory::upstream_5xx:
    case ErrorCategory::rate_limited:
      error.severity = Severity::medium;
      error.retryable = true;
      break;
    case ErrorCategory::circuit_open:
      error.severity = Severity::medium;
      error.retryable = true;  // after the break duration
      break;
    case ErrorCategory::validation:
      error.severity = Severity::low;
      break;
    case ErrorCategory::upstream_4xx:
    case ErrorCategory::parse:
    case ErrorCategory::storage:
      error.severity = Severity::high;
      break;
    case ErrorCategory::config:
    case ErrorCategory::internal:
      error.severity = Severity::critical;
      break;
  }
  return error;
}

void to_json(nlohmann::json& out, const Error& error) {
  out = nlohmann::json{{"category", to_string(error.category)},
                       {"severity", to_string(error.severity)},
                       {"retryable", error.retryable},
                       {"provider", error.provider},
                       {"operation", error.operation},
                       {"message", error.message},
                       {"upstream_status", error.upstream_status},
                       {"http_status", error.http_status()}};
  if (error.retry_after_ms >= 0) out["retry_after_ms"] = error.retry_after_ms;
}

}  // namespace ltl
