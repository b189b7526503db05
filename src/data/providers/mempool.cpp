#include "data/providers/mempool.h"

#include <cmath>

#include "data/providers/esplora.h"
#include "data/providers/json_fields.h"

namespace ltl::providers::mempool {
namespace {

using nlohmann::json;
constexpr auto kNumber = NumberEncoding::json_number;
constexpr Range kRetargetPct{-75, 300};  // consensus caps an adjustment at a factor of 4 either way
constexpr Range kPercent{0, 100};
constexpr double kMaxDurationMs = 1e11;  // ~3 years: longer "durations" are garbage

// Both fee endpoints share the body shape; `definition` says which one was read.
Result<RecommendedFees> parse_fees(std::string_view body, const char* definition) {
  constexpr const char* kOperation = "fees";
  auto parsed = parse_json_body(body, kProvider, kOperation);
  if (!parsed.ok()) return parsed.error();
  FieldReader fields(kProvider, kOperation);
  const json* root = fields.object(&parsed.value(), "body");
  auto fee = [&](const char* key) { return fields.number(FieldReader::member(root, key), key, kNumber, kNonNegative); };
  RecommendedFees fees;
  fees.definition = definition;
  fees.fastest_sat_vb = fee("fastestFee");
  fees.half_hour_sat_vb = fee("halfHourFee");
  fees.hour_sat_vb = fee("hourFee");
  fees.economy_sat_vb = fee("economyFee");
  fees.minimum_sat_vb = fee("minimumFee");
  if (!fields.ok()) return fields.error();
  return fees;
}

}  // namespace

Result<RecommendedFees> parse_recommended_fees(std::string_view body) { return parse_fees(body, kFeesMempoolRecommended); }

Result<RecommendedFees> parse_precise_fees(std::string_view body) { return parse_fees(body, kFeesMempoolPrecise); }

Result<BlockTip> parse_tip_height(std::string_view body) { return esplora::parse_tip_height(body, kProvider); }

Result<std::string> parse_tip_hash(std::string_view body) { return esplora::parse_tip_hash(body, kProvider); }

Result<std::vector<BlockSummary>> parse_blocks(std::string_view body) { return esplora::parse_blocks(body, kProvider); }

Result<MempoolStats> parse_mempool(std::string_view body) { return esplora::parse_mempool(body, kProvider); }

Result<DifficultyAdjustment> parse_difficulty_adjustment(std::string_view body) {
  constexpr const char* kOperation = "difficulty";
  auto parsed = parse_json_body(body, kProvider, kOperation);
  if (!parsed.ok()) return parsed.error();
  FieldReader fields(kProvider, kOperation);
  const json* root = fields.object(&parsed.value(), "body");
  auto member = [&](const char* key) { return FieldReader::member(root, key); };
  DifficultyAdjustment adjustment;
  adjustment.progress_pct = fields.number(member("progressPercent"), "progressPercent", kNumber, kPercent);
  adjustment.change_pct = fields.number(member("difficultyChange"), "difficultyChange", kNumber, kRetargetPct);
  adjustment.remaining_blocks =
      fields.integer(member("remainingBlocks"), "remainingBlocks", kNumber, 0, kDifficultyEpochBlocks);
  // ms values may carry a fraction (averages); whole ms is all the precision they mean.
  adjustment.remaining_time_ms = std::llround(
      fields.number(member("remainingTime"), "remainingTime", kNumber, {0, kMaxDurationMs}));
  adjustment.estimated_retarget_ms = std::llround(fields.number(
      member("estimatedRetargetDate"), "estimatedRetargetDate", kNumber,
      {static_cast<double>(kMinUnixMs), static_cast<double>(kMaxUnixMs)}));
  adjustment.previous_retarget_pct =
      fields.number(member("previousRetarget"), "previousRetarget", kNumber, kRetargetPct);
  adjustment.next_retarget_height =
      fields.integer(member("nextRetargetHeight"), "nextRetargetHeight", kNumber, 0, kMaxBlockHeight);
  if (auto avg = fields.optional_number(member("timeAvg"), "timeAvg", kNumber, {0, kMaxDurationMs}))
    adjustment.time_avg_ms = std::llround(*avg);
  if (auto seconds = fields.optional_integer(member("previousTime"), "previousTime", kNumber, kMinUnixSeconds,
                                             kMaxUnixSeconds))
    adjustment.previous_retarget_time_ms = *seconds * 1000;
  if (!fields.ok()) return fields.error();
  return adjustment;
}

Result<Hashrate> parse_hashrate(std::string_view body) {
  constexpr const char* kOperation = "hashrate";
  auto parsed = parse_json_body(body, kProvider, kOperation);
  if (!parsed.ok()) return parsed.error();
  FieldReader fields(kProvider, kOperation);
  const json* root = fields.object(&parsed.value(), "body");
  Hashrate hashrate;
  hashrate.window = kHashrateWindowWeek;  // currentHashrate is getnetworkhashps(1008)
  hashrate.current_hashrate_hs = fields.positive(FieldReader::member(root, "currentHashrate"), "currentHashrate", kNumber);
  hashrate.current_difficulty = fields.positive(FieldReader::member(root, "currentDifficulty"), "currentDifficulty", kNumber);
  if (!fields.ok()) return fields.error();
  return hashrate;
}

Result<PriceQuote> parse_prices(std::string_view body, const std::string& currency) {
  constexpr const char* kOperation = "price";
  auto parsed = parse_json_body(body, kProvider, kOperation);
  if (!parsed.ok()) return parsed.error();
  FieldReader fields(kProvider, kOperation);
  const json* root = fields.object(&parsed.value(), "body");
  const std::string key = ascii_upper(currency);
  PriceQuote quote;
  quote.currency = currency;
  quote.quote = key;
  quote.source = kProvider;
  quote.as_of_source = kAsOfProvider;
  const json* price = FieldReader::member(root, key);
  if (fields.ok() && price != nullptr && price->is_number() && price->get<double>() == -1)
    fields.fail(key, "got -1; the provider has no price for this currency now");
  quote.price = fields.positive(price, key, kNumber);
  quote.as_of_ms = 1000 * fields.integer(FieldReader::member(root, "time"), "time", kNumber, kMinUnixSeconds,
                                         kMaxUnixSeconds);
  if (!fields.ok()) return fields.error();
  return quote;
}

}  // namespace ltl::providers::mempool
