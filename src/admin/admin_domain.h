// admin_domain.h: who may use the Admin API. Administrators are the users
// of one hidden app, the admin domain (client app id
// core::kAdminDomainClientAppId), so they get the sessions, tokens, refresh
// and logout of every other user through a second AuthService, while the
// domain check of each AuthService keeps admin tokens and app-user tokens
// from opening each other's doors. An administrator signs in with a username
// and password (an email/password account of the domain whose "email" is the
// username; AdminPasswordProvider) or with an admin API key (the domain's
// api-key provider: public part = the key id, private part = its secret).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "admin/secret_admin.h"
#include "auth/providers/provider.h"
#include "core/clock.h"
#include "core/model.h"
#include "core/object_id.h"
#include "core/random.h"
#include "crypto/password_hasher.h"
#include "store/store.h"

namespace guestpass::admin {

inline constexpr std::string_view kFirstAdminUsername = "admin";

struct AdminDomain {
  core::App app;  // the domain; app.id is also the Admin API's group id
  // The admin user's password when this start generated it (print it once).
  std::optional<std::string> generated_password;
};

// Loads the admin domain, creating it on the first start together with the
// admin user "admin" (password `first_password`, or a generated one when
// empty). Blocks on the store and the hasher.
core::Result<AdminDomain> EnsureAdminDomain(store::Store& store, crypto::PasswordHasher& hasher,
                                            const core::Clock& clock, core::ObjectIdGenerator& ids,
                                            core::Random& random, const std::string& first_password);

// Sets `username`'s password (`guestpass admin passwd`), creating the
// administrator when there is none of that name. Ends none of its sessions.
core::Status SetAdminPassword(store::Store& store, crypto::PasswordHasher& hasher, const core::App& domain,
                              const core::Clock& clock, core::ObjectIdGenerator& ids, core::Random& random,
                              const std::string& username, const std::string& password);

// An admin API key as created: the public part is the key's id (24 hex
// digits) and the private part its 40-character secret; the store keeps the
// SHA-256 of both together (the key of the domain's api-key provider).
struct AdminApiKey {
  core::ApiKey record;
  std::string public_key;
  std::string private_key;  // only at creation
};

// A new admin API key of `admin_user` (a user of the admin domain) named
// `name`. InvalidArgument for a name that is not 1-128 characters without
// controls; AlreadyExists for a name the administrator already uses;
// InvalidArgument past core::kMaxApiKeysPerUser keys.
core::Result<AdminApiKey> CreateAdminApiKey(store::Store& store, const core::App& domain,
                                            const core::ObjectId& admin_user, const std::string& name,
                                            const core::Clock& clock, core::ObjectIdGenerator& ids,
                                            core::Random& random);

// The administrator of `username` (its user id), for the offline tools.
// NotFound when there is none.
core::Result<core::ObjectId> FindAdminUser(store::Store& store, const core::App& domain, const std::string& username);

// The realm of HTTP Digest authentication with an admin API key (the one
// Atlas's public API uses; realm-cli lists projects that way).
inline constexpr std::string_view kDigestRealm = "MMS Public API";

// Administrators' own API keys, for the Admin API's /auth/api_keys (and
// the UI and CLI on it). Each key also keeps, sealed as a secret of the
// admin domain, its HTTP Digest HA1 (MD5 of "PUBLIC:realm:PRIVATE"): Digest
// needs a password-equivalent, and the key's own hash cannot serve. Blocks
// on the store: run it on admin::Worker.
class AdminKeys {
 public:
  AdminKeys(store::Store& store, const core::App& domain, SecretAdmin& secrets, const core::Clock& clock,
            core::ObjectIdGenerator& ids, core::Random& random)
      : store_(store), domain_(domain), secrets_(secrets), clock_(clock), ids_(ids), random_(random) {}
  core::Result<AdminApiKey> Create(const core::ObjectId& admin_user, const std::string& name);
  core::Result<std::vector<core::ApiKey>> List(const core::ObjectId& admin_user) const;
  // NotFound unless the key is `admin_user`'s.
  core::Status Delete(const core::ObjectId& admin_user, const core::ObjectId& key_id);
  // The live (enabled) key's Digest HA1; NotFound for an unknown, disabled or
  // foreign key, or one made before keys kept it.
  core::Result<std::string> DigestHa1(const core::ObjectId& key_id) const;

 private:
  static std::string DigestSecretName(const core::ObjectId& key_id) { return "admin-key-digest-" + key_id.ToHex(); }

  store::Store& store_;
  const core::App domain_;
  SecretAdmin& secrets_;
  const core::Clock& clock_;
  core::ObjectIdGenerator& ids_;
  core::Random& random_;
};

// An administrator's username as stored: trimmed, lowercase; empty when it is
// not 1-64 of [a-z0-9._@-].
std::string NormalizeAdminUsername(std::string_view username);

// The admin domain's "local-userpass" provider: {"username", "password"}
// checked against the domain's accounts (Argon2id, on the hasher's pool).
class AdminPasswordProvider final : public auth::Provider {
 public:
  AdminPasswordProvider(store::Store& store, crypto::PasswordHasher& hasher) : store_(store), hasher_(hasher) {}
  std::string_view type() const override { return core::kLocalUserpass; }
  core::Status ValidateConfig(const core::ProviderConfig& config) const override;
  void Verify(const core::App& app, const core::ProviderConfig& provider, const nlohmann::json& credentials,
              store::Callback<auth::VerifiedIdentity> done) override;

 private:
  store::Store& store_;
  crypto::PasswordHasher& hasher_;
};

}  // namespace guestpass::admin
