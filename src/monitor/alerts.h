#pragma once
// Threshold alerts over the metrics registry and its history.
//
// A Threshold watches one statistic of a metric (optionally per label group, like
// PromQL's `by`) with web-vitals-style levels: `warning` and/or `critical`, crossed
// when the value is strictly beyond them in `direction`. Alerts:
//  - are raised at the level crossed and escalate to critical when it is crossed;
//  - step down (critical -> warning) or resolve only once the value is back past the
//    hysteresis band: `clear_at` when given (absolute, for the warning level; the same
//    width applies to critical), else `hysteresis` x the level (a fraction);
//  - are never raised again for the same threshold and group within `cooldown_ms` of
//    being resolved;
//  - need `min_samples` behind the statistic (observations for percentiles, the
//    denominator's increase for ratios, the counter's increase for rates), so an idle
//    system, where a ratio is undefined, raises nothing. `value` reads the current
//    gauge value and ignores window_ms and min_samples;
//  - resolve with resolution "no_data" when the statistic stayed undefined for a whole
//    window (an idle system should not keep an old alert open forever).
//
// PERFORMANCE_THRESHOLDS (the seed's key; its value there is `true`) accepts:
//   "" or "true"   the default thresholds below;
//   "false"        no thresholds (alerting off);
//   a JSON array   exactly these rules;
//   a JSON object  {"include_defaults": true, "rules": [...]}: the defaults (unless
//                  include_defaults is false), where a rule whose id is a default's
//                  changes only the keys it gives, {"id": "...", "disabled": true}
//                  removes one, and other rules are added.
// A rule: {"id": "upstream_latency_p95", "description": "upstream p95 latency",
//   "metric": "ltl_upstream_latency_ms", "labels": {"provider": "kraken"},
//   "group_by": ["provider"], "statistic": "value|rate_per_s|p50|p95|p99|ratio",
//   "denominator": {"metric": "...", "labels": {...}} (ratio only),
//   "direction": "above|below", "warning": 1000, "critical": 3000, "window_ms": 300000,
//   "min_samples": 20, "hysteresis": 0.1, "clear_at": 800, "cooldown_ms": 600000}.
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/result.h"
#include "monitor/history.h"
#include "monitor/metrics.h"
#include "monitor/window.h"

namespace ltl {

enum class Statistic { value, rate_per_s, p50, p95, p99, ratio };
enum class Direction { above, below };
enum class AlertLevel { warning, critical };
enum class AlertEventKind { raised, escalated, deescalated, resolved };

const char* to_string(Statistic statistic);
const char* to_string(Direction direction);
const char* to_string(AlertLevel level);
const char* to_string(AlertEventKind kind);

struct Threshold {
  std::string id;           // unique, [a-z0-9_]; names the alert
  std::string description;  // what is watched, for messages ("upstream p95 latency")
  MetricSelector metric;    // the gauge, counter or histogram; a ratio's numerator
  std::optional<MetricSelector> denominator;  // ratio only
  std::vector<std::string> group_by;          // one alert per distinct value combination
  Statistic statistic = Statistic::value;
  Direction direction = Direction::above;
  std::optional<double> warning;
  std::optional<double> critical;
  int64_t window_ms = 300000;
  double min_samples = 0;
  double hysteresis = 0.1;        // fraction of the level crossed
  std::optional<double> clear_at; // absolute level where a warning resolves (overrides hysteresis)
  int64_t cooldown_ms = 600000;
};

// "" when the threshold is usable, else what was expected.
std::string threshold_problem(const Threshold& threshold);

// Upstream p95 latency by provider (warn 1000 ms, crit 3000 ms), upstream and route error
// rates (5% / 20%), route p95 latency, cache hit rate by tier (below 50% / 20%, at least
// 50 lookups), an open breaker, and the WASM heap (64 MiB / 256 MiB).
std::vector<Threshold> default_thresholds();

// Parses the PERFORMANCE_THRESHOLDS value (format above). Errors are ErrorCategory::config
// and name the key, the offending entry and what was expected.
Result<std::vector<Threshold>> parse_performance_thresholds(const std::string& value);

struct Alert {
  uint64_t id = 0;  // unique per engine, in raise order
  std::string threshold_id;
  Labels group;
  AlertLevel level = AlertLevel::warning;
  AlertLevel peak_level = AlertLevel::warning;
  double value = 0;    // the statistic at the last evaluation that had enough samples
  double limit = 0;    // the level the alert is at (warning or critical value)
  double samples = 0;  // what min_samples was compared with
  int64_t raised_at_ms = 0;
  int64_t updated_at_ms = 0;
  std::optional<int64_t> resolved_at_ms;
  std::string resolution;  // "recovered" or "no_data" once resolved
  std::string message;
};
void to_json(nlohmann::json& out, const Alert& alert);

struct AlertEvent {
  AlertEventKind kind;
  Alert alert;  // the alert after the change
  int64_t at_ms;
};
void to_json(nlohmann::json& out, const AlertEvent& event);

// One group's statistic at one evaluation.
struct Measurement {
  Labels group;
  std::optional<double> value;  // nullopt: undefined (no data, or fewer than min_samples)
  double samples = 0;
  int64_t covered_ms = 0;       // the window actually covered
};

class AlertEngine {
 public:
  static constexpr size_t kMaxActive = 128;
  static constexpr size_t kMaxRecent = 64;
  static constexpr size_t kMaxGroupsPerThreshold = 64;
  static constexpr size_t kMaxListeners = 8;
  using Listener = std::function<void(const AlertEvent&)>;

  // Invalid or duplicate thresholds are left out and listed in rejected(). The metrics the
  // thresholds read are tracked in `history`, which must outlive the engine.
  AlertEngine(const MetricsRegistry& registry, MetricsHistory& history, std::vector<Threshold> thresholds);

  // False when kMaxListeners are already registered.
  bool add_listener(Listener listener);

  // Measures every threshold and updates alerts; returns the events, also sent to listeners.
  std::vector<AlertEvent> evaluate(int64_t now_ms);

  // A threshold's statistic per group at now_ms (what evaluate() compares).
  std::vector<Measurement> measure(const Threshold& threshold, int64_t now_ms) const;

  std::vector<Alert> active() const;               // oldest first
  const std::deque<Alert>& recent() const { return recent_; }  // resolved, newest first
  const std::vector<Threshold>& thresholds() const { return thresholds_; }
  const Threshold* find_threshold(const std::string& id) const;
  const std::vector<Error>& rejected() const { return rejected_; }
  uint64_t suppressed_by_cooldown() const { return suppressed_; }
  uint64_t dropped_alerts() const { return dropped_; }

  // {"active": [...], "recent": [...], "suppressed_by_cooldown": n, "dropped": n}
  nlohmann::json to_json() const;

 private:
  struct GroupState {
    std::optional<Alert> active;
    int64_t cooldown_until_ms = 0;
    bool cooling = false;
    int64_t last_defined_ms = 0;
  };
  void emit(std::vector<AlertEvent>& events, AlertEventKind kind, const Alert& alert, int64_t now_ms);
  void resolve(GroupState& state, const std::string& resolution, int64_t now_ms, const Threshold& threshold,
               std::vector<AlertEvent>& events);
  void update(size_t index, const Measurement& measurement, int64_t now_ms, std::vector<AlertEvent>& events);
  size_t active_count() const;

  const MetricsRegistry& registry_;
  const MetricsHistory& history_;
  std::vector<Threshold> thresholds_;
  std::vector<Error> rejected_;
  std::vector<Listener> listeners_;
  std::map<std::pair<size_t, Labels>, GroupState> states_;
  std::deque<Alert> recent_;
  uint64_t next_id_ = 1;
  uint64_t suppressed_ = 0;
  uint64_t dropped_ = 0;
};

}  // namespace ltl
