// model.h: the domain records: apps and their providers, users, identities,
// sessions. Plain data; the store persists them, auth/ applies the rules.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/object_id.h"

namespace guestpass::core {

// Provider types (a provider's name always equals its type).
inline constexpr std::string_view kAnonUser = "anon-user";
inline constexpr std::string_view kLocalUserpass = "local-userpass";
inline constexpr std::string_view kApiKey = "api-key";
inline constexpr std::string_view kCustomToken = "custom-token";
inline constexpr std::string_view kCustomFunction = "custom-function";

// True for the provider types App Services defined, implemented here or not.
bool IsKnownProviderType(std::string_view type);

struct ProviderConfig {
  ObjectId id;       // the provider's `_id` (identity `provider_id`)
  std::string name;  // equals type
  std::string type;
  bool disabled = false;
  std::string config_json = "{}";           // provider-specific `config` object, as JSON
  std::string metadata_fields_json = "[]";  // `metadata_fields` array, as JSON
  // `secret_config`, as JSON: the names of the app's secrets that hold
  // fields of `config`, in config's shape ({"signingKeys": ["jwt-key"]};
  // auth/providers/secret_config.h). Names only: stored and exported.
  std::string secret_config_json = "{}";
  // `config` with the values of the secrets `secret_config` names in place.
  // Set only in the snapshot the client API serves (admin::ConfigService
  // resolves it when a deployment lands); never stored, exported or shown.
  // Empty: not resolved.
  std::string resolved_config_json{};

  // What a provider works with: the resolved config when there is one, else `config`.
  const std::string& EffectiveConfigJson() const {
    return resolved_config_json.empty() ? config_json : resolved_config_json;
  }
};

// How long anonymous sessions live (the app's `guestpass.json`).
enum class AnonymousSessionExpiry {
  kWhileActive,  // App Services' current behaviour: the refresh token does not
                 // expire (50 years); the inactivity policy ends the user
  kFixed,        // the older behaviour: like any other session
};

// A user's activity (login, refresh, authenticated request) is written at
// most this often, so the store's last_active_at may lag by up to this much.
inline constexpr int64_t kActivityResolutionSeconds = 3600;
// The most days of inactivity a policy may set (10 years).
inline constexpr int64_t kMaxInactiveDays = 3650;

// Refresh-token lifetimes App Services accepts: 30 minutes to 5 years.
inline constexpr int64_t kMinRefreshTokenTtlSeconds = 1800;
inline constexpr int64_t kMaxRefreshTokenTtlSeconds = 5LL * 365 * 24 * 3600;
// An anonymous refresh token that "effectively does not expire" (App Services: 50 years).
inline constexpr int64_t kAnonymousWhileActiveTtlSeconds = 50LL * 365 * 24 * 3600;

struct AppSettings {
  // Refresh-token (session) lifetime. App Services default: 60 days.
  int64_t refresh_token_ttl_seconds = 60LL * 24 * 3600;
  std::string deployment_model = "GLOBAL";
  std::string location = "US-VA";
  AnonymousSessionExpiry anonymous_session_expiry = AnonymousSessionExpiry::kWhileActive;
  // Anonymous sign-ups per client address: refill per hour and burst;
  // 0 = unlimited; unset = the server's default (--signups-per-hour).
  std::optional<double> anonymous_signups_per_hour;
  std::optional<double> anonymous_signup_burst;
  // Anonymous users with no activity for this many days are deleted by the
  // inactivity job; 0 = never. App Services: 90.
  int64_t anonymous_inactive_days = 90;
  // Most anonymous users the app may have alive at once; 0 = no cap.
  int64_t anonymous_user_cap = 0;
  // The deployment configuration's "Disable Drafts": the UI then deploys each
  // Save at once. Not part of the app's configuration files or deployments.
  bool ui_drafts_disabled = false;

  // The lifetime of a new session whose login identity has `provider_type`.
  int64_t SessionTtlSeconds(std::string_view provider_type) const;
};

// The client app id of the admin domain: the app whose users are the
// Admin API's administrators. Not a valid client app id ('_'), so no import
// or create can take it, and the client API never serves it.
inline constexpr std::string_view kAdminDomainClientAppId = "__guestpass_admin";

struct App {
  ObjectId id;                // internal id; the tokens' `baas_domain_id`
  std::string client_app_id;  // the id clients put in URLs, e.g. "myapp-abcde"
  std::string name;
  std::vector<ProviderConfig> providers;
  AppSettings settings;
  int64_t created_at = 0;

  // Returns the provider with that name, or nullptr.
  const ProviderConfig* FindProvider(std::string_view name) const;
};

struct Identity {
  std::string id;  // provider-specific identity id
  std::string provider_type;
  ObjectId provider_id;
};

struct User {
  ObjectId id;
  ObjectId app_id;
  std::string type = "normal";
  std::vector<Identity> identities;  // in link order
  std::string data_json = "{}";      // profile `data` object, as JSON
  int64_t created_at = 0;
  int64_t last_active_at = 0;
  bool disabled = false;

  // An anonymous user has identities and all of them are anon-user ones.
  bool IsAnonymous() const;
};

using SecretHash = std::array<uint8_t, 32>;

// An API key of the `api-key` provider. The key itself is shown once, at
// creation; only its SHA-256 is kept. A user API key belongs to the user who
// created it; logging in with it opens a session of that user.
struct ApiKey {
  ObjectId id;  // `_id`; also the api-key identity id once linked
  ObjectId app_id;
  ObjectId user_id;  // owner
  std::string name;
  SecretHash key_hash{};
  bool disabled = false;
  int64_t created_at = 0;
};

// An email/password (local-userpass) account. Its id is the identity id; the
// user is created at its first login (or it is linked to an existing user).
struct UserpassAccount {
  ObjectId id;
  ObjectId app_id;
  std::string email;          // normalised: trimmed, lowercase
  std::string password_hash;  // Argon2id, encoded
  bool confirmed = false;
  int64_t created_at = 0;
};

enum class UserpassTokenPurpose { kConfirm, kReset };

// A confirmation or password-reset token (`token` and `tokenId` in the
// client API). Only the token's SHA-256 is kept.
struct UserpassToken {
  ObjectId id;  // tokenId
  ObjectId account_id;
  UserpassTokenPurpose purpose = UserpassTokenPurpose::kConfirm;
  SecretHash token_hash{};
  int64_t expires_at = 0;
  std::string pending_password_hash;  // reset/call: the password to set once the reset is approved
};

// At most this many API keys per user (App Services' limit).
inline constexpr size_t kMaxApiKeysPerUser = 20;
// At most this many server API keys per app (App Services' limit). A server
// key is one an administrator made: it logs in to a user of its own, of
// type kServerUserType, made with it.
inline constexpr size_t kMaxServerApiKeysPerApp = 100;
inline constexpr std::string_view kServerUserType = "server";

// Who deletes a user and why; the store keeps it as an AuditEvent written in
// the same transaction as the deletion.
struct Deletion {
  int64_t at = 0;
  std::string actor;   // "user" (self), "system:inactivity", "cli:<login>", ...
  std::string reason;  // human-readable
};

// A recorded deletion (or, later, other administrative change).
struct AuditEvent {
  int64_t seq = 0;  // store-assigned, increasing
  ObjectId app_id;
  int64_t at = 0;
  std::string action;  // "user.delete"
  ObjectId user_id;
  std::string actor;
  std::string reason;
  std::vector<std::string> providers;  // provider types of the deleted user's identities
};

inline constexpr std::string_view kAuditUserDelete = "user.delete";

// A login session: what a refresh token stands for. Only the hash of the
// refresh token's secret is kept.
struct Session {
  ObjectId id;  // the refresh token's `baas_id`
  ObjectId user_id;
  SecretHash secret_hash{};
  int64_t created_at = 0;
  int64_t expires_at = 0;
  ObjectId device_id;       // zero when the client sent no device info
  std::string device_json;  // options.device as sent (minus deviceId), or ""
};

// ---- Configuration changes (the Admin API's drafts and deployments) ----

// An app's undeployed changes: the whole configuration as it would deploy.
// An app has at most one draft at a time.
struct Draft {
  ObjectId id;
  ObjectId app_id;
  ObjectId author_id;  // the admin user who opened it
  int64_t created_at = 0;
  App app;             // the app as the draft would deploy it
};

enum class DeploymentStatus { kSuccessful, kFailed };

// One attempt to change an app's deployed configuration. A failed one
// changed nothing; its error says why.
struct Deployment {
  ObjectId id;
  ObjectId app_id;
  std::string name;    // the deployer's name for it; defaults to the id's hex
  ObjectId draft_id;   // the draft it deployed; zero when none
  ObjectId author_id;  // the admin user; zero for the server itself (--app-dir import)
  std::string origin;  // "UI", "API", "CLI", "import", "redeploy" ...
  DeploymentStatus status = DeploymentStatus::kSuccessful;
  std::string error;   // status_error_message of a failed deployment
  int64_t deployed_at = 0;
  std::string config_json;  // the configuration it deployed (store/app_codec.h), for redeploys and diffs
};

inline constexpr std::string_view kAuditAppDelete = "app.delete";

// One entry of an app's log (the Admin API's GET .../logs): a client
// authentication event (type "AUTH": login, logout, failures) or an
// administrator's action ("ADMIN"). Its id is time-ordered.
struct LogEvent {
  ObjectId id;
  ObjectId app_id;
  std::string type;  // "AUTH" or "ADMIN"
  bool error = false;
  ObjectId user_id;  // the app user, or the administrator; zero when none
  int64_t at_ms = 0;  // when the request started, Unix milliseconds
  std::string entry_json = "{}";  // the rest of the entry (request, status, error, auth_event ...)
};

// A named secret of an app (the Admin API's /secrets): provider configs
// refer to it by name. Its value is stored sealed (crypto/secret_box.h)
// and never shown again.
struct Secret {
  ObjectId id;
  ObjectId app_id;
  std::string name;
  std::string sealed_value;  // nonce || ciphertext || tag, bound to app and id
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// A token signing key as the store keeps it: its secret sealed under the
// master key (crypto::SecretBox, bound to "signing-key:" + kid). Every key
// verifies; the one that signs is the newest whose active_from has come, so
// a rotation names a moment after every server has read the new key.
struct StoredSigningKey {
  std::string kid;  // lowercase hex, unique
  std::string alg = "HS256";
  std::string sealed_secret;
  int64_t created_at = 0;   // seconds
  int64_t active_from = 0;  // seconds: signs new tokens from then on
};

}  // namespace guestpass::core
