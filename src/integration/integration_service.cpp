#include "integration/integration_service.h"

#include <algorithm>
#include <cmath>

#include "data/network.h"
#include "integration/metric_catalogue.h"
#include "monitor/hit_rates.h"
#include "monitor/prometheus.h"
#include "monitor/report.h"

namespace ltl {
namespace {

using nlohmann::json;

// 2: answers carry quote, volume_24h_scope, as_of_source, fee_definition, hashrate_window (issue 15);
// entries written before are refused (a miss), never served without those fields.
constexpr int kCacheFormatVersion = 2;
constexpr size_t kMaxFailuresReported = 8;

MemoryCacheOptions memory_options(const Config& config) {
  MemoryCacheOptions options;
  options.max_entries = static_cast<size_t>(config.cache_max_entries);
  options.max_bytes = static_cast<size_t>(config.cache_max_bytes);
  options.max_entry_bytes = std::min<size_t>(options.max_bytes, static_cast<size_t>(config.cache_max_entry_bytes));
  options.default_ttl_ms = config.cache_default_ttl_ms;
  return options;
}

TieredCacheOptions tiered_options(const Config& config) {
  TieredCacheOptions options;
  options.enabled = config.cache_enabled;
  options.sweep_interval_ms = 0;  // started with the service
  // A fetch runs a whole provider chain: allow every provider its deadline.
  options.fetch_timeout_ms = config.request_deadline_ms * 2;
  return options;
}

ProviderPolicy provider_policy(const Config& config, const std::string& provider) {
  ProviderPolicy policy;
  policy.timeout_ms = config.timeout_ms(provider);
  policy.max_limiter_wait_ms = config.rate_limit_max_wait_ms;
  policy.retry.max_attempts = static_cast<int>(config.retry_max_attempts);
  policy.retry.base_delay_ms = config.retry_base_delay_ms;
  policy.retry.max_delay_ms = std::max(config.retry_base_delay_ms, config.retry_max_delay_ms);
  policy.breaker.failure_rate_threshold = static_cast<double>(config.breaker_failure_rate_pct) / 100.0;
  policy.breaker.minimum_calls = static_cast<int>(config.breaker_min_calls);
  policy.breaker.consecutive_failures = static_cast<int>(config.breaker_consecutive_failures);
  policy.breaker.window_ms = config.breaker_window_ms;
  policy.breaker.break_duration_ms = config.breaker_open_ms;
  policy.breaker.break_growth_factor = 2.0;
  policy.breaker.max_break_ms = std::max(config.breaker_open_ms, config.breaker_max_open_ms);
  policy.breaker.half_open_max_probes = static_cast<int>(config.breaker_half_open_probes);
  if (auto per_min = config.rate_per_min(provider)) {
    RateLimit limit;
    limit.refill_per_second = static_cast<double>(*per_min) / 60.0;
    limit.capacity = std::max(1.0, std::min(10.0, limit.refill_per_second * 10));
    policy.rate_limit = limit;
  }
  return policy;
}

json failure_json(const std::string& provider, const Error& error) {
  return {{"provider", provider}, {"category", to_string(error.category)}, {"message", error.message},
          {"upstream_status", error.upstream_status}};
}

// Every provider failed: one typed error that names each failure. The category is the
// last provider's, unless every provider was refused by its breaker.
Error chain_error(const std::string& route, const std::vector<std::pair<std::string, Error>>& failures) {
  if (failures.empty())
    return make_error(ErrorCategory::config, "", route, "no provider is configured for " + route);
  std::string message = "every provider failed: ";
  int64_t retry_after = -1;
  bool all_open = true;
  int status = 0;
  for (size_t i = 0; i < failures.size(); ++i) {
    const auto& [provider, error] = failures[i];
    message += (i ? "; " : "") + provider + ": " + to_string(error.category) + " (" + error.message + ")";
    if (error.retry_after_ms >= 0) retry_after = retry_after < 0 ? error.retry_after_ms : std::min(retry_after, error.retry_after_ms);
    all_open = all_open && error.category == ErrorCategory::circuit_open;
    if (error.upstream_status) status = error.upstream_status;
  }
  Error error = make_error(all_open ? ErrorCategory::circuit_open : failures.back().second.category,
                           failures.size() == 1 ? failures[0].first : "", route, message);
  error.retry_after_ms = retry_after;
  error.upstream_status = status;
  return error;
}

// The cached form of a route's answer: its data plus where it came from.
std::string encode_entry(const json& data, const std::string& source, const json& failed) {
  return json{{"v", kCacheFormatVersion}, {"data", data}, {"source", source}, {"failed", failed}}.dump(
      -1, ' ', false, json::error_handler_t::replace);
}

std::optional<json> decode_entry(const std::string& value) {
  auto parsed = json::parse(value, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object() || parsed.value("v", 0) != kCacheFormatVersion ||
      !parsed.contains("data") || !parsed["data"].is_object() || !parsed.contains("source"))
    return std::nullopt;
  return parsed;
}

}  // namespace

// The data sources' view of the upstream client: base URLs and credentials from the
// live config, every body parsed inside the validator so a garbage 2xx counts against
// the provider like a failure.
class IntegrationService::Gateway final : public UpstreamGateway {
 public:
  explicit Gateway(IntegrationService& service) : service_(service) {}
  int64_t now_ms() const override { return service_.clock_.now_ms(); }

  void get(const std::string& provider, const std::string& operation, const std::string& path, BodyParser parse,
           JsonCallback done) override {
    const Config& config = service_.config_.current();
    HttpRequest request;
    request.url = config.base_url(provider) + path;
    request.timeout_ms = config.timeout_ms(provider);
    request.headers.emplace_back("accept", "application/json, text/plain");
    if (provider == "coingecko" && !config.coingecko_api_key.empty())
      request.headers.emplace_back("x-cg-demo-api-key", config.coingecko_api_key);
    auto parsed = std::make_shared<std::optional<json>>();
    Validator validator = [parse, parsed](const HttpResponse& response) -> std::optional<Error> {
      auto result = parse(response);
      if (!result.ok()) return result.error();
      *parsed = std::move(result.value());
      return std::nullopt;
    };
    const double started = service_.clock_.monotonic_ms();
    service_.upstream_->fetch(provider, operation, std::move(request), std::move(validator),
                              service_.clock_.now_ms() + config.request_deadline_ms,
                              [this, parsed, started, done](FetchOutcome outcome) {
                                service_.metrics_.observe("ltl_pipeline_step_ms", {{"step", "fetch"}},
                                                          service_.clock_.monotonic_ms() - started);
                                if (!outcome.result.ok()) return done(outcome.result.error());
                                if (!*parsed)
                                  return done(make_error(ErrorCategory::internal, "", "fetch", "validator did not run"));
                                done(std::move(**parsed));
                              });
  }

 private:
  IntegrationService& service_;
};

namespace {

// Services of the registry: thin views that report health and own their timers.
class LambdaService final : public Service {
 public:
  LambdaService(std::string name, std::vector<std::string> deps, std::function<HealthReport()> health,
                std::function<void()> on_stop = {})
      : name_(std::move(name)), deps_(std::move(deps)), health_(std::move(health)), on_stop_(std::move(on_stop)) {}
  std::string name() const override { return name_; }
  std::vector<std::string> dependencies() const override { return deps_; }
  void stop() override {
    if (on_stop_) on_stop_();
  }
  HealthReport health() const override { return health_(); }

 private:
  std::string name_;
  std::vector<std::string> deps_;
  std::function<HealthReport()> health_;
  std::function<void()> on_stop_;
};

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
  UpstreamObserver observer;
  observer.on_attempt = [this](const std::string& provider, const std::string&, const std::string& outcome,
                               double latency_ms) {
    metrics_.add("ltl_upstream_requests_total", {{"outcome", outcome == "ok" ? "ok" : "error"}, {"provider", provider}});
    if (outcome != "ok") metrics_.add("ltl_upstream_errors_total", {{"category", outcome}, {"provider", provider}});
    if (outcome != "circuit_open") metrics_.observe("ltl_upstream_latency_ms", {{"provider", provider}}, latency_ms);
  };
  observer.on_retry = [this](const std::string& provider, int64_t delay_ms, const std::string&) {
    metrics_.add("ltl_upstream_retries_total", {{"provider", provider}});
    metrics_.observe("ltl_upstream_retry_delay_ms", {{"provider", provider}}, static_cast<double>(delay_ms));
  };
  observer.on_rate_limit_wait = [this](const std::string& provider, int64_t wait_ms) {
    metrics_.add("ltl_upstream_rate_limit_waits_total", {{"provider", provider}});
    metrics_.observe("ltl_upstream_rate_limit_wait_ms", {{"provider", provider}}, static_cast<double>(wait_ms));
  };
  observer.on_admission_denied = [this](const std::string& provider, int64_t, const std::string&) {
    metrics_.add("ltl_fleet_admission_denied_total", {{"provider", provider}});
  };
  observer.on_breaker_transition = [this](const BreakerTransition& event) {
    metrics_.add("ltl_breaker_transitions_total", {{"provider", event.provider}, {"to", to_string(event.to)}});
    const double state = event.to == BreakerState::closed ? 0 : event.to == BreakerState::half_open ? 1 : 2;
    metrics_.set("ltl_breaker_state", {{"provider", event.provider}}, state);
    emit({{"type", "breaker"}, {"provider", event.provider}, {"from", to_string(event.from)},
          {"to", to_string(event.to)}, {"reason", event.reason}, {"at", event.at_ms}});
  };
  upstream_ = std::make_unique<UpstreamClient>(clock_, scheduler_, transport_, options_.random, observer);
  gateway_ = std::make_unique<Gateway>(*this);
  configure_providers(current);
  apply_config(current, {});
  config_.subscribe([this](const Config& updated, const std::vector<std::string>& changed) {
    apply_config(updated, changed);
  });

  // Dependencies as the seed draws them: data needs cache, upstream and monitor; all need config.
  auto add = [this](std::shared_ptr<Service> service) { registry_.add(std::move(service)); };
  add(std::make_shared<LambdaService>("config", std::vector<std::string>{}, [this] {
    return HealthReport{HealthStatus::healthy, "valid, version " + std::to_string(config_.version())};
  }));
  add(std::make_shared<LambdaService>(
      "monitor", std::vector<std::string>{"config"},
      [this] {
        const auto active = alerts_->active();
        size_t critical = 0;
        for (const auto& alert : active) critical += alert.level == AlertLevel::critical;
        if (!config_.current().performance_enabled) return HealthReport{HealthStatus::healthy, "disabled by PERFORMANCE_ENABLED"};
        if (critical) return HealthReport{HealthStatus::degraded, std::to_string(critical) + " critical alert(s) active"};
        return HealthReport{HealthStatus::healthy, std::to_string(active.size()) + " alert(s) active, " +
                                                       std::to_string(history_.size()) + " history points"};
      },
      [this] { cancel_timers(); }));
  add(std::make_shared<LambdaService>("cache", std::vector<std::string>{"config"}, [this]() -> HealthReport {
    if (!cache_->enabled()) return HealthReport{HealthStatus::healthy, "disabled by CACHE_ENABLED"};
    for (const TierHealth& tier : cache_->health())
      if (tier.status == "degraded")
        return HealthReport{HealthStatus::degraded, tier.name + " tier degraded (" + tier.reason + "); serving from memory"};
    const auto& memory = cache_->memory().stats();
    return HealthReport{HealthStatus::healthy, std::to_string(memory.entries) + " entries, " + std::to_string(memory.bytes) + " bytes in memory"};
  }, [this] { cache_->set_sweep_interval_ms(0); }));
  add(std::make_shared<LambdaService>("upstream", std::vector<std::string>{"config"}, [this] {
    std::vector<std::string> open;
    for (const auto& snapshot : upstream_->snapshot())
      if (snapshot.breaker.state != BreakerState::closed) open.push_back(snapshot.provider + " " + to_string(snapshot.breaker.state));
    if (open.empty()) return HealthReport{HealthStatus::healthy, "every breaker closed"};
    std::string reason;
    for (const auto& item : open) reason += (reason.empty() ? "" : ", ") + item;
    return HealthReport{HealthStatus::degraded, "breakers: " + reason};
  }));
  // A data family is unhealthy when every provider's breaker is open or its last three
  // requests failed with nothing usable cached; degraded when some providers are open.
  auto family_health = [this](const std::vector<std::string>& providers, const std::vector<std::string>& routes) {
    size_t open = 0;
    for (const auto& provider : providers)
      if (upstream_->breaker_state(provider).value_or(BreakerState::closed) == BreakerState::open) ++open;
    for (const auto& route : routes) {
      auto it = route_health_.find(route);
      if (it != route_health_.end() && it->second.consecutive_failures >= 3)
        return HealthReport{HealthStatus::unhealthy, route + ": " + std::to_string(it->second.consecutive_failures) +
                                                         " failed requests in a row, last: " + it->second.last_error};
    }
    if (!providers.empty() && open == providers.size())
      return HealthReport{HealthStatus::unhealthy, "every provider's breaker is open"};
    if (open) return HealthReport{HealthStatus::degraded, std::to_string(open) + " of " + std::to_string(providers.size()) + " providers open"};
    return HealthReport{HealthStatus::healthy, "providers available"};
  };
  add(std::make_shared<LambdaService>("market", std::vector<std::string>{"cache", "upstream", "monitor"}, [this, family_health] {
    return family_health(config_.current().price_providers, {"price", "market"});
  }));
  add(std::make_shared<LambdaService>("network", std::vector<std::string>{"cache", "upstream", "monitor"}, [this, family_health] {
    return family_health(config_.current().network_providers, {"fees", "mempool", "tip", "blocks", "difficulty", "hashrate"});
  }));
  add(std::make_shared<LambdaService>("sentiment", std::vector<std::string>{"cache", "upstream", "monitor"}, [family_health] {
    HealthReport report = family_health({"fng"}, {"sentiment"});
    // Sentiment is an extra: without it the service still does its main job.
    if (report.status == HealthStatus::unhealthy) report.status = HealthStatus::degraded;
    return report;
  }));
  // Every known series exists from the first scrape (dashboards and alert rules need them).
  create_known_series(metrics_, known_label_values(current, options_.store ? options_.store->name() : ""));
}

IntegrationService::~IntegrationService() {
  *alive_ = false;
  stop();
}

void IntegrationService::declare_metrics() {
  declare_catalogue_metrics(metrics_);
  track_report_metrics(history_);
  for (const char* name : {"ltl_requests_total", "ltl_request_duration_ms", "ltl_upstream_requests_total",
                           "ltl_upstream_errors_total", "ltl_upstream_latency_ms", "ltl_upstream_retries_total",
                           "ltl_breaker_state", "ltl_cache_lookups_total", "ltl_wasm_heap_bytes", "ltl_errors_total",
                           "ltl_cache_entries", "ltl_event_loop_lag_ms"})
    history_.track(name);
}

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
  policy.accepts = [](const std::string& value) { return decode_entry(value).has_value(); };
  return policy;
}

// One run of a route's fallback chain.
struct IntegrationService::ChainRun {
  std::string route;
  json params;
  std::vector<Source> sources;
  size_t next = 0;
  std::vector<std::pair<std::string, Error>> failures;
  CacheFetchCallback done;
};

// Tries each provider in order; the first answer wins. Failures are named in the result.
void IntegrationService::run_chain(const RouteSpec& route, const json& params, CacheFetchCallback done) {
  auto run = std::make_shared<ChainRun>();
  run->route = route.name;
  run->params = params;
  run->sources = route.sources(config_.current(), params);
  run->done = std::move(done);
  step_chain(run);
}

void IntegrationService::step_chain(const std::shared_ptr<ChainRun>& run) {
  if (run->next >= run->sources.size()) {
    run->done(chain_error(run->route, run->failures));
    return;
  }
  const Source& source = run->sources[run->next++];
  std::weak_ptr<bool> alive = alive_;
  source.fetch(*gateway_, run->params, [this, alive, run, provider = source.provider](JsonResult result) {
    if (alive.expired()) return;
    if (!result.ok()) {
      metrics_.add("ltl_provider_fallbacks_total", {{"provider", provider}, {"route", run->route}});
      run->failures.emplace_back(provider, result.error());
      step_chain(run);
      return;
    }
    json failed = json::array();
    for (size_t i = 0; i < run->failures.size() && i < kMaxFailuresReported; ++i)
      failed.push_back(failure_json(run->failures[i].first, run->failures[i].second));
    FetchedValue value;
    value.value = encode_entry(result.value(), provider, failed);
    run->done(value);
  });
}

// Every price provider at once; the median of those that answer, outliers named.
void IntegrationService::run_consensus(const json& params, CacheFetchCallback done) {
  struct Gather {
    size_t pending = 0;
    std::vector<json> quotes;
    std::vector<std::pair<std::string, Error>> failures;
  };
  auto gather = std::make_shared<Gather>();
  const std::string currency = params.at("currency");
  auto sources = price_sources(config_.current(), currency);
  gather->pending = sources.size();
  if (sources.empty()) return done(chain_error("market", {}));
  std::weak_ptr<bool> alive = alive_;
  for (const auto& source : sources) {
    source.fetch(*gateway_, params, [this, alive, gather, currency, provider = source.provider, done](JsonResult result) {
      if (alive.expired()) return;
      if (result.ok()) gather->quotes.push_back(result.value());
      else gather->failures.emplace_back(provider, result.error());
      if (--gather->pending > 0) return;
      if (gather->quotes.empty()) return done(chain_error("market", gather->failures));
      json data = price_consensus(gather->quotes, static_cast<double>(config_.current().consensus_outlier_pct), currency,
                                  config_.current().price_providers);
      data["currency"] = currency;
      metrics_.set("ltl_consensus_spread_pct", {{"currency", currency}}, data["spread_pct"].get<double>());
      for (const auto& outlier : data["outliers"]) metrics_.add("ltl_consensus_outliers_total", {{"provider", outlier.get<std::string>()}});
      json failed = json::array();
      for (const auto& [provider, error] : gather->failures) failed.push_back(failure_json(provider, error));
      FetchedValue value;
      value.value = encode_entry(data, "consensus", failed);
      done(value);
    });
  }
}

// The network summary: each part through its own cache entry; the parts that fail are named.
void IntegrationService::run_network(JsonCallback done) {
  struct Parts {
    size_t pending = 0;
    json out = json::object();
    json failed = json::array();
    std::vector<Error> errors;
  };
  static const std::vector<std::string> kParts = {"tip", "fees", "mempool", "difficulty", "hashrate"};
  auto parts = std::make_shared<Parts>();
  parts->pending = kParts.size();
  std::weak_ptr<bool> alive = alive_;
  for (const auto& part : kParts) {
    request(part, json::object(), [this, alive, parts, part, done](JsonResult result) {
      if (alive.expired()) return;
      if (result.ok()) {
        parts->out[part] = result.value();
      } else {
        parts->out[part] = nullptr;
        parts->failed.push_back({{"part", part}, {"error", result.error()}});
        parts->errors.push_back(result.error());
      }
      if (--parts->pending > 0) return;
      json& out = parts->out;
      if (out["tip"].is_object() && out["tip"].contains("height") && out["tip"]["height"].is_number_integer()) {
        const int64_t height = out["tip"]["height"].get<int64_t>();
        out["halving"] = {{"blocks_to_next_halving", blocks_to_next_halving(height)},
                          {"next_halving_height", next_halving_height(height)}};
      } else {
        out["halving"] = nullptr;
      }
      out["failed_parts"] = parts->failed;
      bool any = false;
      for (const auto& part_name : kParts) any = any || !out[part_name].is_null();
      out["as_of"] = clock_.now_ms();
      if (!any) {
        Error error = make_error(ErrorCategory::upstream_5xx, "", "network", "every part of the network summary failed");
        if (!parts->errors.empty()) {
          error = parts->errors.front();
          error.operation = "network";
          error.message = "every part of the network summary failed; first: " + error.message;
        }
        return done(error);
      }
      done(out);
    });
  }
}

json IntegrationService::answer_json(const CachedValue& cached) const {
  auto entry = decode_entry(cached.value);
  json out = entry ? (*entry)["data"] : json::object();
  const int64_t now = clock_.now_ms();
  out["source"] = entry ? (*entry)["source"] : json(nullptr);
  if (!out.contains("as_of") || !out["as_of"].is_number_integer() || out["as_of"].get<int64_t>() <= 0)
    out["as_of"] = cached.stored_at_ms;
  out["fetched_at"] = cached.stored_at_ms;
  out["age_ms"] = std::max<int64_t>(0, now - cached.stored_at_ms);
  out["stale"] = cached.stale;
  out["expires_at"] = cached.fresh_until_ms;
  out["cache"] = cached.source;
  out["failed"] = entry && (*entry).contains("failed") ? (*entry)["failed"] : json::array();
  if (cached.origin_error) out["stale_reason"] = *cached.origin_error;
  return out;
}

void IntegrationService::request(const std::string& route_name, const json& params, JsonCallback done) {
  const double started = clock_.monotonic_ms();
  const RouteSpec* route = find_route(route_name);
  const std::string label = route ? route_name : "unknown";
  auto finish = [this, started, label, done](JsonResult result, const char* outcome) {
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
    finish(make_error(ErrorCategory::validation, "", "route", "route: got \"" + route_name.substr(0, 32) + "\"; expected one of price, market, fees, mempool, tip, blocks, difficulty, hashrate, sentiment, network"), "error");
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
    run_network([finish](JsonResult result) { finish(result, result.ok() ? "ok" : "error"); });
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
                         finish(answer_json(cached), outcome);
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
  const std::string value = encode_entry(data, source, json::array());
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

void IntegrationService::sync_gauges() {
  const TieredCacheStats stats = cache_->stats();
  const Labels memory = {{"tier", "memory"}};
  metrics_.set("ltl_cache_entries", memory, static_cast<double>(stats.memory.entries));
  metrics_.set("ltl_cache_bytes", memory, static_cast<double>(stats.memory.bytes));
  metrics_.set_total("ltl_cache_evictions_total", {{"reason", "capacity"}, {"tier", "memory"}}, static_cast<double>(stats.memory.evictions_capacity));
  metrics_.set_total("ltl_cache_evictions_total", {{"reason", "size"}, {"tier", "memory"}}, static_cast<double>(stats.memory.evictions_size));
  metrics_.set_total("ltl_cache_evictions_total", {{"reason", "expired"}, {"tier", "memory"}}, static_cast<double>(stats.memory.evictions_expired));
  metrics_.set_total("ltl_cache_evictions_total", {{"reason", "invalidated"}, {"tier", "memory"}}, static_cast<double>(stats.memory.evictions_invalidated));
  metrics_.set_total("ltl_cache_coalesced_waits_total", {}, static_cast<double>(stats.origin.coalesced_waits));
  metrics_.set_total("ltl_cache_background_refreshes_total", {}, static_cast<double>(stats.origin.background_refreshes));
  metrics_.set_total("ltl_cache_stale_if_error_answers_total", {}, static_cast<double>(stats.origin.stale_if_error_answers));
  metrics_.set("ltl_cache_tier_up", memory, 1);
  if (stats.persistent) {
    const Labels tier = {{"tier", stats.persistent->name}};
    metrics_.set_total("ltl_cache_store_errors_total", tier, static_cast<double>(stats.persistent->errors));
    metrics_.set_total("ltl_cache_compression_saved_bytes_total", tier, static_cast<double>(stats.persistent->saved_bytes));
    bool up = true;
    for (const auto& health : cache_->health())
      if (health.name == stats.persistent->name) up = health.status != "degraded";
    metrics_.set("ltl_cache_tier_up", tier, up ? 1 : 0);
  }
  for (const auto& snapshot : upstream_->snapshot()) {
    const Labels provider = {{"provider", snapshot.provider}};
    const BreakerState state = snapshot.breaker.state;
    metrics_.set("ltl_breaker_state", provider, state == BreakerState::closed ? 0 : state == BreakerState::half_open ? 1 : 2);
    metrics_.set("ltl_breaker_failure_rate", provider, snapshot.breaker.failure_rate);
  }
}

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
