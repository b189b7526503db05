#include "resilience/rate_limiter.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace ltl {
namespace {

constexpr int64_t kStart = 1767225600000;

int64_t wait_of(RateLimiter& limiter, const std::string& host) {
  auto result = limiter.reserve(host);
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
  return result.ok() ? result.value() : -1;
}

TEST(RateLimit, ValidateNamesTheBadField) {
  EXPECT_FALSE((RateLimit{3, 1}).validate());
  auto low_capacity = RateLimit{0.5, 1}.validate();
  ASSERT_TRUE(low_capacity);
  EXPECT_EQ(low_capacity->category, ErrorCategory::config);
  EXPECT_NE(low_capacity->message.find("capacity"), std::string::npos);
  auto zero_rate = RateLimit{1, 0}.validate();
  ASSERT_TRUE(zero_rate);
  EXPECT_NE(zero_rate->message.find("refill_per_second"), std::string::npos);
}

TEST(RateLimiter, BurstThenQueuesAtTheRefillRate) {
  ManualClock clock(kStart);
  RateLimiter limiter(clock, RateLimit{3, 1});
  EXPECT_EQ(wait_of(limiter, "api.coingecko.com"), 0);
  EXPECT_EQ(wait_of(limiter, "api.coingecko.com"), 0);
  EXPECT_EQ(wait_of(limiter, "api.coingecko.com"), 0);
  EXPECT_EQ(wait_of(limiter, "api.coingecko.com"), 1000);  // fair queue: each caller gets its own slot
  EXPECT_EQ(wait_of(limiter, "api.coingecko.com"), 2000);
  clock.advance(1000);  // one token repaid: two callers still queued, the next is third
  EXPECT_EQ(wait_of(limiter, "api.coingecko.com"), 2000);
  auto s = limiter.snapshot("api.coingecko.com");
  ASSERT_TRUE(s);
  EXPECT_DOUBLE_EQ(s->tokens, -2.0);
  EXPECT_EQ(s->next_slot_in_ms, 3000);
}

TEST(RateLimiter, RefillStopsAtCapacity) {
  ManualClock clock(kStart);
  RateLimiter limiter(clock, RateLimit{3, 1});
  for (int i = 0; i < 3; ++i) wait_of(limiter, "h");
  clock.advance(100000);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(wait_of(limiter, "h"), 0);
  EXPECT_EQ(wait_of(limiter, "h"), 1000);
}

TEST(RateLimiter, FractionalRatesGiveExactWaits) {
  ManualClock clock(kStart);
  RateLimiter limiter(clock, RateLimit{1, 0.1});  // blockchain.info: 1 per 10 s
  EXPECT_EQ(wait_of(limiter, "blockchain.info"), 0);
  EXPECT_EQ(wait_of(limiter, "blockchain.info"), 10000);
  EXPECT_EQ(wait_of(limiter, "blockchain.info"), 20000);
  clock.advance(2500);
  EXPECT_EQ(wait_of(limiter, "blockchain.info"), 27500);

  RateLimiter per_minute(clock, RateLimit{1, 10.0 / 60.0});  // 10 per minute
  EXPECT_EQ(wait_of(per_minute, "x"), 0);
  EXPECT_EQ(wait_of(per_minute, "x"), 6000);
}

TEST(RateLimiter, MaxWaitRefusesWithoutTakingAToken) {
  ManualClock clock(kStart);
  RateLimiter limiter(clock, RateLimit{1, 1});
  EXPECT_EQ(wait_of(limiter, "h"), 0);
  auto refused = limiter.reserve("h", 500);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().category, ErrorCategory::rate_limited);
  EXPECT_EQ(refused.error().retry_after_ms, 1000);
  EXPECT_NE(refused.error().message.find("1000 ms"), std::string::npos) << refused.error().message;
  auto allowed = limiter.reserve("h", 1000);  // the refused call did not push this one back
  ASSERT_TRUE(allowed.ok());
  EXPECT_EQ(allowed.value(), 1000);
}

TEST(RateLimiter, HostsAreIndependent) {
  ManualClock clock(kStart);
  RateLimiter limiter(clock, RateLimit{1, 0.1});
  EXPECT_EQ(wait_of(limiter, "a"), 0);
  EXPECT_EQ(wait_of(limiter, "a"), 10000);
  ASSERT_FALSE(limiter.set_limit("b", RateLimit{5, 5}));  // a new host starts with a full burst
  for (int i = 0; i < 5; ++i) EXPECT_EQ(wait_of(limiter, "b"), 0);
  EXPECT_EQ(wait_of(limiter, "b"), 200);
}

TEST(RateLimiter, PauseUntilHoldsEveryCallThenResumesGently) {
  ManualClock clock(kStart);
  RateLimiter limiter(clock, RateLimit{5, 1});
  ASSERT_FALSE(limiter.pause_until("api.binance.com", kStart + 5000));
  EXPECT_EQ(limiter.paused_for_ms("api.binance.com"), 5000);
  EXPECT_EQ(wait_of(limiter, "api.binance.com"), 5000);  // one call right at the end
  EXPECT_EQ(wait_of(limiter, "api.binance.com"), 6000);  // the rest at the refill rate, no burst
  EXPECT_EQ(wait_of(limiter, "other.host"), 0);          // other hosts are not paused
  EXPECT_EQ(limiter.paused_for_ms("other.host"), 0);
  // A shorter pause does not shorten the running one.
  ASSERT_FALSE(limiter.pause_until("api.binance.com", kStart + 1000));
  EXPECT_EQ(limiter.paused_for_ms("api.binance.com"), 5000);
  // A pause in the past is a no-op.
  ASSERT_FALSE(limiter.pause_until("other.host", kStart - 1));
  EXPECT_EQ(limiter.paused_for_ms("other.host"), 0);
  clock.advance(5000);
  EXPECT_EQ(limiter.paused_for_ms("api.binance.com"), 0);
  EXPECT_EQ(wait_of(limiter, "api.binance.com"), 2000);  // two calls queued before this one
}

TEST(RateLimiter, PauseIsCappedAgainstAbsurdRetryAfter) {
  ManualClock clock(kStart);
  RateLimiter limiter(clock, RateLimit{1, 1});
  ASSERT_FALSE(limiter.pause_until("h", kStart + 999999999999));
  EXPECT_EQ(limiter.paused_for_ms("h"), RateLimiter::kMaxPauseMs);
}

TEST(RateLimiter, RefusesHostsBeyondTheCapInsteadOfEvicting) {
  ManualClock clock(kStart);
  RateLimiter limiter(clock, RateLimit{1, 1}, 2);
  EXPECT_EQ(wait_of(limiter, "a"), 0);
  EXPECT_EQ(wait_of(limiter, "b"), 0);
  auto refused = limiter.reserve("c");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().category, ErrorCategory::config);
  EXPECT_NE(refused.error().message.find("\"c\""), std::string::npos);
  EXPECT_TRUE(limiter.set_limit("c", RateLimit{1, 1}));
  EXPECT_TRUE(limiter.pause_until("c", kStart + 1000));
  EXPECT_EQ(limiter.host_count(), 2u);
  // Known hosts keep their state: "a" still owes its token.
  EXPECT_EQ(wait_of(limiter, "a"), 1000);
}

TEST(RateLimiter, SetLimitKeepsTheBalanceWithinTheNewCapacity) {
  ManualClock clock(kStart);
  RateLimiter limiter(clock, RateLimit{10, 1});
  EXPECT_EQ(wait_of(limiter, "h"), 0);  // 9 left
  ASSERT_FALSE(limiter.set_limit("h", RateLimit{2, 1}));
  EXPECT_EQ(wait_of(limiter, "h"), 0);
  EXPECT_EQ(wait_of(limiter, "h"), 0);
  EXPECT_EQ(wait_of(limiter, "h"), 1000);
  auto bad = limiter.set_limit("h", RateLimit{0, 1});
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->category, ErrorCategory::config);
  EXPECT_EQ(limiter.snapshot("h")->limit.capacity, 2);
}

TEST(RateLimiter, InvalidDefaultFallsBackToTheConservativeLimit) {
  ManualClock clock(kStart);
  RateLimiter limiter(clock, RateLimit{0, -1});
  EXPECT_EQ(wait_of(limiter, "h"), 0);
  EXPECT_EQ(limiter.snapshot("h")->limit.refill_per_second, kFallbackRateLimit.refill_per_second);
}

TEST(KnownProviderRateLimit, StaysInsidePublishedLimits) {
  for (const char* name : {"coingecko", "coinbase", "kraken", "binance", "mempool", "esplora",
                           "blockchain_info", "fng"}) {
    auto limit = known_provider_rate_limit(name);
    ASSERT_TRUE(limit) << name;
    EXPECT_FALSE(limit->validate()) << name;
  }
  EXPECT_LE(known_provider_rate_limit("coingecko")->refill_per_second * 60, 30);  // keyless tier
  EXPECT_LE(known_provider_rate_limit("coinbase")->refill_per_second * 3600, 10000);
  EXPECT_LE(known_provider_rate_limit("binance")->refill_per_second * 60 * 2, 6000);  // weight 2
  EXPECT_LE(known_provider_rate_limit("esplora")->refill_per_second * 3600, 700);
  EXPECT_LE(known_provider_rate_limit("blockchain_info")->refill_per_second, 0.1);
  EXPECT_LE(known_provider_rate_limit("blockchain_info")->capacity, 1);
  EXPECT_LE(known_provider_rate_limit("fng")->refill_per_second * 60, 60);
  EXPECT_FALSE(known_provider_rate_limit("unknown"));
  EXPECT_FALSE(kFallbackRateLimit.validate());
}

TEST(RateLimiter, SnapshotSerialisesSortedByHost) {
  ManualClock clock(kStart);
  RateLimiter limiter(clock, RateLimit{2, 1});
  wait_of(limiter, "zeta");
  wait_of(limiter, "alpha");
  ASSERT_FALSE(limiter.pause_until("alpha", kStart + 3000));
  auto all = limiter.snapshot();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].host, "alpha");
  nlohmann::json j = all[0];
  EXPECT_EQ(j["host"], "alpha");
  EXPECT_EQ(j["paused_for_ms"], 3000);
  EXPECT_EQ(j["next_slot_in_ms"], 3000);
  EXPECT_EQ(j["capacity"], 2.0);
  EXPECT_FALSE(limiter.snapshot("missing"));
}

}  // namespace
}  // namespace ltl
