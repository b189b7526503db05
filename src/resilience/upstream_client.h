#pragma once
// Every upstream call goes through here. Per attempt:
//   breaker try_acquire (rejected → circuit_open at once, transport untouched)
//   → rate limiter reserve (waits on the scheduler; other hosts are not delayed)
//   → admission gate, when the host set one (a fleet-wide budget; denied → rate_limited)
//   → transport.send with min(provider timeout, time left before the deadline),
//     guarded by our own timer in case the transport never answers
//   → classify_http_result → validator (a 2xx body can still be garbage: parse error)
//   → breaker outcome (breaker_outcome_for) → Retry-After pauses the host's limiter (and the gate)
//   → retry decision (RetrySchedule) with the delay waited on the scheduler.
// `done` runs exactly once and never synchronously inside fetch(). Nothing runs after
// the client is destroyed: late transport answers and timers are dropped, and the
// callbacks of calls still in flight are discarded without being called.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/clock.h"
#include "core/error.h"
#include "core/result.h"
#include "core/scheduler.h"
#include "net/http.h"
#include "resilience/admission_gate.h"
#include "resilience/circuit_breaker.h"
#include "resilience/rate_limiter.h"
#include "resilience/retry.h"

namespace ltl {

struct ProviderPolicy {
  int64_t timeout_ms = 10000;  // per attempt, 1..300000
  RetryPolicy retry;
  BreakerOptions breaker;
  // nullopt: known_provider_rate_limit(provider), else kFallbackRateLimit.
  std::optional<RateLimit> rate_limit;
  // Which limiter bucket the provider draws from; empty = the provider's name. Providers
  // that point at the same upstream host (e.g. mempool and esplora on one instance)
  // should name the same key so they share one budget; the last configure() sets its limit.
  std::string rate_limit_key;
  // Longest a call queues for the limiter (or a Retry-After pause) before it fails with
  // rate_limited, so a fallback chain moves on to the next provider instead of waiting.
  int64_t max_limiter_wait_ms = 300000;

  std::optional<Error> validate() const;
};

struct FetchOutcome {
  static constexpr size_t kMaxAttemptErrors = 10;

  Result<HttpResponse> result = HttpResponse{};
  int attempts = 0;  // transport sends
  int retries = 0;   // attempts after the first (including one the breaker then refused)
  double total_ms = 0;  // from fetch() to done, monotonic
  std::vector<Error> attempt_errors;  // most recent kMaxAttemptErrors, oldest first
  RetryStop stopped_because = RetryStop::none;  // none on success
  std::string stop_detail;  // why it stopped, with the numbers; empty on success
};

using Validator = std::function<std::optional<Error>(const HttpResponse&)>;
using FetchCallback = std::function<void(FetchOutcome)>;

// Hooks for metrics; any may be left empty.
struct UpstreamObserver {
  // outcome: "ok", an ErrorCategory name, or "circuit_open" for an attempt the breaker
  // refused (latency 0, the transport was not called).
  std::function<void(const std::string& provider, const std::string& operation,
                     const std::string& outcome, double latency_ms)>
      on_attempt;
  std::function<void(const std::string& provider, int64_t delay_ms, const std::string& reason)> on_retry;
  std::function<void(const std::string& provider, int64_t wait_ms)> on_rate_limit_wait;
  std::function<void(const BreakerTransition& event)> on_breaker_transition;
  // The admission gate refused an attempt (retry_after_ms 0 when the gate gave none).
  std::function<void(const std::string& provider, int64_t retry_after_ms, const std::string& reason)>
      on_admission_denied;
};

struct UpstreamProviderSnapshot {
  std::string provider;
  BreakerSnapshot breaker;
  std::optional<HostLimiterSnapshot> limiter;
};
void to_json(nlohmann::json& out, const UpstreamProviderSnapshot& snapshot);

struct UpstreamClientLimits {
  size_t max_providers = 32;
  size_t max_in_flight = 1024;  // concurrent fetches; beyond it fetch fails fast (rate_limited)
};

class UpstreamClient {
 public:
  UpstreamClient(const Clock& clock, Scheduler& scheduler, HttpTransport& transport,
                 RandomSource random, UpstreamObserver observer = {}, UpstreamClientLimits limits = {});
  ~UpstreamClient();
  UpstreamClient(const UpstreamClient&) = delete;
  UpstreamClient& operator=(const UpstreamClient&) = delete;

  // Adds a provider or replaces its policy. The breaker keeps its state (see
  // CircuitBreaker::reconfigure) and calls in flight keep the policy they started with.
  std::optional<Error> configure(const std::string& provider, const ProviderPolicy& policy);

  // `deadline_ms` is unix ms (Clock::now_ms): no attempt starts or runs past it.
  // request.timeout_ms is replaced by min(policy timeout_ms, time left before the deadline).
  // An unknown provider fails with a config error. Observer hooks run synchronously inside
  // the client and must not destroy it; `done` may.
  void fetch(const std::string& provider, const std::string& operation, HttpRequest request,
             Validator validator, int64_t deadline_ms, FetchCallback done);

  void set_observer(UpstreamObserver observer) { observer_ = std::move(observer); }

  // A fleet budget asked before every attempt (after the local limiter), told of every
  // Retry-After; null (the default) = local limits only. Not owned: it must outlive this
  // client or be reset to null first, and must not call back into the client from pause().
  // An answer for a call that already finished (deadline, destruction) is ignored.
  void set_admission_gate(AdmissionGate* gate) { gate_ = gate; }

  // nullopt for an unconfigured provider. Moves open → half_open when the break elapsed.
  std::optional<BreakerState> breaker_state(const std::string& provider);
  std::vector<UpstreamProviderSnapshot> snapshot();  // sorted by provider
  nlohmann::json snapshot_json();

  size_t provider_count() const { return providers_.size(); }
  size_t in_flight() const { return calls_.size(); }
  size_t limiter_host_count() const { return limiter_.host_count(); }

 private:
  struct Provider {
    ProviderPolicy policy;
    std::string limiter_key;
    RateLimit rate_limit;  // what configure() gave the limiter; the gate is asked for the same
    std::unique_ptr<CircuitBreaker> breaker;
  };
  struct Call;

  void start_attempt(uint64_t call_id);
  void wait_for_limiter(uint64_t call_id);
  void ask_gate(uint64_t call_id);
  void on_admission(uint64_t call_id, uint64_t admission_token, Admission admission);
  void send_attempt(uint64_t call_id);
  void on_answer(uint64_t call_id, uint64_t attempt_token, HttpResult result);
  void on_attempt_failed(Call& call, Error error);
  void finish(Call& call, Result<HttpResponse> result, RetryStop stop, std::string detail);
  void deliver(uint64_t call_id);
  void run_later(Call& call, int64_t delay_ms, void (UpstreamClient::*step)(uint64_t));
  void fail_before_start(Error error, FetchCallback done);
  Call* find_call(uint64_t call_id);
  Provider& provider_of(const Call& call);
  void notify_attempt(const Call& call, const std::string& outcome, double latency_ms);

  const Clock& clock_;
  Scheduler& scheduler_;
  HttpTransport& transport_;
  RandomSource random_;
  UpstreamObserver observer_;
  UpstreamClientLimits limits_;
  AdmissionGate* gate_ = nullptr;
  RateLimiter limiter_;
  std::map<std::string, Provider> providers_;
  std::unordered_map<uint64_t, std::unique_ptr<Call>> calls_;
  uint64_t last_call_id_ = 0;
  // Callbacks from the transport and the scheduler hold a weak reference: once the
  // client is gone they see it expired and return without touching anything.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace ltl
