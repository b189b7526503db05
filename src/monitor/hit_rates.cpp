#include "monitor/hit_rates.h"

#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

namespace ltl {
namespace {

std::optional<double> share(double part, double whole) {
  return whole > 0 ? std::optional<double>(part / whole) : std::nullopt;
}

HitRate make_rate(const std::string& name, double lookups, double hits, double stale) {
  HitRate out;
  out.name = name;
  out.lookups = lookups;
  out.hits = hits;
  out.stale = stale;
  out.passed_on = lookups - hits - stale;
  out.hit_rate = share(hits, lookups);
  out.stale_rate = share(stale, lookups);
  out.miss_rate = share(out.passed_on, lookups);
  return out;
}

std::string label_of(const Labels& labels, const char* name) {
  for (const auto& [key, value] : labels)
    if (key == name) return value;
  return "";
}

// NaN-aware point-wise sums: NaN until some series has a value at that point.
void accumulate(std::vector<double>& into, const std::vector<double>& column) {
  for (size_t p = 0; p < into.size() && p < column.size(); ++p) {
    if (std::isnan(column[p])) continue;
    into[p] = std::isnan(into[p]) ? column[p] : into[p] + column[p];
  }
}

nlohmann::json ratio_column(const std::vector<double>& part, const std::vector<double>& whole) {
  nlohmann::json out = nlohmann::json::array();
  for (size_t p = 0; p < whole.size(); ++p) {
    if (!(whole[p] > 0)) {  // NaN or no lookups in the interval
      out.push_back(nullptr);
      continue;
    }
    const double numerator = std::isnan(part[p]) ? 0 : part[p];
    out.push_back(numerator / whole[p]);
  }
  return out;
}

}  // namespace

std::vector<HitRate> tier_hit_rates(const std::map<std::string, LookupCounts>& by_tier) {
  std::vector<HitRate> out;
  if (by_tier.empty()) return out;
  double total = 0;
  for (const auto& [tier, counts] : by_tier) total += counts.total();
  const auto memory_it = by_tier.find(kMemoryTier);
  const LookupCounts memory = memory_it == by_tier.end() ? LookupCounts{} : memory_it->second;
  out.push_back(make_rate(kMemoryTier, total, memory.hit, memory.stale));
  const double past_memory = total - memory.hit - memory.stale;
  for (const auto& [tier, counts] : by_tier) {
    if (tier == kMemoryTier || tier.empty()) continue;
    out.push_back(make_rate(tier, past_memory, counts.hit, counts.stale));
  }
  return out;
}

std::vector<HitRate> family_hit_rates(const std::map<std::string, LookupCounts>& by_family) {
  std::vector<HitRate> out;
  for (const auto& [family, counts] : by_family) {
    if (family.empty()) continue;
    out.push_back(make_rate(family, counts.total(), counts.hit, counts.stale));
  }
  return out;
}

nlohmann::json hit_rate_history(const MetricsHistory& history) {
  const size_t points = history.size();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> all(points, nan), all_hits(points, nan), memory_answered(points, nan);
  std::map<std::string, std::vector<double>> tier_hits;
  for (const auto& series : history.series()) {
    if (series.metric != kCacheLookupsMetric) continue;
    const std::vector<double> rate = history.column(series.metric, series.labels, HistoryStatistic::rate_per_s);
    if (rate.empty()) continue;
    std::string tier = label_of(series.labels, "tier");
    if (tier.empty()) tier = kMemoryTier;
    const std::string result = label_of(series.labels, "result");
    auto& hits = tier_hits.try_emplace(tier, std::vector<double>(points, nan)).first->second;
    accumulate(all, rate);
    if (result == "hit") {
      accumulate(all_hits, rate);
      accumulate(hits, rate);
    }
    if (tier == kMemoryTier && (result == "hit" || result == "stale")) accumulate(memory_answered, rate);
  }
  std::vector<double> past_memory(points, nan);
  for (size_t p = 0; p < points; ++p)
    if (!std::isnan(all[p])) past_memory[p] = all[p] - (std::isnan(memory_answered[p]) ? 0 : memory_answered[p]);

  nlohmann::json tiers = nlohmann::json::object();
  if (!tier_hits.empty()) {
    tier_hits.try_emplace(kMemoryTier, std::vector<double>(points, nan));
    for (const auto& [tier, hits] : tier_hits)
      tiers[tier] = ratio_column(hits, tier == kMemoryTier ? all : past_memory);
  }
  return {{"all", ratio_column(all_hits, all)}, {"tiers", std::move(tiers)}};
}

}  // namespace ltl
