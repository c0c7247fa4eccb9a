// token_service.cc: JWT encoding of access and refresh tokens.
// Payloads are built by hand (fixed keys, hex and integer values) because
// every login signs two tokens; verification parses with nlohmann::json.
#include "token/token_service.h"

#include <nlohmann/json.hpp>

#include "core/json_text.h"
#include "crypto/digest.h"
#include "crypto/encoding.h"

namespace guestpass::token {

using core::ErrorCode;
using core::ObjectId;
using core::Result;
using core::Status;

namespace {
Status Invalid(std::string reason) { return Status::Unauthenticated(ErrorCode::kInvalidSession, std::move(reason)); }

void AppendIdClaim(std::string& out, const char* name, const ObjectId& id) {
  out += '"';
  out += name;
  out += "\":\"";
  out += id.ToHex();
  out += "\",";
}

void AppendIntClaim(std::string& out, const char* name, int64_t v) {
  out += '"';
  out += name;
  out += "\":";
  out += std::to_string(v);
  out += ',';
}

bool ReadId(const nlohmann::json& doc, const char* name, ObjectId* out) {
  auto it = doc.find(name);
  if (it == doc.end() || !it->is_string()) return false;
  auto id = ObjectId::FromHex(it->get_ref<const std::string&>());
  if (!id) return false;
  *out = *id;
  return true;
}

bool ReadInt(const nlohmann::json& doc, const char* name, int64_t* out) {
  auto it = doc.find(name);
  if (it == doc.end() || !it->is_number_integer()) return false;
  *out = it->get<int64_t>();
  return true;
}
}  // namespace

TokenService::TokenService(std::shared_ptr<const KeyRing> keys, const core::Clock& clock)
    : keys_(std::move(keys)), clock_(clock) {}

std::string TokenService::Sign(const std::string& payload) const {
  const SigningKey& key = keys_->active();
  std::string token;
  token.reserve(key.header_b64.size() + payload.size() * 4 / 3 + 50);
  token += key.header_b64;
  token += '.';
  crypto::Base64UrlAppend(token,
                          std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(payload.data()), payload.size()));
  const auto mac = key.hmac->Compute(token);
  token += '.';
  crypto::Base64UrlAppend(token, mac);
  return token;
}

std::string TokenService::IssueAccessToken(const AccessClaims& c) const {
  std::string p;
  p.reserve(320);
  p += '{';
  AppendIdClaim(p, "baas_device_id", c.device_id);
  AppendIdClaim(p, "baas_domain_id", c.app_id);
  AppendIntClaim(p, "exp", c.expires_at);
  AppendIntClaim(p, "iat", c.issued_at);
  AppendIdClaim(p, "iss", c.session_id);
  AppendIdClaim(p, "stitch_devId", c.device_id);
  AppendIdClaim(p, "stitch_domainId", c.app_id);
  AppendIdClaim(p, "sub", c.user_id);
  p += R"("typ":"access"})";
  return Sign(p);
}

std::string TokenService::IssueRefreshToken(const RefreshClaims& c) const {
  std::string p;
  p.reserve(420);
  p += '{';
  AppendIdClaim(p, "baas_device_id", c.device_id);
  AppendIdClaim(p, "baas_domain_id", c.app_id);
  AppendIdClaim(p, "baas_id", c.session_id);
  p += R"("baas_identity":{"id":)";
  core::AppendJsonString(p, c.identity.id);
  p += R"(,"provider_type":)";
  core::AppendJsonString(p, c.identity.provider_type);
  p += R"(,"provider_id":")";
  p += c.identity.provider_id.ToHex();
  p += "\"},";
  AppendIntClaim(p, "exp", c.expires_at);
  p += R"("gp_secret":)";
  core::AppendJsonString(p, c.secret);
  p += ',';
  AppendIntClaim(p, "iat", c.issued_at);
  AppendIdClaim(p, "sub", c.user_id);
  p += R"("typ":"refresh"})";
  return Sign(p);
}

Result<std::string> TokenService::VerifySignature(std::string_view token) const {
  // Only the canonical, unpadded form is accepted, so a token has one spelling.
  if (token.find('=') != std::string_view::npos) return Invalid("invalid session: malformed token");
  const size_t dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return Invalid("invalid session: malformed token");
  const size_t dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
    return Invalid("invalid session: malformed token");
  const SigningKey* key = keys_->FindByHeader(token.substr(0, dot1));
  if (key == nullptr) return Invalid("invalid session: unknown token header");
  auto signature = crypto::Base64UrlDecode(token.substr(dot2 + 1));
  if (!signature) return Invalid("invalid session: malformed token signature");
  const auto expected = key->hmac->Compute(token.substr(0, dot2));
  if (!crypto::ConstantTimeEquals(
          expected, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(signature->data()), signature->size())))
    return Invalid("invalid session: signature is invalid");
  auto payload = crypto::Base64UrlDecode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  if (!payload) return Invalid("invalid session: malformed token payload");
  return std::move(*payload);
}

Result<AccessClaims> TokenService::VerifyAccessToken(std::string_view token) const {
  auto payload = VerifySignature(token);
  if (!payload.ok()) return payload.status();
  auto doc = nlohmann::json::parse(*payload, nullptr, false);
  if (!doc.is_object()) return Invalid("invalid session: malformed token payload");
  auto typ = doc.find("typ");
  if (typ == doc.end() || *typ != "access") return Invalid("invalid session: incorrect token type");
  AccessClaims c;
  if (!ReadId(doc, "sub", &c.user_id) || !ReadId(doc, "iss", &c.session_id) ||
      !ReadId(doc, "baas_domain_id", &c.app_id) || !ReadId(doc, "baas_device_id", &c.device_id) ||
      !ReadInt(doc, "iat", &c.issued_at) || !ReadInt(doc, "exp", &c.expires_at))
    return Invalid("invalid session: missing token claims");
  if (c.expires_at <= clock_.NowSeconds()) return Invalid("invalid session: access token expired");
  return c;
}

Result<RefreshClaims> TokenService::VerifyRefreshToken(std::string_view token) const {
  auto payload = VerifySignature(token);
  if (!payload.ok()) return payload.status();
  auto doc = nlohmann::json::parse(*payload, nullptr, false);
  if (!doc.is_object()) return Invalid("invalid session: malformed token payload");
  auto typ = doc.find("typ");
  if (typ == doc.end() || *typ != "refresh") return Invalid("invalid refresh token: incorrect token type");
  RefreshClaims c;
  auto secret = doc.find("gp_secret");
  if (!ReadId(doc, "sub", &c.user_id) || !ReadId(doc, "baas_id", &c.session_id) ||
      !ReadId(doc, "baas_domain_id", &c.app_id) || !ReadId(doc, "baas_device_id", &c.device_id) ||
      !ReadInt(doc, "iat", &c.issued_at) || !ReadInt(doc, "exp", &c.expires_at) || secret == doc.end() ||
      !secret->is_string())
    return Invalid("invalid session: missing token claims");
  c.secret = secret->get<std::string>();
  auto ident = doc.find("baas_identity");
  if (ident != doc.end() && ident->is_object()) {
    c.identity.id = ident->value("id", "");
    c.identity.provider_type = ident->value("provider_type", "");
    ReadId(*ident, "provider_id", &c.identity.provider_id);
  }
  if (c.expires_at <= clock_.NowSeconds()) return Invalid("invalid session: refresh token expired");
  return c;
}

}  // namespace guestpass::token
