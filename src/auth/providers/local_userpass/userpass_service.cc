// userpass_service.cc: email/password accounts, logins and token delivery.
#include "auth/providers/local_userpass/userpass_service.h"

#include <array>

#include "crypto/digest.h"
#include "crypto/encoding.h"

namespace guestpass::auth::local_userpass {

using core::Code;
using core::ErrorCode;
using core::ObjectId;
using core::Status;
using core::UserpassTokenPurpose;
using nlohmann::json;

namespace {
Status BadInput(std::string msg) { return Status::InvalidArgument(ErrorCode::kInvalidParameter, std::move(msg)); }
Status InvalidToken() { return Status::InvalidArgument(ErrorCode::kUserpassTokenInvalid, "invalid token data"); }
Status WrongPassword() { return Status::Unauthenticated(ErrorCode::kInvalidPassword, "invalid username/password"); }

// The string field `key` of `body`, or nullopt.
std::optional<std::string> StringField(const json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::string WithTokenQuery(const std::string& base, const std::string& token, const std::string& token_id) {
  // The token is base64url and the id hex: neither needs escaping.
  return base + (base.find('?') == std::string::npos ? "?" : "&") + "token=" + token + "&tokenId=" + token_id;
}
}  // namespace

std::string NormalizeEmail(std::string_view email) {
  while (!email.empty() && (email.front() == ' ' || email.front() == '\t')) email.remove_prefix(1);
  while (!email.empty() && (email.back() == ' ' || email.back() == '\t')) email.remove_suffix(1);
  if (email.empty() || email.size() > 254) return "";
  const size_t at = email.find('@');
  if (at == 0 || at == std::string_view::npos || at + 1 == email.size() ||
      email.find('@', at + 1) != std::string_view::npos)
    return "";
  std::string out;
  for (char c : email) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return "";
    out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return out;
}

bool IsAcceptablePassword(std::string_view password) {
  size_t code_points = 0;
  for (char c : password) code_points += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return code_points >= 6 && code_points <= 128;
}

UserpassService::UserpassService(store::Store& store, crypto::PasswordHasher& hasher, Delivery& delivery,
                                 const core::Clock& clock, core::ObjectIdGenerator& ids, core::Random& random)
    : store_(store), hasher_(hasher), delivery_(delivery), clock_(clock), ids_(ids), random_(random) {}

namespace {
constexpr SecretField kSecretFields[] = {{"smtp.password"}, {"webhookSecret"}};
}  // namespace

std::span<const SecretField> UserpassService::SecretFields() const { return kSecretFields; }

Status UserpassService::ValidateConfig(const core::ProviderConfig& config) const {
  return ParseUserpassConfig(config.EffectiveConfigJson()).status();
}

core::Result<std::shared_ptr<const UserpassConfig>> UserpassService::ConfigFor(const core::ProviderConfig& provider) {
  // Keyed by the effective config's text, so a secret's new value is picked up.
  const std::string& config_json = provider.EffectiveConfigJson();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = configs_.find(provider.id);
  if (it != configs_.end() && it->second.first == config_json) return it->second.second;
  auto parsed = ParseUserpassConfig(config_json);
  if (!parsed.ok()) return Status::Internal("local-userpass provider config: " + parsed.status().message());
  auto shared = std::make_shared<const UserpassConfig>(std::move(*parsed));
  configs_[provider.id] = {config_json, shared};
  return shared;
}

UserpassService::NewToken UserpassService::MakeToken(const ObjectId& account_id, UserpassTokenPurpose purpose) {
  std::array<uint8_t, 32> secret;
  random_.Fill(secret);
  NewToken t;
  t.token = crypto::Base64UrlEncode(secret);
  t.record.id = ids_.Next();
  t.record.account_id = account_id;
  t.record.purpose = purpose;
  t.record.token_hash = crypto::Sha256(t.token);
  t.record.expires_at = clock_.NowSeconds() + kTokenTtlSeconds;
  return t;
}

// ---- Login ----

void UserpassService::Verify(const core::App& app, const core::ProviderConfig& provider, const json& credentials,
                             store::Callback<VerifiedIdentity> done) {
  auto username = StringField(credentials, "username");
  auto password = StringField(credentials, "password");
  if (!username || !password)
    return done(Status::InvalidArgument(ErrorCode::kMissingParameter, "expected \"username\" and \"password\""));
  const std::string email = NormalizeEmail(*username);
  const ObjectId provider_id = provider.id;
  store_.GetUserpassAccount(
      app.id, email,
      [this, provider_id, password = *password, done = std::move(done)](core::Result<core::UserpassAccount> a) {
        if (!a.ok()) {
          if (!a.status().IsNotFound()) return done(a.status());
          // Spend the time of a real check, so timing does not reveal
          // which emails are registered.
          return hasher_.VerifyNothing([done](core::Result<bool> checked) {
            done(checked.ok() ? WrongPassword() : checked.status());
          });
        }
        auto account = std::make_shared<core::UserpassAccount>(std::move(*a));
        hasher_.Verify(account->password_hash, password, [account, provider_id, done](core::Result<bool> match) {
          if (!match.ok()) return done(match.status());  // busy: 503, not a wrong password
          if (!*match) return done(WrongPassword());
          if (!account->confirmed) return done(Status::Unauthenticated(ErrorCode::kAuthError, "confirmation required"));
          VerifiedIdentity v;
          v.identity = {account->id.ToHex(), std::string(core::kLocalUserpass), provider_id};
          v.data_json = json{{"email", account->email}}.dump();
          done(std::move(v));
        });
      });
}

// ---- Delivery ----

void UserpassService::PostWebhook(const core::App& app, const UserpassConfig& config, const std::string& url, json body,
                                  std::function<void(core::Result<std::string>)> done) {
  body["app_id"] = app.client_app_id;
  // Messages never name the URL: it may carry credentials.
  delivery_.PostWebhook(
      {url, std::move(body), config.webhook_secret}, [done = std::move(done)](core::Result<WebhookResponse> r) {
        if (!r.ok()) return done(Status::Unavailable("the webhook failed: " + r.status().message()));
        if (r->status < 200 || r->status > 299)
          return done(Status::Unavailable("the webhook answered HTTP " + std::to_string(r->status)));
        const json& b = r->body;
        if (b.is_object() && b.contains("status") && b["status"].is_string()) {
          const std::string status = b["status"];
          if (status == "success" || status == "pending" || status == "fail") return done(status);
        }
        done(Status::Unavailable("the webhook answered without {\"status\": \"success\"|\"pending\"|\"fail\"}"));
      });
}

void UserpassService::DeliverConfirmation(const core::App& app, std::shared_ptr<const UserpassConfig> config,
                                          core::UserpassAccount account, bool via_webhook_only, Done done) {
  NewToken t = MakeToken(account.id, UserpassTokenPurpose::kConfirm);
  const std::string email = account.email;
  const std::string app_name = app.name;
  auto app_copy = std::make_shared<const core::App>(app);
  store_.PutUserpassToken(t.record, [this, app_copy, config, t, email, app_name, via_webhook_only,
                                     done = std::move(done)](Status s) {
    if (!s.ok()) return done(s);
    if (!config->confirmation_webhook_url.empty()) {
      json body = {{"type", "confirm"}, {"email", email}, {"token", t.token}, {"tokenId", t.record.id.ToHex()}};
      return PostWebhook(
          *app_copy, *config, config->confirmation_webhook_url, std::move(body),
          [this, t, email, done](core::Result<std::string> status) {
            if (!status.ok()) return done(status.status());
            if (*status == "pending") return done(Status::Ok());
            if (*status == "fail") {
              // The token dies, so the email can register again.
              return ExpireToken(
                  t.record, Status::InvalidArgument(ErrorCode::kBadRequest, "failed to confirm user \"" + email + "\""),
                  done);
            }
            store_.UseUserpassToken(t.record.id, t.record.token_hash, UserpassTokenPurpose::kConfirm, "",
                                    clock_.NowSeconds(),
                                    [done](core::Result<core::UserpassAccount> a) { done(a.status()); });
          });
    }
    if (via_webhook_only)
      return done(BadInput("no confirmation webhook is configured (config.confirmationWebhookUrl)"));
    Email message{email, config->confirm_email_subject,
                  "Confirm your email address for " + app_name + " by opening this link within 30 minutes:\n\n" +
                      WithTokenQuery(config->email_confirmation_url, t.token, t.record.id.ToHex()) + "\n"};
    delivery_.SendEmail(*config->smtp, std::move(message), [done](Status sent) {
      if (!sent.ok())
        return done(Status::Unavailable("the confirmation email could not be sent; retry with confirm/send: " +
                                        sent.message()));
      done(Status::Ok());
    });
  });
}

void UserpassService::ExpireToken(const core::UserpassToken& token, Status result, Done done) {
  core::UserpassToken expired = token;
  expired.expires_at = 0;
  expired.pending_password_hash.clear();
  store_.PutUserpassToken(
      expired, [result = std::move(result), done = std::move(done)](Status s) { done(s.ok() ? result : s); });
}

// ---- Account operations ----

void UserpassService::Register(const core::App& app, const core::ProviderConfig& provider, const json& body,
                               Done done) {
  auto raw_email = StringField(body, "email");
  auto password = StringField(body, "password");
  if (!raw_email || !password)
    return done(Status::InvalidArgument(ErrorCode::kMissingParameter, "expected \"email\" and \"password\""));
  const std::string email = NormalizeEmail(*raw_email);
  if (email.empty()) return done(BadInput("invalid email address"));
  if (!IsAcceptablePassword(*password)) return done(BadInput("password must be between 6 and 128 characters"));
  auto config = ConfigFor(provider);
  if (!config.ok()) return done(config.status());
  auto app_copy = std::make_shared<const core::App>(app);
  hasher_.Hash(*password,
               [this, app_copy, config = *config, email, done = std::move(done)](core::Result<std::string> hash) {
                 if (!hash.ok()) return done(hash.status());
                 core::UserpassAccount account;
                 account.id = ids_.Next();
                 account.app_id = app_copy->id;
                 account.email = email;
                 account.password_hash = std::move(*hash);
                 account.confirmed = config->auto_confirm;
                 account.created_at = clock_.NowSeconds();
                 store_.CreateUserpassAccount(account, std::nullopt, clock_.NowSeconds(),
                                              [this, app_copy, config, account, done](Status s) {
                                                if (!s.ok() || config->auto_confirm) return done(s);
                                                DeliverConfirmation(*app_copy, config, account, false, done);
                                              });
               });
}

void UserpassService::Confirm(const core::App&, const core::ProviderConfig&, const json& body, Done done) {
  auto token = StringField(body, "token");
  auto token_id = StringField(body, "tokenId");
  if (!token || !token_id) return done(InvalidToken());
  auto id = ObjectId::FromHex(*token_id);
  if (!id) return done(InvalidToken());
  store_.UseUserpassToken(*id, crypto::Sha256(*token), UserpassTokenPurpose::kConfirm, "", clock_.NowSeconds(),
                          [done = std::move(done)](core::Result<core::UserpassAccount> a) {
                            if (!a.ok()) return done(a.status().IsNotFound() ? InvalidToken() : a.status());
                            done(Status::Ok());
                          });
}

void UserpassService::ResendConfirmation(const core::App& app, const core::ProviderConfig& provider, const json& body,
                                         Done done) {
  Reconfirm(app, provider, body, /*via_webhook_only=*/false, std::move(done));
}

void UserpassService::RetryCustomConfirmation(const core::App& app, const core::ProviderConfig& provider,
                                              const json& body, Done done) {
  Reconfirm(app, provider, body, /*via_webhook_only=*/true, std::move(done));
}

void UserpassService::Reconfirm(const core::App& app, const core::ProviderConfig& provider, const json& body,
                                bool via_webhook_only, Done done) {
  auto email = StringField(body, "email");
  if (!email) return done(Status::InvalidArgument(ErrorCode::kMissingParameter, "expected \"email\""));
  auto config = ConfigFor(provider);
  if (!config.ok()) return done(config.status());
  auto app_copy = std::make_shared<const core::App>(app);
  store_.GetUserpassAccount(
      app.id, NormalizeEmail(*email),
      [this, app_copy, config = *config, via_webhook_only,
       done = std::move(done)](core::Result<core::UserpassAccount> a) {
        if (!a.ok()) return done(a.status());
        if (a->confirmed) return done(Status::InvalidArgument(ErrorCode::kUserAlreadyConfirmed, "already confirmed"));
        DeliverConfirmation(*app_copy, config, std::move(*a), via_webhook_only, done);
      });
}

void UserpassService::SendReset(const core::App& app, const core::ProviderConfig& provider, const json& body,
                                Done done) {
  auto email = StringField(body, "email");
  if (!email) return done(Status::InvalidArgument(ErrorCode::kMissingParameter, "expected \"email\""));
  auto config = ConfigFor(provider);
  if (!config.ok()) return done(config.status());
  const bool by_email = (*config)->smtp && !(*config)->reset_password_url.empty();
  if (!by_email && (*config)->reset_webhook_url.empty())
    return done(BadInput("password reset is not configured (config.smtp with resetPasswordUrl, or resetWebhookUrl)"));
  auto app_copy = std::make_shared<const core::App>(app);
  store_.GetUserpassAccount(
      app.id, NormalizeEmail(*email),
      [this, app_copy, config = *config, by_email, done = std::move(done)](core::Result<core::UserpassAccount> a) {
        if (!a.ok()) return done(a.status());
        NewToken t = MakeToken(a->id, UserpassTokenPurpose::kReset);
        const std::string email = a->email;
        store_.PutUserpassToken(t.record, [this, app_copy, config, by_email, t, email, done](Status s) {
          if (!s.ok()) return done(s);
          if (by_email) {
            Email message{email, config->reset_password_subject,
                          "Reset your password for " + app_copy->name + " by opening this link within 30 minutes:\n\n" +
                              WithTokenQuery(config->reset_password_url, t.token, t.record.id.ToHex()) + "\n"};
            return delivery_.SendEmail(*config->smtp, std::move(message), [done](Status sent) {
              if (!sent.ok()) return done(Status::Unavailable("the reset email could not be sent: " + sent.message()));
              done(Status::Ok());
            });
          }
          json body = {{"type", "reset"}, {"email", email}, {"token", t.token}, {"tokenId", t.record.id.ToHex()}};
          PostWebhook(*app_copy, *config, config->reset_webhook_url, std::move(body),
                      [this, t, email, done](core::Result<std::string> status) {
                        if (!status.ok()) return done(status.status());
                        if (*status == "fail") {
                          return ExpireToken(
                              t.record,
                              Status::InvalidArgument(ErrorCode::kBadRequest,
                                                      "failed to reset password for user \"" + email + "\""),
                              done);
                        }
                        done(Status::Ok());  // delivered; the user resets with the token
                      });
        });
      });
}

void UserpassService::Reset(const core::App&, const core::ProviderConfig&, const json& body, Done done) {
  auto token = StringField(body, "token");
  auto token_id = StringField(body, "tokenId");
  auto password = StringField(body, "password");
  if (!password) return done(Status::InvalidArgument(ErrorCode::kMissingParameter, "expected \"password\""));
  if (!IsAcceptablePassword(*password)) return done(BadInput("password must be between 6 and 128 characters"));
  if (!token || !token_id) return done(InvalidToken());
  auto id = ObjectId::FromHex(*token_id);
  if (!id) return done(InvalidToken());
  const core::SecretHash token_hash = crypto::Sha256(*token);
  hasher_.Hash(*password, [this, id = *id, token_hash, done = std::move(done)](core::Result<std::string> hash) {
    if (!hash.ok()) return done(hash.status());
    store_.UseUserpassToken(id, token_hash, UserpassTokenPurpose::kReset, std::move(*hash), clock_.NowSeconds(),
                            [done](core::Result<core::UserpassAccount> a) {
                              if (!a.ok()) return done(a.status().IsNotFound() ? InvalidToken() : a.status());
                              done(Status::Ok());
                            });
  });
}

void UserpassService::CallReset(const core::App& app, const core::ProviderConfig& provider, const json& body,
                                Done done) {
  auto email = StringField(body, "email");
  auto password = StringField(body, "password");
  if (!email || !password)
    return done(Status::InvalidArgument(ErrorCode::kMissingParameter, "expected \"email\" and \"password\""));
  if (!IsAcceptablePassword(*password)) return done(BadInput("password must be between 6 and 128 characters"));
  auto config = ConfigFor(provider);
  if (!config.ok()) return done(config.status());
  if ((*config)->reset_webhook_url.empty())
    return done(BadInput("no reset webhook is configured (config.resetWebhookUrl)"));
  json arguments = body.contains("arguments") ? body["arguments"] : json::array();
  auto app_copy = std::make_shared<const core::App>(app);
  store_.GetUserpassAccount(
      app.id, NormalizeEmail(*email),
      [this, app_copy, config = *config, password = *password, arguments,
       done = std::move(done)](core::Result<core::UserpassAccount> a) {
        if (!a.ok()) return done(a.status());
        auto account = std::make_shared<core::UserpassAccount>(std::move(*a));
        hasher_.Hash(password, [this, app_copy, config, account, arguments, done](core::Result<std::string> hash) {
          if (!hash.ok()) return done(hash.status());
          NewToken t = MakeToken(account->id, UserpassTokenPurpose::kReset);
          t.record.pending_password_hash = std::move(*hash);
          store_.PutUserpassToken(t.record, [this, app_copy, config, account, arguments, t, done](Status s) {
            if (!s.ok()) return done(s);
            json body = {{"type", "reset"},
                         {"email", account->email},
                         {"token", t.token},
                         {"tokenId", t.record.id.ToHex()},
                         {"arguments", arguments}};
            PostWebhook(*app_copy, *config, config->reset_webhook_url, std::move(body),
                        [this, t, account, done](core::Result<std::string> status) {
                          if (!status.ok()) return done(status.status());
                          if (*status == "pending") return done(Status::Ok());
                          if (*status == "fail") {
                            // The refused reset's token must not work later.
                            return ExpireToken(
                                t.record,
                                Status::InvalidArgument(ErrorCode::kBadRequest,
                                                        "failed to reset password for user \"" + account->email + "\""),
                                done);
                          }
                          store_.UseUserpassToken(t.record.id, t.record.token_hash, UserpassTokenPurpose::kReset, "",
                                                  clock_.NowSeconds(),
                                                  [done](core::Result<core::UserpassAccount> r) { done(r.status()); });
                        });
          });
        });
      });
}

}  // namespace guestpass::auth::local_userpass
