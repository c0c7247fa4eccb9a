// admin.h: the Admin API's handlers (admin_*.cc) and what they share: the
// administrator behind a request, the group and app it names, running
// configuration work on the admin worker thread, and the JSON shapes of apps,
// providers, drafts and deployments (shared/spec/admin-api.md).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "http/await.h"
#include "store/sync.h"
#include "http/handlers/handlers.h"

namespace guestpass::http {

// admin_auth.cc: administrators' sessions.
HandlerResult HandleAdminPasswordLogin(const Exchange& ex);
HandlerResult HandleAdminKeyLogin(const Exchange& ex);
HandlerResult HandleAdminLoginProviders(const Exchange& ex);
HandlerResult HandleAdminProfile(const Exchange& ex);
HandlerResult HandleAdminRefresh(const Exchange& ex);
HandlerResult HandleAdminLogout(const Exchange& ex);
HandlerResult HandleListAdminKeys(const Exchange& ex);
HandlerResult HandleCreateAdminKey(const Exchange& ex);
HandlerResult HandleDeleteAdminKey(const Exchange& ex);
// admin_apps.cc: apps and their authentication providers.
HandlerResult HandleListApps(const Exchange& ex);
HandlerResult HandleCreateApp(const Exchange& ex);
HandlerResult HandleGetApp(const Exchange& ex);
HandlerResult HandleDeleteApp(const Exchange& ex);
HandlerResult HandleDescribeApp(const Exchange& ex);
HandlerResult HandleListProviders(const Exchange& ex);
HandlerResult HandleCreateProvider(const Exchange& ex);
HandlerResult HandleGetProvider(const Exchange& ex);
HandlerResult HandleUpdateProvider(const Exchange& ex);
HandlerResult HandleDeleteProvider(const Exchange& ex);
HandlerResult HandleEnableProvider(const Exchange& ex);
HandlerResult HandleDisableProvider(const Exchange& ex);
HandlerResult HandleGetSettings(const Exchange& ex);
HandlerResult HandlePatchSettings(const Exchange& ex);
// admin_users.cc: an app's users.
HandlerResult HandleListUsers(const Exchange& ex);
HandlerResult HandleCountUsers(const Exchange& ex);
HandlerResult HandleGetUser(const Exchange& ex);
HandlerResult HandleListUserDevices(const Exchange& ex);
HandlerResult HandleDeleteAppUser(const Exchange& ex);
HandlerResult HandleEnableUser(const Exchange& ex);
HandlerResult HandleDisableUser(const Exchange& ex);
HandlerResult HandleLogoutUser(const Exchange& ex);
HandlerResult HandleVerifyToken(const Exchange& ex);
HandlerResult HandleCreateAppUser(const Exchange& ex);
// Pending email/password registrations (admin_registrations.cc).
HandlerResult HandleListPendingUsers(const Exchange& ex);
HandlerResult HandleDeletePendingUser(const Exchange& ex);
HandlerResult HandleConfirmPendingUser(const Exchange& ex);
HandlerResult HandleSendConfirmation(const Exchange& ex);
HandlerResult HandleRunConfirmation(const Exchange& ex);
// Server API keys (admin_api_keys.cc).
HandlerResult HandleListServerKeys(const Exchange& ex);
HandlerResult HandleCreateServerKey(const Exchange& ex);
HandlerResult HandleGetServerKey(const Exchange& ex);
HandlerResult HandleDeleteServerKey(const Exchange& ex);
HandlerResult HandleEnableServerKey(const Exchange& ex);
HandlerResult HandleDisableServerKey(const Exchange& ex);
// atlas.cc: Atlas's project list, as realm-cli asks for it (HTTP Digest).
HandlerResult HandleAtlasGroups(const Exchange& ex);
// admin_logs.cc: an app's logs.
HandlerResult HandleListLogs(const Exchange& ex);
// admin_secrets.cc: an app's secrets.
HandlerResult HandleListSecrets(const Exchange& ex);
HandlerResult HandleCreateSecret(const Exchange& ex);
HandlerResult HandleUpdateSecret(const Exchange& ex);
HandlerResult HandleDeleteSecret(const Exchange& ex);
// admin_transfer.cc: whole apps in and out.
HandlerResult HandleExportApp(const Exchange& ex);
HandlerResult HandlePullApp(const Exchange& ex);
HandlerResult HandlePushApp(const Exchange& ex);
HandlerResult HandleImportApp(const Exchange& ex);
// admin_deploy.cc: drafts and deployments.
HandlerResult HandleListDrafts(const Exchange& ex);
HandlerResult HandleCreateDraft(const Exchange& ex);
HandlerResult HandleDiscardDraft(const Exchange& ex);
HandlerResult HandleDraftDiff(const Exchange& ex);
HandlerResult HandleDeployDraft(const Exchange& ex);
HandlerResult HandleListDeployments(const Exchange& ex);
HandlerResult HandleGetDeployment(const Exchange& ex);
HandlerResult HandleRedeploy(const Exchange& ex);
HandlerResult HandleGetDeployConfig(const Exchange& ex);
HandlerResult HandleSetDeployConfig(const Exchange& ex);

// ---- Shared by the handlers (admin_common.cc) ----

// The Admin API's services; Unimplemented when the server has none.
core::Result<AdminServices*> AdminOf(const Exchange& ex);

// Who acts: the verified administrator, and the origin of the request
// (X-BAAS-Request-Origin: realm-cli's "mongodb-baas-cli" is "CLI").
admin::Actor ActorOf(const Exchange& ex);

// The app named by {group} and {app}: NotFound unless {group} is this
// server's group and {app} the `_id` of one of its apps. Run on the worker.
core::Result<core::ObjectId> AppIdOf(const Exchange& ex);

// `raw` with %XX escapes decoded (a malformed escape stays as it is); with
// `plus_is_space`, '+' is a space (query strings).
std::string PercentDecode(std::string_view raw, bool plus_is_space);

// The percent-decoded value of query parameter `name` ('+' is a space), or
// nullopt when absent.
std::optional<std::string> QueryParam(std::string_view query, std::string_view name);

// The Admin API's services and the app a route names ({group}, {app}): what
// most admin handlers start with.
struct AppTarget {
  AdminServices* admin;
  core::ObjectId app_id;
};
core::Result<AppTarget> AppTargetOf(const Exchange& ex);

// The ObjectId in path parameter `name`; NotFound(`code`, `what` + " not found").
core::Result<core::ObjectId> IdParam(const Exchange& ex, std::string_view name, core::ErrorCode code,
                                     const std::string& what);

// Runs `*job` (returning core::Result<T>) on the admin worker thread and
// resumes the request with its result. `job` is a named local of the
// calling coroutine (it outlives the wait); nothing with a destructor is
// passed by value, because GCC 12 may destroy a temporary in a co_await
// expression twice.
template <typename T, typename Job>
boost::asio::awaitable<core::Result<T>> OnAdminWorker(AdminServices& admin, Job* job) {
  return Await<T>([&admin, job](auto done) {
    admin.worker.Post([job, done = std::move(done)]() mutable { done((*job)()); });
  });
}

// A change's Status as the Result<bool> the jobs below return.
inline core::Result<bool> DoneOf(core::Status status) {
  if (!status.ok()) return status;
  return true;
}

// OnAdminWorker for a change whose job returns Result<bool>: 204 when it
// succeeded, its error otherwise.
template <typename Job>
HandlerResult NoContentOnAdminWorker(const Exchange& ex, AdminServices& admin, Job* job) {
  auto done = co_await OnAdminWorker<bool>(admin, job);
  if (!done.ok()) co_return done.status();
  co_return EmptyResponse(bhttp::status::no_content, ex.request.version());
}

// Query parameter `name` as a whole number up to 1,000,000: nullopt when
// absent or empty, InvalidArgument "bad 'NAME'" when not such a number.
core::Result<std::optional<size_t>> QueryNumber(std::string_view query, std::string_view name);

// JSON shapes.
nlohmann::json UserJson(const core::User& u);
nlohmann::json AppJson(const core::App& app, const core::ObjectId& group_id);
nlohmann::json ProviderJson(const core::ProviderConfig& p);
nlohmann::json DeploymentJson(const core::Deployment& d);
nlohmann::json DraftJson(const core::Draft& d, const core::ObjectId& group_id);

// 200/201 with `body` as JSON.
Response JsonOk(const Exchange& ex, const nlohmann::json& body, bhttp::status status = bhttp::status::ok);

}  // namespace guestpass::http
