#include "integration/service_registry.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace ltl {
namespace {

class RecordingService final : public Service {
 public:
  RecordingService(std::string name, std::vector<std::string> deps, std::vector<std::string>& log, bool fail_start = false)
      : name_(std::move(name)), deps_(std::move(deps)), log_(log), fail_start_(fail_start) {}
  std::string name() const override { return name_; }
  std::vector<std::string> dependencies() const override { return deps_; }
  Result<bool> start() override {
    if (fail_start_) return make_error(ErrorCategory::config, "", "start", "broken");
    log_.push_back("start " + name_);
    return true;
  }
  void stop() override { log_.push_back("stop " + name_); }
  HealthReport health() const override { return report; }
  HealthReport report{HealthStatus::healthy, "ok"};

 private:
  std::string name_;
  std::vector<std::string> deps_;
  std::vector<std::string>& log_;
  bool fail_start_;
};

TEST(ServiceRegistry, StartsInDependencyOrderAndStopsInReverse) {
  std::vector<std::string> log;
  ServiceRegistry registry;
  ASSERT_TRUE(registry.add(std::make_shared<RecordingService>("market", std::vector<std::string>{"cache", "monitor"}, log)).ok());
  ASSERT_TRUE(registry.add(std::make_shared<RecordingService>("cache", std::vector<std::string>{"config"}, log)).ok());
  ASSERT_TRUE(registry.add(std::make_shared<RecordingService>("monitor", std::vector<std::string>{"config"}, log)).ok());
  ASSERT_TRUE(registry.add(std::make_shared<RecordingService>("config", std::vector<std::string>{}, log)).ok());
  ASSERT_TRUE(registry.start_all().ok());
  EXPECT_EQ(registry.start_order(), (std::vector<std::string>{"config", "cache", "monitor", "market"}));
  registry.stop_all();
  registry.stop_all();
  EXPECT_EQ(log, (std::vector<std::string>{"start config", "start cache", "start monitor", "start market",
                                            "stop market", "stop monitor", "stop cache", "stop config"}));
}

TEST(ServiceRegistry, MissingDependencyAndCyclesStartNothing) {
  std::vector<std::string> log;
  ServiceRegistry missing;
  missing.add(std::make_shared<RecordingService>("market", std::vector<std::string>{"cache"}, log));
  auto result = missing.start_all();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().category, ErrorCategory::config);
  EXPECT_NE(result.error().message.find("\"cache\", which is not registered"), std::string::npos);

  ServiceRegistry cyclic;
  cyclic.add(std::make_shared<RecordingService>("a", std::vector<std::string>{"b"}, log));
  cyclic.add(std::make_shared<RecordingService>("b", std::vector<std::string>{"a"}, log));
  auto cycle = cyclic.start_all();
  ASSERT_FALSE(cycle.ok());
  EXPECT_NE(cycle.error().message.find("a -> b -> a"), std::string::npos) << cycle.error().message;
  EXPECT_TRUE(log.empty());
}

TEST(ServiceRegistry, FailedStartRollsBackWhatStarted) {
  std::vector<std::string> log;
  ServiceRegistry registry;
  registry.add(std::make_shared<RecordingService>("config", std::vector<std::string>{}, log));
  registry.add(std::make_shared<RecordingService>("cache", std::vector<std::string>{"config"}, log, true));
  auto result = registry.start_all();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message, "starting cache: broken");
  EXPECT_EQ(log, (std::vector<std::string>{"start config", "stop config"}));
  EXPECT_FALSE(registry.running());
}

TEST(ServiceRegistry, DuplicateNamesAreRejected) {
  std::vector<std::string> log;
  ServiceRegistry registry;
  ASSERT_TRUE(registry.add(std::make_shared<RecordingService>("cache", std::vector<std::string>{}, log)).ok());
  EXPECT_FALSE(registry.add(std::make_shared<RecordingService>("cache", std::vector<std::string>{}, log)).ok());
}

TEST(ServiceRegistry, HealthIsTheWorstServiceAndStoppedServicesAreUnhealthy) {
  std::vector<std::string> log;
  ServiceRegistry registry;
  auto cache = std::make_shared<RecordingService>("cache", std::vector<std::string>{}, log);
  auto market = std::make_shared<RecordingService>("market", std::vector<std::string>{"cache"}, log);
  registry.add(cache);
  registry.add(market);
  EXPECT_EQ(registry.health()["status"], "unhealthy");
  registry.start_all();
  EXPECT_EQ(registry.health()["status"], "healthy");
  market->report = {HealthStatus::degraded, "coingecko failing"};
  auto health = registry.health();
  EXPECT_EQ(health["status"], "degraded");
  EXPECT_EQ(health["services"]["market"]["reason"], "coingecko failing");
  EXPECT_EQ(health["services"]["cache"]["status"], "healthy");
}

}  // namespace
}  // namespace ltl
