// config_service.h: configuration as data. Apps, their providers and
// settings live in the store; a change goes into the app's draft when it has
// one and deploys at once when it has none; a deployment validates the whole
// app (the same check as an import and a start), records itself, and swaps
// the registry's snapshot, so running servers apply it without a restart and
// a request sees the old or the new configuration, never a mix.
//
// The Admin API, `--app-dir` at start and the CLI (through the Admin API)
// all change configuration here. Not thread-safe: call it from one thread
// (admin::Worker) only; its store calls block.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "auth/app_registry.h"
#include "auth/providers/provider_registry.h"
#include "config/app_dir.h"
#include "core/clock.h"
#include "core/model.h"
#include "core/object_id.h"
#include "core/random.h"
#include "core/status.h"
#include "store/store.h"

namespace guestpass::admin {

// Who changes configuration, and through what.
struct Actor {
  core::ObjectId admin_id;  // zero: the server itself (--app-dir import)
  std::string label;        // for audit and logs: "admin:alice", "server"
  std::string origin;       // a deployment's origin: "API", "UI", "CLI", "import"
};

// What a change did: deployed at once, or went into the open draft.
struct ChangeOutcome {
  core::App app;                              // the app as changed
  std::optional<core::Deployment> deployment;  // when it deployed
  bool changed = true;                         // false: the change changed nothing
};

struct ImportOptions {
  bool dry_run = false;  // only report the diffs
  // Keep the app's settings when the files have no guestpass.json (realm-cli
  // knows nothing of it); otherwise an app directory is the whole truth and
  // a missing guestpass.json means the defaults.
  bool keep_settings = false;
};

struct ImportOutcome {
  core::App app;
  bool created = false;                        // a new app
  std::vector<std::string> diffs;              // unified diffs against what it replaced
  std::optional<core::Deployment> deployment;  // when it deployed (not into a draft, not a dry run)
};

class ConfigService {
 public:
  // `apps` receives every deployed app but the admin domain's (the client
  // API's registry). All references must outlive the service.
  ConfigService(store::Store& store, auth::AppRegistry& apps, const auth::ProviderRegistry& providers,
                const core::Clock& clock, core::ObjectIdGenerator& ids, core::Random& random);

  // Loads the deployed configuration into the registry (start, and after
  // every deployment).
  core::Status Reload();

  // The whole check a configuration passes before it deploys: its files
  // parse back (names, ids, settings within bounds; config/app_dir.h), one
  // provider per name, and each provider's own ValidateConfig.
  // InvalidArgument(InvalidParameter) naming the file or provider and field.
  core::Status Validate(const core::App& app) const;

  // ---- Apps ----
  std::vector<core::App> Apps() const;  // deployed, in creation order, admin domain excluded
  core::Result<core::App> App(const core::ObjectId& app_id) const;  // NotFound(AppNotFound)
  // A new app "NAME" with client app id NAME-xxxxx (lowercased) and the
  // api-key provider, disabled (clients expect it). InvalidArgument for a
  // bad name; AlreadyExists when an app has that name.
  core::Result<core::App> CreateApp(const std::string& name, const Actor& actor);
  core::Status DeleteApp(const core::ObjectId& app_id, const Actor& actor);

  // ---- Changes ----
  // The app as a change sees it: its draft's when it has one, else deployed.
  core::Result<core::App> Editable(const core::ObjectId& app_id) const;
  // Applies `edit` to Editable(app_id), validates the result, and saves it
  // into the draft or deploys it. An error of `edit` or of the validation
  // changes nothing.
  core::Result<ChangeOutcome> Change(const core::ObjectId& app_id, const Actor& actor,
                                     const std::function<core::Status(core::App&)>& edit);

  // ---- Drafts and deployments ----
  core::Result<core::Draft> CreateDraft(const core::ObjectId& app_id, const Actor& actor);  // 409 DraftAlreadyExists
  core::Result<std::optional<core::Draft>> Draft(const core::ObjectId& app_id) const;
  core::Status DiscardDraft(const core::ObjectId& app_id, const core::ObjectId& draft_id);
  // Unified diffs of the draft against the deployed configuration.
  core::Result<std::vector<std::string>> DraftDiff(const core::ObjectId& app_id, const core::ObjectId& draft_id) const;
  // Deploys the draft: a failed deployment (invalid configuration) is
  // recorded with its error, changes nothing and keeps the draft.
  core::Result<core::Deployment> DeployDraft(const core::ObjectId& app_id, const core::ObjectId& draft_id,
                                             const Actor& actor, const std::string& name);
  core::Result<std::vector<core::Deployment>> Deployments(const core::ObjectId& app_id, size_t limit) const;
  core::Result<core::Deployment> Deployment(const core::ObjectId& app_id, const core::ObjectId& id) const;
  // Deploys again what deployment `id` deployed (a rollback), as a new deployment.
  core::Result<core::Deployment> Redeploy(const core::ObjectId& app_id, const core::ObjectId& id,
                                          const Actor& actor);

  // The deployment configuration's "Disable Drafts" (GET/PATCH
  // .../deploy/config): stored with the app, outside its configuration
  // files and deployments (a redeploy or import keeps the current value).
  core::Result<core::App> SetUiDraftsDisabled(const core::ObjectId& app_id, bool disabled);

  // ---- Whole apps (--app-dir, push, import) ----
  // Makes `def` the app's configuration (replace-by-name: providers matched
  // by name keep their ids; the app is created when no app has its client
  // app id). With `options.dry_run`, only reports the diffs. An unchanged
  // configuration deploys nothing; with a draft open, the change goes into it.
  core::Result<ImportOutcome> Import(const config::AppDefinition& def, const Actor& actor, ImportOptions options);

 private:
  core::Result<core::Deployment> DeployApp(const core::App& app, const core::ObjectId& draft_id, const Actor& actor,
                                           std::string name);
  core::Result<core::App> StoredApp(const core::ObjectId& app_id) const;

  store::Store& store_;
  auth::AppRegistry& apps_;
  const auth::ProviderRegistry& providers_;
  const core::Clock& clock_;
  core::ObjectIdGenerator& ids_;
  core::Random& random_;
};

}  // namespace guestpass::admin
