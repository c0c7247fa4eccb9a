// user_admin.cc: the store calls behind the Admin API's /users routes, each
// checking first that the user is the app's.
#include "admin/user_admin.h"

#include <algorithm>

#include "store/sync.h"

namespace guestpass::admin {

using core::ObjectId;
using core::Result;
using core::Status;

Result<std::vector<core::User>> UserAdmin::List(store::Store::UserQuery query) const {
  query.limit = std::clamp<size_t>(query.limit, 1, kUserPageLimit);
  return store::Await<std::vector<core::User>>([&](auto done) { store_.ListUsers(query, done); });
}

Result<int64_t> UserAdmin::Count(const store::Store::UserQuery& query) const {
  return store::Await<int64_t>([&](auto done) { store_.CountMatchingUsers(query, done); });
}

Result<core::User> UserAdmin::Get(const ObjectId& app_id, const ObjectId& user_id) const {
  auto user = store::Await<core::User>([&](auto done) { store_.GetUser(user_id, done); });
  if (!user.ok()) return user.status();
  if (user->app_id != app_id) return Status::NotFound(core::ErrorCode::kUserNotFound, "user not found");
  return user;
}

Status UserAdmin::Delete(const ObjectId& app_id, const ObjectId& user_id, const Actor& actor) {
  if (auto user = Get(app_id, user_id); !user.ok()) return user.status();
  return store::AwaitStatus([&](auto done) {
    store_.DeleteUser(user_id, core::Deletion{clock_.NowSeconds(), actor.label, "deleted by an administrator"}, done);
  });
}

Status UserAdmin::SetDisabled(const ObjectId& app_id, const ObjectId& user_id, bool disabled) {
  if (auto user = Get(app_id, user_id); !user.ok()) return user.status();
  return store::AwaitStatus([&](auto done) { store_.SetUserDisabled(user_id, disabled, done); });
}

Result<int64_t> UserAdmin::Logout(const ObjectId& app_id, const ObjectId& user_id) {
  if (auto user = Get(app_id, user_id); !user.ok()) return user.status();
  return store::Await<int64_t>([&](auto done) { store_.DeleteUserSessions(user_id, done); });
}

}  // namespace guestpass::admin
