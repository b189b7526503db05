#pragma once
// The catalogue the core publishes: every route with its HTTP path and parameters, the data
// kinds with their cache windows, the configuration keys, the error categories with the upstream
// status rule, the network summary's parts and the metric families. The JS shell, the HTTP
// fronts, the dashboard and the types read it (wasm/dist/catalogue.js is generated from it at
// build time) instead of keeping copies of their own.
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "config/config.h"
#include "integration/network_summary.h"  // network_parts(): published as "network_parts"

namespace ltl {

// {"routes", "operational_routes", "kinds", "config", "errors", "network_parts", "metrics"};
// the kinds' windows are those of `config` (Config{} gives the built-in defaults).
nlohmann::json describe_catalogue(const Config& config);

// The HTTP path of a data route ("/api/v1/blocks/tip" for "tip"); "" for an unknown name.
std::string route_path(const std::string& route);

}  // namespace ltl
