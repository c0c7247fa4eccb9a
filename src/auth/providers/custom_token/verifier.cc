// verifier.cc: Custom JWT verification: JWS structure, algorithm, signature
// (HS256 with OpenSSL EVP_Q_mac, RS256 with RsaPublicKey), then claims and
// metadata fields.
#include "auth/providers/custom_token/verifier.h"

#include <openssl/evp.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <span>

#include "core/json_text.h"
#include "crypto/digest.h"
#include "crypto/encoding.h"

namespace guestpass::auth::custom_token {

using core::Code;
using core::ErrorCode;
using core::Result;
using core::Status;
using nlohmann::json;

namespace {
// Messages are bare reasons ("token is expired"); callers add their context.

// The token is not a compact JWS at all.
Status Malformed(std::string reason) {
  return Status::InvalidArgument(ErrorCode::kInvalidParameter, std::move(reason));
}

// A well-formed token that does not pass verification.
Status Denied(std::string reason) {
  return Status::Make(Code::kPermissionDenied, ErrorCode::kInvalidParameter, std::move(reason));
}

struct ParsedToken {
  std::string text;
  size_t signing_input_length = 0;  // length of "header.payload"
  std::string alg;
  std::optional<std::string> kid;
  json payload;
  std::string signature;

  std::string_view signing_input() const { return std::string_view(text).substr(0, signing_input_length); }
};

std::optional<json> DecodeJsonObject(std::string_view part) {
  auto text = crypto::Base64UrlDecode(part);
  if (!text || !core::JsonNestingWithin(*text)) return std::nullopt;
  json doc = json::parse(*text, nullptr, false);
  if (!doc.is_object()) return std::nullopt;
  return doc;
}

// Structure only: nothing here is trusted until the signature is checked.
Result<ParsedToken> ParseToken(std::string text) {
  if (text.empty()) return Malformed("token is empty");
  if (text.size() > kMaxTokenLength) return Malformed("token is longer than 1000000 characters");
  // JWS base64url has no padding; refusing '=' gives every token one spelling.
  if (text.find('=') != std::string::npos) return Malformed("token is not base64url without padding");
  const size_t dot1 = text.find('.');
  const size_t dot2 = dot1 == std::string::npos ? std::string::npos : text.find('.', dot1 + 1);
  if (dot2 == std::string::npos || text.find('.', dot2 + 1) != std::string::npos)
    return Malformed("token must have three dot-separated parts");
  const std::string_view view(text);

  ParsedToken parsed;
  auto header = DecodeJsonObject(view.substr(0, dot1));
  if (!header) return Malformed("token header is not a base64url JSON object");
  auto alg = header->find("alg");
  if (alg == header->end() || !alg->is_string()) return Malformed("token header has no \"alg\"");
  parsed.alg = alg->get<std::string>();
  auto kid = header->find("kid");
  if (kid != header->end()) {
    if (!kid->is_string()) return Malformed("token header \"kid\" must be a string");
    parsed.kid = kid->get<std::string>();
  }
  if (header->contains("crit")) return Denied("token header \"crit\" extensions are not supported");

  auto payload = DecodeJsonObject(view.substr(dot1 + 1, dot2 - dot1 - 1));
  if (!payload) return Malformed("token payload is not a base64url JSON object");
  parsed.payload = std::move(*payload);
  auto signature = crypto::Base64UrlDecode(view.substr(dot2 + 1));
  if (!signature) return Malformed("token signature is not base64url");
  parsed.signature = std::move(*signature);
  parsed.signing_input_length = dot2;
  parsed.text = std::move(text);
  return parsed;
}

bool VerifyHs256(const std::vector<std::string>& secrets, std::string_view input, std::string_view signature) {
  const std::span<const uint8_t> given(reinterpret_cast<const uint8_t*>(signature.data()), signature.size());
  for (const auto& secret : secrets) {
    crypto::Digest256 mac;
    size_t length = 0;
    if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, secret.data(), secret.size(),
                  reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac.data(), mac.size(),
                  &length) == nullptr ||
        length != mac.size())
      continue;
    if (crypto::ConstantTimeEquals(mac, given)) return true;
  }
  return false;
}

// `payload[path]`, or nullptr if any step is missing or the value is null.
const json* FindClaim(const json& payload, const std::vector<std::string>& path) {
  const json* current = &payload;
  for (const auto& segment : path) {
    if (!current->is_object()) return nullptr;
    auto it = current->find(segment);
    if (it == current->end()) return nullptr;
    current = &*it;
  }
  return path.empty() || current->is_null() ? nullptr : current;
}

// Reads an optional NumericDate claim. False if present but not a number.
bool ReadTime(const json& payload, const char* name, std::optional<double>* out) {
  auto it = payload.find(name);
  if (it == payload.end()) return true;
  if (!it->is_number()) return false;
  *out = it->get<double>();
  return true;
}

Status CheckAudience(const CustomTokenConfig& config, const json& payload) {
  if (config.audience.empty()) return Status::Ok();
  auto aud = payload.find("aud");
  if (aud == payload.end()) return Denied("token has no \"aud\" claim");
  std::vector<std::string_view> token_audience;
  if (aud->is_string()) {
    token_audience.push_back(aud->get_ref<const std::string&>());
  } else if (aud->is_array()) {
    for (const json& item : *aud) {
      if (!item.is_string()) return Denied("token \"aud\" claim must be a string or an array of strings");
      token_audience.push_back(item.get_ref<const std::string&>());
    }
  } else {
    return Denied("token \"aud\" claim must be a string or an array of strings");
  }
  auto in_token = [&](const std::string& wanted) {
    for (auto candidate : token_audience) {
      if (candidate == wanted) return true;
    }
    return false;
  };
  size_t matched = 0;
  for (const auto& wanted : config.audience) matched += in_token(wanted) ? 1 : 0;
  const bool ok = config.require_any_audience ? matched > 0 : matched == config.audience.size();
  if (!ok)
    return Denied(config.require_any_audience ? "token audience matches none of the provider's audiences"
                                              : "token audience lacks one of the provider's audiences");
  return Status::Ok();
}

// Everything after the signature: times, subject, audience, issuer, metadata.
Result<VerifiedToken> CheckClaims(const CustomTokenConfig& config, const json& payload, int64_t now) {
  std::optional<double> exp, nbf, iat;
  if (!ReadTime(payload, "exp", &exp)) return Denied("token \"exp\" claim must be a number");
  if (!exp) return Denied("token has no \"exp\" claim");
  if (*exp <= static_cast<double>(now)) return Denied("token is expired");
  if (!ReadTime(payload, "nbf", &nbf)) return Denied("token \"nbf\" claim must be a number");
  if (nbf && *nbf > static_cast<double>(now)) return Denied("token is not valid yet (nbf)");
  if (!ReadTime(payload, "iat", &iat)) return Denied("token \"iat\" claim must be a number");
  if (iat && *iat > static_cast<double>(now + kIssuedAtLeewaySeconds))
    return Denied("token is issued in the future (iat)");

  auto sub = payload.find("sub");
  if (sub == payload.end() || !sub->is_string() || sub->get_ref<const std::string&>().empty())
    return Denied("token \"sub\" claim must be a non-empty string");

  if (Status status = CheckAudience(config, payload); !status.ok()) return status;

  if (!config.issuer.empty()) {
    auto iss = payload.find("iss");
    if (iss == payload.end() || !iss->is_string() || iss->get_ref<const std::string&>() != config.issuer)
      return Denied("token issuer does not match the provider's issuer");
  }

  json data = json::object();
  for (const auto& field : config.metadata_fields) {
    const json* value = FindClaim(payload, SplitClaimPath(field.name));
    if (value == nullptr) {
      if (field.required) return Denied("token lacks the required metadata field \"" + field.name + "\"");
      continue;
    }
    data[field.field_name] =
        value->is_string() ? value->get<std::string>() : value->dump(-1, ' ', false, json::error_handler_t::replace);
  }

  VerifiedToken verified;
  verified.subject = sub->get<std::string>();
  verified.data_json = data.dump(-1, ' ', false, json::error_handler_t::replace);
  return verified;
}

// State of one JWK-URI verification across the cache's callbacks.
struct JwkVerification {
  CustomTokenConfig config;
  ParsedToken token;
  const core::Clock* clock;
  JwkCache* jwks;
  VerifyCallback done;
};

void OnJwkSet(const std::shared_ptr<JwkVerification>& state, bool refreshed,
              Result<std::shared_ptr<const JwkSet>> keys) {
  if (!keys.ok()) return state->done(keys.status());
  const ParsedToken& token = state->token;
  bool verified = false;
  if (token.kid) {
    const RsaPublicKey* key = (*keys)->Find(*token.kid);
    if (key == nullptr) {
      if (!refreshed) {
        // The issuer may have rotated its keys since the set was cached.
        state->jwks->GetKeys(state->config.jwk_uri, /*force_refresh=*/true,
                             [state](Result<std::shared_ptr<const JwkSet>> fresh) {
                               OnJwkSet(state, /*refreshed=*/true, std::move(fresh));
                             });
        return;
      }
      return state->done(Denied("token \"kid\" is not in the provider's JWK Set"));
    }
    verified = key->VerifyRs256(token.signing_input(), token.signature);
  } else {
    if ((*keys)->keys().empty()) return state->done(Denied("the provider's JWK Set has no usable RS256 key"));
    for (const auto& entry : (*keys)->keys()) {
      if (entry.key->VerifyRs256(token.signing_input(), token.signature)) {
        verified = true;
        break;
      }
    }
  }
  if (!verified) return state->done(Denied("token signature is invalid"));
  state->done(CheckClaims(state->config, token.payload, state->clock->NowSeconds()));
}
}  // namespace

void Verifier::Verify(const CustomTokenConfig& config, std::string token, VerifyCallback done) {
  auto parsed = ParseToken(std::move(token));
  if (!parsed.ok()) return done(parsed.status());
  if (parsed->alg != config.signing_algorithm)
    return done(Denied("token algorithm \"" + parsed->alg.substr(0, 16) + "\" is not the provider's " +
                       config.signing_algorithm));

  if (config.signing_algorithm == kHs256) {
    if (config.signing_keys.empty()) return done(Status::Internal("custom-token provider has no signing key"));
    if (!VerifyHs256(config.signing_keys, parsed->signing_input(), parsed->signature))
      return done(Denied("token signature is invalid"));
    return done(CheckClaims(config, parsed->payload, clock_.NowSeconds()));
  }

  if (config.signing_algorithm != kRs256)
    return done(Status::Internal("custom-token provider has an unknown algorithm"));

  if (config.use_jwk_uri) {
    auto state = std::make_shared<JwkVerification>(
        JwkVerification{config, std::move(*parsed), &clock_, &jwks_, std::move(done)});
    const std::string uri = config.jwk_uri;
    jwks_.GetKeys(uri, /*force_refresh=*/false, [state](Result<std::shared_ptr<const JwkSet>> keys) {
      OnJwkSet(state, /*refreshed=*/false, std::move(keys));
    });
    return;
  }

  // PEM keys: the ones ParseConfig parsed, or parse a hand-built config's now.
  std::vector<std::shared_ptr<const RsaPublicKey>> parsed_now;
  const auto* keys = &config.rsa_keys;
  if (keys->empty()) {
    for (const auto& pem : config.signing_keys) {
      auto key = RsaPublicKey::FromPem(pem);
      if (key.ok()) parsed_now.push_back(std::move(*key));
    }
    keys = &parsed_now;
  }
  if (keys->empty()) return done(Status::Internal("custom-token provider has no usable RS256 key"));
  for (const auto& key : *keys) {
    if (key->VerifyRs256(parsed->signing_input(), parsed->signature))
      return done(CheckClaims(config, parsed->payload, clock_.NowSeconds()));
  }
  done(Denied("token signature is invalid"));
}

}  // namespace guestpass::auth::custom_token
