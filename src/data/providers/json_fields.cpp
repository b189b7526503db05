#include "data/providers/json_fields.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace ltl::providers {
namespace {

constexpr std::string_view kSpace = " \t\r\n";
constexpr size_t kMaxNumberText = 64;  // longer "numbers" are garbage, not precision

std::string_view trim(std::string_view text) {
  size_t start = text.find_first_not_of(kSpace);
  if (start == std::string_view::npos) return {};
  size_t end = text.find_last_not_of(kSpace);
  return text.substr(start, end - start + 1);
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string describe_range(Range range) {
  if (range.min == -std::numeric_limits<double>::infinity())
    return "expected <= " + format_number(range.max);
  if (range.max == std::numeric_limits<double>::infinity())
    return "expected >= " + format_number(range.min);
  return "expected from " + format_number(range.min) + " to " + format_number(range.max);
}

// Days from 1970-01-01 to year-month-day (year >= 1970), in the proleptic Gregorian calendar.
int64_t days_since_epoch(int year, int month, int day) {
  static constexpr int kDaysBeforeMonth[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
  auto leap_years_before = [](int y) { return (y - 1) / 4 - (y - 1) / 100 + (y - 1) / 400; };
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  int64_t days = int64_t{365} * (year - 1970) + leap_years_before(year) - leap_years_before(1970);
  days += kDaysBeforeMonth[month - 1] + (leap && month > 2 ? 1 : 0) + (day - 1);
  return days;
}

int days_in_month(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

std::optional<int> fixed_digits(std::string_view text, size_t pos, size_t count) {
  int value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (i >= text.size() || !is_digit(text[i])) return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

}  // namespace

Error field_error(const char* provider, const char* operation, const std::string& field,
                  const std::string& problem) {
  return make_error(ErrorCategory::parse, provider, operation, field + ": " + problem);
}

Result<nlohmann::json> parse_json_body(std::string_view body, const char* provider,
                                       const char* operation) {
  size_t start = body.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos)
    return field_error(provider, operation, "body", "empty; expected JSON");
  if (body[start] == '<')
    return field_error(provider, operation, "body", "got HTML; expected JSON");
  auto parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    // Upstream error text ("Service Unavailable", "Too Many Requests") is worth showing.
    if (body[start] != '{' && body[start] != '[')
      return field_error(provider, operation, "body",
                         "got text (\"" + printable_prefix(body.substr(start)) + "\"); expected JSON");
    return field_error(provider, operation, "body", "malformed or truncated JSON");
  }
  if (!parsed.is_object() && !parsed.is_array())
    return field_error(provider, operation, "body",
                       std::string("got a bare ") + parsed.type_name() + "; expected a JSON object");
  return parsed;
}

Result<std::optional<double>> read_number(const nlohmann::json& object, const std::string& key,
                                          bool required, const char* provider,
                                          const char* operation, const std::string& path) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    if (required) return field_error(provider, operation, path, "missing; expected a number");
    return std::optional<double>();
  }
  if (!it->is_number())
    return field_error(provider, operation, path,
                       std::string("got ") + it->type_name() + "; expected a number");
  double value = it->get<double>();
  if (!std::isfinite(value)) return field_error(provider, operation, path, "not a finite number");
  return std::optional<double>(value);
}

Result<std::string_view> parse_text_body(std::string_view body, const char* provider,
                                         const char* operation, const char* expected) {
  std::string_view text = trim(body);
  if (text.empty()) return field_error(provider, operation, "body", std::string("empty; expected ") + expected);
  if (text.front() == '<')
    return field_error(provider, operation, "body", std::string("got HTML; expected ") + expected);
  if (text.front() == '{' || text.front() == '[')
    return field_error(provider, operation, "body",
                       "got JSON (" + printable_prefix(text) + "); expected " + expected);
  return text;
}

std::optional<double> parse_decimal_text(std::string_view text) {
  if (text.empty() || text.size() > kMaxNumberText) return std::nullopt;
  // JSON's number grammar, checked by nlohmann: no spaces, '+', hex, "NaN" or "Infinity".
  if (!(is_digit(text.front()) || text.front() == '-') || !is_digit(text.back())) return std::nullopt;
  // As a string_view, like every JSON input: one parser instantiation in the WASM binary.
  auto parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_number()) return std::nullopt;
  double value = parsed.get<double>();
  if (!std::isfinite(value)) return std::nullopt;
  return value;
}

std::optional<int64_t> parse_iso8601_utc_ms(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text.back() != 'Z')
    return std::nullopt;
  auto year = fixed_digits(text, 0, 4);
  auto month = fixed_digits(text, 5, 2);
  auto day = fixed_digits(text, 8, 2);
  auto hour = fixed_digits(text, 11, 2);
  auto minute = fixed_digits(text, 14, 2);
  auto second = fixed_digits(text, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
  if (*year < 1970 || *month < 1 || *month > 12 || *day < 1 || *day > days_in_month(*year, *month) ||
      *hour > 23 || *minute > 59 || *second > 59)
    return std::nullopt;
  int millis = 0;
  std::string_view rest = text.substr(19, text.size() - 20);  // between seconds and 'Z'
  if (!rest.empty()) {
    if (rest.front() != '.' || rest.size() < 2 || rest.size() > 10) return std::nullopt;
    for (size_t i = 1; i < rest.size(); ++i) {
      if (!is_digit(rest[i])) return std::nullopt;
      if (i <= 3) millis += (rest[i] - '0') * (i == 1 ? 100 : i == 2 ? 10 : 1);  // finer digits truncated
    }
  }
  int64_t seconds = days_since_epoch(*year, *month, *day) * 86400 + *hour * 3600 + *minute * 60 + *second;
  return seconds * 1000 + millis;
}

std::string ascii_upper(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

std::string printable_prefix(std::string_view text, size_t max_chars) {
  std::string out;
  for (size_t i = 0; i < text.size() && i < max_chars; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
  }
  if (text.size() > max_chars) out += "...";
  return out;
}

std::string format_number(double value) {
  char buffer[40];
  if (std::isfinite(value) && std::trunc(value) == value && std::fabs(value) < 1e15) {
    std::snprintf(buffer, sizeof buffer, "%.0f", value);
    return buffer;
  }
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof buffer, "%.*g", precision, value);
    if (std::strtod(buffer, nullptr) == value) break;
  }
  return buffer;
}

const nlohmann::json* FieldReader::member(const nlohmann::json* object, std::string_view key) {
  if (object == nullptr || !object->is_object()) return nullptr;
  auto it = object->find(key);
  return it == object->end() ? nullptr : &*it;
}

const nlohmann::json* FieldReader::element(const nlohmann::json* array, size_t index) {
  if (array == nullptr || !array->is_array() || index >= array->size()) return nullptr;
  return &(*array)[index];
}

void FieldReader::fail(const std::string& path, const std::string& problem) {
  if (!error_) error_ = field_error(provider_, operation_, path, problem);
}

std::optional<double> FieldReader::as_number(const nlohmann::json& value, const std::string& path,
                                             NumberEncoding encoding) {
  if (value.is_number()) {
    if (encoding == NumberEncoding::decimal_string) {
      fail(path, "got a number; expected a number in a string");
      return std::nullopt;
    }
    double number = value.get<double>();
    if (!std::isfinite(number)) {
      fail(path, "not a finite number");
      return std::nullopt;
    }
    return number;
  }
  if (value.is_string() && encoding != NumberEncoding::json_number) {
    const auto& text = value.get_ref<const std::string&>();
    auto number = parse_decimal_text(text);
    if (!number) fail(path, "got \"" + printable_prefix(text) + "\"; expected a decimal number in a string");
    return number;
  }
  const char* expected = encoding == NumberEncoding::json_number      ? "a number"
                         : encoding == NumberEncoding::decimal_string ? "a number in a string"
                                                                      : "a number or a numeric string";
  fail(path, std::string("got ") + value.type_name() + "; expected " + expected);
  return std::nullopt;
}

std::optional<double> FieldReader::optional_number(const nlohmann::json* value, const std::string& path,
                                                   NumberEncoding encoding, Range range) {
  if (!ok() || value == nullptr || value->is_null()) return std::nullopt;
  auto number = as_number(*value, path, encoding);
  if (!number) return std::nullopt;
  if (*number < range.min || *number > range.max) {
    fail(path, "got " + format_number(*number) + "; " + describe_range(range));
    return std::nullopt;
  }
  return number;
}

double FieldReader::number(const nlohmann::json* value, const std::string& path, NumberEncoding encoding,
                           Range range) {
  if (!ok()) return 0;
  if (value == nullptr || value->is_null()) {
    fail(path, value == nullptr ? "missing; expected a number" : "got null; expected a number");
    return 0;
  }
  return optional_number(value, path, encoding, range).value_or(0);
}

double FieldReader::positive(const nlohmann::json* value, const std::string& path, NumberEncoding encoding) {
  double result = number(value, path, encoding, kNonNegative);
  if (ok() && result == 0) fail(path, "got 0; expected a positive number");
  return result;
}

std::optional<int64_t> FieldReader::optional_integer(const nlohmann::json* value, const std::string& path,
                                                     NumberEncoding encoding, int64_t min, int64_t max) {
  if (!ok() || value == nullptr || value->is_null()) return std::nullopt;
  // JSON integers are read exactly; out-of-range ones fall through to the reporting below.
  if (encoding != NumberEncoding::decimal_string) {
    if (value->is_number_unsigned()) {
      uint64_t n = value->get<uint64_t>();
      if (max >= 0 && n <= static_cast<uint64_t>(max) && static_cast<int64_t>(n) >= min)
        return static_cast<int64_t>(n);
    } else if (value->is_number_integer()) {
      int64_t n = value->get<int64_t>();
      if (n >= min && n <= max) return n;
    }
  }
  // Floats (and numeric strings) must be integral.
  auto number = as_number(*value, path, encoding);
  if (!number) return std::nullopt;
  if (std::trunc(*number) != *number) {
    fail(path, "got " + format_number(*number) + "; expected an integer");
    return std::nullopt;
  }
  // The 9e18 guard keeps the cast below defined when max is near INT64_MAX (2^63 rounds up).
  if (*number < static_cast<double>(min) || *number > static_cast<double>(max) || std::fabs(*number) > 9e18) {
    fail(path, "got " + format_number(*number) + "; " +
                   describe_range({static_cast<double>(min), static_cast<double>(max)}));
    return std::nullopt;
  }
  return static_cast<int64_t>(*number);
}

int64_t FieldReader::integer(const nlohmann::json* value, const std::string& path, NumberEncoding encoding,
                             int64_t min, int64_t max) {
  if (!ok()) return 0;
  if (value == nullptr || value->is_null()) {
    fail(path, value == nullptr ? "missing; expected an integer" : "got null; expected an integer");
    return 0;
  }
  return optional_integer(value, path, encoding, min, max).value_or(0);
}

std::optional<std::string> FieldReader::optional_string(const nlohmann::json* value, const std::string& path,
                                                        size_t max_length) {
  if (!ok() || value == nullptr || value->is_null()) return std::nullopt;
  if (!value->is_string()) {
    fail(path, std::string("got ") + value->type_name() + "; expected a string");
    return std::nullopt;
  }
  const auto& text = value->get_ref<const std::string&>();
  if (text.empty()) {
    fail(path, "empty; expected a non-empty string");
    return std::nullopt;
  }
  if (text.size() > max_length) {
    fail(path, std::to_string(text.size()) + " bytes; expected at most " + std::to_string(max_length));
    return std::nullopt;
  }
  return text;
}

std::string FieldReader::string(const nlohmann::json* value, const std::string& path, size_t max_length) {
  if (!ok()) return {};
  if (value == nullptr || value->is_null()) {
    fail(path, value == nullptr ? "missing; expected a string" : "got null; expected a string");
    return {};
  }
  return optional_string(value, path, max_length).value_or(std::string());
}

const nlohmann::json* FieldReader::object(const nlohmann::json* value, const std::string& path) {
  if (!ok()) return nullptr;
  if (value == nullptr) {
    fail(path, "missing; expected an object");
    return nullptr;
  }
  if (!value->is_object()) {
    fail(path, std::string("got ") + value->type_name() + "; expected an object");
    return nullptr;
  }
  return value;
}

const nlohmann::json* FieldReader::array(const nlohmann::json* value, const std::string& path) {
  if (!ok()) return nullptr;
  if (value == nullptr) {
    fail(path, "missing; expected an array");
    return nullptr;
  }
  if (!value->is_array()) {
    fail(path, std::string("got ") + value->type_name() + "; expected an array");
    return nullptr;
  }
  return value;
}

}  // namespace ltl::providers
