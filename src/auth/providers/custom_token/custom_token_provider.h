// custom_token_provider.h: the custom-token (Custom JWT) provider's login:
// `{"token": JWT}` verified by custom_token::Verifier against the provider's
// config; the identity id is the token's `sub`, the user data the mapped
// metadata fields. Its config is checked by custom_token::ParseConfig; parsed
// configs are cached per provider.
#pragma once

#include <memory>
#include <mutex>
#include <unordered_map>

#include "auth/providers/custom_token/config.h"
#include "auth/providers/custom_token/verifier.h"
#include "auth/providers/provider.h"

namespace guestpass::auth {

class CustomTokenProvider final : public Provider {
 public:
  // `verifier` must outlive this object.
  explicit CustomTokenProvider(custom_token::Verifier& verifier) : verifier_(verifier) {}
  std::string_view type() const override { return core::kCustomToken; }
  // signingKeys: App Services' secret_config {"signingKeys": [secret names]}.
  std::span<const SecretField> SecretFields() const override;
  // custom_token::ParseConfig of the effective config (signingKeys resolved
  // from their secrets) and `metadata_fields`: its InvalidArgument names the
  // field ("signingKeys must list ...").
  core::Status ValidateConfig(const core::ProviderConfig& config) const override;
  void Verify(const core::App& app, const core::ProviderConfig& provider, const nlohmann::json& credentials,
              store::Callback<VerifiedIdentity> done) override;

 private:
  core::Result<std::shared_ptr<const custom_token::CustomTokenConfig>> ConfigFor(const core::ProviderConfig& provider);

  custom_token::Verifier& verifier_;
  struct Cached {
    std::string config_json;
    std::string metadata_fields_json;
    std::shared_ptr<const custom_token::CustomTokenConfig> parsed;
  };
  std::mutex mu_;                                       // guards configs_
  std::unordered_map<core::ObjectId, Cached> configs_;  // by provider id
};

}  // namespace guestpass::auth
