#include "integration/data_sources.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>

#include "data/market.h"
#include "data/network.h"
#include "data/providers/binance.h"
#include "data/providers/blockchain_info.h"
#include "data/providers/coinbase.h"
#include "data/providers/coingecko.h"
#include "data/providers/esplora.h"
#include "data/providers/fng.h"
#include "data/providers/kraken.h"
#include "data/providers/mempool.h"
#include "data/sentiment.h"

namespace ltl {
namespace {

using nlohmann::json;
namespace mempool = providers::mempool;
namespace esplora = providers::esplora;
namespace blockchain_info = providers::blockchain_info;

// Adapts a typed parser to a BodyParser producing the model's JSON.
template <class Parse>
BodyParser to_json_parser(Parse parse) {
  return [parse](const HttpResponse& response) -> JsonResult {
    auto parsed = parse(response.body);
    if (!parsed.ok()) return parsed.error();
    return json(parsed.value());
  };
}

// User input echoed in errors: printable ASCII only, bounded.
std::string printable_excerpt(const std::string& text) {
  std::string out;
  for (char c : text.substr(0, 16)) out += (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? c : '?';
  return text.size() > 16 ? out + "..." : out;
}

std::string lower_ascii(std::string text) {
  for (char& c : text)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return text;
}

Error bad_param(const std::string& route, const std::string& message) {
  return make_error(ErrorCategory::validation, "", route, message);
}

// Routes without parameters accept none (a typo is an error, not silently ignored).
JsonResult no_params(const std::string& route, const json& params) {
  if (!params.is_object()) return bad_param(route, "parameters: expected an object");
  if (!params.empty()) return bad_param(route, params.begin().key() + ": unknown parameter; this route takes none");
  return json::object();
}

JsonResult currency_param(const std::string& route, const json& params, const Config& config) {
  if (!params.is_object()) return bad_param(route, "parameters: expected an object");
  for (auto it = params.begin(); it != params.end(); ++it)
    if (it.key() != "currency") return bad_param(route, it.key() + ": unknown parameter; expected only currency");
  std::string requested = "usd";
  if (params.contains("currency")) {
    if (!params["currency"].is_string()) return bad_param(route, "currency: expected a string such as \"usd\"");
    requested = params["currency"].get<std::string>();
  }
  const std::string currency = lower_ascii(requested);
  const auto& supported = config.supported_currencies;
  if (std::find(supported.begin(), supported.end(), currency) == supported.end()) {
    std::string list;
    for (const auto& code : supported) list += (list.empty() ? "" : ", ") + code;
    return bad_param(route, "currency: got \"" + printable_excerpt(requested) + "\"; expected one of " + list);
  }
  return json{{"currency", currency}};
}

Source price_source(const std::string& provider) {
  auto quote_parser = [](auto parse) {
    return [parse](const std::string& currency, int64_t now_ms) -> BodyParser {
      return [parse, currency, now_ms](const HttpResponse& response) -> JsonResult {
        auto parsed = parse(response.body, currency, now_ms);
        if (!parsed.ok()) return parsed.error();
        return json(parsed.value());
      };
    };
  };
  if (provider == "coingecko") {
    auto parser = quote_parser([](std::string_view body, const std::string& c, int64_t now) {
      return providers::coingecko::parse_simple_price(body, c, now);
    });
    return {provider, [parser](UpstreamGateway& up, const json& p, JsonCallback done) {
              const std::string currency = p.at("currency");
              up.get("coingecko", "price", providers::coingecko::simple_price_path(currency), parser(currency, up.now_ms()), std::move(done));
            }};
  }
  if (provider == "coinbase") {
    auto parser = quote_parser([](std::string_view body, const std::string& c, int64_t now) {
      return providers::coinbase::parse_spot(body, c, now);
    });
    return {provider, [parser](UpstreamGateway& up, const json& p, JsonCallback done) {
              const std::string currency = p.at("currency");
              up.get("coinbase", "price", providers::coinbase::spot_path(currency), parser(currency, up.now_ms()), std::move(done));
            }};
  }
  if (provider == "kraken") {
    auto parser = quote_parser([](std::string_view body, const std::string& c, int64_t now) {
      return providers::kraken::parse_ticker(body, c, now);
    });
    return {provider, [parser](UpstreamGateway& up, const json& p, JsonCallback done) {
              const std::string currency = p.at("currency");
              up.get("kraken", "price", providers::kraken::ticker_path(currency), parser(currency, up.now_ms()), std::move(done));
            }};
  }
  // binance
  auto parser = quote_parser([](std::string_view body, const std::string& c, int64_t) {
    return providers::binance::parse_ticker_24hr(body, c);
  });
  return {provider, [parser](UpstreamGateway& up, const json& p, JsonCallback done) {
            const std::string currency = p.at("currency");
            up.get("binance", "price", providers::binance::ticker_path(currency), parser(currency, up.now_ms()), std::move(done));
          }};
}

// Tip from the plain-text height and hash endpoints (mempool.space, esplora): the height
// decides success; a failed hash leaves hash null with the reason.
Source tip_source(const std::string& provider) {
  return {provider, [provider](UpstreamGateway& up, const json&, JsonCallback done) {
            const char* name = provider == "mempool" ? mempool::kProvider : esplora::kProvider;
            auto height_parser = [name](const HttpResponse& r) -> JsonResult {
              auto parsed = esplora::parse_tip_height(r.body, name);
              if (!parsed.ok()) return parsed.error();
              return json(parsed.value());
            };
            auto hash_parser = [name](const HttpResponse& r) -> JsonResult {
              auto parsed = esplora::parse_tip_hash(r.body, name);
              if (!parsed.ok()) return parsed.error();
              return json(parsed.value());
            };
            UpstreamGateway* gateway = &up;
            up.get(provider, "tip_height", "/blocks/tip/height", height_parser,
                   [gateway, provider, hash_parser, done](JsonResult height) {
                     if (!height.ok()) return done(height.error());
                     json tip = height.value();
                     gateway->get(provider, "tip_hash", "/blocks/tip/hash", hash_parser,
                                  [tip, done](JsonResult hash) mutable {
                                    if (hash.ok()) {
                                      tip["hash"] = hash.value();
                                    } else {
                                      tip["hash"] = nullptr;
                                      tip["hash_error"] = hash.error();
                                    }
                                    done(tip);
                                  });
                   });
          }};
}

std::vector<Source> network_sources(const Config& config, const std::string& route) {
  std::vector<Source> out;
  for (const auto& provider : config.network_providers) {
    if (route == "fees") {
      if (provider == "mempool")
        out.push_back({provider, [](UpstreamGateway& up, const json&, JsonCallback done) {
                         // The precise endpoint: the same definition as the WebSocket's fees.
                         up.get("mempool", "fees", mempool::kPreciseFeesPath, to_json_parser(mempool::parse_precise_fees), std::move(done));
                       }});
      if (provider == "esplora")
        out.push_back({provider, [](UpstreamGateway& up, const json&, JsonCallback done) {
                         BodyParser parse = [](const HttpResponse& r) -> JsonResult {
                           auto estimates = esplora::parse_fee_estimates(r.body);
                           if (!estimates.ok()) return estimates.error();
                           auto fees = esplora::recommended_fees_from(estimates.value());
                           if (!fees)
                             return make_error(ErrorCategory::parse, "esplora", "fees",
                                               "fee-estimates: lacks the confirmation targets needed for recommended fees");
                           return json(*fees);
                         };
                         up.get("esplora", "fees", "/fee-estimates", parse, std::move(done));
                       }});
    } else if (route == "mempool") {
      if (provider == "mempool" || provider == "esplora")
        out.push_back({provider, [provider](UpstreamGateway& up, const json&, JsonCallback done) {
                         BodyParser parse = [provider](const HttpResponse& r) -> JsonResult {
                           auto parsed = provider == "mempool" ? mempool::parse_mempool(r.body) : esplora::parse_mempool(r.body);
                           if (!parsed.ok()) return parsed.error();
                           return json(parsed.value());
                         };
                         up.get(provider, "mempool", "/mempool", parse, std::move(done));
                       }});
    } else if (route == "tip") {
      if (provider == "mempool" || provider == "esplora") out.push_back(tip_source(provider));
      if (provider == "blockchain_info")
        out.push_back({provider, [](UpstreamGateway& up, const json&, JsonCallback done) {
                         BodyParser parse = [](const HttpResponse& r) -> JsonResult {
                           auto parsed = blockchain_info::parse_block_count(r.body);
                           if (!parsed.ok()) return parsed.error();
                           json tip = parsed.value();
                           tip["hash"] = nullptr;  // blockchain.info's query API has no tip hash
                           return tip;
                         };
                         up.get("blockchain_info", "tip_height", "/q/getblockcount", parse, std::move(done));
                       }});
    } else if (route == "blocks") {
      if (provider == "mempool" || provider == "esplora")
        out.push_back({provider, [provider](UpstreamGateway& up, const json&, JsonCallback done) {
                         BodyParser parse = [provider](const HttpResponse& r) -> JsonResult {
                           auto parsed = provider == "mempool" ? mempool::parse_blocks(r.body) : esplora::parse_blocks(r.body);
                           if (!parsed.ok()) return parsed.error();
                           return json{{"blocks", parsed.value()}};
                         };
                         up.get(provider, "blocks", provider == "mempool" ? "/v1/blocks" : "/blocks", parse, std::move(done));
                       }});
    } else if (route == "difficulty") {
      if (provider == "mempool")
        out.push_back({provider, [](UpstreamGateway& up, const json&, JsonCallback done) {
                         up.get("mempool", "difficulty", "/v1/difficulty-adjustment",
                                to_json_parser(mempool::parse_difficulty_adjustment), std::move(done));
                       }});
    } else if (route == "hashrate") {
      if (provider == "mempool")
        out.push_back({provider, [](UpstreamGateway& up, const json&, JsonCallback done) {
                         up.get("mempool", "hashrate", "/v1/mining/hashrate/3d", to_json_parser(mempool::parse_hashrate), std::move(done));
                       }});
      if (provider == "blockchain_info")
        out.push_back({provider, [](UpstreamGateway& up, const json&, JsonCallback done) {
                         BodyParser parse = [](const HttpResponse& r) -> JsonResult {
                           auto stats = blockchain_info::parse_stats(r.body);
                           if (!stats.ok()) return stats.error();
                           Hashrate hashrate;
                           hashrate.window = kHashrateWindowDay;
                           hashrate.current_hashrate_hs = stats.value().hashrate_hs;
                           hashrate.current_difficulty = stats.value().difficulty;
                           json out = hashrate;
                           out["as_of"] = stats.value().as_of_ms;
                           return out;
                         };
                         up.get("blockchain_info", "hashrate", "/stats", parse, std::move(done));
                       }});
    }
  }
  return out;
}

RouteSpec network_route(const std::string& name, DataKind kind, std::string path) {
  RouteSpec spec{name, kind, [name](const json& p, const Config&) { return no_params(name, p); },
                 [name](const json&) { return name; },
                 [name](const Config& config, const json&) { return network_sources(config, name); }};
  spec.path = std::move(path);
  return spec;
}

}  // namespace

std::vector<Source> price_sources(const Config& config, const std::string& currency) {
  std::vector<Source> out;
  for (const auto& provider : config.price_providers)
    if (provider != "binance" || providers::binance::quotes(currency, config.binance_usdt_as_usd))
      out.push_back(price_source(provider));
  return out;
}

namespace {
std::vector<Source> price_sources_for(const Config& config, const json& params) {
  return price_sources(config, params.at("currency").get<std::string>());
}
}  // namespace

json price_consensus(const std::vector<json>& quotes, double outlier_pct, const std::string& currency,
                     const std::vector<std::string>& provider_order) {
  std::vector<double> prices;
  for (const auto& quote : quotes) prices.push_back(quote.at("price").get<double>());
  std::sort(prices.begin(), prices.end());
  const size_t n = prices.size();
  const double median = n == 0 ? 0 : (n % 2 ? prices[n / 2] : (prices[n / 2 - 1] + prices[n / 2]) / 2);
  std::string answer_quote = currency;  // the requested currency: "usd" → "USD"
  for (char& c : answer_quote)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  json providers = json::array();
  json outliers = json::array();
  json unstamped = json::array();
  std::vector<const json*> inliers;
  double low = 0, high = 0;
  bool any_inlier = false;
  std::optional<int64_t> oldest_stamped, oldest_fetched;
  for (const auto& quote : quotes) {
    const double price = quote.at("price").get<double>();
    const double deviation_pct = median > 0 ? (price - median) / median * 100 : 0;
    // With two quotes the median sits between them: neither can be singled out.
    const bool outlier = n >= 3 && std::fabs(deviation_pct) > outlier_pct;
    const std::string as_of_source = quote.value("as_of_source", std::string(kAsOfFetch));
    const int64_t as_of = quote.value("as_of", int64_t{0});
    json entry = {{"provider", quote.at("source")}, {"price", price}, {"quote", quote.value("quote", answer_quote)},
                  {"as_of", as_of}, {"as_of_source", as_of_source}, {"deviation_pct", deviation_pct},
                  {"outlier", outlier}};
    providers.push_back(entry);
    auto& oldest = as_of_source == kAsOfProvider ? oldest_stamped : oldest_fetched;
    oldest = oldest ? std::min(*oldest, as_of) : as_of;
    if (as_of_source != kAsOfProvider) unstamped.push_back(quote.at("source"));
    if (outlier) {
      outliers.push_back(quote.at("source"));
      continue;
    }
    inliers.push_back(&quote);
    low = any_inlier ? std::min(low, price) : price;
    high = any_inlier ? std::max(high, price) : price;
    any_inlier = true;
  }
  json out = {{"price", median},
              {"quote", answer_quote},
              {"spread_pct", median > 0 ? (high - low) / median * 100 : 0},
              {"providers", providers},
              {"outliers", outliers},
              {"provider_count", n},
              {"as_of", oldest_stamped ? *oldest_stamped : oldest_fetched.value_or(0)},
              {"as_of_source", oldest_stamped ? kAsOfProvider : kAsOfFetch},
              {"unstamped_providers", unstamped}};

  // Extras only from agreeing members in the answer's own quote asset, in provider order.
  std::vector<const json*> ordered;
  for (const auto& provider : provider_order)
    for (const json* quote : inliers)
      if (quote->value("source", "") == provider && quote->value("quote", answer_quote) == answer_quote)
        ordered.push_back(quote);
  auto has = [](const json* quote, const char* field) { return quote->contains(field) && !(*quote)[field].is_null(); };
  for (const char* field : {"market_cap", "change_24h_pct"}) {
    out[field] = nullptr;
    out[std::string(field) + "_source"] = nullptr;
    for (const json* quote : ordered)
      if (has(quote, field)) {
        out[field] = quote->at(field);
        out[std::string(field) + "_source"] = quote->at("source");
        break;
      }
  }
  // A global (all-exchange) volume when any member has one; one venue's only when none does.
  const json* volume_from = nullptr;
  for (const json* quote : ordered)
    if (has(quote, "volume_24h") && quote->value("volume_24h_scope", json(nullptr)) == kVolumeScopeGlobal) {
      volume_from = quote;
      break;
    }
  for (const json* quote : ordered)
    if (volume_from == nullptr && has(quote, "volume_24h")) volume_from = quote;
  out["volume_24h"] = volume_from ? volume_from->at("volume_24h") : json(nullptr);
  out["volume_24h_scope"] = volume_from ? volume_from->value("volume_24h_scope", json(nullptr)) : json(nullptr);
  out["volume_24h_source"] = volume_from ? volume_from->at("source") : json(nullptr);
  return out;
}

const std::vector<RouteSpec>& route_catalogue() {
  static const std::vector<RouteSpec> routes = [] {
    std::vector<RouteSpec> out;
    RouteSpec price{"price", DataKind::price,
                    [](const json& p, const Config& c) { return currency_param("price", p, c); },
                    [](const json& p) { return "price:" + p.at("currency").get<std::string>(); },
                    price_sources_for};
    price.path = "/api/v1/price";
    price.takes_currency = true;
    out.push_back(price);
    RouteSpec market{"market", DataKind::market,
                     [](const json& p, const Config& c) { return currency_param("market", p, c); },
                     [](const json& p) { return "market:" + p.at("currency").get<std::string>(); },
                     price_sources_for};
    market.composite = true;
    market.path = "/api/v1/market";
    market.takes_currency = true;
    out.push_back(market);
    out.push_back(network_route("fees", DataKind::fees, "/api/v1/fees"));
    out.push_back(network_route("mempool", DataKind::mempool, "/api/v1/mempool"));
    out.push_back(network_route("tip", DataKind::blocks, "/api/v1/blocks/tip"));
    out.push_back(network_route("blocks", DataKind::blocks, "/api/v1/blocks"));
    out.push_back(network_route("difficulty", DataKind::difficulty, "/api/v1/difficulty"));
    out.push_back(network_route("hashrate", DataKind::hashrate, "/api/v1/hashrate"));
    RouteSpec sentiment{"sentiment", DataKind::sentiment,
                   [](const json& p, const Config&) { return no_params("sentiment", p); },
                   [](const json&) { return std::string("sentiment"); },
                   [](const Config&, const json&) {
                     return std::vector<Source>{{"fng", [](UpstreamGateway& up, const json&, JsonCallback done) {
                                                   BodyParser parse = [](const HttpResponse& r) -> JsonResult {
                                                     auto parsed = providers::fng::parse_fng(r.body);
                                                     if (!parsed.ok()) return parsed.error();
                                                     json out = parsed.value();
                                                     out["as_of"] = parsed.value().timestamp_ms;
                                                     return out;
                                                   };
                                                   up.get("fng", "sentiment", providers::fng::kLatestPath, parse, std::move(done));
                                                 }}};
                   }};
    sentiment.path = "/api/v1/sentiment";
    out.push_back(sentiment);
    RouteSpec network{"network", DataKind::blocks,
                      [](const json& p, const Config&) { return no_params("network", p); },
                      [](const json&) { return std::string("network"); },
                      [](const Config&, const json&) { return std::vector<Source>{}; }};
    network.composite = true;
    network.path = "/api/v1/network";
    out.push_back(network);
    return out;
  }();
  return routes;
}

const RouteSpec* find_route(const std::string& name) {
  for (const auto& route : route_catalogue())
    if (route.name == name) return &route;
  return nullptr;
}

}  // namespace ltl
