#pragma once
// TieredCache's private state shared by its units (tiered_cache*.cpp): the in-flight fetch,
// the warming run and the bounded removal run. Not part of the public API.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cache/tiered_cache.h"

namespace ltl {

namespace tiered_cache_detail {
// Keys can hold any bytes; errors echo a printable, bounded excerpt (the JSON encoder
// rejects invalid UTF-8).
std::string printable(const std::string& text);
}  // namespace tiered_cache_detail

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

}  // namespace ltl
