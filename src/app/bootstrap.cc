// bootstrap.cc: app import at start and the first app.
#include "app/bootstrap.h"

#include <set>

namespace guestpass::app {

using core::Status;

core::Result<ImportReport> ImportApps(admin::ConfigService& config,
                                      const std::vector<config::AppDefinition>& definitions) {
  ImportReport report;
  const admin::Actor server{core::ObjectId(), "server", "import"};
  std::set<std::string> seen;
  for (const auto& def : definitions) {
    if (!seen.insert(def.client_app_id).second)
      return Status::InvalidArgument(
          core::ErrorCode::kInvalidParameter,
          def.source_dir + ": app_id '" + def.client_app_id + "' is also used by another --app-dir");
    auto imported = config.Import(def, server, admin::ImportOptions{});
    if (!imported.ok())
      return Status::InvalidArgument(imported.status().error_code(), def.source_dir + ": " + imported.status().message());
    for (const auto& line : imported->inline_secrets) report.inline_secrets.push_back(def.source_dir + ": " + line);
    if (imported->created)
      report.created.push_back(def.client_app_id);
    else if (imported->deployment)
      report.deployed.push_back(def.client_app_id);
  }
  if (config.Apps().empty()) {
    auto app = config.CreateApp("application-0", server);
    if (!app.ok()) return app.status();
    auto enabled = config.Change(app->id, server, [](core::App& a) {
      a.providers.insert(a.providers.begin(), core::ProviderConfig{core::ObjectId(), std::string(core::kAnonUser),
                                                                   std::string(core::kAnonUser), false, "{}", "[]"});
      return Status::Ok();
    });
    if (!enabled.ok()) return enabled.status();
    report.created.push_back(app->client_app_id);
  }
  return report;
}

}  // namespace guestpass::app
