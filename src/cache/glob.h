#pragma once
// Glob patterns for cache invalidation: `*` matches any run of characters (also
// empty), `?` exactly one; every other character is literal, regex
// metacharacters included. Matching is iterative (no exponential backtracking).
#include <cstddef>
#include <optional>
#include <string>

#include "core/error.h"

namespace ltl {

constexpr size_t kMaxGlobPatternBytes = 256;

// A validation error for an empty or over-long pattern.
std::optional<Error> validate_glob(const std::string& pattern);

// Whole-text match (not a substring search). Works on any pattern; callers taking
// patterns from outside validate them first. O(pattern × text) worst case.
bool glob_match(const std::string& pattern, const std::string& text);

// The characters before the first wildcard: every match starts with them, so a
// store can list by this prefix and filter the rest.
std::string glob_literal_prefix(const std::string& pattern);

}  // namespace ltl
