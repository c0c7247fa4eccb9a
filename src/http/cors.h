// cors.h: CORS headers for browsers running realm-web
// (shared/spec/client-api.md section 17). Every response carries them,
// errors included; preflights are answered here.
#pragma once

#include <string>
#include <vector>

#include "http/types.h"

namespace guestpass::http {

// Adds Access-Control-Allow-Origin (the request's Origin echoed, with
// credentials allowed, or "*" without Origin), Vary: Origin and the exposed
// headers to `res`: the client API's rule, since apps run on any origin.
void AddCorsHeaders(const Request& req, Response& res);

// The answer to an OPTIONS preflight: 204 with allowed methods and headers.
Response PreflightResponse(const Request& req);

// The Admin API's rule: only an origin in `allowed` (exact, e.g.
// "https://admin.example.com") gets CORS headers; any other origin gets
// none, so browsers keep its pages from reading admin answers. The server's
// own pages are same-origin and need none.
void AddAdminCorsHeaders(const Request& req, Response& res, const std::vector<std::string>& allowed);
// The Admin API's preflight: 204, with CORS headers only for an allowed origin.
Response AdminPreflightResponse(const Request& req, const std::vector<std::string>& allowed);

}  // namespace guestpass::http
