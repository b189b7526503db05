#include "monitor/alerts.h"

// Threshold rules: their names, validation, the defaults and PERFORMANCE_THRESHOLDS parsing.
// The engine that evaluates them is in alerts.cpp.

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include <nlohmann/json.hpp>

namespace ltl {
namespace {

using nlohmann::json;

constexpr const char* kKey = "PERFORMANCE_THRESHOLDS";
constexpr size_t kMaxRules = 64;
constexpr int64_t kMaxWindowMs = int64_t{7} * 24 * 3600 * 1000;
constexpr const char* kStatistics = "one of value, rate_per_s, p50, p95, p99, ratio";
constexpr const char* kDirections = "one of above, below";

std::optional<Statistic> statistic_from(const std::string& text) {
  for (Statistic s : {Statistic::value, Statistic::rate_per_s, Statistic::p50, Statistic::p95, Statistic::p99,
                      Statistic::ratio})
    if (text == to_string(s)) return s;
  return std::nullopt;
}

bool valid_id(const std::string& id) {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](unsigned char c) {
    return std::islower(c) || std::isdigit(c) || c == '_';
  });
}

bool valid_metric_name(const std::string& name) {
  return !name.empty() && name.size() <= 200 && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == ':';
  });
}

std::string shown(const json& value) {
  std::string text = value.dump();
  return text.size() > 80 ? text.substr(0, 77) + "..." : text;
}

// A rule object applied onto `rule` (a default being changed, or a fresh Threshold).
void apply_rule(const json& entry, Threshold& rule, const std::string& where, bool allow_disabled,
                std::vector<std::string>& problems) {
  auto problem = [&](const std::string& key, const json& got, const std::string& expected) {
    problems.push_back(where + ": key \"" + key + "\": got " + shown(got) + "; expected " + expected);
  };
  auto string_map = [&](const std::string& key, const json& value, Labels& out) {
    if (!value.is_object() || value.size() > 16) return problem(key, value, "an object of up to 16 label: \"value\" strings");
    Labels labels;
    for (auto it = value.begin(); it != value.end(); ++it) {
      if (!it.value().is_string() || it.key().empty())
        return problem(key, value, "an object of up to 16 label: \"value\" strings");
      labels.emplace_back(it.key(), it.value().get<std::string>());
    }
    out = std::move(labels);
  };
  auto number = [&](const std::string& key, const json& value, std::optional<double>& out, bool nullable) {
    if (nullable && value.is_null()) {
      out.reset();
      return;
    }
    if (!value.is_number() || !std::isfinite(value.get<double>()))
      return problem(key, value, nullable ? "a number, or null to remove it" : "a number");
    out = value.get<double>();
  };
  auto integer_ms = [&](const std::string& key, const json& value, int64_t min, int64_t& out) {
    bool ok = value.is_number_integer() || (value.is_number_float() && value.get<double>() == std::floor(value.get<double>()));
    if (ok) {
      double d = value.get<double>();
      ok = d >= static_cast<double>(min) && d <= static_cast<double>(kMaxWindowMs);
    }
    if (!ok)
      return problem(key, value, "an integer number of ms from " + std::to_string(min) + " to " + std::to_string(kMaxWindowMs));
    out = static_cast<int64_t>(value.get<double>());
  };

  for (auto it = entry.begin(); it != entry.end(); ++it) {
    const std::string& key = it.key();
    const json& value = it.value();
    if (key == "id") {
      if (!value.is_string() || !valid_id(value.get<std::string>()))
        problem(key, value, "a string of 1-64 characters a-z, 0-9, _");
      else
        rule.id = value.get<std::string>();
    } else if (key == "description") {
      if (!value.is_string() || value.get<std::string>().size() > 200) problem(key, value, "a string of up to 200 characters");
      else rule.description = value.get<std::string>();
    } else if (key == "metric") {
      if (!value.is_string() || !valid_metric_name(value.get<std::string>()))
        problem(key, value, "a metric name of 1-200 characters a-z, A-Z, 0-9, _, :");
      else
        rule.metric.metric = value.get<std::string>();
    } else if (key == "labels") {
      string_map(key, value, rule.metric.match);
    } else if (key == "group_by") {
      bool ok = value.is_array() && value.size() <= 8 &&
                std::all_of(value.begin(), value.end(), [](const json& v) { return v.is_string() && !v.get<std::string>().empty(); });
      if (!ok) problem(key, value, "an array of up to 8 label names");
      else rule.group_by = value.get<std::vector<std::string>>();
    } else if (key == "statistic") {
      auto statistic = value.is_string() ? statistic_from(value.get<std::string>()) : std::nullopt;
      if (!statistic) problem(key, value, kStatistics);
      else rule.statistic = *statistic;
    } else if (key == "denominator") {
      if (value.is_null()) {
        rule.denominator.reset();
        continue;
      }
      const char* expected = "{\"metric\": name, \"labels\": {...}} or null";
      if (!value.is_object() || !value.contains("metric") || !value["metric"].is_string() ||
          !valid_metric_name(value["metric"].get<std::string>())) {
        problem(key, value, expected);
        continue;
      }
      MetricSelector denominator{value["metric"].get<std::string>(), {}};
      bool ok = true;
      for (auto field = value.begin(); field != value.end(); ++field) {
        if (field.key() == "labels") {
          size_t before = problems.size();
          string_map("denominator.labels", field.value(), denominator.match);
          ok = ok && problems.size() == before;
        } else if (field.key() != "metric") {
          problem("denominator." + field.key(), field.value(), "only the keys metric and labels");
          ok = false;
        }
      }
      if (ok) rule.denominator = std::move(denominator);
    } else if (key == "direction") {
      if (value == "above") rule.direction = Direction::above;
      else if (value == "below") rule.direction = Direction::below;
      else problem(key, value, kDirections);
    } else if (key == "warning") {
      number(key, value, rule.warning, true);
    } else if (key == "critical") {
      number(key, value, rule.critical, true);
    } else if (key == "clear_at") {
      number(key, value, rule.clear_at, true);
    } else if (key == "min_samples") {
      std::optional<double> n;
      number(key, value, n, false);
      if (n && *n < 0) problem(key, value, "a number of samples, 0 or more");
      else if (n) rule.min_samples = *n;
    } else if (key == "hysteresis") {
      std::optional<double> h;
      number(key, value, h, false);
      if (h && (*h < 0 || *h >= 1)) problem(key, value, "a fraction from 0 up to (not including) 1");
      else if (h) rule.hysteresis = *h;
    } else if (key == "window_ms") {
      integer_ms(key, value, 1, rule.window_ms);
    } else if (key == "cooldown_ms") {
      integer_ms(key, value, 0, rule.cooldown_ms);
    } else if (key == "disabled" && allow_disabled) {
      if (!value.is_boolean()) problem(key, value, "true or false");
    } else {
      problem(key, value,
              "no such key; a rule has id, description, metric, labels, group_by, statistic, denominator, "
              "direction, warning, critical, window_ms, min_samples, hysteresis, clear_at, cooldown_ms" +
                  std::string(allow_disabled ? ", disabled" : ""));
    }
  }
}

Threshold make_threshold(std::string id, std::string description, MetricSelector metric,
                         std::vector<std::string> group_by, Statistic statistic, Direction direction,
                         std::optional<double> warning, std::optional<double> critical, int64_t window_ms,
                         double min_samples) {
  Threshold t;
  t.id = std::move(id);
  t.description = std::move(description);
  t.metric = std::move(metric);
  t.group_by = std::move(group_by);
  t.statistic = statistic;
  t.direction = direction;
  t.warning = warning;
  t.critical = critical;
  t.window_ms = window_ms;
  t.min_samples = min_samples;
  return t;
}

}  // namespace

const char* to_string(Statistic statistic) {
  switch (statistic) {
    case Statistic::value: return "value";
    case Statistic::rate_per_s: return "rate_per_s";
    case Statistic::p50: return "p50";
    case Statistic::p95: return "p95";
    case Statistic::p99: return "p99";
    case Statistic::ratio: return "ratio";
  }
  return "value";
}

const char* to_string(Direction direction) { return direction == Direction::above ? "above" : "below"; }
const char* to_string(AlertLevel level) { return level == AlertLevel::critical ? "critical" : "warning"; }

const char* to_string(AlertEventKind kind) {
  switch (kind) {
    case AlertEventKind::raised: return "raised";
    case AlertEventKind::escalated: return "escalated";
    case AlertEventKind::deescalated: return "deescalated";
    case AlertEventKind::resolved: return "resolved";
  }
  return "raised";
}

std::string threshold_problem(const Threshold& t) {
  const bool above = t.direction == Direction::above;
  if (!valid_id(t.id)) return "an id of 1-64 characters a-z, 0-9, _";
  if (!valid_metric_name(t.metric.metric)) return "a metric name";
  if (!t.warning && !t.critical) return "a warning and/or a critical level";
  if ((t.warning && !std::isfinite(*t.warning)) || (t.critical && !std::isfinite(*t.critical)))
    return "finite warning and critical levels";
  if (t.warning && t.critical && (above ? *t.warning > *t.critical : *t.warning < *t.critical))
    return above ? "warning at or below critical (direction above)" : "warning at or above critical (direction below)";
  if (t.statistic == Statistic::ratio && !t.denominator) return "a denominator for statistic ratio";
  if (t.statistic != Statistic::ratio && t.denominator) return "no denominator unless statistic is ratio";
  if (t.denominator && !valid_metric_name(t.denominator->metric)) return "a denominator metric name";
  if (t.window_ms <= 0 || t.window_ms > kMaxWindowMs) return "window_ms from 1 to 7 days";
  if (!std::isfinite(t.min_samples) || t.min_samples < 0) return "min_samples of 0 or more";
  if (!std::isfinite(t.hysteresis) || t.hysteresis < 0 || t.hysteresis >= 1) return "hysteresis from 0 up to 1";
  if (t.cooldown_ms < 0 || t.cooldown_ms > kMaxWindowMs) return "cooldown_ms from 0 to 7 days";
  if (t.group_by.size() > 8) return "at most 8 group_by labels";
  if (t.clear_at) {
    double first = t.warning ? *t.warning : *t.critical;
    if (!std::isfinite(*t.clear_at) || (above ? *t.clear_at >= first : *t.clear_at <= first))
      return above ? "clear_at below the warning level (direction above)"
                   : "clear_at above the warning level (direction below)";
  }
  return "";
}

std::vector<Threshold> default_thresholds() {
  const int64_t five_minutes = 300000;
  std::vector<Threshold> out;
  out.push_back(make_threshold("upstream_latency_p95", "upstream p95 latency", {"ltl_upstream_latency_ms", {}},
                               {"provider"}, Statistic::p95, Direction::above, 1000, 3000, five_minutes, 20));
  Threshold upstream_errors =
      make_threshold("upstream_error_rate", "upstream error rate", {"ltl_upstream_requests_total", {{"outcome", "error"}}},
                     {"provider"}, Statistic::ratio, Direction::above, 0.05, 0.20, five_minutes, 20);
  upstream_errors.denominator = MetricSelector{"ltl_upstream_requests_total", {}};
  out.push_back(upstream_errors);
  Threshold request_errors =
      make_threshold("request_error_rate", "request error rate", {"ltl_requests_total", {{"outcome", "error"}}},
                     {"route"}, Statistic::ratio, Direction::above, 0.05, 0.20, five_minutes, 20);
  request_errors.denominator = MetricSelector{"ltl_requests_total", {}};
  out.push_back(request_errors);
  out.push_back(make_threshold("request_latency_p95", "request p95 latency", {"ltl_request_duration_ms", {}},
                               {"route"}, Statistic::p95, Direction::above, 1000, 3000, five_minutes, 20));
  Threshold hit_rate = make_threshold("cache_hit_rate", "cache hit rate", {"ltl_cache_lookups_total", {{"result", "hit"}}},
                                      {"tier"}, Statistic::ratio, Direction::below, 0.5, 0.2, 3 * five_minutes, 50);
  hit_rate.denominator = MetricSelector{"ltl_cache_lookups_total", {}};
  out.push_back(hit_rate);
  // 2 = open. Resolves once the breaker is closed again (half-open is still probing).
  Threshold breaker = make_threshold("breaker_open", "circuit breaker state", {"ltl_breaker_state", {}}, {"provider"},
                                     Statistic::value, Direction::above, 1.5, std::nullopt, five_minutes, 0);
  breaker.clear_at = 0.5;
  out.push_back(breaker);
  out.push_back(make_threshold("wasm_heap_bytes", "WASM heap size", {"ltl_wasm_heap_bytes", {}}, {}, Statistic::value,
                               Direction::above, 64.0 * 1024 * 1024, 256.0 * 1024 * 1024, five_minutes, 0));
  return out;
}

Result<std::vector<Threshold>> parse_performance_thresholds(const std::string& value) {
  auto error = [](const std::string& message) {
    return make_error(ErrorCategory::config, "", "configure", std::string("invalid ") + kKey + ": " + message);
  };
  std::string text = value;
  text.erase(0, text.find_first_not_of(" \t\r\n"));
  text.erase(text.find_last_not_of(" \t\r\n") + 1);
  std::string lower = text;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower.empty() || lower == "true") return default_thresholds();
  if (lower == "false") return std::vector<Threshold>{};

  const std::string expected_shape =
      "true, false, a JSON array of threshold rules, or {\"include_defaults\": true|false, \"rules\": [...]}";
  json doc = json::parse(std::string_view(text), nullptr, false);
  if (doc.is_discarded() || (!doc.is_array() && !doc.is_object())) {
    std::string got = text.size() > 80 ? text.substr(0, 77) + "..." : text;
    return error("got \"" + got + "\"; expected " + expected_shape);
  }

  std::vector<std::string> problems;
  bool object_form = doc.is_object();
  bool include_defaults = false;
  json rules = doc;
  if (object_form) {
    include_defaults = true;
    rules = json::array();
    for (auto it = doc.begin(); it != doc.end(); ++it) {
      if (it.key() == "include_defaults") {
        if (!it.value().is_boolean()) problems.push_back("key \"include_defaults\": got " + shown(it.value()) + "; expected true or false");
        else include_defaults = it.value().get<bool>();
      } else if (it.key() == "rules") {
        if (!it.value().is_array()) problems.push_back("key \"rules\": got " + shown(it.value()) + "; expected an array of threshold rules");
        else rules = it.value();
      } else {
        problems.push_back("key \"" + it.key() + "\": unknown; expected include_defaults or rules");
      }
    }
  }
  if (rules.size() > kMaxRules)
    problems.push_back("got " + std::to_string(rules.size()) + " rules; expected at most " + std::to_string(kMaxRules));

  std::vector<Threshold> result = include_defaults ? default_thresholds() : std::vector<Threshold>{};
  const std::vector<Threshold> defaults = default_thresholds();
  std::set<std::string> seen_ids;
  for (size_t i = 0; i < rules.size() && i < kMaxRules; ++i) {
    const json& entry = rules[i];
    std::string where = "rules[" + std::to_string(i) + "]";
    if (!entry.is_object()) {
      problems.push_back(where + ": got " + shown(entry) + "; expected a rule object");
      continue;
    }
    std::string id = entry.contains("id") && entry["id"].is_string() ? entry["id"].get<std::string>() : "";
    if (!id.empty()) where += " (id \"" + id + "\")";
    if (!id.empty() && !seen_ids.insert(id).second) {
      problems.push_back(where + ": the id is used by an earlier rule; expected unique ids");
      continue;
    }
    auto existing = std::find_if(result.begin(), result.end(), [&](const Threshold& t) { return !id.empty() && t.id == id; });
    const bool changes_default = include_defaults && existing != result.end() &&
                                 std::any_of(defaults.begin(), defaults.end(), [&](const Threshold& t) { return t.id == id; });
    if (object_form && entry.contains("disabled") && entry["disabled"] == true) {
      if (!changes_default) problems.push_back(where + ": key \"disabled\": expected the id of a default threshold to remove");
      else result.erase(existing);
      continue;
    }
    Threshold rule = changes_default ? *existing : Threshold{};
    size_t before = problems.size();
    apply_rule(entry, rule, where, object_form, problems);
    if (problems.size() != before) continue;
    if (!changes_default) {
      std::vector<std::string> missing;
      for (const char* required : {"id", "metric", "statistic"})
        if (!entry.contains(required)) missing.push_back(required);
      if (!missing.empty()) {
        std::string list;
        for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
        problems.push_back(where + ": missing " + list + "; expected a rule with id, metric and statistic");
        continue;
      }
    }
    std::string problem = threshold_problem(rule);
    if (!problem.empty()) {
      problems.push_back(where + ": expected " + problem);
      continue;
    }
    if (changes_default) *existing = std::move(rule);
    else result.push_back(std::move(rule));
  }
  if (!problems.empty()) {
    std::string message;
    for (size_t i = 0; i < problems.size() && i < 10; ++i) message += (i ? "; " : "") + problems[i];
    if (problems.size() > 10) message += "; and " + std::to_string(problems.size() - 10) + " more";
    return error(message);
  }
  return result;
}

}  // namespace ltl
