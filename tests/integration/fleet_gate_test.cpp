// IntegrationService with a host admission gate: a denied provider is skipped for the
// route's next one, counted in metrics, and never hurts the provider's breaker.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "integration/integration_service.h"
#include "support/fake_transport.h"
#include "support/fixtures.h"

namespace ltl {
namespace {

using nlohmann::json;
using testing::fixture;
using testing::http_response;

class DenyProvider final : public AdmissionGate {
 public:
  explicit DenyProvider(std::string denied) : denied_(std::move(denied)) {}
  void admit(const std::string& budget, double rate_per_min, double, std::function<void(Admission)> done) override {
    asked.push_back(budget);
    rates[budget] = rate_per_min;
    done(budget == denied_ ? Admission{false, 9000, "fleet budget spent"} : Admission{});
  }
  void pause(const std::string& budget, int64_t ms) override { pauses.push_back({budget, ms}); }

  std::vector<std::string> asked;
  std::map<std::string, double> rates;
  std::vector<std::pair<std::string, int64_t>> pauses;

 private:
  std::string denied_;
};

class FleetGate : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.coingecko_api_url = "http://sim.test/coingecko";
    config_.coinbase_api_url = "http://sim.test/coinbase";
    config_.retry_max_attempts = 1;
    for (auto& rate : config_.provider_rate_per_min) rate = 100000;
    transport_.answer_with([this](const HttpRequest& request) {
      if (request.url.find("/coingecko/") != std::string::npos) return coingecko_answer_;
      if (request.url.find("/coinbase/prices/") != std::string::npos) return http_response(200, fixture("coinbase/spot.json"));
      return http_response(404, "not found");
    });
  }

  JsonResult price(IntegrationService& service) {
    std::optional<JsonResult> out;
    service.request("price", {{"currency", "usd"}}, [&](JsonResult result) { out = std::move(result); });
    scheduler_.run_due();
    EXPECT_TRUE(out.has_value());
    return out.value_or(make_error(ErrorCategory::internal, "", "", "no callback"));
  }

  ManualClock clock_;
  ManualScheduler scheduler_{clock_};
  testing::FakeTransport transport_;
  Config config_;
  HttpResult coingecko_answer_ = http_response(200, fixture("coingecko/simple_price.json"));
};

TEST_F(FleetGate, ADeniedProviderIsSkippedForTheNextOneAndCounted) {
  IntegrationService service(clock_, scheduler_, transport_, config_);
  DenyProvider gate("coingecko");
  service.set_admission_gate(&gate);
  auto result = price(service);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result.value()["source"], "coinbase");
  ASSERT_EQ(result.value()["failed"].size(), 1u);
  EXPECT_EQ(result.value()["failed"][0]["provider"], "coingecko");
  EXPECT_EQ(result.value()["failed"][0]["category"], "rate_limited");
  EXPECT_NE(result.value()["failed"][0]["message"].get<std::string>().find("fleet budget spent"), std::string::npos);
  ASSERT_EQ(transport_.requests.size(), 1u);  // CoinGecko never called
  EXPECT_EQ(gate.asked, (std::vector<std::string>{"coingecko", "coinbase"}));
  EXPECT_DOUBLE_EQ(gate.rates["coingecko"], 100000);
  const MetricsRegistry& metrics = service.metrics();
  EXPECT_EQ(metrics.value("ltl_fleet_admission_denied_total", {{"provider", "coingecko"}}), 1);
  EXPECT_EQ(metrics.value("ltl_upstream_errors_total", {{"category", "rate_limited"}, {"provider", "coingecko"}}), 0);
  EXPECT_EQ(service.upstream().snapshot().at(static_cast<size_t>(0)).breaker.calls_in_window, 0);
  EXPECT_NE(service.metrics_prometheus().find("ltl_fleet_admission_denied_total{provider=\"coingecko\"} 1"),
            std::string::npos);
}

TEST_F(FleetGate, RetryAfterFromAProviderIsSharedWithTheGate) {
  coingecko_answer_ = http_response(429, "{}", {{"retry-after", "30"}});
  IntegrationService service(clock_, scheduler_, transport_, config_);
  DenyProvider gate("none");
  service.set_admission_gate(&gate);
  auto result = price(service);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result.value()["source"], "coinbase");
  EXPECT_EQ(gate.pauses, (std::vector<std::pair<std::string, int64_t>>{{"coingecko", 30000}}));
}

TEST_F(FleetGate, WithoutAGateNothingIsCounted) {
  IntegrationService service(clock_, scheduler_, transport_, config_);
  auto result = price(service);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.value()["source"], "coingecko");
  EXPECT_EQ(service.metrics().value("ltl_fleet_admission_denied_total", {{"provider", "coingecko"}}), 0);
}

}  // namespace
}  // namespace ltl
