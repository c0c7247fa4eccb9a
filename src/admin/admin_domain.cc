// admin_domain.cc: the admin domain, its first administrator, and the
// password check of administrators.
#include "admin/admin_domain.h"

#include <nlohmann/json.hpp>

#include "auth/providers/api_key/api_key_provider.h"
#include "crypto/digest.h"
#include "crypto/encoding.h"
#include "store/sync.h"

namespace guestpass::admin {

using core::ErrorCode;
using core::ObjectId;
using core::Result;
using core::Status;

namespace {
constexpr size_t kMinPasswordLength = 8;

Result<std::string> HashPassword(crypto::PasswordHasher& hasher, const std::string& password) {
  return store::Await<std::string>([&](auto done) { hasher.Hash(password, done); });
}

Status WrongCredentials() {
  return Status::Unauthenticated(ErrorCode::kInvalidPassword, "invalid username/password");
}
}  // namespace

std::string NormalizeAdminUsername(std::string_view username) {
  while (!username.empty() && (username.front() == ' ' || username.front() == '\t')) username.remove_prefix(1);
  while (!username.empty() && (username.back() == ' ' || username.back() == '\t')) username.remove_suffix(1);
  if (username.empty() || username.size() > 64) return "";
  std::string out;
  for (char c : username) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '@' || c == '-';
    if (!ok) return "";
    out.push_back(c);
  }
  return out;
}

Status SetAdminPassword(store::Store& store, crypto::PasswordHasher& hasher, const core::App& domain,
                        const core::Clock& clock, core::ObjectIdGenerator& ids, core::Random& random,
                        const std::string& username, const std::string& password) {
  const std::string name = NormalizeAdminUsername(username);
  if (name.empty())
    return Status::InvalidArgument(ErrorCode::kInvalidParameter,
                                   "an admin username is 1-64 letters, digits, '.', '_', '@' or '-'");
  if (password.size() < kMinPasswordLength || password.size() > 128)
    return Status::InvalidArgument(ErrorCode::kInvalidParameter, "an admin password is 8 to 128 characters");
  auto hash = HashPassword(hasher, password);
  if (!hash.ok()) return hash.status();
  const core::ProviderConfig* provider = domain.FindProvider(core::kLocalUserpass);
  if (provider == nullptr) return Status::Internal("the admin domain has no local-userpass provider");

  auto account = store::Await<core::UserpassAccount>(
      [&](auto done) { store.GetUserpassAccount(domain.id, name, done); });
  if (account.ok()) {
    // A reset token used at once: the store's one way to set a password.
    core::UserpassToken token;
    token.id = ids.Next();
    token.account_id = account->id;
    token.purpose = core::UserpassTokenPurpose::kReset;
    random.Fill(token.token_hash);
    token.expires_at = clock.NowSeconds() + 60;
    if (Status s = store::AwaitStatus([&](auto done) { store.PutUserpassToken(token, done); }); !s.ok()) return s;
    return store::Await<core::UserpassAccount>([&](auto done) {
             store.UseUserpassToken(token.id, token.token_hash, token.purpose, *hash, clock.NowSeconds(), done);
           })
        .status();
  }
  if (!account.status().IsNotFound()) return account.status();
  core::UserpassAccount created{ids.Next(), domain.id, name, *hash, /*confirmed=*/true, clock.NowSeconds()};
  if (Status s = store::AwaitStatus([&](auto done) { store.CreateUserpassAccount(created, std::nullopt, clock.NowSeconds(), done); });
      !s.ok())
    return s;
  // The administrator's user exists from the start (keys can name it before
  // its first login); the session that creating a user needs ends at once.
  core::User user;
  user.id = ids.Next();
  user.app_id = domain.id;
  user.identities.push_back({created.id.ToHex(), std::string(core::kLocalUserpass), provider->id});
  user.data_json = nlohmann::json{{"name", name}}.dump();
  user.created_at = clock.NowSeconds();
  user.last_active_at = user.created_at;
  core::Session session;
  session.id = ids.Next();
  session.user_id = user.id;
  random.Fill(session.secret_hash);
  session.created_at = user.created_at;
  session.expires_at = user.created_at;
  return store::AwaitStatus([&](auto done) { store.CreateUserWithSession(user, session, 0, done); });
}

Result<AdminDomain> EnsureAdminDomain(store::Store& store, crypto::PasswordHasher& hasher, const core::Clock& clock,
                                      core::ObjectIdGenerator& ids, core::Random& random,
                                      const std::string& first_password) {
  auto apps = store::Await<std::vector<core::App>>([&](auto done) { store.ListApps(done); });
  if (!apps.ok()) return apps.status();
  AdminDomain out;
  for (const auto& app : *apps)
    if (app.client_app_id == core::kAdminDomainClientAppId) {
      out.app = app;
      return out;
    }
  core::App& domain = out.app;
  domain.id = ids.Next();
  domain.client_app_id = core::kAdminDomainClientAppId;
  domain.name = "admin";
  domain.created_at = clock.NowSeconds();
  domain.providers.push_back({ids.Next(), std::string(core::kLocalUserpass), std::string(core::kLocalUserpass), false,
                              "{}", "[]"});
  domain.providers.push_back({ids.Next(), std::string(core::kApiKey), std::string(core::kApiKey), false, "{}", "[]"});
  std::string password = first_password;
  if (password.empty()) {
    std::array<uint8_t, 18> bytes;
    random.Fill(bytes);
    password = crypto::Base64UrlEncode(bytes);  // 24 characters
    out.generated_password = password;
  }
  // The password first: a bad one must not leave a domain without an admin.
  if (password.size() < kMinPasswordLength || password.size() > 128)
    return Status::InvalidArgument(ErrorCode::kInvalidParameter, "the admin password must be 8 to 128 characters");
  if (Status s = store::AwaitStatus([&](auto done) { store.PutApp(domain, done); }); !s.ok()) return s;
  if (Status s = SetAdminPassword(store, hasher, domain, clock, ids, random, std::string(kFirstAdminUsername), password);
      !s.ok())
    return s;
  return out;
}

Result<AdminApiKey> CreateAdminApiKey(store::Store& store, const core::App& domain, const ObjectId& admin_user,
                                      const std::string& name, const core::Clock& clock,
                                      core::ObjectIdGenerator& ids, core::Random& random) {
  bool ok = !name.empty() && name.size() <= 128;
  for (char c : name) ok = ok && static_cast<unsigned char>(c) >= 0x20;
  if (!ok) return Status::InvalidArgument(ErrorCode::kInvalidParameter, "an API key's name is 1 to 128 characters");
  AdminApiKey key;
  key.record.id = ids.Next();
  key.record.app_id = domain.id;
  key.record.user_id = admin_user;
  key.record.name = name;
  key.record.created_at = clock.NowSeconds();
  const std::string whole = auth::MakeApiKeySecret(key.record.id, random);
  key.record.key_hash = crypto::Sha256(whole);
  key.public_key = whole.substr(0, 24);
  key.private_key = whole.substr(24);
  if (Status s = store::AwaitStatus([&](auto done) { store.CreateApiKey(key.record, done); }); !s.ok()) return s;
  return key;
}

Result<AdminApiKey> AdminKeys::Create(const ObjectId& admin_user, const std::string& name) {
  auto key = CreateAdminApiKey(store_, domain_, admin_user, name, clock_, ids_, random_);
  if (!key.ok()) return key;
  const std::string ha1 = crypto::Md5Hex(key->public_key + ":" + std::string(kDigestRealm) + ":" + key->private_key);
  if (auto s = secrets_.Create(domain_.id, DigestSecretName(key->record.id), ha1); !s.ok()) {
    // Without its digest the key would half work: take it back.
    store::AwaitStatus([&](auto done) { store_.DeleteApiKey(key->record.id, admin_user, done); });
    return s.status();
  }
  return key;
}

Result<std::vector<core::ApiKey>> AdminKeys::List(const ObjectId& admin_user) const {
  return store::Await<std::vector<core::ApiKey>>([&](auto done) { store_.ListApiKeys(admin_user, done); });
}

Status AdminKeys::Delete(const ObjectId& admin_user, const ObjectId& key_id) {
  Status s = store::AwaitStatus([&](auto done) { store_.DeleteApiKey(key_id, admin_user, done); });
  if (s.IsNotFound()) return Status::NotFound(ErrorCode::kAPIKeyNotFound, "API key not found");
  if (!s.ok()) return s;
  auto secrets = secrets_.List(domain_.id);
  if (secrets.ok()) {
    for (const auto& secret : *secrets)
      if (secret.name == DigestSecretName(key_id)) secrets_.Delete(domain_.id, secret.id);
  }
  return Status::Ok();
}

Result<std::string> AdminKeys::DigestHa1(const ObjectId& key_id) const {
  auto key = store::Await<core::ApiKey>([&](auto done) { store_.GetApiKey(key_id, done); });
  if (!key.ok() || key->app_id != domain_.id || key->disabled)
    return Status::NotFound(ErrorCode::kAPIKeyNotFound, "API key not found");
  return secrets_.Reveal(domain_.id, DigestSecretName(key_id));
}

Result<ObjectId> FindAdminUser(store::Store& store, const core::App& domain, const std::string& username) {
  const std::string name = NormalizeAdminUsername(username);
  auto account = store::Await<core::UserpassAccount>(
      [&](auto done) { store.GetUserpassAccount(domain.id, name, done); });
  if (!account.ok()) {
    if (account.status().IsNotFound()) return Status::NotFound(ErrorCode::kUserNotFound, "no administrator '" + name + "'");
    return account.status();
  }
  auto user = store::Await<core::User>([&](auto done) {
    store.FindUserByIdentity(domain.id, std::string(core::kLocalUserpass), account->id.ToHex(), done);
  });
  if (!user.ok()) return user.status();
  return user->id;
}

Status AdminPasswordProvider::ValidateConfig(const core::ProviderConfig& config) const {
  return auth::ValidateConfigWithoutOptions(config);
}

void AdminPasswordProvider::Verify(const core::App& app, const core::ProviderConfig& provider,
                                   const nlohmann::json& credentials, store::Callback<auth::VerifiedIdentity> done) {
  auto username = credentials.find("username");
  auto password = credentials.find("password");
  if (username == credentials.end() || !username->is_string() || password == credentials.end() ||
      !password->is_string())
    return done(Status::InvalidArgument(ErrorCode::kMissingParameter, "expected \"username\" and \"password\""));
  const std::string name = NormalizeAdminUsername(username->get<std::string>());
  const ObjectId provider_id = provider.id;
  store_.GetUserpassAccount(
      app.id, name,
      [this, name, provider_id, password = password->get<std::string>(),
       done = std::move(done)](Result<core::UserpassAccount> account) {
        if (!account.ok()) {
          if (!account.status().IsNotFound()) return done(account.status());
          return hasher_.VerifyNothing([done](Result<bool> checked) {  // same time as a real check
            done(checked.ok() ? WrongCredentials() : checked.status());
          });
        }
        const ObjectId account_id = account->id;
        hasher_.Verify(account->password_hash, password, [name, account_id, provider_id, done](Result<bool> match) {
          if (!match.ok()) return done(match.status());  // busy: 503
          if (!*match) return done(WrongCredentials());
          auth::VerifiedIdentity v;
          v.identity = {account_id.ToHex(), std::string(core::kLocalUserpass), provider_id};
          v.data_json = nlohmann::json{{"name", name}}.dump();
          done(std::move(v));
        });
      });
}

}  // namespace guestpass::admin
