#pragma once
// The route catalogue: for each data route, the kind of data (its cache windows),
// its cache key, parameter validation and the providers that can answer it, in
// fallback order. Provider requests and parsers live here; orchestration (cache,
// fallback, consensus, metrics) lives in IntegrationService.
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "core/result.h"
#include "net/http.h"

namespace ltl {

using JsonResult = Result<nlohmann::json>;
using JsonCallback = std::function<void(JsonResult)>;
// Turns a 2xx body into the route's JSON, or a parse error naming the field.
using BodyParser = std::function<JsonResult(const HttpResponse& response)>;

// How sources reach upstreams: the integration layer implements it over the
// UpstreamClient (breaker, rate limit, timeout, retries).
class UpstreamGateway {
 public:
  virtual ~UpstreamGateway() = default;
  virtual int64_t now_ms() const = 0;
  // GET base_url(provider) + path; `done` gets the parsed JSON or a typed error.
  virtual void get(const std::string& provider, const std::string& operation, const std::string& path,
                   BodyParser parse, JsonCallback done) = 0;
};

// One way to obtain a route's data from one provider. The JSON it produces is the
// route's data; an "as_of" member (unix ms) is the provider's own timestamp.
struct Source {
  std::string provider;
  std::function<void(UpstreamGateway& upstream, const nlohmann::json& params, JsonCallback done)> fetch;
};

struct RouteSpec {
  std::string name;  // "price", "fees", ...: also the metrics label
  DataKind kind;
  // Canonical parameters, or a validation error naming the parameter.
  std::function<JsonResult(const nlohmann::json& params, const Config& config)> validate;
  std::function<std::string(const nlohmann::json& params)> cache_key;
  // Providers in fallback order for these canonical parameters (empty for composite routes).
  std::function<std::vector<Source>(const Config& config, const nlohmann::json& params)> sources;
  bool composite = false;  // market (consensus over every price source), network (parts)
  std::string path{};        // the HTTP path the fronts serve it on ("/api/v1/blocks/tip")
  bool takes_currency = false;  // its one parameter is a currency (price, market)
};

const std::vector<RouteSpec>& route_catalogue();
const RouteSpec* find_route(const std::string& name);

// The price sources of `config.price_providers` that quote BTC in `currency`, in order (used by
// price and market): Binance only for the fiat pairs it lists, and for "usd" only when
// BINANCE_USDT_AS_USD lets BTCUSDT stand in.
std::vector<Source> price_sources(const Config& config, const std::string& currency);

// Median consensus over quotes (PriceQuote JSON) in `currency`; prices further than `outlier_pct`
// from the median are named as outliers and left out of the spread. Members keep their quote asset
// and as_of_source. market_cap, volume_24h and change_24h_pct come from the first non-outlier in
// `provider_order` whose quote asset is the answer's; a global volume is preferred to one venue's,
// and volume_24h_scope says which was used. as_of is the oldest provider-stamped time among the
// members (the oldest fetch time when none is stamped); unstamped_providers names the rest.
nlohmann::json price_consensus(const std::vector<nlohmann::json>& quotes, double outlier_pct,
                               const std::string& currency, const std::vector<std::string>& provider_order);

}  // namespace ltl
