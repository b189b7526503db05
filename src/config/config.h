#pragma once
// One typed configuration, built from defaults overridden by env-style keys
// (a JSON object whose values may be strings, as env vars are). Invalid input
// is rejected whole with an error naming the key, the value and what was expected.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/result.h"

namespace ltl {

// Each kind of data has its own freshness: fees move every few seconds, the
// Fear & Greed index once a day.
enum class DataKind { price, market, fees, mempool, blocks, difficulty, hashrate, sentiment };
constexpr size_t kDataKindCount = 8;
const char* to_string(DataKind kind);  // "price", "market", ...
constexpr std::array<DataKind, kDataKindCount> kAllDataKinds = {
    DataKind::price, DataKind::market, DataKind::fees, DataKind::mempool,
    DataKind::blocks, DataKind::difficulty, DataKind::hashrate, DataKind::sentiment};

// Resolved cache windows of one kind, in ms: fresh for ttl, then served stale
// while revalidating for swr, and on upstream failure for stale_if_error.
struct KindCacheWindows {
  int64_t ttl_ms = 0;
  int64_t swr_ms = 0;
  int64_t stale_if_error_ms = 0;
};

// Per-kind overrides; unset values take the kind's built-in default.
struct KindCacheOverrides {
  std::optional<int64_t> ttl_ms;
  std::optional<int64_t> swr_ms;
  std::optional<int64_t> stale_if_error_ms;
};

KindCacheWindows default_cache_windows(DataKind kind);

// Upstream providers the core knows; configuration names them in lower case.
constexpr std::array<const char*, 8> kProviderNames = {
    "mempool", "esplora", "blockchain_info", "coingecko", "coinbase", "kraken", "binance", "fng"};

struct Config {
  std::string mempool_api_url = "https://mempool.space/api";
  std::string esplora_api_url = "https://blockstream.info/api";
  std::string coingecko_api_url = "https://api.coingecko.com/api/v3";
  std::string coinbase_api_url = "https://api.coinbase.com/v2";
  std::string kraken_api_url = "https://api.kraken.com/0/public";
  std::string binance_api_url = "https://api.binance.com/api/v3";
  std::string fng_api_url = "https://api.alternative.me";
  std::string blockchain_info_api_url = "https://api.blockchain.info";
  std::string coingecko_api_key;  // secret: never reported

  bool cache_enabled = true;
  int64_t cache_default_ttl_ms = 30000;
  bool cache_default_ttl_set = false;  // CACHE_DEFAULT_TTL given: it replaces the kinds' built-in TTLs
  std::array<KindCacheOverrides, kDataKindCount> cache_kinds{};
  int64_t cache_max_entries = 1000;
  int64_t cache_max_bytes = 8 << 20;
  int64_t cache_max_entry_bytes = 1 << 20;
  int64_t cache_refresh_ahead_pct = 20;        // refresh a hot key when less than this % of its TTL is left
  int64_t cache_sweep_interval_ms = 60000;
  std::string cache_persistent = "auto";       // auto | none | indexeddb | cache-api | kv | redis (the JS shell acts on it)
  int64_t cache_compress_threshold_bytes = 1024;
  std::vector<std::string> cache_warm;         // keys fetched at start, e.g. "price:usd", "fees"
  // The Redis tier (the JS shell connects; the core only validates). Exactly one connection
  // mode when enabled: REDIS_URL (single node), REDIS_CLUSTER_NODES, or REDIS_REST_URL + token.
  bool redis_enabled = false;
  std::string redis_url;                       // redis:// or rediss://; may hold a password: reported redacted
  std::string redis_password;                  // secret: never reported
  std::vector<std::string> redis_cluster_nodes;  // "host:port" seeds of a Redis Cluster
  std::string redis_rest_url;                  // Upstash-format REST endpoint (http:// or https://)
  std::string redis_rest_token;                // secret: never reported
  std::string redis_key_prefix = "ltl:";       // namespaces every key this deployment writes

  int64_t http_timeout_ms = 10000;
  std::array<std::optional<int64_t>, kProviderNames.size()> provider_timeout_ms{};
  std::array<std::optional<int64_t>, kProviderNames.size()> provider_rate_per_min{};
  int64_t request_deadline_ms = 20000;
  int64_t rate_limit_max_wait_ms = 2000;      // longer queue for a provider's limiter → fall back instead
  int64_t retry_max_attempts = 3;
  int64_t retry_base_delay_ms = 250;
  int64_t retry_max_delay_ms = 5000;
  int64_t breaker_failure_rate_pct = 50;
  int64_t breaker_min_calls = 5;
  int64_t breaker_consecutive_failures = 5;    // 0 = rate rule only
  int64_t breaker_window_ms = 60000;
  int64_t breaker_open_ms = 30000;
  int64_t breaker_max_open_ms = 300000;
  int64_t breaker_half_open_probes = 1;

  std::vector<std::string> price_providers{"coingecko", "coinbase", "kraken", "binance"};
  std::vector<std::string> network_providers{"mempool", "esplora", "blockchain_info"};
  std::vector<std::string> supported_currencies{"usd", "eur", "gbp", "jpy", "cad", "chf", "aud"};
  int64_t consensus_outlier_pct = 2;           // a price further than this % from the median is an outlier
  bool binance_usdt_as_usd = false;            // let Binance's BTCUSDT answer "usd" (marked quote "USDT")

  bool performance_enabled = true;
  int64_t performance_interval_ms = 10000;     // history sampling and threshold evaluation
  std::string performance_thresholds = "true"; // "true" = defaults, "false" = none, or a JSON list
  bool health_check_enabled = true;
  int64_t health_check_interval_ms = 30000;

  bool realtime_enabled = true;
  std::string mempool_ws_url;                  // "" = derived from MEMPOOL_API_URL

  KindCacheWindows cache_windows(DataKind kind) const;
  int64_t price_ttl_ms() const { return cache_windows(DataKind::price).ttl_ms; }
  // The provider's timeout, or HTTP_TIMEOUT_MS.
  int64_t timeout_ms(const std::string& provider) const;
  std::optional<int64_t> rate_per_min(const std::string& provider) const;
  std::string base_url(const std::string& provider) const;
};

// `base` with the keys of `overrides` applied; unknown keys are errors (they are typos).
Result<Config> parse_config(const nlohmann::json& overrides, const Config& base = Config{});

// Every key with its effective value, secrets redacted and URL credentials removed.
nlohmann::json describe_config(const Config& config);

// The configuration keys of one kind's cache windows: CACHE_TTL_<KIND>, CACHE_SWR_<KIND>,
// CACHE_STALE_IF_ERROR_<KIND>.
struct CacheWindowKeys {
  std::string ttl;
  std::string swr;
  std::string stale_if_error;
};
CacheWindowKeys cache_window_keys(DataKind kind);

// Every configuration key, in table order: {name, type (url|string|integer|boolean|list|enum|json),
// default (the value Config{} reports), secret, expected (what the parser accepts), and where they
// apply min, max, unit (integers) and values (enums, provider lists)}.
nlohmann::json config_key_catalogue();

// The URL without any user:password@ part, for reporting.
std::string redact_url(const std::string& url);

}  // namespace ltl
