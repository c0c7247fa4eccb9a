// api.cc: routing, authentication of the route, dispatch, and the single
// error-reply path.
#include "http/api.h"

#include <exception>

#include "http/admin_routes.h"
#include "http/await.h"
#include "http/client_routes.h"
#include "http/cors.h"
#include "http/error_response.h"
#include "log/logger.h"

namespace guestpass::http {

Api::Api(Services services)
    : services_(std::move(services)),
      router_({{kClientApiPrefix, ClientRoutes()}, {kAdminApiPrefix, AdminRoutes()}, {"", RootRoutes()}}) {
  // A per-process prefix keeps ids distinct across restarts and servers.
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t seed = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
                  reinterpret_cast<uintptr_t>(this);
  for (int i = 0; i < 8; ++i) id_prefix_.push_back(kHex[(seed >> (4 * i)) & 0xf]);
}

std::string Api::NextRequestId() {
  return id_prefix_ + "-" + std::to_string(next_id_.fetch_add(1, std::memory_order_relaxed));
}

namespace {
// The bearer token `auth` asks for, or empty for RouteAuth::kNone.
// Unauthenticated(MissingAuthReq) when it is missing.
core::Result<std::string_view> TokenFor(RouteAuth auth, const Request& req) {
  switch (auth) {
    case RouteAuth::kNone:
      return std::string_view();
    case RouteAuth::kUserAccess:
    case RouteAuth::kUserRefresh:
    case RouteAuth::kAdminAccess:
    case RouteAuth::kAdminRefresh:
      return BearerToken(req);
  }
  return core::Status::Internal("unknown route authentication");
}
}  // namespace

namespace {
constexpr size_t kAdminMount = 1;  // the Router's mounts: client API, Admin API, root
}  // namespace

bool Api::IsAdmin(const Request& req) const { return router_.MountOf(Sv(req.target())) == kAdminMount; }

void Api::Finish(const Request& req, Response& res, const std::string& request_id) {
  if (IsAdmin(req))
    AddAdminCorsHeaders(req, res, services_.admin_origins);
  else
    AddCorsHeaders(req, res);
  res.set("X-Request-Id", request_id);
  res.keep_alive(req.keep_alive());
}

boost::asio::awaitable<Response> Api::Handle(Request req, boost::asio::ip::address peer) {
  const std::string request_id = NextRequestId();
  core::Result<Response> result = core::Status::Internal("not handled");
  if (req.method() == bhttp::verb::options) {
    result = IsAdmin(req) ? AdminPreflightResponse(req, services_.admin_origins) : PreflightResponse(req);
  } else if (auto route = router_.Match(req.method(), Sv(req.target())); !route.ok()) {
    result = route.status();
  } else if (auto token = TokenFor(route->route->auth, req); !token.ok()) {
    result = token.status();
  } else {
    try {
      // An administrator's access token is verified before the handler runs
      // (by the admin domain's AuthService: an app user's token fails here).
      std::optional<core::Result<store::SessionWithUser>> admin;
      if (route->route->auth == RouteAuth::kAdminAccess) {
        if (services_.admin == nullptr) {
          admin = core::Status::NotFound(core::ErrorCode::kNotFound, "this server has no Admin API");
        } else {
          admin = co_await Await<store::SessionWithUser>(
              [&](auto done) { services_.admin->auth.Authenticate(*token, std::move(done)); });
        }
      }
      if (admin && !admin->ok()) {
        result = admin->status();
      } else {
        const Exchange ex{req, *route, services_, request_id, peer, *token, admin ? &**admin : nullptr};
        result = co_await route->route->handler(ex);
      }
    } catch (const std::exception& e) {
      log::Error("handler threw", {{"request_id", request_id}, {"what", e.what()}});
      result = core::Status::Internal(e.what());
    }
  }
  Response res;
  if (result.ok()) {
    res = std::move(*result);
  } else {
    const core::Status& s = result.status();
    res = ErrorResponse(s, req.version());
    if (s.code() == core::Code::kMethodNotAllowed)
      res.set(bhttp::field::allow, router_.AllowedMethods(Sv(req.target())));
    if (s.code() == core::Code::kInternal || s.code() == core::Code::kUnavailable) {
      log::Error("request failed",
                 {{"request_id", request_id}, {"target", std::string(Sv(req.target()))}, {"status", s.ToString()}});
    } else if (log::Enabled(log::Level::kDebug)) {
      log::Debug("request refused",
                 {{"request_id", request_id}, {"target", std::string(Sv(req.target()))}, {"status", s.ToString()}});
    }
  }
  Finish(req, res, request_id);
  co_return res;
}

Response Api::Reject(const Request& partial, const core::Status& status) {
  const std::string request_id = NextRequestId();
  Response res = ErrorResponse(status, partial.version() ? partial.version() : 11);
  Finish(partial, res, request_id);
  res.keep_alive(false);
  log::Debug("request rejected by transport", {{"request_id", request_id}, {"status", status.ToString()}});
  return res;
}

}  // namespace guestpass::http
