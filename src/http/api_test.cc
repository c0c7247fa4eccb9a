// api_test.cc: Api::Handle end to end without sockets: routing, handlers,
// error replies, CORS and request ids over a MemoryStore.
#include "http/api.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "auth/app_registry.h"
#include "auth/auth_service.h"
#include "auth/providers/anon_user/anon_user_provider.h"
#include "core/clock.h"
#include "core/random.h"
#include "crypto/asymmetric_key.h"
#include "store/memory/memory_store.h"
#include "store/sync.h"
#include "testutil/shape.h"
#include "token/key_ring.h"
#include "token/token_service.h"

namespace guestpass::http {
namespace {

using nlohmann::json;
using field = bhttp::field;

constexpr char kApp[] = "myapp-abcde";
const std::string kPrefix = "/api/client/v2.0";

// <8 hex digits of the process>-<sequence number>
bool IsRequestId(std::string_view id) {
  return id.size() > 9 && id[8] == '-' && testutil::IsMadeOf(id.substr(0, 8), 8, testutil::kLowerHex) &&
         testutil::IsMadeOf(id.substr(9), id.size() - 9, "0123456789");
}

class ApiTest : public ::testing::Test {
 protected:
  ApiTest() {
    keys_->Add("65536f0a1b2c3d4e5f601234", std::vector<uint8_t>(32, 0x42));
    core::App app;
    app.id = ids_.Next();
    app.client_app_id = kApp;
    app.name = "myapp";
    app.created_at = clock_.NowSeconds();
    app.providers = {{ids_.Next(), "anon-user", "anon-user", false, "{}"}};
    app_id_ = app.id;
    anon_provider_id_ = app.providers[0].id;
    registry_.Replace({app});
  }

  // Runs Api::Handle to completion on a private io_context.
  Response Handle(Api& api, Request req) {
    const bool client_api = Sv(req.target()).starts_with(kPrefix);
    boost::asio::io_context ioc;
    std::optional<Response> out;
    std::exception_ptr error;
    boost::asio::co_spawn(ioc, api.Handle(std::move(req)), [&](std::exception_ptr e, Response res) {
      error = e;
      out = std::move(res);
    });
    ioc.run();
    EXPECT_FALSE(error) << "Api::Handle threw";
    EXPECT_TRUE(out.has_value());
    if (!out) return Response{};
    // Every client API response, errors included, carries CORS; every response a request id.
    if (client_api) {
      EXPECT_NE(out->find(field::access_control_allow_origin), out->end()) << out->body();
    }
    EXPECT_TRUE(IsRequestId(Sv((*out)["X-Request-Id"]))) << Sv((*out)["X-Request-Id"]);
    request_ids_.insert(std::string(Sv((*out)["X-Request-Id"])));
    return std::move(*out);
  }
  Response Handle(Request req) { return Handle(api_, std::move(req)); }

  static Request Make(bhttp::verb method, const std::string& target, const std::string& bearer = "") {
    Request req{method, target, 11};
    req.set(field::host, "auth.example.com:9090");
    if (!bearer.empty()) req.set(field::authorization, "Bearer " + bearer);
    return req;
  }
  static Request JsonPost(const std::string& target, std::string body) {
    Request req = Make(bhttp::verb::post, target);
    req.set(field::content_type, "application/json");
    req.body() = std::move(body);
    req.prepare_payload();
    return req;
  }
  static std::string LoginPath(const std::string& app = kApp, const std::string& provider = "anon-user") {
    return kPrefix + "/app/" + app + "/auth/providers/" + provider + "/login";
  }

  static json Body(const Response& res) {
    EXPECT_EQ(Sv(res[field::content_type]), "application/json") << res.body();
    return json::parse(res.body(), nullptr, false);
  }
  static void ExpectError(const Response& res, bhttp::status status, const std::string& error_code) {
    EXPECT_EQ(res.result(), status) << res.body();
    const json body = Body(res);
    ASSERT_TRUE(body.is_object()) << res.body();
    EXPECT_EQ(body["error_code"], error_code) << res.body();
    EXPECT_TRUE(body["error"].is_string()) << res.body();
  }

  struct Tokens {
    std::string access, refresh, user_id;
  };
  Tokens Login() {
    Response res = Handle(JsonPost(LoginPath(), "{}"));
    EXPECT_EQ(res.result(), bhttp::status::ok) << res.body();
    const json body = Body(res);
    return {body.value("access_token", ""), body.value("refresh_token", ""), body.value("user_id", "")};
  }

  core::ManualClock clock_{1'700'000'000};
  core::SeededRandom random_{77};
  core::ObjectIdGenerator ids_{clock_, random_};
  store::memory::MemoryStore store_;
  std::shared_ptr<token::KeyRing> keys_ = std::make_shared<token::KeyRing>();
  token::TokenService tokens_{keys_, clock_};
  auth::AppRegistry registry_;
  auth::AnonUserProvider anon_user_{ids_, random_};
  auth::ProviderRegistry providers_{&anon_user_};
  auth::AuthService auth_{store_, tokens_, registry_, clock_, ids_, random_, providers_};
  Api api_{Services{auth_, registry_, nullptr, "", nullptr, nullptr, {}}};
  core::ObjectId app_id_;
  core::ObjectId anon_provider_id_;
  std::set<std::string> request_ids_;
};

TEST_F(ApiTest, HealthIsOk) {
  Response res = Handle(Make(bhttp::verb::get, "/healthz"));
  EXPECT_EQ(res.result(), bhttp::status::ok);
  EXPECT_EQ(res.body(), R"({"status":"ok"})");
}

TEST_F(ApiTest, JwksListsThePublicHalvesOfTheAsymmetricKeysWithAShortCacheLifetime) {
  // Not wired (no TokenService): 404 with the App Services body.
  ExpectError(Handle(Make(bhttp::verb::get, "/.well-known/jwks.json")), bhttp::status::not_found, "NotFound");

  auto ring = std::make_shared<token::KeyRing>();
  ring->Add("65536f0a1b2c3d4e5f601234", std::vector<uint8_t>(32, 0x42));
  auto es = crypto::AsymmetricKey::Generate(crypto::AsymmetricAlg::kEs256);
  ASSERT_TRUE(es.ok());
  ring->Add("65536f0a1b2c3d4e5f605678", std::move(*es), clock_.NowSeconds() + 5);  // pending
  token::TokenService tokens(ring, clock_);
  Services services{auth_, registry_, nullptr, "", nullptr, nullptr, {}};
  services.tokens = &tokens;
  Api api(std::move(services));
  Response res = Handle(api, Make(bhttp::verb::get, "/.well-known/jwks.json"));
  EXPECT_EQ(res.result(), bhttp::status::ok) << res.body();
  EXPECT_EQ(Sv(res[field::cache_control]), "public, max-age=3");
  const json body = Body(res);
  ASSERT_EQ(body["keys"].size(), 1u) << res.body();
  EXPECT_EQ(body["keys"][0]["kid"], "65536f0a1b2c3d4e5f605678");
  EXPECT_EQ(body["keys"][0]["alg"], "ES256");
  EXPECT_EQ(body["keys"][0]["use"], "sig");
  EXPECT_EQ(res.body().find("65536f0a1b2c3d4e5f601234"), std::string::npos) << "nothing of the HS256 key";
  ExpectError(Handle(api, Make(bhttp::verb::post, "/.well-known/jwks.json")), bhttp::status::method_not_allowed,
              "MethodNotAllowed");
}

TEST_F(ApiTest, LocationDescribesTheAppAndTheHostItWasReachedAt) {
  Response res = Handle(Make(bhttp::verb::get, kPrefix + "/app/" + kApp + "/location"));
  EXPECT_EQ(res.result(), bhttp::status::ok);
  EXPECT_EQ(Body(res), json({{"deployment_model", "GLOBAL"},
                             {"location", "US-VA"},
                             {"hostname", "http://auth.example.com:9090"},
                             {"ws_hostname", "ws://auth.example.com:9090"}}));
}

TEST_F(ApiTest, LocationPrefersTheConfiguredPublicUrl) {
  Api api(Services{auth_, registry_, nullptr, "https://auth.example.org/", nullptr, nullptr, {}});
  Response res = Handle(api, Make(bhttp::verb::get, kPrefix + "/app/" + kApp + "/location"));
  EXPECT_EQ(res.result(), bhttp::status::ok);
  const json body = Body(res);
  EXPECT_EQ(body["hostname"], "https://auth.example.org");
  EXPECT_EQ(body["ws_hostname"], "wss://auth.example.org");
}

TEST_F(ApiTest, AnonymousLoginReturnsTheFourFields) {
  Response res = Handle(JsonPost(LoginPath(), "{}"));
  ASSERT_EQ(res.result(), bhttp::status::ok) << res.body();
  const json body = Body(res);
  ASSERT_EQ(body.size(), 4u) << res.body();
  EXPECT_TRUE(body["access_token"].is_string());
  EXPECT_TRUE(body["refresh_token"].is_string());
  EXPECT_EQ(body["device_id"], "000000000000000000000000");
  auto access = tokens_.VerifyAccessToken(body["access_token"].get<std::string>());
  ASSERT_TRUE(access.ok()) << access.status().ToString();
  EXPECT_EQ(body["user_id"], access->user_id.ToHex());
  EXPECT_EQ(access->app_id, app_id_);
  EXPECT_TRUE(tokens_.VerifyRefreshToken(body["refresh_token"].get<std::string>()).ok());
}

TEST_F(ApiTest, AnonymousLoginWithoutABodyWorks) {
  Request req = Make(bhttp::verb::post, LoginPath());
  Response res = Handle(std::move(req));
  EXPECT_EQ(res.result(), bhttp::status::ok) << res.body();
}

TEST_F(ApiTest, LoginKeepsTheDeviceIdTheClientSent) {
  Response res = Handle(JsonPost(
      LoginPath(), R"({"options":{"device":{"deviceId":{"$oid":"65536f0a0000000000abcdef"},"platform":"web"}}})"));
  ASSERT_EQ(res.result(), bhttp::status::ok) << res.body();
  EXPECT_EQ(Body(res)["device_id"], "65536f0a0000000000abcdef");
}

TEST_F(ApiTest, LoginGivesANewDeviceIdForDeviceInfoWithoutOne) {
  Response res = Handle(JsonPost(LoginPath(), R"({"options":{"device":{"platform":"web"}}})"));
  ASSERT_EQ(res.result(), bhttp::status::ok) << res.body();
  const std::string device_id = Body(res)["device_id"];
  EXPECT_NE(device_id, "000000000000000000000000");
  EXPECT_TRUE(core::ObjectId::FromHex(device_id).has_value()) << device_id;
}

TEST_F(ApiTest, LoginRefusesBadBodies) {
  Request text = Make(bhttp::verb::post, LoginPath());
  text.set(field::content_type, "text/plain");
  text.body() = "{}";
  ExpectError(Handle(std::move(text)), bhttp::status::unsupported_media_type, "BadRequest");
  ExpectError(Handle(JsonPost(LoginPath(), "{")), bhttp::status::bad_request, "BadRequest");
  ExpectError(Handle(JsonPost(LoginPath(), R"({"options":{"device":{"deviceId":"xyz"}}})")), bhttp::status::bad_request,
              "BadRequest");
  EXPECT_EQ(store::Await<int64_t>([&](auto done) { store_.CountUsers(app_id_, done); }).value(), 0);
}

TEST_F(ApiTest, LoginThroughAnUnknownProviderIsAuthProviderNotFound) {
  ExpectError(Handle(JsonPost(LoginPath(kApp, "local-userpass"), "{}")), bhttp::status::not_found,
              "AuthProviderNotFound");
}

TEST_F(ApiTest, LinkingNeedsTheAccessTokenOfTheUser) {
  ExpectError(Handle(JsonPost(LoginPath() + "?link=true", "{}")), bhttp::status::unauthorized, "MissingAuthReq");
}

TEST_F(ApiTest, LinkingAnAnonymousIdentityIsRefused) {
  const Tokens t = Login();
  Request req = JsonPost(LoginPath() + "?link=true", "{}");
  req.set(field::authorization, "Bearer " + t.access);
  ExpectError(Handle(std::move(req)), bhttp::status::bad_request, "InvalidParameter");
}

TEST_F(ApiTest, UnknownAppIsAppNotFound) {
  ExpectError(Handle(Make(bhttp::verb::get, kPrefix + "/app/nope-abcde/location")), bhttp::status::not_found,
              "AppNotFound");
  ExpectError(Handle(JsonPost(LoginPath("nope-abcde"), "{}")), bhttp::status::not_found, "AppNotFound");
}

TEST_F(ApiTest, ProfileDescribesTheUser) {
  const Tokens t = Login();
  Response res = Handle(Make(bhttp::verb::get, kPrefix + "/auth/profile", t.access));
  ASSERT_EQ(res.result(), bhttp::status::ok) << res.body();
  const json body = Body(res);
  EXPECT_EQ(body["user_id"], t.user_id);
  EXPECT_EQ(body["domain_id"], app_id_.ToHex());
  EXPECT_EQ(body["type"], "normal");
  EXPECT_EQ(body["data"], json::object());
  ASSERT_EQ(body["identities"].size(), 1u);
  EXPECT_EQ(body["identities"][0]["provider_type"], "anon-user");
  EXPECT_EQ(body["identities"][0]["provider_id"], anon_provider_id_.ToHex());
  EXPECT_TRUE(testutil::IsAnonIdentityId(body["identities"][0]["id"].get<std::string>()));
}

TEST_F(ApiTest, RefreshReturnsANewAccessTokenWith201) {
  const Tokens t = Login();
  Response res = Handle(Make(bhttp::verb::post, kPrefix + "/auth/session", t.refresh));
  ASSERT_EQ(res.result(), bhttp::status::created) << res.body();
  const json body = Body(res);
  ASSERT_EQ(body.size(), 1u) << res.body();
  auto access = tokens_.VerifyAccessToken(body["access_token"].get<std::string>());
  ASSERT_TRUE(access.ok()) << access.status().ToString();
  EXPECT_EQ(access->user_id.ToHex(), t.user_id);
}

TEST_F(ApiTest, LogoutIs204WithoutContentType) {
  const Tokens t = Login();
  Response res = Handle(Make(bhttp::verb::delete_, kPrefix + "/auth/session", t.refresh));
  EXPECT_EQ(res.result(), bhttp::status::no_content) << res.body();
  EXPECT_EQ(res.find(field::content_type), res.end());
  EXPECT_TRUE(res.body().empty());

  ExpectError(Handle(Make(bhttp::verb::get, kPrefix + "/auth/profile", t.access)), bhttp::status::unauthorized,
              "InvalidSession");
  Response again = Handle(Make(bhttp::verb::delete_, kPrefix + "/auth/session", t.refresh));
  ExpectError(again, bhttp::status::unauthorized, "InvalidSession");
  EXPECT_NE(Body(again)["error"].get<std::string>().find("failed to find refresh token"), std::string::npos);
}

TEST_F(ApiTest, DeleteUserIs204AndEndsTheSession) {
  const Tokens t = Login();
  Response res = Handle(Make(bhttp::verb::delete_, kPrefix + "/auth/delete", t.access));
  EXPECT_EQ(res.result(), bhttp::status::no_content) << res.body();
  EXPECT_EQ(res.find(field::content_type), res.end());
  ExpectError(Handle(Make(bhttp::verb::get, kPrefix + "/auth/profile", t.access)), bhttp::status::unauthorized,
              "InvalidSession");
  ExpectError(Handle(Make(bhttp::verb::post, kPrefix + "/auth/session", t.refresh)), bhttp::status::unauthorized,
              "InvalidSession");
}

TEST_F(ApiTest, MissingBearerIsMissingAuthReq) {
  for (auto [method, path] :
       {std::pair{bhttp::verb::get, "/auth/profile"}, std::pair{bhttp::verb::post, "/auth/session"},
        std::pair{bhttp::verb::delete_, "/auth/session"}, std::pair{bhttp::verb::delete_, "/auth/delete"}}) {
    ExpectError(Handle(Make(method, kPrefix + path)), bhttp::status::unauthorized, "MissingAuthReq");
  }
  Request basic = Make(bhttp::verb::get, kPrefix + "/auth/profile");
  basic.set(field::authorization, "Basic dXNlcjpwYXNz");
  ExpectError(Handle(std::move(basic)), bhttp::status::unauthorized, "MissingAuthReq");
}

TEST_F(ApiTest, BearerNullIsInvalidSession) {
  ExpectError(Handle(Make(bhttp::verb::get, kPrefix + "/auth/profile", "null")), bhttp::status::unauthorized,
              "InvalidSession");
  ExpectError(Handle(Make(bhttp::verb::post, kPrefix + "/auth/session", "null")), bhttp::status::unauthorized,
              "InvalidSession");
}

TEST_F(ApiTest, AnAccessTokenDoesNotRefresh) {
  const Tokens t = Login();
  ExpectError(Handle(Make(bhttp::verb::post, kPrefix + "/auth/session", t.access)), bhttp::status::unauthorized,
              "InvalidSession");
}

TEST_F(ApiTest, AHundredHeaderFieldsPassOneMoreIsRefused) {
  Request req = Make(bhttp::verb::get, "/healthz");
  while (std::distance(req.begin(), req.end()) < static_cast<std::ptrdiff_t>(kMaxHeaderFields))
    req.insert("X-Filler", "a");
  EXPECT_EQ(Handle(req).result(), bhttp::status::ok);
  req.insert("X-Filler", "a");
  ExpectError(Handle(req), bhttp::status::bad_request, "BadRequest");
}

TEST_F(ApiTest, BodyLimitsArePerRoute) {
  EXPECT_EQ(api_.BodyLimit(bhttp::verb::post, LoginPath()), kMaxBodyBytes);
  EXPECT_EQ(api_.BodyLimit(bhttp::verb::post, "/api/admin/v3.0/groups/g/apps/a/import"), kMaxAppBodyBytes);
  EXPECT_EQ(api_.BodyLimit(bhttp::verb::patch, "//api/admin/v3.0/groups/g/apps/a/push?x=1"), kMaxAppBodyBytes);
  EXPECT_EQ(api_.BodyLimit(bhttp::verb::get, "/api/admin/v3.0/groups/g/apps/a/import"), kMaxBodyBytes);  // no such route
  EXPECT_EQ(api_.BodyLimit(bhttp::verb::post, "/nowhere"), kMaxBodyBytes);
  EXPECT_EQ(api_.LargestBodyLimit(), kMaxAppBodyBytes);
}

TEST_F(ApiTest, UnknownRouteIsNotFound) {
  ExpectError(Handle(Make(bhttp::verb::get, kPrefix + "/auth/nothing")), bhttp::status::not_found, "NotFound");
}

TEST_F(ApiTest, WrongMethodIs405WithAllow) {
  Response res = Handle(Make(bhttp::verb::get, kPrefix + "/auth/session"));
  ExpectError(res, bhttp::status::method_not_allowed, "MethodNotAllowed");
  EXPECT_EQ(Sv(res[field::allow]), "POST, DELETE, OPTIONS");
}

TEST_F(ApiTest, PreflightIs204WithCors) {
  Request req = Make(bhttp::verb::options, kPrefix + "/auth/session");
  req.set(field::origin, "https://app.example.com");
  req.set(field::access_control_request_headers, "authorization");
  Response res = Handle(std::move(req));
  EXPECT_EQ(res.result(), bhttp::status::no_content);
  EXPECT_EQ(Sv(res[field::access_control_allow_origin]), "https://app.example.com");
  EXPECT_EQ(Sv(res[field::access_control_allow_credentials]), "true");
  EXPECT_EQ(Sv(res[field::access_control_allow_headers]), "authorization");
}

TEST_F(ApiTest, ErrorsCarryTheEchoedOrigin) {
  Request req = Make(bhttp::verb::get, kPrefix + "/auth/profile", "null");
  req.set(field::origin, "https://app.example.com");
  Response res = Handle(std::move(req));
  EXPECT_EQ(res.result(), bhttp::status::unauthorized);
  EXPECT_EQ(Sv(res[field::access_control_allow_origin]), "https://app.example.com");
}

TEST_F(ApiTest, TheRootFollowsTheAdminOriginsNotAnyOrigin) {
  // The web UI and /healthz are same-origin: no wildcard or echoed CORS.
  for (const char* target : {"/", "/healthz", "/nowhere"}) {
    Request req = Make(bhttp::verb::get, target);
    req.set(field::origin, "https://evil.example");
    Response res = Handle(std::move(req));
    EXPECT_EQ(res.find(field::access_control_allow_origin), res.end()) << target;
    Request preflight = Make(bhttp::verb::options, target);
    preflight.set(field::origin, "https://evil.example");
    preflight.set(field::access_control_request_method, "GET");
    res = Handle(std::move(preflight));
    EXPECT_EQ(res.find(field::access_control_allow_origin), res.end()) << target;
    EXPECT_EQ(res.find(field::access_control_allow_methods), res.end()) << target;
  }
}

TEST_F(ApiTest, ServesTheWebUiAtTheRoot) {
  Response res = Handle(Make(bhttp::verb::get, "/"));
  EXPECT_EQ(res.result(), bhttp::status::ok);
  EXPECT_EQ(Sv(res[field::content_type]), "text/html; charset=utf-8");
  EXPECT_NE(res.find("Content-Security-Policy"), res.end());
}

TEST_F(ApiTest, EveryResponseGetsItsOwnRequestId) {
  Handle(Make(bhttp::verb::get, "/healthz"));
  Handle(Make(bhttp::verb::get, "/healthz"));
  Handle(Make(bhttp::verb::get, "/nowhere"));
  EXPECT_EQ(request_ids_.size(), 3u);
}

TEST_F(ApiTest, KeepAliveFollowsTheRequest) {
  EXPECT_TRUE(Handle(Make(bhttp::verb::get, "/healthz")).keep_alive());
  Request close = Make(bhttp::verb::get, "/healthz");
  close.keep_alive(false);
  EXPECT_FALSE(Handle(std::move(close)).keep_alive());
}

TEST_F(ApiTest, RejectAnswersWithTheErrorAndClosesTheConnection) {
  Request partial = Make(bhttp::verb::post, LoginPath());
  Response res = api_.Reject(partial, core::Status::Make(core::Code::kPayloadTooLarge, core::ErrorCode::kBadRequest,
                                                         "request body is too large"));
  EXPECT_EQ(res.result(), bhttp::status::payload_too_large);
  EXPECT_EQ(res.body(), R"({"error":"request body is too large","error_code":"BadRequest"})");
  EXPECT_FALSE(res.keep_alive());
  EXPECT_NE(res.find(field::access_control_allow_origin), res.end());
  EXPECT_NE(res.find("X-Request-Id"), res.end());
}

}  // namespace
}  // namespace guestpass::http
