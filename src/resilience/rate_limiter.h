#pragma once
// Token bucket per host, by reservation: reserve() takes a token now (the balance may
// go negative) and says how long the caller must wait, so concurrent callers queue
// fairly in arrival order while nobody blocks and other hosts are unaffected.
// pause_until() holds every call to a host until a Retry-After has passed.
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/clock.h"
#include "core/error.h"
#include "core/result.h"

namespace ltl {

struct RateLimit {
  double capacity = 1;           // burst size in calls, >= 1
  double refill_per_second = 1;  // sustained calls per second, > 0

  std::optional<Error> validate() const;
};

// Defaults that stay inside each public API's published (or observed) limits.
// Unknown names get nullopt; the caller then picks kFallbackRateLimit.
//
// | provider        | published limit                                     | default here           |
// |-----------------|-----------------------------------------------------|------------------------|
// | coingecko       | keyless: shared per IP, ~10-30/min; demo key 100/min | burst 3, 10/min        |
// | coinbase        | 10,000/hour (keyed docs; per-IP not stated)          | burst 5, 1/s (3,600/h) |
// | kraken          | per IP, not published                                | burst 2, 1 per 2 s     |
// | binance         | 6,000 weight/min per IP; ticker/24hr = 2 weight      | burst 5, 2/s           |
// | mempool         | not published                                        | burst 5, 1/s           |
// | esplora         | nginx ref 5/s; blockstream.info ~700/hour (claimed)  | burst 3, 9/min (540/h) |
// | blockchain_info | "at most 1 every 10 seconds"                         | burst 1, 1 per 10 s    |
// | fng             | 60/min over a 10-minute window                       | burst 3, 1 per 2 s     |
std::optional<RateLimit> known_provider_rate_limit(std::string_view provider);
inline constexpr RateLimit kFallbackRateLimit{1, 0.5};

struct HostLimiterSnapshot {
  std::string host;
  RateLimit limit;
  double tokens = 0;           // available now; negative = calls already queued
  int64_t paused_for_ms = 0;   // Retry-After pause left, 0 when not paused
  int64_t next_slot_in_ms = 0; // wait a reserve() now would get (without taking a token)
};
void to_json(nlohmann::json& out, const HostLimiterSnapshot& snapshot);

class RateLimiter {
 public:
  static constexpr size_t kDefaultMaxHosts = 64;
  // A Retry-After larger than this is cut to it: a broken or hostile header must not
  // silence a host for days.
  static constexpr int64_t kMaxPauseMs = 3600000;

  // Hosts beyond `max_hosts` are REFUSED (config error), not evicted: evicting would
  // forget a Retry-After pause and hand the host a fresh full bucket, a burst past the
  // upstream's limit.
  RateLimiter(const Clock& clock, RateLimit default_limit, size_t max_hosts = kDefaultMaxHosts);

  // Adds the host or changes its limit; tokens above the new capacity are dropped.
  std::optional<Error> set_limit(const std::string& host, RateLimit limit);

  // Takes one token for `host` and returns the ms to wait before the call may go
  // (0 = now). When the wait would exceed `max_wait_ms` nothing is taken and the
  // answer is a rate_limited error whose retry_after_ms is that wait.
  // An unknown host is added with the default limit (config error beyond max_hosts).
  Result<int64_t> reserve(const std::string& host,
                          int64_t max_wait_ms = std::numeric_limits<int64_t>::max());

  // Every call to `host` waits until `unix_ms` (an earlier pause is never shortened).
  // When it ends at most one call goes at once; the rest follow at the refill rate.
  std::optional<Error> pause_until(const std::string& host, int64_t unix_ms);

  // Pause left for `host` in ms, 0 when not paused or unknown.
  int64_t paused_for_ms(const std::string& host) const;

  size_t host_count() const { return buckets_.size(); }
  size_t max_hosts() const { return max_hosts_; }
  std::optional<HostLimiterSnapshot> snapshot(const std::string& host) const;
  std::vector<HostLimiterSnapshot> snapshot() const;  // sorted by host

 private:
  struct Bucket {
    RateLimit limit;
    double tokens = 0;           // balance at `at_ms`
    int64_t at_ms = 0;           // when `tokens` holds; in the future while paused
    int64_t paused_until_ms = 0;
  };

  Bucket* find_or_add(const std::string& host, std::optional<Error>& error);
  static double tokens_at(const Bucket& bucket, int64_t at_ms);
  static int64_t wait_for_token_ms(const Bucket& bucket, int64_t now_ms);
  HostLimiterSnapshot make_snapshot(const std::string& host, const Bucket& bucket) const;

  const Clock& clock_;
  RateLimit default_limit_;
  size_t max_hosts_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace ltl
