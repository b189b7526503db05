#pragma once
// Retry policy and backoff: which failures are worth another attempt, how long
// to wait (exponential backoff with AWS-style decorrelated jitter, never earlier
// than the upstream's Retry-After) and when to give up (attempts, deadline).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"

namespace ltl {

// Uniform random numbers in [0, 1). Injected so tests get fixed sequences.
using RandomSource = std::function<double()>;

// A RandomSource backed by a std::mt19937_64 seeded with `seed` (deterministic).
RandomSource seeded_random(uint64_t seed);

// Categories that say nothing a second identical request could change: the
// request itself is wrong (validation, 4xx), the answer is garbage (parse), the
// setup is wrong (config), or the breaker already said no (circuit_open).
// These are never retried, whatever RetryPolicy::retry_on lists.
bool never_retried(ErrorCategory category);

struct RetryPolicy {
  static constexpr int kMaxAttemptsCap = 10;

  int max_attempts = 3;          // total attempts including the first; 1 = no retry
  int64_t base_delay_ms = 250;   // smallest delay between attempts
  int64_t max_delay_ms = 10000;  // largest jittered delay (Retry-After may ask for more)
  std::vector<ErrorCategory> retry_on = {ErrorCategory::network, ErrorCategory::timeout,
                                         ErrorCategory::upstream_5xx, ErrorCategory::rate_limited};

  // True when `category` is listed and not never_retried().
  bool retries(ErrorCategory category) const;
  // config error naming the bad field and the expected range; nullopt when valid.
  std::optional<Error> validate() const;
};

// Why a call stopped retrying.
enum class RetryStop {
  none,                // it did not stop: a retry is due (or the call succeeded)
  not_retryable,       // the error's category is not retried by the policy
  attempts_exhausted,  // max_attempts reached
  deadline,            // the next attempt could not start before the deadline
  circuit_open,        // the provider's breaker rejected the attempt
};
const char* to_string(RetryStop stop);

// Decorrelated jitter (AWS "Exponential Backoff and Jitter"):
//   next = min(max_delay, uniform(base_delay, previous * 3)), previous starting at base_delay.
// Every delay lies in [min(base, max), max]; consecutive delays grow ~3x on average
// while the randomness keeps many clients from retrying in lockstep.
class RetryBackoff {
 public:
  RetryBackoff(int64_t base_delay_ms, int64_t max_delay_ms, RandomSource random);
  int64_t next_delay_ms();
  void reset();

 private:
  int64_t base_ms_;
  int64_t max_ms_;
  int64_t previous_ms_;
  RandomSource random_;
};

struct RetryDecision {
  bool retry = false;
  int64_t delay_ms = 0;  // when retry: wait this long before the next attempt
  RetryStop stop = RetryStop::none;
  std::string why;       // human-readable, names the numbers that decided it
};

// One call's retry state: the policy plus its own backoff sequence.
class RetrySchedule {
 public:
  RetrySchedule(RetryPolicy policy, RandomSource random);

  // After attempt number `attempts_made` (1-based) failed with `error` at `now_ms`:
  // retry after max(jittered backoff, error.retry_after_ms), unless the category is
  // not retried, the attempts are used up, or the retry would not start before `deadline_ms`.
  RetryDecision after_failure(const Error& error, int attempts_made, int64_t now_ms,
                              int64_t deadline_ms);

  const RetryPolicy& policy() const { return policy_; }

 private:
  RetryPolicy policy_;
  RetryBackoff backoff_;
};

}  // namespace ltl
