#include "monitor/alerts.h"

// The alert engine: measures each threshold's statistic per label group and raises, escalates,
// de-escalates and resolves alerts. Rules are parsed and validated in alert_rules.cpp.

#include <algorithm>
#include <cmath>
#include <set>

#include <nlohmann/json.hpp>

namespace ltl {
namespace {

using nlohmann::json;

bool beyond(double value, double level, Direction direction) {
  return direction == Direction::above ? value > level : value < level;
}

std::string unit_suffix(const Threshold& threshold) {
  const std::string& name = threshold.metric.metric;
  auto ends = [&](const char* suffix) {
    std::string s = suffix;
    return name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
  };
  if (threshold.statistic == Statistic::ratio) return "%";
  if (threshold.statistic == Statistic::rate_per_s) return "/s";
  if (ends("_ms")) return " ms";
  if (ends("_bytes")) return " bytes";
  return "";
}

std::string describe_value(const Threshold& threshold, double value) {
  double shown_value = threshold.statistic == Statistic::ratio ? value * 100 : value;
  return format_number(shown_value) + unit_suffix(threshold);
}

std::string subject(const Threshold& threshold, const Labels& group) {
  std::string what = threshold.description.empty()
                         ? threshold.metric.metric + " " + to_string(threshold.statistic)
                         : threshold.description;
  return group.empty() ? what : what + " for " + format_group(group);
}

}  // namespace

void to_json(json& out, const Alert& alert) {
  json labels = json::object();
  for (const auto& [name, value] : alert.group) labels[name] = value;
  out = json{{"id", alert.id},
             {"threshold", alert.threshold_id},
             {"state", alert.resolved_at_ms ? "resolved" : "active"},
             {"level", to_string(alert.level)},
             {"peak_level", to_string(alert.peak_level)},
             {"labels", std::move(labels)},
             {"value", alert.value},
             {"limit", alert.limit},
             {"samples", alert.samples},
             {"raised_at_ms", alert.raised_at_ms},
             {"updated_at_ms", alert.updated_at_ms},
             {"resolved_at_ms", alert.resolved_at_ms ? json(*alert.resolved_at_ms) : json(nullptr)},
             {"resolution", alert.resolution.empty() ? json(nullptr) : json(alert.resolution)},
             {"message", alert.message}};
}

void to_json(json& out, const AlertEvent& event) {
  out = json{{"kind", to_string(event.kind)}, {"at_ms", event.at_ms}, {"alert", event.alert}};
}

AlertEngine::AlertEngine(const MetricsRegistry& registry, MetricsHistory& history, std::vector<Threshold> thresholds)
    : registry_(registry), history_(history) {
  std::set<std::string> ids;
  for (auto& t : thresholds) {
    std::string problem = threshold_problem(t);
    if (problem.empty() && !ids.insert(t.id).second) problem = "a unique id";
    if (!problem.empty()) {
      rejected_.push_back(make_error(ErrorCategory::config, "", "alerts",
                                     "threshold \"" + t.id + "\" left out: expected " + problem));
      continue;
    }
    // Windows need the metric's history (a value statistic reads the live registry only).
    if (t.statistic != Statistic::value) history.track(t.metric.metric);
    if (t.denominator) history.track(t.denominator->metric);
    thresholds_.push_back(std::move(t));
  }
}

bool AlertEngine::add_listener(Listener listener) {
  if (listeners_.size() >= kMaxListeners || !listener) return false;
  listeners_.push_back(std::move(listener));
  return true;
}

const Threshold* AlertEngine::find_threshold(const std::string& id) const {
  for (const auto& t : thresholds_)
    if (t.id == id) return &t;
  return nullptr;
}

std::vector<Measurement> AlertEngine::measure(const Threshold& t, int64_t now_ms) const {
  std::vector<Measurement> out;
  const int64_t window = t.window_ms;
  switch (t.statistic) {
    case Statistic::value:
      for (const auto& [group, value] : value_sum(registry_, t.metric, t.group_by))
        out.push_back(Measurement{group, value, 1, 0});
      break;
    case Statistic::rate_per_s:
      for (const auto& [group, counter] : counter_increase(registry_, history_, t.metric, t.group_by, window, now_ms)) {
        Measurement m{group, std::nullopt, counter.increase, now_ms - counter.from_ms};
        if (m.covered_ms > 0 && counter.increase >= t.min_samples)
          m.value = counter.increase * 1000.0 / static_cast<double>(m.covered_ms);
        out.push_back(std::move(m));
      }
      break;
    case Statistic::p50:
    case Statistic::p95:
    case Statistic::p99: {
      const double q = t.statistic == Statistic::p50 ? 0.5 : t.statistic == Statistic::p95 ? 0.95 : 0.99;
      for (const auto& [group, sketch] : sketch_window(registry_, history_, t.metric, t.group_by, window, now_ms)) {
        Measurement m{group, std::nullopt, static_cast<double>(sketch.counts.count), now_ms - sketch.from_ms};
        if (sketch.counts.count > 0 && m.samples >= t.min_samples) m.value = quantile_of(sketch.counts, q);
        out.push_back(std::move(m));
      }
      break;
    }
    case Statistic::ratio: {
      auto numerators = counter_increase(registry_, history_, t.metric, t.group_by, window, now_ms);
      for (const auto& [group, denominator] :
           counter_increase(registry_, history_, *t.denominator, t.group_by, window, now_ms)) {
        auto numerator = numerators.find(group);
        double top = numerator == numerators.end() ? 0 : numerator->second.increase;
        Measurement m{group, std::nullopt, denominator.increase, now_ms - denominator.from_ms};
        // Undefined without traffic: 0/0 is not a 0% hit rate.
        if (denominator.increase > 0 && denominator.increase >= t.min_samples) m.value = top / denominator.increase;
        out.push_back(std::move(m));
      }
      break;
    }
  }
  return out;
}

void AlertEngine::emit(std::vector<AlertEvent>& events, AlertEventKind kind, const Alert& alert, int64_t now_ms) {
  events.push_back(AlertEvent{kind, alert, now_ms});
}

void AlertEngine::resolve(GroupState& state, const std::string& resolution, int64_t now_ms,
                          const Threshold& threshold, std::vector<AlertEvent>& events) {
  Alert alert = std::move(*state.active);
  state.active.reset();
  alert.resolved_at_ms = now_ms;
  alert.updated_at_ms = now_ms;
  alert.resolution = resolution;
  alert.message = resolution == "no_data"
                      ? subject(threshold, alert.group) + ": no data for " + format_duration(threshold.window_ms) +
                            "; resolved"
                      : subject(threshold, alert.group) + " back to " + describe_value(threshold, alert.value) +
                            "; resolved";
  state.cooling = true;
  state.cooldown_until_ms = now_ms + threshold.cooldown_ms;
  emit(events, AlertEventKind::resolved, alert, now_ms);
  recent_.push_front(std::move(alert));
  while (recent_.size() > kMaxRecent) recent_.pop_back();
}

size_t AlertEngine::active_count() const {
  size_t n = 0;
  for (const auto& [key, state] : states_) n += state.active ? 1 : 0;
  return n;
}

void AlertEngine::update(size_t index, const Measurement& m, int64_t now_ms, std::vector<AlertEvent>& events) {
  const Threshold& t = thresholds_[index];
  auto key = std::make_pair(index, m.group);
  auto it = states_.find(key);
  if (!m.value) {
    if (it != states_.end() && it->second.active && now_ms - it->second.last_defined_ms >= t.window_ms)
      resolve(it->second, "no_data", now_ms, t, events);
    return;
  }
  const double v = *m.value;
  std::optional<AlertLevel> crossed;
  if (t.critical && beyond(v, *t.critical, t.direction)) crossed = AlertLevel::critical;
  else if (t.warning && beyond(v, *t.warning, t.direction)) crossed = AlertLevel::warning;

  if (it == states_.end()) {
    if (!crossed) return;
    size_t groups = 0;
    for (const auto& [k, state] : states_) groups += k.first == index ? 1 : 0;
    if (groups >= kMaxGroupsPerThreshold || active_count() >= kMaxActive) {
      ++dropped_;
      return;
    }
    it = states_.emplace(key, GroupState{}).first;
  }
  GroupState& state = it->second;
  state.last_defined_ms = now_ms;

  auto level_value = [&](AlertLevel level) { return level == AlertLevel::critical ? *t.critical : *t.warning; };
  // The point a level's alert must be back past to step down: clear_at fixes the band's
  // width (measured from the first level), otherwise a fraction of the level.
  auto clear_point = [&](AlertLevel level) {
    double limit = level_value(level);
    double band = t.clear_at ? std::fabs((t.warning ? *t.warning : *t.critical) - *t.clear_at)
                             : t.hysteresis * std::fabs(limit);
    return t.direction == Direction::above ? limit - band : limit + band;
  };
  auto held = [&](AlertLevel level) { return beyond(v, clear_point(level), t.direction); };
  auto describe = [&](Alert& alert) {
    alert.message = subject(t, alert.group) + " is " + describe_value(t, v) + ", " + to_string(t.direction) + " " +
                    to_string(alert.level) + " " + describe_value(t, alert.limit);
    if (t.statistic != Statistic::value)
      alert.message += " (" + format_duration(m.covered_ms) + ", " + format_number(m.samples) + " samples)";
  };

  if (!state.active) {
    if (!crossed) return;
    if (state.cooling && now_ms < state.cooldown_until_ms) {
      ++suppressed_;
      return;
    }
    if (active_count() >= kMaxActive) {
      ++dropped_;
      return;
    }
    Alert alert;
    alert.id = next_id_++;
    alert.threshold_id = t.id;
    alert.group = m.group;
    alert.level = alert.peak_level = *crossed;
    alert.limit = level_value(*crossed);
    alert.value = v;
    alert.samples = m.samples;
    alert.raised_at_ms = alert.updated_at_ms = now_ms;
    describe(alert);
    state.cooling = false;
    state.active = alert;
    emit(events, AlertEventKind::raised, alert, now_ms);
    return;
  }

  Alert& alert = *state.active;
  alert.value = v;
  alert.samples = m.samples;
  alert.updated_at_ms = now_ms;
  if (crossed == AlertLevel::critical && alert.level == AlertLevel::warning) {
    alert.level = alert.peak_level = AlertLevel::critical;
    alert.limit = level_value(AlertLevel::critical);
    describe(alert);
    emit(events, AlertEventKind::escalated, alert, now_ms);
    return;
  }
  if (held(alert.level)) {
    describe(alert);
    return;
  }
  if (alert.level == AlertLevel::critical && t.warning && held(AlertLevel::warning)) {
    alert.level = AlertLevel::warning;
    alert.limit = level_value(AlertLevel::warning);
    describe(alert);
    emit(events, AlertEventKind::deescalated, alert, now_ms);
    return;
  }
  resolve(state, "recovered", now_ms, t, events);
}

std::vector<AlertEvent> AlertEngine::evaluate(int64_t now_ms) {
  std::vector<AlertEvent> events;
  for (size_t i = 0; i < thresholds_.size(); ++i) {
    std::set<Labels> seen;
    for (const auto& m : measure(thresholds_[i], now_ms)) {
      seen.insert(m.group);
      update(i, m, now_ms, events);
    }
    // A group with an open alert that has no series any more counts as undefined.
    std::vector<Labels> missing;
    for (const auto& [key, state] : states_)
      if (key.first == i && state.active && !seen.count(key.second)) missing.push_back(key.second);
    for (const auto& group : missing) update(i, Measurement{group, std::nullopt, 0, 0}, now_ms, events);
  }
  // Forget groups with nothing open and no cooldown left (keeps the map bounded).
  for (auto it = states_.begin(); it != states_.end();) {
    const GroupState& state = it->second;
    bool idle = !state.active && (!state.cooling || now_ms >= state.cooldown_until_ms);
    it = idle ? states_.erase(it) : std::next(it);
  }
  for (const auto& event : events)
    for (const auto& listener : listeners_) listener(event);
  return events;
}

std::vector<Alert> AlertEngine::active() const {
  std::vector<Alert> out;
  for (const auto& [key, state] : states_)
    if (state.active) out.push_back(*state.active);
  std::sort(out.begin(), out.end(), [](const Alert& a, const Alert& b) { return a.id < b.id; });
  return out;
}

json AlertEngine::to_json() const {
  json active_json = json::array();
  for (const auto& alert : active()) active_json.push_back(alert);
  json recent_json = json::array();
  for (const auto& alert : recent_) recent_json.push_back(alert);
  return json{{"active", std::move(active_json)},
              {"recent", std::move(recent_json)},
              {"suppressed_by_cooldown", suppressed_},
              {"dropped", dropped_}};
}

}  // namespace ltl
