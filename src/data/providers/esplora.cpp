#include "data/providers/esplora.h"

#include <charconv>
#include <string>

#include "data/providers/json_fields.h"

namespace ltl::providers::esplora {
namespace {

using nlohmann::json;
constexpr auto kNumber = NumberEncoding::json_number;
constexpr int64_t kMaxCount = 1'000'000'000'000;   // generous cap for counts, sizes and sat amounts
constexpr size_t kPoolNameMax = 100;

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// 64 hex digits → lower-case, else nullopt.
std::optional<std::string> block_hash(std::string_view text) {
  if (text.size() != 64) return std::nullopt;
  std::string hash(text);
  for (char& c : hash) {
    if (!is_hex(c)) return std::nullopt;
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  return hash;
}

void read_block(FieldReader& fields, const json* block, const std::string& path, BlockSummary& out) {
  block = fields.object(block, path);
  const std::string hash_path = path + ".id";
  std::string id = fields.string(FieldReader::member(block, "id"), hash_path, 64);
  if (fields.ok()) {
    if (auto hash = block_hash(id)) out.hash = *hash;
    else fields.fail(hash_path, "got \"" + printable_prefix(id) + "\"; expected 64 hex digits");
  }
  out.height = fields.integer(FieldReader::member(block, "height"), path + ".height", kNumber, 0, kMaxBlockHeight);
  out.timestamp_ms = 1000 * fields.integer(FieldReader::member(block, "timestamp"), path + ".timestamp", kNumber,
                                           kMinUnixSeconds, kMaxUnixSeconds);
  out.tx_count = fields.integer(FieldReader::member(block, "tx_count"), path + ".tx_count", kNumber, 1, kMaxCount);
  out.size_bytes = fields.integer(FieldReader::member(block, "size"), path + ".size", kNumber, 1, kMaxCount);
  out.weight_wu = fields.integer(FieldReader::member(block, "weight"), path + ".weight", kNumber, 1, kMaxCount);

  const json* extras = FieldReader::member(block, "extras");
  if (extras == nullptr || extras->is_null()) return;
  extras = fields.object(extras, path + ".extras");
  out.median_fee_sat_vb = fields.optional_number(FieldReader::member(extras, "medianFee"),
                                                 path + ".extras.medianFee", kNumber, kNonNegative);
  out.total_fees_sat = fields.optional_integer(FieldReader::member(extras, "totalFees"),
                                               path + ".extras.totalFees", kNumber, 0, kMaxCount);
  const json* pool = FieldReader::member(extras, "pool");
  if (pool != nullptr && !pool->is_null()) {
    pool = fields.object(pool, path + ".extras.pool");
    out.pool_name = fields.optional_string(FieldReader::member(pool, "name"), path + ".extras.pool.name", kPoolNameMax);
  }
}

// The estimate for `target` blocks under the rule documented on recommended_fees_from.
double estimate_for(const std::map<int, double>& by_target, int target) {
  auto above = by_target.upper_bound(target);
  if (above != by_target.begin()) return std::prev(above)->second;  // largest target <= `target`
  return above->second;
}

}  // namespace

Result<BlockTip> parse_tip_height(std::string_view body, const char* provider) {
  constexpr const char* kOperation = "tip_height";
  constexpr const char* kExpected = "a plain-text block height";
  auto text = parse_text_body(body, provider, kOperation, kExpected);
  if (!text.ok()) return text.error();
  std::string_view digits = text.value();
  int64_t height = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), height);
  if (digits.front() == '-' || ec != std::errc() || end != digits.data() + digits.size() || height > kMaxBlockHeight)
    return field_error(provider, kOperation, "body",
                       "got \"" + printable_prefix(digits) + "\"; expected " + kExpected + " (decimal digits)");
  if (height < kMinPlausibleTipHeight)
    return field_error(provider, kOperation, "body",
                       "got " + std::to_string(height) + "; expected a mainnet tip height of at least " +
                           std::to_string(kMinPlausibleTipHeight) + " (a shorter number is a truncated body)");
  BlockTip tip;
  tip.height = height;
  return tip;
}

Result<std::string> parse_tip_hash(std::string_view body, const char* provider) {
  constexpr const char* kOperation = "tip_hash";
  constexpr const char* kExpected = "a plain-text block hash";
  auto text = parse_text_body(body, provider, kOperation, kExpected);
  if (!text.ok()) return text.error();
  auto hash = block_hash(text.value());
  if (!hash)
    return field_error(provider, kOperation, "body",
                       "got \"" + printable_prefix(text.value()) + "\"; expected " + kExpected + " (64 hex digits)");
  return *hash;
}

Result<std::vector<BlockSummary>> parse_blocks(std::string_view body, const char* provider) {
  constexpr const char* kOperation = "blocks";
  auto parsed = parse_json_body(body, provider, kOperation);
  if (!parsed.ok()) return parsed.error();
  FieldReader fields(provider, kOperation);
  const json* root = fields.array(&parsed.value(), "body");
  if (!fields.ok()) return fields.error();
  std::vector<BlockSummary> blocks(std::min(root->size(), kMaxBlocks));
  for (size_t i = 0; i < blocks.size(); ++i)
    read_block(fields, FieldReader::element(root, i), "[" + std::to_string(i) + "]", blocks[i]);
  if (!fields.ok()) return fields.error();
  return blocks;
}

Result<MempoolStats> parse_mempool(std::string_view body, const char* provider) {
  constexpr const char* kOperation = "mempool";
  auto parsed = parse_json_body(body, provider, kOperation);
  if (!parsed.ok()) return parsed.error();
  FieldReader fields(provider, kOperation);
  const json* root = fields.object(&parsed.value(), "body");
  MempoolStats stats;
  stats.count = fields.integer(FieldReader::member(root, "count"), "count", kNumber, 0, kMaxCount);
  stats.vsize_vb = fields.integer(FieldReader::member(root, "vsize"), "vsize", kNumber, 0, kMaxCount);
  stats.total_fee_sat = fields.integer(FieldReader::member(root, "total_fee"), "total_fee", kNumber, 0, kMaxCount);
  const json* histogram = fields.array(FieldReader::member(root, "fee_histogram"), "fee_histogram");
  for (size_t i = 0; fields.ok() && i < histogram->size(); ++i) {
    const std::string path = "fee_histogram[" + std::to_string(i) + "]";
    const json* pair = fields.array(FieldReader::element(histogram, i), path);
    if (fields.ok() && pair->size() != 2) {
      fields.fail(path, std::to_string(pair->size()) + " elements; expected [feerate, vsize]");
      break;
    }
    FeeHistogramBin bin;
    bin.feerate_sat_vb = fields.number(FieldReader::element(pair, 0), path + "[0]", kNumber, kNonNegative);
    bin.vsize_vb = fields.integer(FieldReader::element(pair, 1), path + "[1]", kNumber, 0, kMaxCount);
    if (stats.fee_histogram.size() < MempoolStats::kMaxHistogramBins) {
      stats.fee_histogram.push_back(bin);
    } else {  // merge the tail into the last band: coarser, same total vsize
      FeeHistogramBin& last = stats.fee_histogram.back();
      last.feerate_sat_vb = bin.feerate_sat_vb;
      last.vsize_vb += bin.vsize_vb;
    }
  }
  if (!fields.ok()) return fields.error();
  return stats;
}

Result<FeeEstimates> parse_fee_estimates(std::string_view body) {
  constexpr const char* kOperation = "fees";
  auto parsed = parse_json_body(body, kProvider, kOperation);
  if (!parsed.ok()) return parsed.error();
  FieldReader fields(kProvider, kOperation);
  const json* root = fields.object(&parsed.value(), "body");
  if (!fields.ok()) return fields.error();
  if (root->empty()) return field_error(kProvider, kOperation, "body", "no estimates; expected at least one target");
  if (root->size() > FeeEstimates::kMaxTargets)
    return field_error(kProvider, kOperation, "body",
                       std::to_string(root->size()) + " targets; expected at most " +
                           std::to_string(FeeEstimates::kMaxTargets));
  FeeEstimates estimates;
  for (const auto& [key, value] : root->items()) {
    int target = 0;
    auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), target);
    if (key.empty() || key.size() > 5 || ec != std::errc() || end != key.data() + key.size() || target < 1)
      // The key is upstream text: quoted, so the message still reads "<field>: <problem>".
      return field_error(kProvider, kOperation, "body[\"" + printable_prefix(key) + "\"]",
                         "not a confirmation target; expected a positive block count");
    estimates.sat_vb_by_target_blocks[target] = fields.number(&value, key, kNumber, kNonNegative);
  }
  if (!fields.ok()) return fields.error();
  return estimates;
}

std::optional<RecommendedFees> recommended_fees_from(const FeeEstimates& estimates) {
  const auto& by_target = estimates.sat_vb_by_target_blocks;
  if (by_target.empty()) return std::nullopt;
  RecommendedFees fees;
  fees.definition = kFeesEsploraTargets;
  fees.fastest_sat_vb = estimate_for(by_target, 1);
  fees.half_hour_sat_vb = estimate_for(by_target, 3);
  fees.hour_sat_vb = estimate_for(by_target, 6);
  fees.economy_sat_vb = estimate_for(by_target, 144);
  fees.minimum_sat_vb = estimate_for(by_target, 1008);
  return fees;
}

}  // namespace ltl::providers::esplora
