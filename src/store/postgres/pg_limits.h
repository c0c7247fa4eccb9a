// pg_limits.h: the abuse limits' state (store/limit_state.h) in the
// PostgreSQL database, shared by every server on it: token buckets in
// `limit_buckets`, failed-login counts in `limit_guesses` (migration 0003,
// UNLOGGED tables). The arithmetic is http::RateLimiter's and
// auth::GuessThrottle's, done in SQL on the row, so no server reads a
// value another is about to change.
//
// DESIGN: one thread with one connection of its own. Calls queue up; the
// thread takes everything queued (up to max_batch) and sends it in one round
// trip (pipeline): all the takes as one statement, an UPSERT over unnest
// arrays with the takes of one key summed (each key's bucket is refilled,
// then gives min(asked, whole tokens) and RETURNING says how many it gave
// and what it holds, from which the refused get Retry-After), and the
// guessing calls as runs of one statement each in their order (a read of
// the keys' failures for Begin, an UPSERT counting failures, a DELETE
// forgetting accounts). So a burst of concurrent anonymous logins costs one
// statement, not one round trip each, and a quiet server waits one round
// trip per login. Each statement is its own transaction: a bucket's row lock
// orders two servers taking its last token (exactly one gets it); keys go in
// sorted order, so statements cannot deadlock on each other.
//
// Bounded state: a bucket row is useless once full again (full_at: a new
// bucket starts full) and a failure row once forgotten and its wait over
// (forget_at). With each round trip, at most every purge_interval, the
// thread deletes such rows (SKIP LOCKED, so servers do not wait on each
// other), up to twice the rows it may have added since its last purge plus
// purge_min: deletion outpaces insertion, so the tables hold about the keys
// seen within one refill (burst * 3600 / per_hour s) or one forget period,
// whatever the flood of distinct client addresses.
//
// Attempts in flight (GuessRule::max_in_flight) are counted in this
// process: with N servers a key may have N times that many at once.
//
// Faults: the connection's timeout bounds every wait; a call that waited
// longer than the timeout in the queue fails without running. The caller
// gets Unavailable within about twice the timeout, never a hang; a broken
// connection is replaced at the next round trip (at most one attempt per
// kReconnectPause; meanwhile calls fail at once).
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "store/limit_state.h"
#include "store/postgres/pg_connection.h"

namespace guestpass::store::postgres {

struct PgLimitsOptions {
  std::string conninfo;  // as PostgresOptions
  std::string schema{};  // tests: the store's schema; empty: the connection's default
  std::chrono::milliseconds timeout{5000};
  // The clock the buckets and waits use, in seconds: a wall clock (every
  // server's must agree). nullptr: std::chrono::system_clock. A clock
  // going backwards counts as no time passing.
  std::function<double()> now_seconds = nullptr;
  size_t max_batch = 1024;         // most calls per round trip
  double purge_interval_seconds = 1;
  int64_t purge_min = 1000;        // rows a purge may delete beyond twice those added
};

class PgLimitState final : public LimitState {
 public:
  // Connects. REQUIRES: the database's schema is migrated (PostgresStore::Open
  // ran first). Unavailable when the database cannot be reached.
  static core::Result<std::unique_ptr<PgLimitState>> Open(PgLimitsOptions options);
  // Finishes every queued call (its callback runs), then closes.
  ~PgLimitState() override;
  PgLimitState(const PgLimitState&) = delete;
  PgLimitState& operator=(const PgLimitState&) = delete;

  void Take(std::string key, BucketLimit limit, Callback<int64_t> done) override;
  void BeginGuess(std::vector<GuessKey> keys, Callback<int64_t> done) override;
  void EndGuess(std::vector<GuessKey> keys, GuessOutcome outcome, StatusCallback done) override;
  size_t Queued() const override;

  // Deletes, now, up to `limit` rows of each table that hold nothing at the
  // clock's time; the number deleted. Tests (the thread purges by itself).
  core::Result<int64_t> PurgeNow(int64_t limit);
  // Attempts counted in flight in this process (tests).
  size_t InFlightKeys() const;

 private:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::milliseconds kReconnectPause{250};

  enum class Kind { kTake, kBegin, kFail, kForget, kPurge };
  struct Op {
    Kind kind;
    std::string key;           // kTake
    BucketLimit limit;         // kTake
    std::vector<GuessKey> keys;  // kBegin, kFail, kForget
    Callback<int64_t> done_value = nullptr;  // kTake, kBegin, kPurge
    StatusCallback done_status = nullptr;    // kFail, kForget
    int64_t purge_limit = 0;                 // kPurge
    Clock::time_point deadline{};
  };

  explicit PgLimitState(PgLimitsOptions options, std::unique_ptr<Connection> db);
  double Now() const;
  void Enqueue(Op op);
  void Loop();
  // Sends `batch` in one round trip and completes every call of it.
  void RunBatch(std::vector<Op>& batch, double now);
  void ReleaseInFlight(const std::vector<GuessKey>& keys);

  const PgLimitsOptions options_;
  std::unique_ptr<Connection> db_;      // the thread's
  Clock::time_point connect_failed_at_{};  // the thread's
  double last_purge_ = 0;                // the thread's: clock seconds
  int64_t added_since_purge_ = 0;        // the thread's: rows the batches may have added

  mutable std::mutex in_flight_mu_;
  std::unordered_map<std::string, int64_t> in_flight_;  // guarded by in_flight_mu_: attempts by key (> 0)

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Op> queue_;  // guarded by mu_
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace guestpass::store::postgres
