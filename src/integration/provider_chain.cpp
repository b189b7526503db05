#include "integration/provider_chain.h"

#include <algorithm>
#include <optional>

namespace ltl {

using nlohmann::json;

json failure_json(const std::string& provider, const Error& error) {
  return {{"provider", provider}, {"category", to_string(error.category)}, {"message", error.message},
          {"upstream_status", error.upstream_status}};
}

Error chain_error(const std::string& route, const ProviderFailures& failures) {
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

void ProviderGateway::get(const std::string& provider, const std::string& operation, const std::string& path,
                          BodyParser parse, JsonCallback done) {
  const Config& config = config_.current();
  HttpRequest request;
  request.url = config.base_url(provider) + path;
  request.timeout_ms = config.timeout_ms(provider);
  request.headers.emplace_back("accept", "application/json, text/plain");
  if (provider == "coingecko" && !config.coingecko_api_key.empty())
    request.headers.emplace_back("x-cg-demo-api-key", config.coingecko_api_key);
  auto parsed = std::make_shared<std::optional<json>>();
  Validator validator = [parse = std::move(parse), parsed](const HttpResponse& response) -> std::optional<Error> {
    auto result = parse(response);
    if (!result.ok()) return result.error();
    *parsed = std::move(result.value());
    return std::nullopt;
  };
  const double started = clock_.monotonic_ms();
  upstream_.fetch(provider, operation, std::move(request), std::move(validator),
                  clock_.now_ms() + config.request_deadline_ms,
                  [this, parsed, started, done = std::move(done)](FetchOutcome outcome) {
                    metrics_.observe("ltl_pipeline_step_ms", {{"step", "fetch"}}, clock_.monotonic_ms() - started);
                    if (!outcome.result.ok()) return done(outcome.result.error());
                    if (!*parsed) return done(make_error(ErrorCategory::internal, "", "fetch", "validator did not run"));
                    done(std::move(**parsed));
                  });
}

struct ProviderChain::Run {
  std::string route;
  json params;
  std::vector<Source> sources;
  size_t next = 0;
  ProviderFailures failures;
  SourcedCallback done;
};

void ProviderChain::run(const std::string& route, std::vector<Source> sources, const json& params,
                        SourcedCallback done) {
  auto run = std::make_shared<Run>();
  run->route = route;
  run->params = params;
  run->sources = std::move(sources);
  run->done = std::move(done);
  step(run);
}

void ProviderChain::step(const std::shared_ptr<Run>& run) {
  if (run->next >= run->sources.size()) {
    run->done(chain_error(run->route, run->failures));
    return;
  }
  const Source& source = run->sources[run->next++];
  std::weak_ptr<bool> alive = alive_;
  source.fetch(gateway_, run->params, [this, alive, run, provider = source.provider](JsonResult result) {
    if (alive.expired()) return;
    if (!result.ok()) {
      metrics_.add("ltl_provider_fallbacks_total", {{"provider", provider}, {"route", run->route}});
      run->failures.emplace_back(provider, result.error());
      step(run);
      return;
    }
    SourcedData answer{std::move(result.value()), provider, json::array()};
    for (size_t i = 0; i < run->failures.size() && i < kMaxFailuresReported; ++i)
      answer.failed.push_back(failure_json(run->failures[i].first, run->failures[i].second));
    run->done(std::move(answer));
  });
}

}  // namespace ltl
