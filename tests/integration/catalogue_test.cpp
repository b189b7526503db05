#include "integration/catalogue.h"

#include <gtest/gtest.h>

#include <set>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "integration/data_sources.h"
#include "integration/metric_catalogue.h"
#include "resilience/classify.h"

namespace ltl {
namespace {

using nlohmann::json;

const json* find_named(const json& list, const std::string& name) {
  for (const auto& entry : list)
    if (entry.at("name") == name) return &entry;
  return nullptr;
}

TEST(Catalogue, PublishesEveryRouteOfTheRouteCatalogueWithItsPathKindAndParameters) {
  const json catalogue = describe_catalogue(Config{});
  ASSERT_EQ(catalogue.at("routes").size(), route_catalogue().size());
  std::set<std::string> paths;
  for (const auto& route : route_catalogue()) {
    const json* entry = find_named(catalogue.at("routes"), route.name);
    ASSERT_NE(entry, nullptr) << route.name;
    ASSERT_TRUE(entry->at("path").is_string()) << route.name << " has no HTTP path";
    EXPECT_EQ(entry->at("path"), route_path(route.name));
    EXPECT_TRUE(paths.insert(entry->at("path").get<std::string>()).second) << "two routes share " << entry->at("path");
    EXPECT_EQ(entry->at("composite"), route.composite) << route.name;
    if (route.name == "network") EXPECT_TRUE(entry->at("kind").is_null());
    else EXPECT_EQ(entry->at("kind"), to_string(route.kind)) << route.name;
  }
  EXPECT_EQ(route_path("tip"), "/api/v1/blocks/tip");
  EXPECT_EQ(route_path("nope"), "");
  const json& price_params = find_named(catalogue.at("routes"), "price")->at("params");
  ASSERT_EQ(price_params.size(), 1u);
  EXPECT_EQ(price_params[0].at("name"), "currency");
  EXPECT_EQ(price_params[0].at("pattern"), "^[a-z]{3}$");
  EXPECT_EQ(price_params[0].at("default"), "usd");
  EXPECT_TRUE(find_named(catalogue.at("routes"), "fees")->at("params").empty());
}

TEST(Catalogue, TheNetworkRouteNamesItsPartsAndEveryPartIsARoute) {
  const json catalogue = describe_catalogue(Config{});
  EXPECT_EQ(catalogue.at("network_parts"), json(network_parts()));
  EXPECT_EQ(find_named(catalogue.at("routes"), "network")->at("parts"), json(network_parts()));
  for (const auto& part : network_parts()) EXPECT_NE(find_route(part), nullptr) << part;
}

TEST(Catalogue, OperationalRoutesHaveDistinctPathsAndTheReportWindowIsBounded) {
  const json catalogue = describe_catalogue(Config{});
  std::set<std::string> paths;
  for (const auto& route : catalogue.at("routes")) paths.insert(route.at("path"));
  for (const auto& route : catalogue.at("operational_routes"))
    EXPECT_TRUE(paths.insert(route.at("path").get<std::string>()).second) << route.at("path");
  const json& window = find_named(catalogue.at("operational_routes"), "report")->at("params").at(0);
  EXPECT_EQ(window.at("name"), "window_ms");
  EXPECT_EQ(window.at("max"), 7 * 24 * 3600 * 1000LL);
  EXPECT_EQ(find_named(catalogue.at("operational_routes"), "cache/invalidate")->at("method"), "POST");
}

TEST(Catalogue, KindsCarryTheirWindowsAndTheKeysThatSetThem) {
  const json defaults = describe_catalogue(Config{}).at("kinds");
  ASSERT_EQ(defaults.size(), kDataKindCount);
  for (DataKind kind : kAllDataKinds) {
    const json* entry = find_named(defaults, to_string(kind));
    ASSERT_NE(entry, nullptr) << to_string(kind);
    const KindCacheWindows built_in = default_cache_windows(kind);
    EXPECT_EQ(entry->at("ttl_ms"), built_in.ttl_ms);
    EXPECT_EQ(entry->at("swr_ms"), built_in.swr_ms);
    EXPECT_EQ(entry->at("stale_if_error_ms"), built_in.stale_if_error_ms);
  }
  EXPECT_EQ(find_named(defaults, "fees")->at("config_keys"),
            (json{{"ttl_ms", "CACHE_TTL_FEES"}, {"swr_ms", "CACHE_SWR_FEES"}, {"stale_if_error_ms", "CACHE_STALE_IF_ERROR_FEES"}}));
}

TEST(Catalogue, KindWindowsFollowConfigOverrides) {
  auto config = parse_config(json{{"CACHE_TTL_FEES", 1234}, {"CACHE_SWR_PRICE", "4321"}, {"CACHE_STALE_IF_ERROR_SENTIMENT", 99}});
  ASSERT_TRUE(config.ok()) << config.error().message;
  const json kinds = describe_catalogue(config.value()).at("kinds");
  EXPECT_EQ(find_named(kinds, "fees")->at("ttl_ms"), 1234);
  EXPECT_EQ(find_named(kinds, "price")->at("swr_ms"), 4321);
  EXPECT_EQ(find_named(kinds, "sentiment")->at("stale_if_error_ms"), 99);
  EXPECT_EQ(find_named(kinds, "price")->at("ttl_ms"), default_cache_windows(DataKind::price).ttl_ms);
  // Every kind's keys are configuration keys, and setting them moves that kind's windows.
  const json keys = describe_catalogue(Config{}).at("config");
  for (const auto& kind : kinds)
    for (const auto& [window, key] : kind.at("config_keys").items()) {
      EXPECT_NE(find_named(keys, key.get<std::string>()), nullptr) << key;
      auto set = parse_config(json{{key.get<std::string>(), 777}});
      ASSERT_TRUE(set.ok()) << key;
      EXPECT_EQ(find_named(describe_catalogue(set.value()).at("kinds"), kind.at("name"))->at(window), 777) << key;
    }
}

TEST(Catalogue, PublishesEveryConfigKeyWithTypeDefaultAndSecrecy) {
  const json keys = describe_catalogue(Config{}).at("config");
  const json described = describe_config(Config{});
  ASSERT_EQ(keys.size(), described.size());
  for (const auto& [name, value] : described.items()) {
    const json* entry = find_named(keys, name);
    ASSERT_NE(entry, nullptr) << name;
    EXPECT_EQ(entry->at("default"), value) << name;
    EXPECT_FALSE(entry->at("expected").get<std::string>().empty()) << name;
    // A key the parser accepts is a key of the catalogue: null keeps the default.
    EXPECT_TRUE(parse_config(json{{name, nullptr}}).ok()) << name;
  }
  std::set<std::string> secrets;
  for (const auto& entry : keys)
    if (entry.at("secret") == true) secrets.insert(entry.at("name"));
  EXPECT_EQ(secrets, (std::set<std::string>{"COINGECKO_API_KEY", "REDIS_PASSWORD", "REDIS_REST_TOKEN"}));
  const json* ttl = find_named(keys, "CACHE_DEFAULT_TTL");
  EXPECT_EQ(ttl->at("type"), "integer");
  EXPECT_EQ(ttl->at("min"), 0);
  EXPECT_EQ(ttl->at("max"), 86400000);
  EXPECT_EQ(ttl->at("unit"), "milliseconds");
  EXPECT_EQ(find_named(keys, "CACHE_ENABLED")->at("type"), "boolean");
  EXPECT_EQ(find_named(keys, "MEMPOOL_API_URL")->at("type"), "url");
  EXPECT_EQ(find_named(keys, "CACHE_PERSISTENT")->at("values"),
            (json{"auto", "none", "indexeddb", "cache-api", "kv", "redis"}));
  // The published range is the parser's: one past it is rejected, the bound accepted.
  EXPECT_TRUE(parse_config(json{{"RETRY_MAX_ATTEMPTS", find_named(keys, "RETRY_MAX_ATTEMPTS")->at("max")}}).ok());
  EXPECT_FALSE(parse_config(json{{"RETRY_MAX_ATTEMPTS", find_named(keys, "RETRY_MAX_ATTEMPTS")->at("max").get<int64_t>() + 1}}).ok());
}

TEST(Catalogue, PublishesEveryErrorCategoryAsTheCoreMakesIt) {
  const json errors = describe_catalogue(Config{}).at("errors");
  const int count = static_cast<int>(ErrorCategory::internal) + 1;
  ASSERT_EQ(errors.at("categories").size(), static_cast<size_t>(count));
  std::set<std::string> names;
  for (int i = 0; i < count; ++i) {
    const auto category = static_cast<ErrorCategory>(i);
    const Error error = make_error(category, "p", "op", "m");
    const json* entry = find_named(errors.at("categories"), to_string(category));
    ASSERT_NE(entry, nullptr) << to_string(category);
    names.insert(to_string(category));
    EXPECT_EQ(entry->at("severity"), to_string(error.severity));
    EXPECT_EQ(entry->at("http_status"), error.http_status());
    EXPECT_EQ(entry->at("retryable"), error.retryable);
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(count));
  EXPECT_EQ(find_named(errors.at("categories"), "validation")->at("http_status"), 400);
  EXPECT_EQ(find_named(errors.at("categories"), "config")->at("severity"), "critical");
}

// Applies the published rule the way a JS consumer does.
std::string category_by_published_rule(const json& rule, int status) {
  for (const auto& entry : rule.at("rules"))
    if (status >= entry.at("from").get<int>() && status <= entry.at("to").get<int>()) return entry.at("category");
  return rule.at("default");
}

TEST(Catalogue, TheUpstreamStatusRuleIsTheClassifiersRule) {
  const json rule = describe_catalogue(Config{}).at("errors").at("upstream_status");
  for (int status : {300, 304, 400, 401, 404, 408, 418, 429, 499, 500, 502, 503, 599}) {
    HttpResult result;
    result.response.status = status;
    auto error = classify_http_result(result, "p", "op", 0);
    ASSERT_TRUE(error.has_value()) << status;
    EXPECT_EQ(category_by_published_rule(rule, status), to_string(error->category)) << status;
  }
  EXPECT_EQ(category_by_published_rule(rule, 408), "timeout");
  EXPECT_EQ(category_by_published_rule(rule, 429), "rate_limited");
  EXPECT_EQ(category_by_published_rule(rule, 404), "upstream_4xx");
}

TEST(Catalogue, PublishesEveryMetricFamily) {
  const json metrics = describe_catalogue(Config{}).at("metrics");
  ASSERT_EQ(metrics.size(), metric_catalogue().size());
  for (const auto& family : metric_catalogue()) {
    const json* entry = find_named(metrics, family.name);
    ASSERT_NE(entry, nullptr) << family.name;
    EXPECT_EQ(entry->at("type"), to_string(family.type));
    EXPECT_EQ(entry->at("help"), family.help);
    ASSERT_EQ(entry->at("labels").size(), family.labels.size());
    for (size_t i = 0; i < family.labels.size(); ++i) EXPECT_EQ(entry->at("labels")[i].at("name"), family.labels[i].name);
  }
}

}  // namespace
}  // namespace ltl
