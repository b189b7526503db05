#include "integration/answer.h"

#include <algorithm>

namespace ltl {
namespace {

using nlohmann::json;

constexpr std::string_view kPrefix = "ltl3:";
constexpr char kStamped = 's';
constexpr char kUnstamped = 'n';

// Fields the serve time owns: a provider's data never carries them into the cached bytes.
constexpr const char* kServeFields[] = {"fetched_at", "age_ms", "stale", "expires_at", "cache", "stale_reason"};

bool stamped(const json& data) {
  auto it = data.find("as_of");
  return it != data.end() && it->is_number_integer() && it->get<int64_t>() > 0;
}

void append_number(std::string& out, int64_t value) {
  char buffer[24];
  char* end = buffer + sizeof buffer;
  char* p = end;
  const bool negative = value < 0;
  uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  do {
    *--p = static_cast<char>('0' + magnitude % 10);
    magnitude /= 10;
  } while (magnitude);
  if (negative) *--p = '-';
  out.append(p, static_cast<size_t>(end - p));
}

void append_field(std::string& out, bool& first, std::string_view name) {
  if (!first) out += ',';
  first = false;
  out += '"';
  out.append(name);
  out += "\":";
}

// A tier name is plain ASCII in practice; anything else goes through the JSON writer.
void append_string(std::string& out, std::string_view text) {
  const bool plain = std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
  });
  if (!plain) {
    out += json(std::string(text)).dump(-1, ' ', false, json::error_handler_t::replace);
    return;
  }
  out += '"';
  out.append(text);
  out += '"';
}

}  // namespace

std::string encode_answer_entry(const json& data, const std::string& source, const json& failed) {
  json body = data.is_object() ? data : json::object();
  const bool has_as_of = stamped(body);
  if (!has_as_of) body.erase("as_of");
  for (const char* field : kServeFields) body.erase(field);
  body["source"] = source;
  body["failed"] = failed.is_array() ? failed : json::array();
  std::string out(kPrefix);
  out += has_as_of ? kStamped : kUnstamped;
  out += body.dump(-1, ' ', false, json::error_handler_t::replace);
  return out;
}

bool is_answer_entry(std::string_view value) {
  return value.size() >= kPrefix.size() + 3 && value.substr(0, kPrefix.size()) == kPrefix &&
         (value[kPrefix.size()] == kStamped || value[kPrefix.size()] == kUnstamped) &&
         value[kPrefix.size() + 1] == '{' && value.back() == '}';
}

void serve_answer(std::string_view entry, const ServeTimes& times, std::string& out) {
  const std::string_view body = entry.substr(kPrefix.size() + 1);
  const bool has_as_of = entry[kPrefix.size()] == kStamped;
  out.clear();
  out.reserve(body.size() + 160);
  out.append(body.substr(0, body.size() - 1));  // without the closing brace
  bool first = body.size() == 2;                 // "{}": nothing before the serve fields
  if (!has_as_of) {
    append_field(out, first, "as_of");
    append_number(out, times.stored_at_ms);
  }
  append_field(out, first, "fetched_at");
  append_number(out, times.stored_at_ms);
  append_field(out, first, "age_ms");
  append_number(out, std::max<int64_t>(0, times.now_ms - times.stored_at_ms));
  append_field(out, first, "stale");
  out += times.stale ? "true" : "false";
  append_field(out, first, "expires_at");
  append_number(out, times.fresh_until_ms);
  append_field(out, first, "cache");
  append_string(out, times.cache);
  if (times.stale_reason) {
    append_field(out, first, "stale_reason");
    out += json(*times.stale_reason).dump(-1, ' ', false, json::error_handler_t::replace);
  }
  out += '}';
}

}  // namespace ltl
