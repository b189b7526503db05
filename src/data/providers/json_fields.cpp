#include "data/providers/json_fields.h"

#include <cmath>

namespace ltl::providers {

Error field_error(const char* provider, const char* operation, const std::string& field,
                  const std::string& problem) {
  return make_error(ErrorCategory::parse, provider, operation, field + ": " + problem);
}

Result<nlohmann::json> parse_json_body(std::string_view body, const char* provider,
                                       const char* operation) {
  size_t start = body.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos)
    return field_error(provider, operation, "body", "empty; expected JSON");
  if (body[start] == '<')
    return field_error(provider, operation, "body", "got HTML; expected JSON");
  auto parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded())
    return field_error(provider, operation, "body", "malformed or truncated JSON");
  if (!parsed.is_object() && !parsed.is_array())
    return field_error(provider, operation, "body",
                       std::string("got a bare ") + parsed.type_name() + "; expected a JSON object");
  return parsed;
}

Result<std::optional<double>> read_number(const nlohmann::json& object, const std::string& key,
                                          bool required, const char* provider,
                                          const char* operation, const std::string& path) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    if (required) return field_error(provider, operation, path, "missing; expected a number");
    return std::optional<double>();
  }
  if (!it->is_number())
    return field_error(provider, operation, path,
                       std::string("got ") + it->type_name() + "; expected a number");
  double value = it->get<double>();
  if (!std::isfinite(value)) return field_error(provider, operation, path, "not a finite number");
  return std::optional<double>(value);
}

}  // namespace ltl::providers
