// config.cc: ParseConfig for the Custom JWT provider.
#include "auth/providers/custom_token/config.h"

#include <nlohmann/json.hpp>

#include "core/json_text.h"

namespace guestpass::auth::custom_token {

using core::ErrorCode;
using core::Result;
using core::Status;
using nlohmann::json;

namespace {
// "<field> <reason>", e.g. "jwkURI must be an http:// or https:// URL".
Status Bad(std::string_view field, std::string_view reason) {
  std::string message(field);
  message += ' ';
  message += reason;
  return Status::InvalidArgument(ErrorCode::kInvalidParameter, std::move(message));
}

// Reads an optional boolean that App Services may also spell "true"/"false".
bool ReadBool(const json& config, const char* key, bool* out, Status* error) {
  auto it = config.find(key);
  if (it == config.end() || it->is_null()) return true;
  if (it->is_boolean()) {
    *out = it->get<bool>();
    return true;
  }
  if (it->is_string() && (*it == "true" || *it == "false")) {
    *out = *it == "true";
    return true;
  }
  *error = Bad(key, "must be a boolean");
  return false;
}

bool ReadString(const json& config, const char* key, std::string* out, Status* error) {
  auto it = config.find(key);
  if (it == config.end() || it->is_null()) return true;
  if (!it->is_string()) {
    *error = Bad(key, "must be a string");
    return false;
  }
  *out = it->get<std::string>();
  return true;
}

// Reads an array of non-empty strings or, with `allow_string`, also a single
// string (an empty one means no entries).
bool ReadStringList(const json& config, const char* key, bool allow_string, std::vector<std::string>* out,
                    Status* error) {
  auto it = config.find(key);
  if (it == config.end() || it->is_null()) return true;
  if (allow_string && it->is_string()) {
    if (!it->get_ref<const std::string&>().empty()) out->push_back(it->get<std::string>());
    return true;
  }
  if (!it->is_array()) {
    *error = Bad(key, allow_string ? "must be a string or an array of strings" : "must be an array of strings");
    return false;
  }
  for (size_t i = 0; i < it->size(); ++i) {
    const json& item = (*it)[i];
    if (!item.is_string() || item.get_ref<const std::string&>().empty()) {
      *error = Bad(std::string(key) + "[" + std::to_string(i) + "]", "must be a non-empty string");
      return false;
    }
    out->push_back(item.get<std::string>());
  }
  return true;
}

bool IsHttpUrl(std::string_view uri) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (uri.size() > scheme.size() && uri.substr(0, scheme.size()) == scheme) return true;
  }
  return false;
}

Result<std::vector<MetadataField>> ParseMetadataFields(std::string_view text) {
  std::vector<MetadataField> fields;
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return fields;
  if (!core::JsonNestingWithin(text)) return Bad("metadata_fields", "nests too deeply");
  const json doc = json::parse(text, nullptr, false);
  if (!doc.is_array()) return Bad("metadata_fields", "must be a JSON array");
  for (size_t i = 0; i < doc.size(); ++i) {
    const std::string where = "metadata_fields[" + std::to_string(i) + "]";
    const json& item = doc[i];
    if (!item.is_object()) return Bad(where, "must be an object");
    MetadataField field;
    Status error;
    if (!ReadBool(item, "required", &field.required, &error)) return Bad(where + ".required", "must be a boolean");
    auto name = item.find("name");
    if (name == item.end() || !name->is_string()) return Bad(where + ".name", "must be a string claim path");
    field.name = name->get<std::string>();
    const auto segments = SplitClaimPath(field.name);
    if (segments.empty()) return Bad(where + ".name", "must be a dotted claim path without empty segments");
    if (!ReadString(item, "field_name", &field.field_name, &error))
      return Bad(where + ".field_name", "must be a string");
    if (field.field_name.empty()) field.field_name = segments.back();
    if (field.field_name.size() >= 64) return Bad(where + ".field_name", "must be shorter than 64 characters");
    fields.push_back(std::move(field));
  }
  return fields;
}
}  // namespace

std::vector<std::string> SplitClaimPath(std::string_view path) {
  std::vector<std::string> segments(1);
  for (size_t i = 0; i < path.size(); ++i) {
    const char c = path[i];
    if (c == '\\' && i + 1 < path.size() && path[i + 1] == '.') {
      segments.back() += '.';
      ++i;
    } else if (c == '.') {
      segments.emplace_back();
    } else {
      segments.back() += c;
    }
  }
  for (const auto& segment : segments) {
    if (segment.empty()) return {};
  }
  return segments;
}

Result<CustomTokenConfig> ParseConfig(std::string_view config_json, std::string_view metadata_fields_json) {
  if (!core::JsonNestingWithin(config_json)) return Bad("config", "nests too deeply");
  const json doc = config_json.find_first_not_of(" \t\r\n") == std::string_view::npos
                       ? json::object()
                       : json::parse(config_json, nullptr, false);
  if (!doc.is_object()) return Bad("config", "must be a JSON object");

  CustomTokenConfig config;
  Status error;
  if (!ReadString(doc, "signingAlgorithm", &config.signing_algorithm, &error)) return error;
  if (config.signing_algorithm != kHs256 && config.signing_algorithm != kRs256)
    return Bad("signingAlgorithm", "must be \"HS256\" or \"RS256\"");
  if (!ReadStringList(doc, "signingKeys", /*allow_string=*/false, &config.signing_keys, &error)) return error;
  if (!ReadBool(doc, "useJWKURI", &config.use_jwk_uri, &error)) return error;
  if (!ReadString(doc, "jwkURI", &config.jwk_uri, &error)) return error;
  if (!ReadStringList(doc, "audience", /*allow_string=*/true, &config.audience, &error)) return error;
  if (!ReadBool(doc, "requireAnyAudience", &config.require_any_audience, &error)) return error;
  if (!ReadString(doc, "issuer", &config.issuer, &error)) return error;

  if (config.use_jwk_uri) {
    if (config.signing_algorithm != kRs256) return Bad("useJWKURI", "requires signingAlgorithm \"RS256\"");
    if (config.jwk_uri.empty()) return Bad("jwkURI", "is required when useJWKURI is true");
    if (!IsHttpUrl(config.jwk_uri)) return Bad("jwkURI", "must be an http:// or https:// URL");
  } else if (config.signing_keys.empty()) {
    return Bad("signingKeys",
               "must list at least one key (name secrets in secret_config.signingKeys, or set useJWKURI and jwkURI "
               "for RS256)");
  }
  if (config.signing_algorithm == kRs256) {
    for (size_t i = 0; i < config.signing_keys.size(); ++i) {
      auto key = RsaPublicKey::FromPem(config.signing_keys[i]);
      if (!key.ok()) return Bad("signingKeys[" + std::to_string(i) + "]", "is not usable: " + key.status().message());
      config.rsa_keys.push_back(std::move(*key));
    }
  }

  auto fields = ParseMetadataFields(metadata_fields_json);
  if (!fields.ok()) return fields.status();
  config.metadata_fields = std::move(*fields);
  return config;
}

}  // namespace guestpass::auth::custom_token
