// admin_secrets.cc: an app's secrets under
// /api/admin/v3.0/groups/{group}/apps/{app}/secrets (admin-api.md section
// 7.6): list [{_id, name}], create {name, value} -> 201 {_id, name}, update
// {name[, value]} -> 204, delete -> 204. No answer ever holds a value.
// Updates and deletions go through ConfigService, which refuses those that
// would break a configuration naming the secret and re-resolves the served
// snapshot after a new value.
#include "http/handlers/admin.h"
#include "http/json_body.h"

namespace guestpass::http {

using core::ErrorCode;
using core::ObjectId;
using core::Result;
using core::Status;
using nlohmann::json;

namespace {
json SecretJson(const core::Secret& s) { return {{"_id", s.id.ToHex()}, {"name", s.name}}; }

// `key` of `body` as a string, when present.
Result<std::optional<std::string>> StringField(const json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) return Status::InvalidArgument(ErrorCode::kInvalidParameter, std::string("'") + key + "' must be a string");
  return std::optional<std::string>(it->get<std::string>());
}
}  // namespace

HandlerResult HandleListSecrets(const Exchange& ex) {
  auto t = AppTargetOf(ex);
  if (!t.ok()) co_return t.status();
  auto& config = t->admin->config;
  auto& secrets = t->admin->secrets;
  auto job = [&config, &secrets, id = t->app_id]() -> Result<std::vector<core::Secret>> {
    if (auto app = config.App(id); !app.ok()) return app.status();
    return secrets.List(id);
  };
  auto list = co_await OnAdminWorker<std::vector<core::Secret>>(*t->admin, &job);
  if (!list.ok()) co_return list.status();
  json out = json::array();
  for (const auto& s : *list) out.push_back(SecretJson(s));
  co_return JsonOk(ex, out);
}

HandlerResult HandleCreateSecret(const Exchange& ex) {
  auto t = AppTargetOf(ex);
  if (!t.ok()) co_return t.status();
  auto body = ParseJsonObjectBody(ex.request);
  if (!body.ok()) co_return body.status();
  auto name = StringField(*body, "name");
  if (!name.ok()) co_return name.status();
  auto value = StringField(*body, "value");
  if (!value.ok()) co_return value.status();
  if (!*name || !*value)
    co_return Status::InvalidArgument(ErrorCode::kMissingParameter, "a secret needs a 'name' and a 'value'");
  auto& config = t->admin->config;
  auto& secrets = t->admin->secrets;
  auto job = [&config, &secrets, id = t->app_id, name = **name, value = **value]() -> Result<core::Secret> {
    if (auto app = config.App(id); !app.ok()) return app.status();
    return secrets.Create(id, name, value);
  };
  auto created = co_await OnAdminWorker<core::Secret>(*t->admin, &job);
  if (!created.ok()) co_return created.status();
  co_return JsonOk(ex, SecretJson(*created), bhttp::status::created);
}

HandlerResult HandleUpdateSecret(const Exchange& ex) {
  auto t = AppTargetOf(ex);
  if (!t.ok()) co_return t.status();
  auto secret_id = IdParam(ex, "secret", ErrorCode::kNotFound, "secret");
  if (!secret_id.ok()) co_return secret_id.status();
  auto body = ParseJsonObjectBody(ex.request);
  if (!body.ok()) co_return body.status();
  auto name = StringField(*body, "name");
  if (!name.ok()) co_return name.status();
  auto value = StringField(*body, "value");
  if (!value.ok()) co_return value.status();
  if (!*name) co_return Status::InvalidArgument(ErrorCode::kMissingParameter, "a secret needs a 'name'");
  auto& config = t->admin->config;
  auto job = [&config, id = t->app_id, secret = *secret_id, name = **name, value = *value]() -> Result<bool> {
    if (auto app = config.App(id); !app.ok()) return app.status();
    // An empty value (realm-cli's `secrets update` without --value) keeps it.
    std::optional<std::string> replace = value && !value->empty() ? value : std::nullopt;
    if (Status s = config.UpdateSecret(id, secret, name, replace); !s.ok()) return s;
    return true;
  };
  co_return co_await NoContentOnAdminWorker(ex, *t->admin, &job);
}

HandlerResult HandleDeleteSecret(const Exchange& ex) {
  auto t = AppTargetOf(ex);
  if (!t.ok()) co_return t.status();
  auto secret_id = IdParam(ex, "secret", ErrorCode::kNotFound, "secret");
  if (!secret_id.ok()) co_return secret_id.status();
  auto& config = t->admin->config;
  auto job = [&config, id = t->app_id, secret = *secret_id]() -> Result<bool> {
    if (auto app = config.App(id); !app.ok()) return app.status();
    if (Status s = config.DeleteSecret(id, secret); !s.ok()) return s;
    return true;
  };
  co_return co_await NoContentOnAdminWorker(ex, *t->admin, &job);
}

}  // namespace guestpass::http
