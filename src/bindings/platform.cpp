#include "bindings/platform.h"

#include <emscripten/emscripten.h>
#include <emscripten/eventloop.h>
#include <emscripten/html5.h>

#include <nlohmann/json.hpp>

namespace ltl {
namespace {

using nlohmann::json;

Error storage_error(const std::string& store, const std::string& operation, const std::string& message) {
  return make_error(ErrorCategory::storage, store, operation, message);
}

// The adapter's failure as a typed storage error; anything unreadable still becomes one.
Error parse_storage_error(const std::string& store, const std::string& operation, const std::string& error_json) {
  auto parsed = json::parse(std::string_view(error_json), nullptr, false);
  std::string message = "storage call failed";
  if (parsed.is_object() && parsed.contains("error") && parsed["error"].is_object()) {
    const json& error = parsed["error"];
    if (error.contains("message") && error["message"].is_string()) message = error["message"].get<std::string>();
    if (error.contains("code") && error["code"].is_string()) message = error["code"].get<std::string>() + ": " + message;
  }
  return storage_error(store, operation, message);
}

}  // namespace

HostClock::HostClock(emscripten::val now_fn)
    : now_fn_(std::move(now_fn)), injected_(now_fn_.typeOf().as<std::string>() == "function") {}

int64_t HostClock::now_ms() const {
  return static_cast<int64_t>(injected_ ? now_fn_().as<double>() : emscripten_date_now());
}

double HostClock::monotonic_ms() const { return emscripten_get_now(); }

HostScheduler::~HostScheduler() {
  while (!timers_.empty()) {
    emscripten_clear_timeout(timers_.begin()->second.handle);
    release(timers_.begin());
  }
}

TimerId HostScheduler::schedule(int64_t delay_ms, std::function<void()> fn) {
  const TimerId id = ++last_id_;
  auto* token = new Token{this, id};
  long handle = emscripten_set_timeout(&HostScheduler::fire, static_cast<double>(delay_ms > 0 ? delay_ms : 0), token);
  timers_.emplace(id, Timer{handle, token, std::move(fn)});
  return id;
}

void HostScheduler::cancel(TimerId id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return;
  emscripten_clear_timeout(it->second.handle);
  release(it);
}

void HostScheduler::release(std::unordered_map<TimerId, Timer>::iterator it) {
  delete it->second.token;
  timers_.erase(it);
}

void HostScheduler::fire(void* raw_token) {
  auto* token = static_cast<Token*>(raw_token);
  HostScheduler& self = *token->scheduler;
  auto it = self.timers_.find(token->id);
  if (it == self.timers_.end()) return;
  auto fn = std::move(it->second.fn);
  self.release(it);
  fn();
}

template <class... Args>
bool JsPersistentStore::start(const char* method, Completion completion, Args&&... args) {
  if (pending_.size() >= kMaxPending) return false;
  const uint64_t id = ++last_id_;
  pending_.emplace(id, std::move(completion));
  host_.call<void>(method, static_cast<double>(id), std::forward<Args>(args)...);
  return true;
}

void JsPersistentStore::complete(uint64_t id, const std::string& error_json, const std::string& result_json) {
  auto node = pending_.extract(id);
  if (node.empty()) return;
  node.mapped()(error_json, result_json);
}

void JsPersistentStore::get(const std::string& key, std::function<void(Result<std::optional<StoredEntry>>)> done) {
  const std::string store = name_;
  auto completion = [store, done](const std::string& error_json, const std::string& result_json) {
    if (!error_json.empty()) return done(parse_storage_error(store, "get", error_json));
    auto parsed = json::parse(std::string_view(result_json), nullptr, false);
    if (parsed.is_null()) return done(std::optional<StoredEntry>());
    try {
      StoredEntry entry;
      entry.value = parsed.at("value").get<std::string>();
      entry.stored_at_ms = parsed.at("storedAt").get<int64_t>();
      entry.fresh_until_ms = parsed.at("freshUntil").get<int64_t>();
      entry.expires_at_ms = parsed.at("expiresAt").get<int64_t>();
      entry.tags = parsed.value("tags", std::vector<std::string>{});
      done(std::optional<StoredEntry>(std::move(entry)));
    } catch (const json::exception&) {
      done(storage_error(store, "get", "adapter returned an unreadable entry"));
    }
  };
  if (!start("get", completion, key)) done(storage_error(name_, "get", "too many storage calls in flight"));
}

void JsPersistentStore::put(const std::string& key, const StoredEntry& entry, std::function<void(Result<PutOutcome>)> done) {
  const std::string store = name_;
  auto completion = [store, done](const std::string& error_json, const std::string& result_json) {
    if (!error_json.empty()) return done(parse_storage_error(store, "put", error_json));
    auto parsed = json::parse(std::string_view(result_json), nullptr, false);
    PutOutcome outcome;
    try {
      outcome.raw_bytes = parsed.at("rawBytes").get<size_t>();
      outcome.stored_bytes = parsed.at("storedBytes").get<size_t>();
      // Optional: adapters without compression report none.
      if (parsed.contains("savedBytes")) outcome.saved_bytes = parsed.at("savedBytes").get<size_t>();
    } catch (const json::exception&) {
      return done(storage_error(store, "put", "adapter returned no byte counts"));
    }
    done(outcome);
  };
  const std::string entry_json = json{{"value", entry.value},
                                      {"storedAt", entry.stored_at_ms},
                                      {"freshUntil", entry.fresh_until_ms},
                                      {"expiresAt", entry.expires_at_ms},
                                      {"tags", entry.tags}}
                                     .dump(-1, ' ', false, json::error_handler_t::replace);
  if (!start("put", completion, key, entry_json)) done(storage_error(name_, "put", "too many storage calls in flight"));
}

void JsPersistentStore::remove(const std::string& key, std::function<void(Result<bool>)> done) {
  const std::string store = name_;
  auto completion = [store, done](const std::string& error_json, const std::string& result_json) {
    if (!error_json.empty()) return done(parse_storage_error(store, "delete", error_json));
    done(result_json == "true");
  };
  if (!start("remove", completion, key)) done(storage_error(name_, "delete", "too many storage calls in flight"));
}

void JsPersistentStore::list(const std::string& prefix, std::function<void(Result<std::vector<StoredKey>>)> done) {
  const std::string store = name_;
  auto completion = [store, done](const std::string& error_json, const std::string& result_json) {
    if (!error_json.empty()) return done(parse_storage_error(store, "list", error_json));
    auto parsed = json::parse(std::string_view(result_json), nullptr, false);
    std::vector<StoredKey> keys;
    try {
      for (const json& item : parsed.at("keys"))
        keys.push_back(StoredKey{item.at("key").get<std::string>(),
                                 item.value("tags", std::vector<std::string>{}),
                                 item.value("expiresAt", int64_t{0})});
    } catch (const json::exception&) {
      return done(storage_error(store, "list", "adapter returned an unreadable key list"));
    }
    done(std::move(keys));
  };
  if (!start("list", completion, prefix)) done(storage_error(name_, "list", "too many storage calls in flight"));
}

void JsAdmissionGate::admit(const std::string& budget, double rate_per_min, double burst,
                             std::function<void(Admission)> done) {
  if (pending_.size() >= kMaxPending) {
    done(Admission{false, 0, "too many admissions in flight (" + std::to_string(kMaxPending) + ")"});
    return;
  }
  const uint64_t id = ++last_id_;
  pending_.emplace(id, std::move(done));
  host_.call<void>("admit", static_cast<double>(id), budget, rate_per_min, burst);
}

void JsAdmissionGate::pause(const std::string& budget, int64_t retry_after_ms) {
  host_.call<void>("pause", budget, static_cast<double>(retry_after_ms));
}

void JsAdmissionGate::complete(uint64_t id, bool allowed, double retry_after_ms, const std::string& reason) {
  auto node = pending_.extract(id);
  if (node.empty()) return;
  Admission admission;
  admission.allowed = allowed;
  // NaN, negative or absurd values from the host mean "unknown": 0.
  admission.retry_after_ms =
      retry_after_ms > 0 && retry_after_ms < 86400000.0 ? static_cast<int64_t>(retry_after_ms) : 0;
  admission.reason = reason;
  node.mapped()(std::move(admission));
}

}  // namespace ltl
