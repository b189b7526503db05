#include "data/network.h"

#include <charconv>

#include <nlohmann/json.hpp>

namespace ltl {
namespace {

template <class T>
nlohmann::json optional_json(const std::optional<T>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

template <class T>
std::optional<T> read_optional(const nlohmann::json& in, const char* key) {
  auto it = in.find(key);
  if (it == in.end() || it->is_null()) return std::nullopt;
  return it->get<T>();
}

}  // namespace

int64_t blocks_to_next_halving(int64_t height) {
  if (height < 0) height = 0;
  return kHalvingIntervalBlocks - height % kHalvingIntervalBlocks;
}

int64_t next_halving_height(int64_t height) {
  if (height < 0) height = 0;
  return height + blocks_to_next_halving(height);
}

void to_json(nlohmann::json& out, const BlockTip& value) {
  out = nlohmann::json{{"height", value.height}, {"hash", optional_json(value.hash)}};
}

void from_json(const nlohmann::json& in, BlockTip& value) {
  value.height = in.at("height").get<int64_t>();
  value.hash = read_optional<std::string>(in, "hash");
}

void to_json(nlohmann::json& out, const BlockSummary& value) {
  out = nlohmann::json{{"height", value.height},
                       {"hash", value.hash},
                       {"timestamp_ms", value.timestamp_ms},
                       {"tx_count", value.tx_count},
                       {"size_bytes", value.size_bytes},
                       {"weight_wu", value.weight_wu},
                       {"median_fee_sat_vb", optional_json(value.median_fee_sat_vb)},
                       {"total_fees_sat", optional_json(value.total_fees_sat)},
                       {"pool_name", optional_json(value.pool_name)}};
}

void from_json(const nlohmann::json& in, BlockSummary& value) {
  value.height = in.at("height").get<int64_t>();
  value.hash = in.at("hash").get<std::string>();
  value.timestamp_ms = in.at("timestamp_ms").get<int64_t>();
  value.tx_count = in.at("tx_count").get<int64_t>();
  value.size_bytes = in.at("size_bytes").get<int64_t>();
  value.weight_wu = in.at("weight_wu").get<int64_t>();
  value.median_fee_sat_vb = read_optional<double>(in, "median_fee_sat_vb");
  value.total_fees_sat = read_optional<int64_t>(in, "total_fees_sat");
  value.pool_name = read_optional<std::string>(in, "pool_name");
}

void to_json(nlohmann::json& out, const RecommendedFees& value) {
  out = nlohmann::json{{"fee_definition", value.definition},
                       {"fastest_sat_vb", value.fastest_sat_vb},
                       {"half_hour_sat_vb", value.half_hour_sat_vb},
                       {"hour_sat_vb", value.hour_sat_vb},
                       {"economy_sat_vb", value.economy_sat_vb},
                       {"minimum_sat_vb", value.minimum_sat_vb}};
}

void from_json(const nlohmann::json& in, RecommendedFees& value) {
  value.definition = in.at("fee_definition").get<std::string>();
  if (value.definition != kFeesMempoolPrecise && value.definition != kFeesMempoolRecommended &&
      value.definition != kFeesEsploraTargets)
    throw nlohmann::json::other_error::create(
        501, "fee_definition: got \"" + value.definition.substr(0, 32) + "\"; expected " + kFeesMempoolPrecise + ", " +
                 kFeesMempoolRecommended + " or " + kFeesEsploraTargets, &in);
  value.fastest_sat_vb = in.at("fastest_sat_vb").get<double>();
  value.half_hour_sat_vb = in.at("half_hour_sat_vb").get<double>();
  value.hour_sat_vb = in.at("hour_sat_vb").get<double>();
  value.economy_sat_vb = in.at("economy_sat_vb").get<double>();
  value.minimum_sat_vb = in.at("minimum_sat_vb").get<double>();
}

void to_json(nlohmann::json& out, const FeeEstimates& value) {
  nlohmann::json targets = nlohmann::json::object();
  for (const auto& [blocks, rate] : value.sat_vb_by_target_blocks) targets[std::to_string(blocks)] = rate;
  out = nlohmann::json{{"sat_vb_by_target_blocks", std::move(targets)}};
}

void from_json(const nlohmann::json& in, FeeEstimates& value) {
  value.sat_vb_by_target_blocks.clear();
  for (const auto& [key, rate] : in.at("sat_vb_by_target_blocks").items()) {
    int blocks = 0;
    auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), blocks);
    if (ec != std::errc() || end != key.data() + key.size())
      throw nlohmann::json::other_error::create(501, "fee target \"" + key + "\" is not an integer", &in);
    value.sat_vb_by_target_blocks[blocks] = rate.get<double>();
  }
}

void to_json(nlohmann::json& out, const MempoolStats& value) {
  nlohmann::json histogram = nlohmann::json::array();
  for (const FeeHistogramBin& bin : value.fee_histogram) histogram.push_back({bin.feerate_sat_vb, bin.vsize_vb});
  out = nlohmann::json{{"count", value.count},
                       {"vsize_vb", value.vsize_vb},
                       {"total_fee_sat", value.total_fee_sat},
                       {"fee_histogram", std::move(histogram)}};
}

void from_json(const nlohmann::json& in, MempoolStats& value) {
  value.count = in.at("count").get<int64_t>();
  value.vsize_vb = in.at("vsize_vb").get<int64_t>();
  value.total_fee_sat = in.at("total_fee_sat").get<int64_t>();
  value.fee_histogram.clear();
  for (const auto& pair : in.at("fee_histogram"))
    value.fee_histogram.push_back({pair.at(0).get<double>(), pair.at(1).get<int64_t>()});
}

void to_json(nlohmann::json& out, const DifficultyAdjustment& value) {
  out = nlohmann::json{{"progress_pct", value.progress_pct},
                       {"change_pct", value.change_pct},
                       {"remaining_blocks", value.remaining_blocks},
                       {"remaining_time_ms", value.remaining_time_ms},
                       {"estimated_retarget_ms", value.estimated_retarget_ms},
                       {"previous_retarget_pct", value.previous_retarget_pct},
                       {"next_retarget_height", value.next_retarget_height},
                       {"time_avg_ms", optional_json(value.time_avg_ms)},
                       {"previous_retarget_time_ms", optional_json(value.previous_retarget_time_ms)}};
}

void from_json(const nlohmann::json& in, DifficultyAdjustment& value) {
  value.progress_pct = in.at("progress_pct").get<double>();
  value.change_pct = in.at("change_pct").get<double>();
  value.remaining_blocks = in.at("remaining_blocks").get<int64_t>();
  value.remaining_time_ms = in.at("remaining_time_ms").get<int64_t>();
  value.estimated_retarget_ms = in.at("estimated_retarget_ms").get<int64_t>();
  value.previous_retarget_pct = in.at("previous_retarget_pct").get<double>();
  value.next_retarget_height = in.at("next_retarget_height").get<int64_t>();
  value.time_avg_ms = read_optional<int64_t>(in, "time_avg_ms");
  value.previous_retarget_time_ms = read_optional<int64_t>(in, "previous_retarget_time_ms");
}

void to_json(nlohmann::json& out, const Hashrate& value) {
  out = nlohmann::json{{"current_hashrate_hs", value.current_hashrate_hs},
                       {"hashrate_window", value.window},
                       {"current_difficulty", optional_json(value.current_difficulty)}};
}

void from_json(const nlohmann::json& in, Hashrate& value) {
  value.current_hashrate_hs = in.at("current_hashrate_hs").get<double>();
  value.window = in.at("hashrate_window").get<std::string>();
  value.current_difficulty = read_optional<double>(in, "current_difficulty");
}

void to_json(nlohmann::json& out, const NetworkStats& value) {
  out = nlohmann::json{{"as_of_ms", value.as_of_ms},
                       {"height", optional_json(value.height)},
                       {"hashrate_hs", value.hashrate_hs},
                       {"difficulty", value.difficulty},
                       {"minutes_between_blocks", optional_json(value.minutes_between_blocks)},
                       {"market_price_usd", optional_json(value.market_price_usd)},
                       {"dropped_fields", value.dropped_fields}};
}

void from_json(const nlohmann::json& in, NetworkStats& value) {
  value.as_of_ms = in.at("as_of_ms").get<int64_t>();
  value.height = read_optional<int64_t>(in, "height");
  value.hashrate_hs = in.at("hashrate_hs").get<double>();
  value.difficulty = in.at("difficulty").get<double>();
  value.minutes_between_blocks = read_optional<double>(in, "minutes_between_blocks");
  value.market_price_usd = read_optional<double>(in, "market_price_usd");
  value.dropped_fields = in.value("dropped_fields", std::map<std::string, std::string>{});
}

}  // namespace ltl
