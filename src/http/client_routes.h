// client_routes.h: the route tables of the client API (App Services client
// API v2.0, mounted at /api/client/v2.0) and of the server's root (/healthz,
// the admin web UI at / and /assets/...).
#pragma once

#include <span>
#include <string_view>

#include "http/router.h"

namespace guestpass::http {

inline constexpr std::string_view kClientApiPrefix = "/api/client/v2.0";

std::span<const Route> ClientRoutes();
std::span<const Route> RootRoutes();

}  // namespace guestpass::http
