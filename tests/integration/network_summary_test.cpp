// The network summary on its own: parts answered by a scripted request function.
#include "integration/network_summary.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>

#include "data/network.h"

namespace ltl {
namespace {

using nlohmann::json;

class NetworkSummaryTest : public ::testing::Test {
 protected:
  // Answers each part from `answers` (a missing part fails with upstream_5xx naming it), or
  // keeps the callback when `hold` is set.
  NetworkPartRequest request = [this](const std::string& part, JsonCallback done) {
    asked.push_back(part);
    if (hold) {
      held.emplace_back(part, std::move(done));
      return;
    }
    auto it = answers.find(part);
    if (it != answers.end()) return done(it->second);
    done(make_error(ErrorCategory::upstream_5xx, "mempool", part, part + " is down"));
  };

  std::optional<JsonResult> compose() {
    std::optional<JsonResult> out;
    compose_network_summary(request, clock, [&out](JsonResult result) { out = std::move(result); });
    return out;
  }

  ManualClock clock{1767225600000};
  std::map<std::string, JsonResult> answers;
  std::vector<std::string> asked;
  bool hold = false;
  std::vector<std::pair<std::string, JsonCallback>> held;
};

TEST_F(NetworkSummaryTest, PublishesItsPartsInOrder) {
  EXPECT_EQ(network_parts(), (std::vector<std::string>{"tip", "fees", "mempool", "difficulty", "hashrate"}));
  compose();
  EXPECT_EQ(asked, network_parts());
}

TEST_F(NetworkSummaryTest, EveryPartAnsweredGivesTheHalvingCountdownAndNoFailures) {
  for (const auto& part : network_parts()) answers.emplace(part, json{{"part", part}});
  answers.insert_or_assign("tip", json{{"height", 893456}, {"hash", "00ab"}});
  auto out = compose();
  ASSERT_TRUE(out && out->ok());
  const json& summary = out->value();
  EXPECT_EQ(summary["tip"]["height"], 893456);
  EXPECT_EQ(summary["fees"], json({{"part", "fees"}}));
  EXPECT_EQ(summary["hashrate"], json({{"part", "hashrate"}}));
  EXPECT_EQ(summary["halving"]["next_halving_height"], next_halving_height(893456));
  EXPECT_EQ(summary["halving"]["blocks_to_next_halving"], blocks_to_next_halving(893456));
  EXPECT_EQ(summary["halving"]["next_halving_height"], 1050000);
  EXPECT_EQ(summary["halving"]["blocks_to_next_halving"], 1050000 - 893456);
  EXPECT_TRUE(summary["failed_parts"].empty());
  EXPECT_EQ(summary["as_of"], clock.now_ms());
}

TEST_F(NetworkSummaryTest, FailedPartsAreNullAndNamedWithTheirErrors) {
  answers.emplace("fees", json{{"fastest", 12}});
  answers.emplace("mempool", json{{"count", 3}});
  auto out = compose();
  ASSERT_TRUE(out && out->ok());
  const json& summary = out->value();
  EXPECT_TRUE(summary["tip"].is_null());
  EXPECT_TRUE(summary["difficulty"].is_null());
  EXPECT_TRUE(summary["halving"].is_null());  // no tip height to count from
  ASSERT_EQ(summary["failed_parts"].size(), 3u);
  EXPECT_EQ(summary["failed_parts"][0]["part"], "tip");
  EXPECT_EQ(summary["failed_parts"][0]["error"]["category"], "upstream_5xx");
  EXPECT_EQ(summary["failed_parts"][0]["error"]["message"], "tip is down");
  EXPECT_EQ(summary["failed_parts"][2]["part"], "hashrate");
}

TEST_F(NetworkSummaryTest, ATipWithoutAnIntegerHeightGivesNoHalving) {
  answers.emplace("tip", json{{"height", "893456"}});
  auto out = compose();
  ASSERT_TRUE(out && out->ok());
  EXPECT_TRUE(out->value()["halving"].is_null());
  EXPECT_EQ(out->value()["tip"]["height"], "893456");
}

TEST_F(NetworkSummaryTest, EveryPartFailingIsTheFirstErrorSayingSo) {
  auto out = compose();
  ASSERT_TRUE(out && !out->ok());
  EXPECT_EQ(out->error().category, ErrorCategory::upstream_5xx);
  EXPECT_EQ(out->error().operation, "network");
  EXPECT_EQ(out->error().provider, "mempool");
  EXPECT_EQ(out->error().message, "every part of the network summary failed; first: tip is down");
}

TEST_F(NetworkSummaryTest, AnswersAfterTheLastPartAndAtItsTime) {
  hold = true;
  std::optional<JsonResult> out;
  compose_network_summary(request, clock, [&out](JsonResult result) { out = std::move(result); });
  ASSERT_EQ(held.size(), network_parts().size());
  for (size_t i = 0; i + 1 < held.size(); ++i) {
    held[i].second(json{{"i", i}});
    EXPECT_FALSE(out.has_value());
  }
  clock.advance(1500);
  held.back().second(make_error(ErrorCategory::timeout, "mempool", "hashrate", "slow"));
  ASSERT_TRUE(out && out->ok());
  EXPECT_EQ(out->value()["as_of"], clock.now_ms());
  EXPECT_EQ(out->value()["failed_parts"].size(), 1u);
}

}  // namespace
}  // namespace ltl
