#pragma once
// Kraken /0/public/Ticker?pair=XBT<CUR>. Every number is a string except `t`. The result key is
// Kraken's own pair name, not the requested one: XBTUSD answers under "XXBTZUSD" (legacy X/Z
// prefixes), newer pairs such as XBTCHF under their plain name. Errors come in the `error` array,
// often with HTTP 200.
//
// Field choices:
//   price         c[0], the last trade.
//   volume_24h    v[1] (BTC traded over the last 24 h) × p[1] (its 24 h volume-weighted average
//                 price) — by the definition of VWAP, the 24 h volume in the quote currency.
//   change_24h_pct   nullopt: Kraken gives no price from 24 h ago.
//   change_since_utc_midnight_pct   c[0] against `o`, today's opening price (UTC midnight).
//   as_of_ms      the fetch time (the ticker has no timestamp).
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/result.h"
#include "data/market.h"

namespace ltl::providers::kraken {

constexpr const char* kProvider = "kraken";

// Path relative to KRAKEN_API_URL for BTC in `currency` (lower-case ISO code): "/Ticker?pair=XBTUSD".
std::string ticker_path(const std::string& currency);

// The category of a Kraken error code: "EAPI:Rate limit exceeded" (and other throttling codes)
// → rate_limited; "EService:…" and "EGeneral:Internal error" → upstream_5xx; anything else
// ("EQuery:Unknown asset pair", "EGeneral:Invalid arguments", …) → upstream_4xx, since asking
// again unchanged cannot help.
ErrorCategory category_for_error_code(std::string_view code);

// Operation "price". The first "E…" entry of `error` becomes an error of the category above whose
// message is "error: <code>"; "W…" warnings are ignored.
Result<PriceQuote> parse_ticker(std::string_view body, const std::string& currency, int64_t fetched_at_ms);

}  // namespace ltl::providers::kraken
