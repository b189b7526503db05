#include "resilience/upstream_client.h"

#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <nlohmann/json.hpp>

#include "resilience/classify.h"
#include "support/fake_transport.h"

namespace ltl {
namespace {

using testing::http_response;
using testing::transport_failure;

constexpr int64_t kStart = 1767225600000;  // Thu, 01 Jan 2026 00:00:00 GMT

class UpstreamClientTest : public ::testing::Test {
 protected:
  void SetUp() override { make_client(); }

  void make_client(UpstreamClientLimits limits = {}) {
    UpstreamObserver observer;
    observer.on_attempt = [this](const std::string& provider, const std::string& operation,
                                 const std::string& outcome, double latency_ms) {
      attempt_log.push_back(provider + ":" + operation + ":" + outcome);
      latencies.push_back(latency_ms);
    };
    observer.on_retry = [this](const std::string& provider, int64_t delay_ms, const std::string& reason) {
      retry_log.push_back({provider + ":" + reason, delay_ms});
    };
    observer.on_rate_limit_wait = [this](const std::string& provider, int64_t wait_ms) {
      wait_log.push_back({provider, wait_ms});
    };
    observer.on_breaker_transition = [this](const BreakerTransition& event) { transitions.push_back(event); };
    client = std::make_unique<UpstreamClient>(clock, scheduler, transport, seeded_random(42), observer, limits);
  }

  // Never trips, tiny retry delays, generous limiter: each test tightens what it checks.
  static ProviderPolicy policy() {
    ProviderPolicy p;
    p.timeout_ms = 1000;
    p.retry.max_attempts = 3;
    p.retry.base_delay_ms = 100;
    p.retry.max_delay_ms = 1000;
    p.breaker.minimum_calls = 1000000;
    p.breaker.break_duration_ms = 30000;
    p.breaker.max_break_ms = 30000;
    p.rate_limit = RateLimit{1000, 1000};
    return p;
  }

  // Answers in order; the last answer repeats. Records when each request went out.
  void script(std::vector<HttpResult> answers) {
    auto queue = std::make_shared<std::deque<HttpResult>>(answers.begin(), answers.end());
    transport.answer_with([this, queue](const HttpRequest& request) {
      sent.push_back({request.url, clock.now_ms()});
      HttpResult next = queue->front();
      if (queue->size() > 1) queue->pop_front();
      return next;
    });
  }

  void fetch(const std::string& provider, int64_t deadline_in_ms, Validator validator = {},
             std::string url = "https://api.example/x") {
    HttpRequest request;
    request.url = std::move(url);
    client->fetch(provider, "price", request, std::move(validator), clock.now_ms() + deadline_in_ms,
                  [this](FetchOutcome outcome) { outcomes.push_back(std::move(outcome)); });
  }

  ManualClock clock{kStart};
  ManualScheduler scheduler{clock};
  testing::FakeTransport transport;
  std::unique_ptr<UpstreamClient> client;

  std::vector<FetchOutcome> outcomes;
  std::vector<std::pair<std::string, int64_t>> sent;  // url, unix ms
  std::vector<std::string> attempt_log;
  std::vector<double> latencies;
  std::vector<std::pair<std::string, int64_t>> retry_log;
  std::vector<std::pair<std::string, int64_t>> wait_log;
  std::vector<BreakerTransition> transitions;
};

TEST_F(UpstreamClientTest, ServiceUnavailableWithRetryAfterThenSuccess) {
  ASSERT_FALSE(client->configure("coingecko", policy()));
  script({http_response(503, "busy", {{"retry-after", "2"}}), http_response(200, "{\"ok\":1}")});
  fetch("coingecko", 30000);
  scheduler.advance(1999);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_TRUE(outcomes.empty());
  scheduler.advance(1);
  ASSERT_EQ(outcomes.size(), 1u);
  const FetchOutcome& outcome = outcomes[0];
  ASSERT_TRUE(outcome.result.ok());
  EXPECT_EQ(outcome.result.value().body, "{\"ok\":1}");
  EXPECT_EQ(outcome.attempts, 2);
  EXPECT_EQ(outcome.retries, 1);
  EXPECT_EQ(outcome.stopped_because, RetryStop::none);
  EXPECT_DOUBLE_EQ(outcome.total_ms, 2000);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_GE(sent[1].second - sent[0].second, 2000);  // the jitter (< 1000 ms) is overruled
  ASSERT_EQ(outcome.attempt_errors.size(), 1u);
  EXPECT_EQ(outcome.attempt_errors[0].category, ErrorCategory::upstream_5xx);
  EXPECT_EQ(outcome.attempt_errors[0].retry_after_ms, 2000);
  ASSERT_EQ(retry_log.size(), 1u);
  EXPECT_EQ(retry_log[0].first, "coingecko:upstream_5xx");
  EXPECT_EQ(retry_log[0].second, 2000);
  EXPECT_EQ(attempt_log, (std::vector<std::string>{"coingecko:price:upstream_5xx", "coingecko:price:ok"}));
  EXPECT_EQ(client->in_flight(), 0u);
}

TEST_F(UpstreamClientTest, RateLimitedWithHttpDateRetryAfter) {
  const std::string in_three_seconds = "Thu, 01 Jan 2026 00:00:03 GMT";
  ASSERT_EQ(parse_retry_after(in_three_seconds, kStart), 3000);
  ASSERT_FALSE(client->configure("coingecko", policy()));
  script({http_response(429, "{}", {{"retry-after", in_three_seconds}}), http_response(200, "{}")});
  fetch("coingecko", 30000);
  scheduler.advance(10000);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_TRUE(outcomes[0].result.ok());
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_GE(sent[1].second - sent[0].second, 3000);
}

TEST_F(UpstreamClientTest, RetryAfterPausesOtherCallsToTheSameHost) {
  auto p = policy();
  p.retry.max_attempts = 1;
  ASSERT_FALSE(client->configure("binance", p));
  script({http_response(429, "{}", {{"retry-after", "5"}}), http_response(200, "{}")});
  fetch("binance", 30000);
  scheduler.run_due();
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].result.error().category, ErrorCategory::rate_limited);
  fetch("binance", 30000);
  scheduler.advance(4999);
  EXPECT_EQ(sent.size(), 1u);
  ASSERT_FALSE(wait_log.empty());
  EXPECT_EQ(wait_log.back(), (std::pair<std::string, int64_t>{"binance", 5000}));
  scheduler.advance(1);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1].second, kStart + 5000);
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_TRUE(outcomes[1].result.ok());
}

TEST_F(UpstreamClientTest, APauseLongerThanTheMaxLimiterWaitFailsFastSoAChainCanMoveOn) {
  auto p = policy();
  p.retry.max_attempts = 1;
  p.max_limiter_wait_ms = 1000;
  ASSERT_FALSE(client->configure("binance", p));
  script({http_response(429, "{}", {{"retry-after", "5"}}), http_response(200, "{}")});
  fetch("binance", 30000);
  scheduler.run_due();
  fetch("binance", 30000);
  scheduler.run_due();
  ASSERT_EQ(outcomes.size(), 2u);  // answered at once, not after the 5 s pause
  EXPECT_EQ(outcomes[1].result.error().category, ErrorCategory::rate_limited);
  EXPECT_EQ(sent.size(), 1u);
  EXPECT_EQ(clock.now_ms(), kStart);
}

TEST_F(UpstreamClientTest, HangingTransportTimesOutAfterTimeoutMs) {
  auto p = policy();
  p.retry.max_attempts = 1;
  ASSERT_FALSE(client->configure("mempool", p));
  transport.hold();
  fetch("mempool", 30000);
  scheduler.advance(999);
  EXPECT_TRUE(outcomes.empty());
  ASSERT_EQ(transport.requests.size(), 1u);
  EXPECT_EQ(transport.requests[0].timeout_ms, 1000);
  scheduler.advance(1);
  ASSERT_EQ(outcomes.size(), 1u);
  ASSERT_FALSE(outcomes[0].result.ok());
  EXPECT_EQ(outcomes[0].result.error().category, ErrorCategory::timeout);
  EXPECT_EQ(outcomes[0].attempts, 1);
  EXPECT_DOUBLE_EQ(outcomes[0].total_ms, 1000);
  EXPECT_EQ(attempt_log.back(), "mempool:price:timeout");
  EXPECT_DOUBLE_EQ(latencies.back(), 1000);
  // The transport's late answer is dropped: no second callback.
  transport.release_next(http_response(200, "{}"));
  EXPECT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(client->in_flight(), 0u);
  EXPECT_EQ(scheduler.pending(), 0u);
}

TEST_F(UpstreamClientTest, AttemptTimeoutNeverRunsPastTheDeadline) {
  auto p = policy();
  p.retry.max_attempts = 1;
  ASSERT_FALSE(client->configure("mempool", p));
  transport.hold();
  fetch("mempool", 400);
  ASSERT_EQ(transport.requests.size(), 1u);
  EXPECT_EQ(transport.requests[0].timeout_ms, 400);
  scheduler.advance(400);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].result.error().category, ErrorCategory::timeout);
}

TEST_F(UpstreamClientTest, ClientErrorsAreNotRetriedAndDoNotHurtTheBreaker) {
  ASSERT_FALSE(client->configure("coinbase", policy()));
  script({http_response(404, "{\"errors\":[]}")});
  fetch("coinbase", 30000);
  scheduler.advance(10000);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].result.error().category, ErrorCategory::upstream_4xx);
  EXPECT_EQ(outcomes[0].attempts, 1);
  EXPECT_EQ(outcomes[0].stopped_because, RetryStop::not_retryable);
  EXPECT_EQ(sent.size(), 1u);
  EXPECT_EQ(client->snapshot()[0].breaker.calls_in_window, 0);
}

TEST_F(UpstreamClientTest, BreakerOpensThenFailsFastWithoutTouchingTheTransport) {
  auto p = policy();
  p.retry.max_attempts = 1;
  p.breaker.minimum_calls = 3;
  ASSERT_FALSE(client->configure("kraken", p));
  script({http_response(500, "down")});
  for (int i = 0; i < 3; ++i) fetch("kraken", 30000);
  scheduler.run_due();
  ASSERT_EQ(outcomes.size(), 3u);
  EXPECT_EQ(client->breaker_state("kraken"), BreakerState::open);
  ASSERT_EQ(transitions.size(), 1u);
  EXPECT_EQ(transitions[0].provider, "kraken");
  EXPECT_EQ(transitions[0].to, BreakerState::open);

  clock.advance(10000);
  fetch("kraken", 30000);
  scheduler.run_due();
  ASSERT_EQ(outcomes.size(), 4u);
  const Error& error = outcomes[3].result.error();
  EXPECT_EQ(error.category, ErrorCategory::circuit_open);
  EXPECT_TRUE(error.retryable);
  EXPECT_EQ(error.retry_after_ms, 20000);
  EXPECT_EQ(error.provider, "kraken");
  EXPECT_EQ(outcomes[3].attempts, 0);
  EXPECT_EQ(outcomes[3].stopped_because, RetryStop::circuit_open);
  EXPECT_EQ(transport.requests.size(), 3u);
  EXPECT_EQ(attempt_log.back(), "kraken:price:circuit_open");

  // After the break a probe goes through and closes the breaker.
  clock.advance(20000);
  EXPECT_EQ(client->breaker_state("kraken"), BreakerState::half_open);
  script({http_response(200, "{}")});
  fetch("kraken", 30000);
  scheduler.run_due();
  ASSERT_EQ(outcomes.size(), 5u);
  EXPECT_TRUE(outcomes[4].result.ok());
  EXPECT_EQ(client->breaker_state("kraken"), BreakerState::closed);
  EXPECT_EQ(transitions.size(), 3u);
}

TEST_F(UpstreamClientTest, HalfOpenLetsOneProbeThroughAndRejectsTheRest) {
  auto p = policy();
  p.retry.max_attempts = 1;
  p.breaker.minimum_calls = 1;
  p.breaker.break_duration_ms = 1000;
  p.breaker.max_break_ms = 1000;
  ASSERT_FALSE(client->configure("kraken", p));
  script({http_response(500, "down")});
  fetch("kraken", 30000);
  scheduler.run_due();
  ASSERT_EQ(client->breaker_state("kraken"), BreakerState::open);
  clock.advance(1000);
  transport.hold();
  fetch("kraken", 30000);  // the probe
  fetch("kraken", 30000);  // concurrent: rejected, no second request to a sick provider
  fetch("kraken", 30000);
  scheduler.run_due();
  EXPECT_EQ(transport.held(), 1u);
  ASSERT_EQ(outcomes.size(), 3u);
  EXPECT_EQ(outcomes[1].result.error().category, ErrorCategory::circuit_open);
  EXPECT_EQ(outcomes[2].result.error().category, ErrorCategory::circuit_open);
  transport.release_next(http_response(200, "{}"));
  ASSERT_EQ(outcomes.size(), 4u);
  EXPECT_TRUE(outcomes[3].result.ok());
  EXPECT_EQ(client->breaker_state("kraken"), BreakerState::closed);
}

TEST_F(UpstreamClientTest, BreakerOpeningMidRetryStopsTheRetries) {
  auto p = policy();
  p.retry.max_attempts = 3;
  p.breaker.consecutive_failures = 2;
  ASSERT_FALSE(client->configure("esplora", p));
  script({transport_failure(TransportFailure::network)});
  fetch("esplora", 30000);
  scheduler.advance(10000);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].attempts, 2);
  EXPECT_EQ(outcomes[0].retries, 2);
  EXPECT_EQ(outcomes[0].stopped_because, RetryStop::circuit_open);
  EXPECT_EQ(outcomes[0].result.error().category, ErrorCategory::circuit_open);
  ASSERT_EQ(outcomes[0].attempt_errors.size(), 2u);
  EXPECT_EQ(outcomes[0].attempt_errors[1].category, ErrorCategory::network);
}

TEST_F(UpstreamClientTest, WaitingOnOneHostDoesNotDelayAnother) {
  auto slow = policy();
  slow.rate_limit = RateLimit{1, 0.1};  // 1 per 10 s
  ASSERT_FALSE(client->configure("blockchain_info", slow));
  ASSERT_FALSE(client->configure("mempool", policy()));
  script({http_response(200, "{}")});
  fetch("blockchain_info", 60000, {}, "https://blockchain.info/q/getblockcount");
  fetch("blockchain_info", 60000, {}, "https://blockchain.info/q/getblockcount?2");
  fetch("mempool", 60000, {}, "https://mempool.space/api/v1/fees/recommended");
  scheduler.run_due();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1].first, "https://mempool.space/api/v1/fees/recommended");
  EXPECT_EQ(sent[1].second, kStart);
  ASSERT_EQ(wait_log.size(), 1u);
  EXPECT_EQ(wait_log[0], (std::pair<std::string, int64_t>{"blockchain_info", 10000}));
  scheduler.advance(9999);
  EXPECT_EQ(sent.size(), 2u);
  scheduler.advance(1);
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[2].first, "https://blockchain.info/q/getblockcount?2");
  EXPECT_EQ(sent[2].second, kStart + 10000);
  EXPECT_EQ(outcomes.size(), 3u);
}

TEST_F(UpstreamClientTest, LimiterWaitPastTheDeadlineGivesUpWithoutSending) {
  auto slow = policy();
  slow.rate_limit = RateLimit{1, 0.1};
  slow.breaker.minimum_calls = 1;
  ASSERT_FALSE(client->configure("blockchain_info", slow));
  script({http_response(200, "{}")});
  fetch("blockchain_info", 60000);
  fetch("blockchain_info", 5000);  // next slot is 10 s away
  scheduler.run_due();
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(sent.size(), 1u);
  const Error& error = outcomes[1].result.error();
  EXPECT_EQ(error.category, ErrorCategory::rate_limited);
  EXPECT_EQ(error.provider, "blockchain_info");
  EXPECT_EQ(error.retry_after_ms, 10000);
  EXPECT_EQ(outcomes[1].stopped_because, RetryStop::deadline);
  EXPECT_EQ(outcomes[1].attempts, 0);
  // Not a provider failure: the breaker saw one success and nothing else.
  auto s = client->snapshot()[0].breaker;
  EXPECT_EQ(s.calls_in_window, 1);
  EXPECT_EQ(s.failures_in_window, 0);
}

TEST_F(UpstreamClientTest, ValidatorRejectionCountsAsParseFailure) {
  auto p = policy();
  p.breaker.consecutive_failures = 2;
  ASSERT_FALSE(client->configure("fng", p));
  script({http_response(200, "<html>cloudflare</html>")});
  Validator must_be_json = [](const HttpResponse& response) -> std::optional<Error> {
    if (!response.body.empty() && response.body.front() == '{') return std::nullopt;
    return make_error(ErrorCategory::parse, "", "", "body is not a JSON object");
  };
  fetch("fng", 30000, must_be_json);
  scheduler.advance(10000);
  ASSERT_EQ(outcomes.size(), 1u);
  const Error& error = outcomes[0].result.error();
  EXPECT_EQ(error.category, ErrorCategory::parse);
  EXPECT_EQ(error.provider, "fng");
  EXPECT_EQ(error.operation, "price");
  EXPECT_EQ(error.upstream_status, 200);
  EXPECT_EQ(outcomes[0].attempts, 1);  // garbage is not retried
  EXPECT_EQ(outcomes[0].stopped_because, RetryStop::not_retryable);
  EXPECT_EQ(attempt_log.back(), "fng:price:parse");
  auto s = client->snapshot()[0].breaker;
  EXPECT_EQ(s.failures_in_window, 1);
  fetch("fng", 30000, must_be_json);
  scheduler.advance(10000);
  EXPECT_EQ(client->breaker_state("fng"), BreakerState::open);
}

TEST_F(UpstreamClientTest, DeadlineStopsRetriesWithTheLastError) {
  auto p = policy();
  p.retry.max_attempts = 5;
  p.retry.base_delay_ms = 1000;
  p.retry.max_delay_ms = 1000;
  ASSERT_FALSE(client->configure("coingecko", p));
  script({http_response(502, "bad gateway")});
  fetch("coingecko", 2500);
  scheduler.advance(10000);
  ASSERT_EQ(outcomes.size(), 1u);
  const FetchOutcome& outcome = outcomes[0];
  EXPECT_EQ(outcome.attempts, 3);  // t=0, 1000, 2000; the next would start at 3000 > 2500
  EXPECT_EQ(outcome.stopped_because, RetryStop::deadline);
  EXPECT_NE(outcome.stop_detail.find("deadline"), std::string::npos) << outcome.stop_detail;
  EXPECT_EQ(outcome.result.error().category, ErrorCategory::upstream_5xx);
  EXPECT_EQ(outcome.result.error().upstream_status, 502);
  ASSERT_EQ(sent.size(), 3u);
  for (const auto& [url, at] : sent) EXPECT_LT(at, kStart + 2500);
  EXPECT_EQ(transport.requests[2].timeout_ms, 500);  // what is left of the deadline
}

TEST_F(UpstreamClientTest, UnknownProviderIsAConfigErrorDeliveredAsynchronously) {
  fetch("nope", 30000);
  EXPECT_TRUE(outcomes.empty());
  scheduler.run_due();
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].result.error().category, ErrorCategory::config);
  EXPECT_NE(outcomes[0].result.error().message.find("\"nope\""), std::string::npos);
  EXPECT_TRUE(transport.requests.empty());
}

TEST_F(UpstreamClientTest, DoneNeverRunsInsideFetchEvenForSynchronousTransports) {
  ASSERT_FALSE(client->configure("coinbase", policy()));
  script({http_response(200, "{}")});
  fetch("coinbase", 30000);
  EXPECT_EQ(sent.size(), 1u);
  EXPECT_TRUE(outcomes.empty());
  scheduler.run_due();
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_TRUE(outcomes[0].result.ok());
  EXPECT_EQ(client->in_flight(), 0u);
}

TEST_F(UpstreamClientTest, DeadlineAlreadyPassedFailsWithoutSending) {
  ASSERT_FALSE(client->configure("coinbase", policy()));
  script({http_response(200, "{}")});
  fetch("coinbase", 0);
  scheduler.run_due();
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].result.error().category, ErrorCategory::timeout);
  EXPECT_EQ(outcomes[0].stopped_because, RetryStop::deadline);
  EXPECT_TRUE(sent.empty());
}

TEST_F(UpstreamClientTest, LateAnswerAfterDestructionIsDropped) {
  ASSERT_FALSE(client->configure("coingecko", policy()));
  transport.hold();
  fetch("coingecko", 30000);
  ASSERT_EQ(transport.held(), 1u);
  EXPECT_EQ(scheduler.pending(), 1u);  // the answer guard
  client.reset();
  EXPECT_EQ(scheduler.pending(), 0u);  // cancelled with the client
  transport.release_next(http_response(200, "{}"));
  scheduler.advance(60000);
  EXPECT_TRUE(outcomes.empty());
}

TEST_F(UpstreamClientTest, ConfigureValidatesCapsAndKeepsBreakerState) {
  auto bad = policy();
  bad.timeout_ms = 0;
  auto error = client->configure("coingecko", bad);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->category, ErrorCategory::config);
  EXPECT_EQ(error->provider, "coingecko");
  EXPECT_NE(error->message.find("timeout_ms"), std::string::npos);
  bad = policy();
  bad.retry.max_attempts = 0;
  EXPECT_TRUE(client->configure("coingecko", bad));
  EXPECT_EQ(client->provider_count(), 0u);
  EXPECT_TRUE(client->configure("", policy()));

  auto p = policy();
  p.retry.max_attempts = 1;
  p.breaker.minimum_calls = 1;
  ASSERT_FALSE(client->configure("coingecko", p));
  script({http_response(500, "down")});
  fetch("coingecko", 30000);
  scheduler.run_due();
  ASSERT_EQ(client->breaker_state("coingecko"), BreakerState::open);
  p.timeout_ms = 2000;
  ASSERT_FALSE(client->configure("coingecko", p));
  EXPECT_EQ(client->breaker_state("coingecko"), BreakerState::open);
  EXPECT_EQ(client->provider_count(), 1u);
  EXPECT_FALSE(client->breaker_state("unknown"));

  make_client(UpstreamClientLimits{2, 16});
  ASSERT_FALSE(client->configure("a", policy()));
  ASSERT_FALSE(client->configure("b", policy()));
  auto full = client->configure("c", policy());
  ASSERT_TRUE(full);
  EXPECT_EQ(full->category, ErrorCategory::config);
  EXPECT_FALSE(client->configure("a", policy()));  // reconfiguring a known one is fine
}

TEST_F(UpstreamClientTest, ProvidersSharingALimiterKeyShareTheBudget) {
  auto p = policy();
  p.rate_limit = RateLimit{1, 1};
  p.rate_limit_key = "mempool.space";
  ASSERT_FALSE(client->configure("mempool", p));
  ASSERT_FALSE(client->configure("esplora", p));
  script({http_response(200, "{}")});
  fetch("mempool", 30000);
  fetch("esplora", 30000);
  scheduler.run_due();
  EXPECT_EQ(sent.size(), 1u);
  scheduler.advance(1000);
  EXPECT_EQ(sent.size(), 2u);
  EXPECT_EQ(client->limiter_host_count(), 1u);
}

TEST_F(UpstreamClientTest, DefaultRateLimitComesFromTheProviderTable) {
  auto p = policy();
  p.rate_limit.reset();
  ASSERT_FALSE(client->configure("blockchain_info", p));
  ASSERT_FALSE(client->configure("some_new_api", p));
  auto snapshots = client->snapshot();
  ASSERT_EQ(snapshots.size(), 2u);
  ASSERT_TRUE(snapshots[0].limiter);
  EXPECT_EQ(snapshots[0].provider, "blockchain_info");
  EXPECT_DOUBLE_EQ(snapshots[0].limiter->limit.refill_per_second, 0.1);
  EXPECT_DOUBLE_EQ(snapshots[1].limiter->limit.refill_per_second, kFallbackRateLimit.refill_per_second);
}

TEST_F(UpstreamClientTest, SnapshotJsonForHealth) {
  auto p = policy();
  p.retry.max_attempts = 1;
  p.breaker.minimum_calls = 1;
  ASSERT_FALSE(client->configure("coingecko", p));
  ASSERT_FALSE(client->configure("mempool", policy()));
  script({http_response(500, "down")});
  fetch("coingecko", 30000);
  scheduler.run_due();
  nlohmann::json j = client->snapshot_json();
  EXPECT_EQ(j["providers"]["coingecko"]["breaker"]["state"], "open");
  EXPECT_EQ(j["providers"]["coingecko"]["breaker"]["ms_until_half_open"], 30000);
  EXPECT_EQ(j["providers"]["mempool"]["breaker"]["state"], "closed");
  EXPECT_EQ(j["providers"]["mempool"]["limiter"]["host"], "mempool");
  EXPECT_EQ(j["in_flight"], 0);
}

TEST_F(UpstreamClientTest, TenThousandFailingCallsKeepStateBounded) {
  auto p = policy();
  p.retry.base_delay_ms = 1;
  p.retry.max_delay_ms = 10;
  ASSERT_FALSE(client->configure("coingecko", p));  // breaker never trips: every call retries
  script({http_response(503, "down")});
  for (int i = 0; i < 10000; ++i) {
    fetch("coingecko", 30000);
    scheduler.advance(50);
  }
  ASSERT_EQ(outcomes.size(), 10000u);
  for (const FetchOutcome& outcome : outcomes) {
    ASSERT_EQ(outcome.attempts, 3);
    ASSERT_LE(outcome.attempt_errors.size(), FetchOutcome::kMaxAttemptErrors);
  }
  EXPECT_EQ(sent.size(), 30000u);
  EXPECT_EQ(client->in_flight(), 0u);
  EXPECT_EQ(scheduler.pending(), 0u);
  EXPECT_EQ(client->limiter_host_count(), 1u);
  EXPECT_EQ(client->provider_count(), 1u);
  // The window only holds its last 30 s (50 ms per call, 3 attempts each).
  EXPECT_LE(client->snapshot()[0].breaker.calls_in_window, 30000 / 50 * 3 + 3);

  // With a breaker that trips, the calls fail fast and nothing piles up either.
  auto tripping = policy();
  tripping.breaker.minimum_calls = 10;
  ASSERT_FALSE(client->configure("kraken", tripping));
  for (int i = 0; i < 10000; ++i) {
    fetch("kraken", 30000);
    scheduler.advance(10);
  }
  EXPECT_EQ(outcomes.size(), 20000u);
  EXPECT_EQ(client->in_flight(), 0u);
  EXPECT_EQ(scheduler.pending(), 0u);
  EXPECT_LE(client->snapshot()[1].breaker.probes_in_flight, 1);
}

TEST_F(UpstreamClientTest, ConcurrentCallsBeyondTheCapFailFast) {
  make_client(UpstreamClientLimits{4, 100});
  auto p = policy();
  p.retry.max_attempts = 1;
  ASSERT_FALSE(client->configure("coingecko", p));
  transport.hold();
  for (int i = 0; i < 10000; ++i) fetch("coingecko", 30000);
  EXPECT_EQ(client->in_flight(), 100u);
  EXPECT_EQ(transport.held(), 100u);
  scheduler.run_due();
  ASSERT_EQ(outcomes.size(), 9900u);
  EXPECT_EQ(outcomes[0].result.error().category, ErrorCategory::rate_limited);
  EXPECT_NE(outcomes[0].result.error().message.find("in flight"), std::string::npos);
  scheduler.advance(1000);  // the held ones time out
  EXPECT_EQ(outcomes.size(), 10000u);
  EXPECT_EQ(client->in_flight(), 0u);
  EXPECT_EQ(scheduler.pending(), 0u);
  while (transport.held() > 0) transport.release_next(http_response(200, "{}"));  // all late
  EXPECT_EQ(outcomes.size(), 10000u);
}

}  // namespace
}  // namespace ltl
