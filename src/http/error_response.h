// error_response.h: the only place a Status becomes an HTTP reply.
#pragma once

#include "core/status.h"
#include "http/types.h"

namespace guestpass::http {

// kInvalidArgument -> 400, kUnauthenticated -> 401, kPermissionDenied -> 403,
// kNotFound -> 404, kMethodNotAllowed -> 405, kAlreadyExists -> 409,
// kPayloadTooLarge -> 413, kUnsupportedMediaType -> 415, kRateLimited -> 429,
// kUnimplemented -> 501, kUnavailable -> 503, else 500.
bhttp::status HttpStatusFor(core::Code code);

// Body: {"error": "<message>", "error_code": "<App Services code>"} with
// Content-Type application/json. For 500 and 503 the message is generic
// (it could name internals such as SQLite errors); the caller logs the real
// cause with the request id.
Response ErrorResponse(const core::Status& status, unsigned version = 11);

}  // namespace guestpass::http
