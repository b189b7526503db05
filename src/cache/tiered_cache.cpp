#include "cache/tiered_cache.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "cache/tiered_cache_internal.h"

// The cache's lifetime, settings, persistent-tier health and reporting. Reads are in
// tiered_cache_read.cpp, invalidation in tiered_cache_invalidation.cpp, warming and sweeping in
// tiered_cache_warm.cpp.

namespace ltl {

namespace tiered_cache_detail {
std::string printable(const std::string& text) {
  std::string out;
  for (char c : text.substr(0, 48)) out += (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? c : '?';
  return text.size() > 48 ? out + "..." : out;
}
}  // namespace tiered_cache_detail

using tiered_cache_detail::printable;

TieredCache::TieredCache(const Clock& clock, Scheduler& scheduler, MemoryCacheOptions memory_options,
                         PersistentStore* store, TieredCacheOptions options)
    : clock_(clock), scheduler_(scheduler), memory_(clock, memory_options), store_(store), options_(options) {
  options_.warm_concurrency = std::max<size_t>(1, options_.warm_concurrency);
  options_.store_op_concurrency = std::max<size_t>(1, options_.store_op_concurrency);
  options_.store_backoff_initial_ms = std::max<int64_t>(1, options_.store_backoff_initial_ms);
  options_.store_backoff_max_ms = std::max(options_.store_backoff_initial_ms, options_.store_backoff_max_ms);
  if (store_) store_stats_.name = store_->name();
  if (options_.sweep_interval_ms > 0) schedule_sweep();
}

TieredCache::~TieredCache() {
  alive_.reset();  // answers arriving later are dropped
  if (sweep_timer_ != 0) scheduler_.cancel(sweep_timer_);
  // Every caller gets exactly one answer, even when the cache goes away first.
  auto flights = std::move(live_flights_);
  const Error gone = make_error(ErrorCategory::internal, "", "cache.get_or_fetch",
                                "the cache was destroyed while this fetch was in flight");
  for (auto& [id, flight] : flights) {
    flight->settled = true;
    if (flight->timer_armed) scheduler_.cancel(flight->timeout_timer);
    for (auto& waiter : flight->waiters) waiter(gone);
  }
}

std::optional<Error> TieredCache::validate_key(const std::string& key) {
  if (key.empty() || key.size() > kMaxKeyBytes) {
    return make_error(ErrorCategory::validation, "", "cache.key",
                      "cache key is " + std::to_string(key.size()) + " bytes; expected 1.." +
                          std::to_string(kMaxKeyBytes));
  }
  return std::nullopt;
}

std::optional<Error> TieredCache::validate_policy(const CachePolicy& policy) {
  if (policy.swr_ms < 0 || policy.stale_if_error_ms < 0) {
    return make_error(ErrorCategory::validation, "", "cache.policy",
                      "swr_ms and stale_if_error_ms must be >= 0 (got " + std::to_string(policy.swr_ms) +
                          " and " + std::to_string(policy.stale_if_error_ms) + ")");
  }
  if (!(policy.refresh_ahead_fraction >= 0.0 && policy.refresh_ahead_fraction < 1.0)) {
    return make_error(ErrorCategory::validation, "", "cache.policy",
                      "refresh_ahead_fraction must be in [0, 1) (0 = off)");
  }
  return MemoryCache::validate_tags(policy.tags);
}

std::optional<Error> TieredCache::set_default_ttl_ms(int64_t ttl_ms) {
  if (ttl_ms < 0) {
    return make_error(ErrorCategory::validation, "", "cache.default_ttl",
                      "CACHE_DEFAULT_TTL must be >= 0 ms, got " + std::to_string(ttl_ms));
  }
  MemoryCacheOptions options = memory_.options();
  options.default_ttl_ms = ttl_ms;
  memory_.set_options(options);
  return std::nullopt;
}

// ---- Persistent tier health ----------------------------------------------------

bool TieredCache::store_usable() const {
  return store_ != nullptr && (!store_health_.degraded || clock_.now_ms() >= store_health_.retry_at_ms);
}

void TieredCache::note_store_failure(const Error& error, const char* operation) {
  ++store_health_.failures;
  ++store_health_.consecutive_failures;
  int64_t backoff_ms = options_.store_backoff_initial_ms;
  for (uint32_t i = 1; i < store_health_.consecutive_failures && backoff_ms < options_.store_backoff_max_ms; ++i) {
    backoff_ms *= 2;
  }
  backoff_ms = std::min(backoff_ms, options_.store_backoff_max_ms);
  store_health_.degraded = true;
  store_health_.retry_at_ms = clock_.now_ms() + backoff_ms;
  store_health_.reason = std::string(operation) + " failed: " + error.message;
}

void TieredCache::note_store_success() {
  store_health_.degraded = false;
  store_health_.consecutive_failures = 0;
  store_health_.reason.clear();
}

// ---- Reporting --------------------------------------------------------------------

TieredCacheStats TieredCache::stats() const {
  TieredCacheStats out;
  out.enabled = options_.enabled;
  out.memory = memory_.stats();
  out.memory_corrupt_dropped = memory_corrupt_dropped_;
  if (store_ != nullptr) out.persistent = store_stats_;
  out.origin = origin_stats_;
  out.in_flight = live_flights_.size();
  return out;
}

std::vector<TierHealth> TieredCache::health() const {
  std::vector<TierHealth> tiers;
  TierHealth memory;
  memory.name = kSourceMemory;
  if (options_.enabled) {
    memory.status = "healthy";
    memory.reason = std::to_string(memory_.stats().entries) + " entries, " + std::to_string(memory_.stats().bytes) +
                    " bytes";
  } else {
    memory.status = "disabled";
    memory.reason = "disabled by CACHE_ENABLED";
  }
  tiers.push_back(std::move(memory));
  if (store_ != nullptr) {
    TierHealth store;
    store.name = store_->name();
    store.failures = store_health_.failures;
    store.consecutive_failures = store_health_.consecutive_failures;
    if (store_health_.degraded) {
      store.status = "degraded";
      const int64_t wait_ms = std::max<int64_t>(0, store_health_.retry_at_ms - clock_.now_ms());
      store.reason = store_health_.reason + (wait_ms > 0 ? "; bypassed for " + std::to_string(wait_ms) + " ms more"
                                                         : "; retried on next use");
      store.retry_at_ms = store_health_.retry_at_ms;
    } else {
      store.status = options_.enabled ? "healthy" : "disabled";
      store.reason = options_.enabled ? "answering" : "disabled by CACHE_ENABLED";
    }
    tiers.push_back(std::move(store));
  }
  return tiers;
}

namespace {

nlohmann::json memory_json(const MemoryCacheStats& stats, uint64_t corrupt_dropped) {
  return {{"hits", stats.hits},
          {"misses", stats.misses},
          {"stale_hits", stats.stale_hits},
          {"hit_rate", stats.hit_rate()},
          {"sets", stats.sets},
          {"overwrites", stats.overwrites},
          {"deletes", stats.deletes},
          {"expired_by_invalidation", stats.expired_invalidated},
          {"evictions", {{"capacity", stats.evictions_capacity},
                         {"size", stats.evictions_size},
                         {"expired", stats.evictions_expired},
                         {"invalidated", stats.evictions_invalidated}}},
          {"rejected_too_large", stats.rejected_too_large},
          {"corrupt_dropped", corrupt_dropped},
          {"entries", stats.entries},
          {"bytes", stats.bytes}};
}

}  // namespace

void to_json(nlohmann::json& out, const TieredCacheStats& stats) {
  nlohmann::json tiers = nlohmann::json::object();
  tiers[TieredCache::kSourceMemory] = memory_json(stats.memory, stats.memory_corrupt_dropped);
  if (stats.persistent) {
    const PersistentTierStats& p = *stats.persistent;
    tiers[p.name] = {{"hits", p.hits},
                     {"stale_hits", p.stale_hits},
                     {"misses", p.misses},
                     {"errors", p.errors},
                     {"bypassed_lookups", p.bypassed_lookups},
                     {"backfills", p.backfills},
                     {"corrupt_dropped", p.corrupt_dropped},
                     {"puts", p.puts},
                     {"put_failures", p.put_failures},
                     {"puts_skipped", p.puts_skipped},
                     {"removes", p.removes},
                     {"raw_bytes", p.raw_bytes},
                     {"stored_bytes", p.stored_bytes},
                     {"bytes_saved", p.saved_bytes}};
  }
  const OriginStats& o = stats.origin;
  out = {{"enabled", stats.enabled},
         {"in_flight", stats.in_flight},
         {"tiers", std::move(tiers)},
         {"origin", {{"fetches", o.fetches},
                     {"failures", o.failures},
                     {"timeouts", o.timeouts},
                     {"coalesced_waits", o.coalesced_waits},
                     {"background_refreshes", o.background_refreshes},
                     {"refresh_ahead_triggers", o.refresh_ahead_triggers},
                     {"refresh_failures", o.refresh_failures},
                     {"stale_if_error_answers", o.stale_if_error_answers},
                     {"rejected_waiters", o.rejected_waiters},
                     {"writes_skipped_invalidated", o.writes_skipped_invalidated},
                     {"late_answers_dropped", o.late_answers_dropped},
                     {"uncached_fetches", o.uncached_fetches}}}};
}

void to_json(nlohmann::json& out, const TierHealth& health) {
  out = {{"name", health.name},
         {"status", health.status},
         {"reason", health.reason},
         {"failures", health.failures},
         {"consecutive_failures", health.consecutive_failures}};
  if (health.retry_at_ms) out["retry_at_ms"] = *health.retry_at_ms;
}

void to_json(nlohmann::json& out, const InvalidationReport& report) {
  out = {{"mode", to_string(report.mode)},
         {"memory_expired", report.memory_expired},
         {"memory_removed", report.memory_removed},
         {"persistent_removed", report.persistent_removed},
         {"persistent_failed", report.persistent_failed},
         {"persistent_attempted", report.persistent_attempted}};
  if (report.persistent_error) out["persistent_error"] = *report.persistent_error;
}

const char* to_string(InvalidationMode mode) { return mode == InvalidationMode::purge ? "purge" : "expire"; }

void to_json(nlohmann::json& out, const WarmReport& report) {
  nlohmann::json failures = nlohmann::json::array();
  for (const auto& [key, error] : report.failures) failures.push_back({{"key", printable(key)}, {"error", error}});
  out = {{"requested", report.requested},
         {"fetched", report.fetched},
         {"cached", report.cached},
         {"failed", report.failed},
         {"failures", std::move(failures)}};
}

bool TieredCache::memory_set(const std::string& key, std::string value, Ttl ttl) {
  return memory_.set(key, std::move(value), ttl);
}

}  // namespace ltl
