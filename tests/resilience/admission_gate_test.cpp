// UpstreamClient with an AdmissionGate (a fleet budget) on the manual clock.
#include <gtest/gtest.h>

#include <deque>
#include <memory>

#include "resilience/upstream_client.h"
#include "support/fake_transport.h"

namespace ltl {
namespace {

using testing::http_response;

constexpr int64_t kStart = 1767225600000;  // Thu, 01 Jan 2026 00:00:00 GMT

// Records every question; answers at once from `answer_now`, or holds it for the test.
class FakeGate final : public AdmissionGate {
 public:
  struct Ask {
    std::string budget;
    double rate_per_min;
    double burst;
    std::function<void(Admission)> done;
  };
  void admit(const std::string& budget, double rate_per_min, double burst,
             std::function<void(Admission)> done) override {
    if (answer_now) {
      asks.push_back({budget, rate_per_min, burst, {}});
      done(*answer_now);
      return;
    }
    asks.push_back({budget, rate_per_min, burst, std::move(done)});
  }
  void pause(const std::string& budget, int64_t retry_after_ms) override { pauses.push_back({budget, retry_after_ms}); }

  std::optional<Admission> answer_now;
  std::deque<Ask> asks;
  std::vector<std::pair<std::string, int64_t>> pauses;
};

Admission denied(int64_t retry_after_ms, std::string reason) { return Admission{false, retry_after_ms, std::move(reason)}; }

class AdmissionGateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    UpstreamObserver observer;
    observer.on_admission_denied = [this](const std::string& provider, int64_t retry_after_ms, const std::string& reason) {
      denials.push_back(provider + ":" + std::to_string(retry_after_ms) + ":" + reason);
    };
    client = std::make_unique<UpstreamClient>(clock, scheduler, transport, seeded_random(7), observer);
    transport.answer_with([this](const HttpRequest& request) {
      sent.push_back({request.url, clock.now_ms()});
      return http_response(200, "{}");
    });
  }

  // A breaker that trips after 2 failures, so a denial counted as a failure would show.
  static ProviderPolicy policy() {
    ProviderPolicy p;
    p.timeout_ms = 1000;
    p.retry.max_attempts = 3;
    p.retry.base_delay_ms = 100;
    p.retry.max_delay_ms = 1000;
    p.breaker.minimum_calls = 2;
    p.breaker.consecutive_failures = 2;
    p.rate_limit = RateLimit{4, 0.5};  // burst 4, 30 per minute
    return p;
  }

  void fetch(const std::string& provider, int64_t deadline_in_ms, std::string url = "https://api.example/x") {
    HttpRequest request;
    request.url = std::move(url);
    client->fetch(provider, "price", request, {}, clock.now_ms() + deadline_in_ms,
                  [this](FetchOutcome outcome) { outcomes.push_back(std::move(outcome)); });
  }

  ManualClock clock{kStart};
  ManualScheduler scheduler{clock};
  testing::FakeTransport transport;
  FakeGate gate;
  std::unique_ptr<UpstreamClient> client;
  std::vector<FetchOutcome> outcomes;
  std::vector<std::pair<std::string, int64_t>> sent;
  std::vector<std::string> denials;
};

TEST_F(AdmissionGateTest, NoGateSendsWithoutAsking) {
  ASSERT_FALSE(client->configure("coingecko", policy()));
  fetch("coingecko", 5000);
  scheduler.run_due();
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_TRUE(outcomes[0].result.ok());
  EXPECT_TRUE(gate.asks.empty());
}

TEST_F(AdmissionGateTest, DeniedFinishesRateLimitedWithoutSendingOrHurtingTheBreaker) {
  ASSERT_FALSE(client->configure("coingecko", policy()));
  client->set_admission_gate(&gate);
  gate.answer_now = denied(4200, "fleet budget spent");
  for (int i = 0; i < 4; ++i) fetch("coingecko", 30000);  // the local burst: no limiter wait
  scheduler.run_due();
  ASSERT_EQ(outcomes.size(), 4u);
  EXPECT_TRUE(sent.empty());
  for (const FetchOutcome& outcome : outcomes) {
    ASSERT_FALSE(outcome.result.ok());
    const Error& error = outcome.result.error();
    EXPECT_EQ(error.category, ErrorCategory::rate_limited);
    EXPECT_EQ(error.provider, "coingecko");
    EXPECT_EQ(error.retry_after_ms, 4200);
    EXPECT_NE(error.message.find("fleet budget spent"), std::string::npos) << error.message;
    EXPECT_EQ(outcome.attempts, 0);
    EXPECT_EQ(outcome.retries, 0);  // no retry on this provider: a chain moves on at once
    EXPECT_EQ(outcome.stopped_because, RetryStop::deadline);
  }
  EXPECT_EQ(clock.now_ms(), kStart);
  EXPECT_EQ(client->breaker_state("coingecko"), BreakerState::closed);
  const BreakerSnapshot breaker = client->snapshot().at(0).breaker;
  EXPECT_EQ(breaker.calls_in_window, 0);
  EXPECT_EQ(breaker.failures_in_window, 0);
  ASSERT_EQ(denials.size(), 4u);
  EXPECT_EQ(denials[0], "coingecko:4200:fleet budget spent");
  // Asked with the local limit: burst 4, 0.5/s = 30 per minute.
  ASSERT_EQ(gate.asks.size(), 4u);
  EXPECT_EQ(gate.asks[0].budget, "coingecko");
  EXPECT_DOUBLE_EQ(gate.asks[0].rate_per_min, 30);
  EXPECT_DOUBLE_EQ(gate.asks[0].burst, 4);
}

TEST_F(AdmissionGateTest, ProvidersSharingALimiterKeyAskForTheSameBudget) {
  auto p = policy();
  p.rate_limit_key = "mempool-host";
  ASSERT_FALSE(client->configure("mempool", p));
  ASSERT_FALSE(client->configure("esplora", p));
  client->set_admission_gate(&gate);
  gate.answer_now = Admission{};
  fetch("mempool", 5000);
  fetch("esplora", 5000);
  scheduler.run_due();
  ASSERT_EQ(gate.asks.size(), 2u);
  EXPECT_EQ(gate.asks[0].budget, "mempool-host");
  EXPECT_EQ(gate.asks[1].budget, "mempool-host");
  EXPECT_EQ(sent.size(), 2u);
}

TEST_F(AdmissionGateTest, AnAsynchronousAllowSendsOnlyAfterTheAnswer) {
  ASSERT_FALSE(client->configure("coingecko", policy()));
  client->set_admission_gate(&gate);
  fetch("coingecko", 5000);
  scheduler.advance(50);
  ASSERT_EQ(gate.asks.size(), 1u);
  EXPECT_TRUE(sent.empty());
  EXPECT_TRUE(outcomes.empty());
  gate.asks[0].done(Admission{});
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].second, kStart + 50);
  scheduler.run_due();
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_TRUE(outcomes[0].result.ok());
  EXPECT_EQ(outcomes[0].attempts, 1);
  // A duplicate answer is ignored: nothing is sent twice.
  gate.asks[0].done(Admission{});
  EXPECT_EQ(sent.size(), 1u);
  EXPECT_EQ(client->in_flight(), 0u);
}

TEST_F(AdmissionGateTest, EveryRetryAsksAgain) {
  ASSERT_FALSE(client->configure("coingecko", policy()));
  client->set_admission_gate(&gate);
  gate.answer_now = Admission{};
  auto answers = std::make_shared<std::deque<HttpResult>>(
      std::deque<HttpResult>{http_response(500, "oops"), http_response(200, "{}")});
  transport.answer_with([this, answers](const HttpRequest& request) {
    sent.push_back({request.url, clock.now_ms()});
    HttpResult next = answers->front();
    answers->pop_front();
    return next;
  });
  fetch("coingecko", 30000);
  scheduler.advance(5000);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_TRUE(outcomes[0].result.ok());
  EXPECT_EQ(sent.size(), 2u);
  EXPECT_EQ(gate.asks.size(), 2u);
}

TEST_F(AdmissionGateTest, AGateThatNeverAnswersEndsAtTheDeadlineAndALateAnswerIsIgnored) {
  ASSERT_FALSE(client->configure("coingecko", policy()));
  client->set_admission_gate(&gate);
  fetch("coingecko", 3000);
  scheduler.advance(2999);
  EXPECT_TRUE(outcomes.empty());
  scheduler.advance(1);
  ASSERT_EQ(outcomes.size(), 1u);
  ASSERT_FALSE(outcomes[0].result.ok());
  EXPECT_EQ(outcomes[0].result.error().category, ErrorCategory::timeout);
  EXPECT_EQ(outcomes[0].stopped_because, RetryStop::deadline);
  EXPECT_NE(outcomes[0].stop_detail.find("admission gate"), std::string::npos) << outcomes[0].stop_detail;
  EXPECT_EQ(client->snapshot().at(0).breaker.calls_in_window, 0);
  ASSERT_EQ(gate.asks.size(), 1u);
  gate.asks[0].done(Admission{});  // too late: the call is gone
  scheduler.run_due();
  EXPECT_TRUE(sent.empty());
  EXPECT_EQ(outcomes.size(), 1u);
}

TEST_F(AdmissionGateTest, AnAnswerAfterTheClientIsDestroyedIsDropped) {
  ASSERT_FALSE(client->configure("coingecko", policy()));
  client->set_admission_gate(&gate);
  fetch("coingecko", 3000);
  scheduler.run_due();
  ASSERT_EQ(gate.asks.size(), 1u);
  client.reset();
  gate.asks[0].done(Admission{});
  gate.asks[0].done(denied(10, "late"));
  EXPECT_TRUE(sent.empty());
  EXPECT_TRUE(outcomes.empty());
}

TEST_F(AdmissionGateTest, RetryAfterFromTheProviderPausesTheFleetBudget) {
  auto p = policy();
  p.retry.max_attempts = 1;
  ASSERT_FALSE(client->configure("coingecko", p));
  client->set_admission_gate(&gate);
  gate.answer_now = Admission{};
  transport.answer_with([](const HttpRequest&) { return http_response(429, "{}", {{"retry-after", "7"}}); });
  fetch("coingecko", 30000);
  scheduler.run_due();
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].result.error().category, ErrorCategory::rate_limited);
  ASSERT_EQ(gate.pauses.size(), 1u);
  EXPECT_EQ(gate.pauses[0], (std::pair<std::string, int64_t>{"coingecko", 7000}));
}

TEST_F(AdmissionGateTest, AnErrorWithoutRetryAfterDoesNotPauseTheFleet) {
  auto p = policy();
  p.retry.max_attempts = 1;
  ASSERT_FALSE(client->configure("coingecko", p));
  client->set_admission_gate(&gate);
  gate.answer_now = Admission{};
  transport.answer_with([](const HttpRequest&) { return http_response(503, "busy"); });
  fetch("coingecko", 30000);
  scheduler.run_due();
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_TRUE(gate.pauses.empty());
}

TEST_F(AdmissionGateTest, ADoneThatDestroysTheClientOnASynchronousDenialIsSafe) {
  ASSERT_FALSE(client->configure("coingecko", policy()));
  client->set_admission_gate(&gate);
  scheduler.run_due();
  // Outside fetch(): a retry's admission is denied synchronously and `done` destroys the client.
  transport.answer_with([](const HttpRequest&) { return http_response(500, "oops"); });
  gate.answer_now = Admission{};
  HttpRequest request;
  request.url = "https://api.example/x";
  bool done_ran = false;
  client->fetch("coingecko", "price", request, {}, clock.now_ms() + 30000, [&](FetchOutcome outcome) {
    done_ran = true;
    EXPECT_EQ(outcome.result.error().category, ErrorCategory::rate_limited);
    client.reset();
  });
  scheduler.run_due();  // first attempt 500 → retry scheduled
  gate.answer_now = denied(100, "spent");
  scheduler.advance(2000);
  EXPECT_TRUE(done_ran);
  EXPECT_EQ(client, nullptr);
}

}  // namespace
}  // namespace ltl
