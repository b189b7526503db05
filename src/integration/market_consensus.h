#pragma once
// The market route: every price source of the currency asked at once, the median of
// those that answer (price_consensus), outliers named. Records the spread in
// ltl_consensus_spread_pct{currency} and each outlier in ltl_consensus_outliers_total.
#include <memory>

#include <nlohmann/json.hpp>

#include "config/config_store.h"
#include "integration/data_sources.h"
#include "integration/provider_chain.h"
#include "monitor/metrics.h"

namespace ltl {

class MarketConsensus {
 public:
  // All references must outlive this object; answers arriving after it is destroyed are dropped.
  MarketConsensus(UpstreamGateway& gateway, const ConfigStore& config, MetricsRegistry& metrics)
      : gateway_(gateway), config_(config), metrics_(metrics) {}
  MarketConsensus(const MarketConsensus&) = delete;
  MarketConsensus& operator=(const MarketConsensus&) = delete;

  // params: the market route's canonical parameters ({"currency": "usd"}). Delivers the
  // consensus with "currency" set, source "consensus" and every failed provider in `failed`;
  // when none answers, chain_error("market", ...) naming each failure.
  void run(const nlohmann::json& params, SourcedCallback done);

 private:
  UpstreamGateway& gateway_;
  const ConfigStore& config_;
  MetricsRegistry& metrics_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace ltl
