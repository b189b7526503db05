#include "config/config_store.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace ltl {
namespace {

using nlohmann::json;

TEST(ConfigStore, PropagatesChangedKeysToSubscribers) {
  ConfigStore store;
  std::vector<std::string> heard;
  int64_t ttl_seen = 0;
  store.subscribe([&](const Config& config, const std::vector<std::string>& changed) {
    heard = changed;
    ttl_seen = config.price_ttl_ms();
  });
  auto result = store.update(json{{"CACHE_TTL_PRICE", "5000"}, {"HTTP_TIMEOUT_MS", 2500}});
  ASSERT_TRUE(result.ok());
  // Effective values derived from a key change too: every provider without its own timeout.
  EXPECT_EQ(heard, (std::vector<std::string>{"BINANCE_TIMEOUT_MS", "BLOCKCHAIN_INFO_TIMEOUT_MS", "CACHE_TTL_PRICE",
                                             "COINBASE_TIMEOUT_MS", "COINGECKO_TIMEOUT_MS", "ESPLORA_TIMEOUT_MS",
                                             "FNG_TIMEOUT_MS", "HTTP_TIMEOUT_MS", "KRAKEN_TIMEOUT_MS", "MEMPOOL_TIMEOUT_MS"}));
  EXPECT_EQ(ttl_seen, 5000);
  EXPECT_EQ(store.current().http_timeout_ms, 2500);
  EXPECT_EQ(store.version(), 2u);
}

TEST(ConfigStore, InvalidUpdateChangesNothingAndNotifiesNobody) {
  ConfigStore store;
  int calls = 0;
  store.subscribe([&](const Config&, const std::vector<std::string>&) { ++calls; });
  auto result = store.update(json{{"CACHE_TTL_PRICE", 5000}, {"HTTP_TIMEOUT_MS", "fast"}});
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("HTTP_TIMEOUT_MS: got \"fast\""), std::string::npos);
  EXPECT_EQ(store.current().price_ttl_ms(), Config{}.price_ttl_ms());
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(store.version(), 1u);
}

TEST(ConfigStore, UpdatesBuildOnTheCurrentValues) {
  ConfigStore store;
  ASSERT_TRUE(store.update(json{{"CACHE_DEFAULT_TTL", 1000}}).ok());
  ASSERT_TRUE(store.update(json{{"HTTP_TIMEOUT_MS", 500}}).ok());
  EXPECT_EQ(store.current().cache_default_ttl_ms, 1000);
  EXPECT_EQ(store.current().http_timeout_ms, 500);
}

TEST(ConfigStore, NoChangeNoNotification) {
  ConfigStore store;
  int calls = 0;
  store.subscribe([&](const Config&, const std::vector<std::string>&) { ++calls; });
  auto result = store.update(json{{"HTTP_TIMEOUT_MS", Config{}.http_timeout_ms}});
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result.value().empty());
  EXPECT_EQ(calls, 0);
}

TEST(ConfigStore, SecretChangesAreReportedByNameOnly) {
  ConfigStore store;
  auto first = store.update(json{{"COINGECKO_API_KEY", "a-key"}});
  auto second = store.update(json{{"COINGECKO_API_KEY", "b-key"}});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second.value(), (std::vector<std::string>{"COINGECKO_API_KEY"}));
  EXPECT_EQ(store.current().coingecko_api_key, "b-key");
}

TEST(ConfigStore, RedisSecretChangesAreReportedByNameOnly) {
  ConfigStore store;
  ASSERT_TRUE(store.update(json{{"REDIS_URL", "redis://:one@cache:6379"}, {"REDIS_PASSWORD", "a"}, {"REDIS_REST_TOKEN", "t1"}}).ok());
  auto changed = store.update(json{{"REDIS_URL", "redis://:two@cache:6379"}, {"REDIS_PASSWORD", "b"}, {"REDIS_REST_TOKEN", "t2"}});
  ASSERT_TRUE(changed.ok());
  EXPECT_EQ(changed.value(), (std::vector<std::string>{"REDIS_URL", "REDIS_PASSWORD", "REDIS_REST_TOKEN"}));
}

TEST(ConfigStore, UnsubscribedListenersAreNotCalled) {
  ConfigStore store;
  int calls = 0;
  auto id = store.subscribe([&](const Config&, const std::vector<std::string>&) { ++calls; });
  store.unsubscribe(id);
  ASSERT_TRUE(store.update(json{{"CACHE_DEFAULT_TTL", 1}}).ok());
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(store.subscribers(), 0u);
}

}  // namespace
}  // namespace ltl
