#include "resilience/circuit_breaker.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <vector>

namespace ltl {
namespace {

// Starts on a whole second so bucket boundaries are easy to reason about.
constexpr int64_t kStart = 1767225600000;

BreakerOptions options() {
  BreakerOptions o;
  o.failure_rate_threshold = 0.5;
  o.window_ms = 10000;
  o.window_buckets = 10;  // 1000 ms buckets
  o.minimum_calls = 5;
  o.consecutive_failures = 0;
  o.break_duration_ms = 1000;
  o.break_growth_factor = 1.0;
  o.max_break_ms = 1000;
  o.half_open_max_probes = 1;
  return o;
}

struct CircuitBreakerTest : ::testing::Test {
  ManualClock clock{kStart};
  std::vector<BreakerTransition> events;

  CircuitBreaker make(BreakerOptions o) {
    return CircuitBreaker("coingecko", clock, o, [this](const BreakerTransition& e) { events.push_back(e); });
  }
  static void fail(CircuitBreaker& breaker, int times) {
    for (int i = 0; i < times; ++i) {
      auto permit = breaker.try_acquire();
      ASSERT_TRUE(permit.admitted);
      breaker.on_failure(permit);
    }
  }
  static void succeed(CircuitBreaker& breaker, int times) {
    for (int i = 0; i < times; ++i) {
      auto permit = breaker.try_acquire();
      ASSERT_TRUE(permit.admitted);
      breaker.on_success(permit);
    }
  }
};

TEST(BreakerOutcomeFor, MapsProviderHealthCategoriesOnly) {
  for (ErrorCategory c : {ErrorCategory::network, ErrorCategory::timeout, ErrorCategory::upstream_5xx,
                          ErrorCategory::parse, ErrorCategory::rate_limited})
    EXPECT_EQ(breaker_outcome_for(c), BreakerOutcome::failure) << to_string(c);
  for (ErrorCategory c : {ErrorCategory::upstream_4xx, ErrorCategory::validation, ErrorCategory::config,
                          ErrorCategory::storage, ErrorCategory::circuit_open, ErrorCategory::internal})
    EXPECT_EQ(breaker_outcome_for(c), BreakerOutcome::ignored) << to_string(c);
}

TEST(BreakerOptionsValidate, NamesTheBadField) {
  EXPECT_FALSE(options().validate());
  auto expect_bad = [](BreakerOptions o, const std::string& field) {
    auto error = o.validate();
    ASSERT_TRUE(error) << field;
    EXPECT_EQ(error->category, ErrorCategory::config);
    EXPECT_NE(error->message.find(field), std::string::npos) << error->message;
  };
  auto o = options();
  o.failure_rate_threshold = 0;
  expect_bad(o, "failure_rate_threshold");
  o = options();
  o.failure_rate_threshold = 1.5;
  expect_bad(o, "failure_rate_threshold");
  o = options();
  o.window_buckets = BreakerOptions::kMaxBuckets + 1;
  expect_bad(o, "window_buckets");
  o = options();
  o.window_ms = 5;
  expect_bad(o, "window_ms");
  o = options();
  o.minimum_calls = 0;
  expect_bad(o, "minimum_calls");
  o = options();
  o.consecutive_failures = -1;
  expect_bad(o, "consecutive_failures");
  o = options();
  o.break_growth_factor = 0.5;
  expect_bad(o, "break_growth_factor");
  o = options();
  o.max_break_ms = 999;
  expect_bad(o, "max_break_ms");
  o = options();
  o.half_open_max_probes = 0;
  expect_bad(o, "half_open_max_probes");
}

TEST_F(CircuitBreakerTest, MinimumCallsMustBeReachedBeforeTheRateCounts) {
  auto breaker = make(options());
  fail(breaker, 4);  // 100% failures, but only 4 of the 5 calls needed
  EXPECT_EQ(breaker.state(), BreakerState::closed);
  EXPECT_EQ(breaker.snapshot().calls_in_window, 4);
  fail(breaker, 1);
  EXPECT_EQ(breaker.state(), BreakerState::open);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].provider, "coingecko");
  EXPECT_EQ(events[0].from, BreakerState::closed);
  EXPECT_EQ(events[0].to, BreakerState::open);
  EXPECT_EQ(events[0].reason, "failure_rate");
  EXPECT_EQ(events[0].at_ms, kStart);
}

TEST_F(CircuitBreakerTest, TripsAtTheThresholdNotBelow) {
  auto o = options();
  o.minimum_calls = 10;
  auto breaker = make(o);
  succeed(breaker, 6);
  fail(breaker, 4);  // 40% of 10
  EXPECT_EQ(breaker.state(), BreakerState::closed);
  EXPECT_DOUBLE_EQ(breaker.snapshot().failure_rate, 0.4);
  fail(breaker, 1);  // 5 of 11 = 45%
  EXPECT_EQ(breaker.state(), BreakerState::closed);
  fail(breaker, 1);  // 6 of 12 = 50%
  EXPECT_EQ(breaker.state(), BreakerState::open);
}

TEST_F(CircuitBreakerTest, OldBucketsRollOffTheWindow) {
  auto breaker = make(options());
  fail(breaker, 2);  // bucket [0, 1000)
  clock.advance(5000);
  fail(breaker, 2);  // bucket [5000, 6000)
  clock.advance(4999);  // t = 9999: both buckets still inside the 10 s window
  EXPECT_EQ(breaker.snapshot().calls_in_window, 4);
  clock.advance(1);  // t = 10000: the first bucket rolled off
  EXPECT_EQ(breaker.snapshot().calls_in_window, 2);
  EXPECT_EQ(breaker.snapshot().failures_in_window, 2);
  fail(breaker, 2);  // 4 in the window, minimum is 5
  EXPECT_EQ(breaker.state(), BreakerState::closed);
  clock.advance(10000);  // everything rolled off; the slot reused for a new slice starts empty
  EXPECT_EQ(breaker.snapshot().calls_in_window, 0);
  fail(breaker, 4);
  EXPECT_EQ(breaker.state(), BreakerState::closed);
  EXPECT_EQ(breaker.snapshot().calls_in_window, 4);
  fail(breaker, 1);
  EXPECT_EQ(breaker.state(), BreakerState::open);
}

TEST_F(CircuitBreakerTest, WindowWrapsAroundManyTimesWithoutGrowing) {
  auto o = options();
  o.minimum_calls = 1000000;  // never trips on rate
  auto breaker = make(o);
  for (int second = 0; second < 1000; ++second) {
    fail(breaker, 1);
    succeed(breaker, 1);
    clock.advance(1000);
  }
  // 10 buckets of 1 s, the current one empty: 9 seconds of 2 calls each.
  auto s = breaker.snapshot();
  EXPECT_EQ(s.calls_in_window, 18);
  EXPECT_EQ(s.failures_in_window, 9);
}

TEST_F(CircuitBreakerTest, ConsecutiveFailuresRule) {
  auto o = options();
  o.minimum_calls = 1000;  // the rate rule cannot fire
  o.consecutive_failures = 3;
  auto breaker = make(o);
  fail(breaker, 2);
  succeed(breaker, 1);  // resets the run
  fail(breaker, 2);
  EXPECT_EQ(breaker.state(), BreakerState::closed);
  EXPECT_EQ(breaker.snapshot().consecutive_failures, 2);
  // Ignored outcomes neither count nor reset the run.
  auto ignored = breaker.try_acquire();
  breaker.on_ignored(ignored);
  EXPECT_EQ(breaker.snapshot().consecutive_failures, 2);
  fail(breaker, 1);
  EXPECT_EQ(breaker.state(), BreakerState::open);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].reason, "consecutive_failures");
}

TEST_F(CircuitBreakerTest, OpenRejectsWithTimeLeftThenHalfOpensLazily) {
  auto o = options();
  o.break_duration_ms = 5000;
  o.max_break_ms = 5000;
  auto breaker = make(o);
  fail(breaker, 5);
  ASSERT_EQ(breaker.state(), BreakerState::open);
  clock.advance(2000);
  auto rejected = breaker.try_acquire();
  EXPECT_FALSE(rejected.admitted);
  EXPECT_EQ(rejected.state, BreakerState::open);
  EXPECT_EQ(rejected.retry_after_ms, 3000);
  EXPECT_EQ(breaker.snapshot().ms_until_half_open, 3000);
  EXPECT_EQ(breaker.snapshot().rejected, 1u);
  clock.advance(2999);
  EXPECT_EQ(breaker.state(), BreakerState::open);
  EXPECT_EQ(events.size(), 1u);
  clock.advance(1);  // nothing happens until someone asks
  EXPECT_EQ(events.size(), 1u);
  EXPECT_EQ(breaker.state(), BreakerState::half_open);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].from, BreakerState::open);
  EXPECT_EQ(events[1].to, BreakerState::half_open);
  EXPECT_EQ(events[1].reason, "break_elapsed");
  EXPECT_EQ(events[1].at_ms, kStart + 5000);
}

TEST_F(CircuitBreakerTest, HalfOpenAdmitsOneProbeAndDeduplicatesConcurrentCallers) {
  auto breaker = make(options());
  fail(breaker, 5);
  clock.advance(1000);
  auto probe = breaker.try_acquire();
  ASSERT_TRUE(probe.admitted);
  EXPECT_EQ(probe.state, BreakerState::half_open);
  EXPECT_NE(probe.probe_id, 0u);
  for (int i = 0; i < 5; ++i) {
    auto extra = breaker.try_acquire();
    EXPECT_FALSE(extra.admitted);
    EXPECT_EQ(extra.state, BreakerState::half_open);
    EXPECT_EQ(extra.retry_after_ms, 0);
  }
  EXPECT_EQ(breaker.snapshot().probes_in_flight, 1);
  breaker.on_success(probe);
  EXPECT_EQ(breaker.state(), BreakerState::closed);
  EXPECT_EQ(events.back().reason, "probes_succeeded");
  // Closing starts a fresh window.
  auto s = breaker.snapshot();
  EXPECT_EQ(s.calls_in_window, 0);
  EXPECT_EQ(s.probes_in_flight, 0);
  EXPECT_EQ(s.transitions, 3u);
}

TEST_F(CircuitBreakerTest, ProbeLimitAndIgnoredProbesReleaseSlots) {
  auto o = options();
  o.half_open_max_probes = 2;
  auto breaker = make(o);
  fail(breaker, 5);
  clock.advance(1000);
  auto a = breaker.try_acquire();
  auto b = breaker.try_acquire();
  auto c = breaker.try_acquire();
  EXPECT_TRUE(a.admitted);
  EXPECT_TRUE(b.admitted);
  EXPECT_FALSE(c.admitted);
  breaker.on_success(a);
  EXPECT_EQ(breaker.state(), BreakerState::half_open);  // needs 2 successes
  breaker.on_ignored(b);  // a 404 says nothing about health: frees the slot, counts nothing
  EXPECT_EQ(breaker.state(), BreakerState::half_open);
  EXPECT_EQ(breaker.snapshot().probes_in_flight, 0);
  breaker.on_success(b);  // already released: reporting twice does nothing
  EXPECT_EQ(breaker.state(), BreakerState::half_open);
  auto d = breaker.try_acquire();
  ASSERT_TRUE(d.admitted);
  breaker.on_success(d);
  EXPECT_EQ(breaker.state(), BreakerState::closed);
}

TEST_F(CircuitBreakerTest, FailedProbeReopensWithGrowingBreakThatResetsOnClose) {
  auto o = options();
  o.break_duration_ms = 1000;
  o.break_growth_factor = 2.0;
  o.max_break_ms = 3000;
  auto breaker = make(o);
  fail(breaker, 5);
  EXPECT_EQ(breaker.snapshot().ms_until_half_open, 1000);

  const std::vector<int64_t> expected_breaks = {2000, 3000, 3000};  // 4000 capped at 3000
  int64_t current = 1000;
  for (int64_t next : expected_breaks) {
    clock.advance(current);
    auto probe = breaker.try_acquire();
    ASSERT_TRUE(probe.admitted);
    breaker.on_failure(probe);
    EXPECT_EQ(breaker.state(), BreakerState::open);
    EXPECT_EQ(events.back().reason, "probe_failed");
    EXPECT_EQ(breaker.snapshot().ms_until_half_open, next);
    EXPECT_EQ(breaker.snapshot().current_break_ms, next);
    current = next;
  }
  clock.advance(current);
  auto probe = breaker.try_acquire();
  ASSERT_TRUE(probe.admitted);
  breaker.on_success(probe);
  EXPECT_EQ(breaker.state(), BreakerState::closed);
  EXPECT_EQ(breaker.snapshot().current_break_ms, 1000);
  fail(breaker, 5);
  EXPECT_EQ(breaker.snapshot().ms_until_half_open, 1000);
}

TEST_F(CircuitBreakerTest, StalePermitsDoNotCorruptCounts) {
  auto breaker = make(options());
  auto slow_closed = breaker.try_acquire();  // a call that takes long
  auto slow_closed_2 = breaker.try_acquire();
  fail(breaker, 5);
  ASSERT_EQ(breaker.state(), BreakerState::open);
  breaker.on_failure(slow_closed);  // arrives while open: dropped
  clock.advance(1000);
  ASSERT_EQ(breaker.state(), BreakerState::half_open);
  breaker.on_success(slow_closed_2);  // not a probe: must not close the breaker
  EXPECT_EQ(breaker.state(), BreakerState::half_open);
  auto probe = breaker.try_acquire();
  ASSERT_TRUE(probe.admitted);
  breaker.on_failure(probe);
  ASSERT_EQ(breaker.state(), BreakerState::open);
  breaker.on_success(probe);  // the old probe again, now stale
  EXPECT_EQ(breaker.state(), BreakerState::open);
  clock.advance(1000);
  auto probe2 = breaker.try_acquire();
  ASSERT_TRUE(probe2.admitted);
  breaker.on_success(probe2);
  ASSERT_EQ(breaker.state(), BreakerState::closed);
  breaker.on_failure(slow_closed);  // stale from two generations ago
  breaker.on_failure(probe);
  auto s = breaker.snapshot();
  EXPECT_EQ(s.calls_in_window, 0);
  EXPECT_EQ(s.consecutive_failures, 0);
  // A rejected permit counts nothing either.
  BreakerPermit rejected;
  breaker.on_failure(rejected);
  EXPECT_EQ(breaker.snapshot().calls_in_window, 0);
}

TEST_F(CircuitBreakerTest, IgnoredOutcomesCountNothingWhenClosed) {
  auto breaker = make(options());
  for (int i = 0; i < 20; ++i) {
    auto permit = breaker.try_acquire();
    breaker.on_outcome(permit, BreakerOutcome::ignored);
  }
  auto s = breaker.snapshot();
  EXPECT_EQ(s.calls_in_window, 0);
  EXPECT_EQ(s.state, BreakerState::closed);
}

TEST_F(CircuitBreakerTest, EveryTransitionIsDeliveredOnce) {
  auto breaker = make(options());
  fail(breaker, 5);           // closed → open
  clock.advance(1000);
  auto p1 = breaker.try_acquire();  // open → half_open
  breaker.on_failure(p1);           // half_open → open
  clock.advance(1000);
  breaker.state();                  // open → half_open
  breaker.state();                  // no event: already half_open
  auto p2 = breaker.try_acquire();
  breaker.on_success(p2);           // half_open → closed
  ASSERT_EQ(events.size(), 5u);
  const std::vector<std::pair<BreakerState, BreakerState>> expected = {
      {BreakerState::closed, BreakerState::open},
      {BreakerState::open, BreakerState::half_open},
      {BreakerState::half_open, BreakerState::open},
      {BreakerState::open, BreakerState::half_open},
      {BreakerState::half_open, BreakerState::closed}};
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(events[i].from, expected[i].first) << i;
    EXPECT_EQ(events[i].to, expected[i].second) << i;
  }
  EXPECT_EQ(breaker.snapshot().transitions, 5u);
}

TEST_F(CircuitBreakerTest, ReconfigureKeepsStateAndRestartsAReshapedWindow) {
  auto breaker = make(options());
  fail(breaker, 3);
  auto o = options();
  o.minimum_calls = 3;  // same window shape: counts kept
  ASSERT_FALSE(breaker.reconfigure(o));
  EXPECT_EQ(breaker.snapshot().calls_in_window, 3);
  o.window_buckets = 5;  // new shape: counts restart
  ASSERT_FALSE(breaker.reconfigure(o));
  EXPECT_EQ(breaker.snapshot().calls_in_window, 0);
  fail(breaker, 3);
  ASSERT_EQ(breaker.state(), BreakerState::open);
  o.break_duration_ms = 500;
  o.max_break_ms = 500;
  ASSERT_FALSE(breaker.reconfigure(o));
  EXPECT_EQ(breaker.state(), BreakerState::open);  // still open, same end time
  EXPECT_EQ(breaker.snapshot().ms_until_half_open, 1000);
  o.half_open_max_probes = 0;
  EXPECT_TRUE(breaker.reconfigure(o));  // invalid: refused, old options kept
  EXPECT_EQ(breaker.options().half_open_max_probes, 1);
}

TEST_F(CircuitBreakerTest, InvalidConstructorOptionsAreClampedNotTrusted) {
  BreakerOptions o;
  o.window_buckets = 100000;
  o.half_open_max_probes = -3;
  o.failure_rate_threshold = -1;
  auto breaker = make(o);
  EXPECT_EQ(breaker.options().window_buckets, BreakerOptions::kMaxBuckets);
  EXPECT_EQ(breaker.options().half_open_max_probes, 1);
  EXPECT_FALSE(breaker.options().validate());
}

TEST_F(CircuitBreakerTest, SnapshotSerialisesForHealth) {
  auto breaker = make(options());
  fail(breaker, 5);
  nlohmann::json j = breaker.snapshot();
  EXPECT_EQ(j["state"], "open");
  EXPECT_EQ(j["calls_in_window"], 5);
  EXPECT_EQ(j["failure_rate"], 1.0);
  EXPECT_EQ(j["ms_until_half_open"], 1000);
  EXPECT_EQ(j["transitions"], 1);
  EXPECT_STREQ(to_string(BreakerState::half_open), "half_open");
}

}  // namespace
}  // namespace ltl
