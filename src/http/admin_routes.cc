// admin_routes.cc: every endpoint of the Admin API, one row each: method,
// path below /api/admin/v3.0, what authenticates it, handler (handlers/admin_*.cc).
// {group} is the Admin API's one group (the admin domain's id), {app} an
// app's internal id (`_id`), {provider} a provider's `_id`.
#include "http/admin_routes.h"

#include "http/handlers/admin.h"

namespace guestpass::http {

namespace {
using V = bhttp::verb;
using A = RouteAuth;

constexpr Route kAdminRoutes[] = {
    // Administrators' sessions (admin-api.md section 1).
    {V::post, "/auth/providers/local-userpass/login", A::kNone, HandleAdminPasswordLogin},
    {V::post, "/auth/providers/mongodb-cloud/login", A::kNone, HandleAdminKeyLogin},
    {V::get, "/auth/providers", A::kNone, HandleAdminLoginProviders},
    {V::get, "/auth/profile", A::kAdminAccess, HandleAdminProfile},
    {V::post, "/auth/session", A::kAdminRefresh, HandleAdminRefresh},
    {V::delete_, "/auth/session", A::kAdminRefresh, HandleAdminLogout},
    // Administrators' own API keys (guestpass's; the mongodb-cloud login takes them).
    {V::get, "/auth/api_keys", A::kAdminAccess, HandleListAdminKeys},
    {V::post, "/auth/api_keys", A::kAdminAccess, HandleCreateAdminKey},
    {V::delete_, "/auth/api_keys/{key}", A::kAdminAccess, HandleDeleteAdminKey},
    // Apps (section 2).
    {V::get, "/groups/{group}/apps", A::kAdminAccess, HandleListApps},
    {V::post, "/groups/{group}/apps", A::kAdminAccess, HandleCreateApp},
    {V::get, "/groups/{group}/apps/{app}", A::kAdminAccess, HandleGetApp},
    {V::delete_, "/groups/{group}/apps/{app}", A::kAdminAccess, HandleDeleteApp, LogAs::kAdmin},
    {V::get, "/groups/{group}/apps/{app}/description", A::kAdminAccess, HandleDescribeApp},
    // Authentication providers (section 3).
    {V::get, "/groups/{group}/apps/{app}/auth_providers", A::kAdminAccess, HandleListProviders},
    {V::post, "/groups/{group}/apps/{app}/auth_providers", A::kAdminAccess, HandleCreateProvider, LogAs::kAdmin},
    {V::get, "/groups/{group}/apps/{app}/auth_providers/{provider}", A::kAdminAccess, HandleGetProvider},
    {V::patch, "/groups/{group}/apps/{app}/auth_providers/{provider}", A::kAdminAccess, HandleUpdateProvider, LogAs::kAdmin},
    {V::delete_, "/groups/{group}/apps/{app}/auth_providers/{provider}", A::kAdminAccess, HandleDeleteProvider, LogAs::kAdmin},
    {V::put, "/groups/{group}/apps/{app}/auth_providers/{provider}/enable", A::kAdminAccess, HandleEnableProvider, LogAs::kAdmin},
    {V::put, "/groups/{group}/apps/{app}/auth_providers/{provider}/disable", A::kAdminAccess, HandleDisableProvider, LogAs::kAdmin},
    // The app's guestpass.json settings (guestpass's own), changed like a provider.
    {V::get, "/groups/{group}/apps/{app}/settings", A::kAdminAccess, HandleGetSettings},
    {V::patch, "/groups/{group}/apps/{app}/settings", A::kAdminAccess, HandlePatchSettings, LogAs::kAdmin},
    // Users (section 4). /users/count is guestpass's, for the UI and `users count`.
    {V::get, "/groups/{group}/apps/{app}/users", A::kAdminAccess, HandleListUsers},
    {V::post, "/groups/{group}/apps/{app}/users", A::kAdminAccess, HandleCreateAppUser, LogAs::kAdmin},
    {V::get, "/groups/{group}/apps/{app}/users/count", A::kAdminAccess, HandleCountUsers},
    {V::post, "/groups/{group}/apps/{app}/users/verify_token", A::kAdminAccess, HandleVerifyToken},
    {V::get, "/groups/{group}/apps/{app}/users/{user}", A::kAdminAccess, HandleGetUser},
    {V::get, "/groups/{group}/apps/{app}/users/{user}/devices", A::kAdminAccess, HandleListUserDevices},
    {V::delete_, "/groups/{group}/apps/{app}/users/{user}", A::kAdminAccess, HandleDeleteAppUser, LogAs::kAdmin},
    {V::put, "/groups/{group}/apps/{app}/users/{user}/enable", A::kAdminAccess, HandleEnableUser, LogAs::kAdmin},
    {V::put, "/groups/{group}/apps/{app}/users/{user}/disable", A::kAdminAccess, HandleDisableUser, LogAs::kAdmin},
    {V::put, "/groups/{group}/apps/{app}/users/{user}/logout", A::kAdminAccess, HandleLogoutUser, LogAs::kAdmin},
    // Pending email/password registrations (section 4.3); {email} percent-encoded.
    {V::get, "/groups/{group}/apps/{app}/user_registrations/pending_users", A::kAdminAccess, HandleListPendingUsers},
    {V::delete_, "/groups/{group}/apps/{app}/user_registrations/by_email/{email}", A::kAdminAccess, HandleDeletePendingUser, LogAs::kAdmin},
    {V::post, "/groups/{group}/apps/{app}/user_registrations/by_email/{email}/confirm", A::kAdminAccess, HandleConfirmPendingUser, LogAs::kAdmin},
    {V::post, "/groups/{group}/apps/{app}/user_registrations/by_email/{email}/send_confirm", A::kAdminAccess, HandleSendConfirmation, LogAs::kAdmin},
    {V::post, "/groups/{group}/apps/{app}/user_registrations/by_email/{email}/run_confirm", A::kAdminAccess, HandleRunConfirmation, LogAs::kAdmin},
    // Server API keys (section 4.4): the key is in the creation's answer only.
    {V::get, "/groups/{group}/apps/{app}/api_keys", A::kAdminAccess, HandleListServerKeys},
    {V::post, "/groups/{group}/apps/{app}/api_keys", A::kAdminAccess, HandleCreateServerKey, LogAs::kAdmin},
    {V::get, "/groups/{group}/apps/{app}/api_keys/{key}", A::kAdminAccess, HandleGetServerKey},
    {V::delete_, "/groups/{group}/apps/{app}/api_keys/{key}", A::kAdminAccess, HandleDeleteServerKey, LogAs::kAdmin},
    {V::put, "/groups/{group}/apps/{app}/api_keys/{key}/enable", A::kAdminAccess, HandleEnableServerKey, LogAs::kAdmin},
    {V::put, "/groups/{group}/apps/{app}/api_keys/{key}/disable", A::kAdminAccess, HandleDisableServerKey, LogAs::kAdmin},
    // Logs (section 10): client authentication events and administrators' changes.
    {V::get, "/groups/{group}/apps/{app}/logs", A::kAdminAccess, HandleListLogs},
    // Secrets (section 7.6): values go in, never out.
    {V::get, "/groups/{group}/apps/{app}/secrets", A::kAdminAccess, HandleListSecrets},
    {V::post, "/groups/{group}/apps/{app}/secrets", A::kAdminAccess, HandleCreateSecret, LogAs::kAdmin},
    {V::put, "/groups/{group}/apps/{app}/secrets/{secret}", A::kAdminAccess, HandleUpdateSecret, LogAs::kAdmin},
    {V::delete_, "/groups/{group}/apps/{app}/secrets/{secret}", A::kAdminAccess, HandleDeleteSecret, LogAs::kAdmin},
    // Whole apps (sections 6.4, 7.7, 14): realm-cli pulls the export and pushes by import.
    {V::get, "/groups/{group}/apps/{app}/export", A::kAdminAccess, HandleExportApp},
    {V::get, "/groups/{group}/apps/{app}/pull", A::kAdminAccess, HandlePullApp},
    {V::patch, "/groups/{group}/apps/{app}/push", A::kAdminAccess, HandlePushApp, LogAs::kAdmin, kMaxAppBodyBytes},
    {V::post, "/groups/{group}/apps/{app}/import", A::kAdminAccess, HandleImportApp, LogAs::kAdmin, kMaxAppBodyBytes},
    // Drafts and deployments (section 6).
    {V::get, "/groups/{group}/apps/{app}/drafts", A::kAdminAccess, HandleListDrafts},
    {V::post, "/groups/{group}/apps/{app}/drafts", A::kAdminAccess, HandleCreateDraft, LogAs::kAdmin},
    {V::delete_, "/groups/{group}/apps/{app}/drafts/{draft}", A::kAdminAccess, HandleDiscardDraft, LogAs::kAdmin},
    {V::get, "/groups/{group}/apps/{app}/drafts/{draft}/diff", A::kAdminAccess, HandleDraftDiff},
    {V::post, "/groups/{group}/apps/{app}/drafts/{draft}/deployment", A::kAdminAccess, HandleDeployDraft, LogAs::kAdmin},
    {V::get, "/groups/{group}/apps/{app}/deployments", A::kAdminAccess, HandleListDeployments},
    {V::get, "/groups/{group}/apps/{app}/deployments/{deployment}", A::kAdminAccess, HandleGetDeployment},
    {V::post, "/groups/{group}/apps/{app}/deployments/{deployment}/redeploy", A::kAdminAccess, HandleRedeploy, LogAs::kAdmin},
    {V::get, "/groups/{group}/apps/{app}/deploy/config", A::kAdminAccess, HandleGetDeployConfig},
    {V::patch, "/groups/{group}/apps/{app}/deploy/config", A::kAdminAccess, HandleSetDeployConfig, LogAs::kAdmin},
};

constexpr Route kAtlasRoutes[] = {
    // The project list realm-cli's `pull` reads without --project; HTTP Digest with an admin API key.
    {V::get, "/groups", A::kNone, HandleAtlasGroups},
};
}  // namespace

std::span<const Route> AdminRoutes() { return kAdminRoutes; }
std::span<const Route> AtlasRoutes() { return kAtlasRoutes; }

}  // namespace guestpass::http
