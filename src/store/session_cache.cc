// session_cache.cc: the session-with-user cache of the SQLite and PostgreSQL back ends.
#include "store/session_cache.h"

#include <chrono>

namespace guestpass::store {

int64_t SessionCache::SteadySeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::shared_ptr<const SessionWithUser> SessionCache::Find(const core::ObjectId& session_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_session_.find(session_id);
  if (it == by_session_.end() || SteadySeconds() - it->second.loaded_at >= ttl_seconds_) return nullptr;
  return it->second.value;
}

uint64_t SessionCache::Generation() {
  std::lock_guard<std::mutex> lock(mu_);
  return generation_;
}

void SessionCache::Insert(uint64_t generation, std::shared_ptr<const SessionWithUser> entry) {
  std::lock_guard<std::mutex> lock(mu_);
  if (generation != generation_) {
    // A write may have changed what was read: its user's, or anyone's.
    if (cleared_at_ > generation || forgotten_upto_ > generation) return;
    if (auto it = recent_by_user_.find(entry->user.id); it != recent_by_user_.end() && it->second > generation) return;
  }
  if (by_session_.size() >= capacity_) {
    // Full: start over. Rare, and keeps the bookkeeping trivial.
    by_session_.clear();
    sessions_by_user_.clear();
  }
  const core::ObjectId session_id = entry->session.id;
  const core::ObjectId user_id = entry->user.id;
  auto [it, inserted] = by_session_.insert_or_assign(session_id, Entry{std::move(entry), SteadySeconds()});
  (void)it;
  if (inserted) sessions_by_user_[user_id].push_back(session_id);
}

void SessionCache::InvalidateUser(const core::ObjectId& user_id) {
  std::lock_guard<std::mutex> lock(mu_);
  ++generation_;
  recent_.emplace_back(generation_, user_id);
  recent_by_user_[user_id] = generation_;
  if (recent_.size() > kRecentInvalidations) {
    const auto [oldest, user] = recent_.front();
    recent_.pop_front();
    forgotten_upto_ = oldest;
    if (auto r = recent_by_user_.find(user); r != recent_by_user_.end() && r->second == oldest) recent_by_user_.erase(r);
  }
  auto it = sessions_by_user_.find(user_id);
  if (it == sessions_by_user_.end()) return;
  for (const auto& session_id : it->second) by_session_.erase(session_id);
  sessions_by_user_.erase(it);
}

void SessionCache::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  ++generation_;
  cleared_at_ = generation_;
  recent_.clear();  // cleared_at_ covers them
  recent_by_user_.clear();
  by_session_.clear();
  sessions_by_user_.clear();
}

}  // namespace guestpass::store
