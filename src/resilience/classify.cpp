#include "resilience/classify.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

namespace ltl {
namespace {

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

std::optional<int> parse_digits(std::string_view text) {
  int value = 0;
  if (text.empty() || !std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); }))
    return std::nullopt;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

// IMF-fixdate only: "Sun, 06 Nov 1994 08:49:37 GMT" (fixed positions).
std::optional<int64_t> parse_http_date_ms(std::string_view text) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (text.size() != 29 || text.substr(3, 2) != ", " || text.substr(25) != " GMT" ||
      text[7] != ' ' || text[11] != ' ' || text[16] != ' ' || text[19] != ':' || text[22] != ':')
    return std::nullopt;
  auto month = std::find(kMonths.begin(), kMonths.end(), text.substr(8, 3));
  auto day = parse_digits(text.substr(5, 2));
  auto year = parse_digits(text.substr(12, 4));
  auto hour = parse_digits(text.substr(17, 2));
  auto minute = parse_digits(text.substr(20, 2));
  auto second = parse_digits(text.substr(23, 2));
  if (month == kMonths.end() || !day || !year || !hour || !minute || !second || *day < 1 ||
      *day > 31 || *hour > 23 || *minute > 59 || *second > 60)
    return std::nullopt;
  int64_t days = days_from_civil(*year, static_cast<unsigned>(month - kMonths.begin() + 1),
                                 static_cast<unsigned>(*day));
  return ((days * 24 + *hour) * 60 + *minute) * 60000 + int64_t{*second} * 1000;
}

}  // namespace

const std::vector<StatusRule>& status_rules() {
  // 408 is the upstream's own request timeout: a timeout, retryable, not a client mistake.
  static const std::vector<StatusRule> rules = {{408, 408, ErrorCategory::timeout},
                                                {429, 429, ErrorCategory::rate_limited},
                                                {500, 999, ErrorCategory::upstream_5xx}};
  return rules;
}

ErrorCategory category_for_status(int status) {
  for (const auto& rule : status_rules())
    if (status >= rule.from && status <= rule.to) return rule.category;
  return kStatusDefaultCategory;
}

std::optional<int64_t> parse_retry_after(std::string_view value, int64_t now_ms) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.size() <= 9) {
    if (auto seconds = parse_digits(value)) return int64_t{*seconds} * 1000;
  }
  if (auto at = parse_http_date_ms(value)) return std::max<int64_t>(0, *at - now_ms);
  return std::nullopt;
}

std::optional<Error> classify_http_result(const HttpResult& result, const std::string& provider,
                                          const std::string& operation, int64_t now_ms) {
  switch (result.failure) {
    case TransportFailure::timeout:
      return make_error(ErrorCategory::timeout, provider, operation,
                        "no response within the timeout (" + result.detail + ")");
    case TransportFailure::network:
      return make_error(ErrorCategory::network, provider, operation,
                        "connection failed (" + result.detail + ")");
    case TransportFailure::none: break;
  }
  const int status = result.response.status;
  if (status >= 200 && status < 300) return std::nullopt;

  Error error = make_error(category_for_status(status), provider, operation,
                           "upstream answered HTTP " + std::to_string(status));
  error.upstream_status = status;
  if (auto delay = parse_retry_after(result.response.header("retry-after"), now_ms))
    error.retry_after_ms = *delay;
  return error;
}

}  // namespace ltl
