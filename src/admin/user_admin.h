// user_admin.h: an app's users as administrators manage them (the Admin
// API's /users routes, the CLI's `users` commands, the UI's Users page):
// keyset pages with filters, counts, one user, deletion, disable and enable,
// logout everywhere. Blocks on the store: run it on admin::Worker.
#pragma once

#include <vector>

#include "admin/config_service.h"
#include "core/clock.h"
#include "core/model.h"
#include "store/store.h"

namespace guestpass::admin {

// At most this many users per page (App Services: 50).
inline constexpr size_t kUserPageLimit = 50;

class UserAdmin {
 public:
  UserAdmin(store::Store& store, const core::Clock& clock) : store_(store), clock_(clock) {}

  // A page of the query's app's users; `query.limit` is capped at kUserPageLimit.
  core::Result<std::vector<core::User>> List(store::Store::UserQuery query) const;
  core::Result<int64_t> Count(const store::Store::UserQuery& query) const;
  // NotFound(UserNotFound) unless the user exists and belongs to the app.
  core::Result<core::User> Get(const core::ObjectId& app_id, const core::ObjectId& user_id) const;
  // Deletes the user with everything of it, recorded as done by `actor`.
  core::Status Delete(const core::ObjectId& app_id, const core::ObjectId& user_id, const Actor& actor);
  // A disabled user's tokens are refused at once and it cannot log in.
  core::Status SetDisabled(const core::ObjectId& app_id, const core::ObjectId& user_id, bool disabled);
  // Ends every session of the user; returns how many.
  core::Result<int64_t> Logout(const core::ObjectId& app_id, const core::ObjectId& user_id);

 private:
  store::Store& store_;
  const core::Clock& clock_;
};

}  // namespace guestpass::admin
