// api.h: the server's HTTP API as one request -> response function: the
// route tables mounted by prefix (client_routes.h), each route's
// authentication, dispatch to its handler, error replies, CORS and request
// ids. The transport (server.h) calls it; it never touches a socket.
#pragma once

#include <utility>  // before Boost 1.74 awaitable.hpp, which needs std::exchange

#include <atomic>
#include <memory>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <string>

#include "http/handlers/handlers.h"
#include "http/http_metrics.h"
#include "http/router.h"
#include "http/types.h"
#include "log/sampler.h"

namespace guestpass::http {

class Api {
 public:
  explicit Api(Services services);

  // Answers one request. Never throws; unexpected failures become a 500 with
  // the cause logged under the request id.
  // `peer` is the TCP peer's address (the client, or a proxy in front of it).
  boost::asio::awaitable<Response> Handle(Request request, boost::asio::ip::address peer = {});

  // The reply for a request the transport could not read completely
  // (413 body too large, 400 malformed HTTP). `partial` holds what was parsed.
  Response Reject(const Request& partial, const core::Status& status);

  // The largest body the route of `method` and `target` takes (kMaxBodyBytes
  // when no route matches: its request is refused anyway), and the largest
  // of any route: the transport reads a request's head with the latter, then
  // its body with the former.
  size_t BodyLimit(bhttp::verb method, std::string_view target) const;
  size_t LargestBodyLimit() const { return router_.LargestBody(); }

 private:
  std::string NextRequestId();
  void Finish(const Request& req, Response& res, const std::string& request_id);
  // Whether the target follows the Admin API's CORS rule (only the origins
  // of --admin-origins): everything but the client API, whose SDKs run on
  // any origin. The root (the web UI, /healthz) is same-origin.
  bool OnlyAdminOrigins(const Request& req) const;
  // Queues the apps' log entry of a logged route's request (never its query
  // string, headers or body: they may carry tokens and passwords).
  void RecordEvent(const Route& route, const Request& req, const Response& res,
                   const boost::asio::ip::address& peer, const EventNote& note,
                   const store::SessionWithUser* administrator);

  Services services_;
  Router router_;
  // Every request's route, status and latency (/metrics); services_.metrics
  // points here.
  std::unique_ptr<HttpMetrics> metrics_;
  log::Sampler unavailable_;  // 503s are logged once per 10 s, with a count
  std::string id_prefix_;
  std::atomic<uint64_t> next_id_{0};
};

}  // namespace guestpass::http
