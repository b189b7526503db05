#pragma once
#include <cstdint>

namespace ltl {

// Time comes from here, never from the system directly, so every policy
// (TTL, ages, latencies) runs on a fake clock in tests.
class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time, unix milliseconds.
  virtual int64_t now_ms() const = 0;
  // Monotonic time in milliseconds (fractional), for measuring durations.
  virtual double monotonic_ms() const = 0;
};

// A clock that moves only when told to.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_ms = 1767225600000) : now_ms_(start_ms) {}
  int64_t now_ms() const override { return now_ms_; }
  double monotonic_ms() const override { return monotonic_ms_; }
  void advance(int64_t ms) {
    now_ms_ += ms;
    monotonic_ms_ += static_cast<double>(ms);
  }

 private:
  int64_t now_ms_;
  double monotonic_ms_ = 0;
};

}  // namespace ltl
