// web_assets.h: the admin web UI's files (web/), embedded in the binary at
// build time (web_embed.cmake generates their table), and the responses that
// serve them: GET / answers index.html, GET /assets/<build id>/<path> the
// other files. Not the UI itself (that is web/, plain ES modules) and not
// routing (client_routes.cc has the rows).
//
// DESIGN: every asset URL carries the build id, a hash of all of web/, so an
// asset can be cached for a year as immutable and a new build is fetched at
// once; index.html, the one URL that stays the same, is never cached
// (no-cache) and names the current build's assets. Relative imports between
// modules stay inside one build's folder. Every UI response carries a strict
// Content-Security-Policy (no inline script or style, nothing from another
// origin, no framing) and no CORS headers (the Api's rule for the root).
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "core/status.h"
#include "http/types.h"

namespace guestpass::http::web {

// One file of web/: its path relative to web/ ("css/app.css") and its bytes.
struct EmbeddedFile {
  std::string_view path;
  std::string_view bytes;
};

// Defined in the generated web_assets_data.cc: every file of web/, in path
// order, and the build id (16 hex digits of a SHA-256 over names and contents).
std::span<const EmbeddedFile> EmbeddedFiles();
std::string_view BuildId();

// "/assets/<build id>": the URL folder of this build's assets. index.html
// says "%ASSETS%" where it means it.
std::string AssetBase();

// The Content-Type for a path, by its extension: text/html, text/css and
// text/javascript (utf-8), image/svg+xml, application/json, image/png;
// application/octet-stream for anything else.
std::string_view ContentTypeOf(std::string_view path);

// The embedded file at `path` (relative to web/, exact match); nullptr when none.
const EmbeddedFile* FindFile(std::string_view path);

// The security headers of every UI response: Content-Security-Policy,
// X-Frame-Options DENY, X-Content-Type-Options nosniff, Referrer-Policy.
void AddSecurityHeaders(Response& res);
inline constexpr std::string_view kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

// GET /: index.html with "%ASSETS%" replaced by AssetBase(), Cache-Control no-cache.
Response IndexResponse(unsigned version = 11);

// GET /assets/{build}/{path...}: the file, Cache-Control public, a year,
// immutable. NotFound(NotFound) for a path web/ does not have or a build id
// other than this binary's (an old page asking for assets this build lacks).
core::Result<Response> AssetResponse(std::string_view build, std::string_view path, unsigned version = 11);

}  // namespace guestpass::http::web
