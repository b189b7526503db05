#include "config/config.h"

#include <algorithm>
#include <cctype>
#include <functional>

#include <nlohmann/json.hpp>

namespace ltl {
namespace {

using nlohmann::json;

// Parses one key's value into `config`; returns "" or what was expected.
using KeyParser = std::function<std::string(const json& value, Config& config)>;

struct KeySpec {
  std::string name;
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
    auto parsed = json::parse(text, nullptr, false);
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

bool no_space(const std::string& text) {
  return std::none_of(text.begin(), text.end(), [](unsigned char c) { return std::isspace(c) || c < 0x20; });
}

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

// Rules across keys, checked on the merged configuration: "" or the problem.
std::string check_redis(const Config& c) {
  const int modes = !c.redis_url.empty() + !c.redis_cluster_nodes.empty() + !c.redis_rest_url.empty();
  if (c.cache_persistent == "redis" && !c.redis_enabled)
    return "CACHE_PERSISTENT: got \"redis\"; expected REDIS_ENABLED=true with a connection (REDIS_URL, REDIS_CLUSTER_NODES or REDIS_REST_URL)";
  if (!c.redis_enabled) return "";
  if (c.cache_persistent != "auto" && c.cache_persistent != "redis")
    return "REDIS_ENABLED: got true with CACHE_PERSISTENT=" + c.cache_persistent + "; expected CACHE_PERSISTENT auto or redis (one persistent tier)";
  if (modes != 1)
    return "REDIS_ENABLED: got true with " + std::to_string(modes) +
           " connection modes; expected exactly one of REDIS_URL, REDIS_CLUSTER_NODES, REDIS_REST_URL";
  if (!c.redis_rest_url.empty() && c.redis_rest_token.empty())
    return "REDIS_REST_TOKEN: missing; expected the bearer token of REDIS_REST_URL";
  return "";
}

std::string upper(std::string text) {
  for (char& c : text)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return text;
}

size_t provider_index(const std::string& provider) {
  for (size_t i = 0; i < kProviderNames.size(); ++i)
    if (provider == kProviderNames[i]) return i;
  return kProviderNames.size();
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
      {"CACHE_MAX_ENTRIES", integer_key([](Config& c, int64_t v) { c.cache_max_entries = v; }, 1, 1000000, "entries"),
       [](const Config& c) { return json(c.cache_max_entries); }},
      {"CACHE_MAX_BYTES", integer_key([](Config& c, int64_t v) { c.cache_max_bytes = v; }, 4096, int64_t{1} << 30, "bytes"),
       [](const Config& c) { return json(c.cache_max_bytes); }},
      {"HTTP_TIMEOUT_MS", integer_key([](Config& c, int64_t v) { c.http_timeout_ms = v; }, 100, 120000, "milliseconds"),
       [](const Config& c) { return json(c.http_timeout_ms); }},
      {"SUPPORTED_CURRENCIES", parse_currencies, [](const Config& c) { return json(join(c.supported_currencies)); }},
  };
  static const std::vector<KeySpec> all = [] {
    std::vector<KeySpec> out = specs;
    auto add_int = [&out](const char* name, int64_t Config::*field, int64_t min, int64_t max, const char* unit) {
      out.push_back({name, integer_key([field](Config& c, int64_t v) { c.*field = v; }, min, max, unit),
                     [field](const Config& c) { return json(c.*field); }});
    };
    auto add_bool = [&out](const char* name, bool Config::*field) {
      out.push_back({name, bool_key(field), [field](const Config& c) { return json(c.*field); }});
    };
    // The default TTL given explicitly replaces every kind's built-in TTL (the seed's meaning).
    for (auto& spec : out)
      if (spec.name == "CACHE_DEFAULT_TTL")
        spec.parse = integer_key([](Config& c, int64_t v) { c.cache_default_ttl_ms = v; c.cache_default_ttl_set = true; }, 0, kDayMs, "milliseconds");
    add_int("CACHE_MAX_ENTRY_BYTES", &Config::cache_max_entry_bytes, 256, int64_t{1} << 28, "bytes");
    add_int("CACHE_REFRESH_AHEAD_PCT", &Config::cache_refresh_ahead_pct, 0, 90, "percent of the TTL");
    add_int("CACHE_SWEEP_INTERVAL", &Config::cache_sweep_interval_ms, 1000, kDayMs, "milliseconds");
    add_int("CACHE_COMPRESS_THRESHOLD", &Config::cache_compress_threshold_bytes, 64, int64_t{1} << 28, "bytes");
    out.push_back({"CACHE_PERSISTENT",
                   [](const json& value, Config& c) -> std::string {
                     static const std::vector<std::string> kinds{"auto", "none", "indexeddb", "cache-api", "kv", "redis"};
                     if (!value.is_string() || std::find(kinds.begin(), kinds.end(), value.get<std::string>()) == kinds.end())
                       return "one of auto, none, indexeddb, cache-api, kv, redis";
                     c.cache_persistent = value.get<std::string>();
                     return "";
                   },
                   [](const Config& c) { return json(c.cache_persistent); }});
    out.push_back({"CACHE_WARM", parse_warm_keys, [](const Config& c) { return json(join(c.cache_warm)); }});
    add_bool("REDIS_ENABLED", &Config::redis_enabled);
    out.push_back({"REDIS_URL", parse_redis_url, [](const Config& c) { return json(redact_url(c.redis_url)); }});
    out.push_back({"REDIS_PASSWORD", secret_key(&Config::redis_password, 512),
                   [](const Config& c) { return json(c.redis_password.empty() ? "" : "(set)"); }});
    out.push_back({"REDIS_CLUSTER_NODES", parse_cluster_nodes, [](const Config& c) { return json(join(c.redis_cluster_nodes)); }});
    out.push_back({"REDIS_REST_URL",
                   [](const json& value, Config& c) -> std::string {
                     if (value == "") return c.redis_rest_url = "", "";
                     return url_key(&Config::redis_rest_url)(value, c);
                   },
                   [](const Config& c) { return json(redact_url(c.redis_rest_url)); }});
    out.push_back({"REDIS_REST_TOKEN", secret_key(&Config::redis_rest_token, 4096),
                   [](const Config& c) { return json(c.redis_rest_token.empty() ? "" : "(set)"); }});
    out.push_back({"REDIS_KEY_PREFIX",
                   [](const json& value, Config& c) -> std::string {
                     const char* expected = "1 to 64 printable ASCII characters without spaces or glob characters (*?[]\\), e.g. \"ltl:\"";
                     if (!value.is_string()) return expected;
                     const std::string prefix = value.get<std::string>();
                     bool ok = !prefix.empty() && prefix.size() <= 64 &&
                               std::all_of(prefix.begin(), prefix.end(), [](unsigned char ch) {
                                 return ch > 0x20 && ch < 0x7f && std::string("*?[]\\{}").find(static_cast<char>(ch)) == std::string::npos;
                               });
                     if (!ok) return expected;
                     c.redis_key_prefix = prefix;
                     return "";
                   },
                   [](const Config& c) { return json(c.redis_key_prefix); }});
    for (DataKind kind : kAllDataKinds) {
      const size_t i = static_cast<size_t>(kind);
      const std::string suffix = upper(to_string(kind));
      struct Window { std::string prefix; std::optional<int64_t> KindCacheOverrides::*field; int64_t KindCacheWindows::*resolved; };
      for (const Window& window : {Window{"CACHE_TTL_", &KindCacheOverrides::ttl_ms, &KindCacheWindows::ttl_ms},
                                   Window{"CACHE_SWR_", &KindCacheOverrides::swr_ms, &KindCacheWindows::swr_ms},
                                   Window{"CACHE_STALE_IF_ERROR_", &KindCacheOverrides::stale_if_error_ms, &KindCacheWindows::stale_if_error_ms}}) {
        auto field = window.field;
        auto resolved = window.resolved;
        out.push_back({window.prefix + suffix,
                       integer_key([i, field](Config& c, int64_t v) { c.cache_kinds[i].*field = v; }, 0, 7 * kDayMs, "milliseconds"),
                       [kind, resolved](const Config& c) { return json(c.cache_windows(kind).*resolved); }});
      }
    }
    for (size_t p = 0; p < kProviderNames.size(); ++p) {
      const std::string provider = upper(kProviderNames[p]);
      out.push_back({provider + "_TIMEOUT_MS",
                     integer_key([p](Config& c, int64_t v) { c.provider_timeout_ms[p] = v; }, 100, 120000, "milliseconds"),
                     [p](const Config& c) { return json(c.timeout_ms(kProviderNames[p])); }});
      out.push_back({provider + "_RATE_PER_MIN",
                     integer_key([p](Config& c, int64_t v) { c.provider_rate_per_min[p] = v; }, 1, 100000, "requests per minute"),
                     [p](const Config& c) { auto v = c.rate_per_min(kProviderNames[p]); return v ? json(*v) : json(nullptr); }});
    }
    add_int("REQUEST_DEADLINE_MS", &Config::request_deadline_ms, 100, 300000, "milliseconds");
    add_int("RATE_LIMIT_MAX_WAIT_MS", &Config::rate_limit_max_wait_ms, 0, 300000, "milliseconds");
    add_int("RETRY_MAX_ATTEMPTS", &Config::retry_max_attempts, 1, 10, "attempts");
    add_int("RETRY_BASE_DELAY_MS", &Config::retry_base_delay_ms, 1, 60000, "milliseconds");
    add_int("RETRY_MAX_DELAY_MS", &Config::retry_max_delay_ms, 1, 300000, "milliseconds");
    add_int("BREAKER_FAILURE_RATE_PCT", &Config::breaker_failure_rate_pct, 1, 100, "percent");
    add_int("BREAKER_MIN_CALLS", &Config::breaker_min_calls, 1, 10000, "calls");
    add_int("BREAKER_CONSECUTIVE_FAILURES", &Config::breaker_consecutive_failures, 0, 10000, "failures (0 = off)");
    add_int("BREAKER_WINDOW_MS", &Config::breaker_window_ms, 1000, kDayMs, "milliseconds");
    add_int("BREAKER_OPEN_MS", &Config::breaker_open_ms, 100, kDayMs, "milliseconds");
    add_int("BREAKER_MAX_OPEN_MS", &Config::breaker_max_open_ms, 100, kDayMs, "milliseconds");
    add_int("BREAKER_HALF_OPEN_PROBES", &Config::breaker_half_open_probes, 1, 100, "probes");
    out.push_back({"PRICE_PROVIDERS",
                   [](const json& value, Config& c) { return parse_name_list(value, c.price_providers, {"coingecko", "coinbase", "kraken", "binance"}, 1); },
                   [](const Config& c) { return json(join(c.price_providers)); }});
    out.push_back({"NETWORK_PROVIDERS",
                   [](const json& value, Config& c) { return parse_name_list(value, c.network_providers, {"mempool", "esplora", "blockchain_info"}, 1); },
                   [](const Config& c) { return json(join(c.network_providers)); }});
    add_int("CONSENSUS_OUTLIER_PCT", &Config::consensus_outlier_pct, 0, 100, "percent");
    add_bool("BINANCE_USDT_AS_USD", &Config::binance_usdt_as_usd);
    add_bool("PERFORMANCE_ENABLED", &Config::performance_enabled);
    add_int("PERFORMANCE_INTERVAL", &Config::performance_interval_ms, 1000, kDayMs, "milliseconds");
    out.push_back({"PERFORMANCE_THRESHOLDS", parse_thresholds_text, [](const Config& c) { return json(c.performance_thresholds); }});
    add_bool("HEALTH_CHECK_ENABLED", &Config::health_check_enabled);
    add_int("HEALTH_CHECK_INTERVAL", &Config::health_check_interval_ms, 1000, kDayMs, "milliseconds");
    add_bool("REALTIME_ENABLED", &Config::realtime_enabled);
    out.push_back({"MEMPOOL_WS_URL",
                   [](const json& value, Config& c) -> std::string {
                     const char* expected = "a ws:// or wss:// URL without spaces, or \"\" to derive it from MEMPOOL_API_URL";
                     if (!value.is_string()) return expected;
                     std::string url = value.get<std::string>();
                     if (url.empty()) return c.mempool_ws_url = "", "";
                     bool ok = (url.rfind("ws://", 0) == 0 || url.rfind("wss://", 0) == 0) && url.size() > 6 &&
                               std::none_of(url.begin(), url.end(), [](unsigned char ch) { return std::isspace(ch) || ch < 0x20; });
                     if (!ok) return expected;
                     c.mempool_ws_url = url;
                     return "";
                   },
                   [](const Config& c) { return json(redact_url(c.mempool_ws_url)); }});
    return out;
  }();
  return all;
}

}  // namespace

const char* to_string(DataKind kind) {
  switch (kind) {
    case DataKind::price: return "price";
    case DataKind::market: return "market";
    case DataKind::fees: return "fees";
    case DataKind::mempool: return "mempool";
    case DataKind::blocks: return "blocks";
    case DataKind::difficulty: return "difficulty";
    case DataKind::hashrate: return "hashrate";
    case DataKind::sentiment: return "sentiment";
  }
  return "unknown";
}

KindCacheWindows default_cache_windows(DataKind kind) {
  constexpr int64_t s = 1000, min = 60 * s, h = 60 * min;
  switch (kind) {
    case DataKind::price: return {30 * s, 30 * s, 10 * min};
    case DataKind::market: return {60 * s, 60 * s, 10 * min};
    case DataKind::fees: return {10 * s, 20 * s, 5 * min};
    case DataKind::mempool: return {10 * s, 20 * s, 5 * min};
    case DataKind::blocks: return {30 * s, 30 * s, 30 * min};
    case DataKind::difficulty: return {5 * min, 5 * min, 2 * h};
    case DataKind::hashrate: return {10 * min, 10 * min, 6 * h};
    case DataKind::sentiment: return {h, h, 24 * h};
  }
  return {};
}

KindCacheWindows Config::cache_windows(DataKind kind) const {
  KindCacheWindows windows = default_cache_windows(kind);
  if (cache_default_ttl_set) windows.ttl_ms = cache_default_ttl_ms;
  const KindCacheOverrides& overrides = cache_kinds[static_cast<size_t>(kind)];
  if (overrides.ttl_ms) windows.ttl_ms = *overrides.ttl_ms;
  if (overrides.swr_ms) windows.swr_ms = *overrides.swr_ms;
  if (overrides.stale_if_error_ms) windows.stale_if_error_ms = *overrides.stale_if_error_ms;
  return windows;
}

int64_t Config::timeout_ms(const std::string& provider) const {
  size_t i = provider_index(provider);
  return i < provider_timeout_ms.size() && provider_timeout_ms[i] ? *provider_timeout_ms[i] : http_timeout_ms;
}

std::optional<int64_t> Config::rate_per_min(const std::string& provider) const {
  size_t i = provider_index(provider);
  return i < provider_rate_per_min.size() ? provider_rate_per_min[i] : std::nullopt;
}

std::string Config::base_url(const std::string& provider) const {
  if (provider == "mempool") return mempool_api_url;
  if (provider == "esplora") return esplora_api_url;
  if (provider == "blockchain_info") return blockchain_info_api_url;
  if (provider == "coingecko") return coingecko_api_url;
  if (provider == "coinbase") return coinbase_api_url;
  if (provider == "kraken") return kraken_api_url;
  if (provider == "binance") return binance_api_url;
  if (provider == "fng") return fng_api_url;
  return "";
}

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
      const bool secret = key == "COINGECKO_API_KEY" || key == "REDIS_PASSWORD" || key == "REDIS_REST_TOKEN";
      std::string shown = secret ? "(redacted)" : as_text(value);
      if (key.size() > 4 && key.compare(key.size() - 4, 4, "_URL") == 0) shown = redact_url(shown);
      if (shown.size() > 80) shown = shown.substr(0, 80) + "...";
      problems.push_back(key + ": got \"" + shown + "\"; expected " + expected);
    }
  }
  if (problems.empty()) {
    std::string cross = check_redis(config);
    if (!cross.empty()) problems.push_back(cross);
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
