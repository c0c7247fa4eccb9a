// verified_cache_test.cc: the verified-token cache keeps two tokens whose
// hashes meet (a set of two slots), replaces the one filled less recently,
// and answers only for the exact token under the same key generation.
#include "token/verified_cache.h"

#include <gtest/gtest.h>

namespace guestpass::token {
namespace {

// Tokens with the same last twelve characters fall in the same set.
const std::string kSuffix = ".signature12";

TEST(VerifiedCacheTest, TwoTokensOfOneSetBothStayAndTheOlderGoesFirst) {
  VerifiedCache<int> cache(8);
  const std::string a = "a" + kSuffix, b = "b" + kSuffix, c = "c" + kSuffix;
  cache.Insert(a, 1);
  cache.Insert(b, 2);
  int out = 0;
  for (int round = 0; round < 3; ++round) {  // used in turn, neither evicts the other
    ASSERT_TRUE(cache.Find(a, &out));
    EXPECT_EQ(out, 1);
    ASSERT_TRUE(cache.Find(b, &out));
    EXPECT_EQ(out, 2);
  }
  cache.Insert(a, 10);  // again: its own slot, b stays
  EXPECT_TRUE(cache.Find(b, &out));
  ASSERT_TRUE(cache.Find(a, &out));
  EXPECT_EQ(out, 10);
  cache.Insert(c, 3);  // b was filled less recently than a
  EXPECT_FALSE(cache.Find(b, &out));
  EXPECT_TRUE(cache.Find(a, &out));
  EXPECT_TRUE(cache.Find(c, &out));
  EXPECT_FALSE(cache.Find("x" + kSuffix, &out)) << "never inserted";
  EXPECT_FALSE(cache.Find(a + "x", &out));
}

TEST(VerifiedCacheTest, AHitNeedsTheSameKeyGenerationAndACache) {
  VerifiedCache<int> cache(8);
  cache.Insert("t" + kSuffix, 1, /*generation=*/4);
  int out = 0;
  EXPECT_TRUE(cache.Find("t" + kSuffix, &out, 4));
  EXPECT_FALSE(cache.Find("t" + kSuffix, &out, 5));
  EXPECT_FALSE(cache.Find("", &out, 0)) << "an empty slot is no hit";
  VerifiedCache<int> none(0);
  none.Insert("t" + kSuffix, 1);
  EXPECT_FALSE(none.Find("t" + kSuffix, &out));
  VerifiedCache<int> one(1);  // rounded up to one set of two
  one.Insert("a" + kSuffix, 1);
  one.Insert("b" + kSuffix, 2);
  EXPECT_TRUE(one.Find("a" + kSuffix, &out));
  EXPECT_TRUE(one.Find("b" + kSuffix, &out));
}

}  // namespace
}  // namespace guestpass::token
