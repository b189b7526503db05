#pragma once
// What the cache and the upstream client get from the configuration: the memory tier's
// bounds, the tiered cache's options and each provider's resilience policy.
#include <string>

#include "cache/memory_cache.h"
#include "cache/tiered_cache.h"
#include "config/config.h"
#include "resilience/upstream_client.h"

namespace ltl {

// CACHE_MAX_ENTRIES / _BYTES / _ENTRY_BYTES (an entry never above the total) and the default TTL.
MemoryCacheOptions memory_options(const Config& config);
// The sweep starts with the service (0 here); a fetch may take two request deadlines.
TieredCacheOptions tiered_options(const Config& config);
// Timeout, retry, breaker and rate limit of `provider` (rate limits from PROVIDER_RATE_PER_MIN,
// a burst of up to 10 s of refill, at least 1 and at most 10 calls).
ProviderPolicy provider_policy(const Config& config, const std::string& provider);

}  // namespace ltl
