#include "config/config.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace ltl {
namespace {

using nlohmann::json;

TEST(Config, DefaultsPointAtTheRealPublicApis) {
  Config config;
  EXPECT_EQ(config.mempool_api_url, "https://mempool.space/api");
  EXPECT_EQ(config.esplora_api_url, "https://blockstream.info/api");
  EXPECT_EQ(config.coingecko_api_url, "https://api.coingecko.com/api/v3");
  EXPECT_EQ(config.coinbase_api_url, "https://api.coinbase.com/v2");
  EXPECT_EQ(config.kraken_api_url, "https://api.kraken.com/0/public");
  EXPECT_EQ(config.binance_api_url, "https://api.binance.com/api/v3");
  EXPECT_EQ(config.fng_api_url, "https://api.alternative.me");
  EXPECT_EQ(config.blockchain_info_api_url, "https://api.blockchain.info");
  EXPECT_EQ(config.price_ttl_ms(), 30000);
}

TEST(Config, AcceptsEnvStyleStringsAndJsonValues) {
  auto result = parse_config(json{{"COINGECKO_API_URL", "http://127.0.0.1:9/coingecko/api/v3/"},
                                  {"CACHE_DEFAULT_TTL", "2500"},
                                  {"CACHE_TTL_PRICE", 7000},
                                  {"CACHE_ENABLED", "false"},
                                  {"SUPPORTED_CURRENCIES", "usd, eur,usd"}});
  ASSERT_TRUE(result.ok()) << result.error().message;
  const Config& config = result.value();
  EXPECT_EQ(config.coingecko_api_url, "http://127.0.0.1:9/coingecko/api/v3");  // trailing slash dropped
  EXPECT_EQ(config.cache_default_ttl_ms, 2500);
  EXPECT_EQ(config.price_ttl_ms(), 7000);
  EXPECT_FALSE(config.cache_enabled);
  EXPECT_EQ(config.supported_currencies, (std::vector<std::string>{"usd", "eur"}));
}

TEST(Config, PriceTtlFollowsTheDefaultTtlUnlessSet) {
  auto result = parse_config(json{{"CACHE_DEFAULT_TTL", 1234}});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.value().price_ttl_ms(), 1234);
}

TEST(Config, ZeroTtlIsAllowedAndMeansZero) {
  auto result = parse_config(json{{"CACHE_DEFAULT_TTL", "0"}});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.value().cache_default_ttl_ms, 0);
}

struct BadValue {
  const char* key;
  json value;
  const char* expected_fragment;
};

void PrintTo(const BadValue& v, std::ostream* os) { *os << v.key << "=" << v.value.dump(); }

class ConfigRejects : public ::testing::TestWithParam<BadValue> {};

TEST_P(ConfigRejects, NamingKeyValueAndExpectation) {
  auto result = parse_config(json{{GetParam().key, GetParam().value}});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().category, ErrorCategory::config);
  const std::string& message = result.error().message;
  EXPECT_NE(message.find(GetParam().key), std::string::npos) << message;
  EXPECT_NE(message.find(GetParam().expected_fragment), std::string::npos) << message;
}

INSTANTIATE_TEST_SUITE_P(
    Values, ConfigRejects,
    ::testing::Values(BadValue{"CACHE_DEFAULT_TTL", "abc", "got \"abc\"; expected an integer number of milliseconds"},
                      BadValue{"CACHE_DEFAULT_TTL", -5, "expected an integer"},
                      BadValue{"CACHE_DEFAULT_TTL", 1.5, "expected an integer"},
                      BadValue{"CACHE_DEFAULT_TTL", "1e3", "expected an integer"},
                      BadValue{"HTTP_TIMEOUT_MS", 5, "from 100 to 120000"},
                      BadValue{"CACHE_ENABLED", "yes", "expected true or false"},
                      BadValue{"COINGECKO_API_URL", "ftp://x", "expected an http:// or https:// URL"},
                      BadValue{"COINGECKO_API_URL", "https://", "expected an http:// or https:// URL"},
                      BadValue{"COINGECKO_API_URL", "https://a b", "expected an http:// or https:// URL"},
                      BadValue{"SUPPORTED_CURRENCIES", "usd,EURO", "3-letter lower-case"},
                      BadValue{"NOT_A_KEY", 1, "unknown configuration key"},
                      BadValue{"CACHE_TTL_FEES", "-1", "expected an integer number of milliseconds"},
                      BadValue{"CACHE_SWR_SENTIMENT", "soon", "expected an integer"},
                      BadValue{"KRAKEN_TIMEOUT_MS", 50, "from 100 to 120000"},
                      BadValue{"PRICE_PROVIDERS", "coingecko,ftx", "coingecko, coinbase, kraken, binance"},
                      BadValue{"PRICE_PROVIDERS", "", "at least one of"},
                      BadValue{"NETWORK_PROVIDERS", "kraken", "mempool, esplora, blockchain_info"},
                      BadValue{"PERFORMANCE_THRESHOLDS", "{not json", "a JSON array of threshold objects"},
                      BadValue{"REDIS_ENABLED", "yes", "true or false"},
                      BadValue{"REDIS_URL", "http://cache:6379", "redis:// or rediss://"},
                      BadValue{"REDIS_CLUSTER_NODES", "a:1,b", "host:port seeds"},
                      BadValue{"REDIS_CLUSTER_NODES", "a:70000", "port 1-65535"},
                      BadValue{"REDIS_REST_URL", "redis://x", "http:// or https://"},
                      BadValue{"REDIS_KEY_PREFIX", "ltl*", "without spaces or glob characters"},
                      BadValue{"CACHE_PERSISTENT", "disk", "one of auto, none, indexeddb, cache-api, kv, redis"},
                      BadValue{"CACHE_WARM", "price:usd,weather", "data kinds to fetch at start"},
                      BadValue{"MEMPOOL_WS_URL", "http://x", "ws:// or wss://"},
                      BadValue{"HEALTH_CHECK_INTERVAL", 10, "from 1000 to"},
                      BadValue{"BINANCE_USDT_AS_USD", "usdt", "expected true or false"}));

TEST(Config, BinanceUsdtStandsInForUsdOnlyWhenAsked) {
  EXPECT_FALSE(Config{}.binance_usdt_as_usd);  // a stablecoin is not USD unless the operator says so
  auto on = parse_config(json{{"BINANCE_USDT_AS_USD", "true"}});
  ASSERT_TRUE(on.ok()) << on.error().message;
  EXPECT_TRUE(on.value().binance_usdt_as_usd);
  EXPECT_EQ(describe_config(on.value()).at("BINANCE_USDT_AS_USD"), true);
}

TEST(Config, EachKindHasItsOwnWindowsAndTheExplicitDefaultTtlReplacesThem) {
  Config config;
  EXPECT_EQ(config.cache_windows(DataKind::fees).ttl_ms, 10000);
  EXPECT_EQ(config.cache_windows(DataKind::sentiment).ttl_ms, 3600000);
  EXPECT_EQ(config.cache_windows(DataKind::hashrate).stale_if_error_ms, 6 * 3600000);

  auto result = parse_config(json{{"CACHE_DEFAULT_TTL", "300000"}, {"CACHE_TTL_FEES", 0}, {"CACHE_SWR_FEES", "5000"}});
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result.value().cache_windows(DataKind::sentiment).ttl_ms, 300000);
  EXPECT_EQ(result.value().cache_windows(DataKind::fees).ttl_ms, 0);  // 0 stays 0
  EXPECT_EQ(result.value().cache_windows(DataKind::fees).swr_ms, 5000);
  EXPECT_EQ(describe_config(result.value())["CACHE_TTL_FEES"], 0);
}

TEST(Config, ProviderOrderTimeoutsAndTheSeedKeys) {
  auto result = parse_config(json{{"PRICE_PROVIDERS", "kraken, coingecko,kraken"},
                                  {"HTTP_TIMEOUT_MS", 4000},
                                  {"BINANCE_TIMEOUT_MS", "1500"},
                                  {"PERFORMANCE_ENABLED", "false"},
                                  {"PERFORMANCE_INTERVAL", "30000"},
                                  {"PERFORMANCE_THRESHOLDS", "true"},
                                  {"HEALTH_CHECK_ENABLED", true},
                                  {"HEALTH_CHECK_INTERVAL", "30000"},
                                  {"REDIS_ENABLED", "false"},
                                  {"CACHE_WARM", "price:usd,fees"}});
  ASSERT_TRUE(result.ok()) << result.error().message;
  const Config& config = result.value();
  EXPECT_EQ(config.price_providers, (std::vector<std::string>{"kraken", "coingecko"}));
  EXPECT_EQ(config.timeout_ms("binance"), 1500);
  EXPECT_EQ(config.timeout_ms("coinbase"), 4000);
  EXPECT_FALSE(config.performance_enabled);
  EXPECT_EQ(config.performance_interval_ms, 30000);
  EXPECT_EQ(config.health_check_interval_ms, 30000);
  EXPECT_EQ(config.cache_warm, (std::vector<std::string>{"price:usd", "fees"}));
}

TEST(Config, RedisNeedsExactlyOneConnectionMode) {
  auto single = parse_config(json{{"REDIS_ENABLED", "true"}, {"REDIS_URL", "rediss://:pw@cache.example:6380/2"}});
  ASSERT_TRUE(single.ok()) << single.error().message;
  EXPECT_TRUE(single.value().redis_enabled);
  EXPECT_EQ(single.value().redis_url, "rediss://:pw@cache.example:6380/2");
  EXPECT_EQ(single.value().redis_key_prefix, "ltl:");

  auto cluster = parse_config(json{{"REDIS_ENABLED", true}, {"REDIS_CLUSTER_NODES", "10.0.0.1:7000, 10.0.0.2:7001"},
                                   {"REDIS_KEY_PREFIX", "prod:"}, {"CACHE_PERSISTENT", "redis"}});
  ASSERT_TRUE(cluster.ok()) << cluster.error().message;
  EXPECT_EQ(cluster.value().redis_cluster_nodes, (std::vector<std::string>{"10.0.0.1:7000", "10.0.0.2:7001"}));
  EXPECT_EQ(describe_config(cluster.value())["REDIS_KEY_PREFIX"], "prod:");

  auto rest = parse_config(json{{"REDIS_ENABLED", "1"}, {"REDIS_REST_URL", "https://eu1.upstash.example"}, {"REDIS_REST_TOKEN", "tok-123456"}});
  ASSERT_TRUE(rest.ok()) << rest.error().message;

  const std::pair<json, const char*> bad[] = {
      {json{{"REDIS_ENABLED", "true"}}, "expected exactly one of REDIS_URL, REDIS_CLUSTER_NODES, REDIS_REST_URL"},
      {json{{"REDIS_ENABLED", "true"}, {"REDIS_URL", "redis://a"}, {"REDIS_CLUSTER_NODES", "b:1"}}, "2 connection modes"},
      {json{{"REDIS_ENABLED", "true"}, {"REDIS_REST_URL", "https://x"}}, "REDIS_REST_TOKEN: missing"},
      {json{{"CACHE_PERSISTENT", "redis"}}, "expected REDIS_ENABLED=true"},
      {json{{"REDIS_ENABLED", "true"}, {"REDIS_URL", "redis://a"}, {"CACHE_PERSISTENT", "indexeddb"}}, "expected CACHE_PERSISTENT auto or redis"},
  };
  for (const auto& [overrides, expected] : bad) {
    auto result = parse_config(overrides);
    ASSERT_FALSE(result.ok()) << overrides.dump();
    EXPECT_NE(result.error().message.find(expected), std::string::npos) << result.error().message;
  }
  // Connection keys alone (REDIS_ENABLED unset) are accepted and inert.
  EXPECT_TRUE(parse_config(json{{"REDIS_URL", "redis://a:6379"}}).ok());
}

TEST(Config, RedisSecretsNeverAppearInDescriptionsOrErrors) {
  auto result = parse_config(json{{"REDIS_ENABLED", "true"}, {"REDIS_URL", "redis://user:hunter2@cache:6379"},
                                  {"REDIS_PASSWORD", "pw-secret-9"}, {"REDIS_REST_TOKEN", "tok-secret-7"}});
  ASSERT_TRUE(result.ok()) << result.error().message;
  const json described = describe_config(result.value());
  const std::string text = described.dump();
  for (const char* secret : {"hunter2", "pw-secret-9", "tok-secret-7"}) EXPECT_EQ(text.find(secret), std::string::npos) << secret;
  EXPECT_EQ(described["REDIS_URL"], "redis://cache:6379");
  EXPECT_EQ(described["REDIS_PASSWORD"], "(set)");
  EXPECT_EQ(described["REDIS_REST_TOKEN"], "(set)");

  auto bad = parse_config(json{{"REDIS_URL", "redis://:hunter2@ca che"}, {"REDIS_PASSWORD", std::string(600, 'p')},
                               {"REDIS_REST_TOKEN", json::array({"tok-secret-7"})}});
  ASSERT_FALSE(bad.ok());
  for (const char* secret : {"hunter2", "ppp", "tok-secret-7"}) EXPECT_EQ(bad.error().message.find(secret), std::string::npos) << bad.error().message;
  EXPECT_NE(bad.error().message.find("REDIS_REST_TOKEN"), std::string::npos);
}

TEST(Config, AnEchoedBadUrlLosesItsCredentials) {
  auto result = parse_config(json{{"KRAKEN_API_URL", "ftp://user:hunter2@host/x"}});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message.find("hunter2"), std::string::npos) << result.error().message;
}

TEST(Config, NothingHalfAppliesWhenOneKeyIsBad) {
  Config base;
  base.cache_default_ttl_ms = 111;
  auto result = parse_config(json{{"CACHE_DEFAULT_TTL", 222}, {"CACHE_ENABLED", "maybe"}}, base);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(base.cache_default_ttl_ms, 111);
}

TEST(Config, ReportsEveryBadKeyAtOnce) {
  auto result = parse_config(json{{"CACHE_DEFAULT_TTL", "x"}, {"CACHE_ENABLED", "maybe"}});
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("CACHE_DEFAULT_TTL"), std::string::npos);
  EXPECT_NE(result.error().message.find("CACHE_ENABLED"), std::string::npos);
}

TEST(Config, NonObjectIsRejected) {
  EXPECT_FALSE(parse_config(json::array()).ok());
  EXPECT_FALSE(parse_config(json("x")).ok());
}

TEST(Config, SecretsNeverAppearInDescriptionsOrErrors) {
  auto result = parse_config(json{{"COINGECKO_API_KEY", "cg-secret-123"},
                                  {"COINGECKO_API_URL", "https://user:pw@proxy.example/api/v3"}});
  ASSERT_TRUE(result.ok());
  const std::string described = describe_config(result.value()).dump();
  EXPECT_EQ(described.find("cg-secret-123"), std::string::npos);
  EXPECT_EQ(described.find("user:pw"), std::string::npos);
  EXPECT_NE(described.find("https://proxy.example/api/v3"), std::string::npos);

  auto bad = parse_config(json{{"COINGECKO_API_KEY", std::string(300, 's')}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message.find("sss"), std::string::npos);
}

}  // namespace
}  // namespace ltl
