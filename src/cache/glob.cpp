#include "cache/glob.h"

namespace ltl {

std::optional<Error> validate_glob(const std::string& pattern) {
  if (pattern.empty() || pattern.size() > kMaxGlobPatternBytes) {
    return make_error(ErrorCategory::validation, "", "cache.invalidate_glob",
                      "glob pattern is " + std::to_string(pattern.size()) + " bytes; expected 1.." +
                          std::to_string(kMaxGlobPatternBytes));
  }
  return std::nullopt;
}

bool glob_match(const std::string& pattern, const std::string& text) {
  size_t p = 0;
  size_t t = 0;
  // Where to resume after the last `*`: the pattern position after it, and the
  // text position it currently stops at. Only the last star ever needs retrying,
  // which keeps this polynomial.
  size_t star_p = std::string::npos;
  size_t star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star_p = ++p;
      star_t = t;
    } else if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (star_p != std::string::npos) {
      p = star_p;  // let the last star swallow one more character
      t = ++star_t;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::string glob_literal_prefix(const std::string& pattern) {
  const size_t wildcard = pattern.find_first_of("*?");
  return wildcard == std::string::npos ? pattern : pattern.substr(0, wildcard);
}

}  // namespace ltl
