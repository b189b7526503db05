#include "monitor/metrics.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

namespace ltl {
namespace {
constexpr double kMinIndexable = 1e-9;

double gamma_of(double relative_accuracy) {
  return (1 + relative_accuracy) / (1 - relative_accuracy);
}

// Recomputes count, min and max of counts whose bins were just derived.
void settle_bounds(SketchCounts& out, const SketchCounts& source) {
  out.count = out.zero_count;
  for (const auto& bin : out.bins) out.count += bin.second;
  if (out.count == 0) {
    out.min = out.max = 0;
    return;
  }
  const double gamma = gamma_of(out.relative_accuracy);
  if (out.bins.empty()) {
    out.min = out.max = std::min(source.max, kMinIndexable);
    return;
  }
  // Bin i holds values in (gamma^(i-1), gamma^i]: its edges bound what it holds.
  out.min = out.zero_count ? 0 : std::pow(gamma, out.bins.front().first - 1);
  out.max = std::pow(gamma, out.bins.back().first);
  out.min = std::clamp(out.min, source.min, source.max);
  out.max = std::clamp(out.max, source.min, source.max);
  if (!source.bins.empty() && out.bins.back().first == source.bins.back().first) out.max = source.max;
}
}  // namespace

const char* to_string(MetricType type) {
  switch (type) {
    case MetricType::counter: return "counter";
    case MetricType::gauge: return "gauge";
    case MetricType::histogram: return "histogram";
  }
  return "gauge";
}

SketchCounts sketch_difference(const SketchCounts& later, const SketchCounts& earlier) {
  if (earlier.count == 0 || earlier.relative_accuracy != later.relative_accuracy) return later;
  SketchCounts out;
  out.relative_accuracy = later.relative_accuracy;
  out.bins = later.bins;
  for (const auto& [index, n] : earlier.bins) {
    // Where the earlier bin's counts are now: itself, or the bin a collapse folded it into.
    auto it = std::lower_bound(out.bins.begin(), out.bins.end(), index,
                               [](const std::pair<int, uint64_t>& bin, int i) { return bin.first < i; });
    if (it == out.bins.end()) continue;
    it->second -= std::min(it->second, n);
  }
  out.bins.erase(std::remove_if(out.bins.begin(), out.bins.end(),
                                [](const std::pair<int, uint64_t>& bin) { return bin.second == 0; }),
                 out.bins.end());
  out.zero_count = later.zero_count - std::min(later.zero_count, earlier.zero_count);
  out.sum = std::max(0.0, later.sum - earlier.sum);
  settle_bounds(out, later);
  if (out.count == 0) out.sum = 0;
  return out;
}

SketchCounts sketch_sum(const SketchCounts& a, const SketchCounts& b) {
  if (b.count == 0) return a;
  if (a.count == 0) return b;
  SketchCounts out;
  out.relative_accuracy = a.relative_accuracy;
  out.count = a.count + b.count;
  out.zero_count = a.zero_count + b.zero_count;
  out.sum = a.sum + b.sum;
  out.min = std::min(a.min, b.min);
  out.max = std::max(a.max, b.max);
  out.bins.reserve(a.bins.size() + b.bins.size());
  size_t i = 0, j = 0;
  while (i < a.bins.size() || j < b.bins.size()) {
    if (j == b.bins.size() || (i < a.bins.size() && a.bins[i].first < b.bins[j].first)) {
      out.bins.push_back(a.bins[i++]);
    } else if (i == a.bins.size() || b.bins[j].first < a.bins[i].first) {
      out.bins.push_back(b.bins[j++]);
    } else {
      out.bins.emplace_back(a.bins[i].first, a.bins[i].second + b.bins[j].second);
      ++i;
      ++j;
    }
  }
  return out;
}

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

void LatencySketch::merge(const SketchCounts& counts) {
  if (counts.count == 0 || counts.relative_accuracy != relative_accuracy_) return;
  if (count_ == 0) {
    min_ = counts.min;
    max_ = counts.max;
  } else {
    min_ = std::min(min_, counts.min);
    max_ = std::max(max_, counts.max);
  }
  count_ += counts.count;
  sum_ += counts.sum;
  zero_count_ += counts.zero_count;
  for (const auto& [index, n] : counts.bins) bins_[index] += n;
  collapse_to_bound();
}

SketchCounts LatencySketch::counts() const {
  SketchCounts out;
  out.relative_accuracy = relative_accuracy_;
  out.count = count_;
  out.zero_count = zero_count_;
  out.sum = sum_;
  out.min = min();
  out.max = max();
  out.bins.assign(bins_.begin(), bins_.end());
  return out;
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

const std::vector<double>& default_latency_buckets_ms() {
  static const std::vector<double> bounds = {0.1,  0.25, 0.5,  1,    2.5,  5,     10,    25,    50,
                                             100,  250,  500,  1000, 2500, 5000,  10000, 30000, 60000};
  return bounds;
}

void MetricsRegistry::declare(const std::string& name, MetricType type, std::string help, std::string unit,
                              std::vector<double> bucket_bounds) {
  if (type == MetricType::histogram) {
    if (bucket_bounds.empty()) bucket_bounds = default_latency_buckets_ms();
    // Bounds must be finite and strictly ascending for cumulative buckets to make sense.
    std::sort(bucket_bounds.begin(), bucket_bounds.end());
    bucket_bounds.erase(std::unique(bucket_bounds.begin(), bucket_bounds.end()), bucket_bounds.end());
    bucket_bounds.erase(std::remove_if(bucket_bounds.begin(), bucket_bounds.end(),
                                       [](double bound) { return !std::isfinite(bound); }),
                        bucket_bounds.end());
  } else {
    bucket_bounds.clear();
  }
  families_.try_emplace(name, MetricFamily{type, std::move(help), std::move(unit), {}, {}, std::move(bucket_bounds), {}});
}

const MetricFamily* MetricsRegistry::find_family(const std::string& name) const {
  auto it = families_.find(name);
  return it == families_.end() ? nullptr : &it->second;
}

MetricFamily* MetricsRegistry::family(const std::string& name, MetricType expected) {
  auto it = families_.find(name);
  if (it == families_.end() || it->second.type != expected) return nullptr;
  return &it->second;
}

double* MetricsRegistry::value_slot(MetricFamily& f, const Labels& labels, double initial) {
  auto it = f.values.find(labels);
  if (it != f.values.end()) return &it->second;
  if (f.values.size() >= kMaxSeriesPerFamily) {
    ++dropped_series_;
    return nullptr;
  }
  return &f.values.emplace(labels, initial).first->second;
}

LatencySketch* MetricsRegistry::histogram_slot(MetricFamily& f, const Labels& labels) {
  auto it = f.sketches.find(labels);
  if (it != f.sketches.end()) return &it->second;
  if (f.sketches.size() >= kMaxSeriesPerFamily) {
    ++dropped_series_;
    return nullptr;
  }
  f.bucket_counts.emplace(labels, std::vector<uint64_t>(f.bucket_bounds.size() + 1, 0));
  return &f.sketches.emplace(labels, LatencySketch()).first->second;
}

void MetricsRegistry::create_series(const std::string& name, const Labels& labels, double initial) {
  auto it = families_.find(name);
  if (it == families_.end()) return;
  MetricFamily& f = it->second;
  if (f.type == MetricType::histogram) {
    histogram_slot(f, labels);
    return;
  }
  // A counter starts where counting starts; a negative start would read as a reset.
  if (f.type == MetricType::counter && !(initial >= 0)) initial = 0;
  value_slot(f, labels, initial);
}

void MetricsRegistry::add(const std::string& name, const Labels& labels, double amount) {
  MetricFamily* f = family(name, MetricType::counter);
  if (f == nullptr || !(amount >= 0) || !std::isfinite(amount)) return;
  if (double* slot = value_slot(*f, labels, 0)) *slot += amount;
}

void MetricsRegistry::set_total(const std::string& name, const Labels& labels, double total) {
  MetricFamily* f = family(name, MetricType::counter);
  if (f == nullptr || !(total >= 0) || !std::isfinite(total)) return;
  if (double* slot = value_slot(*f, labels, 0)) *slot = total;
}

void MetricsRegistry::set(const std::string& name, const Labels& labels, double value) {
  MetricFamily* f = family(name, MetricType::gauge);
  if (f == nullptr) return;
  if (double* slot = value_slot(*f, labels, value)) *slot = value;
}

void MetricsRegistry::observe(const std::string& name, const Labels& labels, double value) {
  MetricFamily* f = family(name, MetricType::histogram);
  if (f == nullptr || !std::isfinite(value) || value < 0) return;  // as LatencySketch::add
  LatencySketch* sketch = histogram_slot(*f, labels);
  if (sketch == nullptr) return;
  sketch->add(value);
  const auto& bounds = f->bucket_bounds;
  const size_t bucket = static_cast<size_t>(std::lower_bound(bounds.begin(), bounds.end(), value) - bounds.begin());
  ++f->bucket_counts[labels][bucket];
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
    for (const auto& [labels, sketch_ref] : f.sketches) {
      const LatencySketch& sketch = sketch_ref;  // clang 14 (em++) cannot capture a structured binding
      // A series with no observation yet has no percentiles (null), not 0 ms ones.
      auto percentile = [&sketch](double q) { return sketch.count() ? nlohmann::json(sketch.quantile(q)) : nlohmann::json(); };
      samples.push_back({{"labels", labels_json(labels)},
                         {"count", sketch.count()},
                         {"sum", sketch.sum()},
                         {"p50", percentile(0.5)},
                         {"p95", percentile(0.95)},
                         {"p99", percentile(0.99)}});
    }
    metrics.push_back({{"name", name},
                       {"type", to_string(f.type)},
                       {"help", f.help},
                       {"unit", f.unit},
                       {"samples", std::move(samples)}});
  }
  return {{"taken_at", now_ms}, {"dropped_series", dropped_series_}, {"metrics", std::move(metrics)}};
}

}  // namespace ltl
