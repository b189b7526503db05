#include "cache/memory_cache.h"

namespace ltl {

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

std::optional<CacheEntry> MemoryCache::get(const std::string& key) {
  auto found = index_.find(key);
  if (found == index_.end()) {
    ++stats_.misses;
    return std::nullopt;
  }
  auto it = found->second;
  if (clock_.now_ms() >= it->entry.expires_at_ms) {
    ++stats_.evictions_expired;
    ++stats_.misses;
    remove(it);
    return std::nullopt;
  }
  lru_.splice(lru_.begin(), lru_, it);
  ++stats_.hits;
  return it->entry;
}

bool MemoryCache::set(const std::string& key, std::string value, Ttl ttl) {
  return set_until(key, std::move(value), ttl.expires_at(clock_.now_ms(), options_.default_ttl_ms));
}

bool MemoryCache::set_until(const std::string& key, std::string value, int64_t expires_at_ms) {
  size_t bytes = entry_bytes(key, value);
  if (bytes > options_.max_entry_bytes) {
    ++stats_.rejected_too_large;
    erase(key);  // an older value under this key must not outlive the rejected write
    return false;
  }
  CacheEntry entry{std::move(value), clock_.now_ms(), expires_at_ms};
  auto found = index_.find(key);
  if (found != index_.end()) {
    auto it = found->second;
    stats_.bytes -= it->bytes;
    it->entry = std::move(entry);
    it->bytes = bytes;
    stats_.bytes += bytes;
    lru_.splice(lru_.begin(), lru_, it);
  } else {
    lru_.push_front(Node{key, std::move(entry), bytes});
    index_.emplace(key, lru_.begin());
    stats_.bytes += bytes;
    stats_.entries = index_.size();
  }
  ++stats_.sets;
  enforce_bounds();
  return true;
}

bool MemoryCache::erase(const std::string& key) {
  auto found = index_.find(key);
  if (found == index_.end()) return false;
  remove(found->second);
  ++stats_.deletes;
  return true;
}

void MemoryCache::clear() {
  stats_.deletes += index_.size();
  lru_.clear();
  index_.clear();
  stats_.entries = 0;
  stats_.bytes = 0;
}

void MemoryCache::set_options(MemoryCacheOptions options) {
  options_ = options;
  enforce_bounds();
}

void MemoryCache::remove(NodeList::iterator it) {
  stats_.bytes -= it->bytes;
  index_.erase(it->key);
  lru_.erase(it);
  stats_.entries = index_.size();
}

void MemoryCache::enforce_bounds() {
  while (!lru_.empty() && index_.size() > options_.max_entries) {
    ++stats_.evictions_capacity;
    remove(std::prev(lru_.end()));
  }
  while (!lru_.empty() && stats_.bytes > options_.max_bytes) {
    ++stats_.evictions_size;
    remove(std::prev(lru_.end()));
  }
}

}  // namespace ltl
