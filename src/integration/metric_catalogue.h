#pragma once
// The metric families the integration records: one declaration per family (name, type,
// help, unit, labels and where each label's values come from). IntegrationService
// declares them from here, creates every known series up front (so a fresh instance
// exports every family from its first scrape) and the README's family table is
// generated from here (tests/integration/metric_catalogue_test.cpp checks it).
#include <map>
#include <string>
#include <vector>

#include "config/config.h"
#include "monitor/metrics.h"

namespace ltl {

struct MetricLabelSpec {
  const char* name;
  // "a|b|c" lists the values; "@set" names a KnownLabelValues set (see known_label_values).
  const char* values;
};

struct MetricDeclaration {
  const char* name;  // registry name (also the JSON snapshot's); Prometheus name via prometheus_family_name
  MetricType type;
  const char* help;
  const char* unit;
  std::vector<MetricLabelSpec> labels;  // empty: one label-less series
  // Value of a gauge series before its first measurement: 0 when 0 is the true starting
  // state, NaN when there is no measurement yet (a 0 would claim one). Counters start at 0.
  double initial;
};

const std::vector<MetricDeclaration>& metric_catalogue();

// The bounded label value sets, named "@set" in the catalogue: routes, chain routes and
// their providers from the route catalogue; providers and currencies from the config;
// tiers from the persistent store's name. Never user input.
using KnownLabelValues = std::map<std::string, std::vector<std::string>>;
KnownLabelValues known_label_values(const Config& config, const std::string& persistent_tier);

// Declares every family of the catalogue.
void declare_catalogue_metrics(MetricsRegistry& registry);
// Creates every known series (cross product of each family's label values) at its
// initial value. Series that exist already are left alone.
void create_known_series(MetricsRegistry& registry, const KnownLabelValues& known);

// The README table: one row per family (exported name, type, unit, labels, help).
std::string metric_catalogue_markdown();

}  // namespace ltl
