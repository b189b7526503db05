#pragma once
// Timers come from here, never from the platform directly, so retries, breaker
// windows, health intervals and refreshes run step by step on a manual clock in tests.
#include <cstdint>
#include <functional>
#include <map>
#include <utility>

#include "core/clock.h"

namespace ltl {

using TimerId = uint64_t;

class Scheduler {
 public:
  virtual ~Scheduler() = default;
  // Runs `fn` once, `delay_ms` (>= 0) from now, never synchronously inside schedule().
  virtual TimerId schedule(int64_t delay_ms, std::function<void()> fn) = 0;
  // Cancelling an unknown or already-run timer is a no-op.
  virtual void cancel(TimerId id) = 0;
};

// A scheduler for tests: time moves only through advance(), which runs due timers in
// deadline order (ties in scheduling order), including timers they schedule themselves.
class ManualScheduler final : public Scheduler {
 public:
  explicit ManualScheduler(ManualClock& clock) : clock_(clock) {}

  TimerId schedule(int64_t delay_ms, std::function<void()> fn) override {
    const TimerId id = ++last_id_;
    timers_.emplace(std::make_pair(clock_.now_ms() + (delay_ms > 0 ? delay_ms : 0), id), std::move(fn));
    return id;
  }

  void cancel(TimerId id) override {
    for (auto it = timers_.begin(); it != timers_.end(); ++it) {
      if (it->first.second == id) {
        timers_.erase(it);
        return;
      }
    }
  }

  // Moves the clock forward by `ms`, firing every timer that falls due on the way.
  void advance(int64_t ms) {
    const int64_t target = clock_.now_ms() + ms;
    while (!timers_.empty() && timers_.begin()->first.first <= target) {
      auto due = timers_.begin();
      clock_.advance(due->first.first - clock_.now_ms());
      auto fn = std::move(due->second);
      timers_.erase(due);
      fn();
    }
    clock_.advance(target - clock_.now_ms());
  }

  // Runs timers that are already due (delay 0) without moving the clock.
  void run_due() { advance(0); }

  size_t pending() const { return timers_.size(); }

 private:
  ManualClock& clock_;
  TimerId last_id_ = 0;
  std::map<std::pair<int64_t, TimerId>, std::function<void()>> timers_;
};

}  // namespace ltl
