#include "monitor/prometheus.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <vector>

namespace ltl {
namespace {

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool is_name_char(char c, bool allow_digit) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (allow_digit && c >= '0' && c <= '9');
}

// [a-zA-Z_][a-zA-Z0-9_]*. Colons are legal in metric names but reserved for recording
// rules (promtool flags them), so they are replaced too.
std::string sanitize_name(const std::string& name) {
  std::string out;
  out.reserve(name.size() + 1);
  for (char c : name) out += is_name_char(c, true) ? c : '_';
  if (out.empty() || !is_name_char(out[0], false)) out.insert(out.begin(), '_');
  return out;
}

std::string sanitize_label_name(const std::string& name) {
  std::string out = sanitize_name(name);
  // Names starting with __ are reserved for Prometheus itself.
  if (out.rfind("__", 0) == 0) out = "label" + out;
  return out;
}

// Invalid UTF-8 becomes U+FFFD: the exposition format is UTF-8 and parsers may reject the rest.
std::string valid_utf8(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  size_t i = 0;
  while (i < text.size()) {
    unsigned char c = bytes[i];
    size_t length = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool ok = length > 0 && i + length <= text.size();
    for (size_t k = 1; ok && k < length; ++k) ok = (bytes[i + k] >> 6) == 0x2;
    if (ok && length > 1) {
      // Reject overlong forms, surrogates and code points past U+10FFFF.
      uint32_t cp = c & (0x7F >> length);
      for (size_t k = 1; k < length; ++k) cp = (cp << 6) | (bytes[i + k] & 0x3F);
      static const uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
      ok = cp >= kMinForLength[length] && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
    }
    if (ok) {
      out.append(text, i, length);
      i += length;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

std::string escape_help(const std::string& text) {
  std::string out;
  for (char c : valid_utf8(text)) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string escape_label_value(const std::string& text) {
  std::string out;
  for (char c : valid_utf8(text)) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

// Sanitized, sorted by name, first of any duplicate name kept; `reserved` (le, which belongs to
// the histogram itself) and quantile (promtool reserves it for summaries) get an exported_ prefix.
std::vector<std::pair<std::string, std::string>> export_labels(const Labels& labels, const char* reserved) {
  std::vector<std::pair<std::string, std::string>> out;
  std::set<std::string> seen;
  for (const auto& [name, value] : labels) {
    std::string exported = sanitize_label_name(name);
    if ((reserved != nullptr && exported == reserved) || exported == "quantile") exported = "exported_" + exported;
    if (!seen.insert(exported).second) continue;
    out.emplace_back(exported, value);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string render_labels(const std::vector<std::pair<std::string, std::string>>& labels,
                          const std::string& extra_name = "", const std::string& extra_value = "") {
  if (labels.empty() && extra_name.empty()) return "";
  std::string out = "{";
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!first) out += ',';
    first = false;
    out += name + "=\"" + escape_label_value(value) + "\"";
  }
  if (!extra_name.empty()) {
    if (!first) out += ',';
    out += extra_name + "=\"" + extra_value + "\"";
  }
  return out + "}";
}

struct ExportedFamily {
  std::string registry_name;
  const MetricFamily* family;
  double divisor;  // registry value / divisor = exported value (division keeps 100 ms = 0.1 s exact)
};

// Stem without _total, and the divisor of the ms -> seconds conversion (1 when it does not apply).
std::pair<std::string, double> exported_stem(const std::string& name, const std::string& unit,
                                             const PrometheusOptions& options) {
  std::string stem = sanitize_name(name);
  if (ends_with(stem, "_total") && stem.size() > 6) stem.resize(stem.size() - 6);
  double divisor = 1;
  if (options.base_units && unit == "ms" && ends_with(stem, "_ms") && stem.size() > 3) {
    stem.resize(stem.size() - 3);
    stem += "_seconds";
    divisor = 1000;
  }
  return {stem, divisor};
}

}  // namespace

std::string prometheus_family_name(const std::string& name, MetricType type, const std::string& unit,
                                   const PrometheusOptions& options) {
  std::string stem = exported_stem(name, unit, options).first;
  return type == MetricType::counter ? stem + "_total" : stem;
}

std::string prometheus_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == 0) return "0";
  char buffer[40];
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    std::snprintf(buffer, sizeof buffer, "%.0f", value);
    return buffer;
  }
  for (int precision = 15; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof buffer, "%.*g", precision, value);
    if (std::strtod(buffer, nullptr) == value) break;
  }
  return buffer;
}

std::string to_prometheus(const MetricsRegistry& registry, const PrometheusOptions& options) {
  // Exported name -> family; std::map keeps families sorted by exported name.
  std::map<std::string, ExportedFamily> exported;
  std::vector<std::string> collisions;
  for (const auto& [name, family] : registry.families()) {
    auto [stem, divisor] = exported_stem(name, family.unit, options);
    std::string exported_name = family.type == MetricType::counter ? stem + "_total" : stem;
    if (!exported.emplace(exported_name, ExportedFamily{name, &family, divisor}).second)
      collisions.push_back("# ltl: family " + escape_help(name) + " not exported: its name " + exported_name +
                           " is already used by " + escape_help(exported.at(exported_name).registry_name) + "\n");
  }

  std::string out;
  for (const auto& [name, entry] : exported) {
    const MetricFamily& family = *entry.family;
    std::string help = family.help.empty() ? "Metric " + entry.registry_name + "." : family.help;
    if (entry.divisor != 1) help += " (exported in seconds)";
    const char* type = family.type == MetricType::counter ? "counter"
                       : family.type == MetricType::gauge ? "gauge"
                                                          : "histogram";
    // OpenMetrics names the counter family without its _total sample suffix.
    const std::string metadata_name =
        options.openmetrics && family.type == MetricType::counter ? name.substr(0, name.size() - 6) : name;
    // OpenMetrics escapes '"' in HELP as in label values; the 0.0.4 format does not.
    out += "# HELP " + metadata_name + " " + (options.openmetrics ? escape_label_value(help) : escape_help(help)) + "\n";
    out += "# TYPE " + metadata_name + " " + type + "\n";

    // Each series renders to a block of lines; series sorted (and deduplicated) by label text.
    std::map<std::string, std::string> series_blocks;
    if (family.type == MetricType::histogram) {
      for (const auto& [labels, sketch] : family.sketches) {
        auto exported_labels = export_labels(labels, "le");
        std::string key = render_labels(exported_labels);
        if (series_blocks.count(key)) continue;
        auto counts = family.bucket_counts.find(labels);
        std::string block;
        uint64_t cumulative = 0;
        for (size_t i = 0; i <= family.bucket_bounds.size(); ++i) {
          if (counts != family.bucket_counts.end() && i < counts->second.size()) cumulative += counts->second[i];
          const bool last = i == family.bucket_bounds.size();
          // +Inf is the series' count by definition (the sketch counts every observation too).
          const double exported = last ? static_cast<double>(sketch.count()) : static_cast<double>(cumulative);
          const std::string le = last ? "+Inf" : prometheus_value(family.bucket_bounds[i] / entry.divisor);
          block += name + "_bucket" + render_labels(exported_labels, "le", le) + " " + prometheus_value(exported) + "\n";
        }
        block += name + "_sum" + key + " " + prometheus_value(sketch.sum() / entry.divisor) + "\n";
        block += name + "_count" + key + " " + prometheus_value(static_cast<double>(sketch.count())) + "\n";
        series_blocks.emplace(key, std::move(block));
      }
    } else {
      for (const auto& [labels, value] : family.values) {
        std::string key = render_labels(export_labels(labels, nullptr));
        if (series_blocks.count(key)) continue;
        series_blocks.emplace(key, name + key + " " + prometheus_value(value / entry.divisor) + "\n");
      }
    }
    for (const auto& [key, block] : series_blocks) out += block;
  }
  if (options.openmetrics) return out + "# EOF\n";  // OpenMetrics allows no other comments
  for (const auto& line : collisions) out += line;
  return out;
}

}  // namespace ltl
