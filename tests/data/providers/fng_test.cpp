// Fixtures: tests/fixtures/fng/fng.json is the body quoted in upstream-apis.md; sim_<name> were
// captured from the simulator (seed 1, manual clock, start + 3 780 000 ms).
#include "data/providers/fng.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "data/providers/error_assertions.h"
#include "support/fixtures.h"

namespace ltl {
namespace {

namespace fng = providers::fng;
using testing::BadBody;
using testing::IsError;
using testing::IsParseError;

TEST(FearGreedParse, ParsesTheReferenceBodyWithStringNumbersInSeconds) {
  auto index = fng::parse_fng(testing::fixture("fng/fng.json"));
  ASSERT_TRUE(index.ok()) << index.error().message;
  EXPECT_EQ(index.value().value, 25);
  EXPECT_EQ(index.value().classification, "Extreme Fear");
  EXPECT_EQ(index.value().timestamp_ms, 1639958400000);
  EXPECT_EQ(index.value().time_until_update_ms, 62507000);
}

TEST(FearGreedParse, TakesTheNewestEntryOfTheSimulatorHistory) {
  for (const char* name : {"fng/sim_fng.json", "fng/sim_fng_limit3.json"}) {
    auto index = fng::parse_fng(testing::fixture(name));
    ASSERT_TRUE(index.ok()) << index.error().message;
    EXPECT_EQ(index.value().value, 31);
    EXPECT_EQ(index.value().classification, "Fear");
    EXPECT_EQ(index.value().timestamp_ms, 1767225600000);
    EXPECT_EQ(index.value().time_until_update_ms, 82620000);
  }
}

TEST(FearGreedParse, AcceptsJsonNumbersZeroAndAMissingUpdateTime) {
  auto index = fng::parse_fng(R"({"data":[{"timestamp":1639958400,"value":0,"value_classification":"Extreme Fear"}]})");
  ASSERT_TRUE(index.ok()) << index.error().message;
  EXPECT_EQ(index.value().value, 0);
  EXPECT_FALSE(index.value().time_until_update_ms.has_value());
  auto top = fng::parse_fng(
      R"({"data":[{"value":"100","value_classification":"Extreme Greed","timestamp":"1639958400","time_until_update":"0"}]})");
  ASSERT_TRUE(top.ok()) << top.error().message;
  EXPECT_EQ(top.value().value, 100);
  EXPECT_EQ(top.value().time_until_update_ms, 0);
}

// Issue 15 item 6: real bodies carry a negative time_until_update once the daily update is late.
TEST(FearGreedParse, ABadTimeUntilUpdateIsNullWithAReasonAndTheIndexStands) {
  auto late = fng::parse_fng(
      R"({"name":"Fear and Greed Index","data":[{"value":"44","value_classification":"Fear",)"
      R"("timestamp":"1764979200","time_until_update":"-1337"}],"metadata":{"error":null}})");
  ASSERT_TRUE(late.ok()) << late.error().message;
  EXPECT_EQ(late.value().value, 44);
  EXPECT_EQ(late.value().classification, "Fear");
  EXPECT_EQ(late.value().timestamp_ms, 1764979200000);
  EXPECT_FALSE(late.value().time_until_update_ms.has_value());
  ASSERT_TRUE(late.value().time_until_update_error.has_value());
  EXPECT_EQ(late.value().time_until_update_error->rfind("data[0].time_until_update: got -1337", 0), 0u)
      << *late.value().time_until_update_error;
  const nlohmann::json written = late.value();
  EXPECT_TRUE(written.at("time_until_update_ms").is_null());
  EXPECT_EQ(written.at("time_until_update_error"), *late.value().time_until_update_error);

  auto garbage = fng::parse_fng(
      R"({"data":[{"value":"25","value_classification":"Fear","timestamp":"1639958400","time_until_update":"soon"}]})");
  ASSERT_TRUE(garbage.ok()) << garbage.error().message;
  EXPECT_FALSE(garbage.value().time_until_update_ms.has_value());
  EXPECT_TRUE(garbage.value().time_until_update_error.has_value());
  // A good value carries no error.
  EXPECT_FALSE(fng::parse_fng(testing::fixture("fng/fng.json")).value().time_until_update_error.has_value());
}

TEST(FearGreedParse, AReportedErrorIsAnUpstreamError) {
  auto result = fng::parse_fng(R"({"name":"Fear and Greed Index","data":[],"metadata":{"error":"Invalid limit"}})");
  ASSERT_TRUE(IsError(result, ErrorCategory::upstream_4xx, "fng", "sentiment", "metadata.error"));
  EXPECT_EQ(result.error().message, "metadata.error: Invalid limit");
}

class FearGreedBadBodies : public ::testing::TestWithParam<BadBody> {};

TEST_P(FearGreedBadBodies, AreParseErrorsNamingTheField) {
  EXPECT_TRUE(IsParseError(fng::parse_fng(GetParam().body), "fng", "sentiment", GetParam().field));
}

std::string entry(const std::string& value, const std::string& timestamp = R"("1639958400")") {
  return R"({"data":[{"value":)" + value + R"(,"value_classification":"Fear","timestamp":)" + timestamp + "}]}";
}

INSTANTIATE_TEST_SUITE_P(
    Bodies, FearGreedBadBodies,
    ::testing::Values(BadBody{"empty", "", "body"},
                      BadBody{"html", "<html>Bad gateway</html>", "body"},
                      BadBody{"text", "Internal Server Error", "body"},
                      BadBody{"truncated", testing::fixture("fng/fng.json").substr(0, 60), "body"},
                      BadBody{"data_missing", R"({"name":"Fear and Greed Index"})", "data"},
                      BadBody{"data_empty", R"({"data":[],"metadata":{"error":null}})", "data"},
                      BadBody{"entry_not_object", R"({"data":["25"]})", "data[0]"},
                      BadBody{"value_over_100", entry(R"("101")"), "data[0].value"},
                      BadBody{"value_negative", entry(R"("-1")"), "data[0].value"},
                      BadBody{"value_fraction", entry(R"("25.5")"), "data[0].value"},
                      BadBody{"value_words", entry(R"("high")"), "data[0].value"},
                      BadBody{"value_nan", entry(R"("NaN")"), "data[0].value"},
                      BadBody{"value_null", entry("null"), "data[0].value"},
                      BadBody{"timestamp_ms", entry(R"("25")", R"("1639958400000")"), "data[0].timestamp"},
                      BadBody{"timestamp_missing", R"({"data":[{"value":"25","value_classification":"Fear"}]})",
                              "data[0].timestamp"},
                      BadBody{"classification_missing", R"({"data":[{"value":"25","timestamp":"1639958400"}]})",
                              "data[0].value_classification"}),
    testing::BadBodyName);

}  // namespace
}  // namespace ltl
