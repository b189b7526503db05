#pragma once
// Invariants shared by the libFuzzer targets: a parser either returns a value that satisfies its
// model's rules or a typed error that can be reported; anything else aborts, which libFuzzer
// records as a crash with the input that caused it.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "data/market.h"

#define FUZZ_CHECK(condition)                                                                  \
  do {                                                                                         \
    if (!(condition)) {                                                                        \
      std::fprintf(stderr, "invariant failed: %s (%s:%d)\n", #condition, __FILE__, __LINE__); \
      std::abort();                                                                            \
    }                                                                                          \
  } while (0)

namespace ltl::fuzz {

inline bool finite_non_negative(double value) { return std::isfinite(value) && value >= 0; }
inline bool finite_positive(double value) { return std::isfinite(value) && value > 0; }

// An error names its provider and operation, is "<field>: <problem>", and serialises to JSON
// (so its message is valid UTF-8 for the HTTP front end).
inline void check_error(const Error& error, std::string_view provider, std::string_view operation) {
  FUZZ_CHECK(error.provider == provider);
  FUZZ_CHECK(error.operation == operation);
  FUZZ_CHECK(error.message.find(": ") != std::string::npos);
  FUZZ_CHECK(error.message.find(": ") > 0);
  FUZZ_CHECK(!nlohmann::json(error).dump().empty());
}

// A model writes JSON and reads it back unchanged.
template <class T>
void check_round_trip(const T& value) {
  const nlohmann::json written = value;
  FUZZ_CHECK(!written.dump().empty());
  FUZZ_CHECK(nlohmann::json(written.get<T>()) == written);
}

// The value invariants of a parsed quote; `source` is the provider that produced it.
inline void check_quote(const PriceQuote& quote, std::string_view source, std::string_view currency) {
  FUZZ_CHECK(finite_positive(quote.price));
  FUZZ_CHECK(quote.source == source);
  FUZZ_CHECK(quote.currency == currency);
  FUZZ_CHECK(!quote.market_cap || finite_non_negative(*quote.market_cap));
  FUZZ_CHECK(!quote.volume_24h || finite_non_negative(*quote.volume_24h));
  FUZZ_CHECK(quote.volume_24h.has_value() == quote.volume_24h_scope.has_value());  // every volume says whose it is
  FUZZ_CHECK(!quote.quote.empty());
  FUZZ_CHECK(quote.as_of_source == kAsOfProvider || quote.as_of_source == kAsOfFetch);
  FUZZ_CHECK(!quote.change_24h_pct || (std::isfinite(*quote.change_24h_pct) && *quote.change_24h_pct >= -100));
  FUZZ_CHECK(!quote.change_since_utc_midnight_pct ||
             (std::isfinite(*quote.change_since_utc_midnight_pct) && *quote.change_since_utc_midnight_pct >= -100));
  FUZZ_CHECK(quote.as_of_ms > 0);
  check_round_trip(quote);
}

// Runs `parse`, then `check` on success or check_error on failure.
template <class T, class Check>
void expect(const Result<T>& result, std::string_view provider, std::string_view operation, Check check) {
  if (result.ok()) check(result.value());
  else check_error(result.error(), provider, operation);
}

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return std::string_view(reinterpret_cast<const char*>(data), size);
}

}  // namespace ltl::fuzz
