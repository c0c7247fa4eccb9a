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

}  // namespace
}  // namespace guestpass::http
