#include "cache/memory_cache.h"

#include <algorithm>

namespace ltl {

int64_t saturating_add_ms(int64_t a, int64_t b) {
  if (a == kNeverExpires || b == kNeverExpires) return kNeverExpires;
  if (b > 0 && a > kNeverExpires - b) return kNeverExpires;
  if (b < 0 && a < std::numeric_limits<int64_t>::min() - b) return std::numeric_limits<int64_t>::min();
  return a + b;
}

int64_t Ttl::expires_at(int64_t now_ms, int64_t default_ms) const {
  int64_t duration = 0;
  switch (kind_) {
    case Kind::never: return kNeverExpires;
    case Kind::use_default: duration = default_ms; break;
    case Kind::explicit_ms: duration = ms_; break;
  }
  if (duration < 0) duration = 0;
  return duration >= kNeverExpires - now_ms ? kNeverExpires : now_ms + duration;
}

MemoryCache::MemoryCache(const Clock& clock, MemoryCacheOptions options)
    : clock_(clock), options_(options) {}

size_t MemoryCache::entry_bytes(const std::string& key, const std::string& value,
                                const std::vector<std::string>& tags) {
  size_t bytes = entry_bytes(key, value);
  for (const auto& tag : tags) bytes += tag.size();
  return bytes;
}

std::optional<Error> MemoryCache::validate_tags(const std::vector<std::string>& tags) {
  if (tags.size() > kMaxTagsPerEntry) {
    return make_error(ErrorCategory::validation, "", "cache.tags",
                      "an entry carries " + std::to_string(tags.size()) + " tags; expected at most " +
                          std::to_string(kMaxTagsPerEntry));
  }
  for (size_t i = 0; i < tags.size(); ++i) {
    if (tags[i].empty() || tags[i].size() > kMaxTagBytes) {
      return make_error(ErrorCategory::validation, "", "cache.tags",
                        "tag #" + std::to_string(i) + " is " + std::to_string(tags[i].size()) +
                            " bytes; expected 1.." + std::to_string(kMaxTagBytes));
    }
  }
  return std::nullopt;
}

CacheEntry MemoryCache::read(const Node& node) const {
  CacheEntry entry = node.entry;
  const int64_t now = clock_.now_ms();
  entry.stale = now >= entry.expires_at_ms;
  entry.age_ms = std::max<int64_t>(0, now - entry.stored_at_ms);
  return entry;
}

std::optional<CacheEntry> MemoryCache::get(const std::string& key) {
  return get_stale(key, 0);
}

std::optional<CacheEntry> MemoryCache::get_stale(const std::string& key, int64_t max_stale_ms) {
  auto it = find_servable(key, max_stale_ms);
  if (it == lru_.end()) return std::nullopt;
  return read(*it);
}

const CacheEntry* MemoryCache::get_view(const std::string& key) {
  auto it = find_servable(key, 0);
  return it == lru_.end() ? nullptr : &it->entry;
}

MemoryCache::NodeList::iterator MemoryCache::find_servable(const std::string& key, int64_t max_stale_ms) {
  auto found = index_.find(key);
  if (found == index_.end()) {
    ++stats_.misses;
    return lru_.end();
  }
  auto it = found->second;
  const int64_t now = clock_.now_ms();
  if (now >= it->entry.retain_until_ms) {
    ++stats_.misses;
    remove(it, Reason::expired);
    return lru_.end();
  }
  if (now >= it->entry.expires_at_ms) {
    if (it->entry.invalidated) {
      ++stats_.misses;  // kept only for stale-if-error (peek), never a stale answer
      return lru_.end();
    }
    const int64_t serve_until = saturating_add_ms(it->entry.expires_at_ms, std::max<int64_t>(0, max_stale_ms));
    if (now >= serve_until) {
      ++stats_.misses;  // kept: a longer stale window (stale-if-error) may still want it
      return lru_.end();
    }
    ++stats_.stale_hits;
  } else {
    ++stats_.hits;
  }
  lru_.splice(lru_.begin(), lru_, it);
  return it;
}

bool MemoryCache::contains_fresh(const std::string& key) {
  auto found = index_.find(key);
  if (found == index_.end()) return false;
  auto it = found->second;
  const int64_t now = clock_.now_ms();
  if (now >= it->entry.retain_until_ms) {
    remove(it, Reason::expired);  // lazy expiry, as on a read
    return false;
  }
  return now < it->entry.expires_at_ms;
}

std::optional<CacheEntry> MemoryCache::peek(const std::string& key) const {
  auto found = index_.find(key);
  if (found == index_.end()) return std::nullopt;
  if (clock_.now_ms() >= found->second->entry.retain_until_ms) return std::nullopt;
  return read(*found->second);
}

bool MemoryCache::set(const std::string& key, std::string value, Ttl ttl) {
  return set_until(key, std::move(value), ttl.expires_at(clock_.now_ms(), options_.default_ttl_ms));
}

bool MemoryCache::set_until(const std::string& key, std::string value, int64_t expires_at_ms) {
  auto stored = set_entry(key, std::move(value), EntryTimes{clock_.now_ms(), expires_at_ms, expires_at_ms});
  return stored.ok() && stored.value();
}

Result<bool> MemoryCache::set_entry(const std::string& key, std::string value, EntryTimes times,
                                    std::vector<std::string> tags) {
  if (auto error = validate_tags(tags)) return *error;
  size_t bytes = entry_bytes(key, value, tags);
  if (bytes > options_.max_entry_bytes) {
    ++stats_.rejected_too_large;
    erase(key);  // an older value under this key must not outlive the rejected write
    return false;
  }
  CacheEntry entry;
  entry.value = std::move(value);
  entry.stored_at_ms = times.stored_at_ms;
  entry.expires_at_ms = times.fresh_until_ms;
  entry.retain_until_ms = std::max(times.retain_until_ms, times.fresh_until_ms);
  entry.tags = std::move(tags);
  const int64_t retain_until = entry.retain_until_ms;

  auto found = index_.find(key);
  NodeList::iterator it;
  if (found != index_.end()) {
    it = found->second;
    stats_.bytes -= it->bytes;
    if (it->expiry_pos != expiry_.end()) expiry_.erase(it->expiry_pos);
    it->entry = std::move(entry);
    it->bytes = bytes;
    lru_.splice(lru_.begin(), lru_, it);
    ++stats_.overwrites;
  } else {
    lru_.push_front(Node{key, std::move(entry), bytes, expiry_.end()});
    it = lru_.begin();
    index_.emplace(key, it);
    stats_.entries = index_.size();
  }
  it->expiry_pos = retain_until == kNeverExpires ? expiry_.end() : expiry_.emplace(retain_until, key);
  stats_.bytes += bytes;
  ++stats_.sets;
  enforce_bounds();
  return true;
}

bool MemoryCache::erase(const std::string& key) {
  auto found = index_.find(key);
  if (found == index_.end()) return false;
  remove(found->second, Reason::deleted);
  return true;
}

bool MemoryCache::invalidate(const std::string& key) {
  auto found = index_.find(key);
  if (found == index_.end()) return false;
  remove(found->second, Reason::invalidated);
  return true;
}

size_t MemoryCache::erase_if(const std::function<bool(const std::string& key)>& matches) {
  size_t removed = 0;
  for (auto it = lru_.begin(); it != lru_.end();) {
    auto next = std::next(it);
    if (matches(it->key)) {
      remove(it, Reason::invalidated);
      ++removed;
    }
    it = next;
  }
  return removed;
}

size_t MemoryCache::erase_tagged(const std::string& tag) {
  size_t removed = 0;
  for (auto it = lru_.begin(); it != lru_.end();) {
    auto next = std::next(it);
    const auto& tags = it->entry.tags;
    if (std::find(tags.begin(), tags.end(), tag) != tags.end()) {
      remove(it, Reason::invalidated);
      ++removed;
    }
    it = next;
  }
  return removed;
}

void MemoryCache::expire_node(NodeList::iterator it, ExpireCounts& counts) {
  CacheEntry& entry = it->entry;
  if (entry.invalidated) return;
  const int64_t now = clock_.now_ms();
  if (now >= entry.retain_until_ms) {
    remove(it, Reason::expired);  // already past retention: dropped as a read would
    return;
  }
  if (entry.retain_until_ms <= entry.expires_at_ms) {
    remove(it, Reason::invalidated);  // no stale window: nothing could ever serve it
    ++counts.removed;
    return;
  }
  entry.expires_at_ms = std::min(entry.expires_at_ms, now);
  entry.invalidated = true;
  ++stats_.expired_invalidated;
  ++counts.expired;
}

ExpireCounts MemoryCache::expire(const std::string& key) {
  ExpireCounts counts;
  auto found = index_.find(key);
  if (found != index_.end()) expire_node(found->second, counts);
  return counts;
}

ExpireCounts MemoryCache::expire_if(const std::function<bool(const std::string& key)>& matches) {
  ExpireCounts counts;
  for (auto it = lru_.begin(); it != lru_.end();) {
    auto next = std::next(it);  // expire_node may remove `it`
    if (matches(it->key)) expire_node(it, counts);
    it = next;
  }
  return counts;
}

ExpireCounts MemoryCache::expire_tagged(const std::string& tag) {
  ExpireCounts counts;
  for (auto it = lru_.begin(); it != lru_.end();) {
    auto next = std::next(it);
    const auto& tags = it->entry.tags;
    if (std::find(tags.begin(), tags.end(), tag) != tags.end()) expire_node(it, counts);
    it = next;
  }
  return counts;
}

void MemoryCache::clear() {
  stats_.deletes += index_.size();
  lru_.clear();
  index_.clear();
  expiry_.clear();
  stats_.entries = 0;
  stats_.bytes = 0;
}

size_t MemoryCache::sweep(size_t max_entries_to_check) {
  const int64_t now = clock_.now_ms();
  size_t removed = 0;
  // The index is ordered by retention end, so the first live entry ends the sweep.
  for (size_t checked = 0; checked < max_entries_to_check && !expiry_.empty(); ++checked) {
    auto earliest = expiry_.begin();
    if (earliest->first > now) break;
    auto found = index_.find(earliest->second);
    if (found == index_.end()) {  // cannot happen while remove() keeps both in step; stay safe
      expiry_.erase(earliest);
      continue;
    }
    remove(found->second, Reason::expired);
    ++removed;
  }
  return removed;
}

void MemoryCache::set_options(MemoryCacheOptions options) {
  options_ = options;
  enforce_bounds();
}

void MemoryCache::remove(NodeList::iterator it, Reason reason) {
  switch (reason) {
    case Reason::deleted: ++stats_.deletes; break;
    case Reason::capacity: ++stats_.evictions_capacity; break;
    case Reason::size: ++stats_.evictions_size; break;
    case Reason::expired: ++stats_.evictions_expired; break;
    case Reason::invalidated: ++stats_.evictions_invalidated; break;
  }
  stats_.bytes -= it->bytes;
  if (it->expiry_pos != expiry_.end()) expiry_.erase(it->expiry_pos);
  index_.erase(it->key);
  lru_.erase(it);
  stats_.entries = index_.size();
}

void MemoryCache::enforce_bounds() {
  while (!lru_.empty() && index_.size() > options_.max_entries) {
    remove(std::prev(lru_.end()), Reason::capacity);
  }
  while (!lru_.empty() && stats_.bytes > options_.max_bytes) {
    remove(std::prev(lru_.end()), Reason::size);
  }
}

}  // namespace ltl
