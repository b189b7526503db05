#include "resilience/classify.h"

#include <gtest/gtest.h>

#include "support/fake_transport.h"

namespace ltl {
namespace {

using testing::http_response;
using testing::transport_failure;
constexpr int64_t kNow = 784111777000;  // Sun, 06 Nov 1994 08:49:37 GMT

TEST(RetryAfter, ParsesDeltaSecondsAndImfFixdate) {
  EXPECT_EQ(parse_retry_after("119", kNow), 119000);
  EXPECT_EQ(parse_retry_after(" 0 ", kNow), 0);
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", kNow), 0);
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", kNow), 30000);
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:00 GMT", kNow), 0);  // in the past → now
}

TEST(RetryAfter, RejectsGarbage) {
  for (const char* bad : {"", "soon", "-5", "1.5", "99999999999", "Sun, 06 Nov 1994 08:49:37 UTC",
                          "Sunday, 06-Nov-94 08:49:37 GMT", "Sun, 32 Nov 1994 08:49:37 GMT",
                          "Sun, 06 Foo 1994 08:49:37 GMT"}) {
    EXPECT_FALSE(parse_retry_after(bad, kNow).has_value()) << bad;
  }
}

struct Case {
  const char* name;
  HttpResult result;
  std::optional<ErrorCategory> expected;
  bool retryable;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class Classification : public ::testing::TestWithParam<Case> {};

TEST_P(Classification, FollowsWhatHappenedNotMessages) {
  auto error = classify_http_result(GetParam().result, "coingecko", "price", kNow);
  ASSERT_EQ(error.has_value(), GetParam().expected.has_value());
  if (!error) return;
  EXPECT_EQ(error->category, *GetParam().expected);
  EXPECT_EQ(error->retryable, GetParam().retryable);
  EXPECT_EQ(error->provider, "coingecko");
  EXPECT_EQ(error->operation, "price");
  EXPECT_EQ(error->upstream_status, GetParam().result.response.status);
}

INSTANTIATE_TEST_SUITE_P(
    Table, Classification,
    ::testing::Values(
        Case{"ok_200", http_response(200, "{}"), std::nullopt, false},
        Case{"ok_204", http_response(204, ""), std::nullopt, false},
        Case{"timeout", transport_failure(TransportFailure::timeout), ErrorCategory::timeout, true},
        Case{"refused", transport_failure(TransportFailure::network), ErrorCategory::network, true},
        Case{"rate_limited", http_response(429, "{}"), ErrorCategory::rate_limited, true},
        Case{"server_500", http_response(500, "oops"), ErrorCategory::upstream_5xx, true},
        Case{"unavailable_503", http_response(503, "Service Unavailable"), ErrorCategory::upstream_5xx, true},
        Case{"not_found_404", http_response(404, ""), ErrorCategory::upstream_4xx, false},
        Case{"geo_451", http_response(451, "{}"), ErrorCategory::upstream_4xx, false},
        Case{"request_timeout_408", http_response(408, ""), ErrorCategory::timeout, true},
        // A 200 whose message says "timeout" is still a success at this layer.
        Case{"message_text_ignored", http_response(200, "timeout rate limit"), std::nullopt, false}),
    [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

TEST(Classification, CarriesRetryAfterFromHeaders) {
  auto error = classify_http_result(http_response(429, "{}", {{"retry-after", "119"}}), "coingecko", "price", kNow);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->retry_after_ms, 119000);
  auto unavailable = classify_http_result(
      http_response(503, "", {{"retry-after", "Sun, 06 Nov 1994 08:49:47 GMT"}}), "mempool", "fees", kNow);
  EXPECT_EQ(unavailable->retry_after_ms, 10000);
  auto garbage = classify_http_result(http_response(429, "", {{"retry-after", "later"}}), "x", "y", kNow);
  EXPECT_EQ(garbage->retry_after_ms, -1);
}

TEST(ErrorModel, HttpStatusForEdgeAnswers) {
  EXPECT_EQ(make_error(ErrorCategory::validation, "", "price", "").http_status(), 400);
  EXPECT_EQ(make_error(ErrorCategory::upstream_5xx, "coingecko", "price", "").http_status(), 503);
  EXPECT_EQ(make_error(ErrorCategory::network, "coingecko", "price", "").http_status(), 503);
  EXPECT_EQ(make_error(ErrorCategory::parse, "coingecko", "price", "").http_status(), 503);
  EXPECT_EQ(make_error(ErrorCategory::timeout, "coingecko", "price", "").http_status(), 503);
  EXPECT_EQ(make_error(ErrorCategory::config, "", "configure", "").http_status(), 500);
}

}  // namespace
}  // namespace ltl
