#include "resilience/rate_limiter.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

namespace ltl {
namespace {

constexpr double kMaxCapacity = 10000;
constexpr double kMaxRefillPerSecond = 10000;

// ms rounded up, forgiving floating-point dust (10000.000000002 is 10000, not 10001).
int64_t ceil_ms(double ms) { return static_cast<int64_t>(std::ceil(ms - 1e-6)); }

std::string format_double(double value) {
  std::string text = std::to_string(value);
  text.erase(text.find_last_not_of('0') + 1);
  if (!text.empty() && text.back() == '.') text.pop_back();
  return text;
}

}  // namespace

std::optional<Error> RateLimit::validate() const {
  if (!(capacity >= 1 && capacity <= kMaxCapacity))
    return make_error(ErrorCategory::config, "", "rate_limit",
                      "rate limit capacity: got " + format_double(capacity) + "; expected 1.." +
                          format_double(kMaxCapacity) + " calls");
  if (!(refill_per_second > 0 && refill_per_second <= kMaxRefillPerSecond))
    return make_error(ErrorCategory::config, "", "rate_limit",
                      "rate limit refill_per_second: got " + format_double(refill_per_second) +
                          "; expected > 0 and <= " + format_double(kMaxRefillPerSecond));
  return std::nullopt;
}

std::optional<RateLimit> known_provider_rate_limit(std::string_view provider) {
  // See the table in rate_limiter.h for where each number comes from.
  if (provider == "coingecko") return RateLimit{3, 10.0 / 60.0};
  if (provider == "coinbase") return RateLimit{5, 1.0};
  if (provider == "kraken") return RateLimit{2, 0.5};
  if (provider == "binance") return RateLimit{5, 2.0};
  if (provider == "mempool") return RateLimit{5, 1.0};
  if (provider == "esplora") return RateLimit{3, 9.0 / 60.0};
  if (provider == "blockchain_info") return RateLimit{1, 0.1};
  if (provider == "fng") return RateLimit{3, 0.5};
  return std::nullopt;
}

void to_json(nlohmann::json& out, const HostLimiterSnapshot& s) {
  out = nlohmann::json{{"host", s.host},
                       {"capacity", s.limit.capacity},
                       {"refill_per_second", s.limit.refill_per_second},
                       {"tokens", s.tokens},
                       {"paused_for_ms", s.paused_for_ms},
                       {"next_slot_in_ms", s.next_slot_in_ms}};
}

RateLimiter::RateLimiter(const Clock& clock, RateLimit default_limit, size_t max_hosts)
    : clock_(clock),
      default_limit_(default_limit.validate() ? kFallbackRateLimit : default_limit),
      max_hosts_(std::max<size_t>(1, max_hosts)) {}

double RateLimiter::tokens_at(const Bucket& bucket, int64_t at_ms) {
  if (at_ms <= bucket.at_ms) return bucket.tokens;
  const double refilled = static_cast<double>(at_ms - bucket.at_ms) * bucket.limit.refill_per_second / 1000.0;
  return std::min(bucket.limit.capacity, bucket.tokens + refilled);
}

int64_t RateLimiter::wait_for_token_ms(const Bucket& bucket, int64_t now_ms) {
  const int64_t start = std::max(now_ms, bucket.at_ms);
  const double after = tokens_at(bucket, start) - 1.0;
  const int64_t go_at = after >= 0 ? start : start + ceil_ms(-after / bucket.limit.refill_per_second * 1000.0);
  return go_at - now_ms;
}

RateLimiter::Bucket* RateLimiter::find_or_add(const std::string& host, std::optional<Error>& error) {
  auto it = buckets_.find(host);
  if (it != buckets_.end()) return &it->second;
  if (buckets_.size() >= max_hosts_) {
    error = make_error(ErrorCategory::config, host, "rate_limit",
                       "rate limiter host table is full (" + std::to_string(max_hosts_) +
                           " hosts); refusing new host \"" + host + "\"");
    return nullptr;
  }
  Bucket bucket;
  bucket.limit = default_limit_;
  bucket.tokens = default_limit_.capacity;  // a new host starts with a full burst
  bucket.at_ms = clock_.now_ms();
  return &buckets_.emplace(host, bucket).first->second;
}

std::optional<Error> RateLimiter::set_limit(const std::string& host, RateLimit limit) {
  if (auto error = limit.validate()) {
    error->provider = host;
    return error;
  }
  const bool known = buckets_.count(host) > 0;
  std::optional<Error> error;
  Bucket* bucket = find_or_add(host, error);
  if (!bucket) return error;
  const int64_t now = clock_.now_ms();
  // Settle the balance under the old rate before switching rates.
  const int64_t reference = std::max(now, bucket->at_ms);
  const double balance = tokens_at(*bucket, reference);
  bucket->limit = limit;
  bucket->tokens = known ? std::min(balance, limit.capacity) : limit.capacity;
  bucket->at_ms = reference;
  return std::nullopt;
}

Result<int64_t> RateLimiter::reserve(const std::string& host, int64_t max_wait_ms) {
  std::optional<Error> error;
  Bucket* bucket = find_or_add(host, error);
  if (!bucket) return *error;
  const int64_t now = clock_.now_ms();
  const int64_t wait = wait_for_token_ms(*bucket, now);
  if (wait > max_wait_ms) {
    Error refused = make_error(ErrorCategory::rate_limited, host, "rate_limit",
                               "local rate limit for \"" + host + "\": next slot in " +
                                   std::to_string(wait) + " ms, more than the " +
                                   std::to_string(std::max<int64_t>(0, max_wait_ms)) + " ms allowed");
    refused.retry_after_ms = wait;
    return refused;
  }
  const int64_t start = std::max(now, bucket->at_ms);
  bucket->tokens = tokens_at(*bucket, start) - 1.0;
  bucket->at_ms = start;
  return wait;
}

std::optional<Error> RateLimiter::pause_until(const std::string& host, int64_t unix_ms) {
  const int64_t now = clock_.now_ms();
  const int64_t target = std::min(unix_ms, now + kMaxPauseMs);
  if (target <= now) return std::nullopt;
  std::optional<Error> error;
  Bucket* bucket = find_or_add(host, error);
  if (!bucket) return error;
  bucket->paused_until_ms = std::max(bucket->paused_until_ms, target);
  const int64_t reference = std::max(now, bucket->at_ms);
  if (target <= reference) return std::nullopt;  // an existing pause already reaches further
  // No refill during the pause, and at most one call at its end (gentle resume); calls
  // already queued (negative balance) stay queued ahead of new ones.
  bucket->tokens = std::min(tokens_at(*bucket, reference), 1.0);
  bucket->at_ms = target;
  return std::nullopt;
}

int64_t RateLimiter::paused_for_ms(const std::string& host) const {
  auto it = buckets_.find(host);
  if (it == buckets_.end()) return 0;
  return std::max<int64_t>(0, it->second.paused_until_ms - clock_.now_ms());
}

HostLimiterSnapshot RateLimiter::make_snapshot(const std::string& host, const Bucket& bucket) const {
  const int64_t now = clock_.now_ms();
  HostLimiterSnapshot s;
  s.host = host;
  s.limit = bucket.limit;
  s.tokens = tokens_at(bucket, now);
  s.paused_for_ms = std::max<int64_t>(0, bucket.paused_until_ms - now);
  s.next_slot_in_ms = wait_for_token_ms(bucket, now);
  return s;
}

std::optional<HostLimiterSnapshot> RateLimiter::snapshot(const std::string& host) const {
  auto it = buckets_.find(host);
  if (it == buckets_.end()) return std::nullopt;
  return make_snapshot(it->first, it->second);
}

std::vector<HostLimiterSnapshot> RateLimiter::snapshot() const {
  std::vector<HostLimiterSnapshot> out;
  out.reserve(buckets_.size());
  for (const auto& [host, bucket] : buckets_) out.push_back(make_snapshot(host, bucket));
  std::sort(out.begin(), out.end(),
            [](const HostLimiterSnapshot& a, const HostLimiterSnapshot& b) { return a.host < b.host; });
  return out;
}

}  // namespace ltl
