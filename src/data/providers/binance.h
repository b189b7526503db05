#pragma once
// Binance /api/v3/ticker/24hr?symbol=BTC<QUOTE>: a rolling 24 h window. Prices and volumes are
// strings ("82216.64000000"); openTime/closeTime are unix MS numbers. Binance has no BTC/USD pair:
// "usd" can only be answered through BTCUSDT (a dollar stablecoin, not USD itself), so quotes for
// it say quote "USDT" and are asked for only when BINANCE_USDT_AS_USD allows it. Unlisted symbols
// answer 400 {"code":-1121,"msg":"Invalid symbol."}; other errors are {"code","msg"} with a 4xx
// status (429 and 418 rate limits, 451 geo-block).
//   price           lastPrice
//   volume_24h      quoteVolume (in the quote asset; this venue only: scope "exchange:binance")
//   change_24h_pct  priceChangePercent
//   as_of_ms        closeTime
#include <array>
#include <string>
#include <string_view>

#include "core/result.h"
#include "data/market.h"

namespace ltl::providers::binance {

constexpr const char* kProvider = "binance";

// Fiat currencies Binance spot lists as a BTC<CODE> pair (checked against Binance's spot symbol
// list; kept conservative: a currency missing here is simply not asked for).
constexpr std::array<std::string_view, 5> kListedFiat = {"eur", "jpy", "try", "brl", "pln"};

// Whether Binance can quote BTC in `currency` (lower-case): a listed fiat, or "usd" through
// BTCUSDT when `usdt_as_usd` (BINANCE_USDT_AS_USD) allows it.
bool quotes(const std::string& currency, bool usdt_as_usd);
// The asset Binance's price is really in: "USDT" for "usd", else the upper-case code.
std::string quote_asset(const std::string& currency);
// "usd" → "BTCUSDT"; any other code → "BTC<CODE>" (callers check quotes() first).
std::string symbol_for(const std::string& currency);
// Path relative to BINANCE_API_URL: "/ticker/24hr?symbol=BTCUSDT".
std::string ticker_path(const std::string& currency);

// Operation "price". Accepts the single-ticker object or the every-symbol array (the entry for
// symbol_for(currency) is used). A {"code","msg"} body becomes rate_limited for -1003,
// upstream_5xx for codes -1000..-1099 other than -1003 (server-side trouble), upstream_4xx
// otherwise (bad symbol, geo-block).
Result<PriceQuote> parse_ticker_24hr(std::string_view body, const std::string& currency);

}  // namespace ltl::providers::binance
