#include "monitor/metrics.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

namespace ltl {
namespace {
constexpr double kMinIndexable = 1e-9;

const char* type_name(MetricType type) {
  switch (type) {
    case MetricType::counter: return "counter";
    case MetricType::gauge: return "gauge";
    case MetricType::histogram: return "histogram";
  }
  return "gauge";
}
}  // namespace

LatencySketch::LatencySketch(double relative_accuracy, size_t max_bins)
    : relative_accuracy_(relative_accuracy),
      gamma_((1 + relative_accuracy) / (1 - relative_accuracy)),
      log_gamma_(std::log(gamma_)),
      max_bins_(max_bins) {}

int LatencySketch::index_of(double value) const {
  return static_cast<int>(std::ceil(std::log(value) / log_gamma_));
}

double LatencySketch::value_of(int index) const {
  // The midpoint (in relative terms) of bin (gamma^(i-1), gamma^i].
  return 2 * std::pow(gamma_, index) / (gamma_ + 1);
}

void LatencySketch::add(double value) {
  if (!std::isfinite(value) || value < 0) return;
  if (count_ == 0) {
    min_ = max_ = value;
  } else {
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
  }
  ++count_;
  sum_ += value;
  if (value <= kMinIndexable) {
    ++zero_count_;
    return;
  }
  ++bins_[index_of(value)];
  collapse_to_bound();
}

void LatencySketch::collapse_to_bound() {
  // Fold the lowest bins together: low quantiles lose precision first, the tail stays exact.
  while (bins_.size() > max_bins_) {
    auto lowest = bins_.begin();
    std::next(lowest)->second += lowest->second;
    bins_.erase(lowest);
  }
}

void LatencySketch::merge(const LatencySketch& other) {
  if (other.count_ == 0) return;
  if (count_ == 0) {
    min_ = other.min_;
    max_ = other.max_;
  } else {
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }
  count_ += other.count_;
  sum_ += other.sum_;
  zero_count_ += other.zero_count_;
  for (const auto& [index, n] : other.bins_) bins_[index] += n;
  collapse_to_bound();
}

double LatencySketch::quantile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  // Rank of the wanted value (0-based), as in DDSketch.
  double rank = q * static_cast<double>(count_ - 1);
  if (rank < static_cast<double>(zero_count_)) return 0;
  uint64_t seen = zero_count_;
  for (const auto& [index, n] : bins_) {
    seen += n;
    if (static_cast<double>(seen) > rank) return std::clamp(value_of(index), min_, max_);
  }
  return max_;
}

void MetricsRegistry::declare(const std::string& name, MetricType type, std::string help,
                              std::string unit) {
  families_.try_emplace(name, Family{type, std::move(help), std::move(unit), {}, {}});
}

MetricsRegistry::Family* MetricsRegistry::family(const std::string& name, MetricType expected) {
  auto it = families_.find(name);
  if (it == families_.end() || it->second.type != expected) return nullptr;
  return &it->second;
}

void MetricsRegistry::add(const std::string& name, const Labels& labels, double amount) {
  Family* f = family(name, MetricType::counter);
  if (f == nullptr || amount < 0) return;
  auto it = f->values.find(labels);
  if (it == f->values.end()) {
    if (f->values.size() >= kMaxSeriesPerFamily) {
      ++dropped_series_;
      return;
    }
    it = f->values.emplace(labels, 0).first;
  }
  it->second += amount;
}

void MetricsRegistry::set(const std::string& name, const Labels& labels, double value) {
  Family* f = family(name, MetricType::gauge);
  if (f == nullptr) return;
  if (f->values.size() >= kMaxSeriesPerFamily && !f->values.count(labels)) {
    ++dropped_series_;
    return;
  }
  f->values[labels] = value;
}

void MetricsRegistry::observe(const std::string& name, const Labels& labels, double value) {
  Family* f = family(name, MetricType::histogram);
  if (f == nullptr) return;
  auto it = f->sketches.find(labels);
  if (it == f->sketches.end()) {
    if (f->sketches.size() >= kMaxSeriesPerFamily) {
      ++dropped_series_;
      return;
    }
    it = f->sketches.emplace(labels, LatencySketch()).first;
  }
  it->second.add(value);
}

double MetricsRegistry::value(const std::string& name, const Labels& labels) const {
  auto it = families_.find(name);
  if (it == families_.end()) return 0;
  auto series = it->second.values.find(labels);
  return series == it->second.values.end() ? 0 : series->second;
}

const LatencySketch* MetricsRegistry::histogram(const std::string& name,
                                                const Labels& labels) const {
  auto it = families_.find(name);
  if (it == families_.end()) return nullptr;
  auto series = it->second.sketches.find(labels);
  return series == it->second.sketches.end() ? nullptr : &series->second;
}

nlohmann::json MetricsRegistry::snapshot(int64_t now_ms) const {
  auto labels_json = [](const Labels& labels) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [k, v] : labels) out[k] = v;
    return out;
  };
  nlohmann::json metrics = nlohmann::json::array();
  for (const auto& [name, f] : families_) {
    nlohmann::json samples = nlohmann::json::array();
    for (const auto& [labels, v] : f.values) samples.push_back({{"labels", labels_json(labels)}, {"value", v}});
    for (const auto& [labels, sketch] : f.sketches) {
      samples.push_back({{"labels", labels_json(labels)},
                         {"count", sketch.count()},
                         {"sum", sketch.sum()},
                         {"p50", sketch.quantile(0.5)},
                         {"p95", sketch.quantile(0.95)},
                         {"p99", sketch.quantile(0.99)}});
    }
    metrics.push_back({{"name", name},
                       {"type", type_name(f.type)},
                       {"help", f.help},
                       {"unit", f.unit},
                       {"samples", std::move(samples)}});
  }
  return {{"taken_at", now_ms}, {"dropped_series", dropped_series_}, {"metrics", std::move(metrics)}};
}

}  // namespace ltl
