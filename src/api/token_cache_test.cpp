#include "api/token_cache.hpp"

#include <gtest/gtest.h>

#include <string>

namespace reflector::api {
namespace {

const Principal kAlice{"alice", "jwt"};
const Principal kBob{"bob", "jwt"};

TEST(VerifiedTokenCacheTest, MissUntilInsertedThenHitWithThePrincipal) {
  VerifiedTokenCache cache(8);
  EXPECT_FALSE(cache.Lookup("token-a", 100).has_value());
  cache.Insert("token-a", kAlice, 200.0, std::nullopt, 100);
  auto hit = cache.Lookup("token-a", 150);
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->user_id, "alice");
  EXPECT_EQ(hit->via, "jwt");
  EXPECT_FALSE(cache.Lookup("token-b", 150).has_value());
  EXPECT_FALSE(cache.Lookup("token-", 150).has_value());
}

TEST(VerifiedTokenCacheTest, MissFromExpOnAndDropsTheEntry) {
  VerifiedTokenCache cache(8);
  cache.Insert("token-a", kAlice, 200.0, std::nullopt, 100);
  EXPECT_TRUE(cache.Lookup("token-a", 199.5).has_value());
  EXPECT_FALSE(cache.Lookup("token-a", 200).has_value());  // expired at exp, as verification
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_FALSE(cache.Lookup("token-a", 150).has_value());  // gone, even for an earlier time
}

TEST(VerifiedTokenCacheTest, MissBeforeNbf) {
  VerifiedTokenCache cache(8);
  cache.Insert("token-a", kAlice, std::nullopt, 100.0, 100);
  EXPECT_TRUE(cache.Lookup("token-a", 100).has_value());
  EXPECT_FALSE(cache.Lookup("token-a", 99).has_value());  // a clock that went back
}

TEST(VerifiedTokenCacheTest, WithoutExpStaysValid) {
  VerifiedTokenCache cache(8);
  cache.Insert("token-a", kAlice, std::nullopt, std::nullopt, 100);
  EXPECT_TRUE(cache.Lookup("token-a", 1e12).has_value());
}

TEST(VerifiedTokenCacheTest, BoundedDroppingInvalidEntriesFirst) {
  VerifiedTokenCache cache(3);
  cache.Insert("old", kAlice, 150.0, std::nullopt, 100);
  cache.Insert("b", kBob, 1000.0, std::nullopt, 100);
  cache.Insert("c", kBob, 1000.0, std::nullopt, 100);
  ASSERT_EQ(cache.size(), 3u);
  // At 160 "old" has expired: it makes room, the valid ones stay.
  cache.Insert("d", kAlice, 1000.0, std::nullopt, 160);
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_TRUE(cache.Lookup("b", 170).has_value());
  EXPECT_TRUE(cache.Lookup("c", 170).has_value());
  EXPECT_TRUE(cache.Lookup("d", 170).has_value());
  // All valid: one of them goes, the new one is in, never more than the capacity.
  cache.Insert("e", kBob, 1000.0, std::nullopt, 170);
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_TRUE(cache.Lookup("e", 170).has_value());
  // Re-inserting a present token does not evict another.
  cache.Insert("e", kBob, 1000.0, std::nullopt, 170);
  EXPECT_EQ(cache.size(), 3u);
}

TEST(VerifiedTokenCacheTest, ZeroCapacityCachesNothing) {
  VerifiedTokenCache cache(0);
  cache.Insert("token-a", kAlice, std::nullopt, std::nullopt, 100);
  EXPECT_FALSE(cache.Lookup("token-a", 100).has_value());
  EXPECT_EQ(cache.size(), 0u);
}

}  // namespace
}  // namespace reflector::api
