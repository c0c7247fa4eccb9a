// config.h: the Custom JWT (`custom-token`) provider's configuration and its
// parsing from App Services JSON (shared/spec/admin-api.md sections 3.7, 7.4).
// Parsing only; verification is verifier.h.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/providers/custom_token/rsa_public_key.h"
#include "core/status.h"

namespace guestpass::auth::custom_token {

inline constexpr std::string_view kHs256 = "HS256";
inline constexpr std::string_view kRs256 = "RS256";

struct MetadataField {
  bool required = false;
  // Claim path in dot notation ("user.name"); a backslash escapes a literal
  // dot ("https://example\.com/roles").
  std::string name;
  // Key in the user's data; ParseConfig defaults it to the last path segment.
  std::string field_name;
};

struct CustomTokenConfig {
  std::string signing_algorithm = "HS256";  // "HS256" or "RS256"
  // HS256: shared secrets, raw strings (any non-empty; >= 32 bytes recommended).
  // RS256: PEM public keys ("-----BEGIN PUBLIC KEY-----" or
  // "-----BEGIN RSA PUBLIC KEY-----").
  std::vector<std::string> signing_keys;
  bool use_jwk_uri = false;  // RS256 keys come from `jwk_uri` (a JWK Set URL)
  std::string jwk_uri;
  std::vector<std::string> audience;  // empty: `aud` is not checked
  // true: one configured audience in `aud` suffices; false: every configured
  // audience must be in `aud`.
  bool require_any_audience = false;
  std::string issuer;  // empty: `iss` is not checked
  std::vector<MetadataField> metadata_fields;

  // RS256 only: `signing_keys` parsed, same order. ParseConfig fills it; a
  // hand-built config may leave it empty and the verifier parses the PEM text.
  std::vector<std::shared_ptr<const RsaPublicKey>> rsa_keys;
};

// Parses a provider's `config` object (JSON text) plus its `metadata_fields`
// array (JSON text; "" or "[]" for none).
// `config` keys, as App Services names them: signingAlgorithm, signingKeys
// (array of strings: the key material itself; in an app's configuration
// they are secrets named by secret_config.signingKeys, and this parses the
// config they were resolved into, auth/providers/secret_config.h), useJWKURI, jwkURI, audience
// (string or array of strings), requireAnyAudience (bool or "true"/"false"),
// plus guestpass's own `issuer`. Unknown keys are ignored.
// Returns InvalidArgument(InvalidParameter) whose message starts with the
// offending field ("signingKeys[1] is not usable: ...") for anything malformed: bad JSON, wrong types, unknown
// algorithm, an RS256 key that does not parse (or is under 2048 bits), useJWKURI without an http(s) jwkURI, HS256 with
// useJWKURI, neither keys nor a JWK URI, a metadata field without a valid name.
core::Result<CustomTokenConfig> ParseConfig(std::string_view config_json, std::string_view metadata_fields_json);

// Splits a metadata claim path at unescaped dots and removes the escapes.
// Returns an empty vector if the path is empty or has an empty segment.
std::vector<std::string> SplitClaimPath(std::string_view path);

}  // namespace guestpass::auth::custom_token
