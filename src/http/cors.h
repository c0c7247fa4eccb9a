// cors.h: CORS headers for browsers running realm-web
// (shared/spec/client-api.md section 17). Every response carries them,
// errors included; preflights are answered here.
#pragma once

#include "http/types.h"

namespace guestpass::http {

// Adds Access-Control-Allow-Origin (the request's Origin echoed, with
// credentials allowed, or "*" without Origin), Vary: Origin and the exposed
// headers to `res`.
void AddCorsHeaders(const Request& req, Response& res);

// The answer to an OPTIONS preflight: 204 with allowed methods and headers.
Response PreflightResponse(const Request& req);

}  // namespace guestpass::http
