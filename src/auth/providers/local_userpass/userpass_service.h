// userpass_service.h: the email/password (local-userpass) provider: the
// login verifier and the account operations of client-api.md section 11
// (register, confirm, resend confirmation, retry custom confirmation, send
// reset, reset, call reset). Passwords are hashed with Argon2id on the
// PasswordHasher's threads; confirmation and reset tokens reach the user by
// SMTP email or a webhook (Delivery). Tokens and passwords are never logged.
//
// Webhooks replace App Services' confirmation and reset functions. guestpass
// POSTs {"type": "confirm"|"reset", "app_id", "email", "token", "tokenId"}
// (reset/call adds "arguments") and reads {"status": "success"|"pending"|"fail"}:
// success confirms (or resets) at once, pending waits for a call to confirm
// (or reset) with the token, fail refuses the request.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "auth/providers/local_userpass/delivery.h"
#include "auth/providers/local_userpass/userpass_config.h"
#include "auth/providers/provider.h"
#include "core/clock.h"
#include "core/object_id.h"
#include "core/random.h"
#include "crypto/password_hasher.h"
#include "store/store.h"

namespace guestpass::auth::local_userpass {

// Trims and lowercases; returns "" for something that is not an email address.
std::string NormalizeEmail(std::string_view email);
// 6 to 128 characters (Unicode code points).
bool IsAcceptablePassword(std::string_view password);

class UserpassService final : public Provider {
 public:
  UserpassService(store::Store& store, crypto::PasswordHasher& hasher, Delivery& delivery, const core::Clock& clock,
                  core::ObjectIdGenerator& ids, core::Random& random);

  std::string_view type() const override { return core::kLocalUserpass; }
  // smtp.password and webhookSecret: secret_config
  // {"smtp": {"password": NAME}, "webhookSecret": NAME}.
  std::span<const SecretField> SecretFields() const override;
  // ParseUserpassConfig of the effective config (secrets resolved): its
  // InvalidArgument names the field ("config.autoConfirm is false, so ...").
  core::Status ValidateConfig(const core::ProviderConfig& config) const override;

  // Login: {"username": email, "password": P}. Unknown email or wrong password:
  // Unauthenticated(InvalidPassword); unconfirmed: Unauthenticated(AuthError).
  void Verify(const core::App& app, const core::ProviderConfig& provider, const nlohmann::json& credentials,
              store::Callback<VerifiedIdentity> done) override;

  using Done = std::function<void(core::Status)>;
  // Each takes the request body. Errors as App Services: AccountNameInUse,
  // UserNotFound, UserAlreadyConfirmed, UserpassTokenInvalid ("invalid token
  // data"), BadRequest ("failed to confirm user ..."), InvalidParameter.
  void Register(const core::App& app, const core::ProviderConfig& provider, const nlohmann::json& body, Done done);
  void Confirm(const core::App& app, const core::ProviderConfig& provider, const nlohmann::json& body, Done done);
  void ResendConfirmation(const core::App& app, const core::ProviderConfig& provider, const nlohmann::json& body,
                          Done done);
  void RetryCustomConfirmation(const core::App& app, const core::ProviderConfig& provider, const nlohmann::json& body,
                               Done done);
  void SendReset(const core::App& app, const core::ProviderConfig& provider, const nlohmann::json& body, Done done);
  void Reset(const core::App& app, const core::ProviderConfig& provider, const nlohmann::json& body, Done done);
  void CallReset(const core::App& app, const core::ProviderConfig& provider, const nlohmann::json& body, Done done);

 private:
  core::Result<std::shared_ptr<const UserpassConfig>> ConfigFor(const core::ProviderConfig& provider);
  struct NewToken {
    core::UserpassToken record;
    std::string token;  // what the user gets
  };
  // confirm/send and confirm/call: a new confirmation for a pending account.
  void Reconfirm(const core::App& app, const core::ProviderConfig& provider, const nlohmann::json& body,
                 bool via_webhook_only, Done done);
  NewToken MakeToken(const core::ObjectId& account_id, core::UserpassTokenPurpose purpose);
  // Sends a confirmation for `account` by webhook or email; `via_webhook_only`
  // for confirm/call. done(OK) once delivered (and confirmed, if the webhook
  // said success).
  void DeliverConfirmation(const core::App& app, std::shared_ptr<const UserpassConfig> config,
                           core::UserpassAccount account, bool via_webhook_only, Done done);
  // Replaces `token` by an expired copy (it can no longer be used), then
  // calls done(result).
  void ExpireToken(const core::UserpassToken& token, core::Status result, Done done);
  void PostWebhook(const core::App& app, const UserpassConfig& config, const std::string& url, nlohmann::json body,
                   std::function<void(core::Result<std::string>)> done);

  store::Store& store_;
  crypto::PasswordHasher& hasher_;
  Delivery& delivery_;
  const core::Clock& clock_;
  core::ObjectIdGenerator& ids_;
  core::Random& random_;
  std::mutex mu_;  // guards configs_
  std::unordered_map<core::ObjectId, std::pair<std::string, std::shared_ptr<const UserpassConfig>>> configs_;
};

}  // namespace guestpass::auth::local_userpass
