// A stand-alone memory tier (the C++ MemoryCache) for hosts that keep finished answers but do
// no upstream I/O of their own: the edge front worker. No scheduler, no store, no timers —
// expired entries are dropped on read and by capacity.
#include <emscripten/bind.h>

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "bindings/platform.h"
#include "cache/memory_cache.h"

namespace ltl {
namespace {

class MemoryTier {
 public:
  MemoryTier(double max_entries, double max_bytes)
      : clock_(emscripten::val::undefined()), cache_(clock_, options(max_entries, max_bytes)) {}

  // The value until its retention time (the caller keeps its own freshness times inside it).
  emscripten::val get(const std::string& key) {
    auto entry = cache_.get(key);
    return entry ? emscripten::val(entry->value) : emscripten::val::undefined();
  }

  // Keeps `value` until `retain_until_ms` (unix ms); false when too large to cache.
  bool set(const std::string& key, const std::string& value, double retain_until_ms) {
    const auto until = static_cast<int64_t>(retain_until_ms);
    return cache_.set_until(key, value, until);
  }

  bool erase(const std::string& key) { return cache_.erase(key); }

  void clear() { cache_.clear(); }

  std::string stats() const {
    const MemoryCacheStats s = cache_.stats();
    return nlohmann::json{{"entries", s.entries},
                          {"bytes", s.bytes},
                          {"hits", s.hits + s.stale_hits},
                          {"misses", s.misses},
                          {"sets", s.sets},
                          {"evictions", s.evictions_capacity + s.evictions_size + s.evictions_expired}}
        .dump();
  }

 private:
  static MemoryCacheOptions options(double max_entries, double max_bytes) {
    MemoryCacheOptions out;
    if (max_entries >= 1) out.max_entries = static_cast<size_t>(max_entries);
    if (max_bytes >= 1024) out.max_bytes = static_cast<size_t>(max_bytes);
    out.max_entry_bytes = out.max_bytes / 4;
    return out;
  }

  HostClock clock_;
  MemoryCache cache_;
};

}  // namespace
}  // namespace ltl

EMSCRIPTEN_BINDINGS(bitcoin_ltl_memory_tier) {
  emscripten::class_<ltl::MemoryTier>("MemoryTier")
      .constructor<double, double>()
      .function("get", &ltl::MemoryTier::get)
      .function("set", &ltl::MemoryTier::set)
      .function("erase", &ltl::MemoryTier::erase)
      .function("clear", &ltl::MemoryTier::clear)
      .function("stats", &ltl::MemoryTier::stats);
}
