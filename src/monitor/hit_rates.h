#pragma once
// Cache hit rates from ltl_cache_lookups_total{tier,result[,family]}: the one place that turns
// lookup counters into ratios, for the report (a window's totals) and the history charts (one
// ratio per sampling interval). The dashboard shows these; it does no arithmetic of its own.
//
// Each lookup is counted once: a memory hit or stale answer under tier="memory", an answer from
// a persistent tier under that tier's name, a miss (the origin answered) under tier="memory".
//  - memory tier: of all lookups, the share memory answered fresh;
//  - a persistent tier: of the lookups memory did not answer, the share this tier answered fresh;
//  - a key family: of the family's lookups, the share some tier answered fresh.
// Ratios are 0..1; nullopt (JSON null) when nothing reached the tier or family.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "monitor/history.h"

namespace ltl {

inline constexpr const char* kCacheLookupsMetric = "ltl_cache_lookups_total";
inline constexpr const char* kMemoryTier = "memory";

// Lookups by result (the `result` label: hit, stale, miss).
struct LookupCounts {
  double hit = 0;
  double stale = 0;
  double miss = 0;
  double total() const { return hit + stale + miss; }
};

struct HitRate {
  std::string name;      // the tier or family
  double lookups = 0;    // lookups that reached it (see above)
  double hits = 0;       // answered fresh here
  double stale = 0;      // answered stale here
  double passed_on = 0;  // not answered here: a lower tier or the origin answered
  std::optional<double> hit_rate, stale_rate, miss_rate;  // shares of `lookups`
};

// Memory first (whenever any tier is present), then the other tiers by name. `by_tier` holds
// the counts recorded under each tier label.
std::vector<HitRate> tier_hit_rates(const std::map<std::string, LookupCounts>& by_tier);
// By family name.
std::vector<HitRate> family_hit_rates(const std::map<std::string, LookupCounts>& by_family);

// Per point of history.times(), from the lookups' per-interval rates:
// {"all": [ratio or null...], "tiers": {"memory": [...], "<tier>": [...]}}; null where the
// interval had no lookups reaching it or the history has no rate yet.
nlohmann::json hit_rate_history(const MetricsHistory& history);

}  // namespace ltl
