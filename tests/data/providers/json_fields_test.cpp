#include "data/providers/json_fields.h"

#include <cmath>

#include <gtest/gtest.h>

namespace ltl {
namespace {

using namespace ltl::providers;
using nlohmann::json;

TEST(DecimalText, AcceptsJsonNumbersOnly) {
  EXPECT_EQ(parse_decimal_text("84036.10000"), 84036.1);
  EXPECT_EQ(parse_decimal_text("-95.960"), -95.96);
  EXPECT_EQ(parse_decimal_text("0"), 0.0);
  EXPECT_EQ(parse_decimal_text("1.780730885E12"), 1.780730885e12);
  for (const char* bad : {"", " 1", "1 ", "+1", ".5", "5.", "0x10", "NaN", "nan", "Infinity", "-inf", "1e999", "1,5",
                          "12abc", "--1", "1e", "\"1\""})
    EXPECT_FALSE(parse_decimal_text(bad).has_value()) << bad;
  EXPECT_FALSE(parse_decimal_text(std::string(65, '1')).has_value());  // longer than any real number
}

TEST(Iso8601, ParsesUtcWithOptionalFraction) {
  EXPECT_EQ(parse_iso8601_utc_ms("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_iso8601_utc_ms("2024-04-07T16:49:31.736Z"), 1712508571736);
  EXPECT_EQ(parse_iso8601_utc_ms("2024-02-29T23:59:59.999Z"), 1709251199999);  // leap day
  EXPECT_EQ(parse_iso8601_utc_ms("2000-03-01T00:00:00Z"), 951868800000);       // 2000 is a leap year
  EXPECT_EQ(parse_iso8601_utc_ms("2024-04-07T16:49:31.7Z"), 1712508571700);
  EXPECT_EQ(parse_iso8601_utc_ms("2024-04-07T16:49:31.736999999Z"), 1712508571736);  // finer digits dropped
  for (const char* bad : {"", "2024-04-07", "2024-04-07T16:49:31", "2024-04-07T16:49:31+00:00", "2023-02-29T00:00:00Z",
                          "2100-02-29T00:00:00Z", "2024-13-01T00:00:00Z", "2024-04-31T00:00:00Z", "2024-04-07T24:00:00Z",
                          "1969-12-31T23:59:59Z", "2024-04-07T16:49:31.Z", "2024-04-07T16:49:31.1234567890Z",
                          "2024-04-07 16:49:31Z", "2024-4-07T16:49:31Z", "+024-04-07T16:49:31Z"})
    EXPECT_FALSE(parse_iso8601_utc_ms(bad).has_value()) << bad;
}

TEST(TextBody, TrimsAndRejectsHtmlJsonAndEmpty) {
  auto text = parse_text_body("  698767\r\n", "p", "op", "a height");
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text.value(), "698767");
  EXPECT_EQ(parse_text_body("", "p", "op", "a height").error().message, "body: empty; expected a height");
  EXPECT_EQ(parse_text_body("<html>", "p", "op", "a height").error().message, "body: got HTML; expected a height");
  EXPECT_EQ(parse_text_body(R"({"message":"x"})", "p", "op", "a height").error().message,
            R"(body: got JSON ({"message":"x"}); expected a height)");
}

TEST(PrintablePrefix, ReplacesControlBytesAndCuts) {
  EXPECT_EQ(printable_prefix("a\nb\x01\xff"), "a?b??");
  EXPECT_EQ(printable_prefix(std::string(70, 'x'), 60), std::string(60, 'x') + "...");
}

TEST(FormatNumber, IsShortAndExact) {
  EXPECT_EQ(format_number(-3), "-3");
  EXPECT_EQ(format_number(1.5), "1.5");
  EXPECT_EQ(format_number(0.1), "0.1");
  EXPECT_EQ(format_number(1e21), "1e+21");
  EXPECT_EQ(format_number(1767229380000), "1767229380000");
}

TEST(FieldReaderTest, KeepsTheFirstErrorAndStopsReading) {
  const json body = json::parse(R"({"a":"x","b":-1})");
  FieldReader fields("prov", "op");
  EXPECT_EQ(fields.number(FieldReader::member(&body, "a"), "a", NumberEncoding::json_number), 0);
  EXPECT_EQ(fields.number(FieldReader::member(&body, "b"), "b", NumberEncoding::json_number, kNonNegative), 0);
  ASSERT_FALSE(fields.ok());
  EXPECT_EQ(fields.error().message, "a: got string; expected a number");
  EXPECT_EQ(fields.error().provider, "prov");
  EXPECT_EQ(fields.error().operation, "op");
  EXPECT_EQ(fields.error().category, ErrorCategory::parse);
}

TEST(FieldReaderTest, NumbersByEncoding) {
  const json body = json::parse(R"({"n":1.5,"s":"1.5","z":"0","null":null})");
  FieldReader either("p", "o");
  EXPECT_EQ(either.number(FieldReader::member(&body, "n"), "n", NumberEncoding::number_or_string), 1.5);
  EXPECT_EQ(either.number(FieldReader::member(&body, "s"), "s", NumberEncoding::number_or_string), 1.5);
  EXPECT_EQ(either.optional_number(FieldReader::member(&body, "z"), "z", NumberEncoding::number_or_string), 0.0);
  EXPECT_FALSE(either.optional_number(FieldReader::member(&body, "null"), "null", NumberEncoding::json_number));
  EXPECT_FALSE(either.optional_number(FieldReader::member(&body, "absent"), "absent", NumberEncoding::json_number));
  EXPECT_TRUE(either.ok());

  FieldReader strict_string("p", "o");
  strict_string.number(FieldReader::member(&body, "n"), "n", NumberEncoding::decimal_string);
  EXPECT_EQ(strict_string.error().message, "n: got a number; expected a number in a string");

  FieldReader missing("p", "o");
  missing.number(FieldReader::member(&body, "absent"), "absent", NumberEncoding::json_number);
  EXPECT_EQ(missing.error().message, "absent: missing; expected a number");
  FieldReader null("p", "o");
  null.number(FieldReader::member(&body, "null"), "null", NumberEncoding::json_number);
  EXPECT_EQ(null.error().message, "null: got null; expected a number");
}

TEST(FieldReaderTest, RangesAndPositives) {
  const json body = json::parse(R"({"v":101,"zero":0})");
  FieldReader range("p", "o");
  range.number(FieldReader::member(&body, "v"), "v", NumberEncoding::json_number, {0, 100});
  EXPECT_EQ(range.error().message, "v: got 101; expected from 0 to 100");
  FieldReader positive("p", "o");
  positive.positive(FieldReader::member(&body, "zero"), "zero", NumberEncoding::json_number);
  EXPECT_EQ(positive.error().message, "zero: got 0; expected a positive number");
}

TEST(FieldReaderTest, IntegersAcceptIntegralDoublesOnly) {
  const json body = json::parse(R"({"i":900006,"d":1.76722938E12,"f":1.5,"s":"42","big":18446744073709551615,"neg":-3})");
  FieldReader fields("p", "o");
  EXPECT_EQ(fields.integer(FieldReader::member(&body, "i"), "i", NumberEncoding::json_number, 0, 1'000'000), 900006);
  EXPECT_EQ(fields.integer(FieldReader::member(&body, "d"), "d", NumberEncoding::json_number, 0, kMaxUnixMs),
            1767229380000);
  EXPECT_EQ(fields.integer(FieldReader::member(&body, "s"), "s", NumberEncoding::number_or_string, 0, 100), 42);
  EXPECT_TRUE(fields.ok());
  FieldReader fraction("p", "o");
  fraction.integer(FieldReader::member(&body, "f"), "f", NumberEncoding::json_number, 0, 100);
  EXPECT_EQ(fraction.error().message, "f: got 1.5; expected an integer");
  FieldReader big("p", "o");
  big.integer(FieldReader::member(&body, "big"), "big", NumberEncoding::json_number, 0, INT64_MAX);
  EXPECT_FALSE(big.ok());  // above INT64_MAX: rejected, never wrapped
  FieldReader negative("p", "o");
  negative.integer(FieldReader::member(&body, "neg"), "neg", NumberEncoding::json_number, 0, 10);
  EXPECT_EQ(negative.error().message, "neg: got -3; expected from 0 to 10");
}

TEST(FieldReaderTest, StringsObjectsArrays) {
  const json body = json::parse(R"({"s":"abc","e":"","n":5,"o":{},"a":[]})");
  FieldReader fields("p", "o");
  EXPECT_EQ(fields.string(FieldReader::member(&body, "s"), "s", 10), "abc");
  EXPECT_NE(fields.object(FieldReader::member(&body, "o"), "o"), nullptr);
  EXPECT_NE(fields.array(FieldReader::member(&body, "a"), "a"), nullptr);
  EXPECT_TRUE(fields.ok());
  FieldReader empty("p", "o");
  empty.string(FieldReader::member(&body, "e"), "e", 10);
  EXPECT_EQ(empty.error().message, "e: empty; expected a non-empty string");
  FieldReader too_long("p", "o");
  too_long.string(FieldReader::member(&body, "s"), "s", 2);
  EXPECT_EQ(too_long.error().message, "s: 3 bytes; expected at most 2");
  FieldReader not_object("p", "o");
  EXPECT_EQ(not_object.object(FieldReader::member(&body, "n"), "n"), nullptr);
  EXPECT_EQ(not_object.error().message, "n: got number; expected an object");
  EXPECT_EQ(FieldReader::member(nullptr, "x"), nullptr);
  EXPECT_EQ(FieldReader::element(&body, 0), nullptr);  // not an array
}

TEST(ParseJsonBody, ExistingBehaviourIsKept) {
  EXPECT_EQ(parse_json_body("", "p", "o").error().message, "body: empty; expected JSON");
  EXPECT_EQ(parse_json_body("<html>", "p", "o").error().message, "body: got HTML; expected JSON");
  EXPECT_EQ(parse_json_body("{\"a\":", "p", "o").error().message, "body: malformed or truncated JSON");
  EXPECT_EQ(parse_json_body("5", "p", "o").error().message, "body: got a bare number; expected a JSON object");
  EXPECT_EQ(parse_json_body("Service Unavailable", "p", "o").error().message,
            "body: got text (\"Service Unavailable\"); expected JSON");
  EXPECT_TRUE(parse_json_body("[]", "p", "o").ok());
}

}  // namespace
}  // namespace ltl
