#include "cache/memory_cache.h"

#include <gtest/gtest.h>

namespace ltl {
namespace {

class MemoryCacheTest : public ::testing::Test {
 protected:
  MemoryCache make(size_t max_entries = 100, size_t max_bytes = 1 << 20, int64_t default_ttl = 1000) {
    return MemoryCache(clock_, {max_entries, max_bytes, max_bytes, default_ttl});
  }
  ManualClock clock_;
};

TEST_F(MemoryCacheTest, ExactKeyLookupsOnly) {
  auto cache = make();
  cache.set("price:usd", "1");
  EXPECT_TRUE(cache.get("price:usd"));
  EXPECT_FALSE(cache.get("price:us"));
  EXPECT_FALSE(cache.get("price:usd2"));
  EXPECT_FALSE(cache.get("price"));
}

TEST_F(MemoryCacheTest, DefaultTtlExpiresExactlyAtTheBoundary) {
  auto cache = make(100, 1 << 20, 1000);
  cache.set("k", "v");
  clock_.advance(999);
  ASSERT_TRUE(cache.get("k"));
  EXPECT_EQ(cache.get("k")->expires_at_ms, cache.get("k")->stored_at_ms + 1000);
  clock_.advance(1);
  EXPECT_FALSE(cache.get("k"));
  EXPECT_EQ(cache.stats().evictions_expired, 1u);
  EXPECT_EQ(cache.stats().entries, 0u);
  EXPECT_EQ(cache.stats().bytes, 0u);
}

TEST_F(MemoryCacheTest, ZeroTtlMeansAlreadyExpiredNotDefault) {
  auto cache = make(100, 1 << 20, 60000);
  cache.set("k", "v", Ttl::ms(0));
  EXPECT_FALSE(cache.get("k"));
}

TEST_F(MemoryCacheTest, NoExpiryOutlivesAnyTtl) {
  auto cache = make(100, 1 << 20, 10);
  cache.set("k", "v", Ttl::no_expiry());
  clock_.advance(int64_t{10} * 365 * 24 * 3600 * 1000);
  ASSERT_TRUE(cache.get("k"));
  EXPECT_EQ(cache.get("k")->expires_at_ms, kNeverExpires);
}

TEST_F(MemoryCacheTest, ExplicitTtlOverridesDefault) {
  auto cache = make(100, 1 << 20, 10);
  cache.set("k", "v", Ttl::ms(5000));
  clock_.advance(4999);
  EXPECT_TRUE(cache.get("k"));
}

TEST_F(MemoryCacheTest, AbsoluteExpiryIsKeptAsGiven) {
  auto cache = make();
  cache.set_until("k", "v", clock_.now_ms() + 250);
  EXPECT_EQ(cache.get("k")->expires_at_ms, clock_.now_ms() + 250);
  clock_.advance(250);
  EXPECT_FALSE(cache.get("k"));
}

TEST_F(MemoryCacheTest, EvictsLeastRecentlyUsedWhenOverEntryCount) {
  auto cache = make(3);
  cache.set("a", "1");
  cache.set("b", "2");
  cache.set("c", "3");
  ASSERT_TRUE(cache.get("a"));  // a becomes most recent; b is now the oldest
  cache.set("d", "4");
  EXPECT_FALSE(cache.get("b"));
  EXPECT_TRUE(cache.get("a"));
  EXPECT_TRUE(cache.get("c"));
  EXPECT_TRUE(cache.get("d"));
  EXPECT_EQ(cache.stats().evictions_capacity, 1u);
  EXPECT_EQ(cache.stats().entries, 3u);
}

TEST_F(MemoryCacheTest, EvictsByBytesCountingKeyValueAndOverhead) {
  const size_t one = MemoryCache::entry_bytes("a", std::string(100, 'x'));
  auto cache = make(100, one * 2);
  cache.set("a", std::string(100, 'x'));
  cache.set("b", std::string(100, 'x'));
  EXPECT_EQ(cache.stats().bytes, one * 2);
  cache.set("c", std::string(100, 'x'));
  EXPECT_FALSE(cache.get("a"));
  EXPECT_EQ(cache.stats().evictions_size, 1u);
  EXPECT_EQ(cache.stats().bytes, one * 2);
}

TEST_F(MemoryCacheTest, OverwriteReplacesBytesInsteadOfAddingThem) {
  auto cache = make();
  cache.set("k", std::string(10, 'x'));
  cache.set("k", std::string(500, 'y'));
  EXPECT_EQ(cache.stats().entries, 1u);
  EXPECT_EQ(cache.stats().bytes, MemoryCache::entry_bytes("k", std::string(500, 'y')));
  cache.set("k", "z");
  EXPECT_EQ(cache.stats().bytes, MemoryCache::entry_bytes("k", "z"));
  EXPECT_EQ(cache.get("k")->value, "z");
  EXPECT_EQ(cache.stats().sets, 3u);
}

TEST_F(MemoryCacheTest, ValueLargerThanEntryLimitIsNotCachedAndCounted) {
  MemoryCache cache(clock_, {100, 1 << 20, 200, 1000});
  cache.set("k", "small");
  EXPECT_FALSE(cache.set("k", std::string(300, 'x')));
  EXPECT_FALSE(cache.get("k"));  // the old value does not survive a rejected overwrite
  EXPECT_EQ(cache.stats().rejected_too_large, 1u);
  EXPECT_EQ(cache.stats().bytes, 0u);
}

TEST_F(MemoryCacheTest, StatsCountHitsMissesAndDeletes) {
  auto cache = make();
  cache.set("k", "v");
  cache.get("k");
  cache.get("k");
  cache.get("nope");
  EXPECT_TRUE(cache.erase("k"));
  EXPECT_FALSE(cache.erase("k"));
  EXPECT_EQ(cache.stats().hits, 2u);
  EXPECT_EQ(cache.stats().misses, 1u);
  EXPECT_EQ(cache.stats().deletes, 1u);
  EXPECT_DOUBLE_EQ(cache.stats().hit_rate(), 2.0 / 3.0);
  EXPECT_EQ(cache.stats().entries, 0u);
  EXPECT_EQ(cache.stats().bytes, 0u);
}

TEST_F(MemoryCacheTest, ShrinkingOptionsEvictsImmediately) {
  auto cache = make(10);
  for (char c = 'a'; c < 'a' + 10; ++c) cache.set(std::string(1, c), "v");
  auto options = cache.options();
  options.max_entries = 4;
  cache.set_options(options);
  EXPECT_EQ(cache.stats().entries, 4u);
  EXPECT_TRUE(cache.get("j"));
  EXPECT_FALSE(cache.get("a"));
}

TEST_F(MemoryCacheTest, StaleEntriesAreRetainedUntilTheirLongestWindow) {
  auto cache = make();
  const int64_t t0 = clock_.now_ms();
  ASSERT_TRUE(cache.set_entry("k", "v", EntryTimes{t0, t0 + 100, t0 + 300}).ok());
  clock_.advance(100);  // exactly at expiry: no longer fresh
  EXPECT_FALSE(cache.get("k"));
  EXPECT_EQ(cache.stats().entries, 1u);  // kept for stale reads
  auto stale = cache.get_stale("k", 100);
  ASSERT_TRUE(stale);
  EXPECT_TRUE(stale->stale);
  EXPECT_EQ(stale->age_ms, 100);
  EXPECT_EQ(cache.stats().stale_hits, 1u);
  clock_.advance(99);
  EXPECT_TRUE(cache.get_stale("k", 100));
  clock_.advance(1);  // expiry + 100: outside the caller's stale window, still retained
  EXPECT_FALSE(cache.get_stale("k", 100));
  ASSERT_TRUE(cache.peek("k"));
  EXPECT_TRUE(cache.peek("k")->stale);
  clock_.advance(100);  // retain_until reached
  EXPECT_FALSE(cache.peek("k"));
  EXPECT_FALSE(cache.get_stale("k", 1000));
  EXPECT_EQ(cache.stats().evictions_expired, 1u);
  EXPECT_EQ(cache.stats().entries, 0u);
  EXPECT_EQ(cache.stats().bytes, 0u);
}

TEST_F(MemoryCacheTest, FreshReadsAreNotFlaggedStaleAndCarryTheirAge) {
  auto cache = make();
  cache.set("k", "v", Ttl::ms(1000));
  clock_.advance(400);
  auto entry = cache.get_stale("k", 500);
  ASSERT_TRUE(entry);
  EXPECT_FALSE(entry->stale);
  EXPECT_EQ(entry->age_ms, 400);
  EXPECT_EQ(cache.stats().hits, 1u);
  EXPECT_EQ(cache.stats().stale_hits, 0u);
}

TEST_F(MemoryCacheTest, HitRateCountsStaleHitsAsServed) {
  auto cache = make();
  const int64_t t0 = clock_.now_ms();
  cache.set_entry("k", "v", EntryTimes{t0, t0 + 10, t0 + 100});
  cache.get("k");       // hit
  clock_.advance(20);
  cache.get_stale("k", 50);  // stale hit
  cache.get("k");            // miss (stale not allowed)
  EXPECT_EQ(cache.stats().hits, 1u);
  EXPECT_EQ(cache.stats().stale_hits, 1u);
  EXPECT_EQ(cache.stats().misses, 1u);
  EXPECT_DOUBLE_EQ(cache.stats().hit_rate(), 2.0 / 3.0);
}

TEST_F(MemoryCacheTest, SetsOverwritesAndDeletesAreExact) {
  auto cache = make();
  cache.set("k", "1");
  cache.set("k", "2");
  cache.set("k", "3");
  cache.set("j", "1");
  EXPECT_EQ(cache.stats().sets, 4u);
  EXPECT_EQ(cache.stats().overwrites, 2u);
  EXPECT_EQ(cache.stats().entries, 2u);
  EXPECT_TRUE(cache.erase("k"));
  EXPECT_EQ(cache.stats().deletes, 1u);
  EXPECT_EQ(cache.stats().evictions_invalidated, 0u);
  EXPECT_TRUE(cache.invalidate("j"));
  EXPECT_EQ(cache.stats().deletes, 1u);
  EXPECT_EQ(cache.stats().evictions_invalidated, 1u);
  EXPECT_EQ(cache.stats().bytes, 0u);
}

TEST_F(MemoryCacheTest, TagsCountInBytesAndAreBounded) {
  auto cache = make();
  const std::vector<std::string> tags = {"market", "usd"};
  ASSERT_TRUE(cache.set_entry("k", "v", EntryTimes{0, kNeverExpires, kNeverExpires}, tags).ok());
  EXPECT_EQ(cache.stats().bytes, MemoryCache::entry_bytes("k", "v") + 9);
  EXPECT_EQ(cache.get("k")->tags, tags);

  std::vector<std::string> too_many(MemoryCache::kMaxTagsPerEntry + 1, "t");
  auto rejected = cache.set_entry("k2", "v", EntryTimes{}, too_many);
  ASSERT_FALSE(rejected.ok());
  EXPECT_EQ(rejected.error().category, ErrorCategory::validation);
  EXPECT_FALSE(cache.set_entry("k2", "v", EntryTimes{}, {std::string(MemoryCache::kMaxTagBytes + 1, 't')}).ok());
  EXPECT_FALSE(cache.set_entry("k2", "v", EntryTimes{}, {""}).ok());
  EXPECT_FALSE(cache.peek("k2"));
  EXPECT_EQ(cache.stats().entries, 1u);
}

TEST_F(MemoryCacheTest, EraseIfAndEraseTaggedCountAsInvalidations) {
  auto cache = make();
  cache.set_entry("price:usd", "1", EntryTimes{0, kNeverExpires, kNeverExpires}, {"market"});
  cache.set_entry("price:eur", "2", EntryTimes{0, kNeverExpires, kNeverExpires}, {"market"});
  cache.set_entry("fees:fast", "3", EntryTimes{0, kNeverExpires, kNeverExpires}, {"fees"});
  cache.set_entry("fees:slow", "4", EntryTimes{0, kNeverExpires, kNeverExpires}, {"fees"});
  EXPECT_EQ(cache.erase_if([](const std::string& key) { return key == "price:usd"; }), 1u);
  EXPECT_EQ(cache.erase_tagged("fees"), 2u);
  EXPECT_EQ(cache.erase_tagged("nothing"), 0u);
  EXPECT_TRUE(cache.peek("price:eur"));
  EXPECT_EQ(cache.stats().entries, 1u);
  EXPECT_EQ(cache.stats().evictions_invalidated, 3u);
  EXPECT_EQ(cache.stats().deletes, 0u);
  EXPECT_EQ(cache.stats().bytes, MemoryCache::entry_bytes("price:eur", "2", {"market"}));
}

TEST_F(MemoryCacheTest, SweepDropsOnlyExpiredEntriesAndIsBounded) {
  auto cache = make();
  for (int i = 0; i < 5; ++i) cache.set("old" + std::to_string(i), "v", Ttl::ms(100 + i));
  for (int i = 0; i < 5; ++i) cache.set("new" + std::to_string(i), "v", Ttl::ms(10000));
  cache.set("forever", "v", Ttl::no_expiry());
  clock_.advance(200);
  EXPECT_EQ(cache.sweep(3), 3u);  // at most 3 checked
  EXPECT_EQ(cache.stats().entries, 8u);
  EXPECT_EQ(cache.sweep(100), 2u);  // stops at the first live entry
  EXPECT_EQ(cache.stats().entries, 6u);
  EXPECT_EQ(cache.stats().evictions_expired, 5u);
  EXPECT_EQ(cache.sweep(100), 0u);
  EXPECT_TRUE(cache.peek("new0"));
  EXPECT_TRUE(cache.peek("forever"));
  EXPECT_EQ(cache.sweep(0), 0u);
}

TEST_F(MemoryCacheTest, SweepKeepsStaleEntriesStillRetained) {
  auto cache = make();
  const int64_t t0 = clock_.now_ms();
  cache.set_entry("k", "v", EntryTimes{t0, t0 + 100, t0 + 1000});
  clock_.advance(500);
  EXPECT_EQ(cache.sweep(10), 0u);
  clock_.advance(500);  // exactly at retain_until
  EXPECT_EQ(cache.sweep(10), 1u);
}

TEST_F(MemoryCacheTest, OverwriteMovesTheEntryInTheSweepOrder) {
  auto cache = make();
  cache.set("k", "v", Ttl::ms(100));
  cache.set("k", "w", Ttl::no_expiry());
  clock_.advance(1000);
  EXPECT_EQ(cache.sweep(10), 0u);
  EXPECT_EQ(cache.get("k")->value, "w");
}

TEST_F(MemoryCacheTest, ClearResetsEverythingIncludingTheSweepIndex) {
  auto cache = make();
  cache.set("a", "1", Ttl::ms(10));
  cache.set("b", "2", Ttl::ms(10));
  cache.clear();
  EXPECT_EQ(cache.stats().deletes, 2u);
  clock_.advance(100);
  EXPECT_EQ(cache.sweep(10), 0u);
  cache.set("a", "1", Ttl::ms(10));
  EXPECT_EQ(cache.stats().entries, 1u);
}

TEST_F(MemoryCacheTest, RetainUntilBelowFreshUntilIsRaised) {
  auto cache = make();
  const int64_t t0 = clock_.now_ms();
  cache.set_entry("k", "v", EntryTimes{t0, t0 + 500, t0 + 100});
  clock_.advance(200);
  auto entry = cache.get("k");
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->retain_until_ms, t0 + 500);
}

TEST(MemoryCache, ContainsFreshCountsNothingAndEndsAtTheTtl) {
  ManualClock clock;
  MemoryCache cache(clock, MemoryCacheOptions{});
  ASSERT_TRUE(cache.set("k", "v", Ttl::ms(100)));
  EXPECT_TRUE(cache.contains_fresh("k"));
  EXPECT_FALSE(cache.contains_fresh("other"));
  clock.advance(100);
  EXPECT_FALSE(cache.contains_fresh("k"));
  EXPECT_EQ(cache.stats().hits + cache.stats().misses, 0u);
}

// ---- Soft invalidation (expire) ----------------------------------------------------

TEST_F(MemoryCacheTest, ExpireEndsFreshnessNowAndKeepsTheEntryOnlyForPeek) {
  auto cache = make();
  const int64_t t0 = clock_.now_ms();
  ASSERT_TRUE(cache.set_entry("k", "v", EntryTimes{t0, t0 + 1000, t0 + 5000}, {"t"}).ok());
  const size_t bytes = cache.stats().bytes;
  clock_.advance(100);
  const ExpireCounts counts = cache.expire("k");
  EXPECT_EQ(counts.expired, 1u);
  EXPECT_EQ(counts.removed, 0u);
  EXPECT_FALSE(cache.get("k"));
  EXPECT_FALSE(cache.get_stale("k", 10000)) << "no stale-while-revalidate answer from an invalidated entry";
  EXPECT_FALSE(cache.contains_fresh("k"));
  auto kept = cache.peek("k");
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->value, "v");
  EXPECT_TRUE(kept->invalidated);
  EXPECT_TRUE(kept->stale);
  EXPECT_EQ(kept->expires_at_ms, t0 + 100);
  EXPECT_EQ(kept->retain_until_ms, t0 + 5000);
  EXPECT_EQ(kept->age_ms, 100);
  EXPECT_EQ(cache.stats().expired_invalidated, 1u);
  EXPECT_EQ(cache.stats().evictions_invalidated, 0u);
  EXPECT_EQ(cache.stats().entries, 1u);
  EXPECT_EQ(cache.stats().bytes, bytes);
  EXPECT_EQ(cache.stats().misses, 2u);  // get and get_stale; contains_fresh counts nothing
}

TEST_F(MemoryCacheTest, ExpireTwiceCountsOnceAndAWriteMakesTheKeyFreshAgain) {
  auto cache = make();
  const int64_t t0 = clock_.now_ms();
  ASSERT_TRUE(cache.set_entry("k", "old", EntryTimes{t0, t0 + 1000, t0 + 5000}).ok());
  EXPECT_EQ(cache.expire("k").expired, 1u);
  const ExpireCounts again = cache.expire("k");
  EXPECT_EQ(again.expired + again.removed, 0u);
  EXPECT_EQ(cache.stats().expired_invalidated, 1u);
  ASSERT_TRUE(cache.set_entry("k", "new", EntryTimes{t0, t0 + 1000, t0 + 5000}).ok());
  auto fresh = cache.get("k");
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh->value, "new");
  EXPECT_FALSE(fresh->invalidated);
  EXPECT_FALSE(fresh->stale);
}

TEST_F(MemoryCacheTest, ExpireKeepsAnEarlierExpiryAndEndsStaleWhileRevalidate) {
  auto cache = make();
  const int64_t t0 = clock_.now_ms();
  ASSERT_TRUE(cache.set_entry("k", "v", EntryTimes{t0, t0 + 100, t0 + 1000}).ok());
  clock_.advance(200);
  ASSERT_TRUE(cache.get_stale("k", 500)) << "within the stale window before invalidation";
  EXPECT_EQ(cache.expire("k").expired, 1u);
  EXPECT_FALSE(cache.get_stale("k", 500));
  ASSERT_TRUE(cache.peek("k"));
  EXPECT_EQ(cache.peek("k")->expires_at_ms, t0 + 100) << "an expiry is never moved later";
}

TEST_F(MemoryCacheTest, ExpireRemovesEntriesWithNoStaleWindowAndSweepEndsTheRest) {
  auto cache = make();
  const int64_t t0 = clock_.now_ms();
  cache.set("plain", "v", Ttl::ms(1000));  // retained exactly as long as fresh
  ASSERT_TRUE(cache.set_entry("windowed", "w", EntryTimes{t0, t0 + 1000, t0 + 3000}).ok());
  cache.set("forever", "f", Ttl::no_expiry());
  EXPECT_EQ(cache.expire("missing").expired + cache.expire("missing").removed, 0u);
  const ExpireCounts counts = cache.expire_if([](const std::string&) { return true; });
  EXPECT_EQ(counts.expired, 1u);
  EXPECT_EQ(counts.removed, 2u);
  EXPECT_FALSE(cache.peek("plain"));
  EXPECT_FALSE(cache.peek("forever"));
  EXPECT_EQ(cache.stats().evictions_invalidated, 2u);
  EXPECT_EQ(cache.stats().entries, 1u);
  EXPECT_EQ(cache.stats().bytes, MemoryCache::entry_bytes("windowed", "w"));
  clock_.advance(3000);  // the kept entry's retention ends: the sweep drops it
  EXPECT_EQ(cache.sweep(10), 1u);
  EXPECT_EQ(cache.stats().entries, 0u);
  EXPECT_EQ(cache.stats().bytes, 0u);
}

TEST_F(MemoryCacheTest, ExpireIfAndExpireTaggedTouchOnlyMatchesAndKeepLruOrder) {
  auto cache = make(4);
  const int64_t t0 = clock_.now_ms();
  const EntryTimes times{t0, t0 + 1000, t0 + 5000};
  ASSERT_TRUE(cache.set_entry("price:usd", "1", times, {"market"}).ok());
  ASSERT_TRUE(cache.set_entry("price:eur", "2", times, {"market"}).ok());
  ASSERT_TRUE(cache.set_entry("fees:fast", "3", times, {"fees"}).ok());
  ASSERT_TRUE(cache.set_entry("fees:slow", "4", times, {"fees"}).ok());
  EXPECT_EQ(cache.expire_if([](const std::string& key) { return key == "price:usd"; }).expired, 1u);
  EXPECT_EQ(cache.expire_tagged("fees").expired, 2u);
  EXPECT_EQ(cache.expire_tagged("nothing").expired, 0u);
  EXPECT_TRUE(cache.get("price:eur"));
  EXPECT_EQ(cache.stats().expired_invalidated, 3u);
  EXPECT_EQ(cache.stats().entries, 4u);
  // Expiring does not touch recency: price:usd is still the least recently used.
  ASSERT_TRUE(cache.set_entry("blocks", "5", times).ok());
  EXPECT_FALSE(cache.peek("price:usd"));
  EXPECT_TRUE(cache.peek("fees:fast"));
  EXPECT_EQ(cache.stats().evictions_capacity, 1u);
}

}  // namespace
}  // namespace ltl
