// admin_auth.cc: administrators' sessions under /api/admin/v3.0/auth
// (admin-api.md section 1): password and API-key logins, the profile with
// its roles, refresh (201) and logout (204). Administrators are users of the
// admin domain (admin/admin_domain.h), so these are the client API's session
// use cases on the domain's own AuthService.
#include "core/json_text.h"
#include "http/error_response.h"
#include "http/handlers/admin.h"
#include "http/json_body.h"

namespace guestpass::http {

using core::ErrorCode;
using core::Status;
using nlohmann::json;

namespace {
// Login attempts per client address: a burst of 20, then 2 a minute.
constexpr RateLimit kAdminLoginLimit{120, 20};

// In this process (one server) or shared by every server on the database.
boost::asio::awaitable<core::Result<std::optional<Response>>> LimitLogins(const Exchange& ex) {
  if (ex.services.signup_limiter == nullptr && ex.services.shared_limits == nullptr)
    co_return std::optional<Response>();
  const auto client = ClientAddressOf(ex.request, ex.peer, ex.services.trusted_proxies);
  int64_t retry_after = 0;
  if (ex.services.shared_limits != nullptr) {
    auto taken = co_await TakeSharedToken(ex, "admin-login|" + AddressKey(client), kAdminLoginLimit);
    if (!taken.ok()) co_return taken.status();
    retry_after = *taken;
  } else {
    retry_after = ex.services.signup_limiter->Take("admin-login|" + AddressKey(client), kAdminLoginLimit);
  }
  if (retry_after == 0) co_return std::optional<Response>();
  Response res = ErrorResponse(Status::Make(core::Code::kRateLimited, ErrorCode::kTooManyRequests,
                                            "too many admin logins from this address; retry in " +
                                                std::to_string(retry_after) + " s"),
                               ex.request.version());
  res.set(bhttp::field::retry_after, std::to_string(retry_after));
  co_return std::optional<Response>(std::move(res));
}

// `credentials` is a named local of the caller (see OnAdminWorker).
HandlerResult Login(const Exchange& ex, std::string_view provider, const json& credentials) {
  auto admin = AdminOf(ex);
  if (!admin.ok()) co_return admin.status();
  auto limited = co_await LimitLogins(ex);
  if (!limited.ok()) co_return limited.status();
  if (*limited) {
    if (ex.services.metrics != nullptr) ex.services.metrics->Throttled(HttpMetrics::Throttle::kAdminLogin);
    co_return std::move(**limited);
  }
  auth::LoginRequest request;
  request.provider_name = std::string(provider);
  request.credentials = credentials;
  auto domain = std::make_shared<const core::App>((*admin)->domain);
  // Guessing is throttled per address and, for a password, per administrator.
  std::string account;
  if (auto it = credentials.find("username"); it != credentials.end() && it->is_string() && provider == "local-userpass")
    account = admin::NormalizeAdminUsername(it->get<std::string>());
  GuessAttempt attempt(ex, GuessKeys(ex, "admin", account));
  auto refused = co_await attempt.Begin("admin logins");
  if (!refused.ok()) co_return refused.status();
  if (*refused) {
    if (ex.services.metrics != nullptr) ex.services.metrics->Throttled(HttpMetrics::Throttle::kGuess);
    co_return std::move(**refused);
  }
  auto result = co_await Await<auth::LoginResult>(
      [&](auto done) { (*admin)->auth.Login(domain, std::move(request), std::move(done)); });
  if (Status counted = co_await attempt.Finish(result.status()); !counted.ok()) co_return counted;
  if (!result.ok()) {
    // One answer for every wrong credential: nothing says which part was wrong.
    if (result.status().code() == core::Code::kUnauthenticated)
      co_return Status::Unauthenticated(ErrorCode::kInvalidPassword, "invalid username/password");
    co_return result.status();
  }
  co_return JsonOk(ex, {{"access_token", result->access_token},
                        {"refresh_token", result->refresh_token},
                        {"user_id", result->user_id.ToHex()},
                        {"device_id", result->device_id.ToHex()}});
}

std::optional<std::string> StringMember(const json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}
}  // namespace

HandlerResult HandleAdminPasswordLogin(const Exchange& ex) {
  auto body = ParseJsonObjectBody(ex.request);
  if (!body.ok()) co_return body.status();
  auto username = StringMember(*body, "username");
  auto password = StringMember(*body, "password");
  if (!username || !password)
    co_return Status::InvalidArgument(ErrorCode::kMissingParameter, "expected \"username\" and \"password\"");
  json credentials = {{"username", *username}, {"password", *password}};
  co_return co_await Login(ex, core::kLocalUserpass, credentials);
}

HandlerResult HandleAdminKeyLogin(const Exchange& ex) {
  auto body = ParseJsonObjectBody(ex.request);
  if (!body.ok()) co_return body.status();
  // The App Services CLI's admin API key: public part and private part. Here
  // the public part is the key's id and the private part its secret.
  auto public_key = StringMember(*body, "username");
  auto private_key = StringMember(*body, "apiKey");
  if (!public_key || !private_key)
    co_return Status::InvalidArgument(ErrorCode::kMissingParameter,
                                      "expected the public API key in \"username\" and the private one in \"apiKey\"");
  json credentials = {{"key", *public_key + *private_key}};
  co_return co_await Login(ex, core::kApiKey, credentials);
}

HandlerResult HandleAdminLoginProviders(const Exchange& ex) {
  co_return JsonOk(ex, json::array({{{"name", "local-userpass"}, {"type", "local-userpass"}, {"disabled", false}},
                                    {{"name", "mongodb-cloud"}, {"type", "mongodb-cloud"}, {"disabled", false}}}));
}

HandlerResult HandleAdminProfile(const Exchange& ex) {
  auto admin = AdminOf(ex);
  if (!admin.ok()) co_return admin.status();
  const core::User& user = ex.admin->user;
  json identities = json::array();
  for (const auto& i : user.identities)
    identities.push_back({{"id", i.id}, {"provider_type", i.provider_type}, {"provider_id", i.provider_id.ToHex()}});
  json data = json::parse(user.data_json, nullptr, false);
  if (!data.is_object()) data = json::object();
  const std::string group = (*admin)->domain.id.ToHex();
  co_return JsonOk(ex, {{"user_id", user.id.ToHex()},
                        {"domain_id", user.app_id.ToHex()},
                        {"identities", identities},
                        {"data", data},
                        {"type", "normal"},
                        {"roles", json::array({{{"role_name", "GROUP_OWNER"}, {"group_id", group}}})}});
}

HandlerResult HandleAdminRefresh(const Exchange& ex) {
  auto admin = AdminOf(ex);
  if (!admin.ok()) co_return admin.status();
  auto access = co_await Await<std::string>(
      [&](auto done) { (*admin)->auth.RefreshAccessToken(ex.token, std::move(done)); });
  if (!access.ok()) co_return access.status();
  co_return JsonOk(ex, {{"access_token", *access}}, bhttp::status::created);
}

HandlerResult HandleAdminLogout(const Exchange& ex) {
  auto admin = AdminOf(ex);
  if (!admin.ok()) co_return admin.status();
  auto result =
      co_await Await<auth::LogoutResult>([&](auto done) { (*admin)->auth.Logout(ex.token, std::move(done)); });
  if (!result.ok()) co_return result.status();
  co_return EmptyResponse(bhttp::status::no_content, ex.request.version());
}

// ---- Administrators' own API keys (guestpass's: Atlas manages these elsewhere) ----

namespace {
json AdminKeyJson(const core::ApiKey& k) {
  return {{"_id", k.id.ToHex()}, {"public_key", k.id.ToHex()}, {"name", k.name}, {"disabled", k.disabled}};
}
}  // namespace

HandlerResult HandleListAdminKeys(const Exchange& ex) {
  auto admin = AdminOf(ex);
  if (!admin.ok()) co_return admin.status();
  auto& keys = (*admin)->keys;
  auto job = [&keys, user = ex.admin->user.id] { return keys.List(user); };
  auto list = co_await OnAdminWorker<std::vector<core::ApiKey>>(**admin, &job);
  if (!list.ok()) co_return list.status();
  json out = json::array();
  for (const auto& k : *list) out.push_back(AdminKeyJson(k));
  co_return JsonOk(ex, out);
}

HandlerResult HandleCreateAdminKey(const Exchange& ex) {
  auto admin = AdminOf(ex);
  if (!admin.ok()) co_return admin.status();
  auto body = ParseJsonObjectBody(ex.request);
  if (!body.ok()) co_return body.status();
  auto name = StringMember(*body, "name");
  if (!name) co_return Status::InvalidArgument(ErrorCode::kMissingParameter, "expected the key's \"name\"");
  auto& keys = (*admin)->keys;
  auto job = [&keys, user = ex.admin->user.id, name = *name] { return keys.Create(user, name); };
  auto created = co_await OnAdminWorker<admin::AdminApiKey>(**admin, &job);
  if (!created.ok()) co_return created.status();
  json out = AdminKeyJson(created->record);
  out["private_key"] = created->private_key;  // shown once
  co_return JsonOk(ex, out, bhttp::status::created);
}

HandlerResult HandleDeleteAdminKey(const Exchange& ex) {
  auto admin = AdminOf(ex);
  if (!admin.ok()) co_return admin.status();
  auto key_id = IdParam(ex, "key", ErrorCode::kAPIKeyNotFound, "API key");
  if (!key_id.ok()) co_return key_id.status();
  auto& keys = (*admin)->keys;
  auto job = [&keys, user = ex.admin->user.id, key = *key_id]() -> core::Result<bool> {
    if (Status s = keys.Delete(user, key); !s.ok()) return s;
    return true;
  };
  co_return co_await NoContentOnAdminWorker(ex, **admin, &job);
}

}  // namespace guestpass::http
