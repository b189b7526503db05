#pragma once
// Coinbase /v2/prices/BTC-<CUR>/spot: {"data":{"amount":"83894.035","base":"BTC","currency":"USD"}}.
// `amount` is a string; the body has no timestamp (as_of is the fetch time) and no volume/change.
// Errors arrive as {"errors":[{"id","message"}]} with a 4xx/5xx status.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"
#include "data/market.h"

namespace ltl::providers::coinbase {

constexpr const char* kProvider = "coinbase";

// Path relative to COINBASE_API_URL for BTC in `currency` (lower-case ISO code).
std::string spot_path(const std::string& currency);

// Operation "price". The body's base must be BTC and its currency `currency`. An `errors` body
// (should a 200 ever carry one) becomes rate_limited for id rate_limit_exceeded,
// upstream_5xx for internal_server_error, upstream_4xx otherwise.
Result<PriceQuote> parse_spot(std::string_view body, const std::string& currency, int64_t fetched_at_ms);

}  // namespace ltl::providers::coinbase
