// userpass_config.h: the local-userpass (email/password) provider's `config`
// object, as App Services names it, plus guestpass's replacements for App
// Services functions: webhooks that receive confirmation and reset tokens.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "auth/providers/local_userpass/delivery.h"
#include "core/status.h"

namespace guestpass::auth::local_userpass {

// Confirmation and reset tokens are valid this long (App Services: 30 minutes).
inline constexpr int64_t kTokenTtlSeconds = 30 * 60;

struct UserpassConfig {
  bool auto_confirm = false;           // autoConfirm
  std::string email_confirmation_url;  // emailConfirmationUrl: link base in confirmation emails
  std::string reset_password_url;      // resetPasswordUrl: link base in reset emails
  std::string confirm_email_subject = "Confirm your email address";  // confirmEmailSubject
  std::string reset_password_subject = "Reset your password";        // resetPasswordSubject
  std::string confirmation_webhook_url;                              // instead of confirmationFunctionName
  std::string reset_webhook_url;                                     // instead of resetFunctionName
  std::string webhook_secret;                                        // signs webhook bodies (X-Guestpass-Signature)
  std::optional<SmtpSettings> smtp;                                  // smtp {url, username, password, from, starttls}
};

// Parses and checks the config: a provider that is not autoConfirm needs a
// confirmation webhook or SMTP with emailConfirmationUrl. InvalidArgument
// naming the field otherwise.
core::Result<UserpassConfig> ParseUserpassConfig(std::string_view config_json);

}  // namespace guestpass::auth::local_userpass
