// guess_throttle.h: slows down guessing of passwords, API keys and JWTs.
// Each key (an account, a client address) may fail `free_failures` times;
// after that every failure makes it wait before its next attempt, twice as
// long each time (1 s, 2 s, 4 s ...) up to `max_wait_seconds`. A key's
// failures are forgotten `forget_after_seconds` after its last one, and an
// account's at its owner's next successful login. Attempts of a key in
// flight at once are bounded too (by the failures it has left), so a burst
// of parallel guesses cannot all pass before the first failure is counted.
//
// DESIGN: one mutex and a hash map of keys, like http::RateLimiter. Memory
// is bounded: when a new key finds the table full, keys with nothing in
// flight and no wait ahead are dropped first, then (under a flood of
// distinct keys) any key with nothing in flight. One server's: on
// PostgreSQL the servers share store::LimitState instead (pg_limits.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace guestpass::auth {

struct GuessPolicy {
  int64_t free_failures = 5;           // failures before waits begin (0: wait after the first)
  double max_wait_seconds = 900;       // the longest wait
  double forget_after_seconds = 3600;  // failures this old are forgotten
  int64_t max_in_flight = 4;           // attempts at once of a key that has failed, at most
};

// Thread-safe.
class GuessThrottle {
 public:
  // `now_seconds`: a steady clock in seconds (nullptr: std::chrono::steady_clock).
  explicit GuessThrottle(std::function<double()> now_seconds = nullptr, size_t max_keys = 100'000);
  GuessThrottle(const GuessThrottle&) = delete;
  GuessThrottle& operator=(const GuessThrottle&) = delete;

  struct Key {
    std::string name;
    GuessPolicy policy;
    bool forget_on_success = false;  // an account: its owner's login forgets its failures
  };

  // Starts an attempt under every key. Returns 0 and counts the attempt in
  // flight under each key, or the whole seconds (>= 1) to wait before trying
  // again (then nothing is counted).
  int64_t Begin(const std::vector<Key>& keys);
  // How an attempt ended: a wrong guess, a success, or neither (a malformed
  // request, a busy server: nothing was learnt about the credentials).
  enum class Outcome { kFailed, kSucceeded, kNeither };
  // Ends an attempt Begin allowed (same keys): kFailed counts a failure
  // against each key; kSucceeded forgets the keys with forget_on_success.
  void End(const std::vector<Key>& keys, Outcome outcome);

  size_t KeyCount() const;

 private:
  struct Entry {
    int64_t failures = 0;
    int64_t in_flight = 0;
    double last_failure = 0;
    double wait_until = 0;
  };
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  double Now() const;
  // REQUIRES: mu_ held.
  int64_t RetryAfterLocked(Entry& e, const GuessPolicy& policy, double now);
  void MakeRoomLocked(double now);

  const std::function<double()> now_;
  const size_t max_keys_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry, KeyHash, std::equal_to<>> entries_;  // guarded by mu_
};

}  // namespace guestpass::auth
