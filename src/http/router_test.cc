// router_test.cc: the route table: every route, path normalisation, query
// strings, unknown paths, wrong methods and preflights.
#include "http/router.h"

#include <gtest/gtest.h>

namespace guestpass::http {
namespace {

using bhttp::verb;
using core::Code;
using core::ErrorCode;

RouteMatch MustRoute(verb method, std::string_view target) {
  auto r = Route(method, target);
  EXPECT_TRUE(r.ok()) << target << ": " << r.status().ToString();
  return r.ok() ? *r : RouteMatch{RouteId::kHealth, "<unrouted>", "<unrouted>", "<unrouted>", "<unrouted>"};
}

TEST(RouterTest, RoutesUserApiKeys) {
  EXPECT_EQ(MustRoute(verb::post, "/api/client/v2.0/auth/api_keys").id, RouteId::kApiKeys);
  EXPECT_EQ(MustRoute(verb::get, "/api/client/v2.0/auth/api_keys").id, RouteId::kApiKeys);
  const RouteMatch one = MustRoute(verb::get, "/api/client/v2.0/auth/api_keys/5e5e6f0abe4ae2a2c2c2d329");
  EXPECT_EQ(one.id, RouteId::kApiKey);
  EXPECT_EQ(one.key_id, "5e5e6f0abe4ae2a2c2c2d329");
  EXPECT_EQ(MustRoute(verb::delete_, "/api/client/v2.0/auth/api_keys/x").id, RouteId::kApiKey);
  const RouteMatch enable = MustRoute(verb::put, "/api/client/v2.0/auth/api_keys/abc/enable");
  EXPECT_EQ(enable.id, RouteId::kApiKeyEnable);
  EXPECT_EQ(enable.key_id, "abc");
  EXPECT_EQ(MustRoute(verb::put, "/api/client/v2.0/auth/api_keys/abc/disable").id, RouteId::kApiKeyDisable);
  EXPECT_EQ(Route(verb::post, "/api/client/v2.0/auth/api_keys/abc/enable").status().code(), Code::kMethodNotAllowed);
  EXPECT_EQ(Route(verb::put, "/api/client/v2.0/auth/api_keys/abc/other").status().code(), Code::kNotFound);
}

TEST(RouterTest, RoutesHealth) {
  const RouteMatch m = MustRoute(verb::get, "/healthz");
  EXPECT_EQ(m.id, RouteId::kHealth);
  EXPECT_EQ(m.app_id, "");
}

TEST(RouterTest, RoutesLocationWithItsApp) {
  const RouteMatch m = MustRoute(verb::get, "/api/client/v2.0/app/myapp-abcde/location");
  EXPECT_EQ(m.id, RouteId::kLocation);
  EXPECT_EQ(m.app_id, "myapp-abcde");
  EXPECT_EQ(m.provider, "");
  EXPECT_EQ(m.query, "");
}

TEST(RouterTest, RoutesLoginWithAppAndProvider) {
  const RouteMatch m = MustRoute(verb::post, "/api/client/v2.0/app/myapp-abcde/auth/providers/anon-user/login");
  EXPECT_EQ(m.id, RouteId::kLogin);
  EXPECT_EQ(m.app_id, "myapp-abcde");
  EXPECT_EQ(m.provider, "anon-user");
}

TEST(RouterTest, RoutesTheSessionAndUserEndpoints) {
  EXPECT_EQ(MustRoute(verb::get, "/api/client/v2.0/auth/profile").id, RouteId::kProfile);
  EXPECT_EQ(MustRoute(verb::post, "/api/client/v2.0/auth/session").id, RouteId::kRefresh);
  EXPECT_EQ(MustRoute(verb::delete_, "/api/client/v2.0/auth/session").id, RouteId::kLogout);
  EXPECT_EQ(MustRoute(verb::delete_, "/api/client/v2.0/auth/delete").id, RouteId::kDeleteUser);
}

TEST(RouterTest, CollapsesDuplicateSlashes) {
  EXPECT_EQ(MustRoute(verb::get, "//api/client/v2.0//auth/profile").id, RouteId::kProfile);
  EXPECT_EQ(MustRoute(verb::get, "/api/client/v2.0/auth/profile/").id, RouteId::kProfile);
  const RouteMatch m = MustRoute(verb::post, "/api//client/v2.0/app//a1///auth/providers/anon-user/login");
  EXPECT_EQ(m.id, RouteId::kLogin);
  EXPECT_EQ(m.app_id, "a1");
}

TEST(RouterTest, SeparatesTheQueryString) {
  const RouteMatch m =
      MustRoute(verb::post, "/api/client/v2.0/app/a1/auth/providers/local-userpass/login?link=true&x=1");
  EXPECT_EQ(m.id, RouteId::kLogin);
  EXPECT_EQ(m.provider, "local-userpass");
  EXPECT_EQ(m.query, "link=true&x=1");
  const RouteMatch p = MustRoute(verb::get, "/api/client/v2.0/auth/profile?");
  EXPECT_EQ(p.id, RouteId::kProfile);
  EXPECT_EQ(p.query, "");
  const RouteMatch l = MustRoute(verb::get, "/api/client/v2.0/app/a1/location?a=/b/c");
  EXPECT_EQ(l.id, RouteId::kLocation);
  EXPECT_EQ(l.query, "a=/b/c");
}

TEST(RouterTest, UnknownPathsAreNotFound) {
  for (const char* target :
       {"/", "", "/api", "/api/client/v2.0", "/api/client/v2.0/auth", "/api/client/v2.0/auth/unknown",
        "/api/client/v2.0/auth/profile/extra", "/api/client/v2.0/app/a1", "/api/client/v2.0/app/a1/location/x",
        "/api/client/v2.0/app/a1/auth/providers/anon-user", "/api/client/v2.0/app/a1/auth/providers/x/logout",
        "/api/client/v1.0/auth/profile", "/API/client/v2.0/auth/profile", "/healthz/x"}) {
    auto r = Route(verb::get, target);
    ASSERT_FALSE(r.ok()) << target;
    EXPECT_EQ(r.status().code(), Code::kNotFound) << target;
    EXPECT_EQ(r.status().error_code(), ErrorCode::kNotFound) << target;
  }
}

TEST(RouterTest, WrongMethodIsMethodNotAllowed) {
  const struct {
    verb method;
    const char* target;
  } cases[] = {
      {verb::post, "/healthz"},
      {verb::post, "/api/client/v2.0/app/a1/location"},
      {verb::get, "/api/client/v2.0/app/a1/auth/providers/anon-user/login"},
      {verb::post, "/api/client/v2.0/auth/profile"},
      {verb::get, "/api/client/v2.0/auth/session"},
      {verb::put, "/api/client/v2.0/auth/session"},
      {verb::get, "/api/client/v2.0/auth/delete"},
  };
  for (const auto& c : cases) {
    auto r = Route(c.method, c.target);
    ASSERT_FALSE(r.ok()) << c.target;
    EXPECT_EQ(r.status().code(), Code::kMethodNotAllowed) << c.target;
    EXPECT_EQ(r.status().error_code(), ErrorCode::kMethodNotAllowed) << c.target;
  }
  EXPECT_EQ(Route(verb::get, "/api/client/v2.0/auth/session").status().message(),
            "method GET is not allowed on /api/client/v2.0/auth/session");
}

TEST(RouterTest, OptionsIsAPreflightOnAnyPath) {
  EXPECT_EQ(MustRoute(verb::options, "/api/client/v2.0/auth/session").id, RouteId::kPreflight);
  EXPECT_EQ(MustRoute(verb::options, "/api/client/v2.0/app/a1/auth/providers/anon-user/login").id, RouteId::kPreflight);
  EXPECT_EQ(MustRoute(verb::options, "/no/such/path").id, RouteId::kPreflight);
  EXPECT_EQ(MustRoute(verb::options, "/x?y=1").query, "y=1");
}

TEST(RouterTest, AllowedMethodsListsThePathsMethodsAndOptions) {
  EXPECT_EQ(AllowedMethods("/api/client/v2.0/auth/session"), "POST, DELETE, OPTIONS");
  EXPECT_EQ(AllowedMethods("/api/client/v2.0/auth/profile"), "GET, OPTIONS");
  EXPECT_EQ(AllowedMethods("/api/client/v2.0/auth/delete"), "DELETE, OPTIONS");
  EXPECT_EQ(AllowedMethods("/api/client/v2.0/app/a1/auth/providers/anon-user/login?link=true"), "POST, OPTIONS");
  EXPECT_EQ(AllowedMethods("/api/client/v2.0/app/a1/location"), "GET, OPTIONS");
  EXPECT_EQ(AllowedMethods("/healthz"), "GET, OPTIONS");
  EXPECT_EQ(AllowedMethods("/unknown"), "OPTIONS");
}

}  // namespace
}  // namespace guestpass::http
