// password_hasher_test.cc: Argon2id hashing on the worker pool.
#include "crypto/password_hasher.h"

#include <gtest/gtest.h>

#include <future>

namespace guestpass::crypto {
namespace {

std::string HashOf(PasswordHasher& hasher, const std::string& password) {
  std::promise<core::Result<std::string>> p;
  hasher.Hash(password, [&](core::Result<std::string> r) { p.set_value(std::move(r)); });
  auto r = p.get_future().get();
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : "";
}

bool Verifies(PasswordHasher& hasher, const std::string& hash, const std::string& password) {
  std::promise<bool> p;
  hasher.Verify(hash, password, [&](core::Result<bool> ok) { p.set_value(ok.ok() && *ok); });
  return p.get_future().get();
}

TEST(PasswordHasherTest, HashesWithArgon2idAndVerifiesOnlyTheRightPassword) {
  PasswordHasher hasher(PasswordHashCost::Minimum(), 2);
  const std::string hash = HashOf(hasher, "correct horse");
  EXPECT_EQ(hash.rfind("$argon2id$", 0), 0u) << hash;
  EXPECT_EQ(hash.find("correct horse"), std::string::npos);
  EXPECT_TRUE(Verifies(hasher, hash, "correct horse"));
  EXPECT_FALSE(Verifies(hasher, hash, "correct horsE"));
  EXPECT_FALSE(Verifies(hasher, "not a hash", "correct horse"));
}

TEST(PasswordHasherTest, TheSamePasswordHashesDifferentlyEachTime) {
  PasswordHasher hasher(PasswordHashCost::Minimum(), 1);
  EXPECT_NE(HashOf(hasher, "secret1"), HashOf(hasher, "secret1"));
}

TEST(PasswordHasherTest, VerifyNothingAlwaysFails) {
  PasswordHasher hasher(PasswordHashCost::Minimum(), 1);
  std::promise<bool> p;
  hasher.VerifyNothing([&](core::Result<bool> ok) { p.set_value(!ok.ok() || *ok); });
  EXPECT_FALSE(p.get_future().get());
}

TEST(PasswordHasherTest, AFullQueueRefusesAtOnceWithUnavailable) {
  // The queued jobs write `ran` when the hasher's destructor lets them run,
  // so it must outlive the hasher.
  std::atomic<int> ran{0};
  {
    // One worker, at most 2 waiting. The worker is held busy by the first
    // job until the test lets it go, so the queue fills deterministically.
    PasswordHasher hasher(PasswordHashCost::Minimum(), 1, 2);
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    std::promise<void> started;
    hasher.Hash("first", [&, released](core::Result<std::string>) {
      started.set_value();
      released.wait();
    });
    started.get_future().wait();
    hasher.Hash("second", [&](core::Result<std::string> r) { ran += r.ok(); });
    hasher.Verify("x", "third", [&](core::Result<bool> r) { ran += r.ok(); });
    EXPECT_EQ(hasher.queued(), 2u);
    core::Status refused;
    hasher.Hash("fourth", [&](core::Result<std::string> r) { refused = r.status(); });
    EXPECT_EQ(refused.code(), core::Code::kUnavailable) << "refused at once, on this thread";
    bool nothing_refused = true;
    hasher.VerifyNothing([&](core::Result<bool> r) { nothing_refused = !r.ok(); });
    EXPECT_TRUE(nothing_refused);
    release.set_value();
  }
  EXPECT_EQ(ran.load(), 2) << "both queued jobs ran once the worker was free";
}

TEST(PasswordHasherTest, QueuedWorkFinishesBeforeDestruction) {
  std::atomic<int> done{0};
  {
    PasswordHasher hasher(PasswordHashCost::Minimum(), 2);
    for (int i = 0; i < 8; ++i)
      hasher.Hash("pw" + std::to_string(i), [&](core::Result<std::string> r) { done += r.ok(); });
  }
  EXPECT_EQ(done.load(), 8);
}

}  // namespace
}  // namespace guestpass::crypto
