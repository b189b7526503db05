// What a Prometheus user sees: every declared family from the first scrape, promtool
// lint-clean, counters as counters, histograms with cumulative buckets, no negative
// byte counts; and the README's family table generated from the catalogue.
#include "integration/metric_catalogue.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "integration/integration_service.h"
#include "monitor/prometheus.h"
#include "support/fake_store.h"
#include "support/fake_transport.h"
#include "support/fixtures.h"

namespace ltl {
namespace {

using nlohmann::json;
using testing::FakeStore;
using testing::FakeTransport;
using testing::fixture;
using testing::http_response;

// `promtool check metrics < text`: exit code and everything it printed (lint findings too).
std::pair<int, std::string> promtool(const std::string& text) {
  const std::filesystem::path file = std::filesystem::temp_directory_path() /
                                     ("ltl_catalogue_" + std::to_string(getpid()) + ".prom");
  std::ofstream(file, std::ios::binary) << text;
  FILE* pipe = popen(("/usr/bin/promtool check metrics < '" + file.string() + "' 2>&1").c_str(), "r");
  if (pipe == nullptr) return {-1, "could not run promtool"};
  std::string output;
  char buffer[512];
  while (fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  const int status = pclose(pipe);
  std::filesystem::remove(file);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

struct Sample {
  std::string name;    // as written (with _bucket/_sum/_count)
  std::string labels;  // the {...} text, "" when none
  double value;
};

struct Exposition {
  std::map<std::string, std::string> types;  // family -> counter/gauge/histogram
  std::map<std::string, std::vector<Sample>> samples;  // family -> its sample lines
};

Exposition parse(const std::string& text) {
  Exposition out;
  std::istringstream lines(text);
  std::string line, family;
  while (std::getline(lines, line)) {
    if (line.rfind("# TYPE ", 0) == 0) {
      std::istringstream words(line.substr(7));
      std::string type;
      words >> family >> type;
      out.types[family] = type;
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.rfind(' ');
    const std::string series = line.substr(0, space);
    const size_t brace = series.find('{');
    Sample sample{series.substr(0, brace), brace == std::string::npos ? "" : series.substr(brace),
                  std::strtod(line.c_str() + space + 1, nullptr)};
    out.samples[family].push_back(sample);
  }
  return out;
}

std::set<std::string> declared_exported_names() {
  std::set<std::string> names;
  for (const auto& spec : metric_catalogue()) names.insert(prometheus_family_name(spec.name, spec.type, spec.unit));
  return names;
}

class MetricCatalogue : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.retry_max_attempts = 2;
    for (auto& rate : config_.provider_rate_per_min) rate = 100000;
    config_.coingecko_api_url = "http://sim.test/coingecko";
    config_.coinbase_api_url = "http://sim.test/coinbase";
    config_.mempool_api_url = "http://sim.test/mempool";
    config_.price_providers = {"coinbase", "coingecko"};
    // coinbase fails (retried, then a fallback), coingecko answers prices; everything else is a 404.
    transport_.answer_with([](const HttpRequest& request) {
      if (request.url.find("/coingecko/simple/price") != std::string::npos)
        return http_response(200, fixture("coingecko/simple_price.json"));
      if (request.url.find("/mempool/v1/fees/recommended") != std::string::npos)
        return http_response(200, fixture("mempool/fees_recommended.json"));
      if (request.url.find("/coinbase/") != std::string::npos) return http_response(503, "busy");
      return http_response(404, "not found");
    });
  }

  void call(IntegrationService& service, const std::string& route, const json& params = json::object()) {
    bool answered = false;
    service.request(route, params, [&](JsonResult) { answered = true; });
    for (int i = 0; i < 600 && !answered; ++i) scheduler_.advance(100);
    ASSERT_TRUE(answered) << route;
  }

  ManualClock clock_;
  ManualScheduler scheduler_{clock_};
  FakeTransport transport_;
  FakeStore store_{"cache-api"};
  Config config_;
};

TEST_F(MetricCatalogue, AFreshServiceExportsEveryDeclaredFamilyLintClean) {
  IntegrationOptions options;
  options.store = &store_;
  IntegrationService service(clock_, scheduler_, transport_, config_, options);
  const std::string text = service.metrics_prometheus();
  const Exposition exposition = parse(text);

  std::set<std::string> exported;
  for (const auto& [family, type] : exposition.types) exported.insert(family);
  EXPECT_GE(metric_catalogue().size(), 30u);
  EXPECT_EQ(exported.size(), metric_catalogue().size());
  EXPECT_EQ(exported, declared_exported_names());
  for (const auto& family : exported) EXPECT_FALSE(exposition.samples.count(family) == 0) << family << " has no series";

  // Labelled families carry their known label values at 0 before any traffic.
  EXPECT_NE(text.find("ltl_requests_total{outcome=\"miss\",route=\"price\"} 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("ltl_upstream_errors_total{category=\"timeout\",provider=\"kraken\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("ltl_cache_lookups_total{family=\"fees\",result=\"hit\",tier=\"cache-api\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("ltl_provider_fallbacks_total{provider=\"esplora\",route=\"fees\"} 0\n"), std::string::npos);
  EXPECT_EQ(text.find("ltl_provider_fallbacks_total{provider=\"fng\",route=\"price\"}"), std::string::npos)
      << "only a route's own providers";
  EXPECT_NE(text.find("ltl_upstream_latency_seconds_bucket{provider=\"mempool\",le=\"+Inf\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("ltl_cache_compression_saved_bytes_total{tier=\"cache-api\"} 0\n"), std::string::npos);
  // No measurement yet is NaN, not a 0 that claims one.
  EXPECT_NE(text.find("ltl_consensus_spread_pct{currency=\"usd\"} NaN\n"), std::string::npos);

  auto [code, output] = promtool(text);
  EXPECT_EQ(code, 0) << output;
  EXPECT_EQ(output, "") << "promtool lint findings:\n" << output;
}

TEST_F(MetricCatalogue, AfterAMixedRunCountersHistogramsAndBytesAreSound) {
  // Small values cost more to store than they are (metadata); large ones compress.
  store_.stored_bytes_for = [](size_t raw) { return raw < 200 ? raw + 57 : raw / 4; };
  IntegrationOptions options;
  options.store = &store_;
  IntegrationService service(clock_, scheduler_, transport_, config_, options);
  ASSERT_TRUE(service.start().ok());
  for (int round = 0; round < 3; ++round) {
    call(service, "price", {{"currency", "usd"}});
    call(service, "fees");
    call(service, "mempool");  // every provider 404s: errors, fallbacks
    call(service, "nonsense");
    clock_.advance(70000);
  }
  ASSERT_TRUE(service.ingest("fees", json{{"fastest_sat_vb", 5}, {"half_hour_sat_vb", 4}, {"hour_sat_vb", 3},
                                          {"economy_sat_vb", 2}, {"minimum_sat_vb", 1}, {"fee_definition", "mempool_precise"}},
                             "mempool-websocket")
                  .ok());
  scheduler_.advance(5000);
  const std::string text = service.metrics_prometheus();
  const Exposition exposition = parse(text);
  ASSERT_EQ(exposition.types.size(), metric_catalogue().size());

  auto [code, output] = promtool(text);
  EXPECT_EQ(code, 0) << output;
  EXPECT_EQ(output, "") << "promtool lint findings:\n" << output;

  size_t histogram_series = 0;
  for (const auto& [family, type] : exposition.types) {
    const auto& samples = exposition.samples.at(family);
    const bool total = family.size() > 6 && family.compare(family.size() - 6, 6, "_total") == 0;
    EXPECT_EQ(total, type == "counter") << family << " is a " << type;
    if (type == "counter") {
      for (const auto& s : samples) EXPECT_GE(s.value, 0) << family << s.labels;
    }
    if (family.find("_bytes") != std::string::npos) {
      for (const auto& s : samples) EXPECT_FALSE(s.value < 0) << family << s.labels << " = " << s.value;
    }
    if (type != "histogram") continue;
    // Per series: buckets ascending by le, cumulative, +Inf equal to _count.
    std::map<std::string, std::vector<std::pair<double, double>>> buckets;  // series labels without le
    std::map<std::string, double> counts;
    for (const auto& s : samples) {
      if (s.name == family + "_count") counts[s.labels] = s.value;
      if (s.name != family + "_bucket") continue;
      const size_t le = s.labels.find(",le=\"") != std::string::npos ? s.labels.find(",le=\"") : s.labels.find("{le=\"");
      ASSERT_NE(le, std::string::npos) << s.labels;
      std::string rest = s.labels.substr(le + 5);
      const double bound = rest.rfind("+Inf", 0) == 0 ? INFINITY : std::strtod(rest.c_str(), nullptr);
      std::string series = s.labels.substr(0, le) + "}";
      if (series == "{}" || series == "}") series = "";
      buckets[series].emplace_back(bound, s.value);
    }
    for (const auto& [series, list] : buckets) {
      ++histogram_series;
      ASSERT_FALSE(list.empty());
      for (size_t i = 1; i < list.size(); ++i) {
        EXPECT_LT(list[i - 1].first, list[i].first) << family << series;
        EXPECT_LE(list[i - 1].second, list[i].second) << family << series << " buckets must be cumulative";
      }
      EXPECT_TRUE(std::isinf(list.back().first)) << family << series;
      ASSERT_TRUE(counts.count(series)) << family << series;
      EXPECT_EQ(list.back().second, counts.at(series)) << family << series;
    }
  }
  EXPECT_GT(histogram_series, 10u);
  // The run did record something in the families checked above.
  EXPECT_GT(service.metrics().value("ltl_requests_total", {{"outcome", "error"}, {"route", "unknown"}}), 0);
  EXPECT_GT(service.metrics().value("ltl_provider_fallbacks_total", {{"provider", "coinbase"}, {"route", "price"}}), 0);
  EXPECT_GT(service.metrics().value("ltl_cache_compression_saved_bytes_total", {{"tier", "cache-api"}}), 0);
  const LatencySketch* latency = service.metrics().histogram("ltl_request_duration_ms", {{"route", "price"}});
  ASSERT_NE(latency, nullptr);
  EXPECT_EQ(latency->count(), 3u);
}

TEST(MetricCatalogueDeclarations, NamesAreUniqueAndFollowPrometheusConventions) {
  std::set<std::string> names;
  for (const auto& spec : metric_catalogue()) {
    const std::string name = spec.name;
    EXPECT_TRUE(names.insert(name).second) << name << " declared twice";
    const bool total = name.size() > 6 && name.compare(name.size() - 6, 6, "_total") == 0;
    EXPECT_EQ(total, spec.type == MetricType::counter) << name;
    // Latencies are kept in ms in the registry and exported in seconds.
    if (spec.type == MetricType::histogram) {
      EXPECT_EQ(prometheus_family_name(spec.name, spec.type, spec.unit).substr(name.size() - 3), "_seconds") << name;
    }
  }
  EXPECT_EQ(declared_exported_names().size(), names.size()) << "two families export under one name";
}

// The README's table of families is generated from the catalogue. To refresh it after a
// change: LTL_UPDATE_README=1 build/native/ltl_tests --gtest_filter='MetricCatalogueDeclarations.Readme*'
TEST(MetricCatalogueDeclarations, ReadmeTableMatchesTheCatalogue) {
  const std::string begin = "<!-- metric-families:begin (generated from src/integration/metric_catalogue.cpp) -->\n";
  const std::string end = "<!-- metric-families:end -->";
  const std::filesystem::path readme = std::filesystem::path(LTL_FIXTURES_DIR) / ".." / ".." / "README.md";
  std::ifstream in(readme, std::ios::binary);
  ASSERT_TRUE(in) << "cannot read " << readme;
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  const size_t from = text.find(begin);
  const size_t to = text.find(end);
  ASSERT_NE(from, std::string::npos) << "README.md lacks the line " << begin;
  ASSERT_NE(to, std::string::npos) << "README.md lacks the line " << end;
  ASSERT_LT(from, to);
  const std::string expected = metric_catalogue_markdown();
  const std::string actual = text.substr(from + begin.size(), to - from - begin.size());
  if (actual != expected && std::getenv("LTL_UPDATE_README") != nullptr) {
    text.replace(from + begin.size(), actual.size(), expected);
    std::ofstream(readme, std::ios::binary) << text;
    return;
  }
  EXPECT_EQ(actual, expected) << "README.md's metric table is stale; regenerate it with LTL_UPDATE_README=1 "
                                 "build/native/ltl_tests --gtest_filter='MetricCatalogueDeclarations.Readme*'";
}

}  // namespace
}  // namespace ltl
