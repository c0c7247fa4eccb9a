// bootstrap.h: start-up steps of `guestpass serve` (and guestpass-seed) that
// need several modules: importing app directories through the same path as
// the Admin API's push, and creating the first app on an empty store.
#pragma once

#include <string>
#include <vector>

#include "admin/config_service.h"
#include "config/app_dir.h"

namespace guestpass::app {

struct ImportReport {
  std::vector<std::string> created;   // client app ids created now
  std::vector<std::string> deployed;  // client app ids whose directory changed their configuration
  // "DIR: provider custom-token: signingKeys is now the secret 'N'": values a
  // directory gives inline where a secret belongs (kept as secrets, never stored as given).
  std::vector<std::string> inline_secrets;
};

// Imports each definition (ConfigService::Import: validated, replace-by-name,
// an unchanged directory deploys nothing). If no app exists then, creates
// "application-0" with anon-user enabled. Stops at the first error, naming
// the directory. Call before the server serves (no worker needed then).
core::Result<ImportReport> ImportApps(admin::ConfigService& config,
                                      const std::vector<config::AppDefinition>& definitions);

}  // namespace guestpass::app
