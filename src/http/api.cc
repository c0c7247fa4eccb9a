// api.cc: routing, authentication of the route, dispatch, and the single
// error-reply path.
#include "http/api.h"

#include <chrono>
#include <exception>
#include <nlohmann/json.hpp>

#include "core/json_text.h"
#include "http/admin_routes.h"
#include "http/await.h"
#include "http/host_header.h"
#include "http/client_routes.h"
#include "http/cors.h"
#include "http/error_response.h"
#include "log/logger.h"

namespace guestpass::http {

Api::Api(Services services)
    : services_(std::move(services)),
      router_({{kClientApiPrefix, ClientRoutes()},
               {kAdminApiPrefix, AdminRoutes()},
               {kAtlasApiPrefix, AtlasRoutes()},
               {"", RootRoutes()}}) {
  std::vector<std::string> labels;
  for (size_t i = 0; i < router_.RouteCount(); ++i) labels.push_back(router_.RouteLabel(i));
  metrics_ = std::make_unique<HttpMetrics>(std::move(labels));
  services_.metrics = metrics_.get();
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
// The Router's mounts: client API, Admin API, Atlas's, root.
constexpr size_t kClientMount = 0;
}  // namespace

bool Api::OnlyAdminOrigins(const Request& req) const {
  return router_.MountOf(Sv(req.target())) != kClientMount;
}

void Api::Finish(const Request& req, Response& res, const std::string& request_id) {
  if (OnlyAdminOrigins(req))
    AddAdminCorsHeaders(req, res, services_.admin_origins);
  else
    AddCorsHeaders(req, res);
  res.set("X-Request-Id", request_id);
  res.keep_alive(req.keep_alive());
}

namespace {

bool TooManyHeaderFields(const Request& req) {
  size_t n = 0;
  for (auto it = req.begin(); it != req.end(); ++it)
    if (++n > kMaxHeaderFields) return true;
  return false;
}

}  // namespace

boost::asio::awaitable<Response> Api::Handle(Request req, boost::asio::ip::address peer) {
  const std::string request_id = NextRequestId();
  core::Result<Response> result = core::Status::Internal("not handled");
  EventNote note;
  const Route* logged = nullptr;  // the route, when its requests go to the apps' log
  const store::SessionWithUser* administrator = nullptr;
  std::optional<core::Result<store::SessionWithUser>> admin;
  const auto started = std::chrono::steady_clock::now();
  size_t route_index = HttpMetrics::kUnmatched;
  if (core::Status host = CheckHostHeader(req); !host.ok()) {
    result = host;  // RFC 9112 section 3.2: before anything reads the Host
  } else if (TooManyHeaderFields(req)) {
    result = core::Status::InvalidArgument(core::ErrorCode::kBadRequest, "request has more than " +
                                                                             std::to_string(kMaxHeaderFields) +
                                                                             " header fields");
  } else if (req.method() == bhttp::verb::options) {
    result = OnlyAdminOrigins(req) ? AdminPreflightResponse(req, services_.admin_origins) : PreflightResponse(req);
  } else if (auto route = router_.Match(req.method(), Sv(req.target())); !route.ok()) {
    result = route.status();
  } else if (auto token = TokenFor(route->route->auth, req); !token.ok()) {
    route_index = route->index;
    result = token.status();
  } else {
    route_index = route->index;
    try {
      if (route->route->log != LogAs::kNone) logged = route->route;
      if (route->route->log == LogAs::kAdmin) {
        if (auto id = core::ObjectId::FromHex(route->Param("app"))) note.app_id = *id;
      }
      // An administrator's access token is verified before the handler runs
      // (by the admin domain's AuthService: an app user's token fails here).
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
        administrator = admin ? &**admin : nullptr;
        const Exchange ex{req, *route, services_, request_id, peer, *token, administrator, &note};
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
    // The path only: a query string may carry a token.
    const std::string_view target = Sv(req.target());
    const std::string path(target.substr(0, target.find('?')));
    if (s.code() == core::Code::kInternal) {
      log::Error("request failed", {{"request_id", request_id}, {"path", path}, {"status", s.ToString()}});
    } else if (s.code() == core::Code::kUnavailable) {
      // Busy or the store unreachable: many at once, so a line per 10 s.
      res.set(bhttp::field::retry_after, "1");
      if (int64_t n = unavailable_.Tick())
        log::Warn("requests refused: unavailable",
                  {{"request_id", request_id}, {"path", path}, {"status", s.ToString()}, {"times", std::to_string(n)}});
    } else if (log::Enabled(log::Level::kDebug)) {
      log::Debug("request refused", {{"request_id", request_id}, {"path", path}, {"status", s.ToString()}});
    }
  }
  if (logged != nullptr && services_.events != nullptr && !note.app_id.IsZero())
    RecordEvent(*logged, req, res, peer, note, administrator);
  Finish(req, res, request_id);
  metrics_->Request(route_index, res.result_int(),
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  co_return res;
}

void Api::RecordEvent(const Route& route, const Request& req, const Response& res,
                      const boost::asio::ip::address& peer, const EventNote& note,
                      const store::SessionWithUser* administrator) {
  // Written by hand: every login records one, and a JSON document cost more
  // than the rest of the entry (callgrind).
  core::LogEvent event;
  event.app_id = note.app_id;
  const bool failed = res.result_int() >= 400;
  event.error = failed;
  std::string_view target = Sv(req.target());
  target = target.substr(0, target.find('?'));  // query strings may carry tokens: never logged
  std::string& out = event.entry_json;
  out.clear();  // not the default "{}"
  out.reserve(256);
  out += R"({"request_url":)";
  core::AppendJsonString(out, target);
  out += R"(,"request_method":)";
  core::AppendJsonString(out, Sv(req.method_string()));
  out += R"(,"status":)";
  out += std::to_string(res.result_int());
  out += R"(,"remote_ip_address":)";
  core::AppendJsonString(out, ClientAddressOf(req, peer, services_.trusted_proxies).to_string());
  if (failed) {
    const auto body = nlohmann::json::parse(res.body(), nullptr, false);
    if (body.is_object()) {
      out += R"(,"error":)";
      core::AppendJsonString(out, body.value("error", ""));
      out += R"(,"error_code":)";
      core::AppendJsonString(out, body.value("error_code", ""));
    }
  }
  if (route.log == LogAs::kAuth) {
    event.type = "AUTH";
    event.user_id = note.user_id;
    out += R"(,"auth_event":{"type":)";
    core::AppendJsonString(out, note.auth_event);
    out += failed ? R"(,"failed":true)" : R"(,"failed":false)";
    if (!note.provider.empty()) {
      out += R"(,"provider":)";
      core::AppendJsonString(out, note.provider);
    }
    out += '}';
    if (!note.device.empty()) {  // a JSON object: written by login_body.cc, not the client's text
      out += R"(,"device":)";
      out += note.device;
    }
  } else {
    event.type = "ADMIN";
    if (administrator != nullptr) {
      event.user_id = administrator->user.id;
      const auto data = nlohmann::json::parse(administrator->user.data_json, nullptr, false);
      out += R"(,"administrator":)";
      core::AppendJsonString(out, data.is_object() ? data.value("name", "") : "");
    }
  }
  out += '}';
  services_.events->Record(std::move(event));
}

size_t Api::BodyLimit(bhttp::verb method, std::string_view target) const {
  auto match = router_.Match(method, target);
  return match.ok() ? match->route->max_body : kMaxBodyBytes;
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
