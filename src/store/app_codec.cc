// app_codec.cc: nlohmann::json mapping of ProviderConfig and AppSettings.
#include "store/app_codec.h"

#include <nlohmann/json.hpp>

namespace guestpass::store {

using nlohmann::json;

std::string EncodeProviders(const std::vector<core::ProviderConfig>& providers) {
  json out = json::array();
  for (const auto& p : providers) {
    json entry = {{"_id", p.id.ToHex()},
                  {"name", p.name},
                  {"type", p.type},
                  {"disabled", p.disabled},
                  {"config", json::parse(p.config_json, nullptr, false)},
                  {"metadata_fields", json::parse(p.metadata_fields_json, nullptr, false)}};
    // Secret names only: resolved_config_json (the values) is never stored.
    // Absent when empty, so configurations stored before it encode alike.
    json secret_config = json::parse(p.secret_config_json, nullptr, false);
    if (secret_config.is_object() && !secret_config.empty()) entry["secret_config"] = std::move(secret_config);
    out.push_back(std::move(entry));
  }
  return out.dump();
}

core::Result<std::vector<core::ProviderConfig>> DecodeProviders(const std::string& text) {
  auto doc = json::parse(text, nullptr, false);
  if (!doc.is_array()) return core::Status::Internal("stored providers are not a JSON array");
  std::vector<core::ProviderConfig> out;
  for (const auto& p : doc) {
    core::ProviderConfig c;
    auto id = core::ObjectId::FromHex(p.value("_id", ""));
    if (!id) return core::Status::Internal("stored provider has a bad _id");
    c.id = *id;
    c.name = p.value("name", "");
    c.type = p.value("type", "");
    c.disabled = p.value("disabled", false);
    c.config_json = p.contains("config") && p["config"].is_object() ? p["config"].dump() : "{}";
    c.metadata_fields_json =
        p.contains("metadata_fields") && p["metadata_fields"].is_array() ? p["metadata_fields"].dump() : "[]";
    c.secret_config_json =
        p.contains("secret_config") && p["secret_config"].is_object() ? p["secret_config"].dump() : "{}";
    out.push_back(std::move(c));
  }
  return out;
}

std::string EncodeSettings(const core::AppSettings& s) {
  json out = {{"refresh_token_ttl_seconds", s.refresh_token_ttl_seconds},
              {"deployment_model", s.deployment_model},
              {"location", s.location},
              {"anonymous_session_expiry",
               s.anonymous_session_expiry == core::AnonymousSessionExpiry::kFixed ? "fixed" : "while_active"},
              {"anonymous_inactive_days", s.anonymous_inactive_days},
              {"anonymous_user_cap", s.anonymous_user_cap}};
  if (s.anonymous_signups_per_hour) out["anonymous_signups_per_hour"] = *s.anonymous_signups_per_hour;
  if (s.anonymous_signup_burst) out["anonymous_signup_burst"] = *s.anonymous_signup_burst;
  if (s.ui_drafts_disabled) out["ui_drafts_disabled"] = true;
  return out.dump();
}

core::Result<core::AppSettings> DecodeSettings(const std::string& text) {
  auto doc = json::parse(text, nullptr, false);
  if (!doc.is_object()) return core::Status::Internal("stored app settings are not a JSON object");
  core::AppSettings s;
  s.refresh_token_ttl_seconds = doc.value("refresh_token_ttl_seconds", s.refresh_token_ttl_seconds);
  s.deployment_model = doc.value("deployment_model", s.deployment_model);
  s.location = doc.value("location", s.location);
  s.anonymous_inactive_days = doc.value("anonymous_inactive_days", s.anonymous_inactive_days);
  s.anonymous_user_cap = doc.value("anonymous_user_cap", s.anonymous_user_cap);
  if (doc.value("anonymous_session_expiry", "while_active") == "fixed")
    s.anonymous_session_expiry = core::AnonymousSessionExpiry::kFixed;
  if (doc.contains("anonymous_signups_per_hour") && doc["anonymous_signups_per_hour"].is_number())
    s.anonymous_signups_per_hour = doc["anonymous_signups_per_hour"].get<double>();
  if (doc.contains("anonymous_signup_burst") && doc["anonymous_signup_burst"].is_number())
    s.anonymous_signup_burst = doc["anonymous_signup_burst"].get<double>();
  s.ui_drafts_disabled = doc.value("ui_drafts_disabled", false);
  return s;
}

std::string EncodeApp(const core::App& app) {
  json out = {{"_id", app.id.ToHex()},
              {"client_app_id", app.client_app_id},
              {"name", app.name},
              {"created_at", app.created_at},
              {"providers", json::parse(EncodeProviders(app.providers))},
              {"settings", json::parse(EncodeSettings(app.settings))}};
  return out.dump();
}

core::Result<core::App> DecodeApp(const std::string& text) {
  auto doc = json::parse(text, nullptr, false);
  if (!doc.is_object()) return core::Status::Internal("stored app is not a JSON object");
  core::App app;
  auto id = core::ObjectId::FromHex(doc.value("_id", ""));
  if (!id) return core::Status::Internal("stored app has a bad _id");
  app.id = *id;
  app.client_app_id = doc.value("client_app_id", "");
  app.name = doc.value("name", "");
  app.created_at = doc.value("created_at", int64_t{0});
  auto providers = DecodeProviders(doc.contains("providers") ? doc["providers"].dump() : "[]");
  if (!providers.ok()) return providers.status();
  app.providers = std::move(*providers);
  auto settings = DecodeSettings(doc.contains("settings") ? doc["settings"].dump() : "{}");
  if (!settings.ok()) return settings.status();
  app.settings = std::move(*settings);
  return app;
}

std::string MergeJsonObjects(const std::string& base, const std::string& extra) {
  json merged = json::parse(base, nullptr, false);
  if (!merged.is_object()) merged = json::object();
  json more = json::parse(extra, nullptr, false);
  if (more.is_object()) merged.update(more);
  return merged.dump();
}

}  // namespace guestpass::store
