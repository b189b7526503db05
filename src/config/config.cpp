#include "config/config.h"
#include "config/config_values.h"

#include <algorithm>
#include <cctype>
#include <functional>

#include <nlohmann/json.hpp>

namespace ltl {
namespace {

using nlohmann::json;
using namespace config_values;

struct KeySpec {
  std::string name;
  KeyParser parse;
  std::function<json(const Config&)> describe;
  const char* type = "string";      // url | string | integer | boolean | list | enum | json
  bool secret = false;              // never reported nor echoed back
  std::optional<int64_t> min, max;  // integers: the accepted range
  const char* unit = "";            // integers: what the number counts
  std::vector<std::string> values;  // enums and name lists: the accepted names
};

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

size_t provider_index(const std::string& provider) {
  for (size_t i = 0; i < kProviderNames.size(); ++i)
    if (provider == kProviderNames[i]) return i;
  return kProviderNames.size();
}


// Table rows. Every row names its key, how it parses, how it is reported and what it is
// (type, secret, integer range and unit): describe_config, parse_config and the published key
// catalogue (config_key_catalogue) all read this one table.
using Describe = std::function<json(const Config&)>;

KeySpec row(const std::string& name, const char* type, KeyParser parse, Describe describe) {
  KeySpec spec;
  spec.name = name;
  spec.parse = std::move(parse);
  spec.describe = std::move(describe);
  spec.type = type;
  return spec;
}

KeySpec url_row(const char* name, std::string Config::*field) {
  return row(name, "url", url_key(field), [field](const Config& c) { return json(redact_url(c.*field)); });
}

KeySpec int_row(const std::string& name, std::function<void(Config&, int64_t)> assign, Describe describe,
                int64_t min, int64_t max, const char* unit) {
  KeySpec spec = row(name, "integer", integer_key(std::move(assign), min, max, unit), std::move(describe));
  spec.min = min;
  spec.max = max;
  spec.unit = unit;
  return spec;
}

KeySpec int_field(const char* name, int64_t Config::*field, int64_t min, int64_t max, const char* unit) {
  return int_row(name, [field](Config& c, int64_t v) { c.*field = v; }, [field](const Config& c) { return json(c.*field); },
                 min, max, unit);
}

KeySpec bool_field(const char* name, bool Config::*field) {
  return row(name, "boolean", bool_key(field), [field](const Config& c) { return json(c.*field); });
}

// Reported only as set or not; never echoed, even when malformed.
KeySpec secret_row(const char* name, std::string Config::*field, size_t max_length) {
  KeySpec spec = row(name, "string", secret_key(field, max_length),
                     [field](const Config& c) { return json((c.*field).empty() ? "" : "(set)"); });
  spec.secret = true;
  return spec;
}

KeySpec enum_row(const char* name, std::string Config::*field, std::vector<std::string> values) {
  KeySpec spec = row(name, "enum",
                     [field, values](const json& value, Config& c) -> std::string {
                       if (!value.is_string() || std::find(values.begin(), values.end(), value.get<std::string>()) == values.end())
                         return "one of " + join(values, ", ");
                       c.*field = value.get<std::string>();
                       return "";
                     },
                     [field](const Config& c) { return json(c.*field); });
  spec.values = std::move(values);
  return spec;
}

KeySpec name_list_row(const char* name, std::vector<std::string> Config::*field, std::vector<std::string> allowed) {
  KeySpec spec = row(name, "list",
                     [field, allowed](const json& value, Config& c) { return parse_name_list(value, c.*field, allowed, 1); },
                     [field](const Config& c) { return json(join(c.*field)); });
  spec.values = std::move(allowed);
  return spec;
}

std::vector<KeySpec> build_key_specs() {
  constexpr int64_t kDayMs = 86400000;
  std::vector<KeySpec> out = {
      url_row("MEMPOOL_API_URL", &Config::mempool_api_url),
      url_row("ESPLORA_API_URL", &Config::esplora_api_url),
      url_row("COINGECKO_API_URL", &Config::coingecko_api_url),
      url_row("COINBASE_API_URL", &Config::coinbase_api_url),
      url_row("KRAKEN_API_URL", &Config::kraken_api_url),
      url_row("BINANCE_API_URL", &Config::binance_api_url),
      url_row("FNG_API_URL", &Config::fng_api_url),
      url_row("BLOCKCHAIN_INFO_API_URL", &Config::blockchain_info_api_url),
      secret_row("COINGECKO_API_KEY", &Config::coingecko_api_key, 256),
      bool_field("CACHE_ENABLED", &Config::cache_enabled),
      // Given explicitly, the default TTL replaces every kind's built-in TTL (the seed's meaning).
      int_row("CACHE_DEFAULT_TTL", [](Config& c, int64_t v) { c.cache_default_ttl_ms = v; c.cache_default_ttl_set = true; },
              [](const Config& c) { return json(c.cache_default_ttl_ms); }, 0, kDayMs, "milliseconds"),
      int_field("CACHE_MAX_ENTRIES", &Config::cache_max_entries, 1, 1000000, "entries"),
      int_field("CACHE_MAX_BYTES", &Config::cache_max_bytes, 4096, int64_t{1} << 30, "bytes"),
      int_field("HTTP_TIMEOUT_MS", &Config::http_timeout_ms, 100, 120000, "milliseconds"),
      row("SUPPORTED_CURRENCIES", "list", parse_currencies, [](const Config& c) { return json(join(c.supported_currencies)); }),
      int_field("CACHE_MAX_ENTRY_BYTES", &Config::cache_max_entry_bytes, 256, int64_t{1} << 28, "bytes"),
      int_field("CACHE_REFRESH_AHEAD_PCT", &Config::cache_refresh_ahead_pct, 0, 90, "percent of the TTL"),
      int_field("CACHE_SWEEP_INTERVAL", &Config::cache_sweep_interval_ms, 1000, kDayMs, "milliseconds"),
      int_field("CACHE_COMPRESS_THRESHOLD", &Config::cache_compress_threshold_bytes, 64, int64_t{1} << 28, "bytes"),
      enum_row("CACHE_PERSISTENT", &Config::cache_persistent, {"auto", "none", "indexeddb", "cache-api", "kv", "redis"}),
      row("CACHE_WARM", "list", parse_warm_keys, [](const Config& c) { return json(join(c.cache_warm)); }),
      bool_field("REDIS_ENABLED", &Config::redis_enabled),
      row("REDIS_URL", "url", parse_redis_url, [](const Config& c) { return json(redact_url(c.redis_url)); }),
      secret_row("REDIS_PASSWORD", &Config::redis_password, 512),
      row("REDIS_CLUSTER_NODES", "list", parse_cluster_nodes, [](const Config& c) { return json(join(c.redis_cluster_nodes)); }),
      row("REDIS_REST_URL", "url",
          [](const json& value, Config& c) -> std::string {
            if (value == "") return c.redis_rest_url = "", "";
            return url_key(&Config::redis_rest_url)(value, c);
          },
          [](const Config& c) { return json(redact_url(c.redis_rest_url)); }),
      secret_row("REDIS_REST_TOKEN", &Config::redis_rest_token, 4096),
      row("REDIS_KEY_PREFIX", "string",
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
          [](const Config& c) { return json(c.redis_key_prefix); }),
  };
  for (DataKind kind : kAllDataKinds) {
    const size_t i = static_cast<size_t>(kind);
    const CacheWindowKeys names = cache_window_keys(kind);
    struct Window { const std::string& name; std::optional<int64_t> KindCacheOverrides::*field; int64_t KindCacheWindows::*resolved; };
    for (const Window& window : {Window{names.ttl, &KindCacheOverrides::ttl_ms, &KindCacheWindows::ttl_ms},
                                 Window{names.swr, &KindCacheOverrides::swr_ms, &KindCacheWindows::swr_ms},
                                 Window{names.stale_if_error, &KindCacheOverrides::stale_if_error_ms, &KindCacheWindows::stale_if_error_ms}}) {
      auto field = window.field;
      auto resolved = window.resolved;
      out.push_back(int_row(window.name, [i, field](Config& c, int64_t v) { c.cache_kinds[i].*field = v; },
                            [kind, resolved](const Config& c) { return json(c.cache_windows(kind).*resolved); }, 0, 7 * kDayMs,
                            "milliseconds"));
    }
  }
  for (size_t p = 0; p < kProviderNames.size(); ++p) {
    const std::string provider = upper(kProviderNames[p]);
    out.push_back(int_row(provider + "_TIMEOUT_MS", [p](Config& c, int64_t v) { c.provider_timeout_ms[p] = v; },
                          [p](const Config& c) { return json(c.timeout_ms(kProviderNames[p])); }, 100, 120000, "milliseconds"));
    out.push_back(int_row(provider + "_RATE_PER_MIN", [p](Config& c, int64_t v) { c.provider_rate_per_min[p] = v; },
                          [p](const Config& c) { auto v = c.rate_per_min(kProviderNames[p]); return v ? json(*v) : json(nullptr); },
                          1, 100000, "requests per minute"));
  }
  const std::vector<KeySpec> rest = {
      int_field("REQUEST_DEADLINE_MS", &Config::request_deadline_ms, 100, 300000, "milliseconds"),
      int_field("RATE_LIMIT_MAX_WAIT_MS", &Config::rate_limit_max_wait_ms, 0, 300000, "milliseconds"),
      int_field("RETRY_MAX_ATTEMPTS", &Config::retry_max_attempts, 1, 10, "attempts"),
      int_field("RETRY_BASE_DELAY_MS", &Config::retry_base_delay_ms, 1, 60000, "milliseconds"),
      int_field("RETRY_MAX_DELAY_MS", &Config::retry_max_delay_ms, 1, 300000, "milliseconds"),
      int_field("BREAKER_FAILURE_RATE_PCT", &Config::breaker_failure_rate_pct, 1, 100, "percent"),
      int_field("BREAKER_MIN_CALLS", &Config::breaker_min_calls, 1, 10000, "calls"),
      int_field("BREAKER_CONSECUTIVE_FAILURES", &Config::breaker_consecutive_failures, 0, 10000, "failures (0 = off)"),
      int_field("BREAKER_WINDOW_MS", &Config::breaker_window_ms, 1000, kDayMs, "milliseconds"),
      int_field("BREAKER_OPEN_MS", &Config::breaker_open_ms, 100, kDayMs, "milliseconds"),
      int_field("BREAKER_MAX_OPEN_MS", &Config::breaker_max_open_ms, 100, kDayMs, "milliseconds"),
      int_field("BREAKER_HALF_OPEN_PROBES", &Config::breaker_half_open_probes, 1, 100, "probes"),
      name_list_row("PRICE_PROVIDERS", &Config::price_providers, {"coingecko", "coinbase", "kraken", "binance"}),
      name_list_row("NETWORK_PROVIDERS", &Config::network_providers, {"mempool", "esplora", "blockchain_info"}),
      int_field("CONSENSUS_OUTLIER_PCT", &Config::consensus_outlier_pct, 0, 100, "percent"),
      bool_field("BINANCE_USDT_AS_USD", &Config::binance_usdt_as_usd),
      bool_field("PERFORMANCE_ENABLED", &Config::performance_enabled),
      int_field("PERFORMANCE_INTERVAL", &Config::performance_interval_ms, 1000, kDayMs, "milliseconds"),
      row("PERFORMANCE_THRESHOLDS", "json", parse_thresholds_text, [](const Config& c) { return json(c.performance_thresholds); }),
      bool_field("HEALTH_CHECK_ENABLED", &Config::health_check_enabled),
      int_field("HEALTH_CHECK_INTERVAL", &Config::health_check_interval_ms, 1000, kDayMs, "milliseconds"),
      bool_field("REALTIME_ENABLED", &Config::realtime_enabled),
      row("MEMPOOL_WS_URL", "url",
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
          [](const Config& c) { return json(redact_url(c.mempool_ws_url)); }),
  };
  out.insert(out.end(), rest.begin(), rest.end());
  return out;
}

const std::vector<KeySpec>& key_specs() {
  static const std::vector<KeySpec> specs = build_key_specs();
  return specs;
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
      std::string shown = spec->secret ? "(redacted)" : as_text(value);
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

CacheWindowKeys cache_window_keys(DataKind kind) {
  const std::string suffix = upper(to_string(kind));
  return {"CACHE_TTL_" + suffix, "CACHE_SWR_" + suffix, "CACHE_STALE_IF_ERROR_" + suffix};
}

json config_key_catalogue() {
  const Config defaults;
  json out = json::array();
  for (const auto& spec : key_specs()) {
    Config scratch;
    // Every parser rejects an object, answering with what it accepts: the key's description.
    json entry = {{"name", spec.name}, {"type", spec.type}, {"default", spec.describe(defaults)},
                  {"secret", spec.secret}, {"expected", spec.parse(json::object(), scratch)}};
    if (spec.min) entry["min"] = *spec.min;
    if (spec.max) entry["max"] = *spec.max;
    if (*spec.unit) entry["unit"] = spec.unit;
    if (!spec.values.empty()) entry["values"] = spec.values;
    out.push_back(std::move(entry));
  }
  return out;
}

json describe_config(const Config& config) {
  json out = json::object();
  for (const auto& spec : key_specs()) out[spec.name] = spec.describe(config);
  return out;
}

}  // namespace ltl
