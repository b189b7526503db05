#include "integration/market_consensus.h"

#include <string>
#include <vector>

namespace ltl {

using nlohmann::json;

void MarketConsensus::run(const json& params, SourcedCallback done) {
  struct Gather {
    size_t pending = 0;
    std::vector<json> quotes;
    ProviderFailures failures;
  };
  auto gather = std::make_shared<Gather>();
  const std::string currency = params.at("currency");
  auto sources = price_sources(config_.current(), currency);
  gather->pending = sources.size();
  if (sources.empty()) return done(chain_error("market", {}));
  std::weak_ptr<bool> alive = alive_;
  for (const auto& source : sources) {
    source.fetch(gateway_, params, [this, alive, gather, currency, provider = source.provider, done](JsonResult result) {
      if (alive.expired()) return;
      if (result.ok()) gather->quotes.push_back(result.value());
      else gather->failures.emplace_back(provider, result.error());
      if (--gather->pending > 0) return;
      if (gather->quotes.empty()) return done(chain_error("market", gather->failures));
      const Config& config = config_.current();
      json data = price_consensus(gather->quotes, static_cast<double>(config.consensus_outlier_pct), currency,
                                  config.price_providers);
      data["currency"] = currency;
      metrics_.set("ltl_consensus_spread_pct", {{"currency", currency}}, data["spread_pct"].get<double>());
      for (const auto& outlier : data["outliers"])
        metrics_.add("ltl_consensus_outliers_total", {{"provider", outlier.get<std::string>()}});
      SourcedData answer{std::move(data), "consensus", json::array()};
      for (const auto& [failed_provider, error] : gather->failures) answer.failed.push_back(failure_json(failed_provider, error));
      done(std::move(answer));
    });
  }
}

}  // namespace ltl
