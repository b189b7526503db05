#include "data/providers/fng.h"

#include "data/providers/json_fields.h"

namespace ltl::providers::fng {
namespace {

using nlohmann::json;
constexpr const char* kOperation = "sentiment";
constexpr auto kEither = NumberEncoding::number_or_string;
constexpr size_t kClassificationMax = 64;
constexpr int64_t kMaxUntilUpdateSeconds = 7 * 86400;  // updates are daily; a week is generous

}  // namespace

Result<FearGreed> parse_fng(std::string_view body) {
  auto parsed = parse_json_body(body, kProvider, kOperation);
  if (!parsed.ok()) return parsed.error();
  FieldReader fields(kProvider, kOperation);
  const json* root = fields.object(&parsed.value(), "body");

  const json* reported = FieldReader::member(FieldReader::member(root, "metadata"), "error");
  if (reported != nullptr && !reported->is_null()) {
    std::string text = reported->is_string() ? reported->get<std::string>() : reported->dump();
    return make_error(ErrorCategory::upstream_4xx, kProvider, kOperation,
                      "metadata.error: " + printable_prefix(text, 200));
  }

  const json* data = fields.array(FieldReader::member(root, "data"), "data");
  if (fields.ok() && data->empty()) fields.fail("data", "empty; expected at least one entry");
  const json* newest = fields.object(FieldReader::element(data, 0), "data[0]");
  FearGreed index;
  index.value = static_cast<int>(fields.integer(FieldReader::member(newest, "value"), "data[0].value", kEither,
                                                FearGreed::kMin, FearGreed::kMax));
  index.classification = fields.string(FieldReader::member(newest, "value_classification"),
                                       "data[0].value_classification", kClassificationMax);
  index.timestamp_ms = 1000 * fields.integer(FieldReader::member(newest, "timestamp"), "data[0].timestamp", kEither,
                                             kMinUnixSeconds, kMaxUnixSeconds);
  if (!fields.ok()) return fields.error();
  // Optional, and real bodies carry negative values once an update is overdue: a bad value nulls
  // this field (with the reason) and the index itself stands.
  FieldReader until(kProvider, kOperation);
  auto seconds = until.optional_integer(FieldReader::member(newest, "time_until_update"), "data[0].time_until_update",
                                        kEither, 0, kMaxUntilUpdateSeconds);
  if (!until.ok()) index.time_until_update_error = until.error().message;
  else if (seconds) index.time_until_update_ms = *seconds * 1000;
  return index;
}

}  // namespace ltl::providers::fng
