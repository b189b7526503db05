#include "data/sentiment.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace ltl {
namespace {

using nlohmann::json;

TEST(FearGreedJson, WritesUnitsInKeysAndNullForMissing) {
  FearGreed index{25, "Extreme Fear", 1639958400000, std::nullopt, std::nullopt};
  EXPECT_EQ(json(index), json::parse(R"({"value":25,"classification":"Extreme Fear","timestamp_ms":1639958400000,)"
                                     R"("time_until_update_ms":null,"time_until_update_error":null})"));
  index.time_until_update_ms = 0;
  EXPECT_EQ(json(index).at("time_until_update_ms"), 0);
}

TEST(FearGreedJson, RoundTrips) {
  FearGreed index{100, "Extreme Greed", 1767225600000, 82620000, std::nullopt};
  FearGreed back = json(index).get<FearGreed>();
  EXPECT_EQ(back.value, 100);
  EXPECT_EQ(back.classification, "Extreme Greed");
  EXPECT_EQ(back.timestamp_ms, 1767225600000);
  EXPECT_EQ(back.time_until_update_ms, 82620000);
  EXPECT_FALSE(json::parse(R"({"value":1,"classification":"x","timestamp_ms":1})").get<FearGreed>().time_until_update_ms);
}

}  // namespace
}  // namespace ltl
