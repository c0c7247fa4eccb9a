// provider.h: what every authentication provider does: check its `config`
// and turn the credentials of a login request into a verified identity. One
// implementation per provider type (anon_user, api_key, custom_token,
// local_userpass), registered by type in a ProviderRegistry; AuthService
// decides what to do with the identity (new user, new session, link).
#pragma once

#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>

#include "auth/providers/secret_config.h"
#include "core/model.h"
#include "core/status.h"
#include "store/store.h"

namespace guestpass::auth {

struct VerifiedIdentity {
  core::Identity identity;       // id, provider_type, provider_id
  std::string data_json = "{}";  // profile data the identity brings, e.g. {"email": ...}
  core::ObjectId owner;          // set when the credential names its user (user API keys)
  bool always_new_user = false;  // anon-user: every login is a new user
};

class Provider {
 public:
  virtual ~Provider() = default;

  // The provider type this implements, e.g. core::kAnonUser.
  virtual std::string_view type() const = 0;

  // The `config` fields whose values may come from the app's secrets,
  // named in the provider's `secret_config` (auth/providers/secret_config.h).
  // None by default.
  virtual std::span<const SecretField> SecretFields() const { return {}; }

  // Checks a provider's `config` (and `metadata_fields`) for this type: the
  // one check for an app's providers, wherever their configs come from
  // (start-up, app import, the Admin API). It reads
  // config.EffectiveConfigJson(): the config with the named secrets' values
  // in place once ProviderRegistry::ResolveApp resolved them. OK, or
  // InvalidArgument whose message names the offending field; thread-safe.
  virtual core::Status ValidateConfig(const core::ProviderConfig& config) const = 0;

  // Verifies `credentials` (the login body, Extended JSON already relaxed) for
  // `provider` of `app` (the served snapshot: its secrets resolved, so
  // EffectiveConfigJson holds their values; nothing is decrypted here).
  // Failures: InvalidArgument/MissingParameter for a malformed body, Unauthenticated with a non-session code (InvalidPassword,
  // AuthError) for credentials that do not verify, Unavailable. Never
  // InvalidSession: that code makes SDKs refresh and retry.
  // `app`, `provider` and `credentials` are valid only during the call: copy
  // what the callback needs. The callback may run inline or on another
  // thread. Thread-safe.
  virtual void Verify(const core::App& app, const core::ProviderConfig& provider, const nlohmann::json& credentials,
                      store::Callback<VerifiedIdentity> done) = 0;
};

// ValidateConfig for a type without options: `config` must be a JSON object
// (empty text counts as {}); its keys are ignored. InvalidArgument
// "config must be a JSON object" otherwise.
core::Status ValidateConfigWithoutOptions(const core::ProviderConfig& config);

}  // namespace guestpass::auth
