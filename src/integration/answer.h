#pragma once
// A route's answer as bytes. The cache keeps each answer's serialised JSON once, built when it
// was fetched (the data, its source and the providers that failed); a hit is served by copying
// those bytes and appending the fields that depend on the moment it is served (fetched_at,
// age_ms, stale, expires_at, cache, stale_reason, and as_of when the provider stamped none).
// Nothing is parsed on a hit.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace ltl {

// The cached form: "ltl3:" + flag + the answer's JSON object text. The flag says whether the
// provider's own as_of is inside ('s') or the serve time must add it ('n').
std::string encode_answer_entry(const nlohmann::json& data, const std::string& source, const nlohmann::json& failed);

// Whether `value` is an entry of this format (a cheap check: no parse). Entries of older
// formats are refused, so they are fetched again rather than served without newer fields.
bool is_answer_entry(std::string_view value);

// When and how the cached bytes are served.
struct ServeTimes {
  int64_t now_ms = 0;
  int64_t stored_at_ms = 0;
  int64_t fresh_until_ms = 0;
  bool stale = false;
  std::string_view cache;                 // "memory", a store's name, or "origin"
  const Error* stale_reason = nullptr;    // why a stale value was served (stale-if-error)
};

// The answer's JSON text at `times`; `entry` must satisfy is_answer_entry().
void serve_answer(std::string_view entry, const ServeTimes& times, std::string& out);

}  // namespace ltl
