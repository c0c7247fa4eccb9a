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
