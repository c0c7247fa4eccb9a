// guess_throttle_test.cc: free failures, doubling waits with a cap,
// forgetting, success forgetting an account, parallel attempts bounded, and
// the table's bound.
#include "auth/guess_throttle.h"

#include <gtest/gtest.h>

namespace guestpass::auth {
namespace {

class GuessThrottleTest : public ::testing::Test {
 protected:
  // Fails one attempt of `keys` (which must be allowed).
  void Fail(const std::vector<GuessThrottle::Key>& keys) {
    ASSERT_EQ(throttle_.Begin(keys), 0);
    throttle_.End(keys, GuessThrottle::Outcome::kFailed);
  }

  double now_ = 1000;
  GuessThrottle throttle_{[this] { return now_; }, 100};
  GuessPolicy policy_{3, 60, 3600};
  std::vector<GuessThrottle::Key> account_{{"acct|a@x.org", policy_, true}};
};

TEST_F(GuessThrottleTest, FreeFailuresThenWaitsThatDoubleUpToTheCap) {
  for (int i = 0; i < 3; ++i) Fail(account_);
  EXPECT_EQ(throttle_.Begin(account_), 0) << "the fourth attempt is allowed";
  throttle_.End(account_, GuessThrottle::Outcome::kFailed);
  EXPECT_EQ(throttle_.Begin(account_), 1) << "then a 1 s wait";
  now_ += 1;
  Fail(account_);
  EXPECT_EQ(throttle_.Begin(account_), 2);
  now_ += 2;
  Fail(account_);
  EXPECT_EQ(throttle_.Begin(account_), 4);
  for (int i = 0; i < 10; ++i) {
    now_ += 60;
    Fail(account_);
  }
  EXPECT_EQ(throttle_.Begin(account_), 60) << "capped at max_wait_seconds";
}

TEST_F(GuessThrottleTest, AnotherKeyIsUnaffected) {
  for (int i = 0; i < 4; ++i) Fail(account_);
  EXPECT_GT(throttle_.Begin(account_), 0);
  EXPECT_EQ(throttle_.Begin({{"acct|b@x.org", policy_, true}}), 0);
}

TEST_F(GuessThrottleTest, ASuccessForgetsAnAccountButNotAnAddress) {
  const std::vector<GuessThrottle::Key> both = {account_[0], {"addr|10.0.0.1", policy_, false}};
  for (int i = 0; i < 3; ++i) Fail(both);
  ASSERT_EQ(throttle_.Begin(both), 0);
  throttle_.End(both, GuessThrottle::Outcome::kSucceeded);
  EXPECT_EQ(throttle_.Begin(account_), 0);
  throttle_.End(account_, GuessThrottle::Outcome::kFailed);  // one failure after the reset: still free
  EXPECT_EQ(throttle_.Begin(account_), 0);
  throttle_.End(account_, GuessThrottle::Outcome::kSucceeded);
  // The address kept its three failures: the next one makes it wait.
  const std::vector<GuessThrottle::Key> address = {both[1]};
  Fail(address);
  EXPECT_EQ(throttle_.Begin(address), 1);
}

TEST_F(GuessThrottleTest, FailuresAreForgottenAfterAQuietHour) {
  for (int i = 0; i < 5; ++i) {
    if (i > 0) now_ += 100;  // past each wait
    Fail(account_);
  }
  EXPECT_GT(throttle_.Begin(account_), 0);
  now_ += 3601;
  EXPECT_EQ(throttle_.Begin(account_), 0);
  throttle_.End(account_, GuessThrottle::Outcome::kFailed);
  EXPECT_EQ(throttle_.Begin(account_), 0) << "counting starts again from one";
}

TEST_F(GuessThrottleTest, ParallelAttemptsAreBoundedByTheFailuresLeft) {
  int allowed = 0;
  for (int i = 0; i < 10; ++i) allowed += throttle_.Begin(account_) == 0;
  EXPECT_EQ(allowed, 3) << "three free failures: three attempts at once";
  for (int i = 0; i < 3; ++i) throttle_.End(account_, GuessThrottle::Outcome::kFailed);
  EXPECT_EQ(throttle_.Begin(account_), 0) << "then one at a time";
  EXPECT_EQ(throttle_.Begin(account_), 1);
}

TEST_F(GuessThrottleTest, AtMostMaxInFlightAttemptsAtOnceOfAKeyThatFailed) {
  const std::vector<GuessThrottle::Key> address = {{"addr", GuessPolicy{30, 60, 3600, 4}, false}};
  int allowed = 0;
  for (int i = 0; i < 10; ++i) allowed += throttle_.Begin(address) == 0;
  EXPECT_EQ(allowed, 10) << "no failure yet: bounded by the 30 free failures only";
  for (int i = 0; i < 10; ++i) throttle_.End(address, GuessThrottle::Outcome::kSucceeded);
  Fail(address);
  allowed = 0;
  for (int i = 0; i < 10; ++i) allowed += throttle_.Begin(address) == 0;
  EXPECT_EQ(allowed, 4) << "after a failure";
  throttle_.End(address, GuessThrottle::Outcome::kSucceeded);
  EXPECT_EQ(throttle_.Begin(address), 0) << "one ended: one more";
}

TEST_F(GuessThrottleTest, AnAttemptThatWasNoGuessCountsNeitherWay) {
  for (int i = 0; i < 3; ++i) Fail(account_);
  ASSERT_EQ(throttle_.Begin(account_), 0);
  throttle_.End(account_, GuessThrottle::Outcome::kNeither);
  ASSERT_EQ(throttle_.Begin(account_), 0) << "not a failure: no wait";
  throttle_.End(account_, GuessThrottle::Outcome::kFailed);
  EXPECT_EQ(throttle_.Begin(account_), 1) << "not a success either: the three failures stayed";
}

TEST_F(GuessThrottleTest, TheTableStaysBoundedAndKeepsKeysInFlight) {
  const std::vector<GuessThrottle::Key> busy = {{"busy", policy_, false}};
  ASSERT_EQ(throttle_.Begin(busy), 0);
  for (int i = 0; i < 1000; ++i) Fail({{std::to_string(i), policy_, false}});
  EXPECT_LE(throttle_.KeyCount(), 101u);
  throttle_.End(busy, GuessThrottle::Outcome::kFailed);  // still there to end
  for (int i = 0; i < 2; ++i) Fail(busy);
  EXPECT_EQ(throttle_.Begin(busy), 0) << "its first failure was counted";
  throttle_.End(busy, GuessThrottle::Outcome::kFailed);
  EXPECT_EQ(throttle_.Begin(busy), 1);
}

}  // namespace
}  // namespace guestpass::auth
