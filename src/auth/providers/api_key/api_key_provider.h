// api_key_provider.h: the api-key provider's login: `{"key": K}`. A key is 64
// characters: its id (24 hex digits) followed by 40 characters of secret; the
// store holds only the SHA-256 of the whole key. A user API key logs in to the
// user who created it. The provider has no config options.
#pragma once

#include <string>
#include <string_view>

#include "auth/providers/provider.h"
#include "core/object_id.h"
#include "core/random.h"

namespace guestpass::auth {

// Makes a new key string for `key_id`.
std::string MakeApiKeySecret(const core::ObjectId& key_id, core::Random& random);
// InvalidArgument(InvalidParameter) unless `name` is 1 to 128 characters
// without control characters.
core::Status ValidateApiKeyName(const std::string& name);
// The key id a key string names, or nullopt if it is not shaped like a key.
std::optional<core::ObjectId> ApiKeyIdOf(std::string_view key);

class ApiKeyProvider final : public Provider {
 public:
  explicit ApiKeyProvider(store::Store& store) : store_(store) {}
  std::string_view type() const override { return core::kApiKey; }
  // No options: any JSON object (usually {}); InvalidArgument otherwise.
  core::Status ValidateConfig(const core::ProviderConfig& config) const override;
  void Verify(const core::App& app, const core::ProviderConfig& provider, const nlohmann::json& credentials,
              store::Callback<VerifiedIdentity> done) override;

 private:
  store::Store& store_;
};

}  // namespace guestpass::auth
