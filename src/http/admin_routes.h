// admin_routes.h: the route table of the Admin API (App Services Admin API
// v3.0, mounted at /api/admin/v3.0; shared/spec/admin-api.md).
#pragma once

#include <span>
#include <string_view>

#include "http/router.h"

namespace guestpass::http {

inline constexpr std::string_view kAdminApiPrefix = "/api/admin/v3.0";

std::span<const Route> AdminRoutes();

// Atlas's public API, of which realm-cli calls one route.
inline constexpr std::string_view kAtlasApiPrefix = "/api/public/v1.0";
std::span<const Route> AtlasRoutes();

}  // namespace guestpass::http
