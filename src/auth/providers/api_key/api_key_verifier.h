// api_key_verifier.h: the api-key provider's login: `{"key": K}`. A key is 64
// characters: its id (24 hex digits) followed by 40 characters of secret; the
// store holds only the SHA-256 of the whole key. A user API key logs in to the
// user who created it.
#pragma once

#include <string>
#include <string_view>

#include "auth/providers/credential_verifier.h"
#include "core/object_id.h"
#include "core/random.h"

namespace guestpass::auth {

// Makes a new key string for `key_id`.
std::string MakeApiKeySecret(const core::ObjectId& key_id, core::Random& random);
// The key id a key string names, or nullopt if it is not shaped like a key.
std::optional<core::ObjectId> ApiKeyIdOf(std::string_view key);

class ApiKeyVerifier final : public CredentialVerifier {
 public:
  explicit ApiKeyVerifier(store::Store& store) : store_(store) {}
  void Verify(const core::App& app, const core::ProviderConfig& provider, const nlohmann::json& credentials,
              store::Callback<VerifiedIdentity> done) override;

 private:
  store::Store& store_;
};

}  // namespace guestpass::auth
