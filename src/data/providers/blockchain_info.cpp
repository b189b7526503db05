#include "data/providers/blockchain_info.h"

#include "data/providers/esplora.h"
#include "data/providers/json_fields.h"

namespace ltl::providers::blockchain_info {
namespace {

using nlohmann::json;
constexpr auto kNumber = NumberEncoding::json_number;

}  // namespace

Result<BlockTip> parse_block_count(std::string_view body) {
  return esplora::parse_tip_height(body, kProvider);  // the same plain-text integer
}

Result<Hashrate> parse_hashrate(std::string_view body) {
  constexpr const char* kOperation = "hashrate";
  constexpr const char* kExpected = "a plain-text hash rate in GH/s";
  auto text = parse_text_body(body, kProvider, kOperation, kExpected);
  if (!text.ok()) return text.error();
  auto gigahashes = parse_decimal_text(text.value());
  if (!gigahashes || *gigahashes <= 0)
    return field_error(kProvider, kOperation, "body",
                       "got \"" + printable_prefix(text.value()) + "\"; expected " + kExpected + " (a positive number)");
  Hashrate hashrate;
  hashrate.window = kHashrateWindowDay;
  hashrate.current_hashrate_hs = *gigahashes * kHashesPerGigahash;
  return hashrate;
}

Result<NetworkStats> parse_stats(std::string_view body) {
  constexpr const char* kOperation = "stats";
  auto parsed = parse_json_body(body, kProvider, kOperation);
  if (!parsed.ok()) return parsed.error();
  FieldReader fields(kProvider, kOperation);
  const json* root = fields.object(&parsed.value(), "body");
  auto member = [&](const char* key) { return FieldReader::member(root, key); };
  NetworkStats stats;
  // Required: what the hash-rate route answers with.
  stats.as_of_ms = fields.integer(member("timestamp"), "timestamp", kNumber, kMinUnixMs, kMaxUnixMs);
  stats.hashrate_hs = fields.positive(member("hash_rate"), "hash_rate", kNumber) * kHashesPerGigahash;
  stats.difficulty = fields.positive(member("difficulty"), "difficulty", kNumber);
  if (!fields.ok()) return fields.error();
  // Extras: each read on its own, so a junk value (the live body has zeros and negatives) only
  // nulls that field and says why.
  auto extra = [&](const char* key, auto read) {
    FieldReader own(kProvider, kOperation);
    auto value = read(own, member(key), key);
    if (own.ok()) return value;
    stats.dropped_fields[key] = own.error().message;
    return decltype(value){};
  };
  stats.height = extra("n_blocks_total", [](FieldReader& f, const json* v, const char* key) -> std::optional<int64_t> {
    return f.integer(v, key, kNumber, 0, kMaxBlockHeight);
  });
  stats.minutes_between_blocks = extra("minutes_between_blocks", [](FieldReader& f, const json* v, const char* key) -> std::optional<double> {
    return f.positive(v, key, kNumber);
  });
  stats.market_price_usd = extra("market_price_usd", [](FieldReader& f, const json* v, const char* key) -> std::optional<double> {
    return f.positive(v, key, kNumber);
  });
  return stats;
}

}  // namespace ltl::providers::blockchain_info
