// app_dir.h: reads an app directory in the App Services export layout
// (shared/spec/admin-api.md section 7): root_config.json or realm_config.json
// with `app_id` and `name`, and auth/providers.json; plus guestpass's own
// optional guestpass.json (session lifetimes, anonymous sign-up limits). Validation errors name
// the file, the field and what is wrong.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/model.h"
#include "core/status.h"

namespace guestpass::config {

struct AppDefinition {
  std::string source_dir;
  std::string client_app_id;
  std::string name;
  std::string deployment_model;                 // empty: keep the default
  std::string location;                         // empty: keep the default
  std::vector<core::ProviderConfig> providers;  // ids are zero (assigned on import)
  // From guestpass.json (defaults where absent); deployment_model and
  // location above override the settings' own.
  core::AppSettings settings;
  bool settings_given = false;  // guestpass.json was among the files
};

// An app's configuration files: path relative to the app root (e.g.
// "auth/providers.json") -> contents. How apps travel: app directories, the
// Admin API's pull, push and import, and the diffs of drafts.
using AppFiles = std::map<std::string, std::string>;

// The files guestpass reads and writes; any other file of a directory is
// left alone (and kept by the CLI).
inline constexpr const char* kAppFileNames[] = {"root_config.json", "realm_config.json", "auth/providers.json",
                                                "auth/custom_user_data.json", "guestpass.json"};

// Parses and validates an app's files. `where` (a directory, or empty) is
// put before file names in error messages.
core::Result<AppDefinition> ParseAppFiles(const AppFiles& files, const std::string& where);

// Reads the files of kAppFileNames that exist under `dir`.
core::Result<AppFiles> ReadAppDir(const std::string& dir);

// ReadAppDir, then ParseAppFiles.
core::Result<AppDefinition> LoadAppDir(const std::string& dir);

// The app as files in the realm-cli 20210101 layout (realm_config.json,
// auth/providers.json, auth/custom_user_data.json) plus guestpass.json with
// every setting spelled out. Deterministic: the same app gives the same
// bytes, and ParseAppFiles of them gives the same configuration back.
AppFiles ExportAppFiles(const core::App& app);

// guestpass.json's settings (the Admin API's .../settings route reads and
// writes the same shape): applies the settings that `json_text`, a JSON
// object, names to `*settings`, keeping the others; `null` for
// anonymous.signups_per_hour or signup_burst means the server's default.
// InvalidArgument(InvalidParameter) "WHERE: field 'anonymous.max_users': ..."
// naming the first field that is unknown or out of bounds; then `*settings`
// may be partly changed (apply to a copy).
core::Status ApplySettingsJson(const std::string& json_text, const std::string& where, core::AppSettings* settings);

// The settings as guestpass.json writes them: every setting spelled out
// (pretty-printed, deterministic).
std::string SettingsJson(const core::AppSettings& settings);

// True for a valid client app id: 1-64 of [a-z0-9-], starting with a letter or digit.
bool IsValidClientAppId(std::string_view id);

}  // namespace guestpass::config
