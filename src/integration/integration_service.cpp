#include "integration/integration_service.h"

#include <algorithm>
#include <cmath>

#include "data/network.h"
#include "integration/answer.h"
#include "integration/market_consensus.h"
#include "integration/metric_catalogue.h"
#include "integration/network_summary.h"
#include "integration/provider_chain.h"
#include "integration/service_health.h"
#include "integration/service_metrics.h"
#include "integration/service_options.h"
#include "integration/upstream_observer.h"
#include "monitor/hit_rates.h"
#include "monitor/prometheus.h"
#include "monitor/report.h"

namespace ltl {
namespace {

using nlohmann::json;

// "price, market, …": the routes a bad route name is told about.
std::string route_names() {
  std::string names;
  for (const auto& route : route_catalogue()) names += (names.empty() ? "" : ", ") + route.name;
  return names;
}

}  // namespace

IntegrationService::IntegrationService(const Clock& clock, Scheduler& scheduler, HttpTransport& transport,
                                       Config config, IntegrationOptions options)
    : clock_(clock),
      scheduler_(scheduler),
      transport_(transport),
      options_(std::move(options)),
      config_(std::move(config)),
      alerts_(std::make_unique<AlertEngine>(metrics_, history_, std::vector<Threshold>{})) {
  if (!options_.random) options_.random = seeded_random(static_cast<uint64_t>(clock_.now_ms()));
  declare_metrics();
  const Config& current = config_.current();
  cache_ = std::make_unique<TieredCache>(clock_, scheduler_, memory_options(current), options_.store,
                                         tiered_options(current));
  UpstreamObserver observer = make_upstream_observer(metrics_, [this](const json& event) { emit(event); });
  upstream_ = std::make_unique<UpstreamClient>(clock_, scheduler_, transport_, options_.random, observer);
  gateway_ = std::make_unique<ProviderGateway>(clock_, config_, *upstream_, metrics_);
  chains_ = std::make_unique<ProviderChain>(*gateway_, metrics_);
  consensus_ = std::make_unique<MarketConsensus>(*gateway_, config_, metrics_);
  configure_providers(current);
  apply_config(current, {});
  config_.subscribe([this](const Config& updated, const std::vector<std::string>& changed) {
    apply_config(updated, changed);
  });

  // A fresh registry: the seven names cannot clash.
  (void)add_integration_services(registry_, {config_, [this]() -> const AlertEngine& { return *alerts_; }, history_,
                                             *cache_, *upstream_, route_health_, [this] { cancel_timers(); }});
  // Every known series exists from the first scrape (dashboards and alert rules need them).
  create_known_series(metrics_, known_label_values(current, options_.store ? options_.store->name() : ""));
}

IntegrationService::~IntegrationService() {
  *alive_ = false;
  stop();
}

void IntegrationService::declare_metrics() { declare_service_metrics(metrics_, history_); }

void IntegrationService::configure_providers(const Config& config) {
  for (const char* provider : kProviderNames) upstream_->configure(provider, provider_policy(config, provider));
}

void IntegrationService::apply_config(const Config& config, const std::vector<std::string>& changed) {
  cache_->set_enabled(config.cache_enabled);
  cache_->set_default_ttl_ms(config.cache_default_ttl_ms);
  cache_->set_memory_options(memory_options(config));
  if (!changed.empty()) configure_providers(config);
  // A new engine only when the rules change: active alerts and cooldowns survive other updates.
  const bool rules_changed = changed.empty() || std::find(changed.begin(), changed.end(), "PERFORMANCE_THRESHOLDS") != changed.end();
  auto thresholds = parse_performance_thresholds(config.performance_thresholds);
  if (rules_changed && thresholds.ok()) {
    alerts_ = std::make_unique<AlertEngine>(metrics_, history_, thresholds.value());
    alerts_->add_listener([this](const AlertEvent& event) {
      metrics_.add("ltl_alert_events_total", {{"kind", to_string(event.kind)}});
      json out = event;
      out["type"] = "alert";
      emit(out);
    });
  }
  if (running()) {
    cancel_timers();
    schedule_timers();
    cache_->set_sweep_interval_ms(config.cache_sweep_interval_ms);
  }
  if (!changed.empty()) emit({{"type", "config"}, {"changed", changed}, {"version", config_.version()}});
}

Result<std::vector<std::string>> IntegrationService::update_config(const json& overrides) {
  // Thresholds are checked here too so a bad rule rejects the whole update.
  if (overrides.is_object() && overrides.contains("PERFORMANCE_THRESHOLDS") && !overrides["PERFORMANCE_THRESHOLDS"].is_null()) {
    const json& value = overrides["PERFORMANCE_THRESHOLDS"];
    auto thresholds = parse_performance_thresholds(value.is_string() ? value.get<std::string>() : value.dump());
    if (!thresholds.ok()) {
      metrics_.add("ltl_config_updates_total", {{"result", "rejected"}});
      return thresholds.error();
    }
  }
  auto result = config_.update(overrides);
  metrics_.add("ltl_config_updates_total", {{"result", result.ok() ? "applied" : "rejected"}});
  return result;
}

json IntegrationService::describe_config() const { return ltl::describe_config(config_.current()); }

Result<bool> IntegrationService::start() {
  auto started = registry_.start_all();
  if (!started.ok()) return started;
  // A first history point now, so windows are full from the start.
  history_.sample(metrics_, clock_.now_ms());
  schedule_timers();
  cache_->set_sweep_interval_ms(config_.current().cache_sweep_interval_ms);
  warm();
  return true;
}

void IntegrationService::stop() {
  cancel_timers();
  registry_.stop_all();
}

void IntegrationService::schedule_timers() {
  const Config& config = config_.current();
  std::weak_ptr<bool> alive = alive_;
  if (config.performance_enabled && !performance_timer_)
    performance_timer_ = scheduler_.schedule(config.performance_interval_ms, [this, alive] {
      if (alive.expired()) return;
      performance_timer_ = 0;
      on_performance_tick();
      schedule_timers();
    });
  if (config.health_check_enabled && !health_timer_)
    health_timer_ = scheduler_.schedule(config.health_check_interval_ms, [this, alive] {
      if (alive.expired()) return;
      health_timer_ = 0;
      on_health_tick();
      schedule_timers();
    });
}

void IntegrationService::cancel_timers() {
  if (performance_timer_) scheduler_.cancel(performance_timer_);
  if (health_timer_) scheduler_.cancel(health_timer_);
  performance_timer_ = health_timer_ = 0;
}

void IntegrationService::on_performance_tick() {
  sync_gauges();
  history_.sample(metrics_, clock_.now_ms());
  alerts_->evaluate(clock_.now_ms());
  size_t warning = 0, critical = 0;
  for (const auto& alert : alerts_->active()) (alert.level == AlertLevel::critical ? critical : warning)++;
  metrics_.set("ltl_alerts_active", {{"level", "warning"}}, static_cast<double>(warning));
  metrics_.set("ltl_alerts_active", {{"level", "critical"}}, static_cast<double>(critical));
}

void IntegrationService::on_health_tick() {
  json report = health();
  const std::string status = report.at("status");
  if (status != last_health_status_) {
    emit({{"type", "health"}, {"from", last_health_status_}, {"to", status}, {"health", report}});
    last_health_status_ = status;
  }
}

void IntegrationService::warm() {
  std::vector<WarmItem> items;
  for (const auto& key : config_.current().cache_warm) {
    const bool is_price = key.rfind("price:", 0) == 0;
    const RouteSpec* route = find_route(is_price ? "price" : key);
    if (!route || route->name == "network") continue;
    json params = is_price ? json{{"currency", key.substr(6)}} : json::object();
    auto valid = route->validate(params, config_.current());
    if (!valid.ok()) continue;
    json canonical = valid.value();
    items.push_back({route->cache_key(canonical), policy_for(*route),
                     [this, route, canonical](CacheFetchCallback done) {
                       if (route->composite) run_consensus(canonical, std::move(done));
                       else run_chain(*route, canonical, std::move(done));
                     }});
  }
  if (items.empty()) return;
  std::weak_ptr<bool> alive = alive_;
  cache_->warm(std::move(items), [this, alive](Result<WarmReport> report) {
    if (alive.expired() || !report.ok()) return;
    emit({{"type", "warm"}, {"report", report.value()}});
  });
}

CachePolicy IntegrationService::policy_for(const RouteSpec& route) const {
  const KindCacheWindows windows = config_.current().cache_windows(route.kind);
  CachePolicy policy;
  policy.ttl = Ttl::ms(windows.ttl_ms);
  policy.swr_ms = windows.swr_ms;
  policy.stale_if_error_ms = windows.stale_if_error_ms;
  policy.refresh_ahead_fraction = static_cast<double>(config_.current().cache_refresh_ahead_pct) / 100.0;
  policy.tags = {route.name};
  policy.accepts = [](const std::string& value) { return is_answer_entry(value); };
  return policy;
}

namespace {

// The cache stores a fetched answer in its encoded form, with where it came from.
SourcedCallback encode_into(CacheFetchCallback done) {
  return [done = std::move(done)](Result<SourcedData> result) {
    if (!result.ok()) return done(result.error());
    const SourcedData& d = result.value();
    FetchedValue value;
    value.value = encode_answer_entry(d.data, d.source, d.failed);
    done(value);
  };
}

}  // namespace

void IntegrationService::run_chain(const RouteSpec& route, const json& params, CacheFetchCallback done) {
  chains_->run(route.name, route.sources(config_.current(), params), params, encode_into(std::move(done)));
}

void IntegrationService::run_consensus(const json& params, CacheFetchCallback done) {
  consensus_->run(params, encode_into(std::move(done)));
}

// Each part through its own cache entry (request), composed by network_summary.
void IntegrationService::run_network(JsonCallback done) {
  std::weak_ptr<bool> alive = alive_;
  compose_network_summary(
      [this, alive](const std::string& part, JsonCallback part_done) {
        if (!alive.expired()) request(part, json::object(), std::move(part_done));
      },
      clock_,
      [alive, done](JsonResult result) {
        if (!alive.expired()) done(std::move(result));
      });
}

std::string IntegrationService::answer_text(const CachedValue& cached) const {
  ServeTimes times;
  times.now_ms = clock_.now_ms();
  times.stored_at_ms = cached.stored_at_ms;
  times.fresh_until_ms = cached.fresh_until_ms;
  times.stale = cached.stale;
  times.cache = cached.source;
  times.stale_reason = cached.origin_error ? &*cached.origin_error : nullptr;
  std::string out;
  serve_answer(cached.value, times, out);
  return out;
}

void IntegrationService::request(const std::string& route_name, const json& params, JsonCallback done) {
  request_text(route_name, params, [done](TextResult result) {
    if (!result.ok()) return done(result.error());
    auto parsed = json::parse(std::string_view(result.value()), nullptr, false);
    if (parsed.is_discarded()) return done(make_error(ErrorCategory::internal, "", "request", "answer is not valid JSON"));
    done(std::move(parsed));
  });
}

void IntegrationService::request_text(const std::string& route_name, const json& params, TextCallback done) {
  const double started = clock_.monotonic_ms();
  const RouteSpec* route = find_route(route_name);
  const std::string label = route ? route_name : "unknown";
  auto finish = [this, started, label, done](TextResult result, const char* outcome) {
    metrics_.add("ltl_requests_total", {{"outcome", outcome}, {"route", label}});
    metrics_.observe("ltl_request_duration_ms", {{"route", label}}, clock_.monotonic_ms() - started);
    auto& health = route_health_[label];
    if (result.ok()) {
      health.consecutive_failures = 0;
      health.last_success_ms = clock_.now_ms();
    } else {
      track_error(label, result.error());
      if (result.error().category != ErrorCategory::validation) {
        ++health.consecutive_failures;
        health.last_error = to_string(result.error().category);
      }
    }
    done(std::move(result));
  };

  // Route.
  if (!route) {
    finish(make_error(ErrorCategory::validation, "", "route", "route: got \"" + route_name.substr(0, 32) + "\"; expected one of " + route_names()), "error");
    return;
  }
  auto valid = route->validate(params.is_null() ? json::object() : params, config_.current());
  metrics_.observe("ltl_pipeline_step_ms", {{"step", "route"}}, clock_.monotonic_ms() - started);
  if (!valid.ok()) {
    finish(valid.error(), "error");
    return;
  }
  const json canonical = valid.value();
  if (route->name == "network") {
    run_network([finish](JsonResult result) {
      if (!result.ok()) return finish(result.error(), "error");
      finish(result.value().dump(-1, ' ', false, json::error_handler_t::replace), "ok");
    });
    return;
  }

  // Cache check → track → fetch → handle errors → cache (TieredCache) → metrics.
  const double cache_started = clock_.monotonic_ms();
  std::weak_ptr<bool> alive = alive_;
  Fetcher fetcher = [this, alive, route, canonical](CacheFetchCallback fetched) {
    if (alive.expired()) return;
    if (route->composite) run_consensus(canonical, std::move(fetched));
    else run_chain(*route, canonical, std::move(fetched));
  };
  cache_->get_or_fetch(route->cache_key(canonical), policy_for(*route), std::move(fetcher),
                       [this, alive, route, cache_started, finish](Result<CachedValue> result) {
                         if (alive.expired()) return;
                         metrics_.observe("ltl_pipeline_step_ms", {{"step", "cache"}}, clock_.monotonic_ms() - cache_started);
                         if (!result.ok()) return finish(result.error(), "error");
                         const CachedValue& cached = result.value();
                         const bool from_origin = cached.source == TieredCache::kSourceOrigin;
                         const char* outcome = cached.stale ? "stale" : from_origin ? "miss" : "hit";
                         // family: the route, so reports can name a key family with a low hit rate.
                         metrics_.add("ltl_cache_lookups_total", {{"family", route->name},
                                                                  {"result", from_origin ? "miss" : cached.stale ? "stale" : "hit"},
                                                                  {"tier", from_origin ? "memory" : cached.source}});
                         if (cached.stale)
                           metrics_.add("ltl_stale_answers_total", {{"reason", cached.origin_error ? "origin_error" : "revalidating"},
                                                                    {"route", route->name}});
                         finish(answer_text(cached), outcome);
                       });
}

Result<bool> IntegrationService::ingest(const std::string& route_name, const json& data, const std::string& source) {
  const RouteSpec* route = find_route(route_name);
  if (!route || route->composite || route_name == "blocks")
    return make_error(ErrorCategory::validation, "", "ingest", "route: got \"" + route_name.substr(0, 32) + "\"; expected tip, fees or mempool");
  if (!data.is_object()) return make_error(ErrorCategory::validation, "", "ingest", "data: expected a JSON object");
  // The pushed shapes are the models' JSON; reuse their readers to reject garbage.
  try {
    if (route_name == "tip") (void)data.get<BlockTip>();
    else if (route_name == "fees") (void)data.get<RecommendedFees>();
    else if (route_name == "mempool") (void)data.get<MempoolStats>();
    else return make_error(ErrorCategory::validation, "", "ingest", "route: got \"" + route_name + "\"; expected tip, fees or mempool");
  } catch (const json::exception& e) {
    return make_error(ErrorCategory::validation, "", "ingest", route_name + ": " + e.what());
  }
  const std::string key = route->cache_key(json::object());
  const std::string value = encode_answer_entry(data, source, json::array());
  metrics_.add("ltl_realtime_updates_total", {{"route", route_name}});
  if (auto error = cache_->put(key, policy_for(*route), FetchedValue{value, std::nullopt, std::nullopt})) return *error;
  return true;
}

void IntegrationService::invalidate(const std::string& how, const std::string& what, JsonCallback done,
                                    InvalidationMode mode) {
  auto reply = [done](Result<InvalidationReport> report) {
    if (!report.ok()) return done(report.error());
    done(json(report.value()));
  };
  if (how == "key") return cache_->invalidate(what, reply, mode);
  if (how == "glob") return cache_->invalidate_glob(what, reply, mode);
  if (how == "tag") return cache_->invalidate_tag(what, reply, mode);
  done(make_error(ErrorCategory::validation, "", "invalidate", "how: got \"" + how.substr(0, 16) + "\"; expected key, glob or tag"));
}

void IntegrationService::track_error(const std::string& route, const Error& error) {
  metrics_.add("ltl_errors_total", {{"category", to_string(error.category)}});
  json entry = error;
  entry["route"] = route;
  entry["at"] = clock_.now_ms();
  tracked_errors_.push_back(std::move(entry));
  while (tracked_errors_.size() > options_.max_tracked_errors) tracked_errors_.pop_front();
}

void IntegrationService::emit(const json& event) {
  if (listener_) listener_(event);
}

void IntegrationService::set_host_gauge(const std::string& name, double value) {
  if (name == "ltl_wasm_heap_bytes" || name == "ltl_event_loop_lag_ms") metrics_.set(name, {}, value);
}

void IntegrationService::add_host_counter(const std::string& name, double amount) {
  if (name == "ltl_long_tasks_total" && amount >= 0) metrics_.add(name, {}, amount);
}

void IntegrationService::sync_gauges() { sync_service_gauges(metrics_, *cache_, *upstream_); }

json IntegrationService::health() {
  json report = registry_.health();
  for (auto& [name, service] : report["services"].items()) {
    const std::string status = service.value("status", "unhealthy");
    metrics_.set("ltl_service_health", {{"service", name}}, status == "healthy" ? 0 : status == "degraded" ? 1 : 2);
  }
  report["checked_at"] = clock_.now_ms();
  report["breakers"] = upstream_->snapshot_json();
  report["cache_tiers"] = cache_->health();
  report["alerts"] = alerts_->active();
  report["config_version"] = config_.version();
  return report;
}

json IntegrationService::metrics_snapshot() {
  sync_gauges();
  return metrics_.snapshot(clock_.now_ms());
}

std::string IntegrationService::metrics_prometheus(bool openmetrics) {
  sync_gauges();
  PrometheusOptions options;
  options.openmetrics = openmetrics;
  return to_prometheus(metrics_, options);
}

json IntegrationService::history() const {
  json out = history_.to_json();
  out["cache_hit_rate"] = hit_rate_history(history_);  // the dashboard's hit-rate chart, computed here only
  return out;
}
json IntegrationService::alerts() const { return alerts_->to_json(); }

json IntegrationService::report(int64_t window_ms) {
  sync_gauges();
  return build_report(metrics_, history_, *alerts_, window_ms, clock_.now_ms());
}

json IntegrationService::errors() const {
  json out = json::array();
  for (const auto& entry : tracked_errors_) out.push_back(entry);
  return out;
}

json IntegrationService::cache_stats() const { return cache_->stats(); }

}  // namespace ltl
