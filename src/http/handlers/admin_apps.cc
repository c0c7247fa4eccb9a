// admin_apps.cc: apps, their authentication providers and their settings
// (guestpass.json) under /api/admin/v3.0/groups/{group}/apps (admin-api.md
// sections 2 and 3). Every change goes through admin::ConfigService on the
// admin worker: into the app's draft when it has one, deployed at once when
// it has none.
#include "config/app_dir.h"
#include "http/handlers/admin.h"
#include "http/json_body.h"

namespace guestpass::http {

using core::ErrorCode;
using core::ObjectId;
using core::Result;
using core::Status;
using nlohmann::json;

namespace {
Status GroupOf(const Exchange& ex, const AdminServices& admin) {
  if (ex.route.Param("group") != admin.domain.id.ToHex())
    return Status::NotFound(ErrorCode::kNotFound, "group not found");
  return Status::Ok();
}

// ?product=a,b: whether it asks for standard apps (the only kind here). No
// parameter means standard apps.
bool AsksForStandardApps(std::string_view query) {
  const auto products = QueryParam(query, "product");  // percent-decoded: %2C is a comma
  return !products || ("," + *products + ",").find(",standard,") != std::string::npos;
}

const core::ProviderConfig* FindById(const core::App& app, const ObjectId& id) {
  for (const auto& p : app.providers)
    if (p.id == id) return &p;
  return nullptr;
}

Status ProviderNotFound() { return Status::NotFound(ErrorCode::kAuthProviderNotFound, "auth provider not found"); }

// Reads a provider object of the Admin API into `p` (name, type, disabled,
// config, metadata_fields, secret_config; `_id` is ignored). `p` keeps what
// the body omits.
Status ReadProvider(const json& body, core::ProviderConfig& p) {
  if (auto it = body.find("type"); it != body.end()) {
    if (!it->is_string()) return Status::InvalidArgument(ErrorCode::kInvalidParameter, "'type' must be a string");
    p.type = it->get<std::string>();
  }
  if (p.type.empty()) return Status::InvalidArgument(ErrorCode::kMissingParameter, "a provider needs a 'type'");
  if (!core::IsKnownProviderType(p.type))
    return Status::InvalidArgument(ErrorCode::kInvalidParameter, "unknown provider type '" + p.type + "'");
  p.name = p.type;
  if (auto it = body.find("name"); it != body.end() && !it->is_null()) {
    if (!it->is_string() || it->get<std::string>() != p.type)
      return Status::InvalidArgument(ErrorCode::kInvalidParameter,
                                     "a provider's name must equal its type '" + p.type + "'");
  }
  if (auto it = body.find("disabled"); it != body.end()) {
    if (!it->is_boolean()) return Status::InvalidArgument(ErrorCode::kInvalidParameter, "'disabled' must be a boolean");
    p.disabled = it->get<bool>();
  }
  if (auto it = body.find("config"); it != body.end() && !it->is_null()) {
    if (!it->is_object()) return Status::InvalidArgument(ErrorCode::kInvalidParameter, "'config' must be an object");
    p.config_json = it->dump();
  }
  if (auto it = body.find("metadata_fields"); it != body.end() && !it->is_null()) {
    if (!it->is_array())
      return Status::InvalidArgument(ErrorCode::kInvalidParameter, "'metadata_fields' must be an array");
    p.metadata_fields_json = it->dump();
  }
  if (auto it = body.find("secret_config"); it != body.end() && !it->is_null()) {
    if (!it->is_object())
      return Status::InvalidArgument(ErrorCode::kInvalidParameter,
                                     "'secret_config' must be an object naming secrets, e.g. "
                                     "{\"signingKeys\": [\"jwt-key\"]}");
    p.secret_config_json = it->dump();
  }
  return Status::Ok();
}

// The app's providers as a change sees them (its draft's when it has one).
HandlerResult Providers(const Exchange& ex, std::optional<ObjectId> only) {
  auto admin = AdminOf(ex);
  if (!admin.ok()) co_return admin.status();
  auto app_id = AppIdOf(ex);
  if (!app_id.ok()) co_return app_id.status();
  auto& config = (*admin)->config;
  auto job = [&config, id = *app_id] { return config.Editable(id); };
  auto app = co_await OnAdminWorker<core::App>(**admin, &job);
  if (!app.ok()) co_return app.status();
  if (only) {
    const core::ProviderConfig* p = FindById(*app, *only);
    if (p == nullptr) co_return ProviderNotFound();
    co_return JsonOk(ex, ProviderJson(*p));
  }
  json out = json::array();
  for (const auto& p : app->providers) out.push_back(ProviderJson(p));
  co_return JsonOk(ex, out);
}

// Applies `edit` to the app's configuration (admin::ConfigService::Change)
// and answers 204. `edit` is a named local of the caller (see OnAdminWorker).
using Edit = std::function<Status(core::App&)>;
HandlerResult ChangeApp(const Exchange& ex, const Edit& edit) {
  auto admin = AdminOf(ex);
  if (!admin.ok()) co_return admin.status();
  auto app_id = AppIdOf(ex);
  if (!app_id.ok()) co_return app_id.status();
  auto& config = (*admin)->config;
  auto job = [&config, id = *app_id, actor = ActorOf(ex), &edit] { return config.Change(id, actor, edit); };
  auto out = co_await OnAdminWorker<admin::ChangeOutcome>(**admin, &job);
  if (!out.ok()) co_return out.status();
  co_return EmptyResponse(bhttp::status::no_content, ex.request.version());
}

HandlerResult SetDisabled(const Exchange& ex, bool disabled) {
  auto provider_id = IdParam(ex, "provider", ErrorCode::kAuthProviderNotFound, "auth provider");
  if (!provider_id.ok()) co_return provider_id.status();
  const Edit edit = [id = *provider_id, disabled](core::App& app) {
    for (auto& p : app.providers)
      if (p.id == id) {
        p.disabled = disabled;
        return Status::Ok();
      }
    return ProviderNotFound();
  };
  co_return co_await ChangeApp(ex, edit);
}
}  // namespace

// ---- Apps ----

HandlerResult HandleListApps(const Exchange& ex) {
  auto admin = AdminOf(ex);
  if (!admin.ok()) co_return admin.status();
  if (Status s = GroupOf(ex, **admin); !s.ok()) co_return s;
  json out = json::array();
  if (AsksForStandardApps(ex.route.query)) {
    auto& config = (*admin)->config;
    auto job = [&config]() -> Result<std::vector<core::App>> { return config.Apps(); };
    auto apps = co_await OnAdminWorker<std::vector<core::App>>(**admin, &job);
    if (!apps.ok()) co_return apps.status();
    for (const auto& app : *apps) out.push_back(AppJson(app, (*admin)->domain.id));
  }
  co_return JsonOk(ex, out);
}

HandlerResult HandleCreateApp(const Exchange& ex) {
  auto admin = AdminOf(ex);
  if (!admin.ok()) co_return admin.status();
  if (Status s = GroupOf(ex, **admin); !s.ok()) co_return s;
  auto body = ParseJsonObjectBody(ex.request);
  if (!body.ok()) co_return body.status();
  auto name = body->find("name");
  if (name == body->end() || !name->is_string())
    co_return Status::InvalidArgument(ErrorCode::kMissingParameter, "expected the app's \"name\"");
  auto& config = (*admin)->config;
  auto job = [&config, name = name->get<std::string>(), actor = ActorOf(ex)] { return config.CreateApp(name, actor); };
  auto app = co_await OnAdminWorker<core::App>(**admin, &job);
  if (!app.ok()) co_return app.status();
  co_return JsonOk(ex, AppJson(*app, (*admin)->domain.id), bhttp::status::created);
}

HandlerResult HandleGetApp(const Exchange& ex) {
  auto admin = AdminOf(ex);
  if (!admin.ok()) co_return admin.status();
  auto app_id = AppIdOf(ex);
  if (!app_id.ok()) co_return app_id.status();
  auto& config = (*admin)->config;
  auto job = [&config, id = *app_id] { return config.App(id); };
  auto app = co_await OnAdminWorker<core::App>(**admin, &job);
  if (!app.ok()) co_return app.status();
  co_return JsonOk(ex, AppJson(*app, (*admin)->domain.id));
}

HandlerResult HandleDeleteApp(const Exchange& ex) {
  auto admin = AdminOf(ex);
  if (!admin.ok()) co_return admin.status();
  auto app_id = AppIdOf(ex);
  if (!app_id.ok()) co_return app_id.status();
  auto& config = (*admin)->config;
  auto job = [&config, id = *app_id, actor = ActorOf(ex)] { return DoneOf(config.DeleteApp(id, actor)); };
  co_return co_await NoContentOnAdminWorker(ex, **admin, &job);
}

// ---- Authentication providers ----

HandlerResult HandleListProviders(const Exchange& ex) { return Providers(ex, std::nullopt); }

HandlerResult HandleGetProvider(const Exchange& ex) {
  auto provider_id = IdParam(ex, "provider", ErrorCode::kAuthProviderNotFound, "auth provider");
  if (!provider_id.ok()) co_return provider_id.status();
  co_return co_await Providers(ex, *provider_id);
}

HandlerResult HandleCreateProvider(const Exchange& ex) {
  auto admin = AdminOf(ex);
  if (!admin.ok()) co_return admin.status();
  auto body = ParseJsonObjectBody(ex.request);
  if (!body.ok()) co_return body.status();
  core::ProviderConfig provider;
  if (Status s = ReadProvider(*body, provider); !s.ok()) co_return s;
  provider.id = ObjectId();  // ConfigService gives it one
  auto app_id = AppIdOf(ex);
  if (!app_id.ok()) co_return app_id.status();
  auto& config = (*admin)->config;
  auto job = [&config, id = *app_id, actor = ActorOf(ex), provider] {
    return config.Change(id, actor, [&provider](core::App& app) {
      if (app.FindProvider(provider.name) != nullptr)
        return Status::AlreadyExists(ErrorCode::kInvalidParameter,
                                     "the app already has a provider of type '" + provider.type + "'");
      app.providers.push_back(provider);
      return Status::Ok();
    });
  };
  auto out = co_await OnAdminWorker<admin::ChangeOutcome>(**admin, &job);
  if (!out.ok()) co_return out.status();
  const core::ProviderConfig* created = out->app.FindProvider(provider.name);
  if (created == nullptr) co_return Status::Internal("the created provider is missing");
  co_return JsonOk(ex, ProviderJson(*created), bhttp::status::created);
}

HandlerResult HandleUpdateProvider(const Exchange& ex) {
  auto provider_id = IdParam(ex, "provider", ErrorCode::kAuthProviderNotFound, "auth provider");
  if (!provider_id.ok()) co_return provider_id.status();
  auto body = ParseJsonObjectBody(ex.request);
  if (!body.ok()) co_return body.status();
  const Edit edit = [id = *provider_id, body = std::move(*body)](core::App& app) {
    for (auto& p : app.providers) {
      if (p.id != id) continue;
      core::ProviderConfig changed = p;
      if (body.contains("type") && body["type"] != p.type)
        return Status::InvalidArgument(ErrorCode::kInvalidParameter, "a provider's type cannot change");
      if (Status s = ReadProvider(body, changed); !s.ok()) return s;
      p = changed;
      return Status::Ok();
    }
    return ProviderNotFound();
  };
  co_return co_await ChangeApp(ex, edit);
}

HandlerResult HandleDeleteProvider(const Exchange& ex) {
  auto provider_id = IdParam(ex, "provider", ErrorCode::kAuthProviderNotFound, "auth provider");
  if (!provider_id.ok()) co_return provider_id.status();
  const Edit edit = [id = *provider_id](core::App& app) {
    const auto before = app.providers.size();
    std::erase_if(app.providers, [&id](const core::ProviderConfig& p) { return p.id == id; });
    return app.providers.size() == before ? ProviderNotFound() : Status::Ok();
  };
  co_return co_await ChangeApp(ex, edit);
}

HandlerResult HandleEnableProvider(const Exchange& ex) { return SetDisabled(ex, false); }
HandlerResult HandleDisableProvider(const Exchange& ex) { return SetDisabled(ex, true); }

// ---- Settings (guestpass.json) ----

// GET .../apps/{app}/settings: the app's guestpass.json settings, every one
// spelled out, as a change sees them (the draft's when there is one).
HandlerResult HandleGetSettings(const Exchange& ex) {
  auto t = AppTargetOf(ex);
  if (!t.ok()) co_return t.status();
  auto& config = t->admin->config;
  auto job = [&config, id = t->app_id] { return config.Editable(id); };
  auto app = co_await OnAdminWorker<core::App>(*t->admin, &job);
  if (!app.ok()) co_return app.status();
  co_return JsonOk(ex, json::parse(config::SettingsJson(app->settings)));
}

// PATCH .../apps/{app}/settings: the settings the body names (guestpass.json's
// shape), the others kept; checked with guestpass.json's bounds (400 naming
// the field), then into the draft or deployed at once like any change.
HandlerResult HandlePatchSettings(const Exchange& ex) {
  auto body = ParseJsonObjectBody(ex.request);
  if (!body.ok()) co_return body.status();
  const Edit edit = [text = body->dump()](core::App& app) {
    core::AppSettings next = app.settings;
    if (Status s = config::ApplySettingsJson(text, "settings", &next); !s.ok()) return s;
    app.settings = next;
    return Status::Ok();
  };
  co_return co_await ChangeApp(ex, edit);
}

// GET .../apps/{app}/description: the summary `realm-cli apps describe`
// prints (admin-api.md section 2.3): the app, its auth providers and their
// state; the App Services features guestpass does not have are empty.
HandlerResult HandleDescribeApp(const Exchange& ex) {
  auto t = AppTargetOf(ex);
  if (!t.ok()) co_return t.status();
  auto& config = t->admin->config;
  auto job = [&config, id = t->app_id] { return config.App(id); };
  auto app = co_await OnAdminWorker<core::App>(*t->admin, &job);
  if (!app.ok()) co_return app.status();
  json providers = json::array();
  for (const auto& p : app->providers)
    providers.push_back({{"name", p.name}, {"type", p.type}, {"enabled", !p.disabled}});
  co_return JsonOk(ex, {{"client_app_id", app->client_app_id},
                        {"name", app->name},
                        {"realm_url", ""},
                        {"data_sources", json::array()},
                        {"http_endpoints", json::array()},
                        {"services", json::array()},
                        {"auth_providers", providers},
                        {"custom_user_data", {{"enabled", false}}},
                        {"values", json::array()},
                        {"hosting", {{"enabled", false}}},
                        {"functions", json::array()},
                        {"sync", json::object()},
                        {"graphql", json::object()},
                        {"environment", ""},
                        {"event_subscription", json::array()},
                        {"log_forwarders", json::array()}});
}

}  // namespace guestpass::http
