// rate_limiter_test.cc: token buckets, Retry-After, refill, the memory bound and thread safety.
#include "http/rate_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace guestpass::http {
namespace {

// Time that only moves when a test says so.
struct FakeTime {
  double now = 1000;
  std::function<double()> Source() {
    return [this] { return now; };
  }
};

int Allowed(RateLimiter& limiter, std::string_view key, const RateLimit& limit, int attempts) {
  int allowed = 0;
  for (int i = 0; i < attempts; ++i) allowed += limiter.Take(key, limit) == 0 ? 1 : 0;
  return allowed;
}

TEST(RateLimiterTest, AllowsTheBurstThenRefuses) {
  FakeTime t;
  RateLimiter limiter(t.Source());
  RateLimit limit{100, 20};
  for (int i = 0; i < 20; ++i) EXPECT_EQ(limiter.Take("app|1.2.3.4", limit), 0) << i;
  EXPECT_GT(limiter.Take("app|1.2.3.4", limit), 0);
  EXPECT_GT(limiter.Take("app|1.2.3.4", limit), 0);
}

TEST(RateLimiterTest, RetryAfterIsOneSecondAt3600PerHour) {
  FakeTime t;
  RateLimiter limiter(t.Source());
  RateLimit limit{3600, 5};
  EXPECT_EQ(Allowed(limiter, "k", limit, 5), 5);
  EXPECT_EQ(limiter.Take("k", limit), 1);
}

TEST(RateLimiterTest, RetryAfterIs36SecondsAt100PerHour) {
  FakeTime t;
  RateLimiter limiter(t.Source());
  RateLimit limit{100, 20};
  EXPECT_EQ(Allowed(limiter, "k", limit, 20), 20);
  EXPECT_EQ(limiter.Take("k", limit), 36);
  t.now += 18;  // half a token back
  EXPECT_EQ(limiter.Take("k", limit), 18);
  t.now += 17.5;  // half a second short
  EXPECT_EQ(limiter.Take("k", limit), 1);
}

TEST(RateLimiterTest, RetryAfterRoundsUpToWholeSeconds) {
  FakeTime t;
  RateLimiter limiter(t.Source());
  RateLimit limit{7, 1};  // one token every 514.28... seconds
  EXPECT_EQ(limiter.Take("k", limit), 0);
  EXPECT_EQ(limiter.Take("k", limit), 515);
}

TEST(RateLimiterTest, WaitingTheRetryAfterIsEnough) {
  FakeTime t;
  RateLimiter limiter(t.Source());
  RateLimit limit{100, 3};
  EXPECT_EQ(Allowed(limiter, "k", limit, 3), 3);
  int64_t wait = limiter.Take("k", limit);
  ASSERT_EQ(wait, 36);
  t.now += static_cast<double>(wait) - 0.01;
  EXPECT_GT(limiter.Take("k", limit), 0) << "a refused Take must not take a token";
  t.now += 0.01;
  EXPECT_EQ(limiter.Take("k", limit), 0);
  EXPECT_EQ(limiter.Take("k", limit), 36);
}

TEST(RateLimiterTest, RefillsAsTimeAdvances) {
  FakeTime t;
  RateLimiter limiter(t.Source());
  RateLimit limit{3600, 2};  // one token per second
  EXPECT_EQ(Allowed(limiter, "k", limit, 2), 2);
  t.now += 0.5;
  EXPECT_EQ(limiter.Take("k", limit), 1);  // half a token: 0.5 s, rounded up
  t.now += 0.5;
  EXPECT_EQ(limiter.Take("k", limit), 0);
  EXPECT_GT(limiter.Take("k", limit), 0);
  t.now += 1.5;
  EXPECT_EQ(limiter.Take("k", limit), 0);
  EXPECT_EQ(limiter.Take("k", limit), 1);  // the half token left over is kept
}

TEST(RateLimiterTest, NeverRefillsBeyondTheBurst) {
  FakeTime t;
  RateLimiter limiter(t.Source());
  RateLimit limit{3600, 4};
  EXPECT_EQ(Allowed(limiter, "k", limit, 4), 4);
  t.now += 86400;
  EXPECT_EQ(Allowed(limiter, "k", limit, 10), 4);
}

TEST(RateLimiterTest, TimeGoingBackwardsAddsNothing) {
  FakeTime t;
  RateLimiter limiter(t.Source());
  RateLimit limit{3600, 1};
  EXPECT_EQ(limiter.Take("k", limit), 0);
  t.now -= 100;
  EXPECT_GT(limiter.Take("k", limit), 0);
  t.now += 100.5;  // back to where it was plus half a second: not a whole token yet
  EXPECT_GT(limiter.Take("k", limit), 0);
  t.now += 0.5;
  EXPECT_EQ(limiter.Take("k", limit), 0);
}

TEST(RateLimiterTest, KeysAreIndependent) {
  FakeTime t;
  RateLimiter limiter(t.Source());
  RateLimit limit{100, 2};
  EXPECT_EQ(Allowed(limiter, "app1|1.2.3.4", limit, 5), 2);
  EXPECT_EQ(Allowed(limiter, "app1|1.2.3.5", limit, 5), 2);
  EXPECT_EQ(Allowed(limiter, "app2|1.2.3.4", limit, 5), 2);
  EXPECT_EQ(limiter.BucketCount(), 3u);
}

TEST(RateLimiterTest, IsUnlimitedWhenPerHourIsZero) {
  FakeTime t;
  RateLimiter limiter(t.Source());
  RateLimit limit{0, 1};
  EXPECT_EQ(Allowed(limiter, "k", limit, 1000), 1000);
  EXPECT_EQ(limiter.BucketCount(), 0u);
}

TEST(RateLimiterTest, ABurstBelowOneCountsAsOne) {
  FakeTime t;
  RateLimiter limiter(t.Source());
  RateLimit limit{3600, 0};
  EXPECT_EQ(limiter.Take("k", limit), 0);
  EXPECT_EQ(limiter.Take("k", limit), 1);
}

TEST(RateLimiterTest, ALoweredBurstCapsTheTokensHeld) {
  FakeTime t;
  RateLimiter limiter(t.Source());
  EXPECT_EQ(limiter.Take("k", RateLimit{100, 20}), 0);  // 19 left
  EXPECT_EQ(Allowed(limiter, "k", RateLimit{100, 3}, 10), 3);
}

TEST(RateLimiterTest, NeverHoldsMoreThanMaxBucketsAndKeepsAHeavilyUsedKey) {
  FakeTime t;
  constexpr size_t kMax = 100;
  RateLimiter limiter(t.Source(), kMax);
  RateLimit limit{100, 20};
  EXPECT_EQ(Allowed(limiter, "hot", limit, 15), 15);
  int hot_allowed = 0;
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(limiter.Take("client-" + std::to_string(i), limit), 0);
    ASSERT_LE(limiter.BucketCount(), kMax) << "after key " << i;
    if (i % 25 == 0) hot_allowed += limiter.Take("hot", limit) == 0 ? 1 : 0;
  }
  // 55 takes of "hot" in all: a dropped bucket would have come back full and allowed all of them.
  EXPECT_EQ(hot_allowed, 5);
  EXPECT_GT(limiter.Take("hot", limit), 0);
}

TEST(RateLimiterTest, DropsFullBucketsBeforeOnesWithState) {
  FakeTime t;
  RateLimiter limiter(t.Source(), 4);
  RateLimit slow{1, 1};
  RateLimit fast{3600, 1};
  // The slow keys are used first, so they would be the least recently used half.
  EXPECT_EQ(limiter.Take("slow-a", slow), 0);
  EXPECT_EQ(limiter.Take("slow-b", slow), 0);
  EXPECT_EQ(limiter.Take("fast-a", fast), 0);
  EXPECT_EQ(limiter.Take("fast-b", fast), 0);
  t.now += 2;  // the fast buckets are full again
  EXPECT_EQ(limiter.Take("new", slow), 0);
  EXPECT_EQ(limiter.BucketCount(), 3u);
  EXPECT_EQ(limiter.Take("slow-a", slow), 3600 - 2);
  EXPECT_EQ(limiter.Take("slow-b", slow), 3600 - 2);
}

TEST(RateLimiterTest, DropsTheLeastRecentlyUsedHalfWhenNoBucketIsFull) {
  FakeTime t;
  RateLimiter limiter(t.Source(), 4);
  RateLimit slow{1, 1};
  for (const char* key : {"k0", "k1", "k2", "k3"}) EXPECT_EQ(limiter.Take(key, slow), 0);
  EXPECT_GT(limiter.Take("k0", slow), 0);  // k0 is now the most recently used
  EXPECT_EQ(limiter.Take("k4", slow), 0);  // drops k1 and k2
  EXPECT_EQ(limiter.BucketCount(), 3u);
  EXPECT_GT(limiter.Take("k0", slow), 0);
  EXPECT_GT(limiter.Take("k3", slow), 0);
  EXPECT_GT(limiter.Take("k4", slow), 0);
  EXPECT_EQ(limiter.Take("k1", slow), 0);  // forgotten: a fresh, full bucket
}

TEST(RateLimiterTest, AMaxOfOneBucketStillWorks) {
  FakeTime t;
  RateLimiter limiter(t.Source(), 1);
  RateLimit slow{1, 1};
  EXPECT_EQ(limiter.Take("a", slow), 0);
  EXPECT_GT(limiter.Take("a", slow), 0);
  EXPECT_EQ(limiter.Take("b", slow), 0);
  EXPECT_EQ(limiter.BucketCount(), 1u);
}

TEST(RateLimiterTest, EightThreadsOnOneKeyGetExactlyTheBurst) {
  FakeTime t;  // frozen: no refill during the test
  RateLimiter limiter(t.Source());
  RateLimit limit{3600, 50};
  std::atomic<int> allowed{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      while (!go.load()) std::this_thread::yield();
      for (int j = 0; j < 500; ++j) {
        if (limiter.Take("shared", limit) == 0) allowed.fetch_add(1);
      }
    });
  }
  go.store(true);
  for (auto& th : threads) th.join();
  EXPECT_EQ(allowed.load(), 50);
}

TEST(RateLimiterTest, ManyThreadsOnManyKeysStayWithinTheBound) {
  FakeTime t;
  RateLimiter limiter(t.Source(), 64);
  RateLimit limit{100, 20};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      for (int j = 0; j < 2000; ++j) limiter.Take(std::to_string(i) + "-" + std::to_string(j % 300), limit);
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_LE(limiter.BucketCount(), 64u);
}

TEST(RateLimiterTest, UsesTheSteadyClockByDefault) {
  RateLimiter limiter;
  RateLimit limit{1, 2};
  EXPECT_EQ(limiter.Take("k", limit), 0);
  EXPECT_EQ(limiter.Take("k", limit), 0);
  int64_t wait = limiter.Take("k", limit);
  EXPECT_GE(wait, 3599);
  EXPECT_LE(wait, 3600);
}

}  // namespace
}  // namespace guestpass::http
