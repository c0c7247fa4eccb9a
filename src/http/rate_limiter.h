// rate_limiter.h: token buckets per key (app and client address) for the
// anonymous sign-up limit of issue 4. It decides and computes Retry-After;
// building the key and the 429 reply are the caller's job.
//
// DESIGN: one mutex guards a hash map of buckets. A bucket holds fractional
// tokens and the time it was last refilled, so refill is exact at any rate.
// Memory is bounded: when a new key finds the table full, buckets that have
// refilled completely are dropped first (a new bucket starts full, so nothing
// is lost); if that frees less than a quarter of the table, the least
// recently used half is dropped too (those clients get a fresh burst). The
// quarter keeps the O(n) sweep amortized O(1) per new key under a flood.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace guestpass::http {

struct RateLimit {
  double per_hour = 100;  // refill rate in tokens per hour; 0 (or less) = unlimited
  double burst = 20;      // bucket size: requests allowed at once from a full bucket; values below 1 count as 1
};

// Thread-safe.
class RateLimiter {
 public:
  // `now_seconds` returns the current time in seconds from any fixed origin;
  // it must be steady (never jump). nullptr means std::chrono::steady_clock.
  // A value going backwards is treated as no time passing.
  // `max_buckets` bounds the table (values below 1 count as 1).
  explicit RateLimiter(std::function<double()> now_seconds = nullptr, size_t max_buckets = 100'000);

  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  // Takes one token for `key` under `limit`. Returns 0 if allowed. Otherwise
  // nothing is taken and it returns the whole seconds (>= 1, rounded up)
  // until one token will be available, for Retry-After. An unlimited `limit`
  // always returns 0 and creates no bucket. A key's bucket follows the limit
  // of its latest call (a lowered burst caps the tokens it holds).
  int64_t Take(std::string_view key, const RateLimit& limit);

  // The number of buckets held now; never more than max_buckets.
  size_t BucketCount() const;

 private:
  struct Bucket {
    double tokens = 0;    // as of `updated`
    double updated = 0;   // seconds, from now_
    double per_hour = 0;  // limit of the latest Take, to tell when the bucket is full again
    double burst = 0;
    uint64_t last_used = 0;  // use_counter_ value of the latest Take (LRU order)
  };

  // Lets find() take a string_view without building a std::string.
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  // Makes room for one more bucket. REQUIRES: mu_ held, buckets_ full.
  void Evict(double now);

  const std::function<double()> now_;
  const size_t max_buckets_;

  mutable std::mutex mu_;
  // Guarded by mu_: the buckets by key, and a counter that orders their use.
  std::unordered_map<std::string, Bucket, KeyHash, std::equal_to<>> buckets_;
  uint64_t use_counter_ = 0;
};

}  // namespace guestpass::http
