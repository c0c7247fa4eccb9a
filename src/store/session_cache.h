// session_cache.h: a write-through cache of session-with-user reads, shared
// by the SQLite and PostgreSQL back ends, so refresh and profile requests
// skip the database. It knows nothing of either: the back end tells it what
// changed.
//
// DESIGN: correctness first. Every committed write that changes what
// GetSessionWithUser returns invalidates all cached sessions of that user
// before the write is acknowledged. A read that raced with such a write may
// have seen the old rows: it notes the cache generation before reading and
// its result is only cached if no invalidation happened since. Writes by
// other processes reach it as InvalidateUser (PostgreSQL: a notification
// from the other server) or Clear() (SQLite: its data_version moved;
// PostgreSQL: notifications may have been missed); entries also expire
// after a few seconds. Thread-safe.
#pragma once

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
  // Caches `entry` unless an invalidation happened since `generation`.
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

  const size_t capacity_;
  const int64_t ttl_seconds_;
  std::mutex mu_;  // guards everything below
  uint64_t generation_ = 0;
  std::unordered_map<core::ObjectId, Entry> by_session_;
  std::unordered_map<core::ObjectId, std::vector<core::ObjectId>> sessions_by_user_;
};

}  // namespace guestpass::store
