#pragma once
// The cache service's policy layer: memory tier → optional persistent tier →
// origin, with request coalescing, stale-while-revalidate, stale-if-error,
// refresh-ahead, warming, invalidation across tiers (key, glob, tag) and
// automatic fallback when the persistent tier fails. Everything time-related
// runs on the injected Clock and Scheduler.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "cache/memory_cache.h"
#include "cache/persistent_store.h"
#include "core/clock.h"
#include "core/result.h"
#include "core/scheduler.h"

namespace ltl {

// How one kind of data is cached.
struct CachePolicy {
  Ttl ttl = Ttl::default_ttl();  // default_ttl() follows CACHE_DEFAULT_TTL at run time
  int64_t swr_ms = 0;             // after expiry: answer stale at once, refresh in background
  int64_t stale_if_error_ms = 0;  // after expiry: answer stale when the origin fails
  double refresh_ahead_fraction = 0;  // 0 = off; refresh when remaining freshness < fraction × TTL
  std::vector<std::string> tags;      // at most MemoryCache::kMaxTagsPerEntry
  // Optional check of a cached value (decoder, format version). A value it rejects
  // is erased from the tier it came from and treated as a miss, never returned.
  std::function<bool(const std::string& value)> accepts;
};

// What the origin answered.
struct FetchedValue {
  std::string value;
  std::optional<int64_t> as_of_ms;        // when the data was produced (ages count from here); default now
  std::optional<int64_t> fresh_until_ms;  // overrides the policy TTL
};

struct CachedValue {
  std::string value;
  int64_t stored_at_ms = 0;
  int64_t fresh_until_ms = 0;
  bool stale = false;
  int64_t age_ms = 0;
  std::string source;         // "memory", the persistent store's name, or "origin"
  bool revalidating = false;  // a background refresh for this key is running
  std::optional<Error> origin_error;  // why a stale value was served (stale-if-error)
};

using CacheFetchCallback = std::function<void(Result<FetchedValue>)>;
// Must call its callback exactly once (later calls are ignored).
using Fetcher = std::function<void(CacheFetchCallback)>;
using CacheCallback = std::function<void(Result<CachedValue>)>;

struct TieredCacheOptions {
  bool enabled = true;                         // CACHE_ENABLED
  int64_t store_backoff_initial_ms = 30000;    // bypass a failing persistent tier this long...
  int64_t store_backoff_max_ms = 300000;       // ...doubling per failure in a row up to this
  size_t max_waiters_per_key = 1024;           // coalesced callers on one fetch; more fail fast
  size_t max_in_flight = 1024;                 // fetches (foreground + background) at once
  int64_t fetch_timeout_ms = 30000;            // 0 = never time out a fetcher
  size_t max_pending_puts = 256;               // persistent writes in flight; more are skipped
  size_t store_op_concurrency = 16;            // removes in flight during one invalidation
  size_t warm_concurrency = 4;
  size_t max_warm_items = 1000;
  int64_t sweep_interval_ms = 60000;           // 0 = no periodic sweep
  size_t sweep_batch = 256;                    // entries checked per sweep
};

struct PersistentTierStats {
  std::string name;
  uint64_t hits = 0;
  uint64_t stale_hits = 0;
  uint64_t misses = 0;
  uint64_t errors = 0;             // failed get/put/remove/list calls
  uint64_t bypassed_lookups = 0;   // lookups skipped while degraded
  uint64_t backfills = 0;          // entries copied into memory
  uint64_t corrupt_dropped = 0;    // values `accepts` rejected, removed
  uint64_t puts = 0;
  uint64_t put_failures = 0;
  uint64_t puts_skipped = 0;       // degraded tier or too many writes in flight
  uint64_t removes = 0;
  uint64_t raw_bytes = 0;          // PutOutcome::raw_bytes summed
  uint64_t stored_bytes = 0;       // PutOutcome::stored_bytes summed
  uint64_t saved_bytes = 0;        // PutOutcome::saved_bytes summed (compression only, never negative)
};

struct OriginStats {
  uint64_t fetches = 0;
  uint64_t failures = 0;            // errors and timeouts
  uint64_t timeouts = 0;
  uint64_t coalesced_waits = 0;     // callers that joined a fetch already in flight
  uint64_t background_refreshes = 0;
  uint64_t refresh_ahead_triggers = 0;
  uint64_t refresh_failures = 0;
  uint64_t stale_if_error_answers = 0;
  uint64_t rejected_waiters = 0;    // over max_waiters_per_key / max_in_flight
  uint64_t writes_skipped_invalidated = 0;  // results of fetches overtaken by invalidation
  uint64_t late_answers_dropped = 0;        // answers after the fetch timed out
  uint64_t uncached_fetches = 0;            // while disabled
};

struct TieredCacheStats {
  bool enabled = true;
  MemoryCacheStats memory;
  uint64_t memory_corrupt_dropped = 0;
  std::optional<PersistentTierStats> persistent;  // absent when memory only
  OriginStats origin;
  size_t in_flight = 0;
};

struct TierHealth {
  std::string name;    // "memory" or the store's name
  std::string status;  // "healthy", "degraded" or "disabled"
  std::string reason;
  uint64_t failures = 0;  // since start
  uint32_t consecutive_failures = 0;
  std::optional<int64_t> retry_at_ms;  // when a degraded tier is tried again
};

// expire (the default): matching memory entries stop being fresh now but are kept for
// stale-if-error (a failing origin can still answer them, flagged stale); persistent copies
// are removed. purge: everything matching is removed from every tier.
enum class InvalidationMode { expire, purge };

struct InvalidationReport {
  InvalidationMode mode = InvalidationMode::expire;
  size_t memory_expired = 0;  // kept for stale-if-error only
  size_t memory_removed = 0;
  size_t persistent_removed = 0;
  size_t persistent_failed = 0;  // removes that failed
  bool persistent_attempted = false;
  std::optional<Error> persistent_error;  // first store failure, if any
};
using InvalidationCallback = std::function<void(Result<InvalidationReport>)>;

struct WarmItem {
  std::string key;
  CachePolicy policy;
  Fetcher fetch;
};

struct WarmReport {
  static constexpr size_t kMaxReportedFailures = 16;
  size_t requested = 0;
  size_t fetched = 0;  // from the origin
  size_t cached = 0;   // already held by a tier
  size_t failed = 0;
  std::vector<std::pair<std::string, Error>> failures;  // the first kMaxReportedFailures
};

class TieredCache {
 public:
  static constexpr const char* kSourceMemory = "memory";
  static constexpr const char* kSourceOrigin = "origin";
  static constexpr size_t kMaxKeyBytes = 512;  // Workers KV's key limit

  // `store` may be null (memory only); it must outlive the cache.
  TieredCache(const Clock& clock, Scheduler& scheduler, MemoryCacheOptions memory_options,
              PersistentStore* store, TieredCacheOptions options = {});
  ~TieredCache();
  TieredCache(const TieredCache&) = delete;
  TieredCache& operator=(const TieredCache&) = delete;

  // Answers `done` exactly once: from memory, the persistent tier or the origin (one
  // fetch per key at a time), stale per the policy's windows, or with an Error.
  void get_or_fetch(const std::string& key, const CachePolicy& policy, Fetcher fetch, CacheCallback done);

  // Writes a value obtained elsewhere (a realtime push) to every tier, as a fetch would;
  // fetches in flight for the key answer their callers but no longer write back.
  std::optional<Error> put(const std::string& key, const CachePolicy& policy, FetchedValue value);

  // Removes a value the caller cannot use (e.g. its decoder rejected it) from every tier.
  void erase(const std::string& key, std::function<void(Result<bool>)> done = nullptr);

  // Invalidation, applied to every tier (see InvalidationMode); fetches in flight for
  // matching keys answer their callers but do not write their results back.
  void invalidate(const std::string& key, InvalidationCallback done = nullptr,
                  InvalidationMode mode = InvalidationMode::expire);
  void invalidate_glob(const std::string& pattern, InvalidationCallback done = nullptr,
                       InvalidationMode mode = InvalidationMode::expire);
  void invalidate_tag(const std::string& tag, InvalidationCallback done = nullptr,
                      InvalidationMode mode = InvalidationMode::expire);

  // Fetches each item through get_or_fetch, warm_concurrency at a time.
  void warm(std::vector<WarmItem> items, std::function<void(Result<WarmReport>)> done);

  // Drops expired memory entries, checking at most `max_entries_to_check`.
  size_t sweep(size_t max_entries_to_check);

  void set_enabled(bool enabled) { options_.enabled = enabled; }
  // Restarts the periodic sweep at this interval; 0 stops it (a stopped service holds no timer).
  void set_sweep_interval_ms(int64_t interval_ms);
  bool enabled() const { return options_.enabled; }
  // CACHE_DEFAULT_TTL at run time; a validation error when negative.
  std::optional<Error> set_default_ttl_ms(int64_t ttl_ms);
  void set_memory_options(MemoryCacheOptions options) { memory_.set_options(options); }

  TieredCacheStats stats() const;
  std::vector<TierHealth> health() const;
  const MemoryCache& memory() const { return memory_; }
  // The memory tier as a plain synchronous key-value cache for the host (no policy, no
  // persistence): a fresh value or nothing; false when the value is over the entry limit.
  // The fresh value in memory without a copy (valid until the next write to the cache), or null.
  const std::string* memory_get(const std::string& key) {
    const CacheEntry* entry = memory_.get_view(key);
    return entry ? &entry->value : nullptr;
  }
  bool memory_has(const std::string& key) { return memory_.contains_fresh(key); }
  bool memory_set(const std::string& key, std::string value, Ttl ttl);
  const TieredCacheOptions& options() const { return options_; }

  static std::optional<Error> validate_key(const std::string& key);
  static std::optional<Error> validate_policy(const CachePolicy& policy);

 private:
  struct Flight;
  struct WarmRun;
  struct RemovalRun;
  struct PendingPut {
    std::vector<std::string> tags;
    bool invalidated = false;
  };
  struct StoreHealth {
    bool degraded = false;
    std::string reason;
    uint64_t failures = 0;
    uint32_t consecutive_failures = 0;
    int64_t retry_at_ms = 0;
  };
  using KeyMatcher = std::function<bool(const std::string& key, const std::vector<std::string>& tags)>;

  EntryTimes entry_times(const CachePolicy& policy, const FetchedValue& fetched, int64_t now) const;
  bool store_usable() const;
  void remove_from_store(const std::string& key);
  void note_store_failure(const Error& error, const char* operation);
  void note_store_success();

  std::shared_ptr<Flight> register_flight(const std::string& key, const CachePolicy& policy, Fetcher fetch,
                                          bool background);
  void lookup_store(const std::shared_ptr<Flight>& flight);
  void fetch_origin(const std::shared_ptr<Flight>& flight);
  void finish_origin(const std::shared_ptr<Flight>& flight, Result<FetchedValue> result);
  void settle(Flight& flight);
  void answer_waiters(std::vector<CacheCallback> waiters, const Result<CachedValue>& result);
  bool wants_refresh_ahead(int64_t stored_at_ms, int64_t fresh_until_ms, const CachePolicy& policy) const;
  void fetch_uncached(const CachePolicy& policy, Fetcher fetch, CacheCallback done);
  void persist(const std::string& key, const std::string& value, const EntryTimes& times,
               const std::vector<std::string>& tags);

  // Detaches matching fetches and marks matching persistent writes in flight.
  void overtake_in_flight(const KeyMatcher& matches);
  void invalidate_in_store(const std::string& prefix, KeyMatcher matches, InvalidationReport report,
                           InvalidationCallback done);
  void remove_keys(std::vector<std::string> keys, InvalidationReport report, InvalidationCallback done);
  void pump_removals(const std::shared_ptr<RemovalRun>& run);
  void pump_warm(const std::shared_ptr<WarmRun>& run);
  void schedule_sweep();

  const Clock& clock_;
  Scheduler& scheduler_;
  MemoryCache memory_;
  PersistentStore* store_;
  TieredCacheOptions options_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // async answers check it

  uint64_t next_flight_id_ = 0;
  std::unordered_map<std::string, std::shared_ptr<Flight>> flights_by_key_;  // the one new callers join
  std::unordered_map<uint64_t, std::shared_ptr<Flight>> live_flights_;       // every unsettled fetch
  std::unordered_map<std::string, std::vector<std::shared_ptr<PendingPut>>> pending_puts_;
  size_t pending_put_count_ = 0;

  StoreHealth store_health_;
  uint64_t memory_corrupt_dropped_ = 0;
  PersistentTierStats store_stats_;
  OriginStats origin_stats_;
  TimerId sweep_timer_ = 0;
};

void to_json(nlohmann::json& out, const TieredCacheStats& stats);
void to_json(nlohmann::json& out, const TierHealth& health);
void to_json(nlohmann::json& out, const InvalidationReport& report);
const char* to_string(InvalidationMode mode);
void to_json(nlohmann::json& out, const WarmReport& report);

}  // namespace ltl
