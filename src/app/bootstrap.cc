// bootstrap.cc: app import.
#include "app/bootstrap.h"

#include <set>

#include "store/sync.h"

namespace guestpass::app {

using core::Status;

namespace {
core::App Merge(const config::AppDefinition& def, const core::App* existing, core::ObjectIdGenerator& ids,
                const core::Clock& clock) {
  core::App app;
  if (existing != nullptr) {
    app = *existing;
  } else {
    app.id = ids.Next();
    app.created_at = clock.NowSeconds();
  }
  app.client_app_id = def.client_app_id;
  app.name = def.name;
  // The directory is the source of truth: its settings replace the stored ones.
  app.settings = def.settings;
  if (!def.deployment_model.empty()) app.settings.deployment_model = def.deployment_model;
  if (!def.location.empty()) app.settings.location = def.location;
  std::vector<core::ProviderConfig> providers;
  for (auto p : def.providers) {
    const core::ProviderConfig* old = existing ? existing->FindProvider(p.name) : nullptr;
    p.id = old ? old->id : ids.Next();
    providers.push_back(std::move(p));
  }
  app.providers = std::move(providers);
  return app;
}
}  // namespace

core::Result<ImportReport> ImportApps(store::Store& store, const std::vector<config::AppDefinition>& definitions,
                                      core::ObjectIdGenerator& ids, core::Random& random, const core::Clock& clock) {
  ImportReport report;
  auto apps = store::Await<std::vector<core::App>>([&](auto done) { store.ListApps(done); });
  if (!apps.ok()) return apps.status();
  std::set<std::string> seen;
  for (const auto& def : definitions) {
    if (!seen.insert(def.client_app_id).second)
      return Status::InvalidArgument(
          core::ErrorCode::kInvalidParameter,
          def.source_dir + ": app_id '" + def.client_app_id + "' is also used by another --app-dir");
    const core::App* existing = nullptr;
    for (const auto& a : *apps)
      if (a.client_app_id == def.client_app_id) existing = &a;
    if (existing == nullptr) report.created.push_back(def.client_app_id);
    core::App merged = Merge(def, existing, ids, clock);
    if (Status s = store::AwaitStatus([&](auto done) { store.PutApp(merged, done); }); !s.ok()) return s;
  }
  apps = store::Await<std::vector<core::App>>([&](auto done) { store.ListApps(done); });
  if (!apps.ok()) return apps.status();
  if (apps->empty()) {
    core::App app;
    app.id = ids.Next();
    app.created_at = clock.NowSeconds();
    app.name = "application-0";
    app.client_app_id = "application-0-" + core::RandomLowercase(random, 5);
    app.providers.push_back({ids.Next(), std::string(core::kAnonUser), std::string(core::kAnonUser), false, "{}"});
    if (Status s = store::AwaitStatus([&](auto done) { store.PutApp(app, done); }); !s.ok()) return s;
    report.created.push_back(app.client_app_id);
    apps = store::Await<std::vector<core::App>>([&](auto done) { store.ListApps(done); });
    if (!apps.ok()) return apps.status();
  }
  report.apps = std::move(*apps);
  return report;
}

}  // namespace guestpass::app
