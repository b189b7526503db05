#pragma once
// The memory tier: exact-key lookups, O(1) LRU, bounded by entry count and by
// bytes, per-entry TTL on an injected clock, exact stats.
#include <cstdint>
#include <limits>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/clock.h"

namespace ltl {

// How long an entry lives. `ms(0)` means "already expired", never "default".
class Ttl {
 public:
  static Ttl default_ttl() { return Ttl(Kind::use_default, 0); }
  static Ttl no_expiry() { return Ttl(Kind::never, 0); }
  static Ttl ms(int64_t milliseconds) { return Ttl(Kind::explicit_ms, milliseconds); }

  // Absolute expiry (unix ms) for an entry stored at `now_ms`.
  int64_t expires_at(int64_t now_ms, int64_t default_ms) const;

 private:
  enum class Kind { use_default, never, explicit_ms };
  Ttl(Kind kind, int64_t ms) : kind_(kind), ms_(ms) {}
  Kind kind_;
  int64_t ms_;
};

constexpr int64_t kNeverExpires = std::numeric_limits<int64_t>::max();

struct MemoryCacheOptions {
  size_t max_entries = 1000;
  size_t max_bytes = 8u << 20;
  size_t max_entry_bytes = 1u << 20;
  int64_t default_ttl_ms = 30000;
};

struct CacheEntry {
  std::string value;
  int64_t stored_at_ms = 0;
  int64_t expires_at_ms = kNeverExpires;
};

struct MemoryCacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t sets = 0;
  uint64_t deletes = 0;
  uint64_t evictions_capacity = 0;  // over max_entries
  uint64_t evictions_size = 0;      // over max_bytes
  uint64_t evictions_expired = 0;
  uint64_t rejected_too_large = 0;  // single value over max_entry_bytes
  size_t entries = 0;
  size_t bytes = 0;
  double hit_rate() const {
    uint64_t lookups = hits + misses;
    return lookups == 0 ? 0.0 : static_cast<double>(hits) / static_cast<double>(lookups);
  }
};

class MemoryCache {
 public:
  // Accounted per entry on top of key and value bytes (list node, map slot, metadata).
  static constexpr size_t kEntryOverheadBytes = 96;

  MemoryCache(const Clock& clock, MemoryCacheOptions options);

  // A fresh entry, or nothing (a miss). Expired entries are dropped on read.
  std::optional<CacheEntry> get(const std::string& key);
  // Stores a value; false when it is larger than max_entry_bytes (not cached).
  bool set(const std::string& key, std::string value, Ttl ttl = Ttl::default_ttl());
  // Same, with an absolute expiry (unix ms): keeps one expiry across tiers and answers.
  bool set_until(const std::string& key, std::string value, int64_t expires_at_ms);
  bool erase(const std::string& key);
  void clear();

  const MemoryCacheStats& stats() const { return stats_; }
  const MemoryCacheOptions& options() const { return options_; }
  void set_options(MemoryCacheOptions options);

  static size_t entry_bytes(const std::string& key, const std::string& value) {
    return key.size() + value.size() + kEntryOverheadBytes;
  }

 private:
  struct Node {
    std::string key;
    CacheEntry entry;
    size_t bytes;
  };
  using NodeList = std::list<Node>;

  void remove(NodeList::iterator it);
  void enforce_bounds();

  const Clock& clock_;
  MemoryCacheOptions options_;
  NodeList lru_;  // most recently used first
  std::unordered_map<std::string, NodeList::iterator> index_;
  MemoryCacheStats stats_;
};

}  // namespace ltl
