// Embind surface. JSON strings cross the boundary (one parser on each side,
// no per-field marshalling); the JS shell turns callbacks into promises.
#include <emscripten/bind.h>
#include <emscripten/emscripten.h>
#include <emscripten/html5.h>

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "integration/integration_service.h"
#include "bindings/platform.h"
#include "net/emscripten_fetch_transport.h"

namespace ltl {
namespace {

std::string error_json(const Error& error) { return nlohmann::json{{"error", error}}.dump(); }

// One client per createClient() call. Methods never throw into JS.
class WasmClient {
 public:
  explicit WasmClient(emscripten::val now_fn) : clock_(std::move(now_fn)) {}

  // "" on success, else an error JSON. Replaces the configuration as a whole.
  std::string configure(const std::string& config_json) {
    auto parsed = nlohmann::json::parse(config_json, nullptr, false);
    if (parsed.is_discarded())
      return error_json(make_error(ErrorCategory::config, "", "configure", "configuration is not valid JSON"));
    auto config = parse_config(parsed);
    if (!config.ok()) return error_json(config.error());
    service_ = std::make_unique<IntegrationService>(clock_, transport_, config.value());
    return "";
  }

  // callback(errorJson, resultJson): exactly one of them is non-empty.
  void price(const std::string& currency, emscripten::val callback) {
    if (!service_) {
      callback(error_json(not_configured()), std::string());
      return;
    }
    service_->price(currency, [this, callback](const Result<PriceResponse>& result) {
      guarded(callback, [&] {
        if (result.ok())
          callback(std::string(), price_response_json(result.value(), clock_.now_ms()).dump());
        else
          callback(error_json(result.error()), std::string());
      });
    });
  }

  std::string health() {
    if (!service_) return error_json(not_configured());
    return service_->health().dump();
  }

  std::string metrics() {
    if (!service_) return error_json(not_configured());
    service_->set_gauge("ltl_wasm_heap_bytes", emscripten::val::module_property("HEAPU8")["length"].as<double>());
    return service_->metrics_snapshot().dump();
  }

 private:
  static Error not_configured() {
    return make_error(ErrorCategory::config, "", "call", "client is not configured");
  }

  // A C++ exception must not unwind into the JS event loop; report it to the caller instead.
  template <class F>
  static void guarded(const emscripten::val& callback, F&& body) {
    try {
      body();
    } catch (const std::exception& e) {
      callback(error_json(make_error(ErrorCategory::internal, "", "price", e.what())), std::string());
    }
  }

  HostClock clock_;
  EmscriptenFetchTransport transport_;
  std::unique_ptr<IntegrationService> service_;
};

}  // namespace
}  // namespace ltl

EMSCRIPTEN_BINDINGS(bitcoin_ltl) {
  emscripten::class_<ltl::WasmClient>("Client")
      .constructor<emscripten::val>()
      .function("configure", &ltl::WasmClient::configure)
      .function("price", &ltl::WasmClient::price)
      .function("health", &ltl::WasmClient::health)
      .function("metrics", &ltl::WasmClient::metrics);
}
