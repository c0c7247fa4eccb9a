// router_test.cc: the Router on a small table (patterns, parameters, mounts,
// path normalisation, query strings, unknown paths, wrong methods) and the
// client API's own table (every route, what authenticates it).
#include "http/router.h"

#include <gtest/gtest.h>

#include <set>

#include "http/client_routes.h"
#include "http/handlers/handlers.h"

namespace guestpass::http {
namespace {

using bhttp::verb;
using core::Code;
using core::ErrorCode;

// Distinct handlers to tell rows apart; never called.
HandlerResult H1(const Exchange&) { co_return core::Status::Internal("h1"); }
HandlerResult H2(const Exchange&) { co_return core::Status::Internal("h2"); }
HandlerResult H3(const Exchange&) { co_return core::Status::Internal("h3"); }

constexpr Route kTable[] = {
    {verb::get, "/things/{id}", RouteAuth::kNone, H1},
    {verb::delete_, "/things/{id}", RouteAuth::kUserRefresh, H2},
    {verb::put, "/things/{id}/parts/{part}", RouteAuth::kUserAccess, H3},
    {verb::get, "/things/special", RouteAuth::kNone, H3},  // after {id}: the first row wins
};
constexpr Route kRoot[] = {{verb::get, "/healthz", RouteAuth::kNone, H1}};

class RouterTest : public ::testing::Test {
 protected:
  Router router_{{{"/api/x/v1", kTable}, {"", kRoot}}};

  RouteMatch MustMatch(verb method, std::string_view target) {
    auto r = router_.Match(method, target);
    EXPECT_TRUE(r.ok()) << target << ": " << r.status().ToString();
    return r.ok() ? *r : RouteMatch{};
  }
};

TEST_F(RouterTest, MatchesLiteralsAndNamesParameters) {
  RouteMatch m = MustMatch(verb::get, "/api/x/v1/things/abc");
  EXPECT_EQ(m.route, &kTable[0]);
  EXPECT_EQ(m.Param("id"), "abc");
  EXPECT_EQ(m.Param("other"), "");
  m = MustMatch(verb::put, "/api/x/v1/things/abc/parts/p9");
  EXPECT_EQ(m.route, &kTable[2]);
  EXPECT_EQ(m.Param("id"), "abc");
  EXPECT_EQ(m.Param("part"), "p9");
  EXPECT_EQ(m.route->auth, RouteAuth::kUserAccess);
  EXPECT_EQ(MustMatch(verb::get, "/api/x/v1/things/special").route, &kTable[0]);
  EXPECT_EQ(MustMatch(verb::get, "/healthz").route, &kRoot[0]);
}

TEST_F(RouterTest, ChoosesTheRowByMethod) {
  EXPECT_EQ(MustMatch(verb::delete_, "/api/x/v1/things/abc").route, &kTable[1]);
}

TEST_F(RouterTest, IgnoresDuplicateAndTrailingSlashes) {
  RouteMatch m = MustMatch(verb::get, "//api/x//v1/things///abc/");
  EXPECT_EQ(m.route, &kTable[0]);
  EXPECT_EQ(m.Param("id"), "abc");
}

TEST_F(RouterTest, SeparatesTheQueryString) {
  RouteMatch m = MustMatch(verb::get, "/api/x/v1/things/abc?link=true&x=/y");
  EXPECT_EQ(m.Param("id"), "abc");
  EXPECT_EQ(m.query, "link=true&x=/y");
  EXPECT_EQ(MustMatch(verb::get, "/api/x/v1/things/abc?").query, "");
  EXPECT_EQ(MustMatch(verb::get, "/api/x/v1/things/abc").query, "");
}

TEST_F(RouterTest, UnknownPathsAreNotFound) {
  for (const char* target : {"/", "", "/api", "/api/x/v1", "/api/x/v1/things", "/api/x/v1/things/a/parts",
                             "/api/x/v1/things/a/b", "/API/x/v1/things/a", "/api/x/v2/things/a", "/healthz/x",
                             "/api/x/v1/healthz", "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s"}) {
    auto r = router_.Match(verb::get, target);
    ASSERT_FALSE(r.ok()) << target;
    EXPECT_EQ(r.status().code(), Code::kNotFound) << target;
    EXPECT_EQ(r.status().error_code(), ErrorCode::kNotFound) << target;
  }
}

TEST_F(RouterTest, WrongMethodIsMethodNotAllowedWithTheAllowedOnes) {
  auto r = router_.Match(verb::post, "/api/x/v1/things/abc");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kMethodNotAllowed);
  EXPECT_EQ(r.status().error_code(), ErrorCode::kMethodNotAllowed);
  EXPECT_EQ(r.status().message(), "method POST is not allowed on /api/x/v1/things/abc");
  EXPECT_EQ(router_.AllowedMethods("/api/x/v1/things/abc?q=1"), "GET, DELETE, OPTIONS");
  EXPECT_EQ(router_.AllowedMethods("/api/x/v1/things/special"), "GET, DELETE, OPTIONS");
  EXPECT_EQ(router_.AllowedMethods("/healthz"), "GET, OPTIONS");
  EXPECT_EQ(router_.AllowedMethods("/unknown"), "OPTIONS");
}

constexpr Route kFiles[] = {
    {verb::get, "/files/{build}/{path...}", RouteAuth::kNone, H1},
    {verb::get, "/", RouteAuth::kNone, H2},
};

TEST(RouterRestTest, ARestParameterTakesOneOrMoreSegments) {
  const Router router({{"", kFiles}});
  auto one = router.Match(verb::get, "/files/abc/app.js?v=1");
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(one->route, &kFiles[0]);
  EXPECT_EQ(one->Param("build"), "abc");
  EXPECT_EQ(one->Param("path"), "app.js");
  EXPECT_EQ(one->query, "v=1");
  auto deep = router.Match(verb::get, "/files/abc/pages/apps/list.js/");
  ASSERT_TRUE(deep.ok()) << deep.status().ToString();
  EXPECT_EQ(deep->Param("path"), "pages/apps/list.js");  // no trailing slash
  auto doubled = router.Match(verb::get, "/files/abc//pages//x.js");
  ASSERT_TRUE(doubled.ok());
  EXPECT_EQ(doubled->Param("path"), "pages//x.js");  // kept as sent: a lookup refuses it
  EXPECT_EQ(router.Match(verb::get, "/").value().route, &kFiles[1]);
  for (const char* target : {"/files/abc", "/files/abc/", "/files"}) {
    auto r = router.Match(verb::get, target);
    ASSERT_FALSE(r.ok()) << target;
    EXPECT_EQ(r.status().code(), Code::kNotFound) << target;
  }
}

constexpr Route kMisplacedRest[] = {{verb::get, "/files/{path...}/x", RouteAuth::kNone, H1}};

TEST(RouterRestTest, ARestParameterAnywhereButLastIsAProgrammingError) {
  EXPECT_DEATH(Router({{"", kMisplacedRest}}), "misplaced rest");
}

// The client API as mounted by the Api.
class ClientRoutesTest : public ::testing::Test {
 protected:
  Router router_{{{kClientApiPrefix, ClientRoutes()}, {"", RootRoutes()}}};

  const Route& MustRoute(verb method, std::string_view target) {
    static const Route kNone{verb::unknown, "", RouteAuth::kNone, nullptr};
    auto r = router_.Match(method, target);
    EXPECT_TRUE(r.ok()) << target << ": " << r.status().ToString();
    return r.ok() ? *r->route : kNone;
  }
};

TEST_F(ClientRoutesTest, EveryEndpointHasItsHandlerAndAuthentication) {
  const struct {
    verb method;
    const char* path;
    Handler handler;
    RouteAuth auth;
  } cases[] = {
      {verb::get, "/healthz", HandleHealth, RouteAuth::kNone},
      {verb::get, "/readyz", HandleReady, RouteAuth::kNone},
      {verb::get, "/metrics", HandleMetrics, RouteAuth::kNone},
      {verb::get, "/.well-known/jwks.json", HandleJwks, RouteAuth::kNone},
      {verb::get, "/", HandleWebIndex, RouteAuth::kNone},
      {verb::get, "/assets/0123456789abcdef/pages/apps.js", HandleWebAsset, RouteAuth::kNone},
      {verb::get, "/api/client/v2.0/app/a1/location", HandleLocation, RouteAuth::kNone},
      {verb::post, "/api/client/v2.0/app/a1/auth/providers/anon-user/login", HandleLogin, RouteAuth::kNone},
      {verb::post, "/api/client/v2.0/app/a1/auth/providers/local-userpass/login", HandleLogin, RouteAuth::kNone},
      {verb::post, "/api/client/v2.0/app/a1/auth/providers/local-userpass/register", HandleRegister, RouteAuth::kNone},
      {verb::post, "/api/client/v2.0/app/a1/auth/providers/local-userpass/confirm", HandleConfirm, RouteAuth::kNone},
      {verb::post, "/api/client/v2.0/app/a1/auth/providers/local-userpass/confirm/send", HandleResendConfirmation,
       RouteAuth::kNone},
      {verb::post, "/api/client/v2.0/app/a1/auth/providers/local-userpass/confirm/call", HandleRetryConfirmation,
       RouteAuth::kNone},
      {verb::post, "/api/client/v2.0/app/a1/auth/providers/local-userpass/reset/send", HandleSendReset,
       RouteAuth::kNone},
      {verb::post, "/api/client/v2.0/app/a1/auth/providers/local-userpass/reset", HandleReset, RouteAuth::kNone},
      {verb::post, "/api/client/v2.0/app/a1/auth/providers/local-userpass/reset/call", HandleCallReset,
       RouteAuth::kNone},
      {verb::get, "/api/client/v2.0/auth/profile", HandleProfile, RouteAuth::kUserAccess},
      {verb::post, "/api/client/v2.0/auth/session", HandleRefresh, RouteAuth::kUserRefresh},
      {verb::delete_, "/api/client/v2.0/auth/session", HandleLogout, RouteAuth::kUserRefresh},
      {verb::delete_, "/api/client/v2.0/auth/delete", HandleDeleteUser, RouteAuth::kUserAccess},
      {verb::post, "/api/client/v2.0/auth/api_keys", HandleCreateApiKey, RouteAuth::kUserRefresh},
      {verb::get, "/api/client/v2.0/auth/api_keys", HandleListApiKeys, RouteAuth::kUserRefresh},
      {verb::get, "/api/client/v2.0/auth/api_keys/k1", HandleGetApiKey, RouteAuth::kUserRefresh},
      {verb::delete_, "/api/client/v2.0/auth/api_keys/k1", HandleDeleteApiKey, RouteAuth::kUserRefresh},
      {verb::put, "/api/client/v2.0/auth/api_keys/k1/enable", HandleEnableApiKey, RouteAuth::kUserRefresh},
      {verb::put, "/api/client/v2.0/auth/api_keys/k1/disable", HandleDisableApiKey, RouteAuth::kUserRefresh},
  };
  std::set<const Route*> seen;
  for (const auto& c : cases) {
    const Route& r = MustRoute(c.method, c.path);
    EXPECT_EQ(r.handler, c.handler) << c.path;
    EXPECT_EQ(r.auth, c.auth) << c.path;
    seen.insert(&r);
  }
  EXPECT_EQ(seen.size(), ClientRoutes().size() + RootRoutes().size()) << "a row without a case here";
}

TEST_F(ClientRoutesTest, NamesTheAppProviderAndKey) {
  auto login = router_.Match(verb::post, "/api/client/v2.0/app/myapp-abcde/auth/providers/anon-user/login?link=true");
  ASSERT_TRUE(login.ok());
  EXPECT_EQ(login->Param("app"), "myapp-abcde");
  EXPECT_EQ(login->Param("provider"), "anon-user");
  EXPECT_EQ(login->query, "link=true");
  auto key = router_.Match(verb::put, "/api/client/v2.0/auth/api_keys/5e5e6f0abe4ae2a2c2c2d329/enable");
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->Param("key"), "5e5e6f0abe4ae2a2c2c2d329");
}

TEST_F(ClientRoutesTest, UnknownPathsAndMethods) {
  for (const char* target :
       {"/api/client/v2.0/auth/unknown", "/api/client/v2.0/auth/profile/extra", "/api/client/v2.0/app/a1",
        "/api/client/v2.0/app/a1/location/x", "/api/client/v2.0/app/a1/auth/providers/anon-user",
        "/api/client/v2.0/app/a1/auth/providers/x/logout", "/api/client/v2.0/app/a1/auth/providers/x/register",
        "/api/client/v1.0/auth/profile", "/api/client/v2.0/healthz"}) {
    EXPECT_EQ(router_.Match(verb::get, target).status().code(), Code::kNotFound) << target;
  }
  EXPECT_EQ(router_.AllowedMethods("/api/client/v2.0/auth/session"), "POST, DELETE, OPTIONS");
  EXPECT_EQ(router_.AllowedMethods("/api/client/v2.0/auth/api_keys"), "POST, GET, OPTIONS");
  EXPECT_EQ(router_.AllowedMethods("/api/client/v2.0/app/a1/auth/providers/local-userpass/login"), "POST, OPTIONS");
  EXPECT_EQ(router_.Match(verb::get, "/api/client/v2.0/auth/session").status().code(), Code::kMethodNotAllowed);
}

}  // namespace
}  // namespace guestpass::http
