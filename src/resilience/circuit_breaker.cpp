#include "resilience/circuit_breaker.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

namespace ltl {
namespace {

constexpr int64_t kMaxDurationMs = 86400000;  // one day bounds windows and breaks

Error options_error(const std::string& field, const std::string& got, const std::string& expected) {
  return make_error(ErrorCategory::config, "", "breaker_options",
                    "breaker option " + field + ": got " + got + "; expected " + expected);
}

int64_t floor_div(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

}  // namespace

const char* to_string(BreakerState state) {
  switch (state) {
    case BreakerState::closed: return "closed";
    case BreakerState::open: return "open";
    case BreakerState::half_open: return "half_open";
  }
  return "closed";
}

BreakerOutcome breaker_outcome_for(ErrorCategory category) {
  switch (category) {
    case ErrorCategory::network:
    case ErrorCategory::timeout:
    case ErrorCategory::upstream_5xx:
    case ErrorCategory::parse:
    case ErrorCategory::rate_limited: return BreakerOutcome::failure;
    case ErrorCategory::upstream_4xx:
    case ErrorCategory::validation:
    case ErrorCategory::config:
    case ErrorCategory::storage:
    case ErrorCategory::circuit_open:
    case ErrorCategory::internal: return BreakerOutcome::ignored;
  }
  return BreakerOutcome::ignored;
}

std::optional<Error> BreakerOptions::validate() const {
  if (!(failure_rate_threshold > 0.0 && failure_rate_threshold <= 1.0))
    return options_error("failure_rate_threshold", std::to_string(failure_rate_threshold), "(0, 1]");
  if (window_buckets < 1 || window_buckets > kMaxBuckets)
    return options_error("window_buckets", std::to_string(window_buckets),
                         "1.." + std::to_string(kMaxBuckets));
  if (window_ms < window_buckets || window_ms > kMaxDurationMs)
    return options_error("window_ms", std::to_string(window_ms),
                         std::to_string(window_buckets) + ".." + std::to_string(kMaxDurationMs) +
                             " (at least 1 ms per bucket)");
  if (minimum_calls < 1)
    return options_error("minimum_calls", std::to_string(minimum_calls), ">= 1");
  if (consecutive_failures < 0)
    return options_error("consecutive_failures", std::to_string(consecutive_failures), ">= 0 (0 = off)");
  if (break_duration_ms < 1 || break_duration_ms > kMaxDurationMs)
    return options_error("break_duration_ms", std::to_string(break_duration_ms),
                         "1.." + std::to_string(kMaxDurationMs));
  if (!(break_growth_factor >= 1.0 && break_growth_factor <= 100.0))
    return options_error("break_growth_factor", std::to_string(break_growth_factor), "1..100");
  if (max_break_ms < break_duration_ms || max_break_ms > kMaxDurationMs)
    return options_error("max_break_ms", std::to_string(max_break_ms),
                         std::to_string(break_duration_ms) + ".." + std::to_string(kMaxDurationMs) +
                             " (at least break_duration_ms)");
  if (half_open_max_probes < 1 || half_open_max_probes > kMaxProbes)
    return options_error("half_open_max_probes", std::to_string(half_open_max_probes),
                         "1.." + std::to_string(kMaxProbes));
  return std::nullopt;
}

void to_json(nlohmann::json& out, const BreakerSnapshot& s) {
  out = nlohmann::json{{"state", to_string(s.state)},
                       {"calls_in_window", s.calls_in_window},
                       {"failures_in_window", s.failures_in_window},
                       {"failure_rate", s.failure_rate},
                       {"consecutive_failures", s.consecutive_failures},
                       {"transitions", s.transitions},
                       {"ms_until_half_open", s.ms_until_half_open},
                       {"probes_in_flight", s.probes_in_flight},
                       {"current_break_ms", s.current_break_ms},
                       {"rejected", s.rejected}};
}

CircuitBreaker::CircuitBreaker(std::string provider, const Clock& clock, BreakerOptions options,
                               BreakerListener listener)
    : provider_(std::move(provider)), clock_(clock), options_(options), listener_(std::move(listener)) {
  sanitize(options_);
  current_break_ms_ = options_.break_duration_ms;
  reset_window();
}

void CircuitBreaker::sanitize(BreakerOptions& o) const {
  if (!(o.failure_rate_threshold > 0.0)) o.failure_rate_threshold = 0.5;
  o.failure_rate_threshold = std::min(o.failure_rate_threshold, 1.0);
  o.window_buckets = std::clamp(o.window_buckets, 1, BreakerOptions::kMaxBuckets);
  o.window_ms = std::clamp<int64_t>(o.window_ms, o.window_buckets, kMaxDurationMs);
  o.minimum_calls = std::max(o.minimum_calls, 1);
  o.consecutive_failures = std::max(o.consecutive_failures, 0);
  o.break_duration_ms = std::clamp<int64_t>(o.break_duration_ms, 1, kMaxDurationMs);
  if (!(o.break_growth_factor >= 1.0)) o.break_growth_factor = 1.0;
  o.break_growth_factor = std::min(o.break_growth_factor, 100.0);
  o.max_break_ms = std::clamp<int64_t>(o.max_break_ms, o.break_duration_ms, kMaxDurationMs);
  o.half_open_max_probes = std::clamp(o.half_open_max_probes, 1, BreakerOptions::kMaxProbes);
}

std::optional<Error> CircuitBreaker::reconfigure(const BreakerOptions& options) {
  if (auto error = options.validate()) return error;
  const bool window_changed =
      options.window_ms != options_.window_ms || options.window_buckets != options_.window_buckets;
  options_ = options;
  if (window_changed) reset_window();
  if (state_ == BreakerState::closed)
    current_break_ms_ = options_.break_duration_ms;
  else
    current_break_ms_ = std::clamp(current_break_ms_, options_.break_duration_ms, options_.max_break_ms);
  return std::nullopt;
}

void CircuitBreaker::reset_window() {
  bucket_ms_ = std::max<int64_t>(1, options_.window_ms / options_.window_buckets);
  buckets_.assign(static_cast<size_t>(options_.window_buckets), Bucket{});
}

void CircuitBreaker::record(bool failure, int64_t now_ms) {
  const int64_t index = floor_div(now_ms, bucket_ms_);
  const int64_t slots = static_cast<int64_t>(buckets_.size());
  Bucket& bucket = buckets_[static_cast<size_t>(((index % slots) + slots) % slots)];
  if (bucket.index != index) bucket = Bucket{index, 0, 0};  // the slot held an expired slice
  if (failure)
    ++bucket.failures;
  else
    ++bucket.successes;
}

CircuitBreaker::WindowCounts CircuitBreaker::window_counts(int64_t now_ms) const {
  const int64_t current = floor_div(now_ms, bucket_ms_);
  const int64_t oldest = current - static_cast<int64_t>(buckets_.size()) + 1;
  WindowCounts counts;
  for (const Bucket& bucket : buckets_) {
    if (bucket.index < oldest || bucket.index > current) continue;
    counts.calls += bucket.successes + bucket.failures;
    counts.failures += bucket.failures;
  }
  return counts;
}

void CircuitBreaker::transition(BreakerState to, const std::string& reason, int64_t now_ms) {
  const BreakerState from = state_;
  state_ = to;
  ++generation_;
  ++transitions_;
  probes_in_flight_.clear();
  probe_successes_ = 0;
  if (to == BreakerState::open) {
    open_until_ms_ = now_ms + current_break_ms_;
  } else if (to == BreakerState::closed) {
    // A fresh start: old failures must not re-trip the breaker the moment it closes.
    reset_window();
    consecutive_failures_ = 0;
    current_break_ms_ = options_.break_duration_ms;
  }
  if (listener_) listener_(BreakerTransition{provider_, from, to, reason, now_ms});
}

void CircuitBreaker::advance_if_break_elapsed(int64_t now_ms) {
  if (state_ == BreakerState::open && now_ms >= open_until_ms_)
    transition(BreakerState::half_open, "break_elapsed", now_ms);
}

bool CircuitBreaker::is_current(const BreakerPermit& permit) const {
  return permit.admitted && permit.generation == generation_;
}

bool CircuitBreaker::release_probe(uint64_t probe_id) {
  auto it = std::find(probes_in_flight_.begin(), probes_in_flight_.end(), probe_id);
  if (probe_id == 0 || it == probes_in_flight_.end()) return false;  // stale or reported twice
  probes_in_flight_.erase(it);
  return true;
}

BreakerPermit CircuitBreaker::try_acquire() {
  const int64_t now = clock_.now_ms();
  advance_if_break_elapsed(now);
  BreakerPermit permit;
  permit.state = state_;
  permit.generation = generation_;
  switch (state_) {
    case BreakerState::closed:
      permit.admitted = true;
      break;
    case BreakerState::open:
      permit.retry_after_ms = std::max<int64_t>(0, open_until_ms_ - now);
      break;
    case BreakerState::half_open:
      if (static_cast<int>(probes_in_flight_.size()) < options_.half_open_max_probes) {
        permit.admitted = true;
        permit.probe_id = ++last_probe_id_;
        probes_in_flight_.push_back(permit.probe_id);
      }
      break;
  }
  if (!permit.admitted) ++rejected_;
  return permit;
}

void CircuitBreaker::on_success(const BreakerPermit& permit) {
  if (!is_current(permit)) return;
  const int64_t now = clock_.now_ms();
  if (state_ == BreakerState::closed) {
    consecutive_failures_ = 0;
    record(false, now);
  } else if (state_ == BreakerState::half_open && release_probe(permit.probe_id)) {
    if (++probe_successes_ >= options_.half_open_max_probes)
      transition(BreakerState::closed, "probes_succeeded", now);
  }
}

void CircuitBreaker::on_failure(const BreakerPermit& permit) {
  if (!is_current(permit)) return;
  const int64_t now = clock_.now_ms();
  if (state_ == BreakerState::closed) {
    ++consecutive_failures_;
    record(true, now);
    if (options_.consecutive_failures > 0 && consecutive_failures_ >= options_.consecutive_failures) {
      transition(BreakerState::open, "consecutive_failures", now);
      return;
    }
    const WindowCounts counts = window_counts(now);
    if (counts.calls >= options_.minimum_calls &&
        static_cast<double>(counts.failures) >= options_.failure_rate_threshold * counts.calls)
      transition(BreakerState::open, "failure_rate", now);
  } else if (state_ == BreakerState::half_open && release_probe(permit.probe_id)) {
    // Still sick: stay away longer each time, up to the cap.
    const double grown = static_cast<double>(current_break_ms_) * options_.break_growth_factor;
    current_break_ms_ = static_cast<int64_t>(
        std::min(static_cast<double>(options_.max_break_ms), std::floor(grown)));
    transition(BreakerState::open, "probe_failed", now);
  }
}

void CircuitBreaker::on_ignored(const BreakerPermit& permit) {
  if (!is_current(permit)) return;
  if (state_ == BreakerState::half_open) release_probe(permit.probe_id);
}

void CircuitBreaker::on_outcome(const BreakerPermit& permit, BreakerOutcome outcome) {
  switch (outcome) {
    case BreakerOutcome::success: on_success(permit); return;
    case BreakerOutcome::failure: on_failure(permit); return;
    case BreakerOutcome::ignored: on_ignored(permit); return;
  }
}

BreakerState CircuitBreaker::state() {
  advance_if_break_elapsed(clock_.now_ms());
  return state_;
}

BreakerSnapshot CircuitBreaker::snapshot() {
  const int64_t now = clock_.now_ms();
  advance_if_break_elapsed(now);
  BreakerSnapshot s;
  s.state = state_;
  const WindowCounts counts = window_counts(now);
  s.calls_in_window = counts.calls;
  s.failures_in_window = counts.failures;
  s.failure_rate = counts.calls > 0 ? static_cast<double>(counts.failures) / counts.calls : 0.0;
  s.consecutive_failures = consecutive_failures_;
  s.transitions = transitions_;
  s.ms_until_half_open = state_ == BreakerState::open ? std::max<int64_t>(0, open_until_ms_ - now) : 0;
  s.probes_in_flight = static_cast<int>(probes_in_flight_.size());
  s.current_break_ms = current_break_ms_;
  s.rejected = rejected_;
  return s;
}

}  // namespace ltl
