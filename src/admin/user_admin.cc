// user_admin.cc: the store calls behind the Admin API's /users,
// /user_registrations and /api_keys routes, each checking first that what it
// names is the app's.
#include "admin/user_admin.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "auth/providers/api_key/api_key_provider.h"
#include "auth/providers/local_userpass/userpass_config.h"
#include "crypto/digest.h"
#include "store/sync.h"

namespace guestpass::admin {

using core::ErrorCode;
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

Result<std::vector<core::Session>> UserAdmin::Devices(const ObjectId& app_id, const ObjectId& user_id) const {
  if (auto user = Get(app_id, user_id); !user.ok()) return user.status();
  return store::Await<std::vector<core::Session>>(
      [&](auto done) { store_.ListUserSessions(user_id, clock_.NowSeconds(), kUserDevicesLimit, done); });
}

// ---- Email/password users and pending registrations ----

Result<core::ProviderConfig> UserAdmin::EnabledProvider(const core::App& app, std::string_view type) const {
  for (const auto& p : app.providers)
    if (p.type == type && !p.disabled) return p;
  return Status::InvalidArgument(ErrorCode::kAuthProviderNotFound,
                                 "the " + std::string(type) + " provider is not enabled for this app");
}

Result<core::User> UserAdmin::CreateEmailUser(const ObjectId& app_id, const std::string& email,
                                              const std::string& password) {
  auto app = config_.App(app_id);
  if (!app.ok()) return app.status();
  auto provider = EnabledProvider(*app, core::kLocalUserpass);
  if (!provider.ok()) return provider.status();
  const std::string normalized = auth::local_userpass::NormalizeEmail(email);
  if (normalized.empty()) return Status::InvalidArgument(ErrorCode::kInvalidParameter, "invalid email address");
  if (!auth::local_userpass::IsAcceptablePassword(password))
    return Status::InvalidArgument(ErrorCode::kInvalidParameter, "password must be between 6 and 128 characters");
  auto hash = store::Await<std::string>([&](auto done) { hasher_.Hash(password, done); });
  if (!hash.ok()) return hash.status();

  const int64_t now = clock_.NowSeconds();
  core::UserpassAccount account{ids_.Next(), app_id, normalized, std::move(*hash), /*confirmed=*/true, now};
  core::User user;
  user.id = ids_.Next();
  user.app_id = app_id;
  user.identities.push_back({account.id.ToHex(), std::string(core::kLocalUserpass), provider->id});
  user.data_json = nlohmann::json{{"email", normalized}}.dump();
  user.created_at = now;
  user.last_active_at = now;
  Status s = store::AwaitStatus(
      [&](auto done) { store_.CreateUser(user, store::Store::NewUserLogin::Account(account), now, done); });
  if (!s.ok()) return s;
  return user;
}

Result<core::UserpassAccount> UserAdmin::Account(const ObjectId& app_id, const std::string& email) const {
  if (auto app = config_.App(app_id); !app.ok()) return app.status();
  const std::string normalized = auth::local_userpass::NormalizeEmail(email);
  if (normalized.empty()) return Status::NotFound(ErrorCode::kUserNotFound, "user not found");
  return store::Await<core::UserpassAccount>(
      [&](auto done) { store_.GetUserpassAccount(app_id, normalized, done); });
}

Result<std::vector<core::UserpassAccount>> UserAdmin::ListPending(const ObjectId& app_id, const ObjectId& after) const {
  if (auto app = config_.App(app_id); !app.ok()) return app.status();
  return store::Await<std::vector<core::UserpassAccount>>(
      [&](auto done) { store_.ListPendingUserpassAccounts(app_id, after, kUserPageLimit, done); });
}

Status UserAdmin::ConfirmPending(const ObjectId& app_id, const std::string& email) {
  auto account = Account(app_id, email);
  if (!account.ok()) return account.status();
  return store::AwaitStatus([&](auto done) { store_.ConfirmUserpassAccount(account->id, done); });
}

Status UserAdmin::DeletePending(const ObjectId& app_id, const std::string& email) {
  auto account = Account(app_id, email);
  if (!account.ok()) return account.status();
  return store::AwaitStatus([&](auto done) { store_.DeletePendingUserpassAccount(account->id, done); });
}

Status UserAdmin::SendConfirmation(const ObjectId& app_id, const std::string& email) {
  auto app = config_.App(app_id);
  if (!app.ok()) return app.status();
  auto provider = EnabledProvider(*app, core::kLocalUserpass);
  if (!provider.ok()) return provider.status();
  const nlohmann::json body = {{"email", email}};
  return store::AwaitStatus([&](auto done) { userpass_.ResendConfirmation(*app, *provider, body, done); });
}

Result<ConfirmRun> UserAdmin::RunConfirmation(const ObjectId& app_id, const std::string& email) {
  auto app = config_.App(app_id);
  if (!app.ok()) return app.status();
  auto provider = EnabledProvider(*app, core::kLocalUserpass);
  if (!provider.ok()) return provider.status();
  auto config = auth::local_userpass::ParseUserpassConfig(provider->config_json);
  if (!config.ok()) return config.status();
  auto account = Account(app_id, email);
  if (!account.ok()) return account.status();
  if (account->confirmed) return Status::InvalidArgument(ErrorCode::kUserAlreadyConfirmed, "already confirmed");
  if (config->auto_confirm) {
    Status s = store::AwaitStatus([&](auto done) { store_.ConfirmUserpassAccount(account->id, done); });
    if (!s.ok()) return s;
    return ConfirmRun::kConfirmed;
  }
  const nlohmann::json body = {{"email", email}};
  Status s = store::AwaitStatus([&](auto done) {
    if (!config->confirmation_webhook_url.empty())
      userpass_.RetryCustomConfirmation(*app, *provider, body, done);
    else
      userpass_.ResendConfirmation(*app, *provider, body, done);
  });
  if (!s.ok()) return s;
  return ConfirmRun::kSent;
}

// ---- Server API keys ----

Result<ServerKey> UserAdmin::CreateServerKey(const ObjectId& app_id, const std::string& name) {
  if (Status s = auth::ValidateApiKeyName(name); !s.ok()) return s;
  auto app = config_.App(app_id);
  if (!app.ok()) return app.status();
  auto provider = EnabledProvider(*app, core::kApiKey);
  if (!provider.ok()) return provider.status();
  const int64_t now = clock_.NowSeconds();
  ServerKey out;
  core::ApiKey& key = out.record;
  key.id = ids_.Next();  // also the server user's id and its api-key identity's
  key.app_id = app_id;
  key.user_id = key.id;
  key.name = name;
  key.created_at = now;
  out.key = auth::MakeApiKeySecret(key.id, random_);
  key.key_hash = crypto::Sha256(out.key);
  core::User user;
  user.id = key.id;
  user.app_id = app_id;
  user.type = std::string(core::kServerUserType);
  user.identities.push_back({key.id.ToHex(), std::string(core::kApiKey), provider->id});
  user.data_json = nlohmann::json{{"name", name}}.dump();
  user.created_at = now;
  user.last_active_at = now;
  Status s = store::AwaitStatus(
      [&](auto done) { store_.CreateUser(user, store::Store::NewUserLogin::ServerKey(key), now, done); });
  if (!s.ok()) return s;
  return out;
}

Result<std::vector<core::ApiKey>> UserAdmin::ListServerKeys(const ObjectId& app_id) const {
  if (auto app = config_.App(app_id); !app.ok()) return app.status();
  return store::Await<std::vector<core::ApiKey>>([&](auto done) { store_.ListServerApiKeys(app_id, done); });
}

Result<core::ApiKey> UserAdmin::GetServerKey(const ObjectId& app_id, const ObjectId& key_id) const {
  if (auto app = config_.App(app_id); !app.ok()) return app.status();
  auto key = store::Await<core::ApiKey>([&](auto done) { store_.GetApiKey(key_id, done); });
  if (!key.ok()) return key.status();
  const Status missing = Status::NotFound(ErrorCode::kAPIKeyNotFound, "API key not found");
  // A server key's id is its user's; any other key is a user's own.
  if (key->app_id != app_id || key->id != key->user_id) return missing;
  return key;
}

Status UserAdmin::SetServerKeyDisabled(const ObjectId& app_id, const ObjectId& key_id, bool disabled) {
  auto key = GetServerKey(app_id, key_id);
  if (!key.ok()) return key.status();
  return store::AwaitStatus([&](auto done) { store_.SetApiKeyDisabled(key->id, key->user_id, disabled, done); });
}

Status UserAdmin::DeleteServerKey(const ObjectId& app_id, const ObjectId& key_id, const Actor& actor) {
  auto key = GetServerKey(app_id, key_id);
  if (!key.ok()) return key.status();
  return store::AwaitStatus([&](auto done) {
    store_.DeleteUser(key->user_id,
                      core::Deletion{clock_.NowSeconds(), actor.label, "server API key deleted by an administrator"},
                      done);
  });
}

}  // namespace guestpass::admin
