#pragma once
// A scripted PersistentStore for native tests: a map of entries, call counters,
// and switches to answer at once or later (held), or to fail every call.
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cache/persistent_store.h"

namespace ltl::testing {

class FakeStore final : public PersistentStore {
 public:
  explicit FakeStore(std::string name = "indexeddb") : name_(std::move(name)) {}

  std::string name() const override { return name_; }

  // Held calls run (against the map as it is then) only when released.
  void hold() { hold_ = true; }
  void answer_at_once() { hold_ = false; }
  size_t held() const { return held_.size(); }
  void release_next() {
    auto op = std::move(held_.front());
    held_.pop_front();
    op();
  }
  // Out of order, to stage races (e.g. a remove overtaking a put).
  void release_at(size_t index) {
    auto op = std::move(held_.at(index));
    held_.erase(held_.begin() + static_cast<std::ptrdiff_t>(index));
    op();
  }
  void release_all() {
    while (!held_.empty()) release_next();
  }

  // Every call fails with a storage error until cleared (e.g. IndexedDB blocked).
  void fail(std::string message = "IndexedDB unavailable") { failure_ = std::move(message); }
  void recover() { failure_.reset(); }

  // Bytes a put reports as written, from the raw size (compression in the adapter).
  std::function<size_t(size_t raw_bytes)> stored_bytes_for = [](size_t raw) { return raw; };

  void get(const std::string& key, std::function<void(Result<std::optional<StoredEntry>>)> done) override {
    ++gets;
    run([this, key, done = std::move(done)] {
      if (failure_) return done(storage_error("get"));
      auto found = entries.find(key);
      if (found == entries.end()) return done(std::optional<StoredEntry>());
      done(std::optional<StoredEntry>(found->second));
    });
  }

  void put(const std::string& key, const StoredEntry& entry, std::function<void(Result<PutOutcome>)> done) override {
    ++puts;
    run([this, key, entry, done = std::move(done)] {
      if (failure_) return done(storage_error("put"));
      entries[key] = entry;
      const size_t raw = entry.value.size();
      const size_t stored = stored_bytes_for(raw);
      // As the JS adapters: only a payload smaller than the value counts as saved.
      done(PutOutcome{raw, stored, stored < raw ? raw - stored : 0});
    });
  }

  void remove(const std::string& key, std::function<void(Result<bool>)> done) override {
    ++removes;
    run([this, key, done = std::move(done)] {
      if (failure_) return done(storage_error("remove"));
      done(entries.erase(key) > 0);
    });
  }

  void list(const std::string& prefix, std::function<void(Result<std::vector<StoredKey>>)> done) override {
    ++lists;
    listed_prefixes.push_back(prefix);
    run([this, prefix, done = std::move(done)] {
      if (failure_) return done(storage_error("list"));
      std::vector<StoredKey> keys;
      for (const auto& [key, entry] : entries) {
        if (key.compare(0, prefix.size(), prefix) == 0) keys.push_back(StoredKey{key, entry.tags, entry.expires_at_ms});
      }
      done(std::move(keys));
    });
  }

  std::map<std::string, StoredEntry> entries;
  int gets = 0;
  int puts = 0;
  int removes = 0;
  int lists = 0;
  std::vector<std::string> listed_prefixes;

 private:
  Error storage_error(const char* operation) const {
    return make_error(ErrorCategory::storage, "", std::string("store.") + operation, *failure_);
  }
  void run(std::function<void()> op) {
    if (hold_) {
      held_.push_back(std::move(op));
    } else {
      op();
    }
  }

  std::string name_;
  bool hold_ = false;
  std::optional<std::string> failure_;
  std::deque<std::function<void()>> held_;
};

}  // namespace ltl::testing
