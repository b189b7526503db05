#pragma once
// The WASM implementations of the core's seams: clock, scheduler and the
// persistent store bridge to the JS adapters (web/storage/).
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>

#include <emscripten/val.h>

#include "cache/persistent_store.h"
#include "core/clock.h"
#include "core/scheduler.h"
#include "resilience/admission_gate.h"

namespace ltl {

// Wall time from the host, or from a JS function the caller injects (tests and
// simulations move it by hand). Durations always use the real monotonic clock,
// because the transport's timeouts are real.
class HostClock final : public Clock {
 public:
  explicit HostClock(emscripten::val now_fn);
  int64_t now_ms() const override;
  double monotonic_ms() const override;

 private:
  emscripten::val now_fn_;
  bool injected_;
};

// Timers on the JS event loop (setTimeout).
class HostScheduler final : public Scheduler {
 public:
  ~HostScheduler() override;
  TimerId schedule(int64_t delay_ms, std::function<void()> fn) override;
  void cancel(TimerId id) override;
  size_t pending() const { return timers_.size(); }

 private:
  // What setTimeout carries back; owned by the timer entry, freed when it fires or is cancelled.
  struct Token {
    HostScheduler* scheduler;
    TimerId id;
  };
  struct Timer {
    long handle;
    Token* token;
    std::function<void()> fn;
  };
  static void fire(void* token);
  void release(std::unordered_map<TimerId, Timer>::iterator it);
  TimerId last_id_ = 0;
  std::unordered_map<TimerId, Timer> timers_;
};

// PersistentStore over a JS host object: each call carries a request id, the JS side
// runs the adapter's promise and answers through JsPersistentStore::complete().
class JsPersistentStore final : public PersistentStore {
 public:
  static constexpr size_t kMaxPending = 4096;

  JsPersistentStore(emscripten::val host, std::string name) : host_(std::move(host)), name_(std::move(name)) {}
  std::string name() const override { return name_; }
  void get(const std::string& key, std::function<void(Result<std::optional<StoredEntry>>)> done) override;
  void put(const std::string& key, const StoredEntry& entry, std::function<void(Result<PutOutcome>)> done) override;
  void remove(const std::string& key, std::function<void(Result<bool>)> done) override;
  void list(const std::string& prefix, std::function<void(Result<std::vector<StoredKey>>)> done) override;

  // Called from JS with the outcome of request `id`: an error JSON or a result JSON.
  void complete(uint64_t id, const std::string& error_json, const std::string& result_json);
  size_t pending() const { return pending_.size(); }

 private:
  using Completion = std::function<void(const std::string& error_json, const std::string& result_json)>;
  // Starts host[method](id, args...) unless too many calls are in flight.
  template <class... Args>
  bool start(const char* method, Completion completion, Args&&... args);

  emscripten::val host_;
  std::string name_;
  uint64_t last_id_ = 0;
  std::unordered_map<uint64_t, Completion> pending_;
};

// AdmissionGate over a JS host object (web/index.js gateBridge): admit(id, budget,
// ratePerMin, burst) runs the host's gate and answers through complete(); pause(budget, ms)
// is fire-and-forget. The JS side always answers (its own timeout allows), so the pending
// map drains; if it is full anyway, the attempt is denied rather than left waiting.
class JsAdmissionGate final : public AdmissionGate {
 public:
  static constexpr size_t kMaxPending = 1024;

  explicit JsAdmissionGate(emscripten::val host) : host_(std::move(host)) {}
  void admit(const std::string& budget, double rate_per_min, double burst,
             std::function<void(Admission)> done) override;
  void pause(const std::string& budget, int64_t retry_after_ms) override;

  // Called from JS with the gate's answer to request `id`; unknown ids are ignored.
  void complete(uint64_t id, bool allowed, double retry_after_ms, const std::string& reason);
  size_t pending() const { return pending_.size(); }

 private:
  emscripten::val host_;
  uint64_t last_id_ = 0;
  std::unordered_map<uint64_t, std::function<void(Admission)>> pending_;
};

}  // namespace ltl
