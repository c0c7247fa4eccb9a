// api.cc: request dispatch and the single error-reply path.
#include "http/api.h"

#include <exception>

#include "http/cors.h"
#include "http/error_response.h"
#include "log/logger.h"

namespace guestpass::http {

Api::Api(Services services) : services_(std::move(services)) {
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
HandlerResult Ready(Response res) { co_return res; }
HandlerResult Fail(core::Status status) { co_return status; }
}  // namespace

HandlerResult Api::Dispatch(const Exchange& ex) {
  switch (ex.route.id) {
    case RouteId::kHealth:
      return Ready(JsonResponse(bhttp::status::ok, R"({"status":"ok"})", ex.request.version()));
    case RouteId::kPreflight:
      return Ready(PreflightResponse(ex.request));
    case RouteId::kLocation:
      return HandleLocation(ex);
    case RouteId::kLogin:
      return HandleLogin(ex);
    case RouteId::kProfile:
      return HandleProfile(ex);
    case RouteId::kRefresh:
      return HandleRefresh(ex);
    case RouteId::kLogout:
      return HandleLogout(ex);
    case RouteId::kApiKeys:
      return HandleApiKeys(ex);
    case RouteId::kApiKey:
      return HandleApiKey(ex);
    case RouteId::kApiKeyEnable:
      return HandleApiKeyEnable(ex, true);
    case RouteId::kApiKeyDisable:
      return HandleApiKeyEnable(ex, false);
    case RouteId::kUserpass:
      return HandleUserpass(ex);
    case RouteId::kDeleteUser:
      return HandleDeleteUser(ex);
  }
  return Fail(core::Status::Internal("unrouted request"));
}

void Api::Finish(const Request& req, Response& res, const std::string& request_id) {
  AddCorsHeaders(req, res);
  res.set("X-Request-Id", request_id);
  res.keep_alive(req.keep_alive());
}

boost::asio::awaitable<Response> Api::Handle(Request req, boost::asio::ip::address peer) {
  const std::string request_id = NextRequestId();
  core::Result<Response> result = core::Status::Internal("not handled");
  auto route = Route(req.method(), Sv(req.target()));
  if (!route.ok()) {
    result = route.status();
  } else {
    try {
      const Exchange ex{req, *route, services_, request_id, peer};
      result = co_await Dispatch(ex);
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
    if (s.code() == core::Code::kMethodNotAllowed) res.set(bhttp::field::allow, AllowedMethods(Sv(req.target())));
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
