// custom_token_provider.cc: custom JWT logins.
#include "auth/providers/custom_token/custom_token_provider.h"

namespace guestpass::auth {

using core::ErrorCode;
using core::Status;

namespace {
constexpr SecretField kSecretFields[] = {{"signingKeys", /*list=*/true}};
}  // namespace

std::span<const SecretField> CustomTokenProvider::SecretFields() const { return kSecretFields; }

core::Result<std::shared_ptr<const custom_token::CustomTokenConfig>> CustomTokenProvider::ConfigFor(
    const core::ProviderConfig& provider) {
  // Keyed by the effective config's text: a secret's new value (a new
  // snapshot) is a new text, so the next login parses the new keys.
  const std::string& config_json = provider.EffectiveConfigJson();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = configs_.find(provider.id);
  if (it != configs_.end() && it->second.config_json == config_json &&
      it->second.metadata_fields_json == provider.metadata_fields_json)
    return it->second.parsed;
  auto parsed = custom_token::ParseConfig(config_json, provider.metadata_fields_json);
  if (!parsed.ok()) return Status::Internal("custom-token provider config: " + parsed.status().message());
  auto shared = std::make_shared<const custom_token::CustomTokenConfig>(std::move(*parsed));
  configs_[provider.id] = {config_json, provider.metadata_fields_json, shared};
  return shared;
}

Status CustomTokenProvider::ValidateConfig(const core::ProviderConfig& config) const {
  return custom_token::ParseConfig(config.EffectiveConfigJson(), config.metadata_fields_json).status();
}

void CustomTokenProvider::Verify(const core::App&, const core::ProviderConfig& provider,
                                 const nlohmann::json& credentials, store::Callback<VerifiedIdentity> done) {
  auto token = credentials.find("token");
  if (token == credentials.end() || !token->is_string())
    return done(Status::InvalidArgument(ErrorCode::kMissingParameter, "expected the JWT in \"token\""));
  auto config = ConfigFor(provider);
  if (!config.ok()) return done(config.status());
  const core::ObjectId provider_id = provider.id;
  verifier_.Verify(
      **config, token->get<std::string>(),
      [provider_id, done = std::move(done)](core::Result<custom_token::VerifiedToken> r) {
        if (!r.ok()) {
          const Status& s = r.status();
          // A token that does not verify is a failed login (401
          // AuthError), never InvalidSession.
          if (s.code() == core::Code::kInvalidArgument || s.code() == core::Code::kPermissionDenied)
            return done(Status::Unauthenticated(ErrorCode::kAuthError, "invalid custom JWT: " + s.message()));
          return done(s);
        }
        VerifiedIdentity v;
        v.identity = {r->subject, std::string(core::kCustomToken), provider_id};
        v.data_json = r->data_json;
        done(std::move(v));
      });
}

}  // namespace guestpass::auth
