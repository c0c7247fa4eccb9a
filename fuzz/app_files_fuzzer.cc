// app_files_fuzzer.cc: an app's configuration files as an administrator,
// realm-cli or an app directory hand them in (config/app_dir.h
// ParseAppFiles: root_config.json or realm_config.json, auth/providers.json,
// guestpass.json).
// Input: files in a readable framing, each "=== <path>\n" then its
// contents up to the next such line:
//   === root_config.json
//   {"app_id": "myapp-abcde", "name": "myapp"}
// Properties: errors are InvalidArgument; an app that parses exports
// (ExportAppFiles) to files that parse back to the same configuration, and
// exporting that again gives the same bytes (the check every deployment
// relies on, admin/config_service.cc Validate).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/app_dir.h"
#include "fuzz_check.h"

namespace {

using guestpass::config::AppDefinition;
using guestpass::config::AppFiles;

AppFiles Split(std::string_view input) {
  AppFiles files;
  constexpr std::string_view kMark = "=== ";
  if (!input.starts_with(kMark)) {
    files["root_config.json"] = std::string(input);  // unframed: one root file
    return files;
  }
  while (input.starts_with(kMark)) {
    input.remove_prefix(kMark.size());
    const size_t eol = input.find('\n');
    const std::string name(input.substr(0, eol));
    input = eol == std::string_view::npos ? std::string_view() : input.substr(eol + 1);
    const size_t next = input.find("\n=== ");
    files[name] = std::string(input.substr(0, next));
    input = next == std::string_view::npos ? std::string_view() : input.substr(next + 1);
  }
  return files;
}

// The app an import makes of a definition (as the CLI's push does,
// cli/app_files.cc): the root file's model and location override the settings'.
guestpass::core::App AppOf(const AppDefinition& def) {
  guestpass::core::App app;
  app.client_app_id = def.client_app_id;
  app.name = def.name;
  app.providers = def.providers;
  app.settings = def.settings;
  if (!def.deployment_model.empty()) app.settings.deployment_model = def.deployment_model;
  if (!def.location.empty()) app.settings.location = def.location;
  return app;
}

void CheckSameApp(const guestpass::core::App& a, const guestpass::core::App& b, std::string_view input) {
  FUZZ_CHECK(a.client_app_id == b.client_app_id && a.name == b.name, input);
  FUZZ_CHECK(a.providers.size() == b.providers.size(), input);
  for (size_t i = 0; i < a.providers.size(); ++i) {
    const auto& p = a.providers[i];
    const auto& q = b.providers[i];
    FUZZ_CHECK(p.name == q.name && p.type == q.type && p.disabled == q.disabled, p.name);
    FUZZ_CHECK(p.config_json == q.config_json, p.config_json);
    FUZZ_CHECK(p.metadata_fields_json == q.metadata_fields_json, p.metadata_fields_json);
    FUZZ_CHECK(p.secret_config_json == q.secret_config_json, p.secret_config_json);
  }
  const auto& s = a.settings;
  const auto& t = b.settings;
  FUZZ_CHECK(s.refresh_token_ttl_seconds == t.refresh_token_ttl_seconds, input);
  FUZZ_CHECK(s.deployment_model == t.deployment_model && s.location == t.location, input);
  FUZZ_CHECK(s.anonymous_session_expiry == t.anonymous_session_expiry, input);
  FUZZ_CHECK(s.anonymous_signups_per_hour == t.anonymous_signups_per_hour, input);
  FUZZ_CHECK(s.anonymous_signup_burst == t.anonymous_signup_burst, input);
  FUZZ_CHECK(s.anonymous_inactive_days == t.anonymous_inactive_days, input);
  FUZZ_CHECK(s.anonymous_user_cap == t.anonymous_user_cap, input);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const AppFiles files = Split(input);
  const auto def = guestpass::config::ParseAppFiles(files, "app");
  if (!def.ok()) {
    FUZZ_CHECK(def.status().code() == guestpass::core::Code::kInvalidArgument, def.status().ToString());
    return 0;
  }
  const guestpass::core::App app = AppOf(*def);
  const AppFiles exported = guestpass::config::ExportAppFiles(app);
  const auto again = guestpass::config::ParseAppFiles(exported, "");
  if (!again.ok()) guestpass::fuzz::Fail("exported files do not parse", __FILE__, __LINE__, again.status().ToString());
  const guestpass::core::App back = AppOf(*again);
  CheckSameApp(app, back, input);
  FUZZ_CHECK(guestpass::config::ExportAppFiles(back) == exported, input);
  return 0;
}
