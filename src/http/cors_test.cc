// cors_test.cc: CORS headers on responses and preflight answers.
#include "http/cors.h"

#include <gtest/gtest.h>

namespace guestpass::http {
namespace {

using field = bhttp::field;

TEST(CorsTest, EchoesTheOriginAndAllowsCredentials) {
  Request req{bhttp::verb::get, "/api/client/v2.0/auth/profile", 11};
  req.set(field::origin, "https://app.example.com");
  Response res = JsonResponse(bhttp::status::ok, "{}");
  AddCorsHeaders(req, res);
  EXPECT_EQ(Sv(res[field::access_control_allow_origin]), "https://app.example.com");
  EXPECT_EQ(Sv(res[field::access_control_allow_credentials]), "true");
  EXPECT_EQ(Sv(res[field::vary]), "Origin");
  EXPECT_EQ(Sv(res[field::access_control_expose_headers]), "X-Baas-Location, X-Request-Id");
}

TEST(CorsTest, AllowsAnyOriginWhenNoneIsSent) {
  Request req{bhttp::verb::get, "/api/client/v2.0/auth/profile", 11};
  Response res = JsonResponse(bhttp::status::ok, "{}");
  AddCorsHeaders(req, res);
  EXPECT_EQ(Sv(res[field::access_control_allow_origin]), "*");
  EXPECT_EQ(res.find(field::access_control_allow_credentials), res.end());
  EXPECT_EQ(Sv(res[field::access_control_expose_headers]), "X-Baas-Location, X-Request-Id");
}

TEST(CorsTest, PreflightReflectsTheRequestedHeaders) {
  Request req{bhttp::verb::options, "/api/client/v2.0/auth/session", 11};
  req.set(field::origin, "https://app.example.com");
  req.set(field::access_control_request_method, "DELETE");
  req.set(field::access_control_request_headers, "authorization, content-type, x-custom");
  Response res = PreflightResponse(req);
  EXPECT_EQ(res.result(), bhttp::status::no_content);
  EXPECT_EQ(Sv(res[field::access_control_allow_headers]), "authorization, content-type, x-custom");
  EXPECT_EQ(Sv(res[field::access_control_allow_methods]), "GET, POST, PUT, PATCH, DELETE, OPTIONS");
  EXPECT_EQ(Sv(res[field::access_control_max_age]), "86400");
  EXPECT_EQ(res.find(field::content_type), res.end());
  EXPECT_TRUE(res.body().empty());
}

TEST(CorsTest, PreflightWithoutRequestedHeadersAllowsTheSdkHeaders) {
  Request req{bhttp::verb::options, "/api/client/v2.0/auth/session", 11};
  Response res = PreflightResponse(req);
  EXPECT_EQ(Sv(res[field::access_control_allow_headers]), "Authorization, Content-Type, Accept");
}


TEST(AdminCorsTest, OnlyAllowedOriginsGetHeaders) {
  const std::vector<std::string> allowed = {"https://admin.example.com"};
  Request req{bhttp::verb::get, "/api/admin/v3.0/auth/profile", 11};
  req.set(bhttp::field::origin, "https://admin.example.com");
  Response res = EmptyResponse(bhttp::status::ok);
  AddAdminCorsHeaders(req, res, allowed);
  EXPECT_EQ(Sv(res[bhttp::field::access_control_allow_origin]), "https://admin.example.com");
  EXPECT_EQ(Sv(res[bhttp::field::access_control_allow_credentials]), "true");

  req.set(bhttp::field::origin, "https://evil.example.com");
  Response refused = EmptyResponse(bhttp::status::ok);
  AddAdminCorsHeaders(req, refused, allowed);
  EXPECT_EQ(refused.find(bhttp::field::access_control_allow_origin), refused.end());
  EXPECT_EQ(Sv(refused[bhttp::field::vary]), "Origin");
  req.method(bhttp::verb::options);
  req.set(bhttp::field::access_control_request_headers, "authorization");
  Response preflight = AdminPreflightResponse(req, allowed);
  EXPECT_EQ(preflight.find(bhttp::field::access_control_allow_methods), preflight.end());
  EXPECT_EQ(preflight.find(bhttp::field::access_control_allow_headers), preflight.end());
  req.set(bhttp::field::origin, "https://admin.example.com");
  Response ok = AdminPreflightResponse(req, allowed);
  EXPECT_NE(ok.find(bhttp::field::access_control_allow_methods), ok.end());
  Response none = AdminPreflightResponse(req, {});
  EXPECT_EQ(none.find(bhttp::field::access_control_allow_methods), none.end()) << "none allowed by default";
}

}  // namespace
}  // namespace guestpass::http
