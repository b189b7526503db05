#include "resilience/retry.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>

namespace ltl {
namespace {

constexpr int64_t kMaxDelayCapMs = 3600000;  // one hour: keeps previous*3 far from overflow

Error policy_error(const std::string& field, const std::string& got, const std::string& expected) {
  return make_error(ErrorCategory::config, "", "retry_policy",
                    "retry policy " + field + ": got " + got + "; expected " + expected);
}

// A random draw forced into [0, 1) so a broken source cannot push delays out of bounds.
double unit_draw(const RandomSource& random) {
  const double r = random ? random() : 0.0;
  if (!(r >= 0.0)) return 0.0;  // also catches NaN
  return r < 1.0 ? r : std::nextafter(1.0, 0.0);
}

}  // namespace

RandomSource seeded_random(uint64_t seed) {
  auto engine = std::make_shared<std::mt19937_64>(seed);
  return [engine]() { return std::generate_canonical<double, 53>(*engine); };
}

bool never_retried(ErrorCategory category) {
  switch (category) {
    case ErrorCategory::validation:
    case ErrorCategory::upstream_4xx:
    case ErrorCategory::parse:
    case ErrorCategory::config:
    case ErrorCategory::circuit_open: return true;
    default: return false;
  }
}

bool RetryPolicy::retries(ErrorCategory category) const {
  return !never_retried(category) &&
         std::find(retry_on.begin(), retry_on.end(), category) != retry_on.end();
}

std::optional<Error> RetryPolicy::validate() const {
  if (max_attempts < 1 || max_attempts > kMaxAttemptsCap)
    return policy_error("max_attempts", std::to_string(max_attempts),
                        "1.." + std::to_string(kMaxAttemptsCap));
  if (base_delay_ms < 1 || base_delay_ms > kMaxDelayCapMs)
    return policy_error("base_delay_ms", std::to_string(base_delay_ms),
                        "1.." + std::to_string(kMaxDelayCapMs));
  if (max_delay_ms < base_delay_ms || max_delay_ms > kMaxDelayCapMs)
    return policy_error("max_delay_ms", std::to_string(max_delay_ms),
                        std::to_string(base_delay_ms) + ".." + std::to_string(kMaxDelayCapMs) +
                            " (at least base_delay_ms)");
  return std::nullopt;
}

const char* to_string(RetryStop stop) {
  switch (stop) {
    case RetryStop::none: return "none";
    case RetryStop::not_retryable: return "not_retryable";
    case RetryStop::attempts_exhausted: return "attempts_exhausted";
    case RetryStop::deadline: return "deadline";
    case RetryStop::circuit_open: return "circuit_open";
  }
  return "none";
}

RetryBackoff::RetryBackoff(int64_t base_delay_ms, int64_t max_delay_ms, RandomSource random)
    : base_ms_(std::clamp<int64_t>(base_delay_ms, 0, kMaxDelayCapMs)),
      max_ms_(std::clamp<int64_t>(max_delay_ms, 0, kMaxDelayCapMs)),
      previous_ms_(base_ms_),
      random_(std::move(random)) {}

int64_t RetryBackoff::next_delay_ms() {
  const double low = static_cast<double>(base_ms_);
  const double high = std::max(low, static_cast<double>(previous_ms_) * 3.0);
  const double drawn = low + unit_draw(random_) * (high - low);
  const int64_t delay = std::min<int64_t>(max_ms_, static_cast<int64_t>(std::floor(drawn)));
  previous_ms_ = delay;
  return delay;
}

void RetryBackoff::reset() { previous_ms_ = base_ms_; }

RetrySchedule::RetrySchedule(RetryPolicy policy, RandomSource random)
    : policy_(std::move(policy)),
      backoff_(policy_.base_delay_ms, policy_.max_delay_ms, std::move(random)) {}

RetryDecision RetrySchedule::after_failure(const Error& error, int attempts_made, int64_t now_ms,
                                           int64_t deadline_ms) {
  RetryDecision decision;
  if (error.category == ErrorCategory::circuit_open) {
    decision.stop = RetryStop::circuit_open;
    decision.why = "the circuit breaker is open";
    return decision;
  }
  if (!error.retryable || !policy_.retries(error.category)) {
    decision.stop = RetryStop::not_retryable;
    decision.why = std::string("category ") + to_string(error.category) + " is not retried";
    return decision;
  }
  if (attempts_made >= policy_.max_attempts) {
    decision.stop = RetryStop::attempts_exhausted;
    decision.why = "used " + std::to_string(attempts_made) + " of " +
                   std::to_string(policy_.max_attempts) + " attempts";
    return decision;
  }
  int64_t delay = backoff_.next_delay_ms();
  // The upstream knows best when it can serve again: never retry before it asked.
  if (error.retry_after_ms >= 0) delay = std::max(delay, error.retry_after_ms);
  if (now_ms + delay >= deadline_ms) {
    decision.stop = RetryStop::deadline;
    decision.delay_ms = delay;
    decision.why = "next attempt would start " + std::to_string(delay) + " ms from now, " +
                   std::to_string(std::max<int64_t>(0, deadline_ms - now_ms)) +
                   " ms left before the deadline";
    return decision;
  }
  decision.retry = true;
  decision.delay_ms = delay;
  decision.why = std::string("retrying after ") + to_string(error.category) + " in " +
                 std::to_string(delay) + " ms";
  return decision;
}

}  // namespace ltl
