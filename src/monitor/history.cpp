#include "monitor/history.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

#include "monitor/window.h"

namespace ltl {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Ring columns per series type.
constexpr size_t kValue = 0;  // counters and gauges
constexpr size_t kCount = 0;  // histograms: cumulative count, sum, interval percentiles
constexpr size_t kSum = 1;
constexpr size_t kP50 = 2;
constexpr size_t kP95 = 3;
constexpr size_t kP99 = 4;

double quantile_or_nan(const SketchCounts& counts, double q) {
  return quantile_of(counts, q).value_or(kNaN);
}

}  // namespace

std::string series_key(const std::string& metric, const Labels& labels) {
  if (labels.empty()) return metric;
  std::string out = metric + "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i) out += ",";
    out += labels[i].first + "=\"" + labels[i].second + "\"";
  }
  return out + "}";
}

MetricsHistory::MetricsHistory(HistoryOptions options) : options_(options) {
  options_.capacity = std::max<size_t>(options_.capacity, 2);
  options_.max_checkpoints = std::max<size_t>(options_.max_checkpoints, 3);
  times_.assign(options_.capacity, 0);
}

void MetricsHistory::track(const std::string& metric, const Labels& match) {
  for (const auto& selector : selectors_)
    if (selector.metric == metric && selector.match == match) return;
  selectors_.push_back(Selector{metric, match, std::nullopt, true});
}

bool MetricsHistory::tracks(const std::string& metric) const {
  return std::any_of(selectors_.begin(), selectors_.end(),
                     [&](const Selector& selector) { return selector.metric == metric; });
}

std::optional<int64_t> MetricsHistory::last_sample_ms() const {
  if (size_ == 0) return std::nullopt;
  return times_[slot(size_ - 1)];
}

size_t MetricsHistory::slot(size_t point) const {
  const size_t cap = options_.capacity;
  return (head_ + cap - size_ + point) % cap;
}

const MetricsHistory::Series* MetricsHistory::find(const std::string& metric, const Labels& labels) const {
  auto it = index_.find({metric, labels});
  return it == index_.end() ? nullptr : &series_[it->second];
}

std::optional<int64_t> MetricsHistory::implicit_zero_ms(const std::string& metric, const Labels& labels) const {
  // An untracked series matched by a selector that saw every series at the last sample
  // did not exist then.
  auto last = last_sample_ms();
  if (!last) return std::nullopt;
  for (const auto& selector : selectors_) {
    if (selector.metric == metric && selector.complete && selector.first_sample_ms &&
        labels_include(labels, selector.match))
      return last;
  }
  return std::nullopt;
}

std::vector<int64_t> MetricsHistory::times() const {
  std::vector<int64_t> out;
  out.reserve(size_);
  for (size_t p = 0; p < size_; ++p) out.push_back(times_[slot(p)]);
  return out;
}

std::vector<HistorySeries> MetricsHistory::series() const {
  std::vector<HistorySeries> out;
  out.reserve(series_.size());
  for (const auto& s : series_) out.push_back(s.info);
  return out;
}

size_t MetricsHistory::checkpoint_count(const std::string& metric, const Labels& labels) const {
  const Series* s = find(metric, labels);
  return s == nullptr ? 0 : s->records.size();
}

void MetricsHistory::add_record(Series& series, const LatencySketch& sketch, int64_t now_ms) {
  SketchCounts cumulative = sketch.counts();
  SketchCounts delta = series.records.empty() ? cumulative : sketch_difference(cumulative, series.cumulative_at_newest);
  series.records.push_back(DeltaRecord{now_ms, std::move(delta)});
  series.cumulative_at_newest = std::move(cumulative);
  auto& records = series.records;
  if (records.size() <= options_.max_checkpoints) return;
  // Merge record i into i+1 where the widened gap is smallest relative to its age; the
  // oldest (the baseline of everything) and the newest (the last interval) stay.
  size_t victim = 1;
  double best = std::numeric_limits<double>::infinity();
  for (size_t i = 1; i + 1 < records.size(); ++i) {
    double gap = static_cast<double>(records[i + 1].end_ms - records[i - 1].end_ms);
    double age = static_cast<double>(now_ms - records[i].end_ms);
    double cost = gap / std::max(age, 1.0);
    if (cost < best) {
      best = cost;
      victim = i;
    }
  }
  records[victim + 1].delta = sketch_sum(records[victim].delta, records[victim + 1].delta);
  records.erase(records.begin() + static_cast<std::ptrdiff_t>(victim));
}

bool MetricsHistory::sample(const MetricsRegistry& registry, int64_t now_ms) {
  auto previous = last_sample_ms();
  if (previous && now_ms <= *previous) return false;
  const size_t write = head_;
  times_[write] = now_ms;
  for (auto& s : series_)
    for (auto& column : s.columns) column[write] = kNaN;

  for (auto& selector : selectors_) {
    const MetricFamily* family = registry.find_family(selector.metric);
    auto visit = [&](const Labels& labels, auto&& fill) {
      if (!labels_include(labels, selector.match)) return;
      auto key = std::make_pair(selector.metric, labels);
      auto it = index_.find(key);
      if (it == index_.end()) {
        if (series_.size() >= options_.max_series) {
          ++dropped_series_;
          selector.complete = false;
          return;
        }
        Series created;
        created.info = HistorySeries{selector.metric, labels, family->type};
        created.columns.assign(family->type == MetricType::histogram ? 5 : 1,
                               std::vector<double>(options_.capacity, kNaN));
        // Seen now but not at the previous sample of a complete selector: it was zero then.
        if (selector.complete && selector.first_sample_ms && previous) created.zero_at_ms = previous;
        it = index_.emplace(key, series_.size()).first;
        series_.push_back(std::move(created));
      }
      Series& s = series_[it->second];
      if (s.sampled_at_ms == now_ms) return;  // already matched by another selector
      s.sampled_at_ms = now_ms;
      fill(s);
    };
    // Series are created up front for the exposition; one that has recorded nothing yet
    // (a counter at 0, an empty histogram, a gauge not measured) is not worth a history slot
    // until it does: then it starts as if it had just appeared (zero at the previous sample).
    auto untracked = [&](const Labels& labels) { return index_.find({selector.metric, labels}) == index_.end(); };
    if (family != nullptr) {
      if (family->type == MetricType::histogram) {
        for (const auto& entry : family->sketches) {
          const LatencySketch& sketch = entry.second;
          if (sketch.count() == 0 && untracked(entry.first)) continue;
          visit(entry.first, [&](Series& s) {
            const bool had_previous = !s.records.empty() || s.zero_at_ms.has_value();
            add_record(s, sketch, now_ms);
            s.columns[kCount][write] = static_cast<double>(sketch.count());
            s.columns[kSum][write] = sketch.sum();
            // The first record of a series that existed before tracking holds everything
            // since start: not an interval, so no interval percentiles for it.
            if (had_previous) {
              const SketchCounts& interval = s.records.back().delta;
              s.columns[kP50][write] = quantile_or_nan(interval, 0.5);
              s.columns[kP95][write] = quantile_or_nan(interval, 0.95);
              s.columns[kP99][write] = quantile_or_nan(interval, 0.99);
            }
          });
        }
      } else {
        for (const auto& entry : family->values) {
          const double value = entry.second;
          const bool nothing_yet = std::isnan(value) || (family->type == MetricType::counter && value == 0);
          if (nothing_yet && untracked(entry.first)) continue;
          visit(entry.first, [&](Series& s) { s.columns[kValue][write] = value; });
        }
      }
    }
    if (!selector.first_sample_ms) selector.first_sample_ms = now_ms;
  }

  head_ = (head_ + 1) % options_.capacity;
  size_ = std::min(size_ + 1, options_.capacity);
  return true;
}

std::vector<double> MetricsHistory::column(const std::string& metric, const Labels& labels,
                                           HistoryStatistic statistic) const {
  const Series* s = find(metric, labels);
  if (s == nullptr) return {};
  const bool histogram = s->info.type == MetricType::histogram;
  std::vector<double> out(size_, kNaN);
  auto at = [&](size_t column, size_t point) { return s->columns[column][slot(point)]; };
  switch (statistic) {
    case HistoryStatistic::value:
      if (histogram) return {};
      for (size_t p = 0; p < size_; ++p) out[p] = at(kValue, p);
      return out;
    case HistoryStatistic::rate_per_s: {
      if (s->info.type == MetricType::gauge) return {};
      const size_t column = histogram ? kCount : kValue;
      for (size_t p = 0; p < size_; ++p) {
        double current = at(column, p);
        if (std::isnan(current)) continue;
        double before = p > 0 ? at(column, p - 1) : kNaN;
        int64_t before_ms = p > 0 ? times_[slot(p - 1)] : 0;
        // The first point of a series born between samples starts from zero.
        if (std::isnan(before) && s->zero_at_ms && p > 0 && times_[slot(p - 1)] <= *s->zero_at_ms) before = 0;
        if (std::isnan(before)) continue;
        double delta = current >= before ? current - before : current;  // a decrease is a reset
        out[p] = delta * 1000.0 / static_cast<double>(times_[slot(p)] - before_ms);
      }
      return out;
    }
    case HistoryStatistic::p50:
    case HistoryStatistic::p95:
    case HistoryStatistic::p99: {
      if (!histogram) return {};
      const size_t column = statistic == HistoryStatistic::p50 ? kP50 : statistic == HistoryStatistic::p95 ? kP95 : kP99;
      for (size_t p = 0; p < size_; ++p) out[p] = at(column, p);
      return out;
    }
  }
  return {};
}

std::optional<MetricsHistory::CounterWindow> MetricsHistory::counter_since(const std::string& metric,
                                                                           const Labels& labels, double live_value,
                                                                           int64_t start_ms) const {
  const Series* s = find(metric, labels);
  std::optional<int64_t> zero_at = s != nullptr ? s->zero_at_ms : implicit_zero_ms(metric, labels);
  if (s == nullptr && !zero_at) return std::nullopt;
  // Known states: the points, and zero at every time up to zero_at.
  std::optional<std::pair<int64_t, double>> baseline;
  if (zero_at) baseline = std::make_pair(std::min(*zero_at, start_ms), 0.0);
  std::optional<std::pair<int64_t, double>> earliest;
  if (s != nullptr) {
    for (size_t p = 0; p < size_; ++p) {
      double value = s->columns[kValue][slot(p)];
      if (std::isnan(value)) continue;
      int64_t t = times_[slot(p)];
      if (!earliest) earliest = std::make_pair(t, value);
      if (t <= start_ms && (!baseline || t >= baseline->first)) baseline = std::make_pair(t, value);
    }
  }
  if (!baseline) baseline = earliest;
  if (!baseline) return std::nullopt;
  double increase = live_value >= baseline->second ? live_value - baseline->second : live_value;
  return CounterWindow{increase, baseline->first};
}

std::optional<MetricsHistory::SketchWindow> MetricsHistory::sketch_since(const std::string& metric,
                                                                         const Labels& labels,
                                                                         const LatencySketch& live,
                                                                         int64_t start_ms) const {
  const Series* s = find(metric, labels);
  std::optional<int64_t> zero_at = s != nullptr ? s->zero_at_ms : implicit_zero_ms(metric, labels);
  if (s == nullptr || s->records.empty()) {
    if (!zero_at) return std::nullopt;
    return SketchWindow{live.counts(), std::min(*zero_at, start_ms)};
  }
  // Baseline: index of the last record included in the baseline (-1: the known-empty state).
  const auto& records = s->records;
  std::optional<std::pair<int64_t, std::ptrdiff_t>> baseline;
  if (zero_at) baseline = std::make_pair(std::min(*zero_at, start_ms), std::ptrdiff_t{-1});
  for (size_t i = 0; i < records.size(); ++i) {
    if (records[i].end_ms <= start_ms && (!baseline || records[i].end_ms >= baseline->first))
      baseline = std::make_pair(records[i].end_ms, static_cast<std::ptrdiff_t>(i));
  }
  if (!baseline) baseline = std::make_pair(records.front().end_ms, std::ptrdiff_t{0});
  SketchCounts window = sketch_difference(live.counts(), s->cumulative_at_newest);
  for (size_t i = static_cast<size_t>(baseline->second + 1); i < records.size(); ++i)
    window = sketch_sum(window, records[i].delta);
  return SketchWindow{std::move(window), baseline->first};
}

nlohmann::json MetricsHistory::to_json() const {
  auto numbers = [](const std::vector<double>& column) {
    nlohmann::json out = nlohmann::json::array();
    for (double v : column) out.push_back(std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr));
    return out;
  };
  nlohmann::json series = nlohmann::json::object();
  for (const auto& s : series_) {
    const std::string key = series_key(s.info.metric, s.info.labels);
    switch (s.info.type) {
      case MetricType::counter:
        series[key + ":rate_per_s"] = numbers(column(s.info.metric, s.info.labels, HistoryStatistic::rate_per_s));
        break;
      case MetricType::gauge:
        series[key + ":value"] = numbers(column(s.info.metric, s.info.labels, HistoryStatistic::value));
        break;
      case MetricType::histogram:
        series[key + ":p50"] = numbers(column(s.info.metric, s.info.labels, HistoryStatistic::p50));
        series[key + ":p95"] = numbers(column(s.info.metric, s.info.labels, HistoryStatistic::p95));
        series[key + ":p99"] = numbers(column(s.info.metric, s.info.labels, HistoryStatistic::p99));
        series[key + ":rate_per_s"] = numbers(column(s.info.metric, s.info.labels, HistoryStatistic::rate_per_s));
        break;
    }
  }
  return {{"t", times()}, {"series", std::move(series)}};
}

}  // namespace ltl
