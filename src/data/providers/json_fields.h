#pragma once
// Strict field readers shared by provider parsers: each failure becomes a
// typed parse error that names the provider and the field.
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

}  // namespace ltl::providers
