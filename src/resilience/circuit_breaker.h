#pragma once
// Per-provider circuit breaker over a sliding time window.
//
//   closed --(failure rate >= threshold with >= minimum_calls in the window,
//             or consecutive_failures in a row)--> open
//   open --(break duration elapsed; checked lazily on try_acquire/state/snapshot)--> half_open
//   half_open --(half_open_max_probes probes succeeded)--> closed   (window and break reset)
//   half_open --(any probe failed)--> open  (break duration grows by break_growth_factor,
//                                            up to max_break_ms)
//
// Every transition bumps a generation number; outcomes reported with a permit from an
// older generation are dropped so a slow call cannot corrupt the counts of a later state.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/clock.h"
#include "core/error.h"

namespace ltl {

enum class BreakerState { closed, open, half_open };
const char* to_string(BreakerState state);

// How an outcome counts for provider health.
enum class BreakerOutcome { success, failure, ignored };

// The one place that decides which errors say the provider is unhealthy.
//   failure: network, timeout, upstream_5xx, parse (the provider returned garbage), and
//            rate_limited — a 429 means the provider is refusing us; opening the breaker
//            backs off the whole provider for the break duration, which is what the
//            provider asked for, and callers fall back to cached data meanwhile.
//   ignored: upstream_4xx other than 429, validation, config, storage, internal,
//            circuit_open — our own request or setup was wrong, not the provider.
BreakerOutcome breaker_outcome_for(ErrorCategory category);

struct BreakerOptions {
  static constexpr int kMaxBuckets = 60;
  static constexpr int kMaxProbes = 100;

  double failure_rate_threshold = 0.5;  // (0, 1]: failures / calls in the window that trips
  int64_t window_ms = 30000;            // sliding window length
  int window_buckets = 10;              // 1..kMaxBuckets; bucket = window_ms / window_buckets
  int minimum_calls = 10;               // calls in the window before the rate is considered
  int consecutive_failures = 0;         // trips after this many failures in a row; 0 = off
  int64_t break_duration_ms = 30000;    // first open period
  double break_growth_factor = 1.0;     // >= 1; each re-open from half_open multiplies the break
  int64_t max_break_ms = 300000;        // cap for the grown break
  int half_open_max_probes = 1;         // concurrent probes in half_open, and successes to close

  // config error naming the bad field and the expected range; nullopt when valid.
  std::optional<Error> validate() const;
};

struct BreakerTransition {
  std::string provider;
  BreakerState from = BreakerState::closed;
  BreakerState to = BreakerState::closed;
  std::string reason;  // failure_rate, consecutive_failures, break_elapsed, probes_succeeded, probe_failed
  int64_t at_ms = 0;   // unix ms
};
using BreakerListener = std::function<void(const BreakerTransition&)>;

struct BreakerPermit {
  bool admitted = false;
  BreakerState state = BreakerState::closed;  // state when acquired or rejected
  uint64_t generation = 0;
  uint64_t probe_id = 0;       // non-zero for a half-open probe
  int64_t retry_after_ms = 0;  // rejected: ms until half_open (0 when half_open probes are busy)
};

struct BreakerSnapshot {
  BreakerState state = BreakerState::closed;
  int calls_in_window = 0;
  int failures_in_window = 0;
  double failure_rate = 0;  // failures / calls in the window, 0 when no calls
  int consecutive_failures = 0;
  uint64_t transitions = 0;
  int64_t ms_until_half_open = 0;  // 0 unless open
  int probes_in_flight = 0;
  int64_t current_break_ms = 0;    // the break the next open period will use / is using
  uint64_t rejected = 0;           // try_acquire calls turned away
};
void to_json(nlohmann::json& out, const BreakerSnapshot& snapshot);

class CircuitBreaker {
 public:
  // Options should have passed validate(); out-of-range values are clamped into range.
  CircuitBreaker(std::string provider, const Clock& clock, BreakerOptions options,
                 BreakerListener listener = {});

  // New options keep the state. A changed window shape (window_ms or window_buckets)
  // restarts the window counts; an open period already running keeps its end time.
  std::optional<Error> reconfigure(const BreakerOptions& options);
  void set_listener(BreakerListener listener) { listener_ = std::move(listener); }

  // Admitted in closed; rejected in open (with ms until half_open); in half_open at most
  // half_open_max_probes concurrent probes are admitted and the rest rejected, so
  // concurrent callers share the probes instead of all hitting a sick provider.
  BreakerPermit try_acquire();
  void on_success(const BreakerPermit& permit);
  void on_failure(const BreakerPermit& permit);
  // An outcome that says nothing about provider health: frees a probe slot, counts nothing.
  void on_ignored(const BreakerPermit& permit);
  void on_outcome(const BreakerPermit& permit, BreakerOutcome outcome);

  BreakerState state();
  BreakerSnapshot snapshot();
  const BreakerOptions& options() const { return options_; }
  const std::string& provider() const { return provider_; }

 private:
  struct Bucket {
    int64_t index = -1;  // which bucket-length slice of time this slot holds; -1 = empty
    int successes = 0;
    int failures = 0;
  };
  struct WindowCounts {
    int calls = 0;
    int failures = 0;
  };

  void sanitize(BreakerOptions& options) const;
  void reset_window();
  void record(bool failure, int64_t now_ms);
  WindowCounts window_counts(int64_t now_ms) const;
  void advance_if_break_elapsed(int64_t now_ms);
  void transition(BreakerState to, const std::string& reason, int64_t now_ms);
  bool is_current(const BreakerPermit& permit) const;
  bool release_probe(uint64_t probe_id);

  std::string provider_;
  const Clock& clock_;
  BreakerOptions options_;
  BreakerListener listener_;

  BreakerState state_ = BreakerState::closed;
  uint64_t generation_ = 1;
  uint64_t transitions_ = 0;
  uint64_t rejected_ = 0;
  int consecutive_failures_ = 0;
  int64_t open_until_ms_ = 0;
  int64_t current_break_ms_ = 0;
  int64_t bucket_ms_ = 1;
  std::vector<Bucket> buckets_;             // fixed size: window_buckets
  std::vector<uint64_t> probes_in_flight_;  // at most half_open_max_probes
  uint64_t last_probe_id_ = 0;
  int probe_successes_ = 0;
};

}  // namespace ltl
