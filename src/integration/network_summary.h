#pragma once
// The network route: a summary composed from the other network routes ("parts"), each
// answered through its own cache entry, plus the halving countdown from the tip height.
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "integration/data_sources.h"

namespace ltl {

// The routes the summary is made of, in the order they are requested and reported.
const std::vector<std::string>& network_parts();

// Answers one part (a route name of network_parts()) with the route's answer or its error.
using NetworkPartRequest = std::function<void(const std::string& part, JsonCallback done)>;

// Requests every part at once and calls `done` once all have answered, with
// {<part>: answer or null, "halving": {blocks_to_next_halving, next_halving_height} or null
// (no usable tip height), "failed_parts": [{"part", "error"}], "as_of": clock now (unix ms)}.
// When every part failed: the first error to arrive (operation "network"), its message saying
// that every part failed. `clock` must outlive the parts' answers.
void compose_network_summary(const NetworkPartRequest& request, const Clock& clock, JsonCallback done);

}  // namespace ltl
