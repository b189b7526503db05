// The integration's UpstreamObserver on its own: each hook's metrics and the breaker events.
#include "integration/upstream_observer.h"

#include <gtest/gtest.h>

#include <vector>

#include "integration/metric_catalogue.h"

namespace ltl {
namespace {

using nlohmann::json;

class UpstreamObserverTest : public ::testing::Test {
 protected:
  void SetUp() override { declare_catalogue_metrics(metrics); }

  MetricsRegistry metrics;
  std::vector<json> events;
  UpstreamObserver observer = make_upstream_observer(metrics, [this](const json& event) { events.push_back(event); });
};

TEST_F(UpstreamObserverTest, AttemptsCountByOutcomeAndErrorsByCategory) {
  observer.on_attempt("kraken", "price", "ok", 40);
  observer.on_attempt("kraken", "price", "timeout", 1000);
  observer.on_attempt("kraken", "price", "upstream_5xx", 60);
  EXPECT_EQ(metrics.value("ltl_upstream_requests_total", {{"outcome", "ok"}, {"provider", "kraken"}}), 1);
  EXPECT_EQ(metrics.value("ltl_upstream_requests_total", {{"outcome", "error"}, {"provider", "kraken"}}), 2);
  EXPECT_EQ(metrics.value("ltl_upstream_errors_total", {{"category", "timeout"}, {"provider", "kraken"}}), 1);
  EXPECT_EQ(metrics.value("ltl_upstream_errors_total", {{"category", "upstream_5xx"}, {"provider", "kraken"}}), 1);
  const LatencySketch* latency = metrics.histogram("ltl_upstream_latency_ms", {{"provider", "kraken"}});
  ASSERT_NE(latency, nullptr);
  EXPECT_EQ(latency->count(), 3u);
}

TEST_F(UpstreamObserverTest, AnAttemptTheBreakerRefusedIsAnErrorWithoutALatency) {
  observer.on_attempt("coinbase", "price", "circuit_open", 0);
  EXPECT_EQ(metrics.value("ltl_upstream_errors_total", {{"category", "circuit_open"}, {"provider", "coinbase"}}), 1);
  const LatencySketch* latency = metrics.histogram("ltl_upstream_latency_ms", {{"provider", "coinbase"}});
  EXPECT_TRUE(latency == nullptr || latency->count() == 0u);
}

TEST_F(UpstreamObserverTest, RetriesWaitsAndAdmissionRefusalsAreCounted) {
  observer.on_retry("mempool", 250, "upstream_5xx");
  observer.on_rate_limit_wait("mempool", 1200);
  observer.on_rate_limit_wait("mempool", 800);
  observer.on_admission_denied("mempool", 0, "budget");
  EXPECT_EQ(metrics.value("ltl_upstream_retries_total", {{"provider", "mempool"}}), 1);
  ASSERT_NE(metrics.histogram("ltl_upstream_retry_delay_ms", {{"provider", "mempool"}}), nullptr);
  EXPECT_EQ(metrics.histogram("ltl_upstream_retry_delay_ms", {{"provider", "mempool"}})->count(), 1u);
  EXPECT_EQ(metrics.value("ltl_upstream_rate_limit_waits_total", {{"provider", "mempool"}}), 2);
  EXPECT_EQ(metrics.histogram("ltl_upstream_rate_limit_wait_ms", {{"provider", "mempool"}})->count(), 2u);
  EXPECT_EQ(metrics.value("ltl_fleet_admission_denied_total", {{"provider", "mempool"}}), 1);
  EXPECT_TRUE(events.empty());
}

TEST_F(UpstreamObserverTest, BreakerTransitionsSetTheGaugeAndAreEmittedAsEvents) {
  observer.on_breaker_transition({"coingecko", BreakerState::closed, BreakerState::open, "consecutive_failures", 1000});
  EXPECT_EQ(metrics.value("ltl_breaker_state", {{"provider", "coingecko"}}), 2);
  observer.on_breaker_transition({"coingecko", BreakerState::open, BreakerState::half_open, "break_elapsed", 31000});
  EXPECT_EQ(metrics.value("ltl_breaker_state", {{"provider", "coingecko"}}), 1);
  observer.on_breaker_transition({"coingecko", BreakerState::half_open, BreakerState::closed, "probes_succeeded", 32000});
  EXPECT_EQ(metrics.value("ltl_breaker_state", {{"provider", "coingecko"}}), 0);
  EXPECT_EQ(metrics.value("ltl_breaker_transitions_total", {{"provider", "coingecko"}, {"to", "open"}}), 1);
  EXPECT_EQ(metrics.value("ltl_breaker_transitions_total", {{"provider", "coingecko"}, {"to", "closed"}}), 1);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0], json({{"type", "breaker"}, {"provider", "coingecko"}, {"from", "closed"}, {"to", "open"},
                             {"reason", "consecutive_failures"}, {"at", 1000}}));
  EXPECT_EQ(events[2]["to"], "closed");
}

TEST_F(UpstreamObserverTest, WithoutASinkTransitionsStillReachTheMetrics) {
  UpstreamObserver quiet = make_upstream_observer(metrics, {});
  quiet.on_breaker_transition({"kraken", BreakerState::closed, BreakerState::open, "failure_rate", 5});
  EXPECT_EQ(metrics.value("ltl_breaker_state", {{"provider", "kraken"}}), 2);
  EXPECT_TRUE(events.empty());
}

}  // namespace
}  // namespace ltl
