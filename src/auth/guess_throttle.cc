// guess_throttle.cc: see guess_throttle.h.
#include "auth/guess_throttle.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace guestpass::auth {

GuessThrottle::GuessThrottle(std::function<double()> now_seconds, size_t max_keys)
    : now_(std::move(now_seconds)), max_keys_(std::max<size_t>(max_keys, 1)) {}

double GuessThrottle::Now() const {
  if (now_) return now_();
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

int64_t GuessThrottle::RetryAfterLocked(Entry& e, const GuessPolicy& policy, double now) {
  if (e.failures > 0 && now - e.last_failure > policy.forget_after_seconds) {
    e.failures = 0;
    e.wait_until = 0;
  }
  if (now < e.wait_until) return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(e.wait_until - now)));
  // While failures are free, as many at once as are left, and once the key
  // has failed, at most max_in_flight of them; past the free ones, one at a
  // time. (A key that never failed, a busy office behind one address, is
  // bounded only by its free failures.)
  const int64_t left = e.failures < policy.free_failures ? policy.free_failures - e.failures : 1;
  const int64_t allowed = std::max<int64_t>(1, e.failures > 0 ? std::min(left, policy.max_in_flight) : left);
  if (e.in_flight >= allowed) return 1;
  return 0;
}

void GuessThrottle::MakeRoomLocked(double now) {
  std::erase_if(entries_, [now](const auto& kv) {
    const Entry& e = kv.second;
    return e.in_flight == 0 && e.wait_until <= now;
  });
  // A flood of distinct keys: drop waits too (nothing in flight is dropped).
  if (entries_.size() > max_keys_ / 4 * 3) std::erase_if(entries_, [](const auto& kv) { return kv.second.in_flight == 0; });
}

int64_t GuessThrottle::Begin(const std::vector<Key>& keys) {
  const double now = Now();
  std::lock_guard<std::mutex> lock(mu_);
  int64_t wait = 0;
  // Room first, then the lookups: making room may erase entries, and no
  // pointer into the map may be held across it.
  if (entries_.size() + keys.size() > max_keys_) MakeRoomLocked(now);
  std::vector<Entry*> found;
  found.reserve(keys.size());
  for (const Key& k : keys) found.push_back(&entries_.try_emplace(k.name).first->second);
  for (size_t i = 0; i < keys.size(); ++i) wait = std::max(wait, RetryAfterLocked(*found[i], keys[i].policy, now));
  if (wait > 0) return wait;
  for (Entry* e : found) ++e->in_flight;
  return 0;
}

void GuessThrottle::End(const std::vector<Key>& keys, Outcome outcome) {
  const double now = Now();
  std::lock_guard<std::mutex> lock(mu_);
  for (const Key& k : keys) {
    auto it = entries_.find(k.name);
    if (it == entries_.end()) continue;  // cannot happen: keys in flight are never dropped
    Entry& e = it->second;
    e.in_flight = std::max<int64_t>(0, e.in_flight - 1);
    if (outcome == Outcome::kFailed) {
      ++e.failures;
      e.last_failure = now;
      const int64_t over = e.failures - k.policy.free_failures;
      if (over > 0) {
        const double wait = std::min(k.policy.max_wait_seconds, std::ldexp(1.0, static_cast<int>(std::min<int64_t>(over - 1, 40))));
        e.wait_until = now + wait;
      }
    } else if (outcome == Outcome::kSucceeded && k.forget_on_success) {
      e.failures = 0;
      e.wait_until = 0;
      if (e.in_flight == 0) entries_.erase(it);
    }
  }
}

size_t GuessThrottle::KeyCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

}  // namespace guestpass::auth
