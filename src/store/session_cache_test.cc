// session_cache_test.cc: the session cache both SQL back ends share: hits,
// per-user invalidation, Clear, and reads that raced with an invalidation of
// their user (or a Clear) are not cached, other users' invalidations
// notwithstanding.
#include "store/session_cache.h"

#include <gtest/gtest.h>

#include "core/clock.h"
#include "core/random.h"

namespace guestpass::store {
namespace {

class SessionCacheTest : public ::testing::Test {
 protected:
  std::shared_ptr<const SessionWithUser> Entry(const core::ObjectId& user_id) {
    auto e = std::make_shared<SessionWithUser>();
    e->user.id = user_id;
    e->session.user_id = user_id;
    e->session.id = ids_.Next();
    return e;
  }
  core::ManualClock clock_{1'700'000'000};
  core::SeededRandom random_{5};
  core::ObjectIdGenerator ids_{clock_, random_};
  SessionCache cache_{100, /*ttl_seconds=*/60};
};

TEST_F(SessionCacheTest, InvalidatingAUserDropsAllItsSessionsAndNoOtherUsers) {
  const core::ObjectId alice = ids_.Next(), bob = ids_.Next();
  auto a1 = Entry(alice), a2 = Entry(alice), b1 = Entry(bob);
  for (const auto& e : {a1, a2, b1}) cache_.Insert(cache_.Generation(), e);
  EXPECT_EQ(cache_.Find(a1->session.id), a1);
  cache_.InvalidateUser(alice);
  EXPECT_EQ(cache_.Find(a1->session.id), nullptr);
  EXPECT_EQ(cache_.Find(a2->session.id), nullptr);
  EXPECT_EQ(cache_.Find(b1->session.id), b1);
  cache_.Clear();
  EXPECT_EQ(cache_.Find(b1->session.id), nullptr);
}

TEST_F(SessionCacheTest, AReadThatRacedWithItsUsersInvalidationIsNotCached) {
  const core::ObjectId alice = ids_.Next();
  auto stale = Entry(alice);
  uint64_t before = cache_.Generation();
  cache_.InvalidateUser(alice);  // the read may have seen alice's rows of before
  cache_.Insert(before, stale);
  EXPECT_EQ(cache_.Find(stale->session.id), nullptr);
  before = cache_.Generation();
  cache_.Clear();  // anyone's
  cache_.Insert(before, stale);
  EXPECT_EQ(cache_.Find(stale->session.id), nullptr);
  cache_.Insert(cache_.Generation(), stale);
  EXPECT_EQ(cache_.Find(stale->session.id), stale);
}

TEST_F(SessionCacheTest, OtherUsersInvalidationsDoNotKeepAReadOut) {
  const core::ObjectId alice = ids_.Next(), bob = ids_.Next();
  auto fresh = Entry(alice);
  const uint64_t before = cache_.Generation();
  for (int i = 0; i < 100; ++i) cache_.InvalidateUser(bob);
  cache_.InvalidateUser(ids_.Next());
  cache_.Insert(before, fresh);
  EXPECT_EQ(cache_.Find(fresh->session.id), fresh);
}

TEST_F(SessionCacheTest, AReadOlderThanTheRememberedInvalidationsIsNotCached) {
  const core::ObjectId alice = ids_.Next();
  auto entry = Entry(alice);
  const uint64_t before = cache_.Generation();
  cache_.InvalidateUser(alice);
  // So many other invalidations since that alice's has been forgotten.
  for (int i = 0; i < 5000; ++i) cache_.InvalidateUser(ids_.Next());
  cache_.Insert(before, entry);
  EXPECT_EQ(cache_.Find(entry->session.id), nullptr);
}

}  // namespace
}  // namespace guestpass::store
