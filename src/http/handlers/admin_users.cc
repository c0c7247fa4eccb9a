// admin_users.cc: an app's users under /api/admin/v3.0/groups/{group}/apps/{app}/users
// (admin-api.md section 4): keyset pages of at most 50 (`after`, `desc`,
// realm-cli's `status` and `provider_types` filters, and guestpass's
// `anonymity` and `email`), a count with the same filters (for the UI and
// `users count`), one user, its devices (live sessions), deletion, disable
// and enable (a disabled user's tokens are refused at once), and logout
// everywhere.
#include "auth/providers/local_userpass/userpass_service.h"
#include "http/handlers/admin.h"
#include "http/json_body.h"

namespace guestpass::http {

using core::ErrorCode;
using core::ObjectId;
using core::Result;
using core::Status;
using nlohmann::json;

namespace {
// The filters of ?status=enabled|disabled&provider_types=a,b
// &anonymity=anonymous|linked&email=ADDRESS (and, for pages, after, desc and
// limit).
Result<store::Store::UserQuery> QueryOf(const Exchange& ex, const ObjectId& app_id) {
  store::Store::UserQuery q;
  q.app_id = app_id;
  q.limit = admin::kUserPageLimit;
  const std::string_view query = ex.route.query;
  if (auto after = QueryParam(query, "after"); after && !after->empty()) {
    auto id = ObjectId::FromHex(*after);
    if (!id) return Status::InvalidArgument(ErrorCode::kInvalidParameter, "'after' must be a user id");
    q.after = *id;
  }
  if (auto sort = QueryParam(query, "sort"); sort && !sort->empty() && *sort != "_id")
    return Status::InvalidArgument(ErrorCode::kInvalidParameter, "users sort by '_id' only");
  if (auto desc = QueryParam(query, "desc")) q.desc = *desc == "true" || *desc == "1";
  if (auto status = QueryParam(query, "status"); status && !status->empty()) {
    if (*status != "enabled" && *status != "disabled")
      return Status::InvalidArgument(ErrorCode::kInvalidParameter, "'status' is 'enabled' or 'disabled'");
    q.disabled = *status == "disabled";
  }
  if (auto types = QueryParam(query, "provider_types"); types && !types->empty()) {
    size_t i = 0;
    while (i <= types->size()) {
      size_t j = types->find(',', i);
      if (j == std::string::npos) j = types->size();
      std::string type = types->substr(i, j - i);
      if (!type.empty()) {
        if (!core::IsKnownProviderType(type))
          return Status::InvalidArgument(ErrorCode::kInvalidParameter, "unknown provider type '" + type + "'");
        q.provider_types.push_back(std::move(type));
      }
      i = j + 1;
    }
  }
  if (auto anonymity = QueryParam(query, "anonymity"); anonymity && !anonymity->empty()) {
    if (*anonymity == "anonymous")
      q.anonymity = store::Store::Anonymity::kAnonymous;
    else if (*anonymity == "linked")
      q.anonymity = store::Store::Anonymity::kLinked;
    else
      return Status::InvalidArgument(ErrorCode::kInvalidParameter, "'anonymity' is 'anonymous' or 'linked'");
  }
  if (auto email = QueryParam(query, "email"); email && !email->empty()) {
    // As sign-up normalises it: the account's email is stored so.
    q.email = auth::local_userpass::NormalizeEmail(*email);
    if (q.email.empty()) return Status::InvalidArgument(ErrorCode::kInvalidParameter, "'email' must be an email address");
  }
  auto limit = QueryNumber(query, "limit");
  if (!limit.ok()) return limit.status();
  if (*limit) {
    if (**limit < 1 || **limit > admin::kUserPageLimit)
      return Status::InvalidArgument(ErrorCode::kInvalidParameter, "'limit' is 1 to 50");
    q.limit = **limit;
  }
  return q;
}

struct UserTarget {
  AdminServices* admin;
  ObjectId app_id;
  ObjectId user_id;
};

Result<UserTarget> UserTargetOf(const Exchange& ex) {
  auto admin = AdminOf(ex);
  if (!admin.ok()) return admin.status();
  auto app_id = AppIdOf(ex);
  if (!app_id.ok()) return app_id.status();
  auto user_id = IdParam(ex, "user", ErrorCode::kUserNotFound, "user");
  if (!user_id.ok()) return user_id.status();
  return UserTarget{*admin, *app_id, *user_id};
}
}  // namespace

// The Admin API's User (admin-api.md section 4.1).
json UserJson(const core::User& u) {
  json identities = json::array();
  for (const auto& i : u.identities)
    identities.push_back({{"id", i.id},
                          {"provider_type", i.provider_type},
                          {"provider_id", i.provider_id.ToHex()},
                          {"provider_data", json::object()}});
  json data = json::parse(u.data_json, nullptr, false);
  return {{"_id", u.id.ToHex()},
          {"identities", identities},
          {"type", u.type},
          {"data", data.is_object() ? data : json::object()},
          {"creation_date", u.created_at},
          {"last_authentication_date", u.last_active_at},
          {"disabled", u.disabled}};
}

HandlerResult HandleListUsers(const Exchange& ex) {
  auto admin = AdminOf(ex);
  if (!admin.ok()) co_return admin.status();
  auto app_id = AppIdOf(ex);
  if (!app_id.ok()) co_return app_id.status();
  auto query = QueryOf(ex, *app_id);
  if (!query.ok()) co_return query.status();
  auto& config = (*admin)->config;
  auto& users = (*admin)->users;
  auto job = [&config, &users, q = *query]() -> Result<std::vector<core::User>> {
    if (auto app = config.App(q.app_id); !app.ok()) return app.status();
    return users.List(q);
  };
  auto page = co_await OnAdminWorker<std::vector<core::User>>(**admin, &job);
  if (!page.ok()) co_return page.status();
  json out = json::array();
  for (const auto& u : *page) out.push_back(UserJson(u));
  co_return JsonOk(ex, out);
}

HandlerResult HandleCountUsers(const Exchange& ex) {
  auto admin = AdminOf(ex);
  if (!admin.ok()) co_return admin.status();
  auto app_id = AppIdOf(ex);
  if (!app_id.ok()) co_return app_id.status();
  auto query = QueryOf(ex, *app_id);
  if (!query.ok()) co_return query.status();
  auto& config = (*admin)->config;
  auto& users = (*admin)->users;
  auto job = [&config, &users, q = *query]() -> Result<int64_t> {
    if (auto app = config.App(q.app_id); !app.ok()) return app.status();
    return users.Count(q);
  };
  auto count = co_await OnAdminWorker<int64_t>(**admin, &job);
  if (!count.ok()) co_return count.status();
  co_return JsonOk(ex, {{"count", *count}});
}

// POST .../users {"email", "password"}: an email/password user, confirmed
// and made at once (App Services' "Add New User"); 201 with the User.
HandlerResult HandleCreateAppUser(const Exchange& ex) {
  auto t = AppTargetOf(ex);
  if (!t.ok()) co_return t.status();
  auto body = ParseJsonObjectBody(ex.request);
  if (!body.ok()) co_return body.status();
  auto email = body->find("email");
  auto password = body->find("password");
  if (email == body->end() || !email->is_string() || password == body->end() || !password->is_string())
    co_return Status::InvalidArgument(ErrorCode::kMissingParameter, "expected \"email\" and \"password\"");
  auto& users = t->admin->users;
  auto job = [&users, app = t->app_id, e = email->get<std::string>(), p = password->get<std::string>()] {
    return users.CreateEmailUser(app, e, p);
  };
  auto user = co_await OnAdminWorker<core::User>(*t->admin, &job);
  if (!user.ok()) co_return user.status();
  co_return JsonOk(ex, UserJson(*user), bhttp::status::created);
}

HandlerResult HandleGetUser(const Exchange& ex) {
  auto t = UserTargetOf(ex);
  if (!t.ok()) co_return t.status();
  auto& users = t->admin->users;
  auto job = [&users, app = t->app_id, user = t->user_id] { return users.Get(app, user); };
  auto user = co_await OnAdminWorker<core::User>(*t->admin, &job);
  if (!user.ok()) co_return user.status();
  co_return JsonOk(ex, UserJson(*user));
}

// GET .../users/{user}/devices: the user's live sessions, newest first (at
// most 100): each one's device id and the device info its SDK sent at login,
// when it was made and when it expires. Never a token or a session's secret.
HandlerResult HandleListUserDevices(const Exchange& ex) {
  auto t = UserTargetOf(ex);
  if (!t.ok()) co_return t.status();
  auto& users = t->admin->users;
  auto job = [&users, app = t->app_id, user = t->user_id] { return users.Devices(app, user); };
  auto sessions = co_await OnAdminWorker<std::vector<core::Session>>(*t->admin, &job);
  if (!sessions.ok()) co_return sessions.status();
  // The SDKs' device fields (options.device at login), as snake_case keys.
  static constexpr std::pair<const char*, const char*> kDeviceFields[] = {
      {"appId", "app_id"},           {"appVersion", "app_version"}, {"platform", "platform"},
      {"platformVersion", "platform_version"}, {"sdkVersion", "sdk_version"}};
  json out = json::array();
  for (const auto& s : *sessions) {
    json device = {{"device_id", s.device_id.IsZero() ? "" : s.device_id.ToHex()},
                   {"created", s.created_at},
                   {"expires", s.expires_at}};
    for (const auto& [from, to] : kDeviceFields) device[to] = "";
    const json sent = json::parse(s.device_json, nullptr, false);
    if (sent.is_object())
      for (const auto& [from, to] : kDeviceFields)
        if (auto it = sent.find(from); it != sent.end() && it->is_string()) device[to] = *it;
    out.push_back(std::move(device));
  }
  co_return JsonOk(ex, out);
}

HandlerResult HandleDeleteAppUser(const Exchange& ex) {
  auto t = UserTargetOf(ex);
  if (!t.ok()) co_return t.status();
  auto& users = t->admin->users;
  auto job = [&users, app = t->app_id, user = t->user_id, actor = ActorOf(ex)] {
    return DoneOf(users.Delete(app, user, actor));
  };
  co_return co_await NoContentOnAdminWorker(ex, *t->admin, &job);
}

namespace {
HandlerResult SetUserDisabled(const Exchange& ex, bool disabled) {
  auto t = UserTargetOf(ex);
  if (!t.ok()) co_return t.status();
  auto& users = t->admin->users;
  auto job = [&users, app = t->app_id, user = t->user_id, disabled] {
    return DoneOf(users.SetDisabled(app, user, disabled));
  };
  co_return co_await NoContentOnAdminWorker(ex, *t->admin, &job);
}
}  // namespace

HandlerResult HandleEnableUser(const Exchange& ex) { return SetUserDisabled(ex, false); }
HandlerResult HandleDisableUser(const Exchange& ex) { return SetUserDisabled(ex, true); }

HandlerResult HandleLogoutUser(const Exchange& ex) {
  auto t = UserTargetOf(ex);
  if (!t.ok()) co_return t.status();
  auto& users = t->admin->users;
  auto job = [&users, app = t->app_id, user = t->user_id]() -> Result<bool> {
    auto n = users.Logout(app, user);
    if (!n.ok()) return n.status();
    return true;
  };
  co_return co_await NoContentOnAdminWorker(ex, *t->admin, &job);
}

// POST .../users/verify_token {"token"}: the claims of one of the app's
// users' access tokens (App Services: 200 with the claims, the JSON string
// "token expired" for an expired one, 401 for a forged one).
HandlerResult HandleVerifyToken(const Exchange& ex) {
  auto admin = AdminOf(ex);
  if (!admin.ok()) co_return admin.status();
  auto app_id = AppIdOf(ex);
  if (!app_id.ok()) co_return app_id.status();
  auto body = ParseJsonObjectBody(ex.request);
  if (!body.ok()) co_return body.status();
  auto token = body->find("token");
  if (token == body->end() || !token->is_string())
    co_return Status::InvalidArgument(ErrorCode::kMissingParameter, "expected the access token in \"token\"");
  auto& config = (*admin)->config;
  auto job = [&config, id = *app_id] { return config.App(id); };
  auto app = co_await OnAdminWorker<core::App>(**admin, &job);
  if (!app.ok()) co_return app.status();
  auto claims = (*admin)->tokens.VerifyAccessToken(token->get<std::string>());
  if (!claims.ok()) {
    if (claims.status().message().find("expired") != std::string::npos) co_return JsonOk(ex, "token expired");
    co_return Status::Unauthenticated(ErrorCode::kInvalidSession, "signature is invalid");
  }
  if (claims->app_id != app->id)
    co_return Status::Unauthenticated(ErrorCode::kInvalidSession, "the token is not one of this app's");
  json out = {{"sub", claims->user_id.ToHex()},    {"aud", app->client_app_id},
              {"iat", claims->issued_at},          {"exp", claims->expires_at},
              {"iss", claims->session_id.ToHex()}, {"domain_id", claims->app_id.ToHex()}};
  if (!claims->device_id.IsZero()) out["device_id"] = claims->device_id.ToHex();
  co_return JsonOk(ex, out);
}

}  // namespace guestpass::http
