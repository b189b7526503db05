#include <algorithm>

#include "cache/tiered_cache.h"
#include "cache/tiered_cache_internal.h"

// TieredCache warming (a bounded number of fetches at a time) and the periodic memory sweep.

namespace ltl {

void TieredCache::warm(std::vector<WarmItem> items, std::function<void(Result<WarmReport>)> done) {
  if (items.size() > options_.max_warm_items) {
    return done(make_error(ErrorCategory::validation, "", "cache.warm",
                           std::to_string(items.size()) + " keys to warm; expected at most " +
                               std::to_string(options_.max_warm_items)));
  }
  auto run = std::make_shared<WarmRun>();
  run->items = std::move(items);
  run->report.requested = run->items.size();
  run->done = std::move(done);
  pump_warm(run);
}

void TieredCache::pump_warm(const std::shared_ptr<WarmRun>& run) {
  if (run->pumping) return;
  run->pumping = true;
  std::weak_ptr<bool> alive = alive_;
  while (run->active < options_.warm_concurrency && run->next < run->items.size()) {
    const WarmItem& item = run->items[run->next++];
    ++run->active;
    get_or_fetch(item.key, item.policy, item.fetch, [this, alive, run, key = item.key](Result<CachedValue> result) {
      --run->active;
      WarmReport& report = run->report;
      if (!result.ok()) {
        ++report.failed;
        if (report.failures.size() < WarmReport::kMaxReportedFailures) report.failures.emplace_back(key, result.error());
      } else if (result.value().source == kSourceOrigin) {
        ++report.fetched;
      } else {
        ++report.cached;
      }
      if (alive.expired()) return;
      pump_warm(run);
    });
    if (alive.expired()) return;
  }
  run->pumping = false;
  if (!run->finished && run->active == 0 && run->next == run->items.size()) {
    run->finished = true;
    auto done = std::move(run->done);
    done(run->report);
  }
}

size_t TieredCache::sweep(size_t max_entries_to_check) { return memory_.sweep(max_entries_to_check); }

void TieredCache::set_sweep_interval_ms(int64_t interval_ms) {
  if (sweep_timer_ != 0) scheduler_.cancel(sweep_timer_);
  sweep_timer_ = 0;
  options_.sweep_interval_ms = interval_ms > 0 ? interval_ms : 0;
  if (options_.sweep_interval_ms > 0) schedule_sweep();
}

void TieredCache::schedule_sweep() {
  std::weak_ptr<bool> alive = alive_;
  sweep_timer_ = scheduler_.schedule(options_.sweep_interval_ms, [this, alive] {
    if (alive.expired()) return;
    sweep_timer_ = 0;
    memory_.sweep(options_.sweep_batch);
    schedule_sweep();
  });
}

}  // namespace ltl
