#pragma once
// The persistent tier seen from C++: an asynchronous key-value store with
// per-entry metadata. The WASM build implements it over JS adapters
// (IndexedDB, Workers Cache API, KV, Redis over HTTP); native tests use fakes.
// Integrity (checksum, format version, compression) is the adapter's job: a
// corrupted or wrong-version entry is deleted there and reported as a miss.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace ltl {

struct StoredEntry {
  std::string value;
  int64_t stored_at_ms = 0;
  int64_t fresh_until_ms = 0;  // end of the TTL
  int64_t expires_at_ms = 0;   // end of the longest stale window: the store may drop it after this
  std::vector<std::string> tags;
};

struct StoredKey {
  std::string key;
  std::vector<std::string> tags;
  int64_t expires_at_ms = 0;
};

struct PutOutcome {
  size_t raw_bytes = 0;     // value bytes before compression
  size_t stored_bytes = 0;  // bytes written (after compression, with metadata)
  // Raw value bytes minus the compressed payload when the adapter compressed, else 0: what
  // compression saved. Never negative (metadata is not compression's cost).
  size_t saved_bytes = 0;
};

class PersistentStore {
 public:
  virtual ~PersistentStore() = default;
  // "indexeddb", "cache-api", "kv", "redis", ...: used in metrics labels and health.
  virtual std::string name() const = 0;
  // Each call answers exactly once; a failure is an Error of category storage.
  virtual void get(const std::string& key, std::function<void(Result<std::optional<StoredEntry>>)> done) = 0;
  virtual void put(const std::string& key, const StoredEntry& entry, std::function<void(Result<PutOutcome>)> done) = 0;
  virtual void remove(const std::string& key, std::function<void(Result<bool>)> done) = 0;
  // Keys starting with `prefix` ("" = all), bounded by the adapter (it pages internally).
  virtual void list(const std::string& prefix, std::function<void(Result<std::vector<StoredKey>>)> done) = 0;
};

}  // namespace ltl
