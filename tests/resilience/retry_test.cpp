#include "resilience/retry.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace ltl {
namespace {

constexpr int64_t kNow = 1767225600000;

Error error_of(ErrorCategory category, int64_t retry_after_ms = -1) {
  Error error = make_error(category, "coingecko", "price", "test failure");
  error.retry_after_ms = retry_after_ms;
  return error;
}

RandomSource constant_random(double value) {
  return [value]() { return value; };
}

TEST(RetryPolicy, RetriesTransientCategoriesByDefault) {
  RetryPolicy policy;
  for (ErrorCategory c : {ErrorCategory::network, ErrorCategory::timeout, ErrorCategory::upstream_5xx,
                          ErrorCategory::rate_limited})
    EXPECT_TRUE(policy.retries(c)) << to_string(c);
  for (ErrorCategory c : {ErrorCategory::validation, ErrorCategory::upstream_4xx, ErrorCategory::parse,
                          ErrorCategory::config, ErrorCategory::circuit_open, ErrorCategory::storage,
                          ErrorCategory::internal})
    EXPECT_FALSE(policy.retries(c)) << to_string(c);
}

TEST(RetryPolicy, NeverRetriesRequestOrSetupErrorsEvenWhenListed) {
  RetryPolicy policy;
  policy.retry_on = {ErrorCategory::validation, ErrorCategory::upstream_4xx, ErrorCategory::parse,
                     ErrorCategory::config, ErrorCategory::circuit_open, ErrorCategory::network};
  EXPECT_TRUE(policy.retries(ErrorCategory::network));
  for (ErrorCategory c : {ErrorCategory::validation, ErrorCategory::upstream_4xx, ErrorCategory::parse,
                          ErrorCategory::config, ErrorCategory::circuit_open})
    EXPECT_FALSE(policy.retries(c)) << to_string(c);
  // A narrower list drops categories too.
  policy.retry_on = {ErrorCategory::timeout};
  EXPECT_FALSE(policy.retries(ErrorCategory::upstream_5xx));
}

TEST(RetryPolicy, ValidateNamesTheBadField) {
  EXPECT_FALSE(RetryPolicy{}.validate().has_value());
  RetryPolicy bad;
  bad.max_attempts = 0;
  auto error = bad.validate();
  ASSERT_TRUE(error);
  EXPECT_EQ(error->category, ErrorCategory::config);
  EXPECT_NE(error->message.find("max_attempts"), std::string::npos) << error->message;

  bad = RetryPolicy{};
  bad.max_attempts = RetryPolicy::kMaxAttemptsCap + 1;
  EXPECT_TRUE(bad.validate());
  bad = RetryPolicy{};
  bad.base_delay_ms = 0;
  ASSERT_TRUE(bad.validate());
  EXPECT_NE(bad.validate()->message.find("base_delay_ms"), std::string::npos);
  bad = RetryPolicy{};
  bad.max_delay_ms = bad.base_delay_ms - 1;
  ASSERT_TRUE(bad.validate());
  EXPECT_NE(bad.validate()->message.find("max_delay_ms"), std::string::npos);
}

TEST(RetryBackoff, DecorrelatedJitterSequenceWithFixedDraws) {
  // uniform(base, prev * 3) with draw 0.5: 100 + 0.5 * (3 * prev - 100).
  RetryBackoff backoff(100, 1000, constant_random(0.5));
  EXPECT_EQ(backoff.next_delay_ms(), 200);   // 100 + 0.5 * 200
  EXPECT_EQ(backoff.next_delay_ms(), 350);   // 100 + 0.5 * 500
  EXPECT_EQ(backoff.next_delay_ms(), 575);   // 100 + 0.5 * 950
  EXPECT_EQ(backoff.next_delay_ms(), 912);   // 100 + 0.5 * 1625 = 912.5, floored
  EXPECT_EQ(backoff.next_delay_ms(), 1000);  // capped
  EXPECT_EQ(backoff.next_delay_ms(), 1000);
  backoff.reset();
  EXPECT_EQ(backoff.next_delay_ms(), 200);
}

TEST(RetryBackoff, LowestDrawStaysAtBase) {
  RetryBackoff backoff(250, 5000, constant_random(0.0));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(backoff.next_delay_ms(), 250);
}

TEST(RetryBackoff, SeededSequencesAreDeterministicAndBounded) {
  RetryBackoff a(100, 2000, seeded_random(7));
  RetryBackoff b(100, 2000, seeded_random(7));
  RetryBackoff other(100, 2000, seeded_random(8));
  std::vector<int64_t> seq_a;
  std::vector<int64_t> seq_other;
  int64_t previous = 100;
  for (int i = 0; i < 1000; ++i) {
    const int64_t delay = a.next_delay_ms();
    EXPECT_EQ(delay, b.next_delay_ms());
    EXPECT_GE(delay, 100);
    EXPECT_LE(delay, 2000);
    EXPECT_LE(delay, std::max<int64_t>(100, previous * 3));  // never more than 3x the previous
    previous = delay;
    seq_a.push_back(delay);
    seq_other.push_back(other.next_delay_ms());
  }
  EXPECT_NE(seq_a, seq_other);
}

TEST(RetryBackoff, BrokenRandomSourceCannotEscapeBounds) {
  for (double draw : {std::nan(""), -1.0, 1.0, 7.5, std::numeric_limits<double>::infinity()}) {
    RetryBackoff backoff(100, 1000, constant_random(draw));
    for (int i = 0; i < 10; ++i) {
      const int64_t delay = backoff.next_delay_ms();
      EXPECT_GE(delay, 100) << draw;
      EXPECT_LE(delay, 1000) << draw;
    }
  }
  RetryBackoff empty(100, 1000, RandomSource{});
  EXPECT_EQ(empty.next_delay_ms(), 100);
}

RetryPolicy policy(int attempts, int64_t base, int64_t cap) {
  RetryPolicy p;
  p.max_attempts = attempts;
  p.base_delay_ms = base;
  p.max_delay_ms = cap;
  return p;
}

TEST(RetrySchedule, RetriesUntilAttemptsAreUsedUp) {
  RetrySchedule schedule(policy(3, 100, 1000), constant_random(0.0));
  const int64_t deadline = kNow + 60000;
  auto first = schedule.after_failure(error_of(ErrorCategory::network), 1, kNow, deadline);
  EXPECT_TRUE(first.retry);
  EXPECT_EQ(first.delay_ms, 100);
  EXPECT_EQ(first.stop, RetryStop::none);
  auto second = schedule.after_failure(error_of(ErrorCategory::timeout), 2, kNow, deadline);
  EXPECT_TRUE(second.retry);
  auto third = schedule.after_failure(error_of(ErrorCategory::upstream_5xx), 3, kNow, deadline);
  EXPECT_FALSE(third.retry);
  EXPECT_EQ(third.stop, RetryStop::attempts_exhausted);
  EXPECT_NE(third.why.find("3 of 3"), std::string::npos) << third.why;
}

TEST(RetrySchedule, StopsAtOnceOnNonRetryableErrors) {
  RetrySchedule schedule(policy(5, 100, 1000), constant_random(0.0));
  for (ErrorCategory c : {ErrorCategory::upstream_4xx, ErrorCategory::validation, ErrorCategory::parse,
                          ErrorCategory::config}) {
    auto decision = schedule.after_failure(error_of(c), 1, kNow, kNow + 60000);
    EXPECT_FALSE(decision.retry) << to_string(c);
    EXPECT_EQ(decision.stop, RetryStop::not_retryable) << to_string(c);
  }
  auto open = schedule.after_failure(error_of(ErrorCategory::circuit_open), 1, kNow, kNow + 60000);
  EXPECT_EQ(open.stop, RetryStop::circuit_open);

  // The error itself can say a retry cannot help.
  Error final_network = error_of(ErrorCategory::network);
  final_network.retryable = false;
  EXPECT_EQ(schedule.after_failure(final_network, 1, kNow, kNow + 60000).stop, RetryStop::not_retryable);
}

TEST(RetrySchedule, HonoursRetryAfterOverShorterJitter) {
  RetrySchedule schedule(policy(3, 100, 1000), constant_random(0.0));
  auto decision = schedule.after_failure(error_of(ErrorCategory::rate_limited, 5000), 1, kNow, kNow + 60000);
  EXPECT_TRUE(decision.retry);
  EXPECT_EQ(decision.delay_ms, 5000);  // beyond max_delay_ms: the upstream asked for it
  // A Retry-After shorter than the jitter does not shorten the delay.
  RetrySchedule other(policy(3, 800, 1000), constant_random(0.0));
  EXPECT_EQ(other.after_failure(error_of(ErrorCategory::upstream_5xx, 0), 1, kNow, kNow + 60000).delay_ms, 800);
}

TEST(RetrySchedule, NoRetryThatWouldStartAtOrPastTheDeadline) {
  RetrySchedule schedule(policy(5, 1000, 1000), constant_random(0.0));
  auto fits = schedule.after_failure(error_of(ErrorCategory::network), 1, kNow, kNow + 1001);
  EXPECT_TRUE(fits.retry);
  auto at_deadline = schedule.after_failure(error_of(ErrorCategory::network), 2, kNow, kNow + 1000);
  EXPECT_FALSE(at_deadline.retry);
  EXPECT_EQ(at_deadline.stop, RetryStop::deadline);
  EXPECT_NE(at_deadline.why.find("deadline"), std::string::npos);
  auto retry_after_too_long =
      schedule.after_failure(error_of(ErrorCategory::rate_limited, 119000), 1, kNow, kNow + 30000);
  EXPECT_EQ(retry_after_too_long.stop, RetryStop::deadline);
  EXPECT_EQ(retry_after_too_long.delay_ms, 119000);
}

TEST(RetryStopNames, AreStable) {
  EXPECT_STREQ(to_string(RetryStop::none), "none");
  EXPECT_STREQ(to_string(RetryStop::not_retryable), "not_retryable");
  EXPECT_STREQ(to_string(RetryStop::attempts_exhausted), "attempts_exhausted");
  EXPECT_STREQ(to_string(RetryStop::deadline), "deadline");
  EXPECT_STREQ(to_string(RetryStop::circuit_open), "circuit_open");
}

}  // namespace
}  // namespace ltl
