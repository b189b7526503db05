#include "cache/tiered_cache.h"

#include <deque>
#include <memory>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/fake_store.h"

namespace ltl {
namespace {

using testing::FakeStore;

// A scripted origin: answers at once with `answer`, or holds callbacks until released.
struct Origin {
  int calls = 0;
  bool hold = false;
  std::function<Result<FetchedValue>()> answer = [this] { return FetchedValue{"v" + std::to_string(calls), {}, {}}; };
  std::deque<CacheFetchCallback> held;

  Fetcher fetcher() {
    return [this](CacheFetchCallback done) {
      ++calls;
      if (hold) {
        held.push_back(std::move(done));
      } else {
        done(answer());
      }
    };
  }
  void release(Result<FetchedValue> result) {
    auto done = std::move(held.front());
    held.pop_front();
    done(std::move(result));
  }
};

Error network_error() { return make_error(ErrorCategory::network, "coingecko", "price", "connection refused"); }

// Collects answers in arrival order.
struct Answers {
  std::vector<Result<CachedValue>> results;
  CacheCallback callback() {
    return [this](Result<CachedValue> result) { results.push_back(std::move(result)); };
  }
  size_t size() const { return results.size(); }
  const CachedValue& value(size_t i) const { return results.at(i).value(); }
  const Error& error(size_t i) const { return results.at(i).error(); }
  bool ok(size_t i) const { return results.at(i).ok(); }
};

CachePolicy policy_ms(int64_t ttl_ms, int64_t swr_ms = 0, int64_t stale_if_error_ms = 0) {
  CachePolicy policy;
  policy.ttl = Ttl::ms(ttl_ms);
  policy.swr_ms = swr_ms;
  policy.stale_if_error_ms = stale_if_error_ms;
  return policy;
}

class TieredCacheTest : public ::testing::Test {
 protected:
  TieredCacheTest() : scheduler_(clock_) { options_.sweep_interval_ms = 0; }

  std::unique_ptr<TieredCache> make(bool with_store = true) {
    return std::make_unique<TieredCache>(clock_, scheduler_, memory_options_, with_store ? &store_ : nullptr,
                                         options_);
  }
  StoredEntry stored(std::string value, int64_t stored_at, int64_t fresh_until, int64_t expires_at,
                     std::vector<std::string> tags = {}) {
    return StoredEntry{std::move(value), stored_at, fresh_until, expires_at, std::move(tags)};
  }
  int64_t now() const { return clock_.now_ms(); }

  ManualClock clock_;
  ManualScheduler scheduler_;
  FakeStore store_;
  Origin origin_;
  Answers answers_;
  MemoryCacheOptions memory_options_{100, 1 << 20, 1 << 20, 30000};
  TieredCacheOptions options_;
};

TEST_F(TieredCacheTest, ASlowOriginAnswerIsAgedFromWhenTheFetchStarted) {
  auto cache = make(false);
  origin_.hold = true;
  const int64_t asked = now();
  cache->get_or_fetch("k", policy_ms(1000), origin_.fetcher(), answers_.callback());
  clock_.advance(400);
  origin_.release(FetchedValue{"v", {}, {}});
  ASSERT_EQ(answers_.size(), 1u);
  EXPECT_EQ(answers_.value(0).stored_at_ms, asked);
  EXPECT_EQ(answers_.value(0).age_ms, 400);
  EXPECT_EQ(answers_.value(0).fresh_until_ms, asked + 1000);
  // Even past its TTL on arrival, the origin's answer is the newest there is: not stale.
  origin_.hold = true;
  cache->invalidate("k");
  cache->get_or_fetch("k", policy_ms(1000), origin_.fetcher(), answers_.callback());
  clock_.advance(1500);
  origin_.release(FetchedValue{"late", {}, {}});
  ASSERT_EQ(answers_.size(), 2u);
  EXPECT_FALSE(answers_.value(1).stale);
}

// ---- Put (pushed values) ------------------------------------------------------------

TEST_F(TieredCacheTest, PutWritesEveryTierAndAFetchInFlightDoesNotOverwriteIt) {
  auto cache = make();
  origin_.hold = true;
  cache->get_or_fetch("tip", policy_ms(1000), origin_.fetcher(), answers_.callback());
  scheduler_.run_due();
  ASSERT_EQ(origin_.held.size(), 1u);
  ASSERT_FALSE(cache->put("tip", policy_ms(1000), FetchedValue{"pushed", {}, {}}));
  origin_.release(FetchedValue{"older", {}, {}});  // the fetch answers its caller...
  ASSERT_EQ(answers_.size(), 1u);
  EXPECT_EQ(answers_.value(0).value, "older");
  cache->get_or_fetch("tip", policy_ms(1000), origin_.fetcher(), answers_.callback());
  ASSERT_EQ(answers_.size(), 2u);
  EXPECT_EQ(answers_.value(1).value, "pushed");  // ...but the pushed value stays
  EXPECT_EQ(answers_.value(1).source, "memory");
  EXPECT_EQ(answers_.value(1).fresh_until_ms, now() + 1000);
  EXPECT_EQ(origin_.calls, 1);
  scheduler_.run_due();
  ASSERT_EQ(store_.entries.count("tip"), 1u);
  EXPECT_EQ(store_.entries["tip"].value, "pushed");
  EXPECT_TRUE(cache->put("", policy_ms(1000), FetchedValue{"x", {}, {}}).has_value());  // a bad key is an error
}

// ---- Read-through ---------------------------------------------------------------

TEST_F(TieredCacheTest, MissGoesToOriginThenMemoryAnswers) {
  auto cache = make();
  cache->get_or_fetch("price:usd", policy_ms(1000), origin_.fetcher(), answers_.callback());
  cache->get_or_fetch("price:usd", policy_ms(1000), origin_.fetcher(), answers_.callback());
  ASSERT_EQ(answers_.size(), 2u);
  EXPECT_EQ(answers_.value(0).source, "origin");
  EXPECT_EQ(answers_.value(0).value, "v1");
  EXPECT_FALSE(answers_.value(0).stale);
  EXPECT_EQ(answers_.value(0).fresh_until_ms, now() + 1000);
  EXPECT_EQ(answers_.value(1).source, "memory");
  EXPECT_EQ(answers_.value(1).value, "v1");
  EXPECT_EQ(origin_.calls, 1);
  EXPECT_EQ(store_.gets, 1);
  // Written through to the persistent tier with the same times.
  ASSERT_EQ(store_.entries.count("price:usd"), 1u);
  EXPECT_EQ(store_.entries["price:usd"].fresh_until_ms, now() + 1000);
  EXPECT_EQ(cache->stats().memory.hits, 1u);
}

TEST_F(TieredCacheTest, TtlBoundaryIsExclusive) {
  auto cache = make(false);
  cache->get_or_fetch("k", policy_ms(1000), origin_.fetcher(), answers_.callback());
  clock_.advance(999);
  cache->get_or_fetch("k", policy_ms(1000), origin_.fetcher(), answers_.callback());
  EXPECT_EQ(origin_.calls, 1);
  clock_.advance(1);  // exactly at expiry
  cache->get_or_fetch("k", policy_ms(1000), origin_.fetcher(), answers_.callback());
  EXPECT_EQ(origin_.calls, 2);
  EXPECT_EQ(answers_.value(2).source, "origin");
}

TEST_F(TieredCacheTest, ZeroTtlIsNotTheDefaultAndNoExpiryNeverRefetches) {
  auto cache = make();
  cache->get_or_fetch("zero", policy_ms(0), origin_.fetcher(), answers_.callback());
  cache->get_or_fetch("zero", policy_ms(0), origin_.fetcher(), answers_.callback());
  EXPECT_EQ(origin_.calls, 2);
  EXPECT_EQ(store_.puts, 0);  // nothing a store could serve

  CachePolicy forever;
  forever.ttl = Ttl::no_expiry();
  cache->get_or_fetch("forever", forever, origin_.fetcher(), answers_.callback());
  clock_.advance(int64_t{10} * 365 * 24 * 3600 * 1000);
  cache->get_or_fetch("forever", forever, origin_.fetcher(), answers_.callback());
  EXPECT_EQ(origin_.calls, 3);
  EXPECT_EQ(answers_.value(3).source, "memory");
  EXPECT_EQ(answers_.value(3).fresh_until_ms, kNeverExpires);
  EXPECT_EQ(store_.entries["forever"].expires_at_ms, kNeverExpires);
}

TEST_F(TieredCacheTest, DefaultTtlFollowsRuntimeSetting) {
  auto cache = make(false);
  ASSERT_FALSE(cache->set_default_ttl_ms(5000));
  cache->get_or_fetch("k", CachePolicy{}, origin_.fetcher(), answers_.callback());
  EXPECT_EQ(answers_.value(0).fresh_until_ms, now() + 5000);
  auto bad = cache->set_default_ttl_ms(-1);
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->category, ErrorCategory::validation);
  EXPECT_EQ(cache->memory().options().default_ttl_ms, 5000);
}

TEST_F(TieredCacheTest, FetchedValueCanCarryItsOwnTimes) {
  auto cache = make(false);
  const int64_t t0 = now();
  origin_.answer = [t0] { return FetchedValue{"v", t0 - 400, t0 + 100}; };
  cache->get_or_fetch("k", policy_ms(1000), origin_.fetcher(), answers_.callback());
  EXPECT_EQ(answers_.value(0).age_ms, 400);
  EXPECT_EQ(answers_.value(0).stored_at_ms, t0 - 400);
  EXPECT_EQ(answers_.value(0).fresh_until_ms, t0 + 100);
  clock_.advance(100);
  cache->get_or_fetch("k", policy_ms(1000), origin_.fetcher(), answers_.callback());
  EXPECT_EQ(origin_.calls, 2);
}

TEST_F(TieredCacheTest, BackfillKeepsTheRemainingTtl) {
  const int64_t t0 = now();
  store_.entries["k"] = stored("from-idb", t0 - 400, t0 + 600, t0 + 600, {"market"});
  auto cache = make();
  cache->get_or_fetch("k", policy_ms(1000), origin_.fetcher(), answers_.callback());
  ASSERT_TRUE(answers_.ok(0));
  EXPECT_EQ(answers_.value(0).source, "indexeddb");
  EXPECT_EQ(answers_.value(0).value, "from-idb");
  EXPECT_FALSE(answers_.value(0).stale);
  EXPECT_EQ(answers_.value(0).age_ms, 400);
  EXPECT_EQ(answers_.value(0).fresh_until_ms, t0 + 600);
  EXPECT_EQ(origin_.calls, 0);
  auto held = cache->memory().peek("k");
  ASSERT_TRUE(held);
  EXPECT_EQ(held->expires_at_ms, t0 + 600);  // not restarted to now + 1000
  EXPECT_EQ(held->stored_at_ms, t0 - 400);
  EXPECT_EQ(held->tags, std::vector<std::string>{"market"});

  cache->get_or_fetch("k", policy_ms(1000), origin_.fetcher(), answers_.callback());
  EXPECT_EQ(answers_.value(1).source, "memory");
  EXPECT_EQ(store_.gets, 1);
  clock_.advance(600);
  cache->get_or_fetch("k", policy_ms(1000), origin_.fetcher(), answers_.callback());
  EXPECT_EQ(answers_.value(2).source, "origin");
  EXPECT_EQ(cache->stats().persistent->backfills, 1u);
  EXPECT_EQ(cache->stats().persistent->hits, 1u);
}

TEST_F(TieredCacheTest, ExpiredStoreEntryIsAMiss) {
  const int64_t t0 = now();
  store_.entries["k"] = stored("old", t0 - 2000, t0 - 1000, t0 - 1);
  auto cache = make();
  cache->get_or_fetch("k", policy_ms(1000), origin_.fetcher(), answers_.callback());
  EXPECT_EQ(answers_.value(0).source, "origin");
  EXPECT_EQ(cache->stats().persistent->misses, 1u);
}

TEST_F(TieredCacheTest, PersistentWriteNeverDelaysTheAnswerAndFailuresAreCounted) {
  auto cache = make();
  store_.hold();
  cache->get_or_fetch("k", policy_ms(1000), origin_.fetcher(), answers_.callback());
  ASSERT_EQ(store_.held(), 1u);
  store_.release_next();  // the get: a miss → origin → answer, put issued
  ASSERT_EQ(answers_.size(), 1u);
  EXPECT_EQ(answers_.value(0).source, "origin");
  EXPECT_EQ(store_.held(), 1u);  // the put is still in flight
  store_.fail("QuotaExceededError");
  store_.release_next();
  auto stats = cache->stats();
  EXPECT_EQ(stats.persistent->puts, 1u);
  EXPECT_EQ(stats.persistent->put_failures, 1u);
  EXPECT_EQ(cache->health()[1].status, "degraded");
  EXPECT_NE(cache->health()[1].reason.find("put failed: QuotaExceededError"), std::string::npos);
}

// ---- Coalescing ----------------------------------------------------------------

TEST_F(TieredCacheTest, HundredConcurrentMissesMakeOneFetchAndAllGetTheResult) {
  auto cache = make();
  origin_.hold = true;
  for (int i = 0; i < 100; ++i) cache->get_or_fetch("k", policy_ms(1000), origin_.fetcher(), answers_.callback());
  EXPECT_EQ(origin_.calls, 1);
  EXPECT_EQ(store_.gets, 1);
  EXPECT_EQ(answers_.size(), 0u);
  EXPECT_EQ(cache->stats().origin.coalesced_waits, 99u);
  EXPECT_EQ(cache->stats().in_flight, 1u);
  origin_.release(FetchedValue{"shared", {}, {}});
  ASSERT_EQ(answers_.size(), 100u);
  for (size_t i = 0; i < 100; ++i) {
    ASSERT_TRUE(answers_.ok(i));
    EXPECT_EQ(answers_.value(i).value, "shared");
  }
  EXPECT_EQ(cache->stats().in_flight, 0u);
}

TEST_F(TieredCacheTest, HundredConcurrentMissesAllGetTheError) {
  auto cache = make();
  origin_.hold = true;
  for (int i = 0; i < 100; ++i) cache->get_or_fetch("k", policy_ms(1000), origin_.fetcher(), answers_.callback());
  origin_.release(network_error());
  ASSERT_EQ(answers_.size(), 100u);
  for (size_t i = 0; i < 100; ++i) {
    ASSERT_FALSE(answers_.ok(i));
    EXPECT_EQ(answers_.error(i).category, ErrorCategory::network);
  }
  EXPECT_EQ(origin_.calls, 1);
  EXPECT_EQ(cache->stats().origin.failures, 1u);
  // Nothing cached: the next call fetches again.
  origin_.hold = false;
  cache->get_or_fetch("k", policy_ms(1000), origin_.fetcher(), answers_.callback());
  EXPECT_EQ(origin_.calls, 2);
}

TEST_F(TieredCacheTest, WaiterListsAreBoundedAndFailFast) {
  options_.max_waiters_per_key = 10;
  auto cache = make(false);
  origin_.hold = true;
  for (int i = 0; i < 15; ++i) cache->get_or_fetch("k", policy_ms(1000), origin_.fetcher(), answers_.callback());
  ASSERT_EQ(answers_.size(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    ASSERT_FALSE(answers_.ok(i));
    EXPECT_EQ(answers_.error(i).category, ErrorCategory::rate_limited);
    EXPECT_TRUE(answers_.error(i).retryable);
  }
  EXPECT_EQ(cache->stats().origin.rejected_waiters, 5u);
  origin_.release(FetchedValue{"x", {}, {}});
  EXPECT_EQ(answers_.size(), 15u);
}

TEST_F(TieredCacheTest, FetchesInFlightAreBounded) {
  options_.max_in_flight = 2;
  auto cache = make(false);
  origin_.hold = true;
  cache->get_or_fetch("a", policy_ms(1000), origin_.fetcher(), answers_.callback());
  cache->get_or_fetch("b", policy_ms(1000), origin_.fetcher(), answers_.callback());
  cache->get_or_fetch("c", policy_ms(1000), origin_.fetcher(), answers_.callback());
  ASSERT_EQ(answers_.size(), 1u);
  EXPECT_EQ(answers_.error(0).category, ErrorCategory::rate_limited);
  EXPECT_EQ(origin_.calls, 2);
}

TEST_F(TieredCacheTest, FetcherThatNeverAnswersTimesOut) {
  options_.fetch_timeout_ms = 5000;
  auto cache = make(false);
  origin_.hold = true;
  cache->get_or_fetch("k", policy_ms(1000), origin_.fetcher(), answers_.callback());
  scheduler_.advance(4999);
  EXPECT_EQ(answers_.size(), 0u);
  scheduler_.advance(1);
  ASSERT_EQ(answers_.size(), 1u);
  EXPECT_EQ(answers_.error(0).category, ErrorCategory::timeout);
  origin_.release(FetchedValue{"late", {}, {}});
  EXPECT_EQ(answers_.size(), 1u);
  EXPECT_EQ(cache->stats().origin.late_answers_dropped, 1u);
  EXPECT_EQ(cache->stats().origin.timeouts, 1u);
  EXPECT_FALSE(cache->memory().peek("k"));
}

TEST_F(TieredCacheTest, AFetcherAnsweringTwiceCountsOnce) {
  auto cache = make(false);
  CacheFetchCallback saved;
  cache->get_or_fetch("k", policy_ms(1000), [&saved](CacheFetchCallback done) { saved = done; }, answers_.callback());
  saved(FetchedValue{"one", {}, {}});
  saved(FetchedValue{"two", {}, {}});
  ASSERT_EQ(answers_.size(), 1u);
  EXPECT_EQ(cache->memory().peek("k")->value, "one");
}

// ---- Stale-while-revalidate ----------------------------------------------------

TEST_F(TieredCacheTest, StaleWithinSwrIsAnsweredAtOnceWithExactlyOneRefresh) {
  auto cache = make(false);
  const CachePolicy policy = policy_ms(1000, 500);
  cache->get_or_fetch("k", policy, origin_.fetcher(), answers_.callback());
  origin_.hold = true;
  clock_.advance(1000);  // exactly at expiry: stale
  cache->get_or_fetch("k", policy, origin_.fetcher(), answers_.callback());
  cache->get_or_fetch("k", policy, origin_.fetcher(), answers_.callback());
  ASSERT_EQ(answers_.size(), 3u);
  for (size_t i = 1; i < 3; ++i) {
    EXPECT_EQ(answers_.value(i).value, "v1");
    EXPECT_TRUE(answers_.value(i).stale);
    EXPECT_TRUE(answers_.value(i).revalidating);
    EXPECT_EQ(answers_.value(i).age_ms, 1000);
    EXPECT_EQ(answers_.value(i).source, "memory");
  }
  EXPECT_EQ(origin_.calls, 2);  // one refresh for two stale reads
  EXPECT_EQ(cache->stats().memory.stale_hits, 2u);
  origin_.release(FetchedValue{"v2", {}, {}});
  cache->get_or_fetch("k", policy, origin_.fetcher(), answers_.callback());
  EXPECT_EQ(answers_.value(3).value, "v2");
  EXPECT_FALSE(answers_.value(3).stale);
  EXPECT_FALSE(answers_.value(3).revalidating);
  EXPECT_EQ(cache->stats().origin.background_refreshes, 1u);
}

TEST_F(TieredCacheTest, PastTheSwrWindowCallersWaitForTheOrigin) {
  auto cache = make(false);
  const CachePolicy policy = policy_ms(1000, 500);
  cache->get_or_fetch("k", policy, origin_.fetcher(), answers_.callback());
  origin_.hold = true;
  clock_.advance(1500);  // exactly at the end of the SWR window
  cache->get_or_fetch("k", policy, origin_.fetcher(), answers_.callback());
  EXPECT_EQ(answers_.size(), 1u);
  origin_.release(FetchedValue{"v2", {}, {}});
  ASSERT_EQ(answers_.size(), 2u);
  EXPECT_EQ(answers_.value(1).source, "origin");
  EXPECT_EQ(answers_.value(1).value, "v2");
}

TEST_F(TieredCacheTest, FailedBackgroundRefreshKeepsTheStaleValue) {
  auto cache = make(false);
  const CachePolicy policy = policy_ms(1000, 5000);
  cache->get_or_fetch("k", policy, origin_.fetcher(), answers_.callback());
  clock_.advance(2000);
  origin_.answer = [] { return network_error(); };
  cache->get_or_fetch("k", policy, origin_.fetcher(), answers_.callback());
  ASSERT_TRUE(answers_.ok(1));
  EXPECT_TRUE(answers_.value(1).stale);
  EXPECT_EQ(cache->stats().origin.refresh_failures, 1u);
  cache->get_or_fetch("k", policy, origin_.fetcher(), answers_.callback());
  EXPECT_EQ(answers_.value(2).value, "v1");
  EXPECT_EQ(origin_.calls, 3);  // each stale read may start a refresh once the last one ended
}

TEST_F(TieredCacheTest, StoreEntryWithinSwrIsAnsweredStaleThenRefreshed) {
  const int64_t t0 = now();
  store_.entries["k"] = stored("old", t0 - 1200, t0 - 200, t0 + 1000);
  auto cache = make();
  origin_.hold = true;
  cache->get_or_fetch("k", policy_ms(1000, 500), origin_.fetcher(), answers_.callback());
  ASSERT_EQ(answers_.size(), 1u);
  EXPECT_EQ(answers_.value(0).source, "indexeddb");
  EXPECT_TRUE(answers_.value(0).stale);
  EXPECT_TRUE(answers_.value(0).revalidating);
  EXPECT_EQ(answers_.value(0).age_ms, 1200);
  EXPECT_EQ(origin_.calls, 1);
  EXPECT_EQ(cache->stats().persistent->stale_hits, 1u);
  origin_.release(FetchedValue{"new", {}, {}});
  EXPECT_EQ(store_.entries["k"].value, "new");
  EXPECT_EQ(store_.entries["k"].fresh_until_ms, t0 + 1000);
  EXPECT_EQ(store_.entries["k"].expires_at_ms, t0 + 1500);
  EXPECT_EQ(cache->memory().peek("k")->value, "new");
}

TEST_F(TieredCacheTest, SwrRefreshTakesAFresherCopyFromTheStore) {
  auto cache = make();
  const CachePolicy policy = policy_ms(1000, 5000);
  cache->get_or_fetch("k", policy, origin_.fetcher(), answers_.callback());
  clock_.advance(2000);
  // Another isolate refreshed the persistent tier meanwhile.
  store_.entries["k"] = stored("from-other-tab", now() - 10, now() + 990, now() + 5990);
  cache->get_or_fetch("k", policy, origin_.fetcher(), answers_.callback());
  EXPECT_TRUE(answers_.value(1).stale);
  EXPECT_EQ(origin_.calls, 1);
  cache->get_or_fetch("k", policy, origin_.fetcher(), answers_.callback());
  EXPECT_EQ(answers_.value(2).value, "from-other-tab");
  EXPECT_FALSE(answers_.value(2).stale);
}

// ---- Stale-if-error ------------------------------------------------------------

TEST_F(TieredCacheTest, StaleIfErrorInsideTheWindowAnswersStaleWithItsAge) {
  auto cache = make(false);
  const CachePolicy policy = policy_ms(1000, 0, 5000);
  cache->get_or_fetch("k", policy, origin_.fetcher(), answers_.callback());
  clock_.advance(3000);
  origin_.answer = [] { return network_error(); };
  cache->get_or_fetch("k", policy, origin_.fetcher(), answers_.callback());
  ASSERT_TRUE(answers_.ok(1));
  EXPECT_EQ(answers_.value(1).value, "v1");
  EXPECT_TRUE(answers_.value(1).stale);
  EXPECT_EQ(answers_.value(1).age_ms, 3000);
  EXPECT_EQ(answers_.value(1).source, "memory");
  ASSERT_TRUE(answers_.value(1).origin_error);
  EXPECT_EQ(answers_.value(1).origin_error->category, ErrorCategory::network);
  EXPECT_EQ(cache->stats().origin.stale_if_error_answers, 1u);
}

TEST_F(TieredCacheTest, StaleIfErrorOutsideTheWindowIsTheError) {
  auto cache = make(false);
  const CachePolicy policy = policy_ms(1000, 0, 5000);
  cache->get_or_fetch("k", policy, origin_.fetcher(), answers_.callback());
  clock_.advance(5999);
  origin_.answer = [] { return network_error(); };
  cache->get_or_fetch("k", policy, origin_.fetcher(), answers_.callback());
  EXPECT_TRUE(answers_.ok(1));
  clock_.advance(1);  // exactly expiry + stale_if_error
  cache->get_or_fetch("k", policy, origin_.fetcher(), answers_.callback());
  ASSERT_FALSE(answers_.ok(2));
  EXPECT_EQ(answers_.error(2).category, ErrorCategory::network);
}

TEST_F(TieredCacheTest, AfterReloadWithOriginDownThePersistentCopyIsServedStale) {
  const int64_t t0 = now();
  // Written ten minutes ago with a 1 min TTL and a 1 h stale-if-error window.
  store_.entries["price:usd"] = stored("{\"usd\":1}", t0 - 600000, t0 - 540000, t0 + 3060000);
  auto cache = make();  // a fresh page: memory is empty
  origin_.answer = [] { return network_error(); };
  cache->get_or_fetch("price:usd", policy_ms(60000, 0, 3600000), origin_.fetcher(), answers_.callback());
  ASSERT_TRUE(answers_.ok(0));
  EXPECT_EQ(answers_.value(0).source, "indexeddb");
  EXPECT_TRUE(answers_.value(0).stale);
  EXPECT_EQ(answers_.value(0).age_ms, 600000);
  EXPECT_EQ(answers_.value(0).value, "{\"usd\":1}");
  EXPECT_TRUE(answers_.value(0).origin_error);
}

// ---- Tier fallback ---------------------------------------------------------------

TEST_F(TieredCacheTest, FailingStoreIsBypassedThenRetriedWithGrowingBackoff) {
  auto cache = make();
  store_.fail("IndexedDB blocked");
  cache->get_or_fetch("a", policy_ms(100000), origin_.fetcher(), answers_.callback());
  ASSERT_TRUE(answers_.ok(0));  // memory and origin still work
  EXPECT_EQ(answers_.value(0).source, "origin");
  EXPECT_EQ(store_.gets, 1);
  EXPECT_EQ(store_.puts, 0);  // degraded: the write is skipped, not queued
  auto health = cache->health();
  ASSERT_EQ(health.size(), 2u);
  EXPECT_EQ(health[0].status, "healthy");
  EXPECT_EQ(health[1].name, "indexeddb");
  EXPECT_EQ(health[1].status, "degraded");
  EXPECT_EQ(health[1].failures, 1u);
  EXPECT_NE(health[1].reason.find("get failed: IndexedDB blocked"), std::string::npos);
  EXPECT_EQ(*health[1].retry_at_ms, now() + 30000);

  clock_.advance(29999);
  cache->get_or_fetch("b", policy_ms(100000), origin_.fetcher(), answers_.callback());
  EXPECT_EQ(store_.gets, 1);  // bypassed
  EXPECT_EQ(cache->stats().persistent->bypassed_lookups, 1u);
  clock_.advance(1);
  cache->get_or_fetch("c", policy_ms(100000), origin_.fetcher(), answers_.callback());
  EXPECT_EQ(store_.gets, 2);  // retried, failed again: 60 s now
  EXPECT_EQ(*cache->health()[1].retry_at_ms, now() + 60000);
  for (int i = 0; i < 6; ++i) {
    clock_.advance(300000);
    cache->get_or_fetch("d" + std::to_string(i), policy_ms(100000), origin_.fetcher(), answers_.callback());
  }
  EXPECT_EQ(*cache->health()[1].retry_at_ms, now() + 300000);  // capped at 5 min
  EXPECT_EQ(cache->health()[1].consecutive_failures, 8u);

  store_.recover();
  clock_.advance(300000);
  cache->get_or_fetch("e", policy_ms(100000), origin_.fetcher(), answers_.callback());
  EXPECT_EQ(cache->health()[1].status, "healthy");
  EXPECT_EQ(cache->health()[1].failures, 8u);
  EXPECT_EQ(store_.entries.count("e"), 1u);
  EXPECT_EQ(answers_.size(), 10u);
}

// ---- Corrupted entries -----------------------------------------------------------

TEST_F(TieredCacheTest, RejectedStoreValueIsDeletedAndTreatedAsAMiss) {
  const int64_t t0 = now();
  store_.entries["k"] = stored("garbage", t0, t0 + 1000, t0 + 1000);
  auto cache = make();
  CachePolicy policy = policy_ms(1000);
  policy.accepts = [](const std::string& value) { return value != "garbage"; };
  cache->get_or_fetch("k", policy, origin_.fetcher(), answers_.callback());
  ASSERT_TRUE(answers_.ok(0));
  EXPECT_EQ(answers_.value(0).source, "origin");
  EXPECT_EQ(answers_.value(0).value, "v1");
  EXPECT_EQ(cache->stats().persistent->corrupt_dropped, 1u);
  EXPECT_EQ(store_.entries["k"].value, "v1");  // replaced by the origin's value
}

TEST_F(TieredCacheTest, RejectedMemoryValueIsErasedAndRefetched) {
  auto cache = make(false);
  origin_.answer = [] { return FetchedValue{"garbage", {}, {}}; };
  CachePolicy policy = policy_ms(1000);
  policy.accepts = [](const std::string& value) { return value != "garbage"; };
  cache->get_or_fetch("k", policy, origin_.fetcher(), answers_.callback());
  origin_.answer = [] { return FetchedValue{"good", {}, {}}; };
  cache->get_or_fetch("k", policy, origin_.fetcher(), answers_.callback());
  EXPECT_EQ(answers_.value(1).value, "good");
  EXPECT_EQ(answers_.value(1).source, "origin");
  EXPECT_EQ(cache->stats().memory_corrupt_dropped, 1u);
  EXPECT_EQ(cache->stats().memory.deletes, 1u);
}

TEST_F(TieredCacheTest, EraseRemovesAValueFromEveryTier) {
  auto cache = make();
  cache->get_or_fetch("k", policy_ms(1000), origin_.fetcher(), answers_.callback());
  std::optional<Result<bool>> erased;
  cache->erase("k", [&erased](Result<bool> result) { erased = result; });
  ASSERT_TRUE(erased && erased->ok());
  EXPECT_TRUE(erased->value());
  EXPECT_FALSE(cache->memory().peek("k"));
  EXPECT_EQ(store_.entries.count("k"), 0u);
}

// ---- Invalidation --------------------------------------------------------------

TEST_F(TieredCacheTest, InvalidationRacingAnInFlightFetchDoesNotWriteBack) {
  auto cache = make();
  origin_.hold = true;
  cache->get_or_fetch("k", policy_ms(1000), origin_.fetcher(), answers_.callback());
  std::optional<Result<InvalidationReport>> report;
  cache->invalidate("k", [&report](Result<InvalidationReport> r) { report = r; });
  ASSERT_TRUE(report && report->ok());
  // A caller after the invalidation does not join the old fetch.
  cache->get_or_fetch("k", policy_ms(1000), origin_.fetcher(), answers_.callback());
  EXPECT_EQ(origin_.calls, 2);
  origin_.release(FetchedValue{"before-invalidation", {}, {}});
  ASSERT_EQ(answers_.size(), 1u);
  EXPECT_EQ(answers_.value(0).value, "before-invalidation");  // its caller is still answered
  EXPECT_FALSE(cache->memory().peek("k"));
  EXPECT_EQ(store_.entries.count("k"), 0u);
  EXPECT_EQ(cache->stats().origin.writes_skipped_invalidated, 1u);
  origin_.release(FetchedValue{"after-invalidation", {}, {}});
  EXPECT_EQ(cache->memory().peek("k")->value, "after-invalidation");
  EXPECT_EQ(store_.entries["k"].value, "after-invalidation");
}

TEST_F(TieredCacheTest, InvalidationOvertakingAPersistentWriteRemovesItAfterwards) {
  auto cache = make();
  store_.hold();
  cache->get_or_fetch("k", policy_ms(1000), origin_.fetcher(), answers_.callback());
  store_.release_next();  // get: miss → origin → put held
  ASSERT_EQ(store_.held(), 1u);
  cache->invalidate("k");
  ASSERT_EQ(store_.held(), 2u);  // put, remove
  store_.release_at(1);           // the remove lands first and finds nothing
  store_.release_next();          // then the put writes the old value...
  EXPECT_EQ(store_.entries.count("k"), 1u);
  store_.release_all();           // ...and the cache takes it back out
  EXPECT_EQ(store_.entries.count("k"), 0u);
}

TEST_F(TieredCacheTest, GlobInvalidationTreatsMetacharactersLiterallyInEveryTier) {
  auto cache = make();
  for (const char* key : {"price.usd", "priceXusd", "price.eur", "fees:(fast)"}) {
    cache->get_or_fetch(key, policy_ms(100000), origin_.fetcher(), answers_.callback());
  }
  store_.entries["price.gbp"] = stored("only-in-store", now(), now() + 1000, now() + 1000);
  std::optional<Result<InvalidationReport>> report;
  cache->invalidate_glob("price.*", [&report](Result<InvalidationReport> r) { report = r; });
  ASSERT_TRUE(report && report->ok());
  EXPECT_EQ(report->value().memory_removed, 2u);
  EXPECT_EQ(report->value().persistent_removed, 3u);
  EXPECT_TRUE(report->value().persistent_attempted);
  EXPECT_EQ(store_.listed_prefixes.back(), "price.");
  EXPECT_TRUE(cache->memory().peek("priceXusd"));
  EXPECT_EQ(store_.entries.count("priceXusd"), 1u);
  EXPECT_FALSE(cache->memory().peek("price.usd"));

  cache->invalidate_glob("fees:(?ast)", [&report](Result<InvalidationReport> r) { report = r; });
  EXPECT_EQ(report->value().memory_removed, 1u);
  EXPECT_EQ(report->value().persistent_removed, 1u);
  EXPECT_EQ(cache->stats().memory.evictions_invalidated, 3u);

  cache->invalidate_glob(std::string(300, '*'), [&report](Result<InvalidationReport> r) { report = r; });
  ASSERT_FALSE(report->ok());
  EXPECT_EQ(report->error().category, ErrorCategory::validation);
}

TEST_F(TieredCacheTest, TagInvalidationReachesEveryTier) {
  auto cache = make();
  CachePolicy market = policy_ms(100000);
  market.tags = {"market"};
  CachePolicy fees = policy_ms(100000);
  fees.tags = {"fees"};
  cache->get_or_fetch("price:usd", market, origin_.fetcher(), answers_.callback());
  cache->get_or_fetch("price:eur", market, origin_.fetcher(), answers_.callback());
  cache->get_or_fetch("fees:fast", fees, origin_.fetcher(), answers_.callback());
  EXPECT_EQ(store_.entries["price:usd"].tags, std::vector<std::string>{"market"});
  std::optional<Result<InvalidationReport>> report;
  cache->invalidate_tag("market", [&report](Result<InvalidationReport> r) { report = r; });
  ASSERT_TRUE(report && report->ok());
  EXPECT_EQ(report->value().memory_removed, 2u);
  EXPECT_EQ(report->value().persistent_removed, 2u);
  EXPECT_TRUE(cache->memory().peek("fees:fast"));
  EXPECT_EQ(store_.entries.size(), 1u);
  EXPECT_EQ(store_.entries.count("fees:fast"), 1u);
}

TEST_F(TieredCacheTest, InvalidationReportsAStoreFailureButStillClearsMemory) {
  auto cache = make();
  cache->get_or_fetch("price:usd", policy_ms(100000), origin_.fetcher(), answers_.callback());
  store_.fail("list rejected");
  std::optional<Result<InvalidationReport>> report;
  cache->invalidate_glob("price:*", [&report](Result<InvalidationReport> r) { report = r; });
  ASSERT_TRUE(report && report->ok());
  EXPECT_EQ(report->value().memory_removed, 1u);
  ASSERT_TRUE(report->value().persistent_error);
  EXPECT_EQ(report->value().persistent_error->category, ErrorCategory::storage);
  EXPECT_EQ(cache->health()[1].status, "degraded");
}

TEST_F(TieredCacheTest, TagInvalidationOvertakesFetchesByTheirPolicyTags) {
  auto cache = make(false);
  CachePolicy market = policy_ms(1000);
  market.tags = {"market"};
  origin_.hold = true;
  cache->get_or_fetch("price:usd", market, origin_.fetcher(), answers_.callback());
  cache->invalidate_tag("market");
  origin_.release(FetchedValue{"x", {}, {}});
  EXPECT_TRUE(answers_.ok(0));
  EXPECT_FALSE(cache->memory().peek("price:usd"));
}

// ---- Soft invalidation (expire, the default) vs purge ------------------------------

// price:usd and fees cached in both tiers with a 1 min TTL, 30 s stale-while-revalidate and
// a 10 min stale-if-error window; `origin_` then answers with `ok` or a network error.
class SoftInvalidationTest : public TieredCacheTest {
 protected:
  SoftInvalidationTest() : policy_(policy_ms(60000, 30000, 600000)) { policy_.tags = {"market"}; }

  std::unique_ptr<TieredCache> warmed() {
    auto cache = make();
    CachePolicy fees = policy_ms(60000, 30000, 600000);
    fees.tags = {"fees"};
    cache->get_or_fetch("price:usd", policy_, origin_.fetcher(), answers_.callback());
    cache->get_or_fetch("fees", fees, origin_.fetcher(), answers_.callback());
    EXPECT_EQ(store_.entries.size(), 2u);
    answers_.results.clear();
    clock_.advance(1000);
    return cache;
  }
  InvalidationReport report_of(const std::function<void(InvalidationCallback)>& invalidate) {
    std::optional<Result<InvalidationReport>> report;
    invalidate([&report](Result<InvalidationReport> r) { report = std::move(r); });
    EXPECT_TRUE(report && report->ok());
    return report && report->ok() ? report->value() : InvalidationReport{};
  }
  void fail_origin() { origin_.answer = [] { return network_error(); }; }
  void recover_origin() {
    origin_.answer = [this] { return FetchedValue{"new" + std::to_string(origin_.calls), {}, {}}; };
  }

  CachePolicy policy_;
};

TEST_F(SoftInvalidationTest, GlobStarExpiresSoTheNextRequestRefetchesAndAFailureAnswersStale) {
  auto cache = warmed();
  const InvalidationReport report =
      report_of([&](InvalidationCallback done) { cache->invalidate_glob("*", std::move(done)); });
  EXPECT_EQ(report.mode, InvalidationMode::expire);
  EXPECT_EQ(report.memory_expired, 2u);
  EXPECT_EQ(report.memory_removed, 0u);
  EXPECT_EQ(report.persistent_removed, 2u);
  EXPECT_TRUE(store_.entries.empty()) << "no tier may answer the old value as fresh";
  EXPECT_FALSE(cache->memory_has("price:usd"));

  // Neither fresh nor stale-while-revalidate: the caller waits for the origin...
  fail_origin();
  origin_.hold = true;
  cache->get_or_fetch("price:usd", policy_, origin_.fetcher(), answers_.callback());
  EXPECT_EQ(answers_.size(), 0u);
  EXPECT_EQ(origin_.calls, 3);
  // ...and when it fails, the expired value is the stale-if-error answer.
  origin_.release(network_error());
  ASSERT_EQ(answers_.size(), 1u);
  ASSERT_TRUE(answers_.ok(0));
  EXPECT_EQ(answers_.value(0).value, "v1");
  EXPECT_TRUE(answers_.value(0).stale);
  EXPECT_EQ(answers_.value(0).age_ms, 1000);
  EXPECT_EQ(answers_.value(0).source, "memory");
  ASSERT_TRUE(answers_.value(0).origin_error);
  EXPECT_EQ(answers_.value(0).origin_error->category, ErrorCategory::network);
  EXPECT_EQ(cache->stats().origin.stale_if_error_answers, 1u);

  // Once the origin answers, the new value is fresh in every tier.
  origin_.hold = false;
  recover_origin();
  cache->get_or_fetch("price:usd", policy_, origin_.fetcher(), answers_.callback());
  ASSERT_TRUE(answers_.ok(1));
  EXPECT_EQ(answers_.value(1).value, "new4");
  EXPECT_EQ(answers_.value(1).source, "origin");
  EXPECT_FALSE(answers_.value(1).stale);
  cache->get_or_fetch("price:usd", policy_, origin_.fetcher(), answers_.callback());
  EXPECT_EQ(answers_.value(2).source, "memory");
  EXPECT_FALSE(answers_.value(2).stale);
  EXPECT_EQ(store_.entries["price:usd"].value, "new4");
  EXPECT_EQ(origin_.calls, 4);
}

TEST_F(SoftInvalidationTest, PurgeRemovesEverythingSoAFailingOriginIsTheError) {
  auto cache = warmed();
  const InvalidationReport report = report_of(
      [&](InvalidationCallback done) { cache->invalidate_glob("*", std::move(done), InvalidationMode::purge); });
  EXPECT_EQ(report.mode, InvalidationMode::purge);
  EXPECT_EQ(report.memory_removed, 2u);
  EXPECT_EQ(report.memory_expired, 0u);
  EXPECT_EQ(report.persistent_removed, 2u);
  EXPECT_FALSE(cache->memory().peek("price:usd"));
  EXPECT_EQ(cache->stats().memory.evictions_invalidated, 2u);
  EXPECT_EQ(cache->stats().memory.expired_invalidated, 0u);
  fail_origin();
  cache->get_or_fetch("price:usd", policy_, origin_.fetcher(), answers_.callback());
  ASSERT_EQ(answers_.size(), 1u);
  ASSERT_FALSE(answers_.ok(0));
  EXPECT_EQ(answers_.error(0).category, ErrorCategory::network);
  EXPECT_EQ(cache->stats().origin.stale_if_error_answers, 0u);
}

TEST_F(SoftInvalidationTest, KeysAndTagsExpireAlikeAndPurgeAlike) {
  auto cache = warmed();
  InvalidationReport by_key =
      report_of([&](InvalidationCallback done) { cache->invalidate("price:usd", std::move(done)); });
  EXPECT_EQ(by_key.memory_expired, 1u);
  EXPECT_EQ(by_key.persistent_removed, 1u);
  InvalidationReport by_tag =
      report_of([&](InvalidationCallback done) { cache->invalidate_tag("fees", std::move(done)); });
  EXPECT_EQ(by_tag.memory_expired, 1u);
  EXPECT_EQ(by_tag.persistent_removed, 1u);
  EXPECT_EQ(cache->stats().memory.expired_invalidated, 2u);
  EXPECT_EQ(cache->stats().memory.evictions_invalidated, 0u);
  EXPECT_EQ(cache->stats().memory.entries, 2u);

  CachePolicy fees = policy_ms(60000, 30000, 600000);
  fees.tags = {"fees"};
  fail_origin();
  cache->get_or_fetch("price:usd", policy_, origin_.fetcher(), answers_.callback());
  cache->get_or_fetch("fees", fees, origin_.fetcher(), answers_.callback());
  ASSERT_TRUE(answers_.ok(0) && answers_.ok(1));
  EXPECT_EQ(answers_.value(0).value, "v1");
  EXPECT_EQ(answers_.value(1).value, "v2");
  EXPECT_TRUE(answers_.value(0).stale && answers_.value(1).stale);
  EXPECT_EQ(origin_.calls, 4) << "both refetched";

  // Purging what a soft invalidation kept removes it: counted as removed, not expired again.
  by_key = report_of([&](InvalidationCallback done) {
    cache->invalidate("price:usd", std::move(done), InvalidationMode::purge);
  });
  EXPECT_EQ(by_key.memory_removed, 1u);
  by_tag = report_of([&](InvalidationCallback done) {
    cache->invalidate_tag("fees", std::move(done), InvalidationMode::purge);
  });
  EXPECT_EQ(by_tag.memory_removed, 1u);
  EXPECT_EQ(cache->stats().memory.entries, 0u);
  EXPECT_EQ(cache->stats().memory.bytes, 0u);
  cache->get_or_fetch("price:usd", policy_, origin_.fetcher(), answers_.callback());
  cache->get_or_fetch("fees", fees, origin_.fetcher(), answers_.callback());
  EXPECT_FALSE(answers_.ok(2));
  EXPECT_FALSE(answers_.ok(3));
}

TEST_F(SoftInvalidationTest, StaleIfErrorCountsFromTheInvalidation) {
  auto cache = make(false);
  const CachePolicy policy = policy_ms(1000, 0, 5000);
  cache->get_or_fetch("k", policy, origin_.fetcher(), answers_.callback());
  clock_.advance(500);
  cache->invalidate("k");
  fail_origin();
  clock_.advance(4999);  // invalidated at 500: the window ends at 5500, before retention (6000)
  cache->get_or_fetch("k", policy, origin_.fetcher(), answers_.callback());
  ASSERT_TRUE(answers_.ok(1));
  EXPECT_TRUE(answers_.value(1).stale);
  EXPECT_EQ(answers_.value(1).fresh_until_ms, answers_.value(1).stored_at_ms + 500);
  clock_.advance(1);
  cache->get_or_fetch("k", policy, origin_.fetcher(), answers_.callback());
  ASSERT_FALSE(answers_.ok(2));
  EXPECT_EQ(answers_.error(2).category, ErrorCategory::network);
}

TEST_F(SoftInvalidationTest, ReportAndStatsAreJson) {
  auto cache = warmed();
  nlohmann::json soft = report_of([&](InvalidationCallback done) { cache->invalidate_glob("price:*", std::move(done)); });
  EXPECT_EQ(soft["mode"], "expire");
  EXPECT_EQ(soft["memory_expired"], 1);
  EXPECT_EQ(soft["memory_removed"], 0);
  EXPECT_EQ(soft["persistent_removed"], 1);
  nlohmann::json purge = report_of(
      [&](InvalidationCallback done) { cache->invalidate_glob("*", std::move(done), InvalidationMode::purge); });
  EXPECT_EQ(purge["mode"], "purge");
  EXPECT_EQ(purge["memory_expired"], 0);
  EXPECT_EQ(purge["memory_removed"], 2);
  nlohmann::json stats = cache->stats();
  EXPECT_EQ(stats["tiers"]["memory"]["expired_by_invalidation"], 1);
  EXPECT_EQ(stats["tiers"]["memory"]["evictions"]["invalidated"], 2);
}

// ---- Refresh-ahead and warming -----------------------------------------------

TEST_F(TieredCacheTest, RefreshAheadKeepsHotKeysFresh) {
  auto cache = make(false);
  CachePolicy policy = policy_ms(1000);
  policy.refresh_ahead_fraction = 0.2;
  cache->get_or_fetch("k", policy, origin_.fetcher(), answers_.callback());
  clock_.advance(800);  // 200 ms left: not below 20 %
  cache->get_or_fetch("k", policy, origin_.fetcher(), answers_.callback());
  EXPECT_EQ(origin_.calls, 1);
  EXPECT_FALSE(answers_.value(1).revalidating);
  origin_.hold = true;
  clock_.advance(50);
  cache->get_or_fetch("k", policy, origin_.fetcher(), answers_.callback());
  cache->get_or_fetch("k", policy, origin_.fetcher(), answers_.callback());
  EXPECT_EQ(origin_.calls, 2);  // one refresh
  EXPECT_TRUE(answers_.value(2).revalidating);
  EXPECT_FALSE(answers_.value(2).stale);
  EXPECT_EQ(answers_.value(2).value, "v1");
  origin_.release(FetchedValue{"v2", {}, {}});
  clock_.advance(500);  // past the first TTL, still fresh thanks to the refresh
  cache->get_or_fetch("k", policy, origin_.fetcher(), answers_.callback());
  EXPECT_EQ(answers_.value(4).value, "v2");
  EXPECT_FALSE(answers_.value(4).stale);
  EXPECT_EQ(cache->stats().origin.refresh_ahead_triggers, 1u);
}

TEST_F(TieredCacheTest, WarmingFetchesWithBoundedConcurrencyAndReportsCounts) {
  options_.warm_concurrency = 3;
  auto cache = make(false);
  cache->get_or_fetch("key0", policy_ms(100000), origin_.fetcher(), answers_.callback());  // already cached
  origin_.hold = true;
  std::vector<WarmItem> items;
  for (int i = 0; i < 8; ++i) items.push_back(WarmItem{"key" + std::to_string(i), policy_ms(100000), origin_.fetcher()});
  std::optional<Result<WarmReport>> report;
  cache->warm(std::move(items), [&report](Result<WarmReport> r) { report = r; });
  EXPECT_EQ(origin_.calls, 1 + 3);  // key0 answered from memory, three fetches in flight
  origin_.release(network_error());
  int released = 1;
  while (!origin_.held.empty()) {
    EXPECT_LE(origin_.held.size(), 3u);
    origin_.release(FetchedValue{"w", {}, {}});
    ++released;
  }
  ASSERT_TRUE(report && report->ok());
  EXPECT_EQ(released, 7);
  EXPECT_EQ(report->value().requested, 8u);
  EXPECT_EQ(report->value().cached, 1u);
  EXPECT_EQ(report->value().fetched, 6u);
  EXPECT_EQ(report->value().failed, 1u);
  ASSERT_EQ(report->value().failures.size(), 1u);
  EXPECT_EQ(report->value().failures[0].first, "key1");
  nlohmann::json j = report->value();
  EXPECT_EQ(j["failures"][0]["error"]["category"], "network");
}

TEST_F(TieredCacheTest, WarmingWithSynchronousFetchersFinishesOnce) {
  auto cache = make(false);
  std::vector<WarmItem> items;
  for (int i = 0; i < 50; ++i) items.push_back(WarmItem{"k" + std::to_string(i), policy_ms(1000), origin_.fetcher()});
  int reports = 0;
  cache->warm(std::move(items), [&reports](Result<WarmReport> r) {
    ++reports;
    EXPECT_EQ(r.value().fetched, 50u);
  });
  EXPECT_EQ(reports, 1);
  EXPECT_EQ(origin_.calls, 50);
  cache->warm({}, [&reports](Result<WarmReport> r) {
    ++reports;
    EXPECT_EQ(r.value().requested, 0u);
  });
  EXPECT_EQ(reports, 2);
}

// ---- Configuration, validation, sweep, stats --------------------------------------

TEST_F(TieredCacheTest, DisabledCacheBypassesEveryTier) {
  auto cache = make();
  cache->set_enabled(false);
  cache->get_or_fetch("k", policy_ms(1000), origin_.fetcher(), answers_.callback());
  cache->get_or_fetch("k", policy_ms(1000), origin_.fetcher(), answers_.callback());
  EXPECT_EQ(origin_.calls, 2);
  EXPECT_EQ(answers_.value(1).source, "origin");
  EXPECT_FALSE(answers_.value(1).stale);
  EXPECT_EQ(store_.gets + store_.puts, 0);
  EXPECT_EQ(cache->stats().memory.entries, 0u);
  EXPECT_EQ(cache->stats().origin.uncached_fetches, 2u);
  EXPECT_EQ(cache->health()[0].status, "disabled");
  cache->set_enabled(true);
  cache->get_or_fetch("k", policy_ms(1000), origin_.fetcher(), answers_.callback());
  cache->get_or_fetch("k", policy_ms(1000), origin_.fetcher(), answers_.callback());
  EXPECT_EQ(origin_.calls, 3);
}

TEST_F(TieredCacheTest, BadInputIsAValidationErrorBeforeAnyFetch) {
  auto cache = make();
  cache->get_or_fetch("", policy_ms(1000), origin_.fetcher(), answers_.callback());
  cache->get_or_fetch(std::string(TieredCache::kMaxKeyBytes + 1, 'k'), policy_ms(1000), origin_.fetcher(),
                      answers_.callback());
  CachePolicy bad = policy_ms(1000, -1);
  cache->get_or_fetch("k", bad, origin_.fetcher(), answers_.callback());
  bad = policy_ms(1000);
  bad.refresh_ahead_fraction = 1.0;
  cache->get_or_fetch("k", bad, origin_.fetcher(), answers_.callback());
  bad = policy_ms(1000);
  bad.tags.assign(MemoryCache::kMaxTagsPerEntry + 1, "t");
  cache->get_or_fetch("k", bad, origin_.fetcher(), answers_.callback());
  cache->get_or_fetch("k", policy_ms(1000), nullptr, answers_.callback());
  cache->invalidate_tag("", [this](Result<InvalidationReport> r) {
    answers_.results.push_back(r.error());
  });
  ASSERT_EQ(answers_.size(), 7u);
  for (size_t i = 0; i < answers_.size(); ++i) {
    ASSERT_FALSE(answers_.ok(i)) << i;
    EXPECT_EQ(answers_.error(i).category, ErrorCategory::validation) << i;
  }
  EXPECT_EQ(origin_.calls, 0);
  EXPECT_EQ(store_.gets, 0);
}

TEST_F(TieredCacheTest, PeriodicSweepDropsExpiredEntriesWithoutReads) {
  options_.sweep_interval_ms = 1000;
  auto cache = make(false);
  for (int i = 0; i < 5; ++i) cache->get_or_fetch("k" + std::to_string(i), policy_ms(500), origin_.fetcher(), answers_.callback());
  EXPECT_EQ(cache->memory().stats().entries, 5u);
  scheduler_.advance(1000);
  EXPECT_EQ(cache->memory().stats().entries, 0u);
  EXPECT_EQ(cache->memory().stats().evictions_expired, 5u);
  EXPECT_EQ(scheduler_.pending(), 1u);  // the next sweep
  cache.reset();
  EXPECT_EQ(scheduler_.pending(), 0u);
}

TEST_F(TieredCacheTest, ManualSweepIsBounded) {
  auto cache = make(false);
  for (int i = 0; i < 5; ++i) cache->get_or_fetch("k" + std::to_string(i), policy_ms(500), origin_.fetcher(), answers_.callback());
  clock_.advance(500);
  EXPECT_EQ(cache->sweep(2), 2u);
  EXPECT_EQ(cache->sweep(10), 3u);
}

TEST_F(TieredCacheTest, StatsAreJsonWithBytesSaved) {
  store_.stored_bytes_for = [](size_t raw) { return raw / 4; };
  auto cache = make();
  origin_.answer = [] { return FetchedValue{std::string(400, 'x'), {}, {}}; };
  cache->get_or_fetch("k", policy_ms(1000), origin_.fetcher(), answers_.callback());
  cache->get_or_fetch("k", policy_ms(1000), origin_.fetcher(), answers_.callback());
  nlohmann::json stats = cache->stats();
  EXPECT_EQ(stats["tiers"]["indexeddb"]["bytes_saved"], 300);
  EXPECT_EQ(stats["tiers"]["indexeddb"]["puts"], 1);
  EXPECT_EQ(stats["tiers"]["memory"]["hits"], 1);
  EXPECT_EQ(stats["tiers"]["memory"]["evictions"]["invalidated"], 0);
  EXPECT_EQ(stats["origin"]["fetches"], 1);
  nlohmann::json health = cache->health();
  EXPECT_EQ(health[1]["status"], "healthy");
  EXPECT_EQ(health[1]["name"], "indexeddb");
}

TEST_F(TieredCacheTest, MemoryOnlyCacheHasNoPersistentTier) {
  auto cache = make(false);
  cache->get_or_fetch("k", policy_ms(1000), origin_.fetcher(), answers_.callback());
  EXPECT_FALSE(cache->stats().persistent);
  EXPECT_EQ(cache->health().size(), 1u);
  std::optional<Result<InvalidationReport>> report;
  cache->invalidate("k", [&report](Result<InvalidationReport> r) { report = r; });
  EXPECT_EQ(report->value().memory_removed, 1u);
  EXPECT_FALSE(report->value().persistent_attempted);
}

TEST_F(TieredCacheTest, DestroyingTheCacheAnswersWaitersAndDropsLateAnswers) {
  auto cache = make();
  origin_.hold = true;
  cache->get_or_fetch("k", policy_ms(1000), origin_.fetcher(), answers_.callback());
  cache.reset();
  ASSERT_EQ(answers_.size(), 1u);
  EXPECT_EQ(answers_.error(0).category, ErrorCategory::internal);
  origin_.release(FetchedValue{"late", {}, {}});  // must not touch the destroyed cache
  EXPECT_EQ(answers_.size(), 1u);
  EXPECT_EQ(scheduler_.pending(), 0u);
}

}  // namespace
}  // namespace ltl
