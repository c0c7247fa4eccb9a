// cli_test.cc: the admin CLI's commands against a scripted Admin API:
// usage errors (exit 2, one line), the way to `guestpass login`, a login
// that stores no password, confirmations, paging, and --json output.
#include "cli/cli.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/fake_transport.h"
#include "testutil/temp_dir.h"

namespace guestpass::cli {
namespace {

using nlohmann::json;

constexpr const char* kApps =
    R"([{"_id":"a1","client_app_id":"shop-abcde","name":"shop","group_id":"g1","last_used":1795428000}])";

// A little Admin API: login, profile, apps, users in pages of `limit`.
core::Result<HttpResponse> FakeAdminApi(const HttpRequest& r) {
  const std::string path = r.url.substr(r.url.find("/api/admin/v3.0") + 15);
  if (path == "/auth/providers/local-userpass/login") {
    if (json::parse(r.body).value("password", "") != "s3cret")
      return JsonAnswer(401, R"({"error":"invalid username/password","error_code":"InvalidPassword"})");
    return JsonAnswer(200, R"({"access_token":"acc","refresh_token":"ref","user_id":"u","device_id":"d"})");
  }
  if (path == "/auth/providers/mongodb-cloud/login")
    return JsonAnswer(200, R"({"access_token":"acc","refresh_token":"ref","user_id":"u","device_id":"d"})");
  if (path == "/auth/profile") return JsonAnswer(200, R"({"roles":[{"role_name":"GROUP_OWNER","group_id":"g1"}]})");
  if (path == "/groups/g1/apps") return JsonAnswer(200, kApps);
  if (path.starts_with("/groups/g1/apps/a1/users?")) {
    // 130 users u000..u129; honours limit and after.
    const size_t limit = std::stoul(path.substr(path.find("limit=") + 6));
    size_t start = 0;
    if (size_t after = path.find("after=u"); after != std::string::npos) start = std::stoul(path.substr(after + 7)) + 1;
    json page = json::array();
    for (size_t i = start; i < 130 && page.size() < limit; ++i) {
      char id[8];
      std::snprintf(id, sizeof id, "u%03zu", i);
      page.push_back({{"_id", id}, {"type", "normal"}, {"disabled", false}, {"identities", json::array()}});
    }
    return JsonAnswer(200, page.dump());
  }
  if (r.method == "DELETE" || r.method == "PUT") return HttpResponse{204, "", ""};
  return JsonAnswer(404, R"({"error":"not found"})");
}

class CliTest : public ::testing::Test {
 protected:
  struct Outcome {
    int code;
    std::string out;
    std::string err;
  };

  Outcome RunCli(const std::string& command, const std::vector<std::string>& args, const std::string& stdin_text = "",
                 bool terminal = false) {
    std::istringstream in(stdin_text);
    std::ostringstream out, err;
    Context ctx{in, out, err, terminal, profiles_, transport_};
    const int code = cli::Run(command, args, ctx);
    return {code, out.str(), err.str()};
  }

  void LogIn() {
    auto r = RunCli("login", {"--url", "http://127.0.0.1:9", "--username", "admin", "--password-stdin"}, "s3cret\n");
    ASSERT_EQ(r.code, 0) << r.err;
  }

  // Exactly one line, starting "guestpass: ".
  static void ExpectOneErrorLine(const std::string& err) {
    EXPECT_EQ(err.rfind("guestpass: ", 0), 0u) << err;
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  }

  testutil::TempDir tmp_;
  ProfileStore profiles_{tmp_.File("guestpass")};
  FakeTransport transport_{FakeAdminApi};
};

TEST_F(CliTest, UsageErrorsExitTwoWithOneLine) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"apps", {}},
      {"apps", {"frobnicate"}},
      {"apps", {"describe"}},
      {"apps", {"list", "--nope"}},
      {"users", {"list"}},
      {"users", {"list", "--app", "x", "--status", "maybe"}},
      {"users", {"list", "--app", "x", "--limit", "0"}},
      {"users", {"list", "--app", "x", "--limit", "5", "--all"}},
      {"users", {"delete", "--app", "x"}},
      {"deployments", {"redeploy", "--app", "x"}},
      {"login", {"--url", "http://h", "--password", "hunter2"}},
      {"login", {"--url", "http://h", "--username", "admin"}},
      {"login", {"--url", "http://h", "--api-key", "pub"}},
      {"login", {"--username", "admin", "--password-stdin"}},
      {"login", {"--url", "localhost:8080", "--username", "admin", "--password-stdin"}},
      {"whoami", {"--profile", "../etc"}},
  };
  for (const auto& [command, args] : cases) {
    auto r = RunCli(command, args);
    EXPECT_EQ(r.code, 2) << command << " " << testing::PrintToString(args) << ": " << r.err;
    ExpectOneErrorLine(r.err);
    EXPECT_EQ(r.out, "");
  }
  EXPECT_TRUE(transport_.requests().empty());
  // A password given as a flag is never echoed back.
  EXPECT_EQ(RunCli("login", {"--url", "http://h", "--password=hunter2"}).err.find("hunter2"), std::string::npos);
}

TEST_F(CliTest, HelpGoesToStdoutAndSucceeds) {
  for (const std::string command : {"login", "logout", "whoami", "apps", "users", "deployments"}) {
    auto r = RunCli(command, {"--help"});
    EXPECT_EQ(r.code, 0) << command;
    EXPECT_EQ(r.out.rfind("usage: guestpass " + command, 0), 0u) << r.out;
  }
}

TEST_F(CliTest, WithoutAProfileEveryCommandSaysToLogIn) {
  for (const auto& [command, args] : std::vector<std::pair<std::string, std::vector<std::string>>>{
           {"whoami", {}}, {"apps", {"list"}}, {"users", {"count", "--app", "x"}}, {"apps", {"list", "--profile", "p2"}}}) {
    auto r = RunCli(command, args);
    EXPECT_EQ(r.code, 1);
    ExpectOneErrorLine(r.err);
    EXPECT_NE(r.err.find("run guestpass login"), std::string::npos) << r.err;
  }
  EXPECT_NE(RunCli("apps", {"list", "--profile", "p2"}).err.find("guestpass login --profile p2"), std::string::npos);
}

TEST_F(CliTest, LoginStoresTheSessionAndNeverThePassword) {
  LogIn();
  auto profile = profiles_.Load("default");
  ASSERT_TRUE(profile.ok());
  EXPECT_EQ(profile->url, "http://127.0.0.1:9");
  EXPECT_EQ(profile->group_id, "g1");
  EXPECT_EQ(profile->username, "admin");
  EXPECT_EQ(profile->access_token, "acc");
  EXPECT_EQ(profile->refresh_token, "ref");
  std::ifstream file(profiles_.PathOf("default"));
  std::string text((std::istreambuf_iterator<char>(file)), {});
  EXPECT_EQ(text.find("s3cret"), std::string::npos);
  // The password went in the login's body only.
  EXPECT_EQ(json::parse(transport_.requests()[0].body), json({{"username", "admin"}, {"password", "s3cret"}}));
}

TEST_F(CliTest, AWrongPasswordFailsWithTheServersWordsAndSavesNothing) {
  auto r = RunCli("login", {"--url", "http://127.0.0.1:9", "--username", "admin", "--password-stdin"}, "nope\n");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "guestpass: login failed: invalid username/password\n");
  EXPECT_TRUE(profiles_.Load("default").status().IsNotFound());
  auto empty = RunCli("login", {"--url", "http://127.0.0.1:9", "--username", "admin", "--password-stdin"}, "");
  EXPECT_EQ(empty.err, "guestpass: --password-stdin: no password on stdin\n");
}

TEST_F(CliTest, ApiKeyLoginWhoamiRedactsAndLoginAgainReusesTheKey) {
  auto r = RunCli("login", {"--url", "http://127.0.0.1:9/api/admin/v3.0", "--api-key", "pub-1",
                            "--private-api-key", "0123456789abcdef"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto who = RunCli("whoami", {"--json"});
  ASSERT_EQ(who.code, 0) << who.err;
  json j = json::parse(who.out);
  EXPECT_EQ(j["api_key"], "pub-1");
  EXPECT_EQ(j["private_api_key"], "************cdef");
  EXPECT_EQ(j["url"], "http://127.0.0.1:9");
  EXPECT_EQ(RunCli("whoami", {}).out.find("0123456789ab"), std::string::npos);

  auto again = RunCli("login", {});
  ASSERT_EQ(again.code, 0) << again.err;
  const auto& requests = transport_.requests();
  const HttpRequest& login = requests[requests.size() - 2];  // then GET /auth/profile
  EXPECT_TRUE(login.url.ends_with("/auth/providers/mongodb-cloud/login"));
  EXPECT_EQ(json::parse(login.body), json({{"username", "pub-1"}, {"apiKey", "0123456789abcdef"}}));
}

TEST_F(CliTest, DestructiveCommandsRefuseWithoutATerminalOrYes) {
  LogIn();
  const size_t before = transport_.requests().size();
  auto r = RunCli("apps", {"delete", "--app", "shop-abcde"});
  EXPECT_EQ(r.code, 2);
  ExpectOneErrorLine(r.err);
  EXPECT_NE(r.err.find("--yes"), std::string::npos);
  auto u = RunCli("users", {"delete", "--app", "shop-abcde", "--user", "u001"});
  EXPECT_EQ(u.code, 2);
  for (size_t i = before; i < transport_.requests().size(); ++i) EXPECT_NE(transport_.requests()[i].method, "DELETE");

  // On a terminal: asked, and only "y" goes on.
  auto no = RunCli("apps", {"delete", "--app", "shop-abcde"}, "n\n", /*terminal=*/true);
  EXPECT_EQ(no.code, 1);
  EXPECT_NE(no.err.find("guestpass: cancelled"), std::string::npos);
  auto yes = RunCli("apps", {"delete", "--app", "shop-abcde"}, "y\n", /*terminal=*/true);
  EXPECT_EQ(yes.code, 0) << yes.err;
  EXPECT_EQ(transport_.requests().back().method, "DELETE");
  EXPECT_TRUE(transport_.requests().back().url.ends_with("/groups/g1/apps/a1"));
  auto forced = RunCli("users", {"delete", "--app", "shop-abcde", "--user", "u001,u002", "--yes", "--json"});
  EXPECT_EQ(forced.code, 0) << forced.err;
  EXPECT_EQ(json::parse(forced.out), json({{"deleted", {"u001", "u002"}}}));
}

TEST_F(CliTest, UsersListPagesWithAfterUpToTheLimit) {
  LogIn();
  auto r = RunCli("users", {"list", "--app", "shop-abcde", "--limit", "120", "--status", "enabled", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  json users = json::parse(r.out);
  ASSERT_EQ(users.size(), 120u);
  EXPECT_EQ(users[0]["_id"], "u000");
  EXPECT_EQ(users[119]["_id"], "u119");
  std::vector<std::string> queries;
  for (const auto& req : transport_.requests())
    if (req.url.find("/users?") != std::string::npos) queries.push_back(req.url.substr(req.url.find('?')));
  EXPECT_EQ(queries, (std::vector<std::string>{"?limit=50&status=enabled", "?limit=50&status=enabled&after=u049",
                                               "?limit=20&status=enabled&after=u099"}));

  auto all = RunCli("users", {"list", "--app", "shop-abcde", "--all", "--provider", "anon-user,local-userpass", "--json"});
  ASSERT_EQ(all.code, 0) << all.err;
  EXPECT_EQ(json::parse(all.out).size(), 130u);
  EXPECT_NE(transport_.requests().back().url.find("provider_types=anon-user%2Clocal-userpass"), std::string::npos);

  auto table = RunCli("users", {"list", "--app", "shop-abcde", "--limit", "2"});
  EXPECT_EQ(table.out.substr(0, 3), "ID ");
  EXPECT_NE(table.out.find("(the first 2 users; --all lists every one)"), std::string::npos) << table.out;
}

TEST_F(CliTest, AnUnknownAppIsOneLine) {
  LogIn();
  auto r = RunCli("users", {"count", "--app", "nope-xxxxx"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "guestpass: no app 'nope-xxxxx' (guestpass apps list shows the client app ids)\n");
}

TEST_F(CliTest, AServerThatIsDownIsSaidInWords) {
  LogIn();
  transport_.set_handler(nullptr);  // connection refused
  auto r = RunCli("apps", {"list"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "guestpass: cannot reach http://127.0.0.1:9: connection refused\n");
}

}  // namespace
}  // namespace guestpass::cli
