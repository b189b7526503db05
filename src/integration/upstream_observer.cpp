#include "integration/upstream_observer.h"

namespace ltl {

double breaker_state_gauge(BreakerState state) {
  return state == BreakerState::closed ? 0 : state == BreakerState::half_open ? 1 : 2;
}

UpstreamObserver make_upstream_observer(MetricsRegistry& metrics, UpstreamEventSink emit) {
  UpstreamObserver observer;
  observer.on_attempt = [&metrics](const std::string& provider, const std::string&, const std::string& outcome,
                                   double latency_ms) {
    metrics.add("ltl_upstream_requests_total", {{"outcome", outcome == "ok" ? "ok" : "error"}, {"provider", provider}});
    if (outcome != "ok") metrics.add("ltl_upstream_errors_total", {{"category", outcome}, {"provider", provider}});
    // A refused attempt never reached the network: its 0 ms would drag the latency down.
    if (outcome != "circuit_open") metrics.observe("ltl_upstream_latency_ms", {{"provider", provider}}, latency_ms);
  };
  observer.on_retry = [&metrics](const std::string& provider, int64_t delay_ms, const std::string&) {
    metrics.add("ltl_upstream_retries_total", {{"provider", provider}});
    metrics.observe("ltl_upstream_retry_delay_ms", {{"provider", provider}}, static_cast<double>(delay_ms));
  };
  observer.on_rate_limit_wait = [&metrics](const std::string& provider, int64_t wait_ms) {
    metrics.add("ltl_upstream_rate_limit_waits_total", {{"provider", provider}});
    metrics.observe("ltl_upstream_rate_limit_wait_ms", {{"provider", provider}}, static_cast<double>(wait_ms));
  };
  observer.on_admission_denied = [&metrics](const std::string& provider, int64_t, const std::string&) {
    metrics.add("ltl_fleet_admission_denied_total", {{"provider", provider}});
  };
  observer.on_breaker_transition = [&metrics, emit = std::move(emit)](const BreakerTransition& event) {
    metrics.add("ltl_breaker_transitions_total", {{"provider", event.provider}, {"to", to_string(event.to)}});
    metrics.set("ltl_breaker_state", {{"provider", event.provider}}, breaker_state_gauge(event.to));
    if (emit)
      emit({{"type", "breaker"}, {"provider", event.provider}, {"from", to_string(event.from)},
            {"to", to_string(event.to)}, {"reason", event.reason}, {"at", event.at_ms}});
  };
  return observer;
}

}  // namespace ltl
