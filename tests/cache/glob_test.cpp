#include "cache/glob.h"

#include <gtest/gtest.h>

namespace ltl {
namespace {

TEST(GlobTest, StarMatchesAnyRunIncludingEmpty) {
  EXPECT_TRUE(glob_match("price:*", "price:usd"));
  EXPECT_TRUE(glob_match("price:*", "price:"));
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("*:usd", "price:btc:usd"));
  EXPECT_TRUE(glob_match("a*b*c", "aXXbYYc"));
  EXPECT_TRUE(glob_match("a*b*c", "abbbcbc"));
  EXPECT_FALSE(glob_match("a*b*c", "aXXbYYcd"));
  EXPECT_FALSE(glob_match("price:*", "fees:usd"));
}

TEST(GlobTest, QuestionMarkMatchesExactlyOneCharacter) {
  EXPECT_TRUE(glob_match("fee?", "fee1"));
  EXPECT_FALSE(glob_match("fee?", "fee"));
  EXPECT_FALSE(glob_match("fee?", "fee12"));
  EXPECT_TRUE(glob_match("??", "ab"));
}

TEST(GlobTest, WholeTextNotSubstring) {
  EXPECT_FALSE(glob_match("usd", "price:usd"));
  EXPECT_FALSE(glob_match("price", "price:usd"));
  EXPECT_TRUE(glob_match("price:usd", "price:usd"));
}

TEST(GlobTest, RegexMetacharactersAreLiteral) {
  EXPECT_TRUE(glob_match("price.usd", "price.usd"));
  EXPECT_FALSE(glob_match("price.usd", "priceXusd"));
  EXPECT_TRUE(glob_match("a+b", "a+b"));
  EXPECT_FALSE(glob_match("a+b", "aab"));
  EXPECT_TRUE(glob_match("(x)[y]{z}^$|\\", "(x)[y]{z}^$|\\"));
  EXPECT_FALSE(glob_match("[ab]", "a"));
  EXPECT_FALSE(glob_match("x{2}", "xx"));
  EXPECT_FALSE(glob_match("^a$", "a"));
  EXPECT_TRUE(glob_match("q.*", "q.anything"));
  EXPECT_FALSE(glob_match("q.*", "qXanything"));
}

TEST(GlobTest, PathologicalPatternFinishesQuickly) {
  // Exponential backtracking would never finish here.
  const std::string text(20000, 'a');
  EXPECT_FALSE(glob_match("a*a*a*a*a*a*a*a*a*a*a*a*b", text));
  EXPECT_TRUE(glob_match("a*a*a*a*a*a*a*a*a*a*a*a*", text));
}

TEST(GlobTest, PatternLengthIsBounded) {
  EXPECT_FALSE(validate_glob(std::string(kMaxGlobPatternBytes, 'a')));
  auto too_long = validate_glob(std::string(kMaxGlobPatternBytes + 1, 'a'));
  ASSERT_TRUE(too_long);
  EXPECT_EQ(too_long->category, ErrorCategory::validation);
  EXPECT_NE(too_long->message.find("257"), std::string::npos);
  ASSERT_TRUE(validate_glob(""));
}

TEST(GlobTest, LiteralPrefixStopsAtTheFirstWildcard) {
  EXPECT_EQ(glob_literal_prefix("price:*:usd"), "price:");
  EXPECT_EQ(glob_literal_prefix("fee?"), "fee");
  EXPECT_EQ(glob_literal_prefix("*x"), "");
  EXPECT_EQ(glob_literal_prefix("exact.key"), "exact.key");
}

}  // namespace
}  // namespace ltl
