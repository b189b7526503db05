#pragma once
// CoinGecko /simple/price: numbers are JSON numbers, `<vs>_24h_change` is a
// percent, `last_updated_at` is unix SECONDS, unknown currencies are absent.
// CoinGecko /coins/markets: an array of coins; dates are ISO-8601 strings.
#include <string>
#include <string_view>

#include "core/result.h"
#include "data/market.h"

namespace ltl::providers::coingecko {

constexpr const char* kProvider = "coingecko";

// Path and query (relative to COINGECKO_API_URL) for BTC in `currency`.
std::string simple_price_path(const std::string& currency);

// Parses a /simple/price body. `fetched_at_ms` stands in for as_of when the
// body has no last_updated_at.
Result<PriceQuote> parse_simple_price(std::string_view body, const std::string& currency,
                                      int64_t fetched_at_ms);

// Path and query for /coins/markets with BTC in `currency`.
std::string coins_markets_path(const std::string& currency);

// Parses a /coins/markets body (operation "price"): the entry with id "bitcoin" gives price
// (current_price), market_cap, volume_24h (total_volume), change_24h_pct
// (price_change_percentage_24h) and as_of (last_updated, ISO-8601 → ms; `fetched_at_ms` when
// absent or null).
Result<PriceQuote> parse_coins_markets(std::string_view body, const std::string& currency,
                                       int64_t fetched_at_ms);

}  // namespace ltl::providers::coingecko
