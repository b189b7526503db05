#include "resilience/upstream_client.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "resilience/classify.h"

namespace ltl {
namespace {

constexpr int64_t kMaxTimeoutMs = 300000;

}  // namespace

struct UpstreamClient::Call {
  Call(RetryPolicy retry_policy, RandomSource random) : retry(std::move(retry_policy), std::move(random)) {}

  uint64_t id = 0;
  std::string provider;
  std::string operation;
  HttpRequest request;
  Validator validator;
  int64_t deadline_ms = 0;
  FetchCallback done;
  int64_t timeout_ms = 0;
  RetrySchedule retry;
  double started_ms = 0;          // monotonic
  double attempt_started_ms = 0;  // monotonic
  FetchOutcome outcome;
  BreakerPermit permit;
  bool holds_limiter_slot = false;  // reserved a token, waiting for its time
  bool awaiting_answer = false;
  bool awaiting_admission = false;
  uint64_t admission_token = 0;  // an admission for an older attempt (or after the deadline) is dropped
  uint64_t attempt_token = 0;  // answers for an older attempt (or after our timeout) are dropped
  std::optional<TimerId> timer;  // at most one: a limiter wait, a retry delay or the answer guard
  bool inside_fetch = true;      // done must not run synchronously inside fetch()
};

std::optional<Error> ProviderPolicy::validate() const {
  if (timeout_ms < 1 || timeout_ms > kMaxTimeoutMs)
    return make_error(ErrorCategory::config, "", "provider_policy",
                      "provider policy timeout_ms: got " + std::to_string(timeout_ms) + "; expected 1.." +
                          std::to_string(kMaxTimeoutMs));
  if (max_limiter_wait_ms < 0)
    return make_error(ErrorCategory::config, "", "provider_policy",
                      "provider policy max_limiter_wait_ms: got " + std::to_string(max_limiter_wait_ms) + "; expected >= 0");
  if (auto error = retry.validate()) return error;
  if (auto error = breaker.validate()) return error;
  if (rate_limit) {
    if (auto error = rate_limit->validate()) return error;
  }
  return std::nullopt;
}

void to_json(nlohmann::json& out, const UpstreamProviderSnapshot& s) {
  out = nlohmann::json{{"provider", s.provider}, {"breaker", s.breaker}};
  out["limiter"] = s.limiter ? nlohmann::json(*s.limiter) : nlohmann::json(nullptr);
}

UpstreamClient::UpstreamClient(const Clock& clock, Scheduler& scheduler, HttpTransport& transport,
                               RandomSource random, UpstreamObserver observer, UpstreamClientLimits limits)
    : clock_(clock),
      scheduler_(scheduler),
      transport_(transport),
      random_(std::move(random)),
      observer_(std::move(observer)),
      limits_(limits),
      // Each provider uses one limiter key; re-keying leaves the old key behind, so allow twice.
      limiter_(clock, kFallbackRateLimit, std::max<size_t>(1, limits.max_providers) * 2) {}

UpstreamClient::~UpstreamClient() {
  *alive_ = false;
  alive_.reset();  // every pending transport callback and timer now sees an expired client
  for (auto& [id, call] : calls_) {
    if (call->timer) scheduler_.cancel(*call->timer);
  }
}

std::optional<Error> UpstreamClient::configure(const std::string& provider, const ProviderPolicy& policy) {
  if (provider.empty())
    return make_error(ErrorCategory::config, "", "configure", "provider name: got \"\"; expected a name");
  if (auto error = policy.validate()) {
    error->provider = provider;
    return error;
  }
  auto existing = providers_.find(provider);
  if (existing == providers_.end() && providers_.size() >= limits_.max_providers)
    return make_error(ErrorCategory::config, provider, "configure",
                      "too many providers: " + std::to_string(limits_.max_providers) +
                          " already configured; refusing \"" + provider + "\"");

  const RateLimit limit =
      policy.rate_limit.value_or(known_provider_rate_limit(provider).value_or(kFallbackRateLimit));
  const std::string key = policy.rate_limit_key.empty() ? provider : policy.rate_limit_key;
  if (auto error = limiter_.set_limit(key, limit)) {
    error->provider = provider;
    return error;
  }

  if (existing != providers_.end()) {
    Provider& entry = existing->second;
    if (auto error = entry.breaker->reconfigure(policy.breaker)) return error;
    entry.policy = policy;
    entry.limiter_key = key;
    entry.rate_limit = limit;
    return std::nullopt;
  }
  Provider entry;
  entry.policy = policy;
  entry.limiter_key = key;
  entry.rate_limit = limit;
  entry.breaker = std::make_unique<CircuitBreaker>(provider, clock_, policy.breaker,
                                                   [this](const BreakerTransition& event) {
                                                     if (observer_.on_breaker_transition)
                                                       observer_.on_breaker_transition(event);
                                                   });
  providers_.emplace(provider, std::move(entry));
  return std::nullopt;
}

void UpstreamClient::fetch(const std::string& provider, const std::string& operation, HttpRequest request,
                           Validator validator, int64_t deadline_ms, FetchCallback done) {
  auto found = providers_.find(provider);
  if (found == providers_.end()) {
    fail_before_start(make_error(ErrorCategory::config, provider, operation,
                                 "unknown provider \"" + provider + "\": configure() it before fetch()"),
                      std::move(done));
    return;
  }
  if (calls_.size() >= limits_.max_in_flight) {
    fail_before_start(make_error(ErrorCategory::rate_limited, provider, operation,
                                 "too many upstream calls in flight (" +
                                     std::to_string(limits_.max_in_flight) + ")"),
                      std::move(done));
    return;
  }
  const ProviderPolicy& policy = found->second.policy;
  auto call = std::make_unique<Call>(policy.retry, random_);
  call->id = ++last_call_id_;
  call->provider = provider;
  call->operation = operation;
  call->request = std::move(request);
  call->validator = std::move(validator);
  call->deadline_ms = deadline_ms;
  call->done = std::move(done);
  call->timeout_ms = policy.timeout_ms;
  call->started_ms = clock_.monotonic_ms();
  const uint64_t id = call->id;
  calls_.emplace(id, std::move(call));

  start_attempt(id);
  if (Call* still = find_call(id)) still->inside_fetch = false;
}

void UpstreamClient::fail_before_start(Error error, FetchCallback done) {
  std::weak_ptr<bool> alive = alive_;
  const double started = clock_.monotonic_ms();
  const Clock& clock = clock_;
  scheduler_.schedule(0, [alive, &clock, started, error = std::move(error), done = std::move(done)]() mutable {
    if (alive.expired()) return;
    FetchOutcome outcome;
    outcome.result = error;
    outcome.stopped_because = RetryStop::not_retryable;
    outcome.stop_detail = error.message;
    outcome.total_ms = clock.monotonic_ms() - started;
    if (done) done(std::move(outcome));
  });
}

UpstreamClient::Call* UpstreamClient::find_call(uint64_t call_id) {
  auto it = calls_.find(call_id);
  return it == calls_.end() ? nullptr : it->second.get();
}

UpstreamClient::Provider& UpstreamClient::provider_of(const Call& call) {
  return providers_.at(call.provider);  // providers are never removed, so this always exists
}

void UpstreamClient::notify_attempt(const Call& call, const std::string& outcome, double latency_ms) {
  if (observer_.on_attempt) observer_.on_attempt(call.provider, call.operation, outcome, latency_ms);
}

void UpstreamClient::run_later(Call& call, int64_t delay_ms, void (UpstreamClient::*step)(uint64_t)) {
  std::weak_ptr<bool> alive = alive_;
  const uint64_t id = call.id;
  call.timer = scheduler_.schedule(delay_ms, [this, alive, id, step]() {
    if (alive.expired()) return;
    Call* pending = find_call(id);
    if (!pending) return;
    pending->timer.reset();
    (this->*step)(id);
  });
}

void UpstreamClient::start_attempt(uint64_t call_id) {
  Call* call = find_call(call_id);
  if (!call) return;
  const int64_t now = clock_.now_ms();
  if (now >= call->deadline_ms) {
    const std::string detail = "deadline passed before attempt " + std::to_string(call->outcome.attempts + 1);
    Error error = call->outcome.attempt_errors.empty()
                      ? make_error(ErrorCategory::timeout, call->provider, call->operation, detail)
                      : call->outcome.attempt_errors.back();
    finish(*call, std::move(error), RetryStop::deadline, detail);
    return;
  }
  Provider& provider = provider_of(*call);
  BreakerPermit permit = provider.breaker->try_acquire();
  if (!permit.admitted) {
    notify_attempt(*call, to_string(ErrorCategory::circuit_open), 0);
    const std::string detail =
        permit.state == BreakerState::open
            ? "circuit for \"" + call->provider + "\" is open; half-open in " +
                  std::to_string(permit.retry_after_ms) + " ms"
            : "circuit for \"" + call->provider + "\" is half-open and its probes are busy";
    Error error = make_error(ErrorCategory::circuit_open, call->provider, call->operation, detail);
    error.retry_after_ms = permit.retry_after_ms;
    finish(*call, std::move(error), RetryStop::circuit_open, detail);
    return;
  }
  call->permit = permit;
  wait_for_limiter(call_id);
}

void UpstreamClient::wait_for_limiter(uint64_t call_id) {
  Call* call = find_call(call_id);
  if (!call) return;
  Provider& provider = provider_of(*call);
  const int64_t now = clock_.now_ms();
  // Leave at least 1 ms for the attempt itself; never queue longer than the policy allows.
  const int64_t max_wait = std::min(call->deadline_ms - now - 1, provider.policy.max_limiter_wait_ms);
  int64_t wait = 0;
  if (!call->holds_limiter_slot) {
    Result<int64_t> reserved = limiter_.reserve(provider.limiter_key, std::max<int64_t>(0, max_wait));
    if (!reserved.ok()) {
      provider.breaker->on_ignored(call->permit);  // no call was made: says nothing about health
      Error error = reserved.error();
      error.provider = call->provider;
      error.operation = call->operation;
      const RetryStop stop =
          error.category == ErrorCategory::rate_limited ? RetryStop::deadline : RetryStop::not_retryable;
      finish(*call, error, stop, error.message);
      return;
    }
    call->holds_limiter_slot = true;
    wait = reserved.value();
  } else {
    // Our slot's time came, but a Retry-After may have paused the host meanwhile.
    wait = limiter_.paused_for_ms(provider.limiter_key);
    if (wait > max_wait) {
      provider.breaker->on_ignored(call->permit);
      const std::string detail = "host \"" + provider.limiter_key + "\" is paused for " +
                                 std::to_string(wait) + " ms (Retry-After), longer than this call may wait";
      Error error = make_error(ErrorCategory::rate_limited, call->provider, call->operation, detail);
      error.retry_after_ms = wait;
      finish(*call, std::move(error), RetryStop::deadline, detail);
      return;
    }
  }
  if (wait > 0) {
    if (observer_.on_rate_limit_wait) observer_.on_rate_limit_wait(call->provider, wait);
    run_later(*call, wait, &UpstreamClient::wait_for_limiter);
    return;
  }
  if (gate_) {
    ask_gate(call_id);
    return;
  }
  send_attempt(call_id);
}

void UpstreamClient::ask_gate(uint64_t call_id) {
  Call* call = find_call(call_id);
  if (!call) return;
  Provider& provider = provider_of(*call);
  call->holds_limiter_slot = false;  // the local token is spent whatever the gate says
  call->awaiting_admission = true;
  const uint64_t token = ++call->admission_token;
  std::weak_ptr<bool> alive = alive_;
  // The gate may answer synchronously (then `call` may be gone) or later.
  const std::string budget = provider.limiter_key;  // a copy: configure() may run inside admit's answer
  gate_->admit(budget, provider.rate_limit.refill_per_second * 60, provider.rate_limit.capacity,
               [this, alive, call_id, token](Admission admission) {
                 if (alive.expired()) return;
                 on_admission(call_id, token, std::move(admission));
               });
  if (alive.expired()) return;  // a synchronous denial ran `done`, which may destroy the client
  call = find_call(call_id);
  if (!call || !call->awaiting_admission || call->admission_token != token) return;
  // A gate that never answers must not hold the call past its deadline.
  const int64_t left = std::max<int64_t>(0, call->deadline_ms - clock_.now_ms());
  call->timer = scheduler_.schedule(left, [this, alive, call_id, token]() {
    if (alive.expired()) return;
    Call* pending = find_call(call_id);
    if (!pending || !pending->awaiting_admission || pending->admission_token != token) return;
    pending->timer.reset();
    pending->awaiting_admission = false;
    provider_of(*pending).breaker->on_ignored(pending->permit);
    const std::string detail = "deadline passed waiting for the admission gate (fleet budget \"" +
                               provider_of(*pending).limiter_key + "\") before attempt " +
                               std::to_string(pending->outcome.attempts + 1);
    Error error = pending->outcome.attempt_errors.empty()
                      ? make_error(ErrorCategory::timeout, pending->provider, pending->operation, detail)
                      : pending->outcome.attempt_errors.back();
    finish(*pending, std::move(error), RetryStop::deadline, detail);
  });
}

void UpstreamClient::on_admission(uint64_t call_id, uint64_t admission_token, Admission admission) {
  Call* call = find_call(call_id);
  if (!call || !call->awaiting_admission || call->admission_token != admission_token) return;  // late or duplicate
  call->awaiting_admission = false;
  if (call->timer) {
    scheduler_.cancel(*call->timer);
    call->timer.reset();
  }
  if (admission.allowed) {
    send_attempt(call_id);
    return;
  }
  Provider& provider = provider_of(*call);
  provider.breaker->on_ignored(call->permit);  // no call was made: says nothing about health
  const int64_t retry_after_ms = std::max<int64_t>(0, admission.retry_after_ms);
  if (observer_.on_admission_denied) observer_.on_admission_denied(call->provider, retry_after_ms, admission.reason);
  std::string detail = "fleet budget \"" + provider.limiter_key + "\" denied the attempt";
  if (!admission.reason.empty()) detail += ": " + admission.reason;
  if (retry_after_ms > 0) detail += "; next token in " + std::to_string(retry_after_ms) + " ms";
  Error error = make_error(ErrorCategory::rate_limited, call->provider, call->operation, detail);
  if (retry_after_ms > 0) error.retry_after_ms = retry_after_ms;
  // Like a limiter refusal: no retry here, so a fallback chain moves to its next provider at once.
  finish(*call, std::move(error), RetryStop::deadline, detail);
}

void UpstreamClient::send_attempt(uint64_t call_id) {
  Call* call = find_call(call_id);
  if (!call) return;
  call->holds_limiter_slot = false;
  ++call->outcome.attempts;
  const int64_t now = clock_.now_ms();
  const int64_t attempt_timeout = std::max<int64_t>(1, std::min(call->timeout_ms, call->deadline_ms - now));
  HttpRequest request = call->request;
  request.timeout_ms = attempt_timeout;
  const uint64_t token = ++call->attempt_token;
  call->awaiting_answer = true;
  call->attempt_started_ms = clock_.monotonic_ms();

  // Our own guard, in case the transport never answers (or answers late).
  std::weak_ptr<bool> alive = alive_;
  call->timer = scheduler_.schedule(attempt_timeout, [this, alive, call_id, token, attempt_timeout]() {
    if (alive.expired()) return;
    Call* pending = find_call(call_id);
    if (!pending) return;
    pending->timer.reset();
    HttpResult timed_out;
    timed_out.failure = TransportFailure::timeout;
    timed_out.detail = "no answer within " + std::to_string(attempt_timeout) + " ms";
    on_answer(call_id, token, std::move(timed_out));
  });
  // The transport may answer synchronously; `call` must not be touched after send().
  transport_.send(request, [this, alive, call_id, token](HttpResult result) {
    if (alive.expired()) return;
    on_answer(call_id, token, std::move(result));
  });
}

void UpstreamClient::on_answer(uint64_t call_id, uint64_t attempt_token, HttpResult result) {
  Call* call = find_call(call_id);
  if (!call || !call->awaiting_answer || call->attempt_token != attempt_token) return;  // late or duplicate
  call->awaiting_answer = false;
  if (call->timer) {
    scheduler_.cancel(*call->timer);
    call->timer.reset();
  }
  const double latency_ms = clock_.monotonic_ms() - call->attempt_started_ms;
  const int64_t now = clock_.now_ms();
  std::optional<Error> error = classify_http_result(result, call->provider, call->operation, now);
  if (!error && call->validator) {
    error = call->validator(result.response);
    if (error) {
      if (error->provider.empty()) error->provider = call->provider;
      if (error->operation.empty()) error->operation = call->operation;
      if (error->upstream_status == 0) error->upstream_status = result.response.status;
    }
  }
  Provider& provider = provider_of(*call);
  provider.breaker->on_outcome(call->permit,
                               error ? breaker_outcome_for(error->category) : BreakerOutcome::success);
  notify_attempt(*call, error ? to_string(error->category) : "ok", latency_ms);
  if (!error) {
    finish(*call, std::move(result.response), RetryStop::none, "");
    return;
  }
  // The host told us when it can serve again: hold every call to it until then.
  if (error->retry_after_ms >= 0 &&
      (error->category == ErrorCategory::rate_limited || error->category == ErrorCategory::upstream_5xx)) {
    limiter_.pause_until(provider.limiter_key, now + error->retry_after_ms);
    if (gate_ && error->retry_after_ms > 0)
      gate_->pause(provider.limiter_key, std::min(error->retry_after_ms, RateLimiter::kMaxPauseMs));
  }
  on_attempt_failed(*call, std::move(*error));
}

void UpstreamClient::on_attempt_failed(Call& call, Error error) {
  auto& errors = call.outcome.attempt_errors;
  if (errors.size() >= FetchOutcome::kMaxAttemptErrors) errors.erase(errors.begin());
  errors.push_back(error);
  RetryDecision decision =
      call.retry.after_failure(error, call.outcome.attempts, clock_.now_ms(), call.deadline_ms);
  if (!decision.retry) {
    finish(call, std::move(error), decision.stop, decision.why);
    return;
  }
  ++call.outcome.retries;
  if (observer_.on_retry) observer_.on_retry(call.provider, decision.delay_ms, to_string(error.category));
  run_later(call, decision.delay_ms, &UpstreamClient::start_attempt);
}

void UpstreamClient::finish(Call& call, Result<HttpResponse> result, RetryStop stop, std::string detail) {
  call.outcome.result = std::move(result);
  call.outcome.stopped_because = stop;
  call.outcome.stop_detail = std::move(detail);
  call.outcome.total_ms = clock_.monotonic_ms() - call.started_ms;
  if (call.inside_fetch) {
    run_later(call, 0, &UpstreamClient::deliver);
    return;
  }
  deliver(call.id);
}

void UpstreamClient::deliver(uint64_t call_id) {
  auto node = calls_.extract(call_id);
  if (node.empty()) return;
  std::unique_ptr<Call> call = std::move(node.mapped());
  // Last thing: `done` may start new fetches or even destroy this client.
  if (call->done) call->done(std::move(call->outcome));
}

std::optional<BreakerState> UpstreamClient::breaker_state(const std::string& provider) {
  auto it = providers_.find(provider);
  if (it == providers_.end()) return std::nullopt;
  return it->second.breaker->state();
}

std::vector<UpstreamProviderSnapshot> UpstreamClient::snapshot() {
  std::vector<UpstreamProviderSnapshot> out;
  out.reserve(providers_.size());
  for (auto& [name, provider] : providers_) {
    out.push_back(UpstreamProviderSnapshot{name, provider.breaker->snapshot(),
                                           limiter_.snapshot(provider.limiter_key)});
  }
  return out;  // std::map iteration is already sorted by provider
}

nlohmann::json UpstreamClient::snapshot_json() {
  nlohmann::json providers = nlohmann::json::object();
  for (const UpstreamProviderSnapshot& s : snapshot()) providers[s.provider] = s;
  return nlohmann::json{{"providers", providers}, {"in_flight", calls_.size()}};
}

}  // namespace ltl
