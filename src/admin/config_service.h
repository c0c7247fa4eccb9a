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
//
// Secrets: providers name the app's secrets in `secret_config`
// (auth/providers/secret_config.h). The store, drafts, deployments and
// exports hold the names; Reload resolves them (opening each value once
// with the master key) into the snapshot the client API serves, so no login
// decrypts anything. Validation resolves too: a configuration naming a
// secret the app lacks does not deploy. A value found inline where a secret
// belongs (configurations from before secrets, old app directories) is
// moved into a secret of the app on its way in, under a name made from the
// provider type and field ("custom-token-signingKeys"), so no value reaches
// the store, a draft, a deployment or an export.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "admin/secret_admin.h"
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
  // Values the files held inline where a secret belongs, and the secrets
  // that hold them now: "provider custom-token: signingKeys is now the secret 'N'".
  std::vector<std::string> inline_secrets;
};

class ConfigService {
 public:
  // `apps` receives every deployed app but the admin domain's (the client
  // API's registry), its providers' secrets resolved. `secrets` holds the
  // apps' secrets; without it (nullptr: tools that serve no logins) a
  // configuration that names a secret or holds one inline does not deploy.
  // All references must outlive the service.
  ConfigService(store::Store& store, auth::AppRegistry& apps, const auth::ProviderRegistry& providers,
                const core::Clock& clock, core::ObjectIdGenerator& ids, core::Random& random,
                SecretAdmin* secrets = nullptr);

  // Loads the deployed configuration into the registry (start, after every
  // deployment, and after a secret the deployed configuration names
  // changes), each provider's secrets resolved. An app whose secrets do not
  // resolve (deleted or unreadable behind the server's back; another master
  // key) keeps the snapshot it had (or is served unresolved at start, its
  // providers that need a secret then failing their logins), and the first
  // such error is returned, "app myapp-abcde: provider custom-token:
  // signingKeys[0]: no secret named 'jwt-key'", after the rest are swapped in.
  core::Status Reload();

  // The whole check a configuration passes before it deploys: its files
  // parse back (names, ids, settings within bounds; config/app_dir.h), one
  // provider per name, every secret its providers name exists, and each
  // provider's own ValidateConfig of its config with those secrets resolved.
  // InvalidArgument(InvalidParameter) naming the file or provider and field.
  core::Status Validate(const core::App& app) const;

  // Moves the values deployed configurations and drafts hold inline where a
  // secret belongs into secrets (see above): each app with such values is
  // deployed again (origin of `actor`) without them, a draft saved without
  // them. Once, at start, before anything is served. Returns one line per
  // value moved ("app myapp-abcde: provider custom-token: signingKeys[0] is
  // now the secret 'custom-token-signingKeys'").
  core::Result<std::vector<std::string>> MoveInlineSecretsOfStoredApps(const Actor& actor);

  // ---- Apps ----
  // As stored: secret names in secret_config, never their values.
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

  // ---- Secrets the configurations name (SecretAdmin for the rest) ----
  // Renames the app's secret and/or replaces its value (SecretAdmin::Update).
  // Refused with InvalidArgument(InvalidParameter) when that would break a
  // configuration: a rename while the deployed configuration or the draft
  // names the secret ("secret 'jwt-key' is used by provider custom-token
  // (signingKeys[0]) ..."), or a value the deployed configuration cannot
  // use (its provider's message, e.g. an RS256 key that does not parse).
  // When the deployed configuration names it, the registry is reloaded: new
  // logins use the new value at once, without a restart.
  core::Status UpdateSecret(const core::ObjectId& app_id, const core::ObjectId& secret_id, const std::string& name,
                            const std::optional<std::string>& value);
  // Deletes the app's secret; refused (InvalidArgument, naming the provider
  // and field) while the deployed configuration or the draft names it.
  // NotFound for a secret the app does not have.
  core::Status DeleteSecret(const core::ObjectId& app_id, const core::ObjectId& secret_id);

  // ---- Whole apps (--app-dir, push, import) ----
  // Makes `def` the app's configuration (replace-by-name: providers matched
  // by name keep their ids; the app is created when no app has its client
  // app id). With `options.dry_run`, only reports the diffs. An unchanged
  // configuration deploys nothing; with a draft open, the change goes into it.
  // Values inline where a secret belongs become secrets (the diffs show the
  // names they will have).
  core::Result<ImportOutcome> Import(const config::AppDefinition& def, const Actor& actor, ImportOptions options);

 private:
  // Secrets to create before a configuration that names them is stored:
  // values found inline, moved out of a config; and the app's secrets as
  // they were when the plan started (listed once), to reuse one that
  // already holds a value.
  struct SecretPlan {
    core::ObjectId app_id;
    std::map<std::string, std::string> create{};  // name -> value
    std::vector<std::string> moved{};             // "provider P: FIELD is now the secret 'N'"
    bool listed = false;
    std::map<std::string, core::Secret> existing{};  // by name
    std::map<std::string, std::string> opened{};     // name -> value, opened so far
  };
  // Moves the values `app` holds inline at its providers' secret fields
  // into `plan` (nothing is written); its providers then name secrets.
  core::Status MoveInline(core::App& app, SecretPlan& plan) const;
  core::Result<std::string> KeepInline(const std::string& type, const auth::SecretField& field,
                                       const std::string& value, SecretPlan& plan) const;
  core::Status CreatePlanned(const SecretPlan& plan);
  // The app's secret values by name, the plan's first (`plan` may be null).
  auth::SecretLookup LookupFor(const core::ObjectId& app_id, const SecretPlan* plan) const;
  core::Status ValidateWith(const core::App& app, const SecretPlan* plan) const;
  // Where the deployed configuration and the draft name secret `name`
  // ("provider custom-token (signingKeys[0])"); `deployed_uses` says
  // whether the deployed configuration is among them.
  core::Result<std::vector<std::string>> SecretUses(const core::ObjectId& app_id, const std::string& name,
                                                    bool* deployed_uses) const;
  core::Result<core::Deployment> DeployApp(const core::App& app, const core::ObjectId& draft_id, const Actor& actor,
                                           std::string name);
  core::Result<core::App> StoredApp(const core::ObjectId& app_id) const;

  store::Store& store_;
  auth::AppRegistry& apps_;
  const auth::ProviderRegistry& providers_;
  const core::Clock& clock_;
  core::ObjectIdGenerator& ids_;
  core::Random& random_;
  SecretAdmin* secrets_;  // may be null
};

}  // namespace guestpass::admin
