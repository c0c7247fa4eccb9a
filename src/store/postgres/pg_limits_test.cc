// pg_limits_test.cc: the abuse limits shared on PostgreSQL (pg_limits.h)
// behave as the in-process ones (http::RateLimiter, auth::GuessThrottle):
// each scenario runs on both with one clock and expects the same answers
// (burst, refill, Retry-After, doubling waits with a cap, forgetting, a
// success forgetting an account). Then what sharing adds: two servers share
// one budget, concurrent takes of the last token have one winner, rows that
// hold nothing are purged, and a database that does not answer fails calls
// with Unavailable within the timeout. Needs GUESTPASS_TEST_PG_URL (skipped
// without).
#include "store/postgres/pg_limits.h"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <thread>

#include "auth/guess_throttle.h"
#include "http/rate_limiter.h"
#include "store/postgres/postgres_store.h"
#include "store/postgres/test_schema.h"
#include "store/sync.h"

namespace guestpass::store::postgres {
namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

class PgLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (testing::TestDatabaseUrl().empty()) GTEST_SKIP() << testing::kSkipWithoutDatabase;
    schema_ = testing::TestSchemas::Fresh();
    PostgresOptions o;
    o.conninfo = testing::TestDatabaseUrl();
    o.schema = schema_;
    auto store = PostgresStore::Open(std::move(o));  // migrates the schema
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    limits_ = OpenLimits();
    ASSERT_NE(limits_, nullptr);
  }

  std::unique_ptr<PgLimitState> OpenLimits(milliseconds timeout = milliseconds(5000), int64_t purge_min = 1000) {
    PgLimitsOptions o;
    o.conninfo = testing::TestDatabaseUrl();
    o.schema = schema_;
    o.timeout = timeout;
    o.purge_min = purge_min;
    o.now_seconds = [this] { return now_.load(); };
    auto limits = PgLimitState::Open(std::move(o));
    EXPECT_TRUE(limits.ok()) << limits.status().ToString();
    return limits.ok() ? std::move(*limits) : nullptr;
  }

  static core::Result<int64_t> Take(LimitState& limits, const std::string& key, BucketLimit limit) {
    return Await<int64_t>([&](auto done) { limits.Take(key, limit, done); });
  }
  static core::Result<int64_t> Begin(LimitState& limits, const std::vector<GuessKey>& keys) {
    return Await<int64_t>([&](auto done) { limits.BeginGuess(keys, done); });
  }
  static core::Status End(LimitState& limits, const std::vector<GuessKey>& keys, GuessOutcome outcome) {
    return AwaitStatus([&](auto done) { limits.EndGuess(keys, outcome, done); });
  }

  int64_t CountRows(const char* table) {
    auto db = Connection::Open({testing::TestDatabaseUrl(), schema_, milliseconds(5000)});
    EXPECT_TRUE(db.ok());
    if (!db.ok()) return -1;
    auto rows = (*db)->Query(table == std::string("limit_buckets") ? "SELECT count(*) FROM limit_buckets"
                                                                    : "SELECT count(*) FROM limit_guesses");
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    return rows.ok() ? rows->Int(0, 0) : -1;
  }

  std::string schema_;
  std::atomic<double> now_{1'700'000'000.25};
  std::unique_ptr<PostgresStore> store_;
  std::unique_ptr<PgLimitState> limits_;
};

// ---- The sign-up buckets, beside http::RateLimiter ----

class PgBucketsTest : public PgLimitsTest {
 protected:
  // One take on both; expects the same answer and returns it.
  int64_t Both(const std::string& key, BucketLimit limit) {
    const int64_t local = local_.Take(key, http::RateLimit{limit.per_hour, limit.burst});
    auto shared = Take(*limits_, key, limit);
    EXPECT_TRUE(shared.ok()) << shared.status().ToString();
    if (!shared.ok()) return -1;
    EXPECT_EQ(*shared, local) << "key " << key << " at " << now_.load();
    return *shared;
  }
  http::RateLimiter local_{[this] { return now_.load(); }};
};

TEST_F(PgBucketsTest, ABurstThenRetryAfterThenOneTokenPerRefill) {
  const BucketLimit limit{100, 3};  // one token every 36 s
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Both("app|10.0.0.1", limit), 0) << i;
  EXPECT_EQ(Both("app|10.0.0.1", limit), 36);
  now_ = now_ + 35;
  EXPECT_EQ(Both("app|10.0.0.1", limit), 1);
  now_ = now_ + 1;
  EXPECT_EQ(Both("app|10.0.0.1", limit), 0) << "36 s refilled exactly one token";
  EXPECT_EQ(Both("app|10.0.0.1", limit), 36);
  EXPECT_EQ(Both("app|10.0.0.2", limit), 0) << "another address has its own bucket";
  now_ = now_ + 3600;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Both("app|10.0.0.1", limit), 0) << "refilled up to the burst, no more";
  EXPECT_EQ(Both("app|10.0.0.1", limit), 36);
}

TEST_F(PgBucketsTest, AnUnlimitedLimitAlwaysAllowsAndKeepsNothing) {
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Both("k", {0, 1}), 0);
  EXPECT_EQ(CountRows("limit_buckets"), 0);
}

TEST_F(PgBucketsTest, FractionalRatesAndBurstsBelowOneAnswerAlike) {
  // A deterministic walk over keys of several limits, with steps that land
  // between and on whole tokens. (Each key keeps its limit: a bucket purged
  // when full and then taken from under a larger burst starts full at the
  // new burst, as one http::RateLimiter evicted does.)
  const BucketLimit limits[] = {{100, 20}, {7, 2.5}, {3600, 0.2}, {0.5, 1}, {1e6, 1e6}};
  uint64_t x = 42;
  auto next = [&x](uint64_t n) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return (x >> 33) % n;
  };
  for (int step = 0; step < 300; ++step) {
    now_ = now_ + static_cast<double>(next(40)) * 0.5;
    const uint64_t k = next(5);
    Both("key" + std::to_string(k), limits[k]);
  }
}

TEST_F(PgBucketsTest, ConcurrentTakesOfOneKeyShareOneStatementAndItsTokens) {
  const BucketLimit limit{100, 5};
  std::vector<std::future<core::Result<int64_t>>> answers;
  for (int i = 0; i < 12; ++i) {
    auto promise = std::make_shared<std::promise<core::Result<int64_t>>>();
    answers.push_back(promise->get_future());
    limits_->Take("burst", limit, [promise](core::Result<int64_t> r) { promise->set_value(std::move(r)); });
  }
  int allowed = 0;
  for (auto& a : answers) {
    auto r = a.get();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    if (*r == 0)
      ++allowed;
    else
      EXPECT_EQ(*r, 36);
  }
  EXPECT_EQ(allowed, 5);
}

// ---- The guessing throttle, beside auth::GuessThrottle ----

class PgGuessesTest : public PgLimitsTest {
 protected:
  static std::vector<auth::GuessThrottle::Key> Local(const std::vector<GuessKey>& keys) {
    std::vector<auth::GuessThrottle::Key> out;
    for (const auto& k : keys)
      out.push_back({k.name,
                     {k.rule.free_failures, k.rule.max_wait_seconds, k.rule.forget_after_seconds, k.rule.max_in_flight},
                     k.forget_on_success});
    return out;
  }
  // Begin on both; the same answer, returned.
  int64_t BeginBoth(const std::vector<GuessKey>& keys) {
    const int64_t local = local_.Begin(Local(keys));
    auto shared = Begin(*limits_, keys);
    EXPECT_TRUE(shared.ok()) << shared.status().ToString();
    if (!shared.ok()) return -1;
    EXPECT_EQ(*shared, local) << "at " << now_.load();
    return *shared;
  }
  void EndBoth(const std::vector<GuessKey>& keys, GuessOutcome outcome) {
    local_.End(Local(keys), static_cast<auth::GuessThrottle::Outcome>(outcome));
    EXPECT_TRUE(End(*limits_, keys, outcome).ok());
  }
  void FailBoth(const std::vector<GuessKey>& keys) {
    ASSERT_EQ(BeginBoth(keys), 0);
    EndBoth(keys, GuessOutcome::kFailed);
  }

  auth::GuessThrottle local_{[this] { return now_.load(); }};
  GuessRule rule_{3, 60, 3600, 4};
  std::vector<GuessKey> account_{{"account|app|a@x.org", rule_, true}};
};

static_assert(static_cast<int>(GuessOutcome::kFailed) == static_cast<int>(auth::GuessThrottle::Outcome::kFailed));
static_assert(static_cast<int>(GuessOutcome::kSucceeded) ==
              static_cast<int>(auth::GuessThrottle::Outcome::kSucceeded));
static_assert(static_cast<int>(GuessOutcome::kNeither) == static_cast<int>(auth::GuessThrottle::Outcome::kNeither));

TEST_F(PgGuessesTest, FreeFailuresThenWaitsThatDoubleUpToTheCap) {
  for (int i = 0; i < 3; ++i) FailBoth(account_);
  EXPECT_EQ(BeginBoth(account_), 0) << "the fourth attempt is allowed";
  EndBoth(account_, GuessOutcome::kFailed);
  EXPECT_EQ(BeginBoth(account_), 1) << "then a 1 s wait";
  now_ = now_ + 1;
  FailBoth(account_);
  EXPECT_EQ(BeginBoth(account_), 2);
  now_ = now_ + 2;
  FailBoth(account_);
  EXPECT_EQ(BeginBoth(account_), 4);
  for (int i = 0; i < 10; ++i) {
    now_ = now_ + 60;
    FailBoth(account_);
  }
  EXPECT_EQ(BeginBoth(account_), 60) << "capped at max_wait_seconds";
}

TEST_F(PgGuessesTest, ASuccessForgetsAnAccountButNotAnAddress) {
  const std::vector<GuessKey> both = {account_[0], {"address|10.0.0.1", rule_, false}};
  for (int i = 0; i < 3; ++i) FailBoth(both);
  ASSERT_EQ(BeginBoth(both), 0);
  EndBoth(both, GuessOutcome::kSucceeded);
  EXPECT_EQ(BeginBoth(account_), 0);
  EndBoth(account_, GuessOutcome::kFailed);  // one failure after the reset: still free
  EXPECT_EQ(BeginBoth(account_), 0);
  EndBoth(account_, GuessOutcome::kSucceeded);
  const std::vector<GuessKey> address = {both[1]};
  FailBoth(address);
  EXPECT_EQ(BeginBoth(address), 1) << "the address kept its three failures";
}

TEST_F(PgGuessesTest, FailuresAreForgottenAfterAQuietHour) {
  for (int i = 0; i < 5; ++i) {
    if (i > 0) now_ = now_ + 100;  // past each wait
    FailBoth(account_);
  }
  EXPECT_GT(BeginBoth(account_), 0);
  now_ = now_ + 3601;
  EXPECT_EQ(BeginBoth(account_), 0);
  EndBoth(account_, GuessOutcome::kFailed);
  EXPECT_EQ(BeginBoth(account_), 0) << "counting starts again from one";
  EndBoth(account_, GuessOutcome::kNeither);
}

TEST_F(PgGuessesTest, ParallelAttemptsAreBoundedByTheFailuresLeft) {
  int allowed = 0;
  for (int i = 0; i < 10; ++i) allowed += BeginBoth(account_) == 0;
  EXPECT_EQ(allowed, 3) << "three free failures: three attempts at once";
  for (int i = 0; i < 3; ++i) EndBoth(account_, GuessOutcome::kNeither);
  EXPECT_EQ(limits_->InFlightKeys(), 0u);
}

// ---- What sharing adds ----

TEST_F(PgLimitsTest, TwoServersShareOneBudget) {
  auto other = OpenLimits();
  ASSERT_NE(other, nullptr);
  const BucketLimit limit{100, 4};
  for (int i = 0; i < 4; ++i) {
    auto r = Take(i % 2 ? *other : *limits_, "app|10.0.0.9", limit);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(*r, 0) << i;
  }
  EXPECT_EQ(*Take(*limits_, "app|10.0.0.9", limit), 36);
  EXPECT_EQ(*Take(*other, "app|10.0.0.9", limit), 36);

  // Failures counted on one server make the account wait on the other.
  const std::vector<GuessKey> account = {{"account|app|b@x.org", {2, 900, 3600, 4}, true}};
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(*Begin(i % 2 ? *other : *limits_, account), 0) << i;
    ASSERT_TRUE(End(i % 2 ? *other : *limits_, account, GuessOutcome::kFailed).ok());
  }
  EXPECT_EQ(*Begin(*other, account), 1);
  EXPECT_EQ(*Begin(*limits_, account), 1);
}

TEST_F(PgLimitsTest, ServersTakingTheLastTokenAtOnceHaveOneWinner) {
  auto other = OpenLimits();
  ASSERT_NE(other, nullptr);
  for (int round = 0; round < 10; ++round) {
    const std::string key = "race" + std::to_string(round);
    constexpr int kTakers = 8;
    std::latch start(kTakers);
    std::atomic<int> winners = 0, refused = 0, errors = 0;
    std::vector<std::thread> takers;
    for (int i = 0; i < kTakers; ++i)
      takers.emplace_back([&, i] {
        start.arrive_and_wait();
        auto r = Take(i % 2 ? *other : *limits_, key, {1, 1});
        if (!r.ok())
          ++errors;
        else if (*r == 0)
          ++winners;
        else
          ++refused;
      });
    for (auto& t : takers) t.join();
    EXPECT_EQ(winners.load(), 1) << round;
    EXPECT_EQ(refused.load(), kTakers - 1) << round;
    EXPECT_EQ(errors.load(), 0) << round;
  }
}

TEST_F(PgLimitsTest, RowsThatHoldNothingArePurged) {
  const BucketLimit limit{3600, 2};  // full again 1 s after one take, 2 s after two
  for (int i = 0; i < 50; ++i) ASSERT_EQ(*Take(*limits_, "flood" + std::to_string(i), limit), 0);
  ASSERT_EQ(*Take(*limits_, "busy", limit), 0);
  ASSERT_EQ(*Take(*limits_, "busy", limit), 0);
  const std::vector<GuessKey> account = {{"account|app|c@x.org", {5, 900, 60, 4}, true}};
  ASSERT_EQ(*Begin(*limits_, account), 0);
  ASSERT_TRUE(End(*limits_, account, GuessOutcome::kFailed).ok());
  EXPECT_EQ(CountRows("limit_buckets"), 51);
  EXPECT_EQ(CountRows("limit_guesses"), 1);

  now_ = now_ + 1.5;  // the flood's buckets are full, "busy" is not
  auto purged = limits_->PurgeNow(1000);
  ASSERT_TRUE(purged.ok()) << purged.status().ToString();
  EXPECT_EQ(*purged, 50);
  EXPECT_EQ(CountRows("limit_buckets"), 1);
  EXPECT_EQ(CountRows("limit_guesses"), 1) << "the failure is not forgotten yet";
  EXPECT_EQ(*Take(*limits_, "busy", limit), 0) << "half a token refilled plus the one left";

  now_ = now_ + 61;  // past forget_after; "busy" full again
  purged = limits_->PurgeNow(1000);
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(*purged, 2);
  EXPECT_EQ(CountRows("limit_buckets"), 0);
  EXPECT_EQ(CountRows("limit_guesses"), 0);
}

TEST_F(PgLimitsTest, AFloodOfDistinctAddressesLeavesAboutOneRefillPeriodOfRows) {
  // The thread's own purge (at most once a second of the clock, up to twice
  // the rows added since the last one plus purge_min: 1 here) keeps the table
  // at the keys of about the last refill period plus one purge interval.
  auto limits = OpenLimits(milliseconds(5000), /*purge_min=*/1);
  ASSERT_NE(limits, nullptr);
  const BucketLimit limit{3600, 2};  // a bucket taken from once is full again after 1 s
  constexpr int kSteps = 100, kPerStep = 20;
  int64_t most = 0;
  for (int step = 0; step < kSteps; ++step) {
    now_ = now_ + 0.5;
    std::vector<std::future<core::Result<int64_t>>> answers;
    for (int i = 0; i < kPerStep; ++i) {
      auto promise = std::make_shared<std::promise<core::Result<int64_t>>>();
      answers.push_back(promise->get_future());
      limits->Take("flood|" + std::to_string(step * kPerStep + i), limit,
                   [promise](core::Result<int64_t> r) { promise->set_value(std::move(r)); });
    }
    for (auto& a : answers) ASSERT_EQ(*a.get(), 0);
    if (step % 10 == 9) most = std::max(most, CountRows("limit_buckets"));
  }
  // 20 keys every 0.5 s live 1 s, and a purge comes at most 1 s late: 80 at
  // most, against the 2000 keys seen.
  EXPECT_LE(most, 4 * kPerStep);
  EXPECT_LE(CountRows("limit_buckets"), 4 * kPerStep);
}

TEST_F(PgLimitsTest, ADatabaseThatDoesNotAnswerFailsCallsWithinTheTimeout) {
  auto limits = OpenLimits(milliseconds(500));
  ASSERT_NE(limits, nullptr);
  ASSERT_EQ(*Take(*limits, "locked", {100, 5}), 0);
  // Another session holds the table: the take waits on its lock.
  auto holder = Connection::Open({testing::TestDatabaseUrl(), schema_, milliseconds(5000)});
  ASSERT_TRUE(holder.ok());
  ASSERT_TRUE((*holder)->ExecScript("BEGIN; LOCK TABLE limit_buckets IN ACCESS EXCLUSIVE MODE").ok());
  const auto start = SteadyClock::now();
  auto r = Take(*limits, "locked", {100, 5});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), core::Code::kUnavailable) << r.status().ToString();
  EXPECT_LT(SteadyClock::now() - start, milliseconds(2000));
  auto begun = Begin(*limits, {{"address|x", {}, false}});
  ASSERT_TRUE((*holder)->ExecScript("ROLLBACK").ok());
  // Once the database answers again, so do the limits (on a new connection).
  for (int i = 0; i < 20; ++i) {
    r = Take(*limits, "locked", {100, 5});
    if (r.ok()) break;
    std::this_thread::sleep_for(milliseconds(100));
  }
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, 0);
  if (begun.ok() && *begun == 0) (void)End(*limits, {{"address|x", {}, false}}, GuessOutcome::kNeither);
}

TEST_F(PgLimitsTest, AnUnreachableDatabaseIsUnavailableAtOnce) {
  PgLimitsOptions o;
  o.conninfo = "postgresql://postgres@127.0.0.1:1/guestpass?connect_timeout=2";
  o.timeout = milliseconds(1000);
  const auto start = SteadyClock::now();
  auto limits = PgLimitState::Open(std::move(o));
  ASSERT_FALSE(limits.ok());
  EXPECT_EQ(limits.status().code(), core::Code::kUnavailable) << limits.status().ToString();
  EXPECT_LT(SteadyClock::now() - start, milliseconds(2000));
}

}  // namespace
}  // namespace guestpass::store::postgres
