// cors.cc: CORS header values.
#include "http/cors.h"

namespace guestpass::http {

void AddCorsHeaders(const Request& req, Response& res) {
  auto origin = req.find(bhttp::field::origin);
  if (origin != req.end() && !origin->value().empty()) {
    res.set(bhttp::field::access_control_allow_origin, origin->value());
    res.set(bhttp::field::access_control_allow_credentials, "true");
  } else {
    res.set(bhttp::field::access_control_allow_origin, "*");
  }
  res.set(bhttp::field::vary, "Origin");
  res.set(bhttp::field::access_control_expose_headers, "X-Baas-Location, X-Request-Id");
}

Response PreflightResponse(const Request& req) {
  Response res = EmptyResponse(bhttp::status::no_content, req.version());
  res.set(bhttp::field::access_control_allow_methods, "GET, POST, PUT, PATCH, DELETE, OPTIONS");
  auto requested = req.find(bhttp::field::access_control_request_headers);
  if (requested != req.end() && !requested->value().empty())
    res.set(bhttp::field::access_control_allow_headers, requested->value());
  else
    res.set(bhttp::field::access_control_allow_headers, "Authorization, Content-Type, Accept");
  res.set(bhttp::field::access_control_max_age, "86400");
  return res;
}

namespace {
bool Allowed(const Request& req, const std::vector<std::string>& allowed) {
  auto origin = req.find(bhttp::field::origin);
  if (origin == req.end()) return false;
  const std::string_view value = Sv(origin->value());
  for (const auto& a : allowed)
    if (a == value) return true;
  return false;
}
}  // namespace

void AddAdminCorsHeaders(const Request& req, Response& res, const std::vector<std::string>& allowed) {
  res.set(bhttp::field::vary, "Origin");
  if (!Allowed(req, allowed)) return;
  res.set(bhttp::field::access_control_allow_origin, req[bhttp::field::origin]);
  res.set(bhttp::field::access_control_allow_credentials, "true");
  res.set(bhttp::field::access_control_expose_headers, "X-Request-Id");
}

Response AdminPreflightResponse(const Request& req, const std::vector<std::string>& allowed) {
  if (!Allowed(req, allowed)) return EmptyResponse(bhttp::status::no_content, req.version());
  return PreflightResponse(req);
}

}  // namespace guestpass::http
