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

}  // namespace
}  // namespace ltl
