// The fallback chain and the gateway on their own: a scripted gateway for the chain, a
// real UpstreamClient over a fake transport for the gateway.
#include "integration/provider_chain.h"

#include <gtest/gtest.h>

#include <optional>

#include "integration/metric_catalogue.h"
#include "support/fake_gateway.h"
#include "support/fake_transport.h"
#include "support/fixtures.h"

namespace ltl {
namespace {

using nlohmann::json;
using testing::FakeGateway;
using testing::fixture;

// A source that asks the gateway for `provider` and passes the body through as {"body": ...}.
Source echo_source(const std::string& provider) {
  return {provider, [provider](UpstreamGateway& gateway, const json&, JsonCallback done) {
            gateway.get(provider, "echo", "/echo", [](const HttpResponse& r) -> JsonResult { return json{{"body", r.body}}; },
                        std::move(done));
          }};
}

Error upstream_error(ErrorCategory category, int status = 0, int64_t retry_after_ms = -1) {
  Error error = make_error(category, "", "echo", "scripted");
  error.upstream_status = status;
  error.retry_after_ms = retry_after_ms;
  return error;
}

class ProviderChainTest : public ::testing::Test {
 protected:
  void SetUp() override { declare_catalogue_metrics(metrics); }

  std::optional<Result<SourcedData>> run(const std::string& route, std::vector<Source> sources,
                                         const json& params = json::object()) {
    std::optional<Result<SourcedData>> out;
    chain.run(route, std::move(sources), params, [&out](Result<SourcedData> result) { out = std::move(result); });
    return out;
  }

  FakeGateway gateway;
  MetricsRegistry metrics;
  ProviderChain chain{gateway, metrics};
};

TEST_F(ProviderChainTest, TheFirstProviderThatAnswersWinsAndEarlierFailuresAreNamed) {
  gateway.fail("coingecko", upstream_error(ErrorCategory::rate_limited, 429));
  gateway.answer("coinbase", 200, "ok");
  gateway.answer("kraken", 200, "never asked");
  auto out = run("price", {echo_source("coingecko"), echo_source("coinbase"), echo_source("kraken")});
  ASSERT_TRUE(out && out->ok());
  const SourcedData& data = out->value();
  EXPECT_EQ(data.data, json({{"body", "ok"}}));
  EXPECT_EQ(data.source, "coinbase");
  ASSERT_EQ(data.failed.size(), 1u);
  EXPECT_EQ(data.failed[0], json({{"provider", "coingecko"}, {"category", "rate_limited"}, {"message", "scripted"},
                                  {"upstream_status", 429}}));
  EXPECT_EQ(gateway.calls, (std::vector<std::string>{"coingecko /echo", "coinbase /echo"}));
  EXPECT_EQ(metrics.value("ltl_provider_fallbacks_total", {{"provider", "coingecko"}, {"route", "price"}}), 1);
  EXPECT_EQ(metrics.value("ltl_provider_fallbacks_total", {{"provider", "coinbase"}, {"route", "price"}}), 0);
}

TEST_F(ProviderChainTest, ARealRouteChainParsesTheNextProvidersBody) {
  const RouteSpec* route = find_route("mempool");
  ASSERT_NE(route, nullptr);
  Config config;
  auto params = route->validate(json::object(), config);
  ASSERT_TRUE(params.ok());
  gateway.fail("mempool", upstream_error(ErrorCategory::upstream_5xx, 503));
  gateway.answer("esplora", 200, fixture("esplora/mempool.json"));
  auto out = run("mempool", route->sources(config, params.value()), params.value());
  ASSERT_TRUE(out && out->ok()) << out->error().message;
  EXPECT_EQ(out->value().source, "esplora");
  EXPECT_TRUE(out->value().data.contains("count")) << out->value().data.dump();
  EXPECT_EQ(out->value().failed[0]["upstream_status"], 503);
}

TEST_F(ProviderChainTest, EveryProviderFailingIsOneTypedErrorNamingEach) {
  gateway.fail("coingecko", upstream_error(ErrorCategory::rate_limited, 429, 5000));
  gateway.fail("coinbase", upstream_error(ErrorCategory::timeout, 0, 2000));
  gateway.fail("kraken", upstream_error(ErrorCategory::upstream_5xx, 502));
  auto out = run("price", {echo_source("coingecko"), echo_source("coinbase"), echo_source("kraken")});
  ASSERT_TRUE(out && !out->ok());
  const Error& error = out->error();
  EXPECT_EQ(error.category, ErrorCategory::upstream_5xx);  // the last provider's
  EXPECT_EQ(error.operation, "price");
  EXPECT_EQ(error.provider, "");  // more than one provider failed
  EXPECT_EQ(error.retry_after_ms, 2000);  // the shortest any provider asked for
  EXPECT_EQ(error.upstream_status, 502);
  EXPECT_EQ(error.message, "every provider failed: coingecko: rate_limited (scripted); coinbase: timeout (scripted); "
                           "kraken: upstream_5xx (scripted)");
}

TEST_F(ProviderChainTest, OnlyOpenBreakersMakeACircuitOpenErrorAndOneProviderIsNamed) {
  gateway.fail("mempool", upstream_error(ErrorCategory::circuit_open));
  gateway.fail("esplora", upstream_error(ErrorCategory::circuit_open));
  auto open = run("fees", {echo_source("mempool"), echo_source("esplora")});
  ASSERT_TRUE(open && !open->ok());
  EXPECT_EQ(open->error().category, ErrorCategory::circuit_open);
  EXPECT_EQ(open->error().retry_after_ms, -1);

  auto single = run("fees", {echo_source("mempool")});
  ASSERT_TRUE(single && !single->ok());
  EXPECT_EQ(single->error().provider, "mempool");
}

TEST_F(ProviderChainTest, NoSourceIsAConfigErrorAnsweredAtOnce) {
  auto out = run("sentiment", {});
  ASSERT_TRUE(out && !out->ok());
  EXPECT_EQ(out->error().category, ErrorCategory::config);
  EXPECT_EQ(out->error().message, "no provider is configured for sentiment");
  EXPECT_TRUE(gateway.calls.empty());
}

TEST_F(ProviderChainTest, TheFailedListIsBounded) {
  std::vector<Source> sources;
  for (int i = 0; i < 12; ++i) {
    const std::string provider = "p" + std::to_string(i);
    gateway.fail(provider, upstream_error(ErrorCategory::timeout));
    sources.push_back(echo_source(provider));
  }
  gateway.answer("last", 200, "x");
  sources.push_back(echo_source("last"));
  auto out = run("price", std::move(sources));
  ASSERT_TRUE(out && out->ok());
  EXPECT_EQ(out->value().failed.size(), ProviderChain::kMaxFailuresReported);
  EXPECT_EQ(out->value().failed[0]["provider"], "p0");
}

TEST_F(ProviderChainTest, AnAnswerAfterTheChainIsDestroyedIsDropped) {
  auto chain_owner = std::make_unique<ProviderChain>(gateway, metrics);
  gateway.hold();
  gateway.fail("coingecko", upstream_error(ErrorCategory::timeout));
  bool called = false;
  chain_owner->run("price", {echo_source("coingecko"), echo_source("coinbase")}, json::object(),
                   [&called](Result<SourcedData>) { called = true; });
  ASSERT_EQ(gateway.held(), 1u);
  chain_owner.reset();
  gateway.release_next();
  EXPECT_FALSE(called);
  EXPECT_EQ(gateway.calls.size(), 1u);  // the chain did not move on either
  EXPECT_EQ(metrics.value("ltl_provider_fallbacks_total", {{"provider", "coingecko"}, {"route", "price"}}), 0);
}

// The gateway over a real UpstreamClient: the live config's URL, deadline and key; the body parsed
// inside the validator.
class ProviderGatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    declare_catalogue_metrics(metrics);
    UpstreamObserver observer;
    observer.on_attempt = [this](const std::string& provider, const std::string&, const std::string& outcome, double) {
      attempts.push_back(provider + ":" + outcome);
    };
    upstream = std::make_unique<UpstreamClient>(clock, scheduler, transport, seeded_random(7), observer);
    ProviderPolicy policy;
    policy.retry.max_attempts = 1;
    for (const char* provider : kProviderNames) ASSERT_FALSE(upstream->configure(provider, policy));
    gateway = std::make_unique<ProviderGateway>(clock, config, *upstream, metrics);
  }

  JsonResult get(const std::string& provider, const std::string& path, BodyParser parse) {
    std::optional<JsonResult> out;
    gateway->get(provider, "op", path, std::move(parse), [&out](JsonResult result) { out = std::move(result); });
    scheduler.run_due();
    EXPECT_TRUE(out.has_value());
    return out.value_or(make_error(ErrorCategory::internal, "", "", "no answer"));
  }

  static JsonResult parse_number(const HttpResponse& response) {
    auto parsed = json::parse(response.body, nullptr, false);
    if (!parsed.is_number()) return make_error(ErrorCategory::parse, "", "op", "body: expected a number");
    return json{{"n", parsed}};
  }

  ManualClock clock;
  ManualScheduler scheduler{clock};
  testing::FakeTransport transport;
  ConfigStore config{[] {
    Config c;
    c.coingecko_api_url = "http://sim.test/cg";
    c.coingecko_api_key = "demo-key";
    c.kraken_api_url = "http://sim.test/kraken";
    c.request_deadline_ms = 4321;  // under the policy's 10 s attempt timeout
    return c;
  }()};
  MetricsRegistry metrics;
  std::unique_ptr<UpstreamClient> upstream;
  std::unique_ptr<ProviderGateway> gateway;
  std::vector<std::string> attempts;
};

TEST_F(ProviderGatewayTest, RequestsTheConfiguredUrlWithTimeoutAndCredentialsAndParsesTheBody) {
  transport.answer_with([](const HttpRequest&) { return testing::http_response(200, "42"); });
  auto out = get("coingecko", "/simple/price", parse_number);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out.value(), json({{"n", 42}}));
  ASSERT_EQ(transport.requests.size(), 1u);
  const HttpRequest& request = transport.requests[0];
  EXPECT_EQ(request.url, "http://sim.test/cg/simple/price");
  // The client gives an attempt min(policy timeout, time left before the deadline): the deadline
  // is the live config's REQUEST_DEADLINE_MS from now.
  EXPECT_EQ(request.timeout_ms, 4321);
  auto has_header = [&request](const std::string& name, const std::string& value) {
    for (const auto& [n, v] : request.headers)
      if (n == name && v == value) return true;
    return false;
  };
  EXPECT_TRUE(has_header("accept", "application/json, text/plain"));
  EXPECT_TRUE(has_header("x-cg-demo-api-key", "demo-key"));
  const LatencySketch* fetch = metrics.histogram("ltl_pipeline_step_ms", {{"step", "fetch"}});
  ASSERT_NE(fetch, nullptr);
  EXPECT_EQ(fetch->count(), 1u);
}

TEST_F(ProviderGatewayTest, TheKeyGoesOnlyToCoinGeckoAndConfigUpdatesApplyToTheNextCall) {
  transport.answer_with([](const HttpRequest&) { return testing::http_response(200, "1"); });
  ASSERT_TRUE(get("kraken", "/Ticker", parse_number).ok());
  for (const auto& [name, value] : transport.requests[0].headers) EXPECT_NE(name, "x-cg-demo-api-key");
  ASSERT_TRUE(config.update({{"KRAKEN_API_URL", "http://other.test/k"}}).ok());
  ASSERT_TRUE(get("kraken", "/Ticker", parse_number).ok());
  EXPECT_EQ(transport.requests[1].url, "http://other.test/k/Ticker");
}

TEST_F(ProviderGatewayTest, AGarbageSuccessIsAParseErrorCountedAgainstTheProvider) {
  transport.answer_with([](const HttpRequest&) { return testing::http_response(200, "<html>maintenance</html>"); });
  auto out = get("kraken", "/Ticker", parse_number);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().category, ErrorCategory::parse);
  EXPECT_EQ(attempts, (std::vector<std::string>{"kraken:parse"}));
}

TEST_F(ProviderGatewayTest, TransportErrorsArriveTyped) {
  transport.answer_with([](const HttpRequest&) { return testing::http_response(503, "busy"); });
  auto out = get("kraken", "/Ticker", parse_number);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().category, ErrorCategory::upstream_5xx);
  EXPECT_EQ(out.error().upstream_status, 503);
}

}  // namespace
}  // namespace ltl
