#include "core/scheduler.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace ltl {
namespace {

TEST(ManualScheduler, RunsTimersInDeadlineOrderAtTheirOwnTime) {
  ManualClock clock(1000);
  ManualScheduler scheduler(clock);
  std::vector<std::string> fired;
  scheduler.schedule(300, [&] { fired.push_back("c@" + std::to_string(clock.now_ms())); });
  scheduler.schedule(100, [&] { fired.push_back("a@" + std::to_string(clock.now_ms())); });
  scheduler.schedule(100, [&] { fired.push_back("b@" + std::to_string(clock.now_ms())); });
  scheduler.advance(99);
  EXPECT_TRUE(fired.empty());
  scheduler.advance(250);
  EXPECT_EQ(fired, (std::vector<std::string>{"a@1100", "b@1100", "c@1300"}));
  EXPECT_EQ(clock.now_ms(), 1349);
}

TEST(ManualScheduler, TimersScheduledByTimersRunWhenDue) {
  ManualClock clock(0);
  ManualScheduler scheduler(clock);
  int runs = 0;
  std::function<void()> tick = [&] {
    ++runs;
    scheduler.schedule(10, tick);
  };
  scheduler.schedule(10, tick);
  scheduler.advance(55);
  EXPECT_EQ(runs, 5);
  EXPECT_EQ(scheduler.pending(), 1u);
}

TEST(ManualScheduler, CancelledTimersNeverRunAndZeroDelayWaitsForTheLoop) {
  ManualClock clock(0);
  ManualScheduler scheduler(clock);
  bool cancelled_ran = false;
  bool immediate_ran = false;
  TimerId id = scheduler.schedule(5, [&] { cancelled_ran = true; });
  scheduler.schedule(0, [&] { immediate_ran = true; });
  EXPECT_FALSE(immediate_ran);
  scheduler.cancel(id);
  scheduler.cancel(9999);
  scheduler.run_due();
  EXPECT_TRUE(immediate_ran);
  scheduler.advance(10);
  EXPECT_FALSE(cancelled_ran);
}

}  // namespace
}  // namespace ltl
