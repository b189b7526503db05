#pragma once
// Strict field readers shared by provider parsers: each failure becomes a
// typed parse error that names the provider and the field.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/result.h"

namespace ltl::providers {

// Parses a body that must be a JSON object or array; HTML, plain text,
// empty and truncated bodies are parse errors that say what was received.
Result<nlohmann::json> parse_json_body(std::string_view body, const char* provider,
                                       const char* operation);

Error field_error(const char* provider, const char* operation, const std::string& field,
                  const std::string& problem);

// A finite JSON number, or an error; `required` decides whether absence/null is an error.
// Returns nullopt (no error) for an absent/null optional field.
Result<std::optional<double>> read_number(const nlohmann::json& object, const std::string& key,
                                          bool required, const char* provider,
                                          const char* operation, const std::string& path);

// The trimmed text of a text/plain body (tip height, tip hash, /q/ queries). Empty, HTML and
// JSON bodies (an esplora 429 answers JSON on text routes) are parse errors naming "body".
Result<std::string_view> parse_text_body(std::string_view body, const char* provider,
                                         const char* operation, const char* expected);

// A JSON-grammar decimal ("84036.10000", "-95.960", "1e9") without surrounding spaces, as
// providers send numbers inside strings. nullopt for anything else, including NaN/Infinity.
std::optional<double> parse_decimal_text(std::string_view text);

// "2024-04-07T16:49:31.736Z" (UTC, optional fraction up to ms precision) → unix ms.
std::optional<int64_t> parse_iso8601_utc_ms(std::string_view text);

// "usd" → "USD": providers spell currency codes and pairs in upper case.
std::string ascii_upper(std::string_view text);

// At most `max_chars` of `text`, control and non-ASCII bytes shown as '?', for error messages.
std::string printable_prefix(std::string_view text, size_t max_chars = 60);

// How a provider encodes a number.
enum class NumberEncoding {
  json_number,       // 1.5
  decimal_string,    // "1.5"
  number_or_string,  // either: the value is the same, whichever the provider sends today
};

// Inclusive bounds for a number.
struct Range {
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
};
constexpr Range kNonNegative{0, std::numeric_limits<double>::infinity()};
// Plausible unix times: 2001-09-09 .. 2286-11-20. Seconds and ms ranges do not overlap, so a
// value in the wrong unit is rejected instead of being silently off by 1000x.
constexpr int64_t kMinUnixSeconds = 1'000'000'000;
constexpr int64_t kMaxUnixSeconds = 10'000'000'000;
constexpr int64_t kMinUnixMs = kMinUnixSeconds * 1000;
constexpr int64_t kMaxUnixMs = kMaxUnixSeconds * 1000;

// Block heights above this (~1900 years of blocks) are garbage.
constexpr int64_t kMaxBlockHeight = 100'000'000;

// Reads fields and keeps the first error; later reads after a failure are no-ops that return
// defaults, so a parser reads everything, then checks ok() once. Values are located with
// member()/element(), which return nullptr for anything absent (so chains never throw).
class FieldReader {
 public:
  FieldReader(const char* provider, const char* operation) : provider_(provider), operation_(operation) {}

  // nullptr when `object` is null or not an object, or has no `key`.
  static const nlohmann::json* member(const nlohmann::json* object, std::string_view key);
  // nullptr when `array` is null or not an array, or is too short.
  static const nlohmann::json* element(const nlohmann::json* array, size_t index);

  double number(const nlohmann::json* value, const std::string& path, NumberEncoding encoding,
                Range range = {});
  // Absent or null → nullopt.
  std::optional<double> optional_number(const nlohmann::json* value, const std::string& path,
                                        NumberEncoding encoding, Range range = {});
  // A number > 0: zero is garbage for prices, hash rates and difficulties.
  double positive(const nlohmann::json* value, const std::string& path, NumberEncoding encoding);
  // An integral value (1.76E12 counts: blockchain.info writes Java doubles) within [min, max].
  int64_t integer(const nlohmann::json* value, const std::string& path, NumberEncoding encoding,
                  int64_t min, int64_t max);
  std::optional<int64_t> optional_integer(const nlohmann::json* value, const std::string& path,
                                          NumberEncoding encoding, int64_t min, int64_t max);
  // A non-empty string of at most `max_length` bytes.
  std::string string(const nlohmann::json* value, const std::string& path, size_t max_length);
  std::optional<std::string> optional_string(const nlohmann::json* value, const std::string& path,
                                             size_t max_length);
  // The value when it is an object / array, else an error and nullptr.
  const nlohmann::json* object(const nlohmann::json* value, const std::string& path);
  const nlohmann::json* array(const nlohmann::json* value, const std::string& path);

  // Records a parse error "<path>: <problem>" unless one is already recorded.
  void fail(const std::string& path, const std::string& problem);

  bool ok() const { return !error_.has_value(); }
  const Error& error() const { return *error_; }
  const char* provider() const { return provider_; }
  const char* operation() const { return operation_; }

 private:
  // The number in `value` (absent/null must be handled by the caller).
  std::optional<double> as_number(const nlohmann::json& value, const std::string& path,
                                  NumberEncoding encoding);

  const char* provider_;
  const char* operation_;
  std::optional<Error> error_;
};

// Shortest readable form of a number for error messages ("-3", "1.5", "1e+21").
std::string format_number(double value);

}  // namespace ltl::providers
