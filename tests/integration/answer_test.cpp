#include "integration/answer.h"

#include <gtest/gtest.h>

namespace ltl {
namespace {

using nlohmann::json;

ServeTimes at(int64_t now, int64_t stored, int64_t fresh_until, bool stale = false, std::string_view cache = "memory") {
  ServeTimes times;
  times.now_ms = now;
  times.stored_at_ms = stored;
  times.fresh_until_ms = fresh_until;
  times.stale = stale;
  times.cache = cache;
  return times;
}

std::string serve(const std::string& entry, const ServeTimes& times) {
  std::string out;
  serve_answer(entry, times, out);
  return out;
}

TEST(AnswerEntry, ServesTheDataWithProvenanceCurrentAtServeTime) {
  const json data = {{"price", 67187.33}, {"currency", "usd"}, {"as_of", 1700000000000}};
  const std::string entry = encode_answer_entry(data, "coingecko", json::array({{{"provider", "kraken"}}}));
  ASSERT_TRUE(is_answer_entry(entry));
  json first = json::parse(serve(entry, at(1700000001000, 1700000000500, 1700000030500)));
  EXPECT_EQ(first["price"], 67187.33);
  EXPECT_EQ(first["as_of"], 1700000000000);  // the provider's stamp, not the fetch time
  EXPECT_EQ(first["source"], "coingecko");
  EXPECT_EQ(first["failed"][0]["provider"], "kraken");
  EXPECT_EQ(first["fetched_at"], 1700000000500);
  EXPECT_EQ(first["age_ms"], 500);
  EXPECT_EQ(first["stale"], false);
  EXPECT_EQ(first["expires_at"], 1700000030500);
  EXPECT_EQ(first["cache"], "memory");
  EXPECT_FALSE(first.contains("stale_reason"));

  // Later, stale, with the reason: only the serve-time fields change.
  Error reason = make_error(ErrorCategory::timeout, "coingecko", "price", "no answer within 5000 ms");
  ServeTimes later = at(1700000040500, 1700000000500, 1700000030500, true, "indexeddb");
  later.stale_reason = &reason;
  json second = json::parse(serve(entry, later));
  EXPECT_EQ(second["age_ms"], 40000);
  EXPECT_EQ(second["stale"], true);
  EXPECT_EQ(second["cache"], "indexeddb");
  EXPECT_EQ(second["stale_reason"]["category"], "timeout");
  for (const char* field : {"age_ms", "stale", "cache", "stale_reason"}) {
    first.erase(field);
    second.erase(field);
  }
  EXPECT_EQ(first, second);
}

TEST(AnswerEntry, UnstampedDataIsDatedByTheFetch) {
  const std::string entry = encode_answer_entry({{"fastest_sat_per_vb", 12}, {"as_of", 0}}, "mempool", json::array());
  const json out = json::parse(serve(entry, at(2000, 1000, 31000)));
  EXPECT_EQ(out["as_of"], 1000);  // 0 is not a stamp
  EXPECT_EQ(out["fastest_sat_per_vb"], 12);
  EXPECT_EQ(out["failed"], json::array());
}

TEST(AnswerEntry, ServeTimeFieldsInTheDataNeverDuplicateOrLeak) {
  const std::string entry = encode_answer_entry({{"x", 1}, {"age_ms", 99}, {"cache", "forged"}, {"stale", true}}, "p", json::array());
  const std::string text = serve(entry, at(5, 5, 10));
  EXPECT_EQ(text.find("forged"), std::string::npos);
  const json out = json::parse(text);
  EXPECT_EQ(out["age_ms"], 0);
  EXPECT_EQ(out["stale"], false);
}

TEST(AnswerEntry, EmptyDataStillMakesValidJson) {
  const std::string entry = "ltl3:n{}";
  ASSERT_TRUE(is_answer_entry(entry));
  const json out = json::parse(serve(entry, at(10, 4, 20, false, "odd \"tier\"")));
  EXPECT_EQ(out["age_ms"], 6);
  EXPECT_EQ(out["cache"], "odd \"tier\"");
}

TEST(AnswerEntry, RefusesOtherFormats) {
  EXPECT_FALSE(is_answer_entry(R"({"v":2,"data":{},"source":"x","failed":[]})"));
  EXPECT_FALSE(is_answer_entry("ltl3:"));
  EXPECT_FALSE(is_answer_entry("ltl3:x{}"));
  EXPECT_FALSE(is_answer_entry("ltl3:s{\"a\":1"));
  EXPECT_FALSE(is_answer_entry(""));
}

TEST(AnswerEntry, NegativeTimesAreWrittenAsNumbers) {
  const json out = json::parse(serve("ltl3:n{\"a\":1}", at(0, -5, -1)));
  EXPECT_EQ(out["fetched_at"], -5);
  EXPECT_EQ(out["age_ms"], 5);
}

}  // namespace
}  // namespace ltl
