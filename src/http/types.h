// types.h: the HTTP message types of the server (Beast, string bodies).
#pragma once

#include <utility>  // Boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http.hpp>
#include <string>
#include <string_view>

namespace guestpass::http {

namespace bhttp = boost::beast::http;
using Request = bhttp::request<bhttp::string_body>;
using Response = bhttp::response<bhttp::string_body>;

// Beast 1.74 uses boost::string_view; the rest of guestpass uses std's.
inline std::string_view Sv(boost::beast::string_view s) { return {s.data(), s.size()}; }
// ASCII case-insensitive equality (header values, media types).
bool IEquals(std::string_view a, std::string_view b);

// Appends `res` as HTTP/1.x wire bytes to `out`: the same bytes as Beast's
// serializer (status line, fields in order, body), built in one buffer so
// that the server sends a response with one plain send instead of Beast's
// eleven-piece gather write (which cost a fifth of a trivial request's
// instructions). The caller prepares the payload (Content-Length) first.
void AppendWire(const Response& res, std::string& out);

// Largest accepted request body of a route that names none (Route::max_body).
// Client API bodies are small JSON documents.
inline constexpr size_t kMaxBodyBytes = 64 * 1024;
// A whole app pushed or imported through the Admin API (realm-cli push).
inline constexpr size_t kMaxAppBodyBytes = 8 * 1024 * 1024;
// Most header fields a request may carry (Apache's LimitRequestFields); the
// head's size is bounded too (kMaxHeaderBytes, server.h). More: 400.
inline constexpr size_t kMaxHeaderFields = 100;

// A JSON response with Content-Type exactly application/json (the SDKs
// require it, shared/spec/client-api.md section 2.3).
Response JsonResponse(bhttp::status status, std::string body, unsigned version = 11);
// A response without body and without Content-Type (e.g. 204).
Response EmptyResponse(bhttp::status status, unsigned version = 11);

}  // namespace guestpass::http
