#pragma once
// Fetching one route's data from its providers: the gateway the data sources call
// (UpstreamClient with the live config's base URLs, credentials and timeouts) and the
// fallback chain that tries each provider in order until one answers.
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config_store.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/result.h"
#include "integration/data_sources.h"
#include "monitor/metrics.h"
#include "resilience/upstream_client.h"

namespace ltl {

// A route's data with its provenance: `source` is the provider that answered (or
// "consensus"); `failed` lists the providers that failed first, as failure_json objects.
struct SourcedData {
  nlohmann::json data;
  std::string source;
  nlohmann::json failed = nlohmann::json::array();
};
using SourcedCallback = std::function<void(Result<SourcedData>)>;

// (provider, its error), in the order they were tried.
using ProviderFailures = std::vector<std::pair<std::string, Error>>;

// {"provider", "category", "message", "upstream_status"}: one entry of SourcedData::failed.
nlohmann::json failure_json(const std::string& provider, const Error& error);

// Every provider failed: one typed error that names each failure. The category is the
// last provider's, unless every provider was refused by its breaker (circuit_open); the
// retry-after is the shortest any provider asked for. No failures: a config error.
Error chain_error(const std::string& route, const ProviderFailures& failures);

// The data sources' view of the upstream client. Every body is parsed inside the
// validator, so a garbage 2xx counts against the provider like a failure. Each fetch's
// time is observed in ltl_pipeline_step_ms{step="fetch"}. All references must outlive it.
class ProviderGateway final : public UpstreamGateway {
 public:
  ProviderGateway(const Clock& clock, const ConfigStore& config, UpstreamClient& upstream, MetricsRegistry& metrics)
      : clock_(clock), config_(config), upstream_(upstream), metrics_(metrics) {}
  int64_t now_ms() const override { return clock_.now_ms(); }
  void get(const std::string& provider, const std::string& operation, const std::string& path, BodyParser parse,
           JsonCallback done) override;

 private:
  const Clock& clock_;
  const ConfigStore& config_;
  UpstreamClient& upstream_;
  MetricsRegistry& metrics_;
};

// Runs fallback chains: the first provider that answers wins; each failure is counted in
// ltl_provider_fallbacks_total and the first kMaxFailuresReported are named in `failed`.
// Answers arriving after the chain object is destroyed are dropped.
class ProviderChain {
 public:
  static constexpr size_t kMaxFailuresReported = 8;

  ProviderChain(UpstreamGateway& gateway, MetricsRegistry& metrics) : gateway_(gateway), metrics_(metrics) {}
  ProviderChain(const ProviderChain&) = delete;
  ProviderChain& operator=(const ProviderChain&) = delete;

  // `done` is called exactly once (unless this object is destroyed first); with no
  // sources it is called at once with chain_error's config error.
  void run(const std::string& route, std::vector<Source> sources, const nlohmann::json& params, SourcedCallback done);

 private:
  struct Run;
  void step(const std::shared_ptr<Run>& run);

  UpstreamGateway& gateway_;
  MetricsRegistry& metrics_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace ltl
