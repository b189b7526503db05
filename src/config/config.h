#pragma once
// One typed configuration, built from defaults overridden by env-style keys
// (a JSON object whose values may be strings, as env vars are). Invalid input
// is rejected whole with an error naming the key, the value and what was expected.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/result.h"

namespace ltl {

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
  std::optional<int64_t> cache_ttl_price_ms;
  int64_t cache_max_entries = 1000;
  int64_t cache_max_bytes = 8 << 20;
  int64_t http_timeout_ms = 10000;
  std::vector<std::string> supported_currencies{"usd", "eur", "gbp", "jpy", "cad", "chf", "aud"};

  int64_t price_ttl_ms() const { return cache_ttl_price_ms.value_or(cache_default_ttl_ms); }
};

// `base` with the keys of `overrides` applied; unknown keys are errors (they are typos).
Result<Config> parse_config(const nlohmann::json& overrides, const Config& base = Config{});

// Every key with its effective value, secrets redacted and URL credentials removed.
nlohmann::json describe_config(const Config& config);

// The URL without any user:password@ part, for reporting.
std::string redact_url(const std::string& url);

}  // namespace ltl
