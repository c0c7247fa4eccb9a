// config_service.cc: drafts, deployments and imports over the store.
#include "admin/config_service.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "admin/diff.h"
#include "store/app_codec.h"
#include "store/sync.h"

namespace guestpass::admin {

using core::ErrorCode;
using core::ObjectId;
using core::Result;
using core::Status;

namespace {
// Equal as configurations: providers are keyed by name, so their order
// (files list them sorted, an app in the order they were added) is not a change.
bool SameConfiguration(core::App a, core::App b) {
  const auto by_name = [](const core::ProviderConfig& x, const core::ProviderConfig& y) { return x.name < y.name; };
  std::sort(a.providers.begin(), a.providers.end(), by_name);
  std::sort(b.providers.begin(), b.providers.end(), by_name);
  return store::EncodeApp(a) == store::EncodeApp(b);
}

bool IsAdminDomain(const core::App& app) { return app.client_app_id == core::kAdminDomainClientAppId; }

// The app as stored: whatever the registry resolved stays there.
core::App Unresolved(core::App app) {
  for (auto& p : app.providers) p.resolved_config_json.clear();
  return app;
}

// `s` with "PREFIX: " before its message, its kind kept.
Status Prefixed(const std::string& prefix, const Status& s) {
  return Status::Make(s.code(), s.error_code(), prefix + s.message());
}

// The name a value moved out of `type`'s config at `path` starts from:
// "custom-token-signingKeys", "local-userpass-smtp-password".
std::string InlineSecretBase(const std::string& type, std::string_view path) {
  std::string base = type + "-";
  for (char c : path) base += c == '.' ? '-' : c;
  return base;
}

// `def` over `base`: the directory is the source of truth for everything it
// configures; providers that stay keep their ids.
core::App Merge(const config::AppDefinition& def, core::App base, core::ObjectIdGenerator& ids, bool keep_settings) {
  base.client_app_id = def.client_app_id;
  base.name = def.name;
  if (def.settings_given || !keep_settings) {
    const bool ui_drafts_disabled = base.settings.ui_drafts_disabled;  // not the files' (SetUiDraftsDisabled)
    base.settings = def.settings;
    base.settings.ui_drafts_disabled = ui_drafts_disabled;
  }
  if (!def.deployment_model.empty()) base.settings.deployment_model = def.deployment_model;
  if (!def.location.empty()) base.settings.location = def.location;
  std::vector<core::ProviderConfig> providers;
  for (auto p : def.providers) {
    const core::ProviderConfig* old = base.FindProvider(p.name);
    p.id = old ? old->id : ids.Next();
    providers.push_back(std::move(p));
  }
  base.providers = std::move(providers);
  return base;
}
}  // namespace

ConfigService::ConfigService(store::Store& store, auth::AppRegistry& apps, const auth::ProviderRegistry& providers,
                             const core::Clock& clock, core::ObjectIdGenerator& ids, core::Random& random,
                             SecretAdmin* secrets)
    : store_(store), apps_(apps), providers_(providers), clock_(clock), ids_(ids), random_(random), secrets_(secrets) {}

Status ConfigService::Reload() {
  auto apps = store::Await<std::vector<core::App>>([&](auto done) { store_.ListApps(done); });
  if (!apps.ok()) return apps.status();
  std::erase_if(*apps, IsAdminDomain);
  // Secrets are opened here, once per deployment, never per login.
  Status first_error = Status::Ok();
  std::vector<core::App> served;
  for (auto& app : *apps) {
    auto resolved = providers_.ResolveApp(app, LookupFor(app.id, nullptr));
    if (resolved.ok()) {
      served.push_back(std::move(*resolved));
      continue;
    }
    if (first_error.ok()) first_error = Prefixed("app " + app.client_app_id + ": ", resolved.status());
    auto previous = apps_.FindById(app.id);
    served.push_back(previous ? *previous : std::move(app));
  }
  apps_.Replace(std::move(served));
  return first_error;
}

auth::SecretLookup ConfigService::LookupFor(const ObjectId& app_id, const SecretPlan* plan) const {
  auth::SecretLookup stored;
  if (secrets_ != nullptr) stored = secrets_->LookupFor(app_id);
  return [plan, stored](const std::string& name) -> Result<std::string> {
    if (plan != nullptr) {
      if (auto it = plan->create.find(name); it != plan->create.end()) return it->second;
    }
    if (!stored) return Status::NotFound(ErrorCode::kNotFound, "this server keeps no secrets");
    return stored(name);
  };
}

Result<std::string> ConfigService::KeepInline(const std::string& type, const auth::SecretField& field,
                                              const std::string& value, SecretPlan& plan) const {
  const std::string where(field.path);
  if (secrets_ == nullptr)
    return Status::InvalidArgument(ErrorCode::kInvalidParameter,
                                   where +
                                       ": a value given inline needs the server's secrets; name a secret in "
                                       "secret_config instead");
  if (value.size() > kMaxSecretValueBytes)
    return Status::InvalidArgument(
        ErrorCode::kInvalidParameter,
        where + ": a value given inline becomes a secret, and secrets hold at most 4096 bytes");
  if (!plan.listed) {
    auto listed = secrets_->List(plan.app_id);
    if (!listed.ok()) return listed.status();
    for (auto& secret : *listed) plan.existing.emplace(secret.name, std::move(secret));
    plan.listed = true;
  }
  // The same value under this field's name (or a numbered one) is reused:
  // importing an unchanged directory again changes nothing. A name that
  // holds another value is never overwritten (a draft's change must not
  // reach the deployed configuration through a shared secret).
  const std::string base = InlineSecretBase(type, field.path);
  for (int n = 1; n <= 1000; ++n) {
    const std::string name = n == 1 ? base : base + "-" + std::to_string(n);
    if (auto it = plan.create.find(name); it != plan.create.end()) {
      if (it->second == value) return name;
      continue;
    }
    auto existing = plan.existing.find(name);
    if (existing == plan.existing.end()) {
      plan.create.emplace(name, value);
      return name;
    }
    auto opened = plan.opened.find(name);
    if (opened == plan.opened.end()) {
      auto open = secrets_->Open(existing->second);
      if (!open.ok()) continue;  // unreadable: not the same value as far as anyone can tell
      opened = plan.opened.emplace(name, std::move(*open)).first;
    }
    if (opened->second == value) return name;
  }
  return Status::InvalidArgument(ErrorCode::kInvalidParameter,
                                 where + ": no free name for a secret from '" + base + "'");
}

Status ConfigService::MoveInline(core::App& app, SecretPlan& plan) const {
  for (auto& config : app.providers) {
    const auth::Provider* provider = providers_.Find(config.type);
    if (provider == nullptr || provider->SecretFields().empty()) continue;
    const std::string type = config.type;
    std::vector<std::string> moved;
    auto count =
        auth::MoveInlineSecrets(config, provider->SecretFields(),
                                [&](const auth::SecretField& field, const std::string& value) -> Result<std::string> {
                                  auto name = KeepInline(type, field, value, plan);
                                  if (name.ok())
                                    moved.push_back(std::string(field.path) + " is now the secret '" + *name + "'");
                                  return name;
                                });
    if (!count.ok()) return Prefixed("provider " + config.name + ": ", count.status());
    for (auto& line : moved) plan.moved.push_back("provider " + config.name + ": " + line);
  }
  return Status::Ok();
}

Status ConfigService::CreatePlanned(const SecretPlan& plan) {
  for (const auto& [name, value] : plan.create) {
    auto created = secrets_->Create(plan.app_id, name, value);
    if (!created.ok()) return Prefixed("secret '" + name + "': ", created.status());
  }
  return Status::Ok();
}

Status ConfigService::Validate(const core::App& app) const { return ValidateWith(app, nullptr); }

Status ConfigService::ValidateWith(const core::App& app, const SecretPlan* plan) const {
  std::set<std::string> names;
  for (const auto& p : app.providers) {
    if (!names.insert(p.name).second)
      return Status::InvalidArgument(ErrorCode::kInvalidParameter,
                                     "provider " + p.name + ": an app has at most one provider of each type");
  }
  // The files the app exports parse back: one check for names, ids,
  // provider names and types, and settings within their bounds.
  auto parsed = config::ParseAppFiles(config::ExportAppFiles(app), "");
  if (!parsed.ok()) return parsed.status();
  return providers_.ValidateApp(app, LookupFor(app.id, plan));
}

Result<std::vector<std::string>> ConfigService::MoveInlineSecretsOfStoredApps(const Actor& actor) {
  std::vector<std::string> report;
  for (const core::App& deployed : Apps()) {
    const std::string prefix = "app " + deployed.client_app_id + ": ";
    core::App app = deployed;
    SecretPlan plan{app.id};
    if (Status s = MoveInline(app, plan); !s.ok()) return Prefixed(prefix, s);
    if (!plan.moved.empty()) {
      auto d = DeployApp(deployed, ObjectId(), actor, "inline secret values moved into secrets");
      if (!d.ok()) return Prefixed(prefix, d.status());
      if (d->status != core::DeploymentStatus::kSuccessful) return Prefixed(prefix, Status::Internal(d->error));
      for (const auto& line : plan.moved) report.push_back(prefix + line);
    }
    auto draft = Draft(app.id);
    if (!draft.ok()) return Prefixed(prefix, draft.status());
    if (!draft->has_value()) continue;
    core::Draft changed = **draft;
    SecretPlan draft_plan{app.id};
    if (Status s = MoveInline(changed.app, draft_plan); !s.ok()) return Prefixed(prefix + "draft: ", s);
    if (draft_plan.moved.empty()) continue;
    if (Status s = CreatePlanned(draft_plan); !s.ok()) return Prefixed(prefix + "draft: ", s);
    if (Status s = store::AwaitStatus([&](auto done) { store_.PutDraft(changed, /*create=*/false, done); }); !s.ok())
      return s;
    for (const auto& line : draft_plan.moved) report.push_back(prefix + "draft: " + line);
  }
  return report;
}

Result<std::vector<std::string>> ConfigService::SecretUses(const ObjectId& app_id, const std::string& name,
                                                           bool* deployed_uses) const {
  auto deployed = App(app_id);
  if (!deployed.ok()) return deployed.status();
  auto draft = Draft(app_id);
  if (!draft.ok()) return draft.status();
  std::vector<std::string> uses;
  const auto collect = [&](const core::App& app, const std::string& where) {
    for (const auto& p : app.providers)
      for (const auto& ref : auth::SecretReferences(p.secret_config_json))
        if (ref.name == name) uses.push_back("provider " + p.name + " (" + ref.field + ")" + where);
  };
  collect(*deployed, "");
  *deployed_uses = !uses.empty();
  if (draft->has_value()) collect((*draft)->app, " in the draft");
  std::sort(uses.begin(), uses.end());
  uses.erase(std::unique(uses.begin(), uses.end()), uses.end());
  return uses;
}

namespace {
std::string Joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}
}  // namespace

Status ConfigService::UpdateSecret(const ObjectId& app_id, const ObjectId& secret_id, const std::string& name,
                                   const std::optional<std::string>& value) {
  if (secrets_ == nullptr) return Status::Internal("this server keeps no secrets");
  auto listed = secrets_->List(app_id);
  if (!listed.ok()) return listed.status();
  const core::Secret* current = nullptr;
  for (const auto& s : *listed)
    if (s.id == secret_id) current = &s;
  if (current == nullptr) return Status::NotFound(ErrorCode::kNotFound, "secret not found");
  bool deployed_uses = false;
  auto uses = SecretUses(app_id, current->name, &deployed_uses);
  if (!uses.ok()) return uses.status();
  if (name != current->name && !uses->empty())
    return Status::InvalidArgument(ErrorCode::kInvalidParameter,
                                   "secret '" + current->name + "' is used by " + Joined(*uses) +
                                       "; it cannot be renamed while a configuration names it");
  if (value && deployed_uses) {
    // The deployed configuration with the new value must still work.
    auto deployed = App(app_id);
    if (!deployed.ok()) return deployed.status();
    const auth::SecretLookup stored = secrets_->LookupFor(app_id);
    const std::string& changed = current->name;
    const auth::SecretLookup with_new = [&](const std::string& n) -> Result<std::string> {
      if (n == changed) return *value;
      return stored(n);
    };
    if (Status s = providers_.ValidateApp(*deployed, with_new); !s.ok())
      return Prefixed("the new value of secret '" + changed + "' does not work: ", s);
  }
  if (Status s = secrets_->Update(app_id, secret_id, name, value); !s.ok()) return s;
  // New logins use the new value: the snapshot is resolved again.
  if (value && deployed_uses) return Reload();
  return Status::Ok();
}

Status ConfigService::DeleteSecret(const ObjectId& app_id, const ObjectId& secret_id) {
  if (secrets_ == nullptr) return Status::Internal("this server keeps no secrets");
  auto listed = secrets_->List(app_id);
  if (!listed.ok()) return listed.status();
  const core::Secret* current = nullptr;
  for (const auto& s : *listed)
    if (s.id == secret_id) current = &s;
  if (current == nullptr) return Status::NotFound(ErrorCode::kNotFound, "secret not found");
  bool deployed_uses = false;
  auto uses = SecretUses(app_id, current->name, &deployed_uses);
  if (!uses.ok()) return uses.status();
  if (!uses->empty())
    return Status::InvalidArgument(ErrorCode::kInvalidParameter,
                                   "secret '" + current->name + "' is used by " + Joined(*uses) +
                                       "; change the provider's secret_config before deleting it");
  return secrets_->Delete(app_id, secret_id);
}

std::vector<core::App> ConfigService::Apps() const {
  std::vector<core::App> out;
  for (const auto& app : apps_.All()) out.push_back(Unresolved(*app));
  return out;
}

Result<core::App> ConfigService::StoredApp(const ObjectId& app_id) const {
  auto apps = store::Await<std::vector<core::App>>([&](auto done) { store_.ListApps(done); });
  if (!apps.ok()) return apps.status();
  for (auto& app : *apps)
    if (app.id == app_id && !IsAdminDomain(app)) return std::move(app);
  return Status::NotFound(ErrorCode::kAppNotFound, "app not found");
}

Result<core::App> ConfigService::App(const ObjectId& app_id) const {
  if (auto app = apps_.FindById(app_id)) return Unresolved(*app);
  return Status::NotFound(ErrorCode::kAppNotFound, "app not found");
}

Result<core::App> ConfigService::CreateApp(const std::string& name, const Actor& actor) {
  core::App app;
  app.id = ids_.Next();
  app.created_at = clock_.NowSeconds();
  app.name = name;
  std::string prefix;
  for (char c : name) prefix += c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  app.client_app_id = prefix + "-" + core::RandomLowercase(random_, 5);
  app.providers.push_back({ids_.Next(), std::string(core::kApiKey), std::string(core::kApiKey), true, "{}", "[]"});
  for (const auto& other : Apps()) {
    if (other.name == name)
      return Status::AlreadyExists(ErrorCode::kInvalidParameter, "an app named '" + name + "' already exists");
  }
  if (Status s = Validate(app); !s.ok()) {
    if (s.message().find("field 'name'") != std::string::npos)
      return Status::InvalidArgument(ErrorCode::kInvalidParameter,
                                     "app name must be 1-32 ASCII letters, digits, '_' or '-'");
    return s;
  }
  (void)actor;  // creating an app is not a deployment: its first change is
  if (Status s = store::AwaitStatus([&](auto done) { store_.PutApp(app, done); }); !s.ok()) return s;
  if (Status s = Reload(); !s.ok()) return s;
  return app;
}

Status ConfigService::DeleteApp(const ObjectId& app_id, const Actor& actor) {
  if (auto app = App(app_id); !app.ok()) return app.status();
  Status s = store::AwaitStatus([&](auto done) {
    store_.DeleteApp(app_id, core::Deletion{clock_.NowSeconds(), actor.label, "the app was deleted"}, done);
  });
  if (!s.ok()) return s;
  return Reload();
}

Result<core::App> ConfigService::Editable(const ObjectId& app_id) const {
  auto app = App(app_id);
  if (!app.ok()) return app.status();
  auto draft = Draft(app_id);
  if (!draft.ok()) return draft.status();
  if (draft->has_value()) return (*draft)->app;
  return app;
}

Result<ChangeOutcome> ConfigService::Change(const ObjectId& app_id, const Actor& actor,
                                            const std::function<Status(core::App&)>& edit) {
  auto deployed = App(app_id);
  if (!deployed.ok()) return deployed.status();
  auto draft = Draft(app_id);
  if (!draft.ok()) return draft.status();
  ChangeOutcome out;
  out.app = draft->has_value() ? (*draft)->app : *deployed;
  const core::App before = out.app;
  if (Status s = edit(out.app); !s.ok()) return s;
  out.app.id = before.id;  // what identifies the app is not the edit's to change
  out.app.client_app_id = before.client_app_id;
  out.app.created_at = before.created_at;
  for (auto& p : out.app.providers)
    if (p.id.IsZero()) p.id = ids_.Next();  // a provider the edit added
  SecretPlan plan{out.app.id};
  if (Status s = MoveInline(out.app, plan); !s.ok()) return s;
  if (SameConfiguration(out.app, before)) {
    out.changed = false;
    return out;
  }
  if (Status s = ValidateWith(out.app, &plan); !s.ok()) return s;
  if (Status s = CreatePlanned(plan); !s.ok()) return s;
  if (draft->has_value()) {
    core::Draft changed = **draft;
    changed.app = out.app;
    if (Status s = store::AwaitStatus([&](auto done) { store_.PutDraft(changed, /*create=*/false, done); }); !s.ok())
      return s;
    return out;
  }
  auto deployment = DeployApp(out.app, ObjectId(), actor, "");
  if (!deployment.ok()) return deployment.status();
  out.deployment = std::move(*deployment);
  return out;
}

Result<core::Deployment> ConfigService::DeployApp(const core::App& deploying, const ObjectId& draft_id,
                                                  const Actor& actor, std::string name) {
  core::App app = Unresolved(deploying);
  // A redeploy of a configuration from before secrets, or the start's
  // MoveInlineSecretsOfStoredApps: no value is recorded, even in a failure.
  SecretPlan plan{app.id};
  if (Status s = MoveInline(app, plan); !s.ok()) return s;
  // Not the deployment's to change (see SetUiDraftsDisabled).
  if (auto current = apps_.FindById(app.id)) app.settings.ui_drafts_disabled = current->settings.ui_drafts_disabled;
  core::Deployment d;
  d.id = ids_.Next();
  d.app_id = app.id;
  d.name = name.empty() ? d.id.ToHex() : std::move(name);
  d.draft_id = draft_id;
  d.author_id = actor.admin_id;
  d.origin = actor.origin;
  d.deployed_at = clock_.NowSeconds();
  d.config_json = store::EncodeApp(app);
  if (Status v = ValidateWith(app, &plan); !v.ok()) {
    d.status = core::DeploymentStatus::kFailed;
    d.error = v.message();
  } else if (Status s = CreatePlanned(plan); !s.ok()) {
    return s;
  }
  const ObjectId close = d.status == core::DeploymentStatus::kSuccessful ? draft_id : ObjectId();
  if (Status s = store::AwaitStatus([&](auto done) { store_.Deploy(app, d, close, done); }); !s.ok()) return s;
  if (d.status == core::DeploymentStatus::kSuccessful) {
    if (Status s = Reload(); !s.ok()) return s;
  }
  return d;
}

Result<core::App> ConfigService::SetUiDraftsDisabled(const ObjectId& app_id, bool disabled) {
  auto app = App(app_id);
  if (!app.ok()) return app.status();
  if (app->settings.ui_drafts_disabled == disabled) return app;
  app->settings.ui_drafts_disabled = disabled;
  if (Status s = store::AwaitStatus([&](auto done) { store_.PutApp(*app, done); }); !s.ok()) return s;
  if (Status s = Reload(); !s.ok()) return s;
  return app;
}

Result<core::Draft> ConfigService::CreateDraft(const ObjectId& app_id, const Actor& actor) {
  auto app = App(app_id);
  if (!app.ok()) return app.status();
  core::Draft draft{ids_.Next(), app_id, actor.admin_id, clock_.NowSeconds(), *app};
  if (Status s = store::AwaitStatus([&](auto done) { store_.PutDraft(draft, /*create=*/true, done); }); !s.ok())
    return s;
  return draft;
}

Result<std::optional<core::Draft>> ConfigService::Draft(const ObjectId& app_id) const {
  return store::Await<std::optional<core::Draft>>([&](auto done) { store_.GetDraft(app_id, done); });
}

Status ConfigService::DiscardDraft(const ObjectId& app_id, const ObjectId& draft_id) {
  if (auto app = App(app_id); !app.ok()) return app.status();
  return store::AwaitStatus([&](auto done) { store_.DeleteDraft(app_id, draft_id, done); });
}

Result<std::vector<std::string>> ConfigService::DraftDiff(const ObjectId& app_id, const ObjectId& draft_id) const {
  auto app = App(app_id);
  if (!app.ok()) return app.status();
  auto draft = Draft(app_id);
  if (!draft.ok()) return draft.status();
  if (!draft->has_value() || (*draft)->id != draft_id)
    return Status::NotFound(ErrorCode::kDraftNotFound, "draft not found");
  return DiffFiles(config::ExportAppFiles(*app), config::ExportAppFiles((*draft)->app));
}

Result<core::Deployment> ConfigService::DeployDraft(const ObjectId& app_id, const ObjectId& draft_id,
                                                    const Actor& actor, const std::string& name) {
  auto draft = Draft(app_id);
  if (!draft.ok()) return draft.status();
  if (!draft->has_value() || (*draft)->id != draft_id)
    return Status::NotFound(ErrorCode::kDraftNotFound, "draft not found");
  return DeployApp((*draft)->app, draft_id, actor, name);
}

Result<std::vector<core::Deployment>> ConfigService::Deployments(const ObjectId& app_id, size_t limit) const {
  if (auto app = App(app_id); !app.ok()) return app.status();
  return store::Await<std::vector<core::Deployment>>(
      [&](auto done) { store_.ListDeployments(app_id, limit, done); });
}

Result<core::Deployment> ConfigService::Deployment(const ObjectId& app_id, const ObjectId& id) const {
  if (auto app = App(app_id); !app.ok()) return app.status();
  return store::Await<core::Deployment>([&](auto done) { store_.GetDeployment(app_id, id, done); });
}

Result<core::Deployment> ConfigService::Redeploy(const ObjectId& app_id, const ObjectId& id, const Actor& actor) {
  auto earlier = Deployment(app_id, id);
  if (!earlier.ok()) return earlier.status();
  if (earlier->status != core::DeploymentStatus::kSuccessful)
    return Status::InvalidArgument(ErrorCode::kInvalidParameter, "only a successful deployment can be deployed again");
  auto app = store::DecodeApp(earlier->config_json);
  if (!app.ok()) return app.status();
  auto current = App(app_id);
  if (!current.ok()) return current.status();
  app->id = current->id;
  app->client_app_id = current->client_app_id;
  app->created_at = current->created_at;
  return DeployApp(*app, ObjectId(), actor, "redeploy of " + earlier->name);
}

Result<ImportOutcome> ConfigService::Import(const config::AppDefinition& def, const Actor& actor,
                                            ImportOptions options) {
  const bool dry_run = options.dry_run;
  ImportOutcome out;
  std::optional<core::App> existing;
  for (auto& app : Apps())
    if (app.client_app_id == def.client_app_id) existing = std::move(app);
  if (!existing) {
    core::App fresh;
    fresh.id = ids_.Next();
    fresh.created_at = clock_.NowSeconds();
    out.app = Merge(def, fresh, ids_, options.keep_settings);
    out.created = true;
    SecretPlan plan{out.app.id};
    if (Status s = MoveInline(out.app, plan); !s.ok()) return s;
    out.inline_secrets = plan.moved;
    out.diffs = DiffFiles({}, config::ExportAppFiles(out.app));
    if (dry_run) return out;
    if (Status s = ValidateWith(out.app, &plan); !s.ok()) return s;
    if (Status s = store::AwaitStatus([&](auto done) { store_.PutApp(out.app, done); }); !s.ok()) return s;
    if (Status s = CreatePlanned(plan); !s.ok()) return s;
    auto deployment = DeployApp(out.app, ObjectId(), actor, "");
    if (!deployment.ok()) return deployment.status();
    out.deployment = std::move(*deployment);
    return out;
  }
  auto base = Editable(existing->id);
  if (!base.ok()) return base.status();
  const core::App merged = Merge(def, *base, ids_, options.keep_settings);
  // What Change will make of inline values: it moves them again, to the
  // same names (nothing is written in between), and creates the secrets.
  out.app = merged;
  SecretPlan preview{out.app.id};
  if (Status s = MoveInline(out.app, preview); !s.ok()) return s;
  out.inline_secrets = preview.moved;
  out.diffs = DiffFiles(config::ExportAppFiles(*base), config::ExportAppFiles(out.app));
  if (dry_run || SameConfiguration(out.app, *base)) return out;
  auto changed = Change(existing->id, actor, [&merged](core::App& app) {
    app = merged;
    return Status::Ok();
  });
  if (!changed.ok()) return changed.status();
  out.app = std::move(changed->app);
  out.deployment = std::move(changed->deployment);
  return out;
}

}  // namespace guestpass::admin
