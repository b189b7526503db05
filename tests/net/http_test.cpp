#include "net/http.h"

#include <gtest/gtest.h>

namespace ltl {
namespace {

TEST(HeaderBlock, LowerCasesNamesTrimsValuesAndJoinsRepeats) {
  auto headers = parse_header_block(
      "Content-Type: application/json\r\nRetry-After:  119 \r\nset-cookie: a=1\r\nSet-Cookie: b=2\r\n"
      "broken line\r\n: no name\r\n");
  EXPECT_EQ(headers.at("content-type"), "application/json");
  EXPECT_EQ(headers.at("retry-after"), "119");
  EXPECT_EQ(headers.at("set-cookie"), "a=1, b=2");
  EXPECT_EQ(headers.size(), 3u);
}

TEST(HeaderBlock, ValueMayContainColons) {
  auto headers = parse_header_block("date: Sun, 06 Nov 1994 08:49:37 GMT\n");
  EXPECT_EQ(headers.at("date"), "Sun, 06 Nov 1994 08:49:37 GMT");
}

TEST(HttpResponse, HeaderLookupIgnoresCase) {
  HttpResponse response;
  response.headers = parse_header_block("Retry-After: 5\r\n");
  EXPECT_EQ(response.header("RETRY-AFTER"), "5");
  EXPECT_EQ(response.header("x-missing"), "");
}

}  // namespace
}  // namespace ltl
