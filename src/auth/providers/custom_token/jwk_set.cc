// jwk_set.cc: JWK Set parsing for RS256 keys.
#include "auth/providers/custom_token/jwk_set.h"

#include <nlohmann/json.hpp>

#include "core/json_text.h"
#include "crypto/encoding.h"

namespace guestpass::auth::custom_token {

using core::ErrorCode;
using core::Result;
using core::Status;
using nlohmann::json;

namespace {
// The string member `name`, or nullptr if absent or not a string.
const std::string* StringMember(const json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) return nullptr;
  return &it->get_ref<const std::string&>();
}

bool HasMember(const json& object, const char* name) { return object.find(name) != object.end(); }
}  // namespace

Result<std::shared_ptr<const JwkSet>> JwkSet::Parse(std::string_view json_text) {
  if (!core::JsonNestingWithin(json_text))
    return Status::InvalidArgument(ErrorCode::kInvalidParameter, "JWK Set nests deeper than " +
                                                                     std::to_string(core::kMaxJsonNesting) + " levels");
  const json doc = json::parse(json_text, nullptr, false);
  if (!doc.is_object()) return Status::InvalidArgument(ErrorCode::kInvalidParameter, "JWK Set is not a JSON object");
  auto keys = doc.find("keys");
  if (keys == doc.end() || !keys->is_array())
    return Status::InvalidArgument(ErrorCode::kInvalidParameter, "JWK Set has no \"keys\" array");

  std::vector<Key> usable;
  for (const json& jwk : *keys) {
    if (!jwk.is_object()) continue;
    const std::string* kty = StringMember(jwk, "kty");
    if (kty == nullptr || *kty != "RSA") continue;
    const std::string* use = StringMember(jwk, "use");
    if (HasMember(jwk, "use") && (use == nullptr || *use != "sig")) continue;
    const std::string* alg = StringMember(jwk, "alg");
    if (HasMember(jwk, "alg") && (alg == nullptr || *alg != "RS256")) continue;
    const std::string* n = StringMember(jwk, "n");
    const std::string* e = StringMember(jwk, "e");
    if (n == nullptr || e == nullptr) continue;
    auto modulus = crypto::Base64UrlDecode(*n);
    auto exponent = crypto::Base64UrlDecode(*e);
    if (!modulus || !exponent) continue;
    auto key = RsaPublicKey::FromComponents(*modulus, *exponent);
    if (!key.ok()) continue;
    const std::string* kid = StringMember(jwk, "kid");
    usable.push_back({kid != nullptr ? *kid : std::string(), std::move(*key)});
  }
  return std::make_shared<const JwkSet>(std::move(usable));
}

const RsaPublicKey* JwkSet::Find(std::string_view kid) const {
  for (const auto& entry : keys_) {
    if (!entry.kid.empty() && entry.kid == kid) return entry.key.get();
  }
  return nullptr;
}

}  // namespace guestpass::auth::custom_token
