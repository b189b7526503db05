#include "config/config_values.h"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

namespace ltl::config_values {
using nlohmann::json;

std::string as_text(const json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

KeyParser url_key(std::string Config::*field) {
  return [field](const json& value, Config& config) -> std::string {
    const char* expected = "an http:// or https:// URL without spaces";
    if (!value.is_string()) return expected;
    std::string url = value.get<std::string>();
    bool scheme_ok = url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
    bool has_space = std::any_of(url.begin(), url.end(),
                                 [](unsigned char c) { return std::isspace(c) || c < 0x20; });
    size_t host_start = url.find("://") + 3;
    if (!scheme_ok || has_space || url.size() <= host_start) return expected;
    while (url.size() > host_start && url.back() == '/') url.pop_back();
    config.*field = url;
    return "";
  };
}

namespace {
std::optional<int64_t> as_integer(const json& value) {
  if (value.is_number_integer()) return value.get<int64_t>();
  if (value.is_number_float()) {
    double d = value.get<double>();
    if (d == static_cast<double>(static_cast<int64_t>(d))) return static_cast<int64_t>(d);
    return std::nullopt;
  }
  if (!value.is_string()) return std::nullopt;
  const std::string text = value.get<std::string>();
  if (text.empty() || text.size() > 18 ||
      !std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); }))
    return std::nullopt;
  return std::stoll(text);
}

// "a,b,,c," → a, b, "", c: like std::getline over the text (no item after a final comma), without
// pulling iostreams (and their locale tables) into the WASM binary.
std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start < text.size()) {
    const size_t comma = text.find(',', start);
    const size_t end = comma == std::string::npos ? text.size() : comma;
    items.emplace_back(text, start, end - start);
    start = end + 1;
  }
  return items;
}

}  // namespace

KeyParser integer_key(std::function<void(Config&, int64_t)> assign, int64_t min, int64_t max,
                      const char* unit) {
  return [=](const json& value, Config& config) -> std::string {
    auto number = as_integer(value);
    if (!number || *number < min || *number > max) {
      return std::string("an integer number of ") + unit + " from " + std::to_string(min) + " to " + std::to_string(max);
    }
    assign(config, *number);
    return "";
  };
}

KeyParser bool_key(bool Config::*field) {
  return [field](const json& value, Config& config) -> std::string {
    if (value.is_boolean()) {
      config.*field = value.get<bool>();
      return "";
    }
    if (value.is_string()) {
      std::string text = value.get<std::string>();
      if (text == "true" || text == "1") return config.*field = true, "";
      if (text == "false" || text == "0") return config.*field = false, "";
    }
    return "true or false (or \"true\"/\"false\"/\"1\"/\"0\")";
  };
}

std::string parse_currencies(const json& value, Config& config) {
  const char* expected = "a comma-separated list of 3-letter lower-case currency codes, e.g. \"usd,eur\"";
  if (!value.is_string()) return expected;
  std::vector<std::string> codes;
  for (std::string code : split_commas(value.get<std::string>())) {
    code.erase(std::remove(code.begin(), code.end(), ' '), code.end());
    bool valid = code.size() == 3 &&
                 std::all_of(code.begin(), code.end(), [](char c) { return c >= 'a' && c <= 'z'; });
    if (!valid) return expected;
    if (std::find(codes.begin(), codes.end(), code) == codes.end()) codes.push_back(code);
  }
  if (codes.empty() || codes.size() > 64) return expected;
  config.supported_currencies = codes;
  return "";
}

// A comma-separated, ordered list of known names without repeats.
std::string parse_name_list(const json& value, std::vector<std::string>& out,
                            const std::vector<std::string>& allowed, size_t min_items) {
  std::string expected = "a comma-separated list of " + std::string(min_items ? "at least one of " : "") ;
  for (size_t i = 0; i < allowed.size(); ++i) expected += (i ? ", " : "") + allowed[i];
  if (allowed.empty()) expected = "a comma-separated list of names";
  if (!value.is_string()) return expected;
  std::vector<std::string> names;
  for (std::string name : split_commas(value.get<std::string>())) {
    name.erase(std::remove(name.begin(), name.end(), ' '), name.end());
    if (name.empty()) continue;
    if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), name) == allowed.end()) return expected;
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  if (names.size() < min_items || names.size() > 64) return expected;
  out = names;
  return "";
}

// Warm keys: "<kind>" or "price:<currency>".
std::string parse_warm_keys(const json& value, Config& config) {
  const char* expected = "a comma-separated list of data kinds to fetch at start (price:<currency>, market, fees, mempool, blocks, difficulty, hashrate, sentiment)";
  std::vector<std::string> keys;
  if (!parse_name_list(value, keys, {}, 0).empty()) return expected;
  for (const auto& key : keys) {
    bool ok = key.rfind("price:", 0) == 0 ? key.size() == 9 : false;
    for (DataKind kind : kAllDataKinds)
      if (kind != DataKind::price && key == to_string(kind)) ok = true;
    if (!ok) return expected;
  }
  config.cache_warm = keys;
  return "";
}

std::string parse_thresholds_text(const json& value, Config& config) {
  const char* expected = "true, false, or a JSON array of threshold objects";
  if (!value.is_string() && !value.is_boolean() && !value.is_array()) return expected;
  std::string text = value.is_string() ? value.get<std::string>() : value.dump();
  if (text != "true" && text != "false") {
    auto parsed = json::parse(std::string_view(text), nullptr, false);
    if (parsed.is_discarded() || !parsed.is_array() || text.size() > 16384) return expected;
  }
  config.performance_thresholds = text;
  return "";
}

KeyParser secret_key(std::string Config::*field, size_t max_length) {
  return [field, max_length](const json& value, Config& config) -> std::string {
    if (!value.is_string() || value.get<std::string>().size() > max_length)
      return "a string of at most " + std::to_string(max_length) + " characters";
    config.*field = value.get<std::string>();
    return "";
  };
}

namespace {
bool no_space(const std::string& text) {
  return std::none_of(text.begin(), text.end(), [](unsigned char c) { return std::isspace(c) || c < 0x20; });
}

}  // namespace

std::string parse_redis_url(const json& value, Config& config) {
  const char* expected = "a redis:// or rediss:// URL without spaces (redis://[:password@]host[:port][/db]), or \"\"";
  if (!value.is_string()) return expected;
  const std::string url = value.get<std::string>();
  if (url.empty()) return config.redis_url = "", "";
  size_t host_start = url.rfind("redis://", 0) == 0 ? 8 : url.rfind("rediss://", 0) == 0 ? 9 : 0;
  if (host_start == 0 || url.size() <= host_start || !no_space(url)) return expected;
  config.redis_url = url;
  return "";
}

// "host:port,host:port": each port 1-65535, at most 64 seeds.
std::string parse_cluster_nodes(const json& value, Config& config) {
  const char* expected = "a comma-separated list of host:port seeds of a Redis Cluster (port 1-65535), or \"\"";
  std::vector<std::string> nodes;
  if (!parse_name_list(value, nodes, {}, 0).empty()) return expected;
  for (const auto& node : nodes) {
    size_t colon = node.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == node.size() || colon + 6 < node.size()) return expected;
    const std::string port = node.substr(colon + 1);
    if (!std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c); })) return expected;
    const int number = std::stoi(port);
    if (number < 1 || number > 65535 || !no_space(node)) return expected;
  }
  config.redis_cluster_nodes = nodes;
  return "";
}

std::string upper(std::string text) {
  for (char& c : text)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return text;
}


std::string join(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

}  // namespace ltl::config_values
