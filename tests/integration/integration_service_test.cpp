#include "integration/integration_service.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/fake_transport.h"
#include "support/fixtures.h"

namespace ltl {
namespace {

using testing::FakeTransport;
using testing::http_response;
using testing::transport_failure;

class PricePipeline : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.coingecko_api_url = "http://sim.test/coingecko/api/v3";
    config_.cache_default_ttl_ms = 30000;
    transport_.answer_with([](const HttpRequest&) {
      return http_response(200, testing::fixture("coingecko/simple_price.json"),
                           {{"content-type", "application/json"}});
    });
  }

  Result<PriceResponse> price(IntegrationService& service, const std::string& currency) {
    std::optional<Result<PriceResponse>> out;
    service.price(currency, [&](const Result<PriceResponse>& result) { out = result; });
    EXPECT_TRUE(out.has_value()) << "callback not called";
    return out.value_or(make_error(ErrorCategory::internal, "", "", "no callback"));
  }

  double metric(IntegrationService& service, const std::string& name, const Labels& labels) {
    return service.metrics().value(name, labels);
  }

  ManualClock clock_;
  FakeTransport transport_;
  Config config_;
};

TEST_F(PricePipeline, FetchesParsesAndReturnsTheTypedQuote) {
  IntegrationService service(clock_, transport_, config_);
  auto result = price(service, "usd");
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_DOUBLE_EQ(result.value().quote.price, 67187.3358936566);
  EXPECT_EQ(result.value().quote.as_of_ms, 1711356300000);
  EXPECT_FALSE(result.value().from_cache);
  EXPECT_EQ(result.value().expires_at_ms, clock_.now_ms() + 30000);
  ASSERT_EQ(transport_.requests.size(), 1u);
  EXPECT_EQ(transport_.requests[0].url,
            "http://sim.test/coingecko/api/v3/simple/price?ids=bitcoin&vs_currencies=usd"
            "&include_market_cap=true&include_24hr_vol=true&include_24hr_change=true"
            "&include_last_updated_at=true");
  EXPECT_EQ(transport_.requests[0].timeout_ms, config_.http_timeout_ms);
}

TEST_F(PricePipeline, SecondCallIsServedFromCacheUntilTheTtlEnds) {
  IntegrationService service(clock_, transport_, config_);
  ASSERT_TRUE(price(service, "usd").ok());
  clock_.advance(29999);
  auto cached = price(service, "USD");
  ASSERT_TRUE(cached.ok());
  EXPECT_TRUE(cached.value().from_cache);
  EXPECT_EQ(transport_.requests.size(), 1u);
  nlohmann::json body = price_response_json(cached.value(), clock_.now_ms());
  EXPECT_EQ(body["age_ms"], 29999);
  EXPECT_EQ(body["stale"], false);

  clock_.advance(1);
  auto refetched = price(service, "usd");
  ASSERT_TRUE(refetched.ok());
  EXPECT_FALSE(refetched.value().from_cache);
  EXPECT_EQ(transport_.requests.size(), 2u);
  EXPECT_EQ(metric(service, "ltl_requests_total", {{"outcome", "hit"}, {"route", "price"}}), 1);
  EXPECT_EQ(metric(service, "ltl_requests_total", {{"outcome", "miss"}, {"route", "price"}}), 2);
  EXPECT_EQ(metric(service, "ltl_cache_lookups_total", {{"result", "hit"}, {"tier", "memory"}}), 1);
  EXPECT_EQ(metric(service, "ltl_cache_lookups_total", {{"result", "miss"}, {"tier", "memory"}}), 2);
}

TEST_F(PricePipeline, PriceTtlIsSeparateFromTheDefault) {
  config_.cache_kinds[static_cast<size_t>(DataKind::price)].ttl_ms = 5000;
  IntegrationService service(clock_, transport_, config_);
  ASSERT_TRUE(price(service, "usd").ok());
  clock_.advance(5000);
  ASSERT_TRUE(price(service, "usd").ok());
  EXPECT_EQ(transport_.requests.size(), 2u);
}

TEST_F(PricePipeline, CacheDisabledAlwaysFetches) {
  config_.cache_enabled = false;
  IntegrationService service(clock_, transport_, config_);
  ASSERT_TRUE(price(service, "usd").ok());
  ASSERT_TRUE(price(service, "usd").ok());
  EXPECT_EQ(transport_.requests.size(), 2u);
}

TEST_F(PricePipeline, UnsupportedCurrencyIsAValidationErrorWithoutAnyFetch) {
  IntegrationService service(clock_, transport_, config_);
  for (const char* bad : {"xyz", "", "us", "usdd", "<script>", "usd\"", "ü"}) {
    auto result = price(service, bad);
    ASSERT_FALSE(result.ok()) << bad;
    EXPECT_EQ(result.error().category, ErrorCategory::validation);
    EXPECT_EQ(result.error().http_status(), 400);
    EXPECT_NE(result.error().message.find("currency"), std::string::npos);
    EXPECT_NO_THROW(nlohmann::json(result.error()).dump());
  }
  EXPECT_TRUE(transport_.requests.empty());
}

TEST_F(PricePipeline, ConcurrentMissesShareOneUpstreamCall) {
  IntegrationService service(clock_, transport_, config_);
  transport_.hold();
  std::vector<Result<PriceResponse>> results;
  for (int i = 0; i < 50; ++i)
    service.price("usd", [&](const Result<PriceResponse>& result) { results.push_back(result); });
  EXPECT_EQ(transport_.requests.size(), 1u);
  EXPECT_TRUE(results.empty());
  transport_.release_next(http_response(200, testing::fixture("coingecko/simple_price.json")));
  ASSERT_EQ(results.size(), 50u);
  for (const auto& result : results) ASSERT_TRUE(result.ok());
  EXPECT_EQ(metric(service, "ltl_requests_total", {{"outcome", "coalesced"}, {"route", "price"}}), 49);
}

TEST_F(PricePipeline, CoalescedCallersAllGetTheError) {
  IntegrationService service(clock_, transport_, config_);
  transport_.hold();
  int errors = 0;
  for (int i = 0; i < 3; ++i)
    service.price("usd", [&](const Result<PriceResponse>& result) { errors += !result.ok(); });
  transport_.release_next(transport_failure(TransportFailure::timeout));
  EXPECT_EQ(errors, 3);
}

TEST_F(PricePipeline, UpstreamFailuresAreTypedCountedAndNeverCached) {
  IntegrationService service(clock_, transport_, config_);
  transport_.answer_with([](const HttpRequest&) {
    return http_response(429, testing::fixture("coingecko/rate_limited_429.json"), {{"retry-after", "119"}});
  });
  auto limited = price(service, "usd");
  ASSERT_FALSE(limited.ok());
  EXPECT_EQ(limited.error().category, ErrorCategory::rate_limited);
  EXPECT_EQ(limited.error().retry_after_ms, 119000);
  EXPECT_EQ(limited.error().http_status(), 503);

  transport_.answer_with([](const HttpRequest&) { return http_response(200, "<html>busy</html>"); });
  auto html = price(service, "usd");
  ASSERT_FALSE(html.ok());
  EXPECT_EQ(html.error().category, ErrorCategory::parse);

  transport_.answer_with([](const HttpRequest&) { return transport_failure(TransportFailure::network); });
  EXPECT_EQ(price(service, "usd").error().category, ErrorCategory::network);
  EXPECT_EQ(service.cache().stats().entries, 0u);
  EXPECT_EQ(metric(service, "ltl_upstream_errors_total", {{"category", "rate_limited"}, {"provider", "coingecko"}}), 1);
  EXPECT_EQ(metric(service, "ltl_upstream_errors_total", {{"category", "parse"}, {"provider", "coingecko"}}), 1);
  EXPECT_EQ(metric(service, "ltl_upstream_errors_total", {{"category", "network"}, {"provider", "coingecko"}}), 1);
  EXPECT_EQ(metric(service, "ltl_requests_total", {{"outcome", "error"}, {"route", "price"}}), 3);
}

TEST_F(PricePipeline, HealthFollowsConsecutiveProviderFailures) {
  IntegrationService service(clock_, transport_, config_);
  EXPECT_EQ(service.health()["status"], "healthy");
  transport_.answer_with([](const HttpRequest&) { return http_response(503, "Service Unavailable"); });
  price(service, "usd");
  EXPECT_EQ(service.health()["status"], "degraded");
  price(service, "eur");
  price(service, "gbp");
  EXPECT_EQ(service.health()["status"], "unhealthy");
  EXPECT_EQ(service.health()["services"]["market"]["status"], "unhealthy");
  transport_.answer_with([](const HttpRequest&) {
    return http_response(200, testing::fixture("coingecko/simple_price.json"));
  });
  ASSERT_TRUE(price(service, "usd").ok());
  EXPECT_EQ(service.health()["status"], "healthy");
}

TEST_F(PricePipeline, ApiKeyIsSentButNeverReported) {
  config_.coingecko_api_key = "cg-secret";
  IntegrationService service(clock_, transport_, config_);
  ASSERT_TRUE(price(service, "usd").ok());
  const auto& headers = transport_.requests.at(0).headers;
  EXPECT_NE(std::find(headers.begin(), headers.end(), std::make_pair(std::string("x-cg-demo-api-key"), std::string("cg-secret"))),
            headers.end());
  EXPECT_EQ(service.health().dump().find("cg-secret"), std::string::npos);
  EXPECT_EQ(service.metrics_snapshot().dump().find("cg-secret"), std::string::npos);
}

TEST_F(PricePipeline, LateAnswerAfterDestructionIsDropped) {
  transport_.hold();
  bool called = false;
  {
    IntegrationService service(clock_, transport_, config_);
    service.price("usd", [&](const Result<PriceResponse>&) { called = true; });
  }
  transport_.release_next(http_response(200, testing::fixture("coingecko/simple_price.json")));
  EXPECT_FALSE(called);
}

TEST_F(PricePipeline, MetricsSnapshotHasLatencyAndCacheGauges) {
  IntegrationService service(clock_, transport_, config_);
  ASSERT_TRUE(price(service, "usd").ok());
  const LatencySketch* latency = service.metrics().histogram("ltl_upstream_latency_ms", {{"provider", "coingecko"}});
  ASSERT_NE(latency, nullptr);
  EXPECT_EQ(latency->count(), 1u);
  EXPECT_NEAR(latency->quantile(0.5), 12.5, 12.5 * 0.01);
  nlohmann::json snapshot = service.metrics_snapshot();
  bool saw_entries = false;
  for (const auto& metric : snapshot["metrics"])
    if (metric["name"] == "ltl_cache_entries") saw_entries = metric["samples"][0]["value"] == 1;
  EXPECT_TRUE(saw_entries);
}

}  // namespace
}  // namespace ltl
