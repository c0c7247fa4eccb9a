// userpass_config.cc: parsing the local-userpass provider config.
#include "auth/providers/local_userpass/userpass_config.h"

#include <nlohmann/json.hpp>

#include "core/json_text.h"

namespace guestpass::auth::local_userpass {

using core::ErrorCode;
using core::Status;
using nlohmann::json;

namespace {
Status Bad(const std::string& field, const std::string& what) {
  return Status::InvalidArgument(ErrorCode::kInvalidParameter, "config." + field + " " + what);
}

Status ReadString(const json& doc, const char* key, std::string* out) {
  auto it = doc.find(key);
  if (it == doc.end() || it->is_null()) return Status::Ok();
  if (!it->is_string()) return Bad(key, "must be a string");
  *out = it->get<std::string>();
  return Status::Ok();
}

Status ReadUrl(const json& doc, const char* key, std::string* out) {
  if (Status s = ReadString(doc, key, out); !s.ok()) return s;
  if (!out->empty() && out->rfind("http://", 0) != 0 && out->rfind("https://", 0) != 0)
    return Bad(key, "must be an http:// or https:// URL");
  return Status::Ok();
}
}  // namespace

core::Result<UserpassConfig> ParseUserpassConfig(std::string_view config_json) {
  if (!core::JsonNestingWithin(config_json)) return Bad("", "nests too deeply");
  json doc = json::parse(config_json, nullptr, false);
  if (!doc.is_object()) return Bad("", "must be an object");
  UserpassConfig c;
  if (auto it = doc.find("autoConfirm"); it != doc.end()) {
    if (!it->is_boolean()) return Bad("autoConfirm", "must be true or false");
    c.auto_confirm = it->get<bool>();
  }
  for (auto [key, out] : {std::pair{"emailConfirmationUrl", &c.email_confirmation_url},
                          std::pair{"resetPasswordUrl", &c.reset_password_url},
                          std::pair{"confirmationWebhookUrl", &c.confirmation_webhook_url},
                          std::pair{"resetWebhookUrl", &c.reset_webhook_url}}) {
    if (Status s = ReadUrl(doc, key, out); !s.ok()) return s;
  }
  for (auto [key, out] :
       {std::pair{"confirmEmailSubject", &c.confirm_email_subject},
        std::pair{"resetPasswordSubject", &c.reset_password_subject}, std::pair{"webhookSecret", &c.webhook_secret}}) {
    if (Status s = ReadString(doc, key, out); !s.ok()) return s;
  }
  if (auto it = doc.find("smtp"); it != doc.end() && !it->is_null()) {
    auto smtp = ParseSmtpSettings(*it);
    if (!smtp.ok()) return Bad("smtp", smtp.status().message());
    c.smtp = std::move(*smtp);
  }
  if (!c.auto_confirm && c.confirmation_webhook_url.empty() && (!c.smtp || c.email_confirmation_url.empty()))
    return Bad("autoConfirm",
               "is false, so confirmations need confirmationWebhookUrl, or smtp with emailConfirmationUrl");
  return c;
}

}  // namespace guestpass::auth::local_userpass
