// memory_store.h: an in-memory Store for tests and throwaway development
// servers. Nothing survives the process. Callbacks run inline.
#pragma once

#include <map>
#include <mutex>
#include <unordered_map>

#include "store/store.h"

namespace guestpass::store::memory {

class MemoryStore final : public Store {
 public:
  void ListApps(Callback<std::vector<core::App>> done) override;
  void PutApp(core::App app, StatusCallback done) override;
  void CreateUserWithSession(core::User user, core::Session session, StatusCallback done) override;
  void GetSessionWithUser(core::ObjectId session_id, Callback<SessionWithUser> done) override;
  void GetUser(core::ObjectId user_id, Callback<core::User> done) override;
  void DeleteSession(core::ObjectId session_id, bool delete_user_if_anonymous,
                     Callback<DeleteSessionOutcome> done) override;
  void DeleteUser(core::ObjectId user_id, StatusCallback done) override;
  void CountUsers(core::ObjectId app_id, Callback<int64_t> done) override;

 private:
  void EraseUserLocked(const core::ObjectId& user_id);

  std::mutex mu_;                             // guards everything below
  std::map<core::ObjectId, core::App> apps_;  // ordered: ids are time-ordered
  std::unordered_map<core::ObjectId, core::User> users_;
  std::unordered_map<core::ObjectId, core::Session> sessions_;
};

}  // namespace guestpass::store::memory
