#pragma once
// The memory tier: exact-key lookups, O(1) LRU, bounded by entry count and by
// bytes, per-entry TTL on an injected clock, stale retention for
// stale-while-revalidate / stale-if-error, tags, a bounded sweep, exact stats.
#include <cstdint>
#include <functional>
#include <limits>
#include <list>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace ltl {

// How long an entry lives. `ms(0)` means "already expired", never "default".
class Ttl {
 public:
  static Ttl default_ttl() { return Ttl(Kind::use_default, 0); }
  static Ttl no_expiry() { return Ttl(Kind::never, 0); }
  static Ttl ms(int64_t milliseconds) { return Ttl(Kind::explicit_ms, milliseconds); }

  // Absolute expiry (unix ms) for an entry stored at `now_ms`.
  int64_t expires_at(int64_t now_ms, int64_t default_ms) const;

  bool is_default() const { return kind_ == Kind::use_default; }
  bool is_no_expiry() const { return kind_ == Kind::never; }

 private:
  enum class Kind { use_default, never, explicit_ms };
  Ttl(Kind kind, int64_t ms) : kind_(kind), ms_(ms) {}
  Kind kind_;
  int64_t ms_;
};

constexpr int64_t kNeverExpires = std::numeric_limits<int64_t>::max();

// a + b for times, saturating at kNeverExpires (a "never" stays "never").
int64_t saturating_add_ms(int64_t a, int64_t b);

struct MemoryCacheOptions {
  size_t max_entries = 1000;
  size_t max_bytes = 8u << 20;
  size_t max_entry_bytes = 1u << 20;
  int64_t default_ttl_ms = 30000;
};

struct CacheEntry {
  std::string value;
  int64_t stored_at_ms = 0;                 // when the value was produced (ages count from here)
  int64_t expires_at_ms = kNeverExpires;    // end of freshness (the TTL)
  int64_t retain_until_ms = kNeverExpires;  // end of the longest stale window, >= expires_at_ms
  std::vector<std::string> tags;
  // Expired by a soft invalidation: never answered by get()/get_stale() (not even within
  // stale-while-revalidate), only visible to peek() as a stale-if-error fallback.
  bool invalidated = false;
  // Filled on reads:
  bool stale = false;  // now >= expires_at_ms
  int64_t age_ms = 0;  // now - stored_at_ms, never negative
};

// Absolute times of one write; keeps one expiry across tiers (a backfill keeps the
// remaining TTL instead of restarting it).
struct EntryTimes {
  int64_t stored_at_ms = 0;
  int64_t fresh_until_ms = kNeverExpires;
  int64_t retain_until_ms = kNeverExpires;  // raised to fresh_until_ms when lower
};

// What a soft invalidation (expire*) did to the matching entries.
struct ExpireCounts {
  size_t expired = 0;  // freshness ended now, retained for stale-if-error
  size_t removed = 0;  // had no stale window (retention = freshness): nothing to keep
};

struct MemoryCacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t stale_hits = 0;  // stale entries served because the caller allowed it
  uint64_t sets = 0;        // successful writes, overwrites included
  uint64_t overwrites = 0;  // writes that replaced an existing key
  uint64_t deletes = 0;     // explicit erase()/clear() removals
  uint64_t evictions_capacity = 0;     // over max_entries
  uint64_t evictions_size = 0;         // over max_bytes
  uint64_t evictions_expired = 0;      // past retention, on read or by sweep
  uint64_t evictions_invalidated = 0;  // invalidate()/erase_if()/erase_tagged(), expire*() without a stale window
  uint64_t expired_invalidated = 0;    // expire*(): freshness ended, kept for stale-if-error
  uint64_t rejected_too_large = 0;     // single value over max_entry_bytes
  size_t entries = 0;
  size_t bytes = 0;
  // Share of lookups answered from the cache (fresh or allowed stale).
  double hit_rate() const {
    uint64_t served = hits + stale_hits;
    uint64_t lookups = served + misses;
    return lookups == 0 ? 0.0 : static_cast<double>(served) / static_cast<double>(lookups);
  }
};

class MemoryCache {
 public:
  // Accounted per entry on top of key, value and tag bytes (list node, map slot, metadata).
  static constexpr size_t kEntryOverheadBytes = 96;
  static constexpr size_t kMaxTagsPerEntry = 16;
  static constexpr size_t kMaxTagBytes = 128;

  MemoryCache(const Clock& clock, MemoryCacheOptions options);

  // A fresh entry, or nothing (a miss). Entries past retention are dropped on read;
  // stale ones still retained are kept (for stale reads) but count as a miss here.
  std::optional<CacheEntry> get(const std::string& key);
  // A fresh entry, or a stale one flagged `stale` while now < expires_at + max_stale_ms
  // (and still retained): counted as a stale hit. Anything else is a miss.
  std::optional<CacheEntry> get_stale(const std::string& key, int64_t max_stale_ms);
  // Like get() without a copy: the stored entry (its read-filled fields unset), valid until the
  // next call that changes this cache. The host's synchronous hot path reads values through it.
  const CacheEntry* get_view(const std::string& key);
  // The retained entry (fresh or stale) without touching stats or LRU order.
  // A fresh entry exists: no hit/miss counted, no LRU change, no copy. An entry past its
  // retention is dropped, as a read would.
  bool contains_fresh(const std::string& key);
  std::optional<CacheEntry> peek(const std::string& key) const;

  // Stores a value; false when it is larger than max_entry_bytes (not cached).
  bool set(const std::string& key, std::string value, Ttl ttl = Ttl::default_ttl());
  // Same, with an absolute expiry (unix ms): keeps one expiry across tiers and answers.
  bool set_until(const std::string& key, std::string value, int64_t expires_at_ms);
  // Full write: explicit stored/fresh/retain times and tags. Error (validation) for bad
  // tags; false when too large (not cached, counted).
  Result<bool> set_entry(const std::string& key, std::string value, EntryTimes times,
                         std::vector<std::string> tags = {});

  // Explicit removal (e.g. a value the caller's decoder rejected): counted as a delete.
  bool erase(const std::string& key);
  // Removal by invalidation: counted under evictions_invalidated.
  bool invalidate(const std::string& key);
  size_t erase_if(const std::function<bool(const std::string& key)>& matches);
  size_t erase_tagged(const std::string& tag);
  // Soft invalidation: a matching entry's freshness ends now and it is kept, unchanged in
  // bytes, LRU order and retention, only as a stale-if-error fallback (see
  // CacheEntry::invalidated). An entry retained no longer than it was fresh is removed.
  // An entry already expired by invalidation is left alone and not counted again.
  ExpireCounts expire(const std::string& key);
  ExpireCounts expire_if(const std::function<bool(const std::string& key)>& matches);
  ExpireCounts expire_tagged(const std::string& tag);
  void clear();

  // Drops entries past retention, checking at most `max_entries_to_check` of the
  // earliest-expiring ones; returns how many were dropped.
  size_t sweep(size_t max_entries_to_check);

  const MemoryCacheStats& stats() const { return stats_; }
  const MemoryCacheOptions& options() const { return options_; }
  void set_options(MemoryCacheOptions options);

  static std::optional<Error> validate_tags(const std::vector<std::string>& tags);

  static size_t entry_bytes(const std::string& key, const std::string& value) {
    return key.size() + value.size() + kEntryOverheadBytes;
  }
  static size_t entry_bytes(const std::string& key, const std::string& value,
                            const std::vector<std::string>& tags);

 private:
  using ExpiryIndex = std::multimap<int64_t, std::string>;  // retain_until_ms -> key
  struct Node {
    std::string key;
    CacheEntry entry;
    size_t bytes;
    ExpiryIndex::iterator expiry_pos;  // expiry_.end() when retained forever
  };
  using NodeList = std::list<Node>;
  enum class Reason { deleted, capacity, size, expired, invalidated };

  void remove(NodeList::iterator it, Reason reason);
  // The entry a read may serve (counted, moved to the front), or lru_.end() (a miss, counted).
  NodeList::iterator find_servable(const std::string& key, int64_t max_stale_ms);
  void expire_node(NodeList::iterator it, ExpireCounts& counts);
  void enforce_bounds();
  CacheEntry read(const Node& node) const;

  const Clock& clock_;
  MemoryCacheOptions options_;
  NodeList lru_;  // most recently used first
  std::unordered_map<std::string, NodeList::iterator> index_;
  ExpiryIndex expiry_;  // finite retentions only, earliest first, for the sweep
  MemoryCacheStats stats_;
};

}  // namespace ltl
