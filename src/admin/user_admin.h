// user_admin.h: an app's users as administrators manage them (the Admin
// API's /users, /user_registrations and /api_keys routes, the CLI's `users`
// commands, the UI's Users page): keyset pages with filters, counts, one
// user, deletion, disable and enable, logout everywhere; email/password
// users made by an administrator, pending registrations, and server API
// keys (each logs in to a user of type "server" made with it). Blocks on
// the store: run it on admin::Worker.
#pragma once

#include <string>
#include <vector>

#include "admin/config_service.h"
#include "auth/providers/local_userpass/userpass_service.h"
#include "core/clock.h"
#include "core/model.h"
#include "core/object_id.h"
#include "core/random.h"
#include "crypto/password_hasher.h"
#include "store/store.h"

namespace guestpass::admin {

// At most this many users per page (App Services: 50).
inline constexpr size_t kUserPageLimit = 50;
// A user's devices: at most this many of its newest live sessions.
inline constexpr size_t kUserDevicesLimit = 100;

// A server API key as the Admin API shows it; `key` only when just made.
struct ServerKey {
  core::ApiKey record;
  std::string key;
};

// What run_confirm did with a pending registration.
enum class ConfirmRun { kConfirmed, kSent };

class UserAdmin {
 public:
  // `userpass` delivers confirmations (send_confirm, run_confirm).
  UserAdmin(store::Store& store, const ConfigService& config, crypto::PasswordHasher& hasher,
            auth::local_userpass::UserpassService& userpass, const core::Clock& clock, core::ObjectIdGenerator& ids,
            core::Random& random)
      : store_(store),
        config_(config),
        hasher_(hasher),
        userpass_(userpass),
        clock_(clock),
        ids_(ids),
        random_(random) {}

  // A page of the query's app's users; `query.limit` is capped at kUserPageLimit.
  // REQUIRES: `query.email`, when set, normalised (local_userpass::NormalizeEmail).
  core::Result<std::vector<core::User>> List(store::Store::UserQuery query) const;
  core::Result<int64_t> Count(const store::Store::UserQuery& query) const;
  // NotFound(UserNotFound) unless the user exists and belongs to the app.
  core::Result<core::User> Get(const core::ObjectId& app_id, const core::ObjectId& user_id) const;
  // Deletes the user with everything of it, recorded as done by `actor`.
  core::Status Delete(const core::ObjectId& app_id, const core::ObjectId& user_id, const Actor& actor);
  // A disabled user's tokens are refused at once and it cannot log in.
  core::Status SetDisabled(const core::ObjectId& app_id, const core::ObjectId& user_id, bool disabled);
  // Ends every session of the user; returns how many.
  core::Result<int64_t> Logout(const core::ObjectId& app_id, const core::ObjectId& user_id);
  // The user's live sessions, newest first, at most kUserDevicesLimit: its
  // devices (device id and the SDK's device info), never a token.
  core::Result<std::vector<core::Session>> Devices(const core::ObjectId& app_id, const core::ObjectId& user_id) const;

  // ---- Email/password users (local-userpass must be enabled) ----
  // A confirmed account and its user, made at once (no confirmation, the
  // user exists before its first login). InvalidArgument for a bad email or
  // a password that is not 6-128 characters; AlreadyExists(AccountNameInUse).
  core::Result<core::User> CreateEmailUser(const core::ObjectId& app_id, const std::string& email,
                                           const std::string& password);
  // Registrations no user has yet (unconfirmed, or confirmed but never
  // logged in), id order, at most kUserPageLimit after `after`.
  core::Result<std::vector<core::UserpassAccount>> ListPending(const core::ObjectId& app_id,
                                                               const core::ObjectId& after) const;
  // Confirms a pending registration by hand (its links stop working).
  // NotFound(UserNotFound) unless the app has an account with that email.
  core::Status ConfirmPending(const core::ObjectId& app_id, const std::string& email);
  // Deletes a pending registration; InvalidArgument once it has a user.
  core::Status DeletePending(const core::ObjectId& app_id, const std::string& email);
  // Sends the confirmation again (the provider's email or webhook).
  // InvalidArgument(UserAlreadyConfirmed) for a confirmed account.
  core::Status SendConfirmation(const core::ObjectId& app_id, const std::string& email);
  // Runs the provider's current confirmation workflow again: autoConfirm
  // confirms, a confirmation webhook is called, else the email is sent.
  core::Result<ConfirmRun> RunConfirmation(const core::ObjectId& app_id, const std::string& email);

  // ---- Server API keys (api-key must be enabled to make one) ----
  core::Result<ServerKey> CreateServerKey(const core::ObjectId& app_id, const std::string& name);
  core::Result<std::vector<core::ApiKey>> ListServerKeys(const core::ObjectId& app_id) const;
  // NotFound(APIKeyNotFound) unless it is one of the app's server keys.
  core::Result<core::ApiKey> GetServerKey(const core::ObjectId& app_id, const core::ObjectId& key_id) const;
  core::Status SetServerKeyDisabled(const core::ObjectId& app_id, const core::ObjectId& key_id, bool disabled);
  // Deletes the key with its server user and the user's sessions.
  core::Status DeleteServerKey(const core::ObjectId& app_id, const core::ObjectId& key_id, const Actor& actor);

 private:
  // The app's deployed provider of that type, enabled: else
  // InvalidArgument(AuthProviderNotFound) "the TYPE provider is not enabled".
  core::Result<core::ProviderConfig> EnabledProvider(const core::App& app, std::string_view type) const;
  // The app's account with that email (normalised); NotFound(UserNotFound).
  core::Result<core::UserpassAccount> Account(const core::ObjectId& app_id, const std::string& email) const;

  store::Store& store_;
  const ConfigService& config_;
  crypto::PasswordHasher& hasher_;
  auth::local_userpass::UserpassService& userpass_;
  const core::Clock& clock_;
  core::ObjectIdGenerator& ids_;
  core::Random& random_;
};

}  // namespace guestpass::admin
