#include "cache/tiered_cache.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "cache/glob.h"

namespace ltl {
namespace {

// Keys can hold any bytes; errors echo a printable, bounded excerpt (the JSON encoder
// rejects invalid UTF-8).
std::string printable(const std::string& text) {
  std::string out;
  for (char c : text.substr(0, 48)) out += (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? c : '?';
  return text.size() > 48 ? out + "..." : out;
}

CachedValue make_value(std::string value, int64_t stored_at_ms, int64_t fresh_until_ms, int64_t now_ms,
                       std::string source) {
  CachedValue out;
  out.value = std::move(value);
  out.stored_at_ms = stored_at_ms;
  out.fresh_until_ms = fresh_until_ms;
  out.stale = now_ms >= fresh_until_ms;
  out.age_ms = std::max<int64_t>(0, now_ms - stored_at_ms);
  out.source = std::move(source);
  return out;
}

bool has_tag(const std::vector<std::string>& tags, const std::string& tag) {
  return std::find(tags.begin(), tags.end(), tag) != tags.end();
}

void count_expired(InvalidationReport& report, const ExpireCounts& counts) {
  report.memory_expired = counts.expired;
  report.memory_removed = counts.removed;
}

}  // namespace

struct TieredCache::Flight {
  uint64_t id = 0;
  std::string key;
  CachePolicy policy;  // the first caller's; joiners share the fetch
  Fetcher fetch;
  std::vector<CacheCallback> waiters;
  bool background = false;   // nobody was waiting when it reached the origin (a refresh)
  bool invalidated = false;  // overtaken by invalidation: answers its waiters, never writes back
  bool settled = false;
  std::optional<StoredEntry> store_fallback;  // a persistent entry kept for stale-if-error
  TimerId timeout_timer = 0;
  bool timer_armed = false;
  int64_t origin_started_ms = 0;  // the data is at least as old as the moment we asked for it
};

struct TieredCache::WarmRun {
  std::vector<WarmItem> items;
  size_t next = 0;
  size_t active = 0;
  bool pumping = false;
  bool finished = false;
  WarmReport report;
  std::function<void(Result<WarmReport>)> done;
};

struct TieredCache::RemovalRun {
  std::vector<std::string> keys;
  size_t next = 0;
  size_t active = 0;
  bool pumping = false;
  bool finished = false;
  InvalidationReport report;
  InvalidationCallback done;
};

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

// ---- Reads -----------------------------------------------------------------------

bool TieredCache::wants_refresh_ahead(int64_t stored_at_ms, int64_t fresh_until_ms,
                                      const CachePolicy& policy) const {
  if (policy.refresh_ahead_fraction <= 0.0 || fresh_until_ms == kNeverExpires) return false;
  const int64_t ttl_ms = fresh_until_ms - stored_at_ms;
  const int64_t remaining_ms = fresh_until_ms - clock_.now_ms();
  return ttl_ms > 0 && remaining_ms > 0 &&
         static_cast<double>(remaining_ms) < policy.refresh_ahead_fraction * static_cast<double>(ttl_ms);
}

std::shared_ptr<TieredCache::Flight> TieredCache::register_flight(const std::string& key, const CachePolicy& policy,
                                                                   Fetcher fetch, bool background) {
  auto flight = std::make_shared<Flight>();
  flight->id = ++next_flight_id_;
  flight->key = key;
  flight->policy = policy;
  flight->fetch = std::move(fetch);
  flight->background = background;
  flights_by_key_[key] = flight;
  live_flights_[flight->id] = flight;
  return flight;
}

void TieredCache::get_or_fetch(const std::string& key, const CachePolicy& policy, Fetcher fetch,
                               CacheCallback done) {
  if (auto error = validate_key(key)) return done(*error);
  if (auto error = validate_policy(policy)) return done(*error);
  if (!fetch) {
    return done(make_error(ErrorCategory::validation, "", "cache.get_or_fetch",
                           "no fetcher given for key '" + printable(key) + "'"));
  }
  if (!options_.enabled) return fetch_uncached(policy, std::move(fetch), std::move(done));

  std::optional<CacheEntry> hit = memory_.get_stale(key, policy.swr_ms);
  if (hit && policy.accepts && !policy.accepts(hit->value)) {
    memory_.erase(key);
    ++memory_corrupt_dropped_;
    hit.reset();
  }

  if (hit) {
    const bool refresh_ahead = !hit->stale && wants_refresh_ahead(hit->stored_at_ms, hit->expires_at_ms, policy);
    std::shared_ptr<Flight> refresh;
    bool revalidating = false;
    if (hit->stale || refresh_ahead) {
      if (flights_by_key_.count(key) != 0) {
        revalidating = true;  // one refresh per key: join nothing, it is already running
      } else if (live_flights_.size() < options_.max_in_flight) {
        refresh = register_flight(key, policy, std::move(fetch), true);
        revalidating = true;
        if (refresh_ahead) ++origin_stats_.refresh_ahead_triggers;
      }
    }
    CachedValue value = make_value(hit->value, hit->stored_at_ms, hit->expires_at_ms, clock_.now_ms(), kSourceMemory);
    value.revalidating = revalidating;
    std::weak_ptr<bool> alive = alive_;
    done(std::move(value));  // the answer goes out before any refresh starts
    if (!refresh || alive.expired() || refresh->settled) return;
    // A stale value may already be refreshed in the persistent tier (another tab or
    // isolate); refresh-ahead goes straight to the origin, the store holds the same copy.
    if (hit->stale && store_usable()) {
      lookup_store(refresh);
    } else {
      fetch_origin(refresh);
    }
    return;
  }

  auto existing = flights_by_key_.find(key);
  if (existing != flights_by_key_.end()) {
    Flight& flight = *existing->second;
    if (flight.waiters.size() >= options_.max_waiters_per_key) {
      ++origin_stats_.rejected_waiters;
      return done(make_error(ErrorCategory::rate_limited, "", "cache.get_or_fetch",
                             "too many callers waiting for key '" + printable(key) + "' (cap " +
                                 std::to_string(options_.max_waiters_per_key) + ")"));
    }
    flight.waiters.push_back(std::move(done));
    ++origin_stats_.coalesced_waits;
    return;
  }
  if (live_flights_.size() >= options_.max_in_flight) {
    ++origin_stats_.rejected_waiters;
    return done(make_error(ErrorCategory::rate_limited, "", "cache.get_or_fetch",
                           "too many fetches in flight (cap " + std::to_string(options_.max_in_flight) + ")"));
  }
  auto flight = register_flight(key, policy, std::move(fetch), false);
  flight->waiters.push_back(std::move(done));
  if (store_usable()) {
    lookup_store(flight);
  } else {
    if (store_ != nullptr) ++store_stats_.bypassed_lookups;
    fetch_origin(flight);
  }
}

void TieredCache::lookup_store(const std::shared_ptr<Flight>& flight) {
  std::weak_ptr<bool> alive = alive_;
  store_->get(flight->key, [this, alive, flight](Result<std::optional<StoredEntry>> result) {
    if (alive.expired() || flight->settled) return;
    if (!result.ok()) {
      ++store_stats_.errors;
      note_store_failure(result.error(), "get");
      fetch_origin(flight);
      return;
    }
    note_store_success();
    // Read before an invalidation that overtook it: not to be used.
    if (flight->invalidated || !result.value()) {
      ++store_stats_.misses;
      fetch_origin(flight);
      return;
    }
    StoredEntry entry = std::move(*result.value());
    entry.expires_at_ms = std::max(entry.expires_at_ms, entry.fresh_until_ms);
    const CachePolicy& policy = flight->policy;
    const std::string& key = flight->key;
    const int64_t now = clock_.now_ms();
    if (now >= entry.expires_at_ms) {  // the store may keep entries past their end
      ++store_stats_.misses;
      fetch_origin(flight);
      return;
    }
    if (policy.accepts && !policy.accepts(entry.value)) {
      ++store_stats_.corrupt_dropped;
      ++store_stats_.misses;
      remove_from_store(key);
      fetch_origin(flight);
      return;
    }
    const bool fresh = now < entry.fresh_until_ms;
    const bool within_swr = !fresh && now < saturating_add_ms(entry.fresh_until_ms, policy.swr_ms);
    if (!fresh && !within_swr) {
      ++store_stats_.misses;
      if (now < saturating_add_ms(entry.fresh_until_ms, policy.stale_if_error_ms)) {
        flight->store_fallback = std::move(entry);
      }
      fetch_origin(flight);
      return;
    }
    if (fresh) {
      ++store_stats_.hits;
    } else {
      ++store_stats_.stale_hits;
    }
    // Backfill with the stored times: the remaining TTL, not a restarted one. A newer
    // copy already in memory is left alone.
    auto held = memory_.peek(key);
    if (!held || held->stored_at_ms < entry.stored_at_ms) {
      const std::vector<std::string>& tags = MemoryCache::validate_tags(entry.tags) ? policy.tags : entry.tags;
      memory_.set_entry(key, entry.value, EntryTimes{entry.stored_at_ms, entry.fresh_until_ms, entry.expires_at_ms},
                        tags);
      ++store_stats_.backfills;
    }
    const bool refresh_ahead = fresh && wants_refresh_ahead(entry.stored_at_ms, entry.fresh_until_ms, policy);
    const bool refresh = within_swr || refresh_ahead;
    if (refresh_ahead) ++origin_stats_.refresh_ahead_triggers;
    CachedValue value = make_value(entry.value, entry.stored_at_ms, entry.fresh_until_ms, now, store_->name());
    value.revalidating = refresh;
    std::vector<CacheCallback> waiters = std::move(flight->waiters);
    flight->waiters.clear();
    if (refresh) {
      flight->background = true;
    } else {
      settle(*flight);
    }
    answer_waiters(std::move(waiters), value);
    if (refresh && !alive.expired() && !flight->settled) fetch_origin(flight);
  });
}

void TieredCache::fetch_origin(const std::shared_ptr<Flight>& flight) {
  ++origin_stats_.fetches;
  flight->origin_started_ms = clock_.now_ms();
  if (flight->background) ++origin_stats_.background_refreshes;
  std::weak_ptr<bool> alive = alive_;
  if (options_.fetch_timeout_ms > 0) {
    flight->timer_armed = true;
    flight->timeout_timer = scheduler_.schedule(options_.fetch_timeout_ms, [this, alive, flight] {
      if (alive.expired() || flight->settled) return;
      flight->timer_armed = false;
      ++origin_stats_.timeouts;
      finish_origin(flight, make_error(ErrorCategory::timeout, "", "cache.fetch",
                                       "origin fetch for key '" + printable(flight->key) + "' did not answer within " +
                                           std::to_string(options_.fetch_timeout_ms) + " ms"));
    });
  }
  auto answered = std::make_shared<bool>(false);
  Fetcher fetch = flight->fetch;  // a copy: the call may outlive the flight
  fetch([this, alive, flight, answered](Result<FetchedValue> result) {
    if (*answered) return;  // a fetcher answering twice: the first answer stands
    *answered = true;
    if (alive.expired()) return;
    if (flight->settled) {
      ++origin_stats_.late_answers_dropped;
      return;
    }
    finish_origin(flight, std::move(result));
  });
}

void TieredCache::settle(Flight& flight) {
  flight.settled = true;
  live_flights_.erase(flight.id);
  auto current = flights_by_key_.find(flight.key);
  if (current != flights_by_key_.end() && current->second.get() == &flight) flights_by_key_.erase(current);
  if (flight.timer_armed) {
    scheduler_.cancel(flight.timeout_timer);
    flight.timer_armed = false;
  }
}

// Fire-and-forget removal of one persistent entry, counted like every store call.
void TieredCache::remove_from_store(const std::string& key) {
  std::weak_ptr<bool> alive = alive_;
  store_->remove(key, [this, alive](Result<bool> removed) {
    if (alive.expired()) return;
    if (!removed.ok()) {
      ++store_stats_.errors;
      note_store_failure(removed.error(), "remove");
      return;
    }
    note_store_success();
    ++store_stats_.removes;
  });
}

EntryTimes TieredCache::entry_times(const CachePolicy& policy, const FetchedValue& fetched, int64_t now) const {
  const int64_t as_of_ms = std::min(fetched.as_of_ms.value_or(now), now);
  const int64_t fresh_until_ms = fetched.fresh_until_ms
                                     ? *fetched.fresh_until_ms
                                     : policy.ttl.expires_at(as_of_ms, memory_.options().default_ttl_ms);
  return {as_of_ms, fresh_until_ms,
          saturating_add_ms(fresh_until_ms, std::max(policy.swr_ms, policy.stale_if_error_ms))};
}

std::optional<Error> TieredCache::put(const std::string& key, const CachePolicy& policy, FetchedValue value) {
  if (auto error = validate_key(key)) return error;
  if (auto error = validate_policy(policy)) return error;
  if (!options_.enabled) return std::nullopt;
  // A fetch already in flight for this key carries older data: it must not overwrite this.
  overtake_in_flight([&key](const std::string& candidate, const std::vector<std::string>&) { return candidate == key; });
  const EntryTimes times = entry_times(policy, value, clock_.now_ms());
  memory_.set_entry(key, value.value, times, policy.tags);
  persist(key, value.value, times, policy.tags);
  return std::nullopt;
}

void TieredCache::finish_origin(const std::shared_ptr<Flight>& flight, Result<FetchedValue> result) {
  settle(*flight);
  const int64_t now = clock_.now_ms();
  const CachePolicy& policy = flight->policy;
  const std::string& key = flight->key;
  std::vector<CacheCallback> waiters = std::move(flight->waiters);
  flight->waiters.clear();

  if (result.ok()) {
    FetchedValue& fetched = result.value();
    // Without the origin's own timestamp, ages and the TTL count from when the fetch started:
    // a slow answer must not make old data look newer than it is.
    if (!fetched.as_of_ms) fetched.as_of_ms = flight->origin_started_ms;
    const EntryTimes times = entry_times(policy, fetched, now);
    const int64_t as_of_ms = times.stored_at_ms;
    const int64_t fresh_until_ms = times.fresh_until_ms;
    if (flight->invalidated) {
      ++origin_stats_.writes_skipped_invalidated;
    } else {
      memory_.set_entry(key, fetched.value, times, policy.tags);
      persist(key, fetched.value, times, policy.tags);
    }
    CachedValue answer = make_value(std::move(fetched.value), as_of_ms, fresh_until_ms, now, kSourceOrigin);
    answer.stale = false;  // the newest data there is, even when the TTL ran out while it came
    answer_waiters(std::move(waiters), answer);
    return;
  }

  ++origin_stats_.failures;
  if (flight->background) ++origin_stats_.refresh_failures;
  std::optional<CachedValue> fallback;
  if (!flight->invalidated && !waiters.empty()) {
    auto held = memory_.peek(key);
    if (held && now < saturating_add_ms(held->expires_at_ms, policy.stale_if_error_ms) &&
        (!policy.accepts || policy.accepts(held->value))) {
      fallback = make_value(held->value, held->stored_at_ms, held->expires_at_ms, now, kSourceMemory);
    } else if (flight->store_fallback &&
               now < saturating_add_ms(flight->store_fallback->fresh_until_ms, policy.stale_if_error_ms) &&
               now < flight->store_fallback->expires_at_ms) {
      const StoredEntry& stored = *flight->store_fallback;
      fallback = make_value(stored.value, stored.stored_at_ms, stored.fresh_until_ms, now, store_->name());
    }
  }
  if (fallback) {
    fallback->origin_error = result.error();
    ++origin_stats_.stale_if_error_answers;
    answer_waiters(std::move(waiters), *fallback);
  } else {
    answer_waiters(std::move(waiters), result.error());
  }
}

void TieredCache::answer_waiters(std::vector<CacheCallback> waiters, const Result<CachedValue>& result) {
  // Touches no members: a waiter may destroy the cache and the rest still get answered.
  for (auto& waiter : waiters) waiter(result);
}

void TieredCache::fetch_uncached(const CachePolicy& policy, Fetcher fetch, CacheCallback done) {
  ++origin_stats_.uncached_fetches;
  std::weak_ptr<bool> alive = alive_;
  auto answered = std::make_shared<bool>(false);
  fetch([this, alive, answered, ttl = policy.ttl, done = std::move(done)](Result<FetchedValue> result) {
    if (*answered || alive.expired()) return;
    *answered = true;
    if (!result.ok()) {
      ++origin_stats_.failures;
      return done(result.error());
    }
    const int64_t now = clock_.now_ms();
    FetchedValue& fetched = result.value();
    const int64_t as_of_ms = std::min(fetched.as_of_ms.value_or(now), now);
    const int64_t fresh_until_ms =
        fetched.fresh_until_ms ? *fetched.fresh_until_ms : ttl.expires_at(as_of_ms, memory_.options().default_ttl_ms);
    done(make_value(std::move(fetched.value), as_of_ms, fresh_until_ms, now, kSourceOrigin));
  });
}

// ---- Writes to the persistent tier ------------------------------------------------

void TieredCache::persist(const std::string& key, const std::string& value, const EntryTimes& times,
                          const std::vector<std::string>& tags) {
  if (store_ == nullptr) return;
  const int64_t retain_until_ms = std::max(times.retain_until_ms, times.fresh_until_ms);
  if (retain_until_ms <= clock_.now_ms()) return;  // nothing a store could ever serve
  if (!store_usable() || pending_put_count_ >= options_.max_pending_puts) {
    ++store_stats_.puts_skipped;
    return;
  }
  auto ticket = std::make_shared<PendingPut>();
  ticket->tags = tags;
  pending_puts_[key].push_back(ticket);
  ++pending_put_count_;
  ++store_stats_.puts;
  StoredEntry entry;
  entry.value = value;
  entry.stored_at_ms = times.stored_at_ms;
  entry.fresh_until_ms = times.fresh_until_ms;
  entry.expires_at_ms = retain_until_ms;
  entry.tags = tags;
  std::weak_ptr<bool> alive = alive_;
  // Fire and forget: the answer never waits for this.
  store_->put(key, entry, [this, alive, key, ticket](Result<PutOutcome> result) {
    if (alive.expired()) return;
    auto pending = pending_puts_.find(key);
    if (pending != pending_puts_.end()) {
      auto& tickets = pending->second;
      auto mine = std::find(tickets.begin(), tickets.end(), ticket);
      if (mine != tickets.end()) {
        tickets.erase(mine);
        --pending_put_count_;
      }
      if (tickets.empty()) pending_puts_.erase(pending);
    }
    if (!result.ok()) {
      ++store_stats_.put_failures;
      ++store_stats_.errors;
      note_store_failure(result.error(), "put");
      return;
    }
    note_store_success();
    store_stats_.raw_bytes += result.value().raw_bytes;
    store_stats_.stored_bytes += result.value().stored_bytes;
    store_stats_.saved_bytes += result.value().saved_bytes;
    if (ticket->invalidated) {
      // The write landed after an invalidation that could not see it: take it back out.
      remove_from_store(key);
    }
  });
}

// ---- Invalidation ---------------------------------------------------------------

void TieredCache::overtake_in_flight(const KeyMatcher& matches) {
  for (auto it = flights_by_key_.begin(); it != flights_by_key_.end();) {
    if (matches(it->first, it->second->policy.tags)) {
      it->second->invalidated = true;
      it = flights_by_key_.erase(it);  // new callers start a fresh fetch
    } else {
      ++it;
    }
  }
  for (auto& [key, tickets] : pending_puts_) {
    for (auto& ticket : tickets) {
      if (matches(key, ticket->tags)) ticket->invalidated = true;
    }
  }
}

void TieredCache::erase(const std::string& key, std::function<void(Result<bool>)> done) {
  if (auto error = validate_key(key)) {
    if (done) done(*error);
    return;
  }
  const bool in_memory = memory_.erase(key);
  if (store_ == nullptr) {
    if (done) done(in_memory);
    return;
  }
  std::weak_ptr<bool> alive = alive_;
  store_->remove(key, [this, alive, in_memory, done = std::move(done)](Result<bool> removed) {
    if (alive.expired()) return;
    if (!removed.ok()) {
      ++store_stats_.errors;
      note_store_failure(removed.error(), "remove");
      if (done) done(removed.error());
      return;
    }
    note_store_success();
    ++store_stats_.removes;
    if (done) done(in_memory || removed.value());
  });
}

void TieredCache::invalidate(const std::string& key, InvalidationCallback done, InvalidationMode mode) {
  if (auto error = validate_key(key)) {
    if (done) done(*error);
    return;
  }
  InvalidationReport report;
  report.mode = mode;
  if (mode == InvalidationMode::purge) {
    report.memory_removed = memory_.invalidate(key) ? 1 : 0;
  } else {
    count_expired(report, memory_.expire(key));
  }
  overtake_in_flight([&key](const std::string& candidate, const std::vector<std::string>&) { return candidate == key; });
  if (store_ == nullptr) {
    if (done) done(report);
    return;
  }
  remove_keys({key}, report, std::move(done));
}

void TieredCache::invalidate_glob(const std::string& pattern, InvalidationCallback done, InvalidationMode mode) {
  if (auto error = validate_glob(pattern)) {
    if (done) done(*error);
    return;
  }
  InvalidationReport report;
  report.mode = mode;
  auto in_pattern = [&pattern](const std::string& key) { return glob_match(pattern, key); };
  if (mode == InvalidationMode::purge) {
    report.memory_removed = memory_.erase_if(in_pattern);
  } else {
    count_expired(report, memory_.expire_if(in_pattern));
  }
  KeyMatcher matches = [pattern](const std::string& key, const std::vector<std::string>&) {
    return glob_match(pattern, key);
  };
  overtake_in_flight(matches);
  invalidate_in_store(glob_literal_prefix(pattern), std::move(matches), report, std::move(done));
}

void TieredCache::invalidate_tag(const std::string& tag, InvalidationCallback done, InvalidationMode mode) {
  if (tag.empty() || tag.size() > MemoryCache::kMaxTagBytes) {
    if (done) {
      done(make_error(ErrorCategory::validation, "", "cache.invalidate_tag",
                      "tag is " + std::to_string(tag.size()) + " bytes; expected 1.." +
                          std::to_string(MemoryCache::kMaxTagBytes)));
    }
    return;
  }
  InvalidationReport report;
  report.mode = mode;
  if (mode == InvalidationMode::purge) {
    report.memory_removed = memory_.erase_tagged(tag);
  } else {
    count_expired(report, memory_.expire_tagged(tag));
  }
  KeyMatcher matches = [tag](const std::string&, const std::vector<std::string>& tags) { return has_tag(tags, tag); };
  overtake_in_flight(matches);
  invalidate_in_store("", std::move(matches), report, std::move(done));
}

void TieredCache::invalidate_in_store(const std::string& prefix, KeyMatcher matches, InvalidationReport report,
                                      InvalidationCallback done) {
  if (store_ == nullptr) {
    if (done) done(report);
    return;
  }
  // Attempted even while degraded: a skipped invalidation would resurrect old data later.
  report.persistent_attempted = true;
  std::weak_ptr<bool> alive = alive_;
  store_->list(prefix, [this, alive, matches = std::move(matches), report, done = std::move(done)](
                           Result<std::vector<StoredKey>> listed) mutable {
    if (alive.expired()) return;
    if (!listed.ok()) {
      ++store_stats_.errors;
      note_store_failure(listed.error(), "list");
      report.persistent_error = listed.error();
      if (done) done(report);
      return;
    }
    note_store_success();
    std::vector<std::string> keys;
    for (const StoredKey& stored : listed.value()) {
      if (matches(stored.key, stored.tags)) keys.push_back(stored.key);
    }
    remove_keys(std::move(keys), report, std::move(done));
  });
}

void TieredCache::remove_keys(std::vector<std::string> keys, InvalidationReport report, InvalidationCallback done) {
  auto run = std::make_shared<RemovalRun>();
  run->keys = std::move(keys);
  run->report = std::move(report);
  run->report.persistent_attempted = true;
  run->done = std::move(done);
  pump_removals(run);
}

void TieredCache::pump_removals(const std::shared_ptr<RemovalRun>& run) {
  if (run->pumping) return;  // a synchronous answer inside the loop below: the loop continues
  run->pumping = true;
  std::weak_ptr<bool> alive = alive_;
  while (run->active < options_.store_op_concurrency && run->next < run->keys.size()) {
    const std::string& key = run->keys[run->next++];
    ++run->active;
    store_->remove(key, [this, alive, run](Result<bool> removed) {
      if (alive.expired()) return;
      --run->active;
      if (!removed.ok()) {
        ++store_stats_.errors;
        note_store_failure(removed.error(), "remove");
        ++run->report.persistent_failed;
        if (!run->report.persistent_error) run->report.persistent_error = removed.error();
      } else {
        note_store_success();
        ++store_stats_.removes;
        if (removed.value()) ++run->report.persistent_removed;
      }
      pump_removals(run);
    });
    if (alive.expired()) return;
  }
  run->pumping = false;
  if (!run->finished && run->active == 0 && run->next == run->keys.size()) {
    run->finished = true;
    if (run->done) {
      auto done = std::move(run->done);
      done(run->report);
    }
  }
}

// ---- Warming, sweeping --------------------------------------------------------

void TieredCache::warm(std::vector<WarmItem> items, std::function<void(Result<WarmReport>)> done) {
  if (items.size() > options_.max_warm_items) {
    return done(make_error(ErrorCategory::validation, "", "cache.warm",
                           std::to_string(items.size()) + " keys to warm; expected at most " +
                               std::to_string(options_.max_warm_items)));
  }
  auto run = std::make_shared<WarmRun>();
  run->items = std::move(items);
  run->report.requested = run->items.size();
  run->done = std::move(done);
  pump_warm(run);
}

void TieredCache::pump_warm(const std::shared_ptr<WarmRun>& run) {
  if (run->pumping) return;
  run->pumping = true;
  std::weak_ptr<bool> alive = alive_;
  while (run->active < options_.warm_concurrency && run->next < run->items.size()) {
    const WarmItem& item = run->items[run->next++];
    ++run->active;
    get_or_fetch(item.key, item.policy, item.fetch, [this, alive, run, key = item.key](Result<CachedValue> result) {
      --run->active;
      WarmReport& report = run->report;
      if (!result.ok()) {
        ++report.failed;
        if (report.failures.size() < WarmReport::kMaxReportedFailures) report.failures.emplace_back(key, result.error());
      } else if (result.value().source == kSourceOrigin) {
        ++report.fetched;
      } else {
        ++report.cached;
      }
      if (alive.expired()) return;
      pump_warm(run);
    });
    if (alive.expired()) return;
  }
  run->pumping = false;
  if (!run->finished && run->active == 0 && run->next == run->items.size()) {
    run->finished = true;
    auto done = std::move(run->done);
    done(run->report);
  }
}

size_t TieredCache::sweep(size_t max_entries_to_check) { return memory_.sweep(max_entries_to_check); }

void TieredCache::set_sweep_interval_ms(int64_t interval_ms) {
  if (sweep_timer_ != 0) scheduler_.cancel(sweep_timer_);
  sweep_timer_ = 0;
  options_.sweep_interval_ms = interval_ms > 0 ? interval_ms : 0;
  if (options_.sweep_interval_ms > 0) schedule_sweep();
}

void TieredCache::schedule_sweep() {
  std::weak_ptr<bool> alive = alive_;
  sweep_timer_ = scheduler_.schedule(options_.sweep_interval_ms, [this, alive] {
    if (alive.expired()) return;
    sweep_timer_ = 0;
    memory_.sweep(options_.sweep_batch);
    schedule_sweep();
  });
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
