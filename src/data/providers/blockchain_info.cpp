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
  stats.as_of_ms = fields.integer(member("timestamp"), "timestamp", kNumber, kMinUnixMs, kMaxUnixMs);
  stats.height = fields.integer(member("n_blocks_total"), "n_blocks_total", kNumber, 0, kMaxBlockHeight);
  stats.hashrate_hs = fields.positive(member("hash_rate"), "hash_rate", kNumber) * kHashesPerGigahash;
  stats.difficulty = fields.positive(member("difficulty"), "difficulty", kNumber);
  stats.minutes_between_blocks = fields.positive(member("minutes_between_blocks"), "minutes_between_blocks", kNumber);
  stats.market_price_usd = fields.positive(member("market_price_usd"), "market_price_usd", kNumber);
  if (!fields.ok()) return fields.error();
  return stats;
}

}  // namespace ltl::providers::blockchain_info
