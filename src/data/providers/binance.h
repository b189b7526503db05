#pragma once
// Binance /api/v3/ticker/24hr?symbol=BTC<QUOTE>: a rolling 24 h window. Prices and volumes are
// strings ("82216.64000000"); openTime/closeTime are unix MS numbers. USD is quoted through the
// BTCUSDT pair (a dollar stablecoin, not USD itself). Errors are {"code","msg"} with a 4xx
// status (429 and 418 rate limits, 451 geo-block).
//   price           lastPrice
//   volume_24h      quoteVolume (already in the quote currency)
//   change_24h_pct  priceChangePercent
//   as_of_ms        closeTime
#include <string>
#include <string_view>

#include "core/result.h"
#include "data/market.h"

namespace ltl::providers::binance {

constexpr const char* kProvider = "binance";

// "usd" → "BTCUSDT"; any other code → "BTC<CODE>".
std::string symbol_for(const std::string& currency);
// Path relative to BINANCE_API_URL: "/ticker/24hr?symbol=BTCUSDT".
std::string ticker_path(const std::string& currency);

// Operation "price". Accepts the single-ticker object or the every-symbol array (the entry for
// symbol_for(currency) is used). A {"code","msg"} body becomes rate_limited for -1003,
// upstream_5xx for codes -1000..-1099 other than -1003 (server-side trouble), upstream_4xx
// otherwise (bad symbol, geo-block).
Result<PriceQuote> parse_ticker_24hr(std::string_view body, const std::string& currency);

}  // namespace ltl::providers::binance
