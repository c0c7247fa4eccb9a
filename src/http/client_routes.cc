// client_routes.cc: every endpoint of the client API, one row each
// (shared/spec/client-api.md): method, path below /api/client/v2.0, what
// authenticates it, handler. The handlers are in handlers/.
#include "http/client_routes.h"

#include "http/handlers/handlers.h"

namespace guestpass::http {

namespace {
using V = bhttp::verb;
using A = RouteAuth;

constexpr Route kClientRoutes[] = {
    {V::get, "/app/{app}/location", A::kNone, HandleLocation},
    // ?link=true asks for the current user's access token; the handler reads it.
    {V::post, "/app/{app}/auth/providers/{provider}/login", A::kNone, HandleLogin, LogAs::kAuth},
    {V::post, "/app/{app}/auth/providers/local-userpass/register", A::kNone, HandleRegister},
    {V::post, "/app/{app}/auth/providers/local-userpass/confirm", A::kNone, HandleConfirm},
    {V::post, "/app/{app}/auth/providers/local-userpass/confirm/send", A::kNone, HandleResendConfirmation},
    {V::post, "/app/{app}/auth/providers/local-userpass/confirm/call", A::kNone, HandleRetryConfirmation},
    {V::post, "/app/{app}/auth/providers/local-userpass/reset/send", A::kNone, HandleSendReset},
    {V::post, "/app/{app}/auth/providers/local-userpass/reset", A::kNone, HandleReset},
    {V::post, "/app/{app}/auth/providers/local-userpass/reset/call", A::kNone, HandleCallReset},
    {V::get, "/auth/profile", A::kUserAccess, HandleProfile},
    {V::post, "/auth/session", A::kUserRefresh, HandleRefresh},
    {V::delete_, "/auth/session", A::kUserRefresh, HandleLogout, LogAs::kAuth},
    {V::delete_, "/auth/delete", A::kUserAccess, HandleDeleteUser},
    {V::post, "/auth/api_keys", A::kUserRefresh, HandleCreateApiKey},
    {V::get, "/auth/api_keys", A::kUserRefresh, HandleListApiKeys},
    {V::get, "/auth/api_keys/{key}", A::kUserRefresh, HandleGetApiKey},
    {V::delete_, "/auth/api_keys/{key}", A::kUserRefresh, HandleDeleteApiKey},
    {V::put, "/auth/api_keys/{key}/enable", A::kUserRefresh, HandleEnableApiKey},
    {V::put, "/auth/api_keys/{key}/disable", A::kUserRefresh, HandleDisableApiKey},
};

constexpr Route kRootRoutes[] = {
    {V::get, "/healthz", A::kNone, HandleHealth},
    {V::get, "/readyz", A::kNone, HandleReady},
    {V::get, "/metrics", A::kNone, HandleMetrics},
    // The public keys of the access and refresh tokens' ES256 and RS256 signatures.
    {V::get, "/.well-known/jwks.json", A::kNone, HandleJwks},
    // The admin web UI (web_assets.h): its page, and its files under the build id.
    // The UI routes in the browser (#/apps/...), so no other path needs the page.
    {V::get, "/", A::kNone, HandleWebIndex},
    {V::get, "/assets/{build}/{path...}", A::kNone, HandleWebAsset},
};
}  // namespace

std::span<const Route> ClientRoutes() { return kClientRoutes; }
std::span<const Route> RootRoutes() { return kRootRoutes; }

HandlerResult HandleHealth(const Exchange& ex) {
  co_return JsonResponse(bhttp::status::ok, R"({"status":"ok"})", ex.request.version());
}

}  // namespace guestpass::http
