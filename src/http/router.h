// router.h: route tables and the router that matches requests against them.
//
// A route is one row: method, path pattern with named parameters ("{app}"),
// what must authenticate the request, and the handler. An API is a table of
// such rows (client_routes.cc holds the client API's); the Router mounts
// tables under path prefixes ("/api/client/v2.0") and finds the row of a
// request. Adding an endpoint is one row plus its handler.
//
// Matching is on the path: duplicate and trailing slashes are ignored, the
// query string is set aside, literals compare case-sensitively, a parameter
// matches any one non-empty segment. A last segment "{name...}" is a rest
// parameter: it matches one or more segments and its value is the rest of
// the path as sent ("css/app.css"; inner duplicate slashes are kept, a
// trailing slash is not), for the web UI's asset paths. Routing allocates
// nothing.
#pragma once

#include <utility>  // before Boost 1.74 awaitable.hpp, which needs std::exchange

#include <array>
#include <optional>
#include <boost/asio/awaitable.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "http/types.h"

namespace guestpass::http {

struct Exchange;  // handlers.h
using HandlerResult = boost::asio::awaitable<core::Result<Response>>;
using Handler = HandlerResult (*)(const Exchange&);

// What must come with a request before its handler runs. The Api refuses a
// request without it (401 MissingAuthReq) and hands the handler the token,
// which the handler's AuthService call then verifies as that kind of token
// (a refresh token where an access token is due is InvalidSession).
enum class RouteAuth {
  kNone,         // no token; a stray Authorization header is ignored
  kUserAccess,   // an app user's access token (Authorization: Bearer)
  kUserRefresh,  // an app user's refresh token (Authorization: Bearer)
  // An administrator's access token: the Api verifies it (the admin domain's
  // AuthService) before the handler runs and hands the handler its user.
  kAdminAccess,
  kAdminRefresh,  // an administrator's refresh token, verified by the handler's call
};

// Which of the apps' logs (the Admin API's GET .../logs) a route's requests
// go to: client authentication events, administrators' changes, or none.
enum class LogAs { kNone, kAuth, kAdmin };

struct Route {
  bhttp::verb method;
  std::string_view pattern;  // below the mount's prefix, e.g. "/app/{app}/location"
  RouteAuth auth;
  Handler handler;
  LogAs log = LogAs::kNone;
  // The largest body the route takes (413 past it): the client API's and most
  // of the Admin API's bodies are small JSON documents; a whole app is not.
  size_t max_body = kMaxBodyBytes;
};

// A table mounted under a prefix ("" for the server's root).
struct Mount {
  std::string_view prefix;
  std::span<const Route> routes;
};

// What Router::Match found: the row, its parameters and the query string.
// Views into the request target and the route table: valid while both live.
class RouteMatch {
 public:
  static constexpr size_t kMaxParams = 4;

  const Route* route = nullptr;
  size_t index = 0;        // the row's place among all mounted rows (Router::RouteLabel)
  std::string_view query;  // raw query string (after '?'), may be empty

  // The value of "{name}" in the pattern; empty when the pattern has none.
  std::string_view Param(std::string_view name) const;

 private:
  friend class Router;
  std::array<std::pair<std::string_view, std::string_view>, kMaxParams> params_{};
  size_t param_count_ = 0;
};

class Router {
 public:
  // The mounts in the order they are tried; a request goes to the first mount
  // whose prefix its path starts with (by whole segments), so a root mount
  // ("") comes last. A pattern with more than kMaxSegments segments, more
  // than RouteMatch::kMaxParams parameters, or a rest parameter ("{name...}")
  // anywhere but last is a programming error (aborts).
  explicit Router(std::vector<Mount> mounts);

  // NotFound(NotFound) for unknown paths; MethodNotAllowed(MethodNotAllowed)
  // for a known path and another method.
  core::Result<RouteMatch> Match(bhttp::verb method, std::string_view target) const;

  // "POST, DELETE, OPTIONS": the methods of the target's path, for the Allow
  // header of a 405 (just "OPTIONS" for unknown paths).
  std::string AllowedMethods(std::string_view target) const;

  // The index (in the constructor's order) of the mount that owns the
  // target's path, matched as Match does (so "//api//admin" is the admin
  // mount's too); nullopt when none does.
  std::optional<size_t> MountOf(std::string_view target) const;

  static constexpr size_t kMaxSegments = 16;

  // How many rows are mounted, and row `index`'s "METHOD /prefix/pattern"
  // (for /metrics: a route's label never holds a request's own values).
  size_t RouteCount() const { return routes_.size(); }
  // The largest max_body of any row.
  size_t LargestBody() const { return largest_body_; }
  std::string RouteLabel(size_t index) const;

 private:
  struct Compiled {
    const Route* route;
    size_t mount;  // index into mounts_
    std::vector<std::string_view> segments;  // literal, or "{name}" for a parameter
    bool rest = false;  // the last segment is "{name...}": it takes the rest of the path
    std::string_view prefix;  // the mount's
  };
  struct CompiledMount {
    std::vector<std::string_view> prefix;
  };

  size_t OwnerOf(std::string_view path) const;  // mounts_.size() when none
  // Calls `each(compiled, params, count)` for every row whose pattern matches
  // `path`, in table order, until it returns true.
  template <typename Each>
  void ForEachPathMatch(std::string_view path, Each&& each) const;

  std::vector<CompiledMount> mounts_;
  std::vector<Compiled> routes_;
  size_t largest_body_ = 0;
};

}  // namespace guestpass::http
