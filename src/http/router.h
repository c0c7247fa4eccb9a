// router.h: the whole route table of the client API, in one place.
// Matching is on the path (duplicate slashes collapsed, query ignored).
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "http/types.h"

namespace guestpass::http {

enum class RouteId {
  kHealth,         // GET  /healthz
  kLocation,       // GET  /api/client/v2.0/app/{app}/location
  kLogin,          // POST /api/client/v2.0/app/{app}/auth/providers/{provider}/login
  kProfile,        // GET  /api/client/v2.0/auth/profile            (access token)
  kRefresh,        // POST /api/client/v2.0/auth/session            (refresh token)
  kLogout,         // DELETE /api/client/v2.0/auth/session          (refresh token)
  kDeleteUser,     // DELETE /api/client/v2.0/auth/delete           (access token)
  kApiKeys,        // POST (create) and GET (list) /api/client/v2.0/auth/api_keys   (refresh token)
  kApiKey,         // GET and DELETE /api/client/v2.0/auth/api_keys/{key}             (refresh token)
  kApiKeyEnable,   // PUT /api/client/v2.0/auth/api_keys/{key}/enable                 (refresh token)
  kApiKeyDisable,  // PUT /api/client/v2.0/auth/api_keys/{key}/disable                (refresh token)
  kUserpass,   // POST .../app/{app}/auth/providers/local-userpass/{register,confirm[/send|/call],reset[/send|/call]}
  kPreflight,  // OPTIONS on any path
};

struct RouteMatch {
  RouteId id;
  std::string app_id;    // kLocation, kLogin
  std::string provider;  // kLogin
  std::string query;     // raw query string (after '?'), may be empty
  std::string key_id;    // kApiKey, kApiKeyEnable, kApiKeyDisable; kUserpass: the operation, e.g. "confirm/send"
};

// NotFound(NotFound) for unknown paths, MethodNotAllowed(MethodNotAllowed)
// with the allowed methods in the message for known paths.
core::Result<RouteMatch> Route(bhttp::verb method, std::string_view target);

// "GET, POST" for the Allow header of a 405.
std::string AllowedMethods(std::string_view target);

}  // namespace guestpass::http
