// app_dir.cc: parsing and validating app directories.
#include "config/app_dir.h"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/json_text.h"

namespace guestpass::config {

using core::Result;
using core::Status;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {
Status Invalid(const std::string& file, const std::string& field, const std::string& what) {
  std::string msg = file;
  if (!field.empty()) msg += ": field '" + field + "'";
  msg += ": " + what;
  return Status::InvalidArgument(core::ErrorCode::kInvalidParameter, msg);
}

Result<json> ParseJsonText(const std::string& text, const std::string& path) {
  if (!core::JsonNestingWithin(text))
    return Invalid(path, "", "nests arrays and objects deeper than " + std::to_string(core::kMaxJsonNesting) + " levels");
  // nlohmann's parser takes a NUL byte for the end of its input ("{}\0..."
  // would read as {}); a raw NUL is never valid JSON.
  if (text.find('\0') != std::string::npos) return Invalid(path, "", "is not valid JSON: it holds a NUL byte");
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception& e) {  // parse_error, and out_of_range for a number past a double's range
    return Invalid(path, "", std::string("is not valid JSON: ") + e.what());
  }
  if (!doc.is_object()) return Invalid(path, "", "must hold a JSON object");
  return doc;
}

// guestpass.json: {"refresh_token_expiration_seconds": N, "anonymous":
// {"session_expiry": "while_active"|"fixed", "signups_per_hour": N, "signup_burst": N,
//  "delete_after_inactive_days": N|"never", "max_users": N}}.
Status ReadSettings(const std::string& path, const json& doc, core::AppSettings* out) {
  for (const auto& [key, value] : doc.items()) {
    if (key != "refresh_token_expiration_seconds" && key != "anonymous")
      return Invalid(path, key, "is not a known setting (refresh_token_expiration_seconds, anonymous)");
  }
  if (auto it = doc.find("refresh_token_expiration_seconds"); it != doc.end()) {
    if (!it->is_number_integer() || it->get<int64_t>() < core::kMinRefreshTokenTtlSeconds ||
        it->get<int64_t>() > core::kMaxRefreshTokenTtlSeconds)
      return Invalid(path, "refresh_token_expiration_seconds",
                     "must be a whole number of seconds from 1800 (30 minutes) to 157680000 (5 years)");
    out->refresh_token_ttl_seconds = it->get<int64_t>();
  }
  auto anon = doc.find("anonymous");
  if (anon == doc.end()) return Status::Ok();
  if (!anon->is_object()) return Invalid(path, "anonymous", "must be an object");
  for (const auto& [key, value] : anon->items()) {
    if (key == "session_expiry") {
      if (value == "while_active")
        out->anonymous_session_expiry = core::AnonymousSessionExpiry::kWhileActive;
      else if (value == "fixed")
        out->anonymous_session_expiry = core::AnonymousSessionExpiry::kFixed;
      else
        return Invalid(path, "anonymous.session_expiry", "must be \"while_active\" or \"fixed\"");
    } else if (key == "signups_per_hour" || key == "signup_burst") {
      if (value.is_null()) {  // the server's --signups-per-hour / --signup-burst
        (key == "signups_per_hour" ? out->anonymous_signups_per_hour : out->anonymous_signup_burst).reset();
        continue;
      }
      if (!value.is_number() || value.get<double>() < 0 || value.get<double>() > 1e9)
        return Invalid(path, "anonymous." + key, "must be a number from 0 to 1e9 (0: unlimited)");
      (key == "signups_per_hour" ? out->anonymous_signups_per_hour : out->anonymous_signup_burst) =
          value.get<double>();  // optional<double>: set means "this app's own"
    } else if (key == "delete_after_inactive_days") {
      if (value == "never") {
        out->anonymous_inactive_days = 0;
      } else if (value.is_number_integer() && value.get<int64_t>() >= 1 &&
                 value.get<int64_t>() <= core::kMaxInactiveDays) {
        out->anonymous_inactive_days = value.get<int64_t>();
      } else {
        return Invalid(path, "anonymous.delete_after_inactive_days",
                       "must be a whole number of days from 1 to 3650, or \"never\"");
      }
    } else if (key == "max_users") {
      if (!value.is_number_integer() || value.get<int64_t>() < 0)
        return Invalid(path, "anonymous.max_users", "must be a whole number (0: no cap)");
      out->anonymous_user_cap = value.get<int64_t>();
    } else {
      return Invalid(path, "anonymous." + key,
                     "is not a known setting (session_expiry, signups_per_hour, signup_burst, "
                     "delete_after_inactive_days, max_users)");
    }
  }
  return Status::Ok();
}

bool IsValidAppName(const std::string& name) {
  if (name.empty() || name.size() > 32) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  return true;
}
}  // namespace

bool IsValidClientAppId(std::string_view id) {
  if (id.empty() || id.size() > 64 || id.front() == '-') return false;
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}

Result<AppDefinition> ParseAppFiles(const AppFiles& files, const std::string& where) {
  AppDefinition def;
  def.source_dir = where;
  const auto path_of = [&](const char* rel) { return where.empty() ? std::string(rel) : (fs::path(where) / rel).string(); };
  const char* root_name = files.count("root_config.json") ? "root_config.json" : "realm_config.json";
  const std::string root = path_of(root_name);
  if (!files.count(root_name))
    return Invalid(path_of("root_config.json"), "", "missing (neither root_config.json nor realm_config.json exists)");
  auto doc = ParseJsonText(files.at(root_name), root);
  if (!doc.ok()) return doc.status();
  const json& r = *doc;
  if (!r.contains("name")) return Invalid(root, "name", "is required");
  if (!r["name"].is_string() || !IsValidAppName(r["name"].get<std::string>()))
    return Invalid(root, "name", "must be a string of 1-32 letters, digits, '_' or '-'");
  def.name = r["name"];
  if (!r.contains("app_id")) return Invalid(root, "app_id", "is required (the client app id, e.g. \"myapp-abcde\")");
  if (!r["app_id"].is_string() || !IsValidClientAppId(r["app_id"].get<std::string>()))
    return Invalid(root, "app_id", "must be a string of 1-64 lowercase letters, digits or '-'");
  def.client_app_id = r["app_id"];
  for (const char* field : {"deployment_model", "location"}) {
    if (!r.contains(field)) continue;
    if (!r[field].is_string()) return Invalid(root, field, "must be a string");
  }
  def.deployment_model = r.value("deployment_model", "");
  def.location = r.value("location", "");

  if (auto it = files.find("guestpass.json"); it != files.end()) {
    const std::string settings_path = path_of("guestpass.json");
    auto sdoc = ParseJsonText(it->second, settings_path);
    if (!sdoc.ok()) return sdoc.status();
    if (Status s = ReadSettings(settings_path, *sdoc, &def.settings); !s.ok()) return s;
    def.settings_given = true;
  }

  auto providers_file = files.find("auth/providers.json");
  if (providers_file == files.end()) return def;  // no providers: every login is refused
  const std::string providers_path = path_of("auth/providers.json");
  auto pdoc = ParseJsonText(providers_file->second, providers_path);
  if (!pdoc.ok()) return pdoc.status();
  for (const auto& [key, value] : pdoc->items()) {
    const std::string where = key + ".";
    if (!value.is_object()) return Invalid(providers_path, key, "must be an object");
    if (!value.contains("name") || !value["name"].is_string())
      return Invalid(providers_path, where + "name", "is required and must be a string");
    if (!value.contains("type") || !value["type"].is_string())
      return Invalid(providers_path, where + "type", "is required and must be a string");
    core::ProviderConfig p;
    p.name = value["name"];
    p.type = value["type"];
    if (p.name != key) return Invalid(providers_path, where + "name", "must equal its key \"" + key + "\"");
    if (p.type != p.name)
      return Invalid(providers_path, where + "type", "must equal the provider name \"" + p.name + "\"");
    if (!core::IsKnownProviderType(p.type))
      return Invalid(providers_path, where + "type", "unknown provider type \"" + p.type + "\"");
    if (value.contains("disabled")) {
      if (!value["disabled"].is_boolean()) return Invalid(providers_path, where + "disabled", "must be true or false");
      p.disabled = value["disabled"];
    }
    if (value.contains("config")) {
      if (!value["config"].is_object()) return Invalid(providers_path, where + "config", "must be an object");
      p.config_json = value["config"].dump();
    }
    if (value.contains("metadata_fields")) {
      if (!value["metadata_fields"].is_array())
        return Invalid(providers_path, where + "metadata_fields", "must be an array");
      p.metadata_fields_json = value["metadata_fields"].dump();
    }
    if (value.contains("secret_config") && !value["secret_config"].is_null()) {
      if (!value["secret_config"].is_object())
        return Invalid(providers_path, where + "secret_config",
                       "must be an object naming secrets (e.g. {\"signingKeys\": [\"jwt-key\"]})");
      p.secret_config_json = value["secret_config"].dump();
    }
    def.providers.push_back(std::move(p));
  }
  return def;
}

Result<AppFiles> ReadAppDir(const std::string& dir) {
  if (!fs::is_directory(dir)) return Invalid(dir, "", "is not a directory");
  AppFiles files;
  for (const char* rel : kAppFileNames) {
    const fs::path path = fs::path(dir) / rel;
    if (!fs::exists(path)) continue;
    std::ifstream in(path);
    if (!in) return Invalid(path.string(), "", "cannot be read");
    std::stringstream buf;
    buf << in.rdbuf();
    files[rel] = buf.str();
  }
  return files;
}

Result<AppDefinition> LoadAppDir(const std::string& dir) {
  auto files = ReadAppDir(dir);
  if (!files.ok()) return files.status();
  return ParseAppFiles(*files, dir);
}

namespace {
std::string Pretty(const json& doc) { return doc.dump(4) + "\n"; }
}  // namespace

AppFiles ExportAppFiles(const core::App& app) {
  AppFiles files;
  files["realm_config.json"] = Pretty({{"app_id", app.client_app_id},
                                       {"config_version", 20210101},
                                       {"name", app.name},
                                       {"location", app.settings.location},
                                       {"deployment_model", app.settings.deployment_model},
                                       {"environment", ""},
                                       {"allowed_request_origins", json::array()}});
  json providers = json::object();
  for (const auto& p : app.providers) {
    json entry = {{"name", p.name}, {"type", p.type}, {"disabled", p.disabled}};
    json config = json::parse(p.config_json, nullptr, false);
    if (config.is_object() && !config.empty()) entry["config"] = config;
    json fields = json::parse(p.metadata_fields_json, nullptr, false);
    if (fields.is_array() && !fields.empty()) entry["metadata_fields"] = fields;
    // Secret names, never values (resolved_config_json is not exported).
    json secret_config = json::parse(p.secret_config_json, nullptr, false);
    if (secret_config.is_object() && !secret_config.empty()) entry["secret_config"] = secret_config;
    providers[p.name] = entry;
  }
  files["auth/providers.json"] = Pretty(providers);
  files["auth/custom_user_data.json"] = Pretty({{"enabled", false}});
  files["guestpass.json"] = SettingsJson(app.settings);
  return files;
}

std::string SettingsJson(const core::AppSettings& s) {
  json anonymous = {
      {"session_expiry", s.anonymous_session_expiry == core::AnonymousSessionExpiry::kFixed ? "fixed" : "while_active"},
      {"max_users", s.anonymous_user_cap}};
  if (s.anonymous_inactive_days == 0)
    anonymous["delete_after_inactive_days"] = "never";
  else
    anonymous["delete_after_inactive_days"] = s.anonymous_inactive_days;
  if (s.anonymous_signups_per_hour) anonymous["signups_per_hour"] = *s.anonymous_signups_per_hour;
  if (s.anonymous_signup_burst) anonymous["signup_burst"] = *s.anonymous_signup_burst;
  return Pretty({{"refresh_token_expiration_seconds", s.refresh_token_ttl_seconds}, {"anonymous", anonymous}});
}

Status ApplySettingsJson(const std::string& json_text, const std::string& where, core::AppSettings* settings) {
  auto doc = ParseJsonText(json_text, where);
  if (!doc.ok()) return doc.status();
  return ReadSettings(where, *doc, settings);
}

}  // namespace guestpass::config
