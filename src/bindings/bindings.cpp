// Embind surface. JSON strings cross the boundary (one parser on each side,
// no per-field marshalling); the JS shell turns callbacks into promises.
#include <emscripten/bind.h>
#include <emscripten/emscripten.h>

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "bindings/platform.h"
#include "config/config.h"
#include "integration/catalogue.h"
#include "integration/integration_service.h"
#include "net/emscripten_fetch_transport.h"

namespace ltl {
namespace {

using nlohmann::json;

std::string error_json(const Error& error) { return json{{"error", error}}.dump(); }

std::string dump(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

Error not_configured() { return make_error(ErrorCategory::config, "", "call", "client is not configured"); }

// One client per createClient() call. Methods never throw into JS.
class WasmClient {
 public:
  // `store_host`: null/undefined for memory only, else the JS bridge object of a
  // persistent adapter (web/storage/index.js bridgeStore) with a `name`.
  WasmClient(emscripten::val now_fn, emscripten::val store_host) : clock_(std::move(now_fn)) {
    if (!store_host.isNull() && !store_host.isUndefined())
      store_ = std::make_unique<JsPersistentStore>(store_host, store_host["name"].as<std::string>());
  }
  ~WasmClient() {
    if (service_) service_->stop();
  }

  // "" on success, else an error JSON. Builds the services and starts them.
  std::string configure(const std::string& config_json) {
    return guarded_string("configure", [&]() -> std::string {
      auto parsed = json::parse(config_json, nullptr, false);
      if (parsed.is_discarded())
        return error_json(make_error(ErrorCategory::config, "", "configure", "configuration is not valid JSON"));
      auto config = parse_config(parsed);
      if (!config.ok()) return error_json(config.error());
      auto thresholds = parse_performance_thresholds(config.value().performance_thresholds);
      if (!thresholds.ok()) return error_json(thresholds.error());
      IntegrationOptions options;
      options.store = store_.get();
      service_ = std::make_unique<IntegrationService>(clock_, scheduler_, transport_, config.value(), options);
      if (gate_) service_->set_admission_gate(gate_.get());
      service_->set_event_listener([this](const json& event) {
        if (!listener_.isUndefined() && !listener_.isNull()) listener_(dump(event));
      });
      auto started = service_->start();
      if (!started.ok()) return error_json(started.error());
      return "";
    });
  }

  // callback(errorJson, resultJson): exactly one of them is non-empty.
  void request(const std::string& route, const std::string& params_json, emscripten::val callback) {
    if (!service_) {
      callback(error_json(not_configured()), std::string());
      return;
    }
    auto params = json::parse(params_json, nullptr, false);
    if (params.is_discarded()) {
      callback(error_json(make_error(ErrorCategory::validation, "", route, "parameters are not valid JSON")), std::string());
      return;
    }
    try {
      service_->request(route, params, [this, callback, route](JsonResult result) { deliver(callback, route, result); });
    } catch (const std::exception& e) {
      callback(error_json(make_error(ErrorCategory::internal, "", route, e.what())), std::string());
    }
  }

  // purge: remove matching entries everywhere instead of expiring them (kept for stale-if-error).
  void invalidate(const std::string& how, const std::string& what, bool purge, emscripten::val callback) {
    if (!service_) {
      callback(error_json(not_configured()), std::string());
      return;
    }
    service_->invalidate(how, what, [this, callback](JsonResult result) { deliver(callback, "invalidate", result); },
                         purge ? InvalidationMode::purge : InvalidationMode::expire);
  }

  std::string ingest(const std::string& route, const std::string& data_json, const std::string& source) {
    return with_service("ingest", [&]() -> std::string {
      auto data = json::parse(data_json, nullptr, false);
      if (data.is_discarded())
        return error_json(make_error(ErrorCategory::validation, "", "ingest", "data is not valid JSON"));
      auto result = service_->ingest(route, data, source);
      return result.ok() ? "" : error_json(result.error());
    });
  }

  std::string update_config(const std::string& overrides_json) {
    return with_service("update_config", [&]() -> std::string {
      auto overrides = json::parse(overrides_json, nullptr, false);
      if (overrides.is_discarded())
        return error_json(make_error(ErrorCategory::config, "", "update_config", "configuration is not valid JSON"));
      auto changed = service_->update_config(overrides);
      if (!changed.ok()) return error_json(changed.error());
      return dump(json{{"changed", changed.value()}, {"config", service_->describe_config()}});
    });
  }

  std::string health() { return with_service("health", [&] { return dump(service_->health()); }); }
  std::string config() { return with_service("config", [&] { return dump(service_->describe_config()); }); }
  // The catalogue with this client's cache windows (the module's describe() has the defaults).
  std::string describe() { return with_service("describe", [&] { return dump(describe_catalogue(service_->config())); }); }
  std::string metrics() {
    return with_service("metrics", [&] {
      sample_heap();
      return dump(service_->metrics_snapshot());
    });
  }
  std::string prometheus(bool openmetrics) {
    return with_service("metrics", [&] {
      sample_heap();
      return service_->metrics_prometheus(openmetrics);
    });
  }
  std::string history() { return with_service("history", [&] { return dump(service_->history()); }); }
  std::string alerts() { return with_service("alerts", [&] { return dump(service_->alerts()); }); }
  std::string report(double window_ms) {
    return with_service("report", [&] { return dump(service_->report(static_cast<int64_t>(window_ms))); });
  }
  std::string errors() { return with_service("errors", [&] { return dump(service_->errors()); }); }
  std::string cache_stats() { return with_service("cache", [&] { return dump(service_->cache_stats()); }); }

  // The memory tier directly, synchronously (a plain key-value cache for the host).
  // One call per lookup: the value, or undefined on a miss (an empty string is a value).
  emscripten::val cache_get(const std::string& key) {
    if (!service_) return emscripten::val::undefined();
    auto entry = service_->cache().memory_get(key);
    return entry ? emscripten::val(*entry) : emscripten::val::undefined();
  }
  bool cache_has(const std::string& key) { return service_ && service_->cache().memory_has(key); }
  bool cache_set(const std::string& key, const std::string& value, double ttl_ms) {
    if (!service_) return false;
    return service_->cache().memory_set(key, value, ttl_ms < 0 ? Ttl::no_expiry() : Ttl::ms(static_cast<int64_t>(ttl_ms)));
  }

  void set_event_listener(emscripten::val listener) { listener_ = std::move(listener); }
  void set_host_gauge(const std::string& name, double value) {
    if (service_) service_->set_host_gauge(name, value);
  }
  void add_host_counter(const std::string& name, double amount) {
    if (service_) service_->add_host_counter(name, amount);
  }

  // The JS storage adapter's answer to a bridged call.
  void store_done(double id, const std::string& error_json_text, const std::string& result_json) {
    if (store_) store_->complete(static_cast<uint64_t>(id), error_json_text, result_json);
  }

  // `gate_host`: the JS bridge of a fleet admission gate (web/index.js gateBridge), set
  // before configure(); null/undefined = local rate limits only.
  void set_admission_gate(emscripten::val gate_host) {
    if (gate_host.isNull() || gate_host.isUndefined()) {
      if (service_) service_->set_admission_gate(nullptr);
      gate_.reset();
      return;
    }
    auto gate = std::make_unique<JsAdmissionGate>(gate_host);
    if (service_) service_->set_admission_gate(gate.get());
    gate_ = std::move(gate);
  }

  // The JS gate's answer to admission request `id`.
  void gate_done(double id, bool allowed, double retry_after_ms, const std::string& reason) {
    if (gate_) gate_->complete(static_cast<uint64_t>(id), allowed, retry_after_ms, reason);
  }

  void stop() {
    if (service_) service_->stop();
  }

 private:
  void sample_heap() {
    service_->set_host_gauge("ltl_wasm_heap_bytes", emscripten::val::module_property("HEAPU8")["length"].as<double>());
  }

  void deliver(const emscripten::val& callback, const std::string& operation, const JsonResult& result) {
    try {
      if (result.ok()) callback(std::string(), dump(result.value()));
      else callback(error_json(result.error()), std::string());
    } catch (const std::exception& e) {
      callback(error_json(make_error(ErrorCategory::internal, "", operation, e.what())), std::string());
    }
  }

  template <class F>
  std::string with_service(const char* operation, F&& body) {
    if (!service_) return error_json(not_configured());
    return guarded_string(operation, std::forward<F>(body));
  }

  // A C++ exception must not unwind into the JS event loop; report it to the caller instead.
  template <class F>
  static std::string guarded_string(const char* operation, F&& body) {
    try {
      return body();
    } catch (const std::exception& e) {
      return error_json(make_error(ErrorCategory::internal, "", operation, e.what()));
    }
  }

  HostClock clock_;
  HostScheduler scheduler_;
  EmscriptenFetchTransport transport_;
  std::unique_ptr<JsPersistentStore> store_;
  std::unique_ptr<JsAdmissionGate> gate_;  // declared before service_: outlives it
  std::unique_ptr<IntegrationService> service_;
  emscripten::val listener_ = emscripten::val::undefined();
};

}  // namespace
}  // namespace ltl

EMSCRIPTEN_BINDINGS(bitcoin_ltl) {
  emscripten::class_<ltl::WasmClient>("Client")
      .constructor<emscripten::val, emscripten::val>()
      .function("configure", &ltl::WasmClient::configure)
      .function("request", &ltl::WasmClient::request)
      .function("invalidate", &ltl::WasmClient::invalidate)
      .function("ingest", &ltl::WasmClient::ingest)
      .function("updateConfig", &ltl::WasmClient::update_config)
      .function("health", &ltl::WasmClient::health)
      .function("config", &ltl::WasmClient::config)
      .function("describe", &ltl::WasmClient::describe)
      .function("metrics", &ltl::WasmClient::metrics)
      .function("prometheus", &ltl::WasmClient::prometheus)
      .function("history", &ltl::WasmClient::history)
      .function("alerts", &ltl::WasmClient::alerts)
      .function("report", &ltl::WasmClient::report)
      .function("errors", &ltl::WasmClient::errors)
      .function("cacheStats", &ltl::WasmClient::cache_stats)
      .function("cacheGet", &ltl::WasmClient::cache_get)
      .function("cacheHas", &ltl::WasmClient::cache_has)
      .function("cacheSet", &ltl::WasmClient::cache_set)
      .function("setEventListener", &ltl::WasmClient::set_event_listener)
      .function("setHostGauge", &ltl::WasmClient::set_host_gauge)
      .function("addHostCounter", &ltl::WasmClient::add_host_counter)
      .function("storeDone", &ltl::WasmClient::store_done)
      .function("setAdmissionGate", &ltl::WasmClient::set_admission_gate)
      .function("gateDone", &ltl::WasmClient::gate_done)
      .function("stop", &ltl::WasmClient::stop);
}
