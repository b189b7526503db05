#pragma once
// Parsers of configuration values (internal to src/config/): each parses one key's value into a
// Config and answers "" or what it expected, for the key table in config.cpp.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "config/config.h"

namespace ltl::config_values {

using KeyParser = std::function<std::string(const nlohmann::json& value, Config& config)>;

// The value as it can be shown back: strings verbatim, anything else as JSON.
std::string as_text(const nlohmann::json& value);

KeyParser url_key(std::string Config::*field);  // http:// or https://, trailing slashes dropped
KeyParser integer_key(std::function<void(Config&, int64_t)> assign, int64_t min, int64_t max, const char* unit);
KeyParser bool_key(bool Config::*field);  // true/false, "true"/"false"/"1"/"0"
KeyParser secret_key(std::string Config::*field, size_t max_length);

std::string parse_currencies(const nlohmann::json& value, Config& config);
// A comma-separated, ordered list of `allowed` names (any names when empty) without repeats.
std::string parse_name_list(const nlohmann::json& value, std::vector<std::string>& out,
                            const std::vector<std::string>& allowed, size_t min_items);
std::string parse_warm_keys(const nlohmann::json& value, Config& config);
std::string parse_thresholds_text(const nlohmann::json& value, Config& config);
std::string parse_redis_url(const nlohmann::json& value, Config& config);
std::string parse_cluster_nodes(const nlohmann::json& value, Config& config);

std::string upper(std::string text);
std::string join(const std::vector<std::string>& items, const char* separator = ",");

}  // namespace ltl::config_values
