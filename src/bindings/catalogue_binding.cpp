// The module-level describe(): the core's catalogue with the built-in cache windows, no client
// needed (scripts/catalogue.mjs writes it to wasm/dist/catalogue.js at build time).
#include <emscripten/bind.h>

#include <string>

#include <nlohmann/json.hpp>

#include "integration/catalogue.h"

namespace {

std::string describe_defaults() { return ltl::describe_catalogue(ltl::Config{}).dump(); }

}  // namespace

EMSCRIPTEN_BINDINGS(bitcoin_ltl_catalogue) { emscripten::function("describe", &describe_defaults); }
