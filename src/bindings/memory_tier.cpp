// A stand-alone memory tier (the C++ MemoryCache) for hosts that keep finished answers but do
// no upstream I/O of their own: the edge front worker. No scheduler, no store, no timers —
// expired entries are dropped on read and by capacity.
#include <emscripten/bind.h>
#include <emscripten/emscripten.h>

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

  // Keeps `value` until `retain_until_ms` (unix ms); false when too large to cache.
  bool set(const std::string& key, std::string value, double retain_until_ms) {
    return cache_.set_until(key, std::move(value), static_cast<int64_t>(retain_until_ms));
  }

  // The value without a copy (valid until the next call on this tier), or null.
  const std::string* view(const std::string& key) {
    const CacheEntry* entry = cache_.get_view(key);
    return entry ? &entry->value : nullptr;
  }

  double handle() const { return static_cast<double>(reinterpret_cast<uintptr_t>(this)); }

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

// The tier's hot calls as plain exports (web/hot-path.js), like the client's in bindings.cpp.
extern "C" {

uint32_t* ltl_out_slot();

EMSCRIPTEN_KEEPALIVE int ltl_tier_get(ltl::MemoryTier* tier, const char* key, size_t key_length) {
  const std::string* value = tier->view(std::string(key, key_length));
  if (!value) return 0;
  uint32_t* out = ltl_out_slot();
  out[0] = static_cast<uint32_t>(reinterpret_cast<uintptr_t>(value->data()));
  out[1] = static_cast<uint32_t>(value->size());
  return 1;
}

EMSCRIPTEN_KEEPALIVE int ltl_tier_set(ltl::MemoryTier* tier, const char* key, size_t key_length, const char* value,
                                      size_t value_length, double retain_until_ms) {
  return tier->set(std::string(key, key_length), std::string(value, value_length), retain_until_ms) ? 1 : 0;
}

}  // extern "C"

EMSCRIPTEN_BINDINGS(bitcoin_ltl_memory_tier) {
  emscripten::class_<ltl::MemoryTier>("MemoryTier")
      .constructor<double, double>()
      .function("handle", &ltl::MemoryTier::handle)
      .function("erase", &ltl::MemoryTier::erase)
      .function("clear", &ltl::MemoryTier::clear)
      .function("stats", &ltl::MemoryTier::stats);
}
