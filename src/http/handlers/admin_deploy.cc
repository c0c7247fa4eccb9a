// admin_deploy.cc: drafts and deployments under
// /api/admin/v3.0/groups/{group}/apps/{app} (admin-api.md section 6). A
// deployment answers 201 whether it succeeded or failed: its `status` and
// `status_error_message` say which, as clients poll for.
#include "http/handlers/admin.h"
#include "http/json_body.h"

namespace guestpass::http {

using core::ErrorCode;
using core::ObjectId;
using core::Result;
using core::Status;
using nlohmann::json;

namespace {
// How many deployments the history lists (App Services keeps 25 redeployable).
constexpr size_t kDeploymentHistory = 25;

}  // namespace

HandlerResult HandleListDrafts(const Exchange& ex) {
  auto t = AppTargetOf(ex);
  if (!t.ok()) co_return t.status();
  auto& config = t->admin->config;
  auto job = [&config, id = t->app_id] {
    if (auto app = config.App(id); !app.ok()) return Result<std::optional<core::Draft>>(app.status());
    return config.Draft(id);
  };
  auto draft = co_await OnAdminWorker<std::optional<core::Draft>>(*t->admin, &job);
  if (!draft.ok()) co_return draft.status();
  json out = json::array();  // clients decode a list of 0 or 1 drafts (admin-api.md section 12)
  if (draft->has_value()) out.push_back(DraftJson(**draft, t->admin->domain.id));
  co_return JsonOk(ex, out);
}

HandlerResult HandleCreateDraft(const Exchange& ex) {
  auto t = AppTargetOf(ex);
  if (!t.ok()) co_return t.status();
  auto& config = t->admin->config;
  auto job = [&config, id = t->app_id, actor = ActorOf(ex)] { return config.CreateDraft(id, actor); };
  auto draft = co_await OnAdminWorker<core::Draft>(*t->admin, &job);
  if (!draft.ok()) co_return draft.status();
  co_return JsonOk(ex, DraftJson(*draft, t->admin->domain.id), bhttp::status::created);
}

HandlerResult HandleDiscardDraft(const Exchange& ex) {
  auto t = AppTargetOf(ex);
  if (!t.ok()) co_return t.status();
  auto draft_id = IdParam(ex, "draft", ErrorCode::kDraftNotFound, "draft");
  if (!draft_id.ok()) co_return draft_id.status();
  auto& config = t->admin->config;
  auto job = [&config, id = t->app_id, draft = *draft_id] { return DoneOf(config.DiscardDraft(id, draft)); };
  co_return co_await NoContentOnAdminWorker(ex, *t->admin, &job);
}

HandlerResult HandleDraftDiff(const Exchange& ex) {
  auto t = AppTargetOf(ex);
  if (!t.ok()) co_return t.status();
  auto draft_id = IdParam(ex, "draft", ErrorCode::kDraftNotFound, "draft");
  if (!draft_id.ok()) co_return draft_id.status();
  auto& config = t->admin->config;
  auto job = [&config, id = t->app_id, draft = *draft_id] { return config.DraftDiff(id, draft); };
  auto diffs = co_await OnAdminWorker<std::vector<std::string>>(*t->admin, &job);
  if (!diffs.ok()) co_return diffs.status();
  co_return JsonOk(ex, {{"diffs", *diffs},
                        {"hosting_files_diff",
                         {{"added", json::array()}, {"deleted", json::array()}, {"modified", json::array()}}}});
}

HandlerResult HandleDeployDraft(const Exchange& ex) {
  auto t = AppTargetOf(ex);
  if (!t.ok()) co_return t.status();
  auto draft_id = IdParam(ex, "draft", ErrorCode::kDraftNotFound, "draft");
  if (!draft_id.ok()) co_return draft_id.status();
  auto body = ParseJsonObjectBody(ex.request);  // OAS: {"name": ...}; realm-cli sends none
  if (!body.ok()) co_return body.status();
  std::string name;
  if (auto it = body->find("name"); it != body->end() && !it->is_null()) {
    if (!it->is_string()) co_return Status::InvalidArgument(ErrorCode::kInvalidParameter, "'name' must be a string");
    name = it->get<std::string>();
    if (name.size() > 256)
      co_return Status::InvalidArgument(ErrorCode::kInvalidParameter, "a deployment name is at most 256 characters");
  }
  auto& config = t->admin->config;
  auto job = [&config, id = t->app_id, draft = *draft_id, actor = ActorOf(ex), name] {
    return config.DeployDraft(id, draft, actor, name);
  };
  auto deployment = co_await OnAdminWorker<core::Deployment>(*t->admin, &job);
  if (!deployment.ok()) co_return deployment.status();
  co_return JsonOk(ex, DeploymentJson(*deployment), bhttp::status::created);
}

HandlerResult HandleListDeployments(const Exchange& ex) {
  auto t = AppTargetOf(ex);
  if (!t.ok()) co_return t.status();
  auto& config = t->admin->config;
  auto job = [&config, id = t->app_id] { return config.Deployments(id, kDeploymentHistory); };
  auto list = co_await OnAdminWorker<std::vector<core::Deployment>>(*t->admin, &job);
  if (!list.ok()) co_return list.status();
  json out = json::array();
  for (const auto& d : *list) out.push_back(DeploymentJson(d));
  co_return JsonOk(ex, out);
}

HandlerResult HandleGetDeployment(const Exchange& ex) {
  auto t = AppTargetOf(ex);
  if (!t.ok()) co_return t.status();
  auto deployment_id = IdParam(ex, "deployment", ErrorCode::kDeploymentNotFound, "deployment");
  if (!deployment_id.ok()) co_return deployment_id.status();
  auto& config = t->admin->config;
  auto job = [&config, id = t->app_id, dep = *deployment_id] { return config.Deployment(id, dep); };
  auto d = co_await OnAdminWorker<core::Deployment>(*t->admin, &job);
  if (!d.ok()) co_return d.status();
  co_return JsonOk(ex, DeploymentJson(*d));
}

HandlerResult HandleRedeploy(const Exchange& ex) {
  auto t = AppTargetOf(ex);
  if (!t.ok()) co_return t.status();
  auto deployment_id = IdParam(ex, "deployment", ErrorCode::kDeploymentNotFound, "deployment");
  if (!deployment_id.ok()) co_return deployment_id.status();
  auto& config = t->admin->config;
  auto job = [&config, id = t->app_id, dep = *deployment_id, actor = ActorOf(ex)] {
    return config.Redeploy(id, dep, actor);
  };
  auto d = co_await OnAdminWorker<core::Deployment>(*t->admin, &job);
  if (!d.ok()) co_return d.status();
  if (d->status != core::DeploymentStatus::kSuccessful)
    co_return Status::InvalidArgument(ErrorCode::kDeploymentFailed, "the redeployment failed: " + d->error);
  co_return EmptyResponse(bhttp::status::no_content, ex.request.version());
}

// ---- The deployment configuration ----

namespace {
json DeployConfigJson(const core::App& app) {
  return {{"ui_drafts_disabled", app.settings.ui_drafts_disabled},
          {"automatic_deployment", {{"enabled", false}, {"provider", "github"}, {"installation_ids", json::array()}}},
          {"last_modified", app.created_at}};
}
}  // namespace

HandlerResult HandleGetDeployConfig(const Exchange& ex) {
  auto t = AppTargetOf(ex);
  if (!t.ok()) co_return t.status();
  auto& config = t->admin->config;
  auto job = [&config, id = t->app_id] { return config.App(id); };
  auto app = co_await OnAdminWorker<core::App>(*t->admin, &job);
  if (!app.ok()) co_return app.status();
  co_return JsonOk(ex, DeployConfigJson(*app));
}

HandlerResult HandleSetDeployConfig(const Exchange& ex) {
  auto t = AppTargetOf(ex);
  if (!t.ok()) co_return t.status();
  auto body = ParseJsonObjectBody(ex.request);
  if (!body.ok()) co_return body.status();
  auto flag = body->find("ui_drafts_disabled");
  if (flag == body->end() || !flag->is_boolean())
    co_return Status::InvalidArgument(ErrorCode::kMissingParameter, "expected \"ui_drafts_disabled\" as a boolean");
  if (auto automatic = body->find("automatic_deployment");
      automatic != body->end() && automatic->is_object() && automatic->value("enabled", false))
    co_return Status::InvalidArgument(ErrorCode::kInvalidParameter,
                                      "automatic deployment from GitHub is not supported");
  auto& config = t->admin->config;
  auto job = [&config, id = t->app_id, disabled = flag->get<bool>()] {
    return config.SetUiDraftsDisabled(id, disabled);
  };
  auto app = co_await OnAdminWorker<core::App>(*t->admin, &job);
  if (!app.ok()) co_return app.status();
  co_return EmptyResponse(bhttp::status::no_content, ex.request.version());
}

}  // namespace guestpass::http
