#include "config/config.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <sstream>

#include <nlohmann/json.hpp>

namespace ltl {
namespace {

using nlohmann::json;

// Parses one key's value into `config`; returns "" or what was expected.
using KeyParser = std::function<std::string(const json& value, Config& config)>;

struct KeySpec {
  const char* name;
  KeyParser parse;
  std::function<json(const Config&)> describe;
};

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

KeyParser integer_key(std::function<void(Config&, int64_t)> assign, int64_t min, int64_t max,
                      const char* unit) {
  return [=](const json& value, Config& config) -> std::string {
    auto number = as_integer(value);
    if (!number || *number < min || *number > max) {
      std::ostringstream expected;
      expected << "an integer number of " << unit << " from " << min << " to " << max;
      return expected.str();
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
  std::stringstream stream(value.get<std::string>());
  std::string code;
  while (std::getline(stream, code, ',')) {
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

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

const std::vector<KeySpec>& key_specs() {
  constexpr int64_t kDayMs = 86400000;
  static const std::vector<KeySpec> specs = {
      {"MEMPOOL_API_URL", url_key(&Config::mempool_api_url), [](const Config& c) { return json(redact_url(c.mempool_api_url)); }},
      {"ESPLORA_API_URL", url_key(&Config::esplora_api_url), [](const Config& c) { return json(redact_url(c.esplora_api_url)); }},
      {"COINGECKO_API_URL", url_key(&Config::coingecko_api_url), [](const Config& c) { return json(redact_url(c.coingecko_api_url)); }},
      {"COINBASE_API_URL", url_key(&Config::coinbase_api_url), [](const Config& c) { return json(redact_url(c.coinbase_api_url)); }},
      {"KRAKEN_API_URL", url_key(&Config::kraken_api_url), [](const Config& c) { return json(redact_url(c.kraken_api_url)); }},
      {"BINANCE_API_URL", url_key(&Config::binance_api_url), [](const Config& c) { return json(redact_url(c.binance_api_url)); }},
      {"FNG_API_URL", url_key(&Config::fng_api_url), [](const Config& c) { return json(redact_url(c.fng_api_url)); }},
      {"BLOCKCHAIN_INFO_API_URL", url_key(&Config::blockchain_info_api_url), [](const Config& c) { return json(redact_url(c.blockchain_info_api_url)); }},
      {"COINGECKO_API_KEY",
       [](const json& value, Config& config) -> std::string {
         if (!value.is_string() || value.get<std::string>().size() > 256) return "a string of at most 256 characters";
         config.coingecko_api_key = value.get<std::string>();
         return "";
       },
       [](const Config& c) { return json(c.coingecko_api_key.empty() ? "" : "(set)"); }},
      {"CACHE_ENABLED", bool_key(&Config::cache_enabled), [](const Config& c) { return json(c.cache_enabled); }},
      {"CACHE_DEFAULT_TTL", integer_key([](Config& c, int64_t v) { c.cache_default_ttl_ms = v; }, 0, kDayMs, "milliseconds"),
       [](const Config& c) { return json(c.cache_default_ttl_ms); }},
      {"CACHE_TTL_PRICE", integer_key([](Config& c, int64_t v) { c.cache_ttl_price_ms = v; }, 0, kDayMs, "milliseconds"),
       [](const Config& c) { return json(c.price_ttl_ms()); }},
      {"CACHE_MAX_ENTRIES", integer_key([](Config& c, int64_t v) { c.cache_max_entries = v; }, 1, 1000000, "entries"),
       [](const Config& c) { return json(c.cache_max_entries); }},
      {"CACHE_MAX_BYTES", integer_key([](Config& c, int64_t v) { c.cache_max_bytes = v; }, 4096, int64_t{1} << 30, "bytes"),
       [](const Config& c) { return json(c.cache_max_bytes); }},
      {"HTTP_TIMEOUT_MS", integer_key([](Config& c, int64_t v) { c.http_timeout_ms = v; }, 100, 120000, "milliseconds"),
       [](const Config& c) { return json(c.http_timeout_ms); }},
      {"SUPPORTED_CURRENCIES", parse_currencies, [](const Config& c) { return json(join(c.supported_currencies)); }},
  };
  return specs;
}

}  // namespace

std::string redact_url(const std::string& url) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return url;
  size_t host_start = scheme_end + 3;
  size_t path_start = url.find('/', host_start);
  size_t at = url.find('@', host_start);
  if (at == std::string::npos || (path_start != std::string::npos && at > path_start)) return url;
  return url.substr(0, host_start) + url.substr(at + 1);
}

Result<Config> parse_config(const json& overrides, const Config& base) {
  if (!overrides.is_object())
    return make_error(ErrorCategory::config, "", "configure",
                      "configuration: got " + overrides.dump() + "; expected a JSON object of KEY: value");
  Config config = base;
  std::vector<std::string> problems;
  const auto& specs = key_specs();
  for (auto item = overrides.begin(); item != overrides.end(); ++item) {
    const std::string key = item.key();
    const json& value = item.value();
    auto spec = std::find_if(specs.begin(), specs.end(), [&](const KeySpec& s) { return key == s.name; });
    if (spec == specs.end()) {
      problems.push_back(key + ": unknown configuration key");
      continue;
    }
    if (value.is_null()) continue;  // null keeps the default
    std::string expected = spec->parse(value, config);
    if (!expected.empty()) {
      // Never echo a secret back, even when it is malformed.
      std::string shown = key == "COINGECKO_API_KEY" ? "(redacted)" : as_text(value);
      if (shown.size() > 80) shown = shown.substr(0, 80) + "...";
      problems.push_back(key + ": got \"" + shown + "\"; expected " + expected);
    }
  }
  if (!problems.empty()) {
    std::string message = "invalid configuration: ";
    for (size_t i = 0; i < problems.size(); ++i) message += (i ? "; " : "") + problems[i];
    return make_error(ErrorCategory::config, "", "configure", message);
  }
  return config;
}

json describe_config(const Config& config) {
  json out = json::object();
  for (const auto& spec : key_specs()) out[spec.name] = spec.describe(config);
  return out;
}

}  // namespace ltl
