// admin_api_keys.cc: an app's server API keys under
// /api/admin/v3.0/groups/{group}/apps/{app}/api_keys (admin-api.md section
// 4.4): each logs in to a user of type "server" made with it. The key itself
// is in the creation's answer only; the store keeps its SHA-256.
#include "http/handlers/admin.h"
#include "http/json_body.h"

namespace guestpass::http {

using core::ErrorCode;
using core::ObjectId;
using core::Result;
using core::Status;
using nlohmann::json;

namespace {
json KeyJson(const core::ApiKey& k) {
  return {{"_id", k.id.ToHex()}, {"name", k.name}, {"disabled", k.disabled}, {"user_id", k.user_id.ToHex()}};
}

struct KeyTarget {
  AdminServices* admin;
  ObjectId app_id;
  ObjectId key_id;
};

Result<KeyTarget> KeyTargetOf(const Exchange& ex) {
  auto t = AppTargetOf(ex);
  if (!t.ok()) return t.status();
  auto key_id = IdParam(ex, "key", ErrorCode::kAPIKeyNotFound, "API key");
  if (!key_id.ok()) return key_id.status();
  return KeyTarget{t->admin, t->app_id, *key_id};
}

HandlerResult SetKeyDisabled(const Exchange& ex, bool disabled) {
  auto t = KeyTargetOf(ex);
  if (!t.ok()) co_return t.status();
  auto& users = t->admin->users;
  auto job = [&users, app = t->app_id, key = t->key_id, disabled] {
    return DoneOf(users.SetServerKeyDisabled(app, key, disabled));
  };
  co_return co_await NoContentOnAdminWorker(ex, *t->admin, &job);
}
}  // namespace

HandlerResult HandleListServerKeys(const Exchange& ex) {
  auto t = AppTargetOf(ex);
  if (!t.ok()) co_return t.status();
  auto& users = t->admin->users;
  auto job = [&users, app = t->app_id] { return users.ListServerKeys(app); };
  auto keys = co_await OnAdminWorker<std::vector<core::ApiKey>>(*t->admin, &job);
  if (!keys.ok()) co_return keys.status();
  json out = json::array();
  for (const auto& k : *keys) out.push_back(KeyJson(k));
  co_return JsonOk(ex, out);
}

// POST .../api_keys {"name"}: 201 {_id, key, name, disabled}; the key is shown
// here only.
HandlerResult HandleCreateServerKey(const Exchange& ex) {
  auto t = AppTargetOf(ex);
  if (!t.ok()) co_return t.status();
  auto body = ParseJsonObjectBody(ex.request);
  if (!body.ok()) co_return body.status();
  auto name = body->find("name");
  if (name == body->end() || !name->is_string())
    co_return Status::InvalidArgument(ErrorCode::kMissingParameter, "expected the key's name in \"name\"");
  auto& users = t->admin->users;
  auto job = [&users, app = t->app_id, n = name->get<std::string>()] { return users.CreateServerKey(app, n); };
  auto key = co_await OnAdminWorker<admin::ServerKey>(*t->admin, &job);
  if (!key.ok()) co_return key.status();
  json out = KeyJson(key->record);
  out["key"] = key->key;
  co_return JsonOk(ex, out, bhttp::status::created);
}

HandlerResult HandleGetServerKey(const Exchange& ex) {
  auto t = KeyTargetOf(ex);
  if (!t.ok()) co_return t.status();
  auto& users = t->admin->users;
  auto job = [&users, app = t->app_id, key = t->key_id] { return users.GetServerKey(app, key); };
  auto key = co_await OnAdminWorker<core::ApiKey>(*t->admin, &job);
  if (!key.ok()) co_return key.status();
  co_return JsonOk(ex, KeyJson(*key));
}

HandlerResult HandleDeleteServerKey(const Exchange& ex) {
  auto t = KeyTargetOf(ex);
  if (!t.ok()) co_return t.status();
  auto& users = t->admin->users;
  auto job = [&users, app = t->app_id, key = t->key_id, actor = ActorOf(ex)] {
    return DoneOf(users.DeleteServerKey(app, key, actor));
  };
  co_return co_await NoContentOnAdminWorker(ex, *t->admin, &job);
}

HandlerResult HandleEnableServerKey(const Exchange& ex) { return SetKeyDisabled(ex, false); }
HandlerResult HandleDisableServerKey(const Exchange& ex) { return SetKeyDisabled(ex, true); }

}  // namespace guestpass::http
