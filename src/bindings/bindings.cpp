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

constexpr int kPending = 0;
constexpr int kAnswer = 1;
constexpr int kFailed = 2;

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
      auto parsed = json::parse(std::string_view(config_json), nullptr, false);
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

  // One data request (the hot path, called through ltl_request below). Returns kPending, or
  // kAnswer / kFailed with the answer's JSON text or the error JSON in out(); a pending request
  // is answered later through the result sink as sink(call_id, status, ptr, length).
  int request(std::string_view route, std::string_view params_text, double call_id) {
    if (!service_) return finish_sync(kFailed, error_json(not_configured()));
    // Every JSON input is parsed as a string_view: one parser instantiation in the binary.
    auto params = params_text.empty() ? json::object() : json::parse(params_text, nullptr, false);
    if (params.is_discarded())
      return finish_sync(kFailed, error_json(make_error(ErrorCategory::validation, "", std::string(route), "parameters are not valid JSON")));
    sync_status_ = kPending;
    sync_call_id_ = call_id;
    try {
      service_->request_text(std::string(route), params, [this, call_id](TextResult result) {
        const int status = result.ok() ? kAnswer : kFailed;
        std::string text = result.ok() ? std::move(result.value()) : error_json(result.error());
        // Only this call's own answer is returned synchronously; any other goes to the sink.
        if (call_id == sync_call_id_) {
          sync_status_ = status;
          out_ = std::move(text);
          return;
        }
        if (!sink_.isUndefined()) sink_(call_id, status, reinterpret_cast<uintptr_t>(text.data()), text.size());
      });
    } catch (const std::exception& e) {
      sync_call_id_ = 0;
      return finish_sync(kFailed, error_json(make_error(ErrorCategory::internal, "", std::string(route), e.what())));
    }
    sync_call_id_ = 0;
    return sync_status_;
  }

  void set_result_sink(emscripten::val sink) { sink_ = std::move(sink); }

  // The memory tier directly, synchronously (a plain key-value cache for the host).
  const std::string* cache_get(const std::string& key) { return service_ ? service_->cache().memory_get(key) : nullptr; }
  bool cache_has(const std::string& key) { return service_ && service_->cache().memory_has(key); }
  bool cache_set(const std::string& key, std::string value, double ttl_ms) {
    if (!service_) return false;
    return service_->cache().memory_set(key, std::move(value), ttl_ms < 0 ? Ttl::no_expiry() : Ttl::ms(static_cast<int64_t>(ttl_ms)));
  }

  const std::string& out() const { return out_; }
  double handle() const { return static_cast<double>(reinterpret_cast<uintptr_t>(this)); }

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
      auto data = json::parse(std::string_view(data_json), nullptr, false);
      if (data.is_discarded())
        return error_json(make_error(ErrorCategory::validation, "", "ingest", "data is not valid JSON"));
      auto result = service_->ingest(route, data, source);
      return result.ok() ? "" : error_json(result.error());
    });
  }

  std::string update_config(const std::string& overrides_json) {
    return with_service("update_config", [&]() -> std::string {
      auto overrides = json::parse(std::string_view(overrides_json), nullptr, false);
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
  int finish_sync(int status, std::string text) {
    out_ = std::move(text);
    return status;
  }

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
  emscripten::val sink_ = emscripten::val::undefined();
  std::string out_;  // the last synchronous answer or error, read by JS right after the call
  double sync_call_id_ = 0;  // the call being made now (JS ids start at 1; 0 = none)
  int sync_status_ = kPending;
};

// --- The hot calls: plain exports, strings passed as (pointer, length) into the WASM heap. ----
// JS writes keys and values with TextEncoder.encodeInto and reads results with one TextDecoder
// call (web/hot-path.js); nothing goes through Embind's per-character string marshalling.

// [0] pointer, [1] length of the last value a hot call returned.
uint32_t g_out[2];

void set_out(const char* data, size_t size) {
  g_out[0] = static_cast<uint32_t>(reinterpret_cast<uintptr_t>(data));
  g_out[1] = static_cast<uint32_t>(size);
}

// Reused for every lookup: no allocation per call once it has grown to the longest key.
std::string& key_buffer(const char* key, size_t length) {
  static std::string buffer;
  buffer.assign(key, length);
  return buffer;
}

}  // namespace
}  // namespace ltl

extern "C" {

EMSCRIPTEN_KEEPALIVE uint32_t* ltl_out_slot() { return ltl::g_out; }

// 1 and the value in the out slot (a view into the cache, valid until the next call), or 0.
EMSCRIPTEN_KEEPALIVE int ltl_cache_get(ltl::WasmClient* client, const char* key, size_t key_length) {
  const std::string* value = client->cache_get(ltl::key_buffer(key, key_length));
  if (!value) return 0;
  ltl::set_out(value->data(), value->size());
  return 1;
}

EMSCRIPTEN_KEEPALIVE int ltl_cache_has(ltl::WasmClient* client, const char* key, size_t key_length) {
  return client->cache_has(ltl::key_buffer(key, key_length)) ? 1 : 0;
}

EMSCRIPTEN_KEEPALIVE int ltl_cache_set(ltl::WasmClient* client, const char* key, size_t key_length, const char* value,
                                       size_t value_length, double ttl_ms) {
  return client->cache_set(ltl::key_buffer(key, key_length), std::string(value, value_length), ttl_ms) ? 1 : 0;
}

// 0 pending, 1 answer, 2 error; for 1 and 2 the JSON text is in the out slot.
EMSCRIPTEN_KEEPALIVE int ltl_request(ltl::WasmClient* client, const char* route, size_t route_length, const char* params,
                                     size_t params_length, double call_id) {
  const int status = client->request(std::string_view(route, route_length), std::string_view(params, params_length), call_id);
  if (status != ltl::kPending) ltl::set_out(client->out().data(), client->out().size());
  return status;
}

}  // extern "C"

EMSCRIPTEN_BINDINGS(bitcoin_ltl) {
  emscripten::class_<ltl::WasmClient>("Client")
      .constructor<emscripten::val, emscripten::val>()
      .function("configure", &ltl::WasmClient::configure)
      .function("handle", &ltl::WasmClient::handle)
      .function("setResultSink", &ltl::WasmClient::set_result_sink)
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
      .function("setEventListener", &ltl::WasmClient::set_event_listener)
      .function("setHostGauge", &ltl::WasmClient::set_host_gauge)
      .function("addHostCounter", &ltl::WasmClient::add_host_counter)
      .function("storeDone", &ltl::WasmClient::store_done)
      .function("setAdmissionGate", &ltl::WasmClient::set_admission_gate)
      .function("gateDone", &ltl::WasmClient::gate_done)
      .function("stop", &ltl::WasmClient::stop);
}
