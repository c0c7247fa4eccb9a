// api_key_provider.cc: API key format and verification.
#include "auth/providers/api_key/api_key_provider.h"

#include <array>

#include "crypto/digest.h"
#include "crypto/encoding.h"

namespace guestpass::auth {

using core::ErrorCode;
using core::Status;

namespace {
constexpr size_t kKeyLength = 64;  // 24 hex digits of id + 40 characters of secret
Status BadKey() { return Status::Unauthenticated(ErrorCode::kAuthError, "invalid API key"); }
}  // namespace

std::string MakeApiKeySecret(const core::ObjectId& key_id, core::Random& random) {
  std::array<uint8_t, 30> secret;
  random.Fill(secret);
  return key_id.ToHex() + crypto::Base64UrlEncode(secret);  // 24 + 40 characters
}

Status ValidateApiKeyName(const std::string& name) {
  if (name.empty() || name.size() > 128)
    return Status::InvalidArgument(ErrorCode::kInvalidParameter, "API key name must be 1 to 128 characters");
  for (char c : name) {
    if (static_cast<unsigned char>(c) < 0x20)
      return Status::InvalidArgument(ErrorCode::kInvalidParameter, "API key name must not contain control characters");
  }
  return Status::Ok();
}

std::optional<core::ObjectId> ApiKeyIdOf(std::string_view key) {
  if (key.size() != kKeyLength) return std::nullopt;
  return core::ObjectId::FromHex(key.substr(0, 24));
}

Status ApiKeyProvider::ValidateConfig(const core::ProviderConfig& config) const {
  return ValidateConfigWithoutOptions(config);
}

void ApiKeyProvider::Verify(const core::App& app, const core::ProviderConfig& provider,
                            const nlohmann::json& credentials, store::Callback<VerifiedIdentity> done) {
  auto it = credentials.find("key");
  if (it == credentials.end() || !it->is_string())
    return done(Status::InvalidArgument(ErrorCode::kMissingParameter, "expected the API key in \"key\""));
  const std::string key = it->get<std::string>();
  auto key_id = ApiKeyIdOf(key);
  if (!key_id) return done(BadKey());
  const core::ObjectId app_id = app.id;
  const core::ObjectId provider_id = provider.id;
  store_.GetApiKey(*key_id, [key, app_id, provider_id, done = std::move(done)](core::Result<core::ApiKey> r) {
    if (!r.ok()) return done(r.status().IsNotFound() ? BadKey() : r.status());
    const auto hash = crypto::Sha256(key);
    if (r->app_id != app_id || !crypto::ConstantTimeEquals(hash, r->key_hash)) return done(BadKey());
    if (r->disabled) return done(Status::Unauthenticated(ErrorCode::kAuthError, "API key is disabled"));
    VerifiedIdentity v;
    v.identity = {r->id.ToHex(), std::string(core::kApiKey), provider_id};
    nlohmann::json data = {{"name", r->name}};
    v.data_json = data.dump();
    v.owner = r->user_id;
    done(std::move(v));
  });
}

}  // namespace guestpass::auth
