#pragma once
// The UpstreamObserver of the integration: every attempt, retry, rate-limit wait, fleet
// admission refusal and breaker transition becomes a metric; breaker transitions are also
// sent as {"type": "breaker", ...} events to the host.
#include <functional>

#include <nlohmann/json.hpp>

#include "monitor/metrics.h"
#include "resilience/upstream_client.h"

namespace ltl {

using UpstreamEventSink = std::function<void(const nlohmann::json& event)>;

// `metrics` must outlive the observer; `emit` may be empty (no events).
UpstreamObserver make_upstream_observer(MetricsRegistry& metrics, UpstreamEventSink emit);

// The ltl_breaker_state gauge value: closed 0, half_open 1, open 2.
double breaker_state_gauge(BreakerState state);

}  // namespace ltl
