#include <algorithm>
#include <cmath>

#include "cache/tiered_cache.h"
#include "cache/tiered_cache_internal.h"

// TieredCache's read path: memory, then the persistent tier, then one coalesced origin fetch
// per key (with its timeout, stale-if-error fallbacks and refresh-ahead), and the writes back
// to the persistent tier.

namespace ltl {
namespace {

using tiered_cache_detail::printable;

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

}  // namespace

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

}  // namespace ltl
