// app_dir.h: reads an app directory in the App Services export layout
// (shared/spec/admin-api.md section 7): root_config.json or realm_config.json
// with `app_id` and `name`, and auth/providers.json; plus guestpass's own
// optional guestpass.json (session lifetimes, anonymous sign-up limits). Validation errors name
// the file, the field and what is wrong.
#pragma once

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
};

core::Result<AppDefinition> LoadAppDir(const std::string& dir);

// True for a valid client app id: 1-64 of [a-z0-9-], starting with a letter or digit.
bool IsValidClientAppId(std::string_view id);

}  // namespace guestpass::config
