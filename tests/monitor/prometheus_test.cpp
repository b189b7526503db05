#include "monitor/prometheus.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "monitor/monitor_fixtures.h"

namespace ltl {
namespace {

struct PromtoolResult {
  int exit_code;
  std::string output;
};

// Runs `promtool check metrics < file`. promtool comes from Debian's prometheus package
// (scripts/setup.sh installs it); a missing promtool is a failure, not a skip.
PromtoolResult promtool_check(const std::string& exposition) {
  std::string promtool = "/usr/bin/promtool";
  if (access(promtool.c_str(), X_OK) != 0) {
    ADD_FAILURE() << "promtool not found at /usr/bin/promtool: install Debian's prometheus package "
                     "(apt-get install -y prometheus, as scripts/setup.sh does)";
    return {-1, ""};
  }
  static int counter = 0;
  std::filesystem::path file = std::filesystem::temp_directory_path() /
                               ("ltl_prometheus_" + std::to_string(getpid()) + "_" + std::to_string(++counter) + ".prom");
  {
    std::ofstream out(file, std::ios::binary);
    out << exposition;
  }
  std::string command = promtool + " check metrics < '" + file.string() + "' 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    ADD_FAILURE() << "could not run " << command;
    return {-1, ""};
  }
  std::string output;
  char buffer[512];
  while (fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  int status = pclose(pipe);
  std::filesystem::remove(file);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

TEST(Prometheus, ExactTextForEachType) {
  MetricsRegistry registry;
  registry.declare("ltl_requests_total", MetricType::counter, "Requests.", "requests");
  registry.declare("ltl_wasm_heap_bytes", MetricType::gauge, "Heap.", "bytes");
  registry.declare("ltl_upstream_latency_ms", MetricType::histogram, "Latency.", "ms", {10, 100, 1000});
  registry.add("ltl_requests_total", {{"route", "price"}, {"outcome", "hit"}}, 3);
  registry.add("ltl_requests_total", {{"outcome", "error"}, {"route", "fees"}});
  registry.set("ltl_wasm_heap_bytes", {}, 1048576);
  // A bound is inclusive (le): 100 ms lands in le="0.1"; 5000 ms only in +Inf.
  for (double ms : {100.0, 100.0, 500.0, 5000.0}) registry.observe("ltl_upstream_latency_ms", {{"provider", "kraken"}}, ms);

  const std::string expected =
      "# HELP ltl_requests_total Requests.\n"
      "# TYPE ltl_requests_total counter\n"
      "ltl_requests_total{outcome=\"error\",route=\"fees\"} 1\n"
      "ltl_requests_total{outcome=\"hit\",route=\"price\"} 3\n"
      "# HELP ltl_upstream_latency_seconds Latency. (exported in seconds)\n"
      "# TYPE ltl_upstream_latency_seconds histogram\n"
      "ltl_upstream_latency_seconds_bucket{provider=\"kraken\",le=\"0.01\"} 0\n"
      "ltl_upstream_latency_seconds_bucket{provider=\"kraken\",le=\"0.1\"} 2\n"
      "ltl_upstream_latency_seconds_bucket{provider=\"kraken\",le=\"1\"} 3\n"
      "ltl_upstream_latency_seconds_bucket{provider=\"kraken\",le=\"+Inf\"} 4\n"
      "ltl_upstream_latency_seconds_sum{provider=\"kraken\"} 5.7\n"
      "ltl_upstream_latency_seconds_count{provider=\"kraken\"} 4\n"
      "# HELP ltl_wasm_heap_bytes Heap.\n"
      "# TYPE ltl_wasm_heap_bytes gauge\n"
      "ltl_wasm_heap_bytes 1048576\n";
  EXPECT_EQ(to_prometheus(registry), expected);
}

TEST(Prometheus, MillisecondsStayWhenBaseUnitsAreOff) {
  MetricsRegistry registry;
  registry.declare("ltl_request_duration_ms", MetricType::histogram, "Duration.", "ms");
  registry.observe("ltl_request_duration_ms", {}, 250);
  std::string text = to_prometheus(registry, PrometheusOptions{false});
  EXPECT_NE(text.find("# TYPE ltl_request_duration_ms histogram\n"), std::string::npos) << text;
  EXPECT_NE(text.find("ltl_request_duration_ms_bucket{le=\"100\"} 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("ltl_request_duration_ms_bucket{le=\"250\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("ltl_request_duration_ms_sum 250\n"), std::string::npos) << text;
}

TEST(Prometheus, ValuesAsPrometheusWritesThem) {
  EXPECT_EQ(prometheus_value(0), "0");
  EXPECT_EQ(prometheus_value(-0.0), "0");
  EXPECT_EQ(prometheus_value(42), "42");
  EXPECT_EQ(prometheus_value(-7), "-7");
  EXPECT_EQ(prometheus_value(0.1), "0.1");
  EXPECT_EQ(prometheus_value(1.5e-7), "1.5e-07");
  EXPECT_EQ(prometheus_value(1e20), "1e+20");
  EXPECT_EQ(prometheus_value(std::nan("")), "NaN");
  EXPECT_EQ(prometheus_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(prometheus_value(-std::numeric_limits<double>::infinity()), "-Inf");
  double third = 1.0 / 3;
  EXPECT_EQ(std::strtod(prometheus_value(third).c_str(), nullptr), third);  // round-trips
}

TEST(Prometheus, FamilyNamesFollowConventions) {
  EXPECT_EQ(prometheus_family_name("ltl_requests_total", MetricType::counter, "requests"), "ltl_requests_total");
  EXPECT_EQ(prometheus_family_name("ltl_requests", MetricType::counter, "requests"), "ltl_requests_total");
  EXPECT_EQ(prometheus_family_name("ltl_cache_evictions_total", MetricType::gauge, "entries"), "ltl_cache_evictions");
  EXPECT_EQ(prometheus_family_name("ltl_upstream_latency_ms", MetricType::histogram, "ms"), "ltl_upstream_latency_seconds");
  EXPECT_EQ(prometheus_family_name("ltl_upstream_latency_ms", MetricType::histogram, "ms", {false}), "ltl_upstream_latency_ms");
  EXPECT_EQ(prometheus_family_name("9lives.key-family:x", MetricType::gauge, ""), "_9lives_key_family_x");
}

// A registry full of awkward names and label values.
MetricsRegistry tricky_registry() {
  MetricsRegistry registry;
  registry.declare("ltl_requests_total", MetricType::counter, "Requests by route.\nSecond line with a \\ backslash.", "requests");
  registry.declare("ltl.cache-lookups", MetricType::counter, "", "lookups");  // invalid chars, no _total, no help
  registry.declare("ltl_cache_evictions_total", MetricType::gauge, "Evictions since start.", "entries");
  registry.declare("ltl_upstream_latency_ms", MetricType::histogram, "Latency.", "ms");
  registry.declare("ltl_temperature_celsius", MetricType::gauge, "Extremes.", "celsius");

  registry.add("ltl_requests_total", {{"route", "price \"usd\""}, {"outcome", "hit"}}, 5);
  registry.add("ltl_requests_total", {{"route", "C:\\path\\to"}, {"outcome", "miss"}}, 2);
  registry.add("ltl_requests_total", {{"route", "two\nlines"}, {"outcome", "error"}}, 1);
  registry.add("ltl_requests_total", {{"route", "caf\xC3\xA9 \xE2\x82\xBF"}, {"outcome", "hit"}}, 1);  // café ₿
  registry.add("ltl_requests_total", {{"route", "bad\xFF\xFE utf8"}, {"outcome", "hit"}}, 1);
  registry.add("ltl_requests_total", {{"route", ""}, {"outcome", "hit"}}, 1);  // empty value
  registry.add("ltl.cache-lookups", {{"key.family", "fees"}, {"0tier", "memory"}, {"__name", "x"}}, 4);
  registry.set("ltl_cache_evictions_total", {{"tier", "memory"}, {"reason", "size"}}, 12);
  registry.observe("ltl_upstream_latency_ms", {{"provider", "kraken"}, {"quantile", "user"}}, 1234.5);
  registry.observe("ltl_upstream_latency_ms", {{"provider", "kraken"}, {"le", "x"}}, 20);  // le is the histogram's
  registry.observe("ltl_upstream_latency_ms", {{"provider", "bad"}}, -1);  // refused: creates nothing
  registry.create_series("ltl_upstream_latency_ms", {{"provider", "idle"}});  // a series with no observation
  registry.set("ltl_temperature_celsius", {{"where", "hot"}}, std::numeric_limits<double>::infinity());
  registry.set("ltl_temperature_celsius", {{"where", "cold"}}, -std::numeric_limits<double>::infinity());
  registry.set("ltl_temperature_celsius", {{"where", "tiny"}}, 1.5e-7);
  registry.set("ltl_temperature_celsius", {{"where", "huge"}}, 1e20);
  return registry;
}

TEST(Prometheus, EscapesAndSanitizesTrickyInput) {
  std::string text = to_prometheus(tricky_registry());
  EXPECT_NE(text.find("# HELP ltl_requests_total Requests by route.\\nSecond line with a \\\\ backslash.\n"),
            std::string::npos) << text;
  EXPECT_NE(text.find("ltl_requests_total{outcome=\"hit\",route=\"price \\\"usd\\\"\"} 5\n"), std::string::npos) << text;
  EXPECT_NE(text.find("ltl_requests_total{outcome=\"miss\",route=\"C:\\\\path\\\\to\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("ltl_requests_total{outcome=\"error\",route=\"two\\nlines\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("route=\"caf\xC3\xA9 \xE2\x82\xBF\""), std::string::npos) << text;
  EXPECT_NE(text.find("route=\"bad\xEF\xBF\xBD\xEF\xBF\xBD utf8\""), std::string::npos) << text;
  EXPECT_NE(text.find("ltl_requests_total{outcome=\"hit\",route=\"\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("# HELP ltl_cache_lookups_total Metric ltl.cache-lookups.\n"), std::string::npos) << text;
  EXPECT_NE(text.find("ltl_cache_lookups_total{_0tier=\"memory\",key_family=\"fees\",label__name=\"x\"} 4\n"),
            std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE ltl_cache_evictions gauge\n"), std::string::npos) << text;
  EXPECT_NE(text.find("ltl_upstream_latency_seconds_bucket{exported_quantile=\"user\",provider=\"kraken\",le=\"2.5\"} 1\n"),
            std::string::npos) << text;
  EXPECT_NE(text.find("ltl_upstream_latency_seconds_bucket{exported_le=\"x\",provider=\"kraken\",le=\"+Inf\"} 1\n"),
            std::string::npos) << text;
  EXPECT_NE(text.find("ltl_upstream_latency_seconds_bucket{provider=\"idle\",le=\"+Inf\"} 0\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("provider=\"bad\""), std::string::npos) << text;
  EXPECT_NE(text.find("ltl_upstream_latency_seconds_count{provider=\"idle\"} 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("ltl_temperature_celsius{where=\"hot\"} +Inf\n"), std::string::npos) << text;
  EXPECT_NE(text.find("ltl_temperature_celsius{where=\"cold\"} -Inf\n"), std::string::npos) << text;
}

TEST(Prometheus, FamiliesSortedAndEachFamilyContiguous) {
  std::string text = to_prometheus(tricky_registry());
  std::vector<std::string> type_order;
  std::vector<std::string> sample_families;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    std::string line = text.substr(start, end - start);
    start = end + 1;
    if (line.rfind("# TYPE ", 0) == 0) {
      type_order.push_back(line.substr(7, line.find(' ', 7) - 7));
    } else if (!line.empty() && line[0] != '#') {
      std::string name = line.substr(0, line.find_first_of("{ "));
      // Every sample belongs to the family whose TYPE line came last.
      ASSERT_FALSE(type_order.empty());
      EXPECT_EQ(name.rfind(type_order.back(), 0), 0u) << line;
    }
  }
  EXPECT_TRUE(std::is_sorted(type_order.begin(), type_order.end()));
  EXPECT_EQ(std::set<std::string>(type_order.begin(), type_order.end()).size(), type_order.size());
}

TEST(Prometheus, CollidingNamesExportOnlyOneFamily) {
  MetricsRegistry registry;
  registry.declare("ltl_queue.depth", MetricType::gauge, "Dotted.", "");
  registry.declare("ltl_queue_depth", MetricType::gauge, "Underscored.", "");
  registry.set("ltl_queue.depth", {}, 1);
  registry.set("ltl_queue_depth", {}, 2);
  std::string text = to_prometheus(registry);
  EXPECT_NE(text.find("# HELP ltl_queue_depth Dotted.\n# TYPE ltl_queue_depth gauge\nltl_queue_depth 1\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("ltl_queue_depth 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("# ltl: family ltl_queue_depth not exported: its name ltl_queue_depth is already used by ltl_queue.depth\n"), std::string::npos) << text;
  EXPECT_EQ(promtool_check(text).exit_code, 0) << text;
}

TEST(Prometheus, OpenMetricsNamesCounterFamiliesWithoutTotalAndEndsWithEof) {
  MetricsRegistry registry;
  registry.declare("ltl_requests_total", MetricType::counter, "Requests \"by\" route.", "requests");
  registry.declare("ltl_request_duration_ms", MetricType::histogram, "Duration.", "ms", {100});
  registry.declare("ltl_queue.depth", MetricType::gauge, "Dotted.", "");
  registry.declare("ltl_queue_depth", MetricType::gauge, "Underscored.", "");  // a collision: no comment line
  registry.add("ltl_requests_total", {{"route", "price"}}, 2);
  registry.observe("ltl_request_duration_ms", {}, 50);
  registry.set("ltl_queue_depth", {}, 1);
  PrometheusOptions options;
  options.openmetrics = true;
  EXPECT_EQ(to_prometheus(registry, options),
            "# HELP ltl_queue_depth Dotted.\n"
            "# TYPE ltl_queue_depth gauge\n"
            "# HELP ltl_request_duration_seconds Duration. (exported in seconds)\n"
            "# TYPE ltl_request_duration_seconds histogram\n"
            "ltl_request_duration_seconds_bucket{le=\"0.1\"} 1\n"
            "ltl_request_duration_seconds_bucket{le=\"+Inf\"} 1\n"
            "ltl_request_duration_seconds_sum 0.05\n"
            "ltl_request_duration_seconds_count 1\n"
            "# HELP ltl_requests Requests \\\"by\\\" route.\n"
            "# TYPE ltl_requests counter\n"
            "ltl_requests_total{route=\"price\"} 2\n"
            "# EOF\n");
  // The 0.0.4 text keeps _total on the counter family and the collision comment.
  const std::string text = to_prometheus(registry);
  EXPECT_NE(text.find("# TYPE ltl_requests_total counter\n"), std::string::npos) << text;
  EXPECT_NE(text.find("# HELP ltl_requests_total Requests \"by\" route.\n"), std::string::npos) << text;
  EXPECT_NE(text.find("# ltl: family ltl_queue_depth not exported"), std::string::npos) << text;
  EXPECT_EQ(text.find("# EOF"), std::string::npos) << text;
}

TEST(Prometheus, EmptyRegistryIsEmptyText) {
  EXPECT_EQ(to_prometheus(MetricsRegistry()), "");
}

TEST(Prometheus, DeclaredFamilyWithoutSamplesIsStillExported) {
  MetricsRegistry registry;
  registry.declare("ltl_requests_total", MetricType::counter, "Requests.", "requests");
  EXPECT_EQ(to_prometheus(registry), "# HELP ltl_requests_total Requests.\n# TYPE ltl_requests_total counter\n");
}

TEST(Prometheus, PromtoolAcceptsTrickyRegistry) {
  std::string text = to_prometheus(tricky_registry());
  PromtoolResult result = promtool_check(text);
  EXPECT_EQ(result.exit_code, 0) << "promtool said:\n" << result.output << "\nfor:\n" << text;
  EXPECT_EQ(result.output, "") << "promtool lint findings:\n" << result.output << "\nfor:\n" << text;
}

TEST(Prometheus, PromtoolAcceptsTheIntegrationMetrics) {
  MetricsRegistry registry;
  testing::declare_ltl_metrics(registry);
  registry.add("ltl_requests_total", {{"outcome", "hit"}, {"route", "price"}}, 10);
  registry.observe("ltl_request_duration_ms", {{"route", "price"}}, 12.5);
  registry.add("ltl_upstream_requests_total", {{"outcome", "ok"}, {"provider", "coingecko"}}, 4);
  registry.add("ltl_upstream_errors_total", {{"category", "timeout"}, {"provider", "kraken"}});
  registry.observe("ltl_upstream_latency_ms", {{"provider", "coingecko"}}, 180);
  registry.add("ltl_upstream_retries_total", {{"provider", "kraken"}}, 2);
  registry.set("ltl_breaker_state", {{"provider", "kraken"}}, 2);
  registry.add("ltl_breaker_transitions_total", {{"provider", "kraken"}, {"to", "open"}});
  registry.add("ltl_cache_lookups_total", {{"result", "stale"}, {"tier", "memory"}}, 3);
  registry.set("ltl_cache_entries", {{"tier", "memory"}}, 7);
  registry.set("ltl_cache_bytes", {{"tier", "memory"}}, 4096);
  registry.set_total("ltl_cache_evictions_total", {{"reason", "capacity"}, {"tier", "memory"}}, 1);
  registry.set("ltl_wasm_heap_bytes", {}, 16777216);
  std::string text = to_prometheus(registry);
  PromtoolResult result = promtool_check(text);
  EXPECT_EQ(result.exit_code, 0) << "promtool said:\n" << result.output << "\nfor:\n" << text;
  // Lint findings (e.g. a counter without _total) are printed with exit code 0 or 3: none allowed.
  EXPECT_EQ(result.output, "") << "promtool lint findings:\n" << result.output << "\nfor:\n" << text;
}

TEST(Prometheus, PromtoolHarnessDetectsBrokenText) {
  // Guards the two tests above against a harness that passes everything.
  PromtoolResult result = promtool_check("# TYPE broken counter\nbroken{label=\"unterminated} 1\n");
  EXPECT_NE(result.exit_code, 0) << result.output;
}

}  // namespace
}  // namespace ltl
