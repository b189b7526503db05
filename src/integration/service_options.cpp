#include "integration/service_options.h"

#include <algorithm>

namespace ltl {

MemoryCacheOptions memory_options(const Config& config) {
  MemoryCacheOptions options;
  options.max_entries = static_cast<size_t>(config.cache_max_entries);
  options.max_bytes = static_cast<size_t>(config.cache_max_bytes);
  options.max_entry_bytes = std::min<size_t>(options.max_bytes, static_cast<size_t>(config.cache_max_entry_bytes));
  options.default_ttl_ms = config.cache_default_ttl_ms;
  return options;
}

TieredCacheOptions tiered_options(const Config& config) {
  TieredCacheOptions options;
  options.enabled = config.cache_enabled;
  options.sweep_interval_ms = 0;  // started with the service
  // A fetch runs a whole provider chain: allow every provider its deadline.
  options.fetch_timeout_ms = config.request_deadline_ms * 2;
  return options;
}

ProviderPolicy provider_policy(const Config& config, const std::string& provider) {
  ProviderPolicy policy;
  policy.timeout_ms = config.timeout_ms(provider);
  policy.max_limiter_wait_ms = config.rate_limit_max_wait_ms;
  policy.retry.max_attempts = static_cast<int>(config.retry_max_attempts);
  policy.retry.base_delay_ms = config.retry_base_delay_ms;
  policy.retry.max_delay_ms = std::max(config.retry_base_delay_ms, config.retry_max_delay_ms);
  policy.breaker.failure_rate_threshold = static_cast<double>(config.breaker_failure_rate_pct) / 100.0;
  policy.breaker.minimum_calls = static_cast<int>(config.breaker_min_calls);
  policy.breaker.consecutive_failures = static_cast<int>(config.breaker_consecutive_failures);
  policy.breaker.window_ms = config.breaker_window_ms;
  policy.breaker.break_duration_ms = config.breaker_open_ms;
  policy.breaker.break_growth_factor = 2.0;
  policy.breaker.max_break_ms = std::max(config.breaker_open_ms, config.breaker_max_open_ms);
  policy.breaker.half_open_max_probes = static_cast<int>(config.breaker_half_open_probes);
  if (auto per_min = config.rate_per_min(provider)) {
    RateLimit limit;
    limit.refill_per_second = static_cast<double>(*per_min) / 60.0;
    limit.capacity = std::max(1.0, std::min(10.0, limit.refill_per_second * 10));
    policy.rate_limit = limit;
  }
  return policy;
}

}  // namespace ltl
