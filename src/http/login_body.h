// login_body.h: reads the body of a login request (client-api.md sections 5
// and 6): options.device for the session, and the rest as the provider's
// credentials.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "auth/auth_service.h"
#include "core/status.h"
#include "http/types.h"

namespace guestpass::http {

struct LoginBody {
  auth::DeviceInfo device;                                // options.device
  nlohmann::json credentials = nlohmann::json::object();  // the body without "options"
};

// The body as ParseJsonObjectBody reads any body (415, 400 for malformed
// JSON or Extended JSON), then options.device: an object or null; only its
// deviceId (24 hex digits) means something to the server, the rest is kept
// as JSON text with the session.
//
// The body every Realm SDK sends to an anonymous login,
// {"options":{"device":{...}}} with a flat device object of plain strings,
// is read without building a JSON document: dhat counted 27 allocations
// and callgrind ~11% of a login's instructions for that. Any other body
// takes the general path; both give the same result (tested against each
// other). `short_path` false forces the general path (for that test).
core::Result<LoginBody> ReadLoginBody(const Request& req, bool short_path = true);

namespace detail {
// The short path alone, exposed so its test can tell which bodies take it:
// the body read as ReadLoginBody would, or nullopt when it is not of the
// short path's shape (ReadLoginBody then takes the general path).
std::optional<LoginBody> ReadShortLoginBody(std::string_view body);
}  // namespace detail

}  // namespace guestpass::http
