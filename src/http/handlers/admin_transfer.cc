// admin_transfer.cc: whole apps in and out, under
// /api/admin/v3.0/groups/{group}/apps/{app} (admin-api.md sections 6.4, 7.7
// and 14): GET export (the app's files as a zip, what `realm-cli pull`
// unpacks), GET pull (JSON, or the zip with Accept: application/zip), PATCH
// push (the pull's JSON back) and POST import?strategy=replace-by-name
// [&diff=true] (realm-cli's push). Exports hold no secret values. Each way in
// goes through ConfigService::Import: replace-by-name, into the open draft
// or deployed at once, an unchanged configuration deploying nothing, and
// settings kept unless guestpass.json (or the pull's "guestpass") says otherwise.
#include "config/app_zip.h"
#include "http/handlers/admin.h"
#include "http/json_body.h"

namespace guestpass::http {

using core::ErrorCode;
using core::ObjectId;
using core::Result;
using core::Status;
using nlohmann::json;

namespace {
Status Bad(const std::string& what) { return Status::InvalidArgument(ErrorCode::kInvalidParameter, what); }

std::string Pretty(const json& doc) { return doc.dump(4) + "\n"; }

// The root file of an import: the app's identity from `body` where given.
// `app_id` must be the app's own client app id.
Result<std::string> RootFile(const json& body, const core::App& app) {
  json root = {{"app_id", app.client_app_id},
               {"name", app.name},
               {"location", app.settings.location},
               {"deployment_model", app.settings.deployment_model}};
  for (const char* key : {"app_id", "name", "location", "deployment_model"}) {
    auto it = body.find(key);
    if (it == body.end() || it->is_null() || (it->is_string() && it->get<std::string>().empty())) continue;
    if (!it->is_string()) return Bad(std::string("'") + key + "' must be a string");
    root[key] = *it;
  }
  if (root["app_id"] != app.client_app_id)
    return Bad("the configuration is for app '" + root["app_id"].get<std::string>() + "', not '" +
               app.client_app_id + "'");
  return Pretty(root);
}

// The pull's JSON: the app as App Services' PushPullAppConfig, its
// providers without ids, and guestpass's settings under "guestpass".
json PullJson(const core::App& app, const config::AppFiles& files) {
  json providers = json::array();
  for (const auto& p : app.providers) {
    json entry = ProviderJson(p);
    entry.erase("_id");
    providers.push_back(entry);
  }
  return {{"name", app.name},
          {"client_app_id", app.client_app_id},
          {"location", app.settings.location},
          {"deployment_model", app.settings.deployment_model},
          {"provider_region", "local"},
          {"environment", ""},
          {"auth_providers", providers},
          {"custom_user_data", nullptr},
          {"guestpass", json::parse(files.at("guestpass.json"))}};
}

// Applies an import built by `files_of` (the app -> its new files) on the
// worker; answers 204, or with `diff`, 200 and the diffs without changing anything.
struct ImportJob {
  admin::ConfigService* config;
  ObjectId app_id;
  admin::Actor actor;
  bool diff;
  std::function<Result<config::AppFiles>(const core::App&)> files_of;

  Result<admin::ImportOutcome> operator()() const {
    auto app = config->App(app_id);
    if (!app.ok()) return app.status();
    auto files = files_of(*app);
    if (!files.ok()) return files.status();
    auto def = config::ParseAppFiles(*files, "");
    if (!def.ok()) return def.status();
    return config->Import(*def, actor, admin::ImportOptions{.dry_run = diff, .keep_settings = true});
  }
};

HandlerResult RunImport(const Exchange& ex, const AppTarget& t, ImportJob* job) {
  auto outcome = co_await OnAdminWorker<admin::ImportOutcome>(*t.admin, job);
  if (!outcome.ok()) co_return outcome.status();
  if (job->diff) co_return JsonOk(ex, outcome->diffs);
  co_return EmptyResponse(bhttp::status::no_content, ex.request.version());
}

HandlerResult Zip(const Exchange& ex, const AppTarget& t) {
  auto& config = t.admin->config;
  auto job = [&config, id = t.app_id]() -> Result<std::pair<std::string, std::string>> {
    auto app = config.App(id);
    if (!app.ok()) return app.status();
    auto zip = config::ZipAppFiles(config::ExportAppFiles(*app));
    if (!zip.ok()) return zip.status();
    return std::make_pair(app->name, std::move(*zip));
  };
  auto zip = co_await OnAdminWorker<std::pair<std::string, std::string>>(*t.admin, &job);
  if (!zip.ok()) co_return zip.status();
  Response res{bhttp::status::ok, ex.request.version()};
  res.set(bhttp::field::content_type, "application/zip");
  // The name is letters, digits, '_' and '-' (app names are): no quoting needed.
  res.set(bhttp::field::content_disposition, "attachment; filename=" + zip->first + ".zip");
  res.body() = std::move(zip->second);
  res.prepare_payload();
  co_return res;
}
}  // namespace

HandlerResult HandleExportApp(const Exchange& ex) {
  auto t = AppTargetOf(ex);
  if (!t.ok()) co_return t.status();
  co_return co_await Zip(ex, *t);
}

HandlerResult HandlePullApp(const Exchange& ex) {
  auto t = AppTargetOf(ex);
  if (!t.ok()) co_return t.status();
  if (auto accept = ex.request.find(bhttp::field::accept);
      accept != ex.request.end() && Sv(accept->value()).find("application/zip") != std::string_view::npos)
    co_return co_await Zip(ex, *t);
  auto& config = t->admin->config;
  auto job = [&config, id = t->app_id]() -> Result<json> {
    auto app = config.App(id);
    if (!app.ok()) return app.status();
    return PullJson(*app, config::ExportAppFiles(*app));
  };
  auto pulled = co_await OnAdminWorker<json>(*t->admin, &job);
  if (!pulled.ok()) co_return pulled.status();
  co_return JsonOk(ex, *pulled);
}

HandlerResult HandlePushApp(const Exchange& ex) {
  auto t = AppTargetOf(ex);
  if (!t.ok()) co_return t.status();
  auto body = ParseJsonObjectBody(ex.request);
  if (!body.ok()) co_return body.status();
  ImportJob job{&t->admin->config, t->app_id, ActorOf(ex), /*diff=*/false,
                [body = std::move(*body)](const core::App& app) -> Result<config::AppFiles> {
                  config::AppFiles files = config::ExportAppFiles(app);  // what the body leaves out stays
                  auto root = RootFile(body, app);
                  if (!root.ok()) return root.status();
                  files.erase("root_config.json");
                  files["realm_config.json"] = *root;
                  if (auto it = body.find("auth_providers"); it != body.end() && !it->is_null()) {
                    if (!it->is_array()) return Bad("'auth_providers' must be an array");
                    json providers = json::object();
                    for (const auto& p : *it) {
                      if (!p.is_object() || !p.contains("name") || !p["name"].is_string())
                        return Bad("every auth provider needs a 'name'");
                      json entry = p;
                      entry.erase("_id");
                      providers[p["name"].get<std::string>()] = entry;
                    }
                    files["auth/providers.json"] = Pretty(providers);
                  }
                  if (auto it = body.find("guestpass"); it != body.end() && !it->is_null()) {
                    if (!it->is_object()) return Bad("'guestpass' must be an object (guestpass.json)");
                    files["guestpass.json"] = Pretty(*it);
                  }
                  return files;
                }};
  co_return co_await RunImport(ex, *t, &job);
}

HandlerResult HandleImportApp(const Exchange& ex) {
  auto t = AppTargetOf(ex);
  if (!t.ok()) co_return t.status();
  const auto strategy = QueryParam(ex.route.query, "strategy");
  if (strategy && *strategy != "replace-by-name")
    co_return Bad("import strategy '" + *strategy + "' is not supported: use replace-by-name");
  const auto diff = QueryParam(ex.route.query, "diff");
  auto body = ParseJsonObjectBody(ex.request);
  if (!body.ok()) co_return body.status();
  // realm-cli's app (config version 20210101): its root fields, and the
  // providers under auth.providers, keyed by name; guestpass.json is not
  // among them, so the app keeps its settings.
  ImportJob job{&t->admin->config, t->app_id, ActorOf(ex), diff && (*diff == "true" || *diff == "1"),
                [body = std::move(*body)](const core::App& app) -> Result<config::AppFiles> {
                  config::AppFiles files;
                  auto root = RootFile(body, app);
                  if (!root.ok()) return root.status();
                  files["realm_config.json"] = *root;
                  json providers = json::object();
                  if (auto auth = body.find("auth"); auth != body.end() && auth->is_object()) {
                    if (auto it = auth->find("providers"); it != auth->end() && !it->is_null()) {
                      if (!it->is_object()) return Bad("'auth.providers' must be an object keyed by provider name");
                      providers = *it;
                    }
                  }
                  files["auth/providers.json"] = Pretty(providers);
                  return files;
                }};
  co_return co_await RunImport(ex, *t, &job);
}

}  // namespace guestpass::http
