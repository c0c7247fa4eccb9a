// limit_state.h: the abuse limits' state when several servers share it: the
// anonymous sign-up and admin-login token buckets and the guessing throttle's
// failure counts, kept where every server sees them, so N servers give a
// client the budget of one. The handlers call this contract; the PostgreSQL
// back end implements it (store/postgres/pg_limits.h). One server (SQLite,
// memory) needs none of it: it keeps its limits in process
// (http::RateLimiter, auth::GuessThrottle), and this contract mirrors their
// behaviour (pg_limits_test.cc runs both side by side).
//
// DESIGN: asynchronous like Store (a callback per call, exactly once, on any
// thread, possibly before the call returns), so a database round trip never
// blocks an HTTP thread; an implementation batches concurrent calls. No SQL
// and no HTTP here: keys are opaque strings the caller builds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "store/store.h"

namespace guestpass::store {

// A token bucket's limit (as http::RateLimit): refilled at `per_hour`
// tokens an hour up to `burst`.
struct BucketLimit {
  double per_hour = 100;  // 0 (or less, or NaN): unlimited
  double burst = 20;      // values below 1 count as 1
};

// The guessing throttle's policy of one key (as auth::GuessPolicy).
struct GuessRule {
  int64_t free_failures = 5;           // failures before waits begin
  double max_wait_seconds = 900;       // the longest wait
  double forget_after_seconds = 3600;  // failures this old are forgotten
  int64_t max_in_flight = 4;           // attempts at once of a key that has failed (per server)
};

struct GuessKey {
  std::string name;
  GuessRule rule;
  bool forget_on_success = false;  // an account: its owner's login forgets its failures
};

enum class GuessOutcome { kFailed, kSucceeded, kNeither };

class LimitState {
 public:
  virtual ~LimitState() = default;

  // Takes one token from `key`'s bucket under `limit`. `done` gets 0 when
  // allowed, else the whole seconds (>= 1) until a token will be available
  // (nothing taken), or Unavailable when the state could not be reached in
  // time. An unlimited `limit` always gives 0 and keeps nothing.
  virtual void Take(std::string key, BucketLimit limit, Callback<int64_t> done) = 0;

  // Starts a login attempt under every key: `done` gets 0 (the attempt is
  // then counted in flight: end it with EndGuess), or the whole seconds
  // (>= 1) to wait before trying again (nothing counted), or Unavailable.
  virtual void BeginGuess(std::vector<GuessKey> keys, Callback<int64_t> done) = 0;

  // Ends an attempt BeginGuess allowed (same keys). kFailed counts a failure
  // against each key (exponential wait past the free ones); kSucceeded
  // forgets the keys with forget_on_success; kNeither records nothing.
  // `done` runs once the outcome holds for every server: OK, or
  // Unavailable when it could not be recorded. The attempt stops counting
  // in flight either way.
  virtual void EndGuess(std::vector<GuessKey> keys, GuessOutcome outcome, StatusCallback done) = 0;

  // Calls waiting now for the state (a gauge for /metrics). Thread-safe.
  virtual size_t Queued() const = 0;
};

}  // namespace guestpass::store
