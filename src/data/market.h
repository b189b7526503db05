#pragma once
// Market data models. Units: prices and volumes in the quote currency,
// percentages in percent, timestamps in unix milliseconds. Missing values are
// std::nullopt (JSON null), never 0. `quote` names the asset prices and volumes are in (a
// stablecoin such as USDT is never silently called USD); `volume_24h_scope` says whose volume it
// is; `as_of_source` says whether as_of is the provider's own time or our fetch time.
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace ltl {

// Where a quote's 24 h volume was measured.
constexpr const char* kVolumeScopeGlobal = "global";  // aggregated across exchanges (CoinGecko)
// One venue's own trading: "exchange:kraken", "exchange:binance".
std::string exchange_volume_scope(const std::string& provider);

// as_of_source values.
constexpr const char* kAsOfProvider = "provider";  // the provider's own timestamp
constexpr const char* kAsOfFetch = "fetch";        // the body had none: the time we fetched it

struct PriceQuote {
  double price = 0;
  std::string currency;  // lower-case ISO code requested
  std::string quote;     // upper-case asset the price is really in: "USD", "EUR", "USDT"
  std::optional<double> market_cap;
  std::optional<double> volume_24h;  // in `quote`
  std::optional<std::string> volume_24h_scope;  // set exactly when volume_24h is
  std::optional<double> change_24h_pct;
  // Kraken only: change from the UTC day's opening price, which is not a 24 h change.
  std::optional<double> change_since_utc_midnight_pct;
  std::string source;    // provider id
  int64_t as_of_ms = 0;  // provider's own timestamp when it has one
  std::string as_of_source = kAsOfFetch;  // kAsOfProvider or kAsOfFetch
};

void to_json(nlohmann::json& out, const PriceQuote& quote);
void from_json(const nlohmann::json& in, PriceQuote& quote);

}  // namespace ltl
