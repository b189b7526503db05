#include "monitor/alerts.h"

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "monitor/monitor_fixtures.h"

namespace ltl {
namespace {

constexpr int64_t kInterval = 30000;

Threshold heap_threshold() {
  Threshold t;
  t.id = "heap";
  t.description = "heap size";
  t.metric = {"ltl_wasm_heap_bytes", {}};
  t.statistic = Statistic::value;
  t.warning = 100;
  t.critical = 200;
  t.hysteresis = 0.1;
  t.cooldown_ms = 300000;
  return t;
}

const Threshold& default_threshold(const std::string& id) {
  static const std::vector<Threshold> defaults = default_thresholds();
  for (const auto& t : defaults)
    if (t.id == id) return t;
  throw std::runtime_error("no default threshold " + id);
}

class AlertTest : public ::testing::Test {
 protected:
  void SetUp() override { testing::declare_ltl_metrics(registry); }
  // The engine tracks its metrics, then the history takes its first sample, as the
  // PerformanceMonitorService does when it starts.
  AlertEngine& start(std::vector<Threshold> thresholds) {
    engine_.emplace(registry, history, std::move(thresholds));
    history.sample(registry, clock.now_ms());
    return *engine_;
  }
  // One PERFORMANCE_INTERVAL: sample, then evaluate.
  std::vector<AlertEvent> step(AlertEngine& engine, int64_t ms = kInterval) {
    clock.advance(ms);
    history.sample(registry, clock.now_ms());
    return engine.evaluate(clock.now_ms());
  }
  std::vector<AlertEvent> set_heap(AlertEngine& engine, double bytes) {
    registry.set("ltl_wasm_heap_bytes", {}, bytes);
    return step(engine);
  }
  ManualClock clock;
  MetricsRegistry registry;
  MetricsHistory history;
  std::optional<AlertEngine> engine_;
};

TEST_F(AlertTest, ResolvesOnlyPastTheHysteresisBand) {
  AlertEngine& engine = start({heap_threshold()});
  auto events = set_heap(engine, 150);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, AlertEventKind::raised);
  EXPECT_EQ(events[0].alert.level, AlertLevel::warning);
  EXPECT_EQ(events[0].alert.limit, 100);
  EXPECT_EQ(events[0].alert.message, "heap size is 150 bytes, above warning 100 bytes");

  EXPECT_TRUE(set_heap(engine, 95).empty());  // below warning, inside the band (90..100)
  EXPECT_TRUE(set_heap(engine, 90.5).empty());
  EXPECT_EQ(engine.active().size(), 1u);
  EXPECT_EQ(engine.active()[0].value, 90.5);

  events = set_heap(engine, 89);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, AlertEventKind::resolved);
  EXPECT_EQ(events[0].alert.resolution, "recovered");
  EXPECT_EQ(events[0].alert.resolved_at_ms, clock.now_ms());
  EXPECT_TRUE(engine.active().empty());
  ASSERT_EQ(engine.recent().size(), 1u);
  EXPECT_EQ(engine.recent()[0].message, "heap size back to 89 bytes; resolved");
}

TEST_F(AlertTest, EscalatesAndStepsDownWithHysteresis) {
  AlertEngine& engine = start({heap_threshold()});
  ASSERT_EQ(set_heap(engine, 150).size(), 1u);
  auto events = set_heap(engine, 250);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, AlertEventKind::escalated);
  EXPECT_EQ(events[0].alert.level, AlertLevel::critical);
  EXPECT_EQ(events[0].alert.limit, 200);
  EXPECT_EQ(events[0].alert.id, 1u);  // the same alert, not a new one

  EXPECT_TRUE(set_heap(engine, 190).empty());  // inside the critical band (180..200)
  EXPECT_EQ(engine.active()[0].level, AlertLevel::critical);
  events = set_heap(engine, 170);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, AlertEventKind::deescalated);
  EXPECT_EQ(events[0].alert.level, AlertLevel::warning);
  EXPECT_EQ(events[0].alert.peak_level, AlertLevel::critical);

  events = set_heap(engine, 500);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, AlertEventKind::escalated);
  events = set_heap(engine, 10);  // straight back below both bands
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, AlertEventKind::resolved);
  EXPECT_EQ(events[0].alert.peak_level, AlertLevel::critical);
}

TEST_F(AlertTest, RaisesAtCriticalDirectly) {
  AlertEngine& engine = start({heap_threshold()});
  auto events = set_heap(engine, 1000);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, AlertEventKind::raised);
  EXPECT_EQ(events[0].alert.level, AlertLevel::critical);
}

TEST_F(AlertTest, NeverRaisesAgainWithinCooldown) {
  AlertEngine& engine = start({heap_threshold()});
  ASSERT_EQ(set_heap(engine, 150).size(), 1u);
  ASSERT_EQ(set_heap(engine, 50).size(), 1u);
  const int64_t resolved_at = clock.now_ms();
  int64_t raised_again_at = 0;
  for (int i = 0; i < 20 && raised_again_at == 0; ++i) {
    auto events = set_heap(engine, i % 2 ? 150 : 300);
    for (const auto& e : events) {
      ASSERT_EQ(e.kind, AlertEventKind::raised);
      raised_again_at = e.at_ms;
    }
  }
  EXPECT_EQ(raised_again_at, resolved_at + 300000);
  EXPECT_EQ(engine.suppressed_by_cooldown(), 9u);
  EXPECT_EQ(engine.active().size(), 1u);
  EXPECT_EQ(engine.active()[0].id, 2u);
}

TEST_F(AlertTest, AbsoluteClearLevel) {
  Threshold t = heap_threshold();
  t.clear_at = 50;  // the band is 50 wide: warning clears at 50, critical at 150
  AlertEngine& engine = start({t});
  ASSERT_EQ(set_heap(engine, 120).size(), 1u);
  EXPECT_TRUE(set_heap(engine, 60).empty());
  ASSERT_EQ(set_heap(engine, 250)[0].kind, AlertEventKind::escalated);
  EXPECT_TRUE(set_heap(engine, 160).empty());
  ASSERT_EQ(set_heap(engine, 140)[0].kind, AlertEventKind::deescalated);
  auto events = set_heap(engine, 49);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, AlertEventKind::resolved);
}

TEST_F(AlertTest, IdleSystemRaisesNothing) {
  AlertEngine& engine = start(default_thresholds());
  for (int i = 0; i < 40; ++i) EXPECT_TRUE(step(engine).empty());
  // Ratios are undefined without traffic rather than 0%.
  for (const auto& m : engine.measure(default_threshold("cache_hit_rate"), clock.now_ms())) EXPECT_FALSE(m.value);
  EXPECT_TRUE(engine.active().empty());
}

TEST_F(AlertTest, MinSamplesKeepsSparseTrafficQuiet) {
  AlertEngine& engine = start(default_thresholds());
  // 5 upstream calls, all failing: 100% errors, but below min_samples (20).
  registry.add("ltl_upstream_requests_total", {{"outcome", "error"}, {"provider", "kraken"}}, 5);
  // 10 cache lookups, all misses: below min_samples (50).
  registry.add("ltl_cache_lookups_total", {{"result", "miss"}, {"tier", "memory"}}, 10);
  EXPECT_TRUE(step(engine).empty());
  auto measured = engine.measure(default_threshold("upstream_error_rate"), clock.now_ms());
  ASSERT_EQ(measured.size(), 1u);
  EXPECT_FALSE(measured[0].value);
  EXPECT_EQ(measured[0].samples, 5);
}

TEST_F(AlertTest, ErrorRatePerProviderRaisesAndRecovers) {
  AlertEngine& engine = start(default_thresholds());
  const Labels kraken_error{{"outcome", "error"}, {"provider", "kraken"}};
  const Labels kraken_ok{{"outcome", "ok"}, {"provider", "kraken"}};
  const Labels coingecko_ok{{"outcome", "ok"}, {"provider", "coingecko"}};
  registry.add("ltl_upstream_requests_total", kraken_error, 20);
  registry.add("ltl_upstream_requests_total", kraken_ok, 20);
  registry.add("ltl_upstream_requests_total", coingecko_ok, 40);
  auto events = step(engine);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].alert.threshold_id, "upstream_error_rate");
  EXPECT_EQ(events[0].alert.group, (Labels{{"provider", "kraken"}}));
  EXPECT_EQ(events[0].alert.level, AlertLevel::critical);
  EXPECT_EQ(events[0].alert.value, 0.5);
  EXPECT_EQ(events[0].alert.samples, 40);
  EXPECT_EQ(events[0].alert.message,
            "upstream error rate for provider=kraken is 50%, above critical 20% (5m, 40 samples)");

  // Clean traffic from now on: once the window (5 min) no longer holds the spike, it resolves.
  std::vector<AlertEvent> later;
  for (int i = 0; i < 12; ++i) {
    registry.add("ltl_upstream_requests_total", kraken_ok, 20);
    for (auto& e : step(engine)) later.push_back(e);
  }
  ASSERT_FALSE(later.empty());
  EXPECT_EQ(later.back().kind, AlertEventKind::resolved);
  EXPECT_EQ(later.back().alert.resolution, "recovered");
  for (const auto& e : later) EXPECT_NE(e.kind, AlertEventKind::raised);
}

TEST_F(AlertTest, AnAlertOfASystemGoneIdleResolvesAsNoData) {
  AlertEngine& engine = start(default_thresholds());
  registry.add("ltl_upstream_requests_total", {{"outcome", "error"}, {"provider", "kraken"}}, 30);
  ASSERT_EQ(step(engine).size(), 1u);
  std::vector<AlertEvent> later;
  for (int i = 0; i < 30; ++i)
    for (auto& e : step(engine)) later.push_back(e);
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0].kind, AlertEventKind::resolved);
  EXPECT_EQ(later[0].alert.resolution, "no_data");
  EXPECT_TRUE(engine.active().empty());
}

TEST_F(AlertTest, HitRateBelowThresholdWithEnoughLookups) {
  AlertEngine& engine = start(default_thresholds());
  registry.add("ltl_cache_lookups_total", {{"result", "hit"}, {"tier", "memory"}}, 30);
  registry.add("ltl_cache_lookups_total", {{"result", "miss"}, {"tier", "memory"}}, 60);
  registry.add("ltl_cache_lookups_total", {{"result", "stale"}, {"tier", "memory"}}, 10);
  auto events = step(engine);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].alert.level, AlertLevel::warning);
  EXPECT_EQ(events[0].alert.message, "cache hit rate for tier=memory is 30%, below warning 50% (15m, 100 samples)");
  registry.add("ltl_cache_lookups_total", {{"result", "miss"}, {"tier", "memory"}}, 200);
  events = step(engine);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, AlertEventKind::escalated);  // 30 / 300 = 10% < 20%
}

TEST_F(AlertTest, UpstreamP95PerProvider) {
  AlertEngine& engine = start(default_thresholds());
  for (int i = 0; i < 30; ++i) {
    registry.observe("ltl_upstream_latency_ms", {{"provider", "kraken"}}, 3500 + i);
    registry.observe("ltl_upstream_latency_ms", {{"provider", "coingecko"}}, 100 + i);
  }
  auto events = step(engine);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].alert.group, (Labels{{"provider", "kraken"}}));
  EXPECT_EQ(events[0].alert.level, AlertLevel::critical);
  EXPECT_NEAR(events[0].alert.value, 3528, 3528 * 0.02);
  EXPECT_NE(events[0].alert.message.find("upstream p95 latency for provider=kraken is 35"), std::string::npos)
      << events[0].alert.message;
  EXPECT_NE(events[0].alert.message.find(" ms, above critical 3000 ms (5m, 30 samples)"), std::string::npos)
      << events[0].alert.message;
}

TEST_F(AlertTest, RatePerSecondOverTheWindow) {
  Threshold t;
  t.id = "retry_storm";
  t.metric = {"ltl_upstream_retries_total", {}};
  t.group_by = {"provider"};
  t.statistic = Statistic::rate_per_s;
  t.warning = 1;
  t.window_ms = 60000;
  AlertEngine& engine = start({t});
  registry.add("ltl_upstream_retries_total", {{"provider", "kraken"}}, 60);
  EXPECT_TRUE(step(engine).empty());  // 60 in 60 s = 1/s, not above 1/s
  registry.add("ltl_upstream_retries_total", {{"provider", "kraken"}}, 120);
  auto events = step(engine);  // 180 in the last 60 s
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].alert.value, 3);
  EXPECT_EQ(events[0].alert.message,
            "ltl_upstream_retries_total rate_per_s for provider=kraken is 3/s, above warning 1/s (1m, 180 samples)");
}

TEST_F(AlertTest, ListenersJsonAndBoundedRecentList) {
  Threshold t = heap_threshold();
  t.cooldown_ms = 0;
  AlertEngine& engine = start({t});
  std::vector<std::string> heard;
  ASSERT_TRUE(engine.add_listener([&](const AlertEvent& e) { heard.push_back(to_string(e.kind)); }));
  set_heap(engine, 150);
  EXPECT_EQ(heard, (std::vector<std::string>{"raised"}));
  nlohmann::json out = engine.to_json();
  ASSERT_EQ(out["active"].size(), 1u);
  EXPECT_EQ(out["active"][0]["state"], "active");
  EXPECT_EQ(out["active"][0]["level"], "warning");
  EXPECT_EQ(out["active"][0]["threshold"], "heap");
  EXPECT_EQ(out["active"][0]["value"], 150);
  EXPECT_TRUE(out["active"][0]["resolved_at_ms"].is_null());
  nlohmann::json event = AlertEvent{AlertEventKind::raised, engine.active()[0], 5};
  EXPECT_EQ(event["kind"], "raised");
  EXPECT_EQ(event["at_ms"], 5);

  for (int i = 0; i < 200; ++i) set_heap(engine, i % 2 ? 150 : 10);
  EXPECT_EQ(engine.recent().size(), AlertEngine::kMaxRecent);
  EXPECT_GT(engine.recent().front().id, engine.recent().back().id);  // newest first
  EXPECT_EQ(heard.size(), 201u);
  EXPECT_EQ(engine.to_json()["recent"].size(), AlertEngine::kMaxRecent);
}

TEST_F(AlertTest, InvalidThresholdsAreRejectedNotUsed) {
  Threshold inverted = heap_threshold();
  inverted.warning = 300;  // above critical for direction above
  Threshold duplicate = heap_threshold();
  Threshold ratio_without_denominator = heap_threshold();
  ratio_without_denominator.id = "ratio";
  ratio_without_denominator.statistic = Statistic::ratio;
  AlertEngine& engine = start({inverted, heap_threshold(), duplicate, ratio_without_denominator});
  EXPECT_EQ(engine.thresholds().size(), 1u);
  ASSERT_EQ(engine.rejected().size(), 3u);
  EXPECT_EQ(engine.rejected()[0].category, ErrorCategory::config);
  EXPECT_NE(engine.rejected()[0].message.find("warning at or below critical"), std::string::npos);
  EXPECT_NE(engine.rejected()[1].message.find("unique id"), std::string::npos);
  EXPECT_NE(engine.rejected()[2].message.find("denominator"), std::string::npos);
}

TEST_F(AlertTest, GroupsPerThresholdAreCapped) {
  Threshold t;
  t.id = "per_provider_state";
  t.metric = {"ltl_breaker_state", {}};
  t.group_by = {"provider"};
  t.warning = 1.5;
  AlertEngine& engine = start({t});
  for (size_t i = 0; i < AlertEngine::kMaxGroupsPerThreshold + 10; ++i)
    registry.set("ltl_breaker_state", {{"provider", "p" + std::to_string(i)}}, 2);
  step(engine);
  EXPECT_EQ(engine.active().size(), AlertEngine::kMaxGroupsPerThreshold);
  EXPECT_EQ(engine.dropped_alerts(), 10u);
}

// PERFORMANCE_THRESHOLDS parsing.

TEST(PerformanceThresholds, BooleansAndEmptySelectDefaultsOrNothing) {
  for (const char* value : {"", "true", " TRUE "}) {
    auto parsed = parse_performance_thresholds(value);
    ASSERT_TRUE(parsed.ok()) << value;
    EXPECT_EQ(parsed.value().size(), default_thresholds().size());
  }
  auto off = parse_performance_thresholds("false");
  ASSERT_TRUE(off.ok());
  EXPECT_TRUE(off.value().empty());
  for (const auto& t : default_thresholds()) EXPECT_EQ(threshold_problem(t), "") << t.id;
}

TEST(PerformanceThresholds, DefaultsHaveTheExpectedLevels) {
  const Threshold& latency = default_threshold("upstream_latency_p95");
  EXPECT_EQ(latency.warning, 1000);
  EXPECT_EQ(latency.critical, 3000);
  EXPECT_EQ(latency.statistic, Statistic::p95);
  const Threshold& errors = default_threshold("upstream_error_rate");
  EXPECT_EQ(errors.warning, 0.05);
  EXPECT_EQ(errors.critical, 0.20);
  const Threshold& hits = default_threshold("cache_hit_rate");
  EXPECT_EQ(hits.direction, Direction::below);
  EXPECT_EQ(hits.warning, 0.5);
  EXPECT_EQ(hits.critical, 0.2);
  EXPECT_GE(hits.min_samples, 1);
  EXPECT_EQ(default_threshold("wasm_heap_bytes").metric.metric, "ltl_wasm_heap_bytes");
}

TEST(PerformanceThresholds, ArrayReplacesDefaults) {
  auto parsed = parse_performance_thresholds(R"([
    {"id": "kraken_p99", "metric": "ltl_upstream_latency_ms", "labels": {"provider": "kraken"},
     "statistic": "p99", "warning": 2000, "critical": 5000, "window_ms": 600000, "min_samples": 10,
     "hysteresis": 0.2, "cooldown_ms": 0},
    {"id": "fees_hits", "metric": "ltl_cache_lookups_total", "labels": {"result": "hit"},
     "denominator": {"metric": "ltl_cache_lookups_total", "labels": {"family": "fees"}},
     "statistic": "ratio", "direction": "below", "warning": 0.3, "clear_at": 0.4, "group_by": ["tier"]}
  ])");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  ASSERT_EQ(parsed.value().size(), 2u);
  const Threshold& p99 = parsed.value()[0];
  EXPECT_EQ(p99.metric.match, (Labels{{"provider", "kraken"}}));
  EXPECT_EQ(p99.statistic, Statistic::p99);
  EXPECT_EQ(p99.window_ms, 600000);
  EXPECT_EQ(p99.min_samples, 10);
  EXPECT_EQ(p99.hysteresis, 0.2);
  EXPECT_EQ(p99.cooldown_ms, 0);
  const Threshold& hits = parsed.value()[1];
  ASSERT_TRUE(hits.denominator);
  EXPECT_EQ(hits.denominator->match, (Labels{{"family", "fees"}}));
  EXPECT_EQ(hits.direction, Direction::below);
  EXPECT_FALSE(hits.critical);
  EXPECT_EQ(hits.clear_at, 0.4);
  EXPECT_EQ(hits.group_by, (std::vector<std::string>{"tier"}));
}

TEST(PerformanceThresholds, ObjectChangesRemovesAndAddsToDefaults) {
  auto parsed = parse_performance_thresholds(R"({"include_defaults": true, "rules": [
    {"id": "upstream_latency_p95", "warning": 800},
    {"id": "wasm_heap_bytes", "disabled": true},
    {"id": "retry_storm", "metric": "ltl_upstream_retries_total", "statistic": "rate_per_s", "warning": 2}
  ]})");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  const auto& rules = parsed.value();
  EXPECT_EQ(rules.size(), default_thresholds().size());  // one removed, one added
  auto find = [&](const std::string& id) {
    return std::find_if(rules.begin(), rules.end(), [&](const Threshold& t) { return t.id == id; });
  };
  ASSERT_NE(find("upstream_latency_p95"), rules.end());
  EXPECT_EQ(find("upstream_latency_p95")->warning, 800);
  EXPECT_EQ(find("upstream_latency_p95")->critical, 3000);  // unchanged keys keep the default
  EXPECT_EQ(find("wasm_heap_bytes"), rules.end());
  ASSERT_NE(find("retry_storm"), rules.end());
  EXPECT_EQ(find("retry_storm")->statistic, Statistic::rate_per_s);

  auto without_defaults = parse_performance_thresholds(R"({"include_defaults": false, "rules": []})");
  ASSERT_TRUE(without_defaults.ok());
  EXPECT_TRUE(without_defaults.value().empty());
}

void expect_error(const std::string& value, const std::vector<std::string>& fragments) {
  auto parsed = parse_performance_thresholds(value);
  ASSERT_FALSE(parsed.ok()) << value;
  EXPECT_EQ(parsed.error().category, ErrorCategory::config);
  for (const auto& fragment : fragments)
    EXPECT_NE(parsed.error().message.find(fragment), std::string::npos)
        << "missing \"" << fragment << "\" in: " << parsed.error().message;
}

TEST(PerformanceThresholds, ErrorsNameTheKeyTheEntryAndWhatWasExpected) {
  expect_error("yes please", {"invalid PERFORMANCE_THRESHOLDS", "got \"yes please\"", "expected true, false, a JSON array"});
  expect_error("[{\"id\": \"x\"", {"PERFORMANCE_THRESHOLDS", "expected true, false"});
  expect_error("42", {"PERFORMANCE_THRESHOLDS", "got \"42\""});
  expect_error(R"([{"id": "lat", "metric": "ltl_upstream_latency_ms", "statistic": "p42", "warning": 1}])",
               {"PERFORMANCE_THRESHOLDS", "rules[0] (id \"lat\")", "key \"statistic\"", "got \"p42\"",
                "expected one of value, rate_per_s, p50, p95, p99, ratio"});
  expect_error(R"([{"id": "lat", "metric": "m", "statistic": "p95", "warning": 1, "colour": "red"}])",
               {"rules[0] (id \"lat\")", "key \"colour\"", "no such key"});
  expect_error(R"([{"id": "lat", "metric": "m", "statistic": "p95", "warning": 3000, "critical": 1000}])",
               {"rules[0] (id \"lat\")", "expected warning at or below critical (direction above)"});
  expect_error(R"([{"id": "errs", "metric": "m", "statistic": "ratio", "warning": 0.1}])",
               {"rules[0] (id \"errs\")", "expected a denominator for statistic ratio"});
  expect_error(R"([{"metric": "m", "statistic": "p95", "warning": 1}])", {"rules[0]", "missing id"});
  expect_error(R"([{"id": "a", "metric": "m", "statistic": "value"}])", {"rules[0] (id \"a\")", "a warning and/or a critical level"});
  expect_error(R"([{"id": "a", "metric": "m", "statistic": "value", "warning": "high"}])",
               {"key \"warning\"", "got \"high\"", "expected a number"});
  expect_error(R"([{"id": "a", "metric": "m", "statistic": "p95", "warning": 1, "window_ms": -5}])",
               {"key \"window_ms\"", "got -5", "expected an integer number of ms from 1"});
  expect_error(R"([{"id": "a", "metric": "m", "statistic": "p95", "warning": 1, "hysteresis": 1.5}])",
               {"key \"hysteresis\"", "expected a fraction"});
  expect_error(R"([{"id": "a", "metric": "m", "statistic": "p95", "warning": 1, "clear_at": 2}])",
               {"expected clear_at below the warning level (direction above)"});
  expect_error(R"([{"id": "a", "metric": "m", "statistic": "value", "warning": 1},
                  {"id": "a", "metric": "m", "statistic": "value", "warning": 2}])",
               {"rules[1] (id \"a\")", "expected unique ids"});
  expect_error(R"([{"id": "Bad Id", "metric": "m", "statistic": "value", "warning": 1}])",
               {"key \"id\"", "expected a string of 1-64 characters a-z, 0-9, _"});
  expect_error(R"(["not an object"])", {"rules[0]", "expected a rule object"});
  expect_error(R"({"rules": {}, "extra": 1})",
               {"key \"rules\"", "expected an array of threshold rules", "key \"extra\": unknown"});
  expect_error(R"({"rules": [{"id": "nope", "disabled": true}]})",
               {"rules[0] (id \"nope\")", "expected the id of a default threshold to remove"});
  expect_error(R"([{"id": "a", "metric": "m", "statistic": "value", "warning": 1, "disabled": true}])",
               {"key \"disabled\"", "no such key"});  // only the object form changes defaults
}

}  // namespace
}  // namespace ltl
