#include <algorithm>

#include "cache/glob.h"
#include "cache/tiered_cache.h"
#include "cache/tiered_cache_internal.h"

// TieredCache invalidation: by key, glob and tag, in memory at once and in the persistent tier
// through a bounded removal run; in-flight fetches for the keys are overtaken.

namespace ltl {
namespace {

bool has_tag(const std::vector<std::string>& tags, const std::string& tag) {
  return std::find(tags.begin(), tags.end(), tag) != tags.end();
}

void count_expired(InvalidationReport& report, const ExpireCounts& counts) {
  report.memory_expired = counts.expired;
  report.memory_removed = counts.removed;
}

}  // namespace

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

}  // namespace ltl
