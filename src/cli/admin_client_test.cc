// admin_client_test.cc: AdminClient against a scripted transport: the
// headers every request carries, refresh-and-retry on InvalidSession (once,
// saved), clearing the tokens when the refresh is refused, and the messages
// made of error answers.
#include "cli/admin_client.h"

#include <gtest/gtest.h>

#include "cli/fake_transport.h"

namespace guestpass::cli {
namespace {

using nlohmann::json;

constexpr const char* kExpired =
    R"({"error":"invalid session: access token expired","error_code":"InvalidSession"})";

class AdminClientTest : public ::testing::Test {
 protected:
  AdminClientTest() {
    profile_.url = "http://127.0.0.1:9";
    profile_.group_id = "g1";
    profile_.access_token = "old-access";
    profile_.refresh_token = "the-refresh";
  }

  AdminClient Client() {
    return AdminClient(transport_, profile_, [this](const Profile& p) {
      saved_.push_back(p);
      return core::Status::Ok();
    });
  }

  FakeTransport transport_;
  Profile profile_;
  std::vector<Profile> saved_;
};

TEST_F(AdminClientTest, SendsTheOriginTheTokenAndJson) {
  transport_.set_handler([](const HttpRequest&) { return JsonAnswer(201, R"({"_id":"a1"})"); });
  auto client = Client();
  auto result = client.Call("POST", "/groups/g1/apps", {{"name", "shop"}});
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ((*result)["_id"], "a1");
  ASSERT_EQ(transport_.requests().size(), 1u);
  const HttpRequest& r = transport_.requests()[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, "http://127.0.0.1:9/api/admin/v3.0/groups/g1/apps");
  EXPECT_EQ(FakeTransport::Header(r, "X-BAAS-Request-Origin"), "guestpass-cli");
  EXPECT_EQ(FakeTransport::Header(r, "Authorization"), "Bearer old-access");
  EXPECT_EQ(FakeTransport::Header(r, "Content-Type"), "application/json");
  EXPECT_EQ(json::parse(r.body), json({{"name", "shop"}}));
}

TEST_F(AdminClientTest, LoginsCarryNoTokenAndEmptyAnswersAreNull) {
  transport_.set_handler([](const HttpRequest&) { return HttpResponse{204, "", ""}; });
  auto client = Client();
  auto result = client.Call("DELETE", "/x", nullptr, Auth::kNone);
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->is_null());
  EXPECT_EQ(FakeTransport::Header(transport_.requests()[0], "Authorization"), "");
  EXPECT_EQ(FakeTransport::Header(transport_.requests()[0], "X-BAAS-Request-Origin"), "guestpass-cli");
  EXPECT_TRUE(transport_.requests()[0].body.empty());
}

TEST_F(AdminClientTest, RefreshesOnceSavesTheNewTokenAndRetries) {
  transport_.set_handler([](const HttpRequest& r) {
    if (r.url.ends_with("/auth/session")) {
      EXPECT_EQ(r.method, "POST");
      EXPECT_EQ(FakeTransport::Header(r, "Authorization"), "Bearer the-refresh");
      return JsonAnswer(201, R"({"access_token":"new-access"})");
    }
    if (FakeTransport::Header(r, "Authorization") == "Bearer old-access") return JsonAnswer(401, kExpired);
    return JsonAnswer(200, "[]");
  });
  auto client = Client();
  auto result = client.Call("GET", "/groups/g1/apps");
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(*result, json::array());
  ASSERT_EQ(transport_.requests().size(), 3u);
  EXPECT_EQ(FakeTransport::Header(transport_.requests()[2], "Authorization"), "Bearer new-access");
  EXPECT_EQ(profile_.access_token, "new-access");
  ASSERT_EQ(saved_.size(), 1u);
  EXPECT_EQ(saved_[0].access_token, "new-access");
  EXPECT_EQ(saved_[0].refresh_token, "the-refresh");
}

TEST_F(AdminClientTest, RetriesOnlyOnce) {
  int refreshes = 0;
  transport_.set_handler([&](const HttpRequest& r) {
    if (r.url.ends_with("/auth/session")) {
      ++refreshes;
      return JsonAnswer(201, R"({"access_token":"new-access"})");
    }
    return JsonAnswer(401, kExpired);
  });
  auto client = Client();
  auto result = client.Call("GET", "/groups/g1/apps");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(), "invalid session: access token expired");
  EXPECT_EQ(refreshes, 1);
  EXPECT_EQ(transport_.requests().size(), 3u);
}

TEST_F(AdminClientTest, ARefusedRefreshClearsTheTokensAndSaysToLogIn) {
  transport_.set_handler([](const HttpRequest& r) {
    if (r.url.ends_with("/auth/session"))
      return JsonAnswer(401, R"({"error":"invalid session: failed to find refresh token","error_code":"InvalidSession"})");
    return JsonAnswer(401, kExpired);
  });
  auto client = Client();
  auto result = client.Call("GET", "/groups/g1/apps");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), core::Code::kUnauthenticated);
  EXPECT_EQ(result.status().message(), "session expired: run guestpass login");
  EXPECT_FALSE(profile_.logged_in());
  ASSERT_EQ(saved_.size(), 1u);
  EXPECT_TRUE(saved_[0].access_token.empty());
  EXPECT_TRUE(saved_[0].refresh_token.empty());
  EXPECT_EQ(saved_[0].url, "http://127.0.0.1:9");
}

TEST_F(AdminClientTest, ARefreshWithoutAnAnswerKeepsTheTokens) {
  transport_.set_handler([](const HttpRequest& r) -> core::Result<HttpResponse> {
    if (r.url.ends_with("/auth/session")) return core::Status::Unavailable("connection refused");
    return JsonAnswer(401, kExpired);
  });
  auto client = Client();
  auto result = client.Call("GET", "/groups/g1/apps");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(), "cannot reach http://127.0.0.1:9: connection refused");
  EXPECT_EQ(profile_.refresh_token, "the-refresh");
  EXPECT_TRUE(saved_.empty());
}

TEST_F(AdminClientTest, OtherErrorsAndUnauthenticatedCallsAreNotRefreshed) {
  transport_.set_handler([](const HttpRequest& r) {
    if (r.url.ends_with("/missing")) return JsonAnswer(404, R"({"error":"app not found","error_code":"AppNotFound"})");
    return JsonAnswer(401, kExpired);
  });
  auto client = Client();
  auto missing = client.Call("GET", "/missing");
  EXPECT_EQ(missing.status().code(), core::Code::kNotFound);
  EXPECT_EQ(missing.status().message(), "app not found");
  auto login = client.Call("POST", "/auth/providers/local-userpass/login", {{"username", "a"}}, Auth::kNone);
  EXPECT_EQ(login.status().code(), core::Code::kUnauthenticated);
  EXPECT_EQ(transport_.requests().size(), 2u);
}

TEST_F(AdminClientTest, NoAnswerAndNonJsonSuccessAreErrors) {
  auto client = Client();
  auto down = client.Call("GET", "/x");  // no handler: connection refused
  EXPECT_EQ(down.status().code(), core::Code::kUnavailable);
  EXPECT_EQ(down.status().message(), "cannot reach http://127.0.0.1:9: connection refused");
  transport_.set_handler([](const HttpRequest&) { return HttpResponse{200, "text/html", "<html>"}; });
  EXPECT_EQ(client.Call("GET", "/x").status().code(), core::Code::kInternal);
}

TEST(ErrorMessageTest, PrefersTheServersErrorTextOnOneLine) {
  EXPECT_EQ(ErrorMessage(JsonAnswer(409, R"({"error":"app name taken","error_code":"x"})")), "app name taken");
  EXPECT_EQ(ErrorMessage(JsonAnswer(400, R"({"error":"two\nlines"})")), "two lines");
  EXPECT_EQ(ErrorMessage(HttpResponse{502, "text/html", "<h1>Bad Gateway</h1>"}), "the server answered HTTP 502");
  EXPECT_EQ(ErrorMessage(JsonAnswer(500, R"({"error":""})")), "the server answered HTTP 500");
  EXPECT_EQ(ErrorStatus(JsonAnswer(409, "{}")).code(), core::Code::kAlreadyExists);
}

TEST(NormalizeServerUrlTest, KeepsTheServerPartOnly) {
  EXPECT_EQ(*NormalizeServerUrl("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
  EXPECT_EQ(*NormalizeServerUrl("http://127.0.0.1:8080/"), "http://127.0.0.1:8080");
  EXPECT_EQ(*NormalizeServerUrl("https://auth.example/api/admin/v3.0/"), "https://auth.example");
  EXPECT_FALSE(NormalizeServerUrl("127.0.0.1:8080").ok());
  EXPECT_FALSE(NormalizeServerUrl("http://").ok());
  EXPECT_FALSE(NormalizeServerUrl("ftp://x").ok());
}

TEST(UrlEncodeTest, EncodesAllButUnreserved) {
  EXPECT_EQ(UrlEncode("anon-user,local-userpass"), "anon-user%2Clocal-userpass");
  EXPECT_EQ(UrlEncode("a b/c?d"), "a%20b%2Fc%3Fd");
  EXPECT_EQ(UrlEncode("Az09-_.~"), "Az09-_.~");
}

}  // namespace
}  // namespace guestpass::cli
