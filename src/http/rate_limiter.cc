// rate_limiter.cc: token buckets with fractional refill and a bounded table.
#include "http/rate_limiter.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <vector>

namespace guestpass::http {
namespace {

// Rounding slack: tokens within this of a whole token count as that token,
// so 36 s at 100/h gives exactly one token despite floating point.
constexpr double kEpsilon = 1e-9;
constexpr double kSecondsPerHour = 3600;

double SteadyNowSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Tokens a bucket holds at `now` (elapsed time may not be negative).
double TokensAt(double tokens, double updated, double per_hour, double burst, double now) {
  double elapsed = std::max(0.0, now - updated);
  return std::min(burst, tokens + elapsed * per_hour / kSecondsPerHour);
}

}  // namespace

RateLimiter::RateLimiter(std::function<double()> now_seconds, size_t max_buckets)
    : now_(now_seconds ? std::move(now_seconds) : std::function<double()>(SteadyNowSeconds)),
      max_buckets_(std::max<size_t>(1, max_buckets)) {}

int64_t RateLimiter::Take(std::string_view key, const RateLimit& limit) {
  if (!(limit.per_hour > 0)) return 0;  // also catches NaN
  const double burst = std::max(1.0, limit.burst);

  std::lock_guard lock(mu_);
  const double now = now_();
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_buckets_) Evict(now);
    it = buckets_.emplace(std::string(key), Bucket{burst, now, limit.per_hour, burst, 0}).first;
  }
  Bucket& b = it->second;
  b.tokens = TokensAt(b.tokens, b.updated, limit.per_hour, burst, now);
  b.updated = std::max(b.updated, now);
  b.per_hour = limit.per_hour;
  b.burst = burst;
  b.last_used = ++use_counter_;

  if (b.tokens >= 1 - kEpsilon) {
    b.tokens = std::max(0.0, b.tokens - 1);
    return 0;
  }
  // Seconds until the bucket holds one token, computed as missing * 3600 / per_hour
  // (not / (per_hour / 3600)) so whole answers such as 36 s at 100/h stay exact.
  double wait = (1 - b.tokens) * kSecondsPerHour / limit.per_hour;
  double whole = std::ceil(wait - kEpsilon);
  if (!(whole < 9.0e18)) return INT64_MAX;  // an absurdly slow rate
  return std::max<int64_t>(1, static_cast<int64_t>(whole));
}

size_t RateLimiter::BucketCount() const {
  std::lock_guard lock(mu_);
  return buckets_.size();
}

void RateLimiter::Evict(double now) {
  // Full buckets carry no state: a new bucket starts full.
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    const Bucket& b = it->second;
    if (TokensAt(b.tokens, b.updated, b.per_hour, b.burst, now) >= b.burst - kEpsilon) {
      it = buckets_.erase(it);
    } else {
      ++it;
    }
  }
  const size_t want_free = std::max<size_t>(1, max_buckets_ / 4);
  if (buckets_.size() + want_free <= max_buckets_) return;

  // Drop the least recently used half (at least enough for one new bucket).
  const size_t drop = std::max(buckets_.size() / 2, buckets_.size() + 1 - max_buckets_);
  std::vector<uint64_t> uses;
  uses.reserve(buckets_.size());
  for (const auto& [key, b] : buckets_) uses.push_back(b.last_used);
  std::nth_element(uses.begin(), uses.begin() + (drop - 1), uses.end());
  const uint64_t cutoff = uses[drop - 1];  // last_used values are unique, so exactly `drop` are <= cutoff
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    if (it->second.last_used <= cutoff) {
      it = buckets_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace guestpass::http
