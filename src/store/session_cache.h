// session_cache.h: a write-through cache of session-with-user reads, shared
// by the SQLite and PostgreSQL back ends, so refresh and profile requests
// skip the database. It knows nothing of either: the back end tells it what
// changed.
//
// DESIGN: correctness first. Every committed write that changes what
// GetSessionWithUser returns invalidates all cached sessions of that user
// before the write is acknowledged. A read that raced with such a write may
// have seen the old rows: it notes the cache generation before reading and
// its result is only cached if its user was not invalidated since (nor the
// cache cleared). The last kRecentInvalidations invalidations are kept by
// user for that; a read older than all of them is not cached. Per user, not
// any invalidation at all: on PostgreSQL a read takes a round trip, and
// other users' invalidations arriving meanwhile (every login of an existing
// user sends one) would keep most reads out of the cache. Writes by
// other processes reach it as InvalidateUser (PostgreSQL: a notification
// from the other server) or Clear() (SQLite: its data_version moved;
// PostgreSQL: notifications may have been missed); entries also expire
// after a few seconds. Thread-safe.
#pragma once

#include <deque>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "store/store.h"

namespace guestpass::store {

class SessionCache {
 public:
  // `capacity` entries at most; entries older than `ttl_seconds` (steady
  // clock) are not served.
  SessionCache(size_t capacity, int64_t ttl_seconds) : capacity_(capacity), ttl_seconds_(ttl_seconds) {}

  // The cached entry, or nullptr.
  std::shared_ptr<const SessionWithUser> Find(const core::ObjectId& session_id);
  // Take before reading the database; pass to Insert.
  uint64_t Generation();
  // Caches `entry` unless its user was invalidated, or the cache cleared,
  // since `generation` (or that can no longer be told).
  void Insert(uint64_t generation, std::shared_ptr<const SessionWithUser> entry);
  // Drops every cached session of the user.
  void InvalidateUser(const core::ObjectId& user_id);
  // Drops everything (another process wrote to the database).
  void Clear();

 private:
  struct Entry {
    std::shared_ptr<const SessionWithUser> value;
    int64_t loaded_at;  // steady seconds
  };
  static int64_t SteadySeconds();
  // How many invalidations are remembered by user (see DESIGN).
  static constexpr size_t kRecentInvalidations = 4096;

  const size_t capacity_;
  const int64_t ttl_seconds_;
  std::mutex mu_;  // guards everything below
  uint64_t generation_ = 0;  // moves with every invalidation and Clear
  uint64_t cleared_at_ = 0;  // the generation of the last Clear
  uint64_t forgotten_upto_ = 0;  // the last generation dropped from recent_
  std::deque<std::pair<uint64_t, core::ObjectId>> recent_;   // (generation, user), oldest first
  std::unordered_map<core::ObjectId, uint64_t> recent_by_user_;  // a user's last generation in recent_
  std::unordered_map<core::ObjectId, Entry> by_session_;
  std::unordered_map<core::ObjectId, std::vector<core::ObjectId>> sessions_by_user_;
};

}  // namespace guestpass::store
