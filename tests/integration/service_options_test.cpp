// What the cache and the upstream client get from the configuration.
#include "integration/service_options.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace ltl {
namespace {

size_t index_of(const std::string& provider) {
  for (size_t i = 0; i < kProviderNames.size(); ++i)
    if (provider == kProviderNames[i]) return i;
  throw std::invalid_argument("unknown provider " + provider);
}

TEST(ServiceOptions, MemoryBoundsComeFromTheCacheKeysAndAnEntryNeverExceedsTheTotal) {
  Config config;
  config.cache_max_entries = 50;
  config.cache_max_bytes = 4096;
  config.cache_max_entry_bytes = 1 << 20;
  config.cache_default_ttl_ms = 45000;
  const MemoryCacheOptions options = memory_options(config);
  EXPECT_EQ(options.max_entries, 50u);
  EXPECT_EQ(options.max_bytes, 4096u);
  EXPECT_EQ(options.max_entry_bytes, 4096u);
  EXPECT_EQ(options.default_ttl_ms, 45000);
  config.cache_max_entry_bytes = 1000;
  EXPECT_EQ(memory_options(config).max_entry_bytes, 1000u);
}

TEST(ServiceOptions, TheTieredCacheStartsWithoutASweepAndAllowsAWholeChainPerFetch) {
  Config config;
  config.cache_enabled = false;
  config.request_deadline_ms = 7000;
  const TieredCacheOptions options = tiered_options(config);
  EXPECT_FALSE(options.enabled);
  EXPECT_EQ(options.sweep_interval_ms, 0);
  EXPECT_EQ(options.fetch_timeout_ms, 14000);
}

TEST(ServiceOptions, ProviderPolicyCarriesTimeoutRetryAndBreakerSettings) {
  Config config;
  config.http_timeout_ms = 9000;
  config.retry_max_attempts = 4;
  config.retry_base_delay_ms = 800;
  config.retry_max_delay_ms = 100;  // below the base: the base wins
  config.breaker_failure_rate_pct = 40;
  config.breaker_open_ms = 20000;
  config.breaker_max_open_ms = 5000;  // below the first break: the first break wins
  const ProviderPolicy policy = provider_policy(config, "kraken");
  EXPECT_EQ(policy.timeout_ms, 9000);
  EXPECT_EQ(policy.max_limiter_wait_ms, config.rate_limit_max_wait_ms);
  EXPECT_EQ(policy.retry.max_attempts, 4);
  EXPECT_EQ(policy.retry.max_delay_ms, 800);
  EXPECT_DOUBLE_EQ(policy.breaker.failure_rate_threshold, 0.4);
  EXPECT_EQ(policy.breaker.break_duration_ms, 20000);
  EXPECT_EQ(policy.breaker.max_break_ms, 20000);
  EXPECT_EQ(policy.breaker.consecutive_failures, 5);
  EXPECT_FALSE(policy.rate_limit.has_value());  // the provider table's default applies
  EXPECT_FALSE(policy.validate().has_value());
}

TEST(ServiceOptions, ARateInRequestsPerMinuteBecomesAPerSecondRefillWithABoundedBurst) {
  Config config;
  config.provider_rate_per_min[index_of("coingecko")] = 30;
  config.provider_rate_per_min[index_of("mempool")] = 6000;
  config.provider_rate_per_min[index_of("fng")] = 3;
  const auto slow = provider_policy(config, "coingecko").rate_limit;
  ASSERT_TRUE(slow.has_value());
  EXPECT_DOUBLE_EQ(slow->refill_per_second, 0.5);
  EXPECT_DOUBLE_EQ(slow->capacity, 5);  // 10 s of refill
  EXPECT_DOUBLE_EQ(provider_policy(config, "mempool").rate_limit->capacity, 10);  // at most 10
  EXPECT_DOUBLE_EQ(provider_policy(config, "fng").rate_limit->capacity, 1);       // at least 1
}

}  // namespace
}  // namespace ltl
