// cli_test.cc: the admin CLI's commands against a scripted Admin API:
// usage errors (exit 2, one line), the way to `guestpass login`, a login
// that stores no password, confirmations, paging, and --json output; pull,
// push through a draft (discarded on every failure) and secrets whose
// values are never printed.
#include "cli/cli.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/fake_transport.h"
#include "config/app_zip.h"
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
  if (path.starts_with("/groups/g1/apps/a1/users/count")) return JsonAnswer(200, R"({"count":1})");
  if (path == "/groups/g1/apps/a1/users/u007/devices")
    return JsonAnswer(200, R"([{"device_id":"d1","platform":"chrome","platform_version":"120","sdk_version":"2.0.1",)"
                           R"("app_id":"","app_version":"","created":1795428000,"expires":1800612000},)"
                           R"({"device_id":"","platform":"","platform_version":"","sdk_version":"",)"
                           R"("app_id":"","app_version":"","created":1795428000,"expires":1800612000}])");
  if (path == "/groups/g1/apps/a1/users/u008/devices") return JsonAnswer(200, "[]");
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
  if (path.starts_with("/groups/g1/apps/a1/user_registrations/pending_users")) {
    // 60 pending registrations p00..p59 in pages of 50; honours after.
    size_t start = 0;
    if (size_t after = path.find("after=p"); after != std::string::npos) start = std::stoul(path.substr(after + 7)) + 1;
    json page = json::array();
    for (size_t i = start; i < 60 && page.size() < 50; ++i) {
      char id[8];
      std::snprintf(id, sizeof id, "p%02zu", i);
      page.push_back({{"_id", id}, {"user_id", ""}, {"confirmed", i == 0},
                      {"login_ids", json::array({{{"id_type", "email"}, {"id", std::string(id) + "@x.org"}}})}});
    }
    return JsonAnswer(200, page.dump());
  }
  if (r.method == "POST" && path == "/groups/g1/apps/a1/users") {
    json body = json::parse(r.body);
    if (body.value("password", "").size() < 6)
      return JsonAnswer(400, R"({"error":"password must be between 6 and 128 characters","error_code":"InvalidParameter"})");
    return JsonAnswer(201, json{{"_id", "new-user"}, {"type", "normal"}, {"data", {{"email", body["email"]}}}}.dump());
  }
  if (r.method == "POST" && path == "/groups/g1/apps/a1/api_keys")
    return JsonAnswer(201, json{{"_id", "k1"}, {"name", json::parse(r.body)["name"]}, {"disabled", false},
                                {"key", "THE-KEY-ITSELF"}}.dump());
  if (path.starts_with("/groups/g1/apps/a1/logs?")) {
    // 150 entries, newest first: e149 (second 149) .. e000; pages of `limit`
    // with nextEndDate/nextSkip as the server gives them.
    const size_t limit = std::stoul(path.substr(path.find("limit=") + 6));
    size_t skip = 0;
    if (size_t at = path.find("skip="); at != std::string::npos) skip = std::stoul(path.substr(at + 5));
    json logs = json::array();
    for (size_t i = skip; i < 150 && logs.size() < limit; ++i) {
      const size_t n = 149 - i;
      char id[8];
      std::snprintf(id, sizeof id, "e%03zu", n);
      char started[32];
      std::snprintf(started, sizeof started, "2026-12-03T10:%02zu:%02zuZ", n / 60, n % 60);
      logs.push_back({{"_id", id}, {"type", n % 2 ? "AUTH" : "ADMIN"}, {"started", started}, {"status", 200},
                      {"request_url", "/x"}, {"request_method", "POST"}});
    }
    json out = {{"logs", logs}};
    if (logs.size() == limit && skip + limit < 150) {
      out["nextEndDate"] = "2026-12-03T10:00:00.000Z";
      out["nextSkip"] = skip + limit;
    }
    return JsonAnswer(200, out.dump());
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
      {"pull", {"--remote", "x"}},
      {"push", {"--local", "d"}},
      {"apps", {"diff", "--remote", "x"}},
      {"secrets", {"create", "--app", "x", "--name", "n"}},
      {"secrets", {"update", "--app", "x", "--secret", "n"}},
      {"secrets", {"delete", "--app", "x"}},
      {"users", {"list", "--app", "x", "--pending", "--status", "enabled"}},
      {"users", {"create", "--app", "x"}},
      {"users", {"create", "--app", "x", "--type", "phone"}},
      {"users", {"create", "--app", "x", "--type", "email", "--password-stdin"}},
      {"users", {"create", "--app", "x", "--type", "email", "--email", "a@x.org"}},
      {"users", {"create", "--app", "x", "--type", "api-key"}},
      {"users", {"create", "--app", "x", "--type", "api-key", "--name", "k", "--email", "a@x.org"}},
      {"logs", {}},
      {"logs", {"list"}},
      {"logs", {"list", "--app", "x", "--type", "function"}},
      {"logs", {"list", "--app", "x", "--limit", "10001"}},
      {"logs", {"list", "--app", "x", "--tail", "--end", "2026-12-03T10:00:00Z"}},
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
  for (const std::string command :
       {"login", "logout", "whoami", "apps", "users", "deployments", "pull", "push", "secrets", "logs"}) {
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

TEST_F(CliTest, UsersListPendingPagesThePendingRegistrations) {
  LogIn();
  auto r = RunCli("users", {"list", "--app", "shop-abcde", "--pending", "--all", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out).size(), 60u);
  std::vector<std::string> queries;
  for (const auto& req : transport_.requests())
    if (req.url.find("/pending_users") != std::string::npos) queries.push_back(req.url.substr(req.url.find("/pending_users")));
  EXPECT_EQ(queries, (std::vector<std::string>{"/pending_users?", "/pending_users?after=p49"}));

  auto table = RunCli("users", {"list", "--app", "shop-abcde", "--pending", "--limit", "2"});
  ASSERT_EQ(table.code, 0) << table.err;
  EXPECT_NE(table.out.find("p00@x.org"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("EMAIL"), std::string::npos) << table.out;
  EXPECT_EQ(table.out.find("p02@x.org"), std::string::npos) << "--limit 2 shows two";
  EXPECT_NE(table.out.find("(the first 2 registrations; --all lists every one)"), std::string::npos) << table.out;
}

TEST_F(CliTest, UsersCreateMakesAnEmailUserOrAServerKeyShownOnce) {
  LogIn();
  auto user = RunCli("users", {"create", "--app", "shop-abcde", "--type", "email", "--email", "ada@x.org",
                               "--password-stdin"},
                     "long-enough\n");
  ASSERT_EQ(user.code, 0) << user.err;
  EXPECT_EQ(user.out, "created user new-user (ada@x.org)\n");
  EXPECT_EQ(json::parse(transport_.requests().back().body),
            (json{{"email", "ada@x.org"}, {"password", "long-enough"}}));
  auto refused = RunCli("users", {"create", "--app", "shop-abcde", "--type", "email", "--email", "ada@x.org",
                                  "--password", "short"});
  EXPECT_EQ(refused.code, 1);
  EXPECT_EQ(refused.err, "guestpass: password must be between 6 and 128 characters\n");

  auto key = RunCli("users", {"create", "--app", "shop-abcde", "--type", "api-key", "--name", "cron"});
  ASSERT_EQ(key.code, 0) << key.err;
  EXPECT_NE(key.out.find("key: THE-KEY-ITSELF\n"), std::string::npos) << key.out;
  EXPECT_NE(key.out.find("not shown again"), std::string::npos) << key.out;
  EXPECT_EQ(transport_.requests().back().url.substr(transport_.requests().back().url.find("/groups")),
            "/groups/g1/apps/a1/api_keys");
  auto as_json = RunCli("users", {"create", "--app", "shop-abcde", "--type", "api-key", "--name", "cron", "--json"});
  EXPECT_EQ(json::parse(as_json.out)["key"], "THE-KEY-ITSELF");
}

TEST_F(CliTest, LogsListPagesNewestAndPrintsThemOldestFirst) {
  LogIn();
  auto r = RunCli("logs", {"list", "--app", "shop-abcde", "--limit", "120", "--type", "auth,admin", "--errors",
                           "--user", "u1", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  json logs = json::parse(r.out);
  ASSERT_EQ(logs.size(), 120u);
  EXPECT_EQ(logs.front()["_id"], "e030") << "the 120 newest, oldest of them first";
  EXPECT_EQ(logs.back()["_id"], "e149");
  std::vector<std::string> queries;
  for (const auto& req : transport_.requests())
    if (req.url.find("/logs?") != std::string::npos) queries.push_back(req.url.substr(req.url.find('?')));
  EXPECT_EQ(queries, (std::vector<std::string>{
                         "?limit=100&type=AUTH,ADMIN&errors_only=true&user_id=u1",
                         "?limit=20&type=AUTH,ADMIN&errors_only=true&user_id=u1&end_date=2026-12-03T10%3A00%3A00.000Z&skip=100"}));

  auto table = RunCli("logs", {"list", "--app", "shop-abcde", "--limit", "3"});
  ASSERT_EQ(table.code, 0) << table.err;
  EXPECT_EQ(table.out.substr(0, 5), "TIME ");
  EXPECT_LT(table.out.find("10:02:27Z"), table.out.find("10:02:29Z")) << table.out;
}

TEST_F(CliTest, UsersListAndCountFilterByEmailAndAnonymity) {
  LogIn();
  auto r = RunCli("users", {"list", "--app", "shop-abcde", "--email", "Ada+x@Example.org", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(transport_.requests().back().url.ends_with("/users?limit=50&email=Ada%2Bx%40Example.org"))
      << transport_.requests().back().url;
  auto c = RunCli("users", {"count", "--app", "shop-abcde", "--anonymity", "linked", "--email", "a@b.org"});
  ASSERT_EQ(c.code, 0) << c.err;
  EXPECT_TRUE(transport_.requests().back().url.ends_with("/users/count?anonymity=linked&email=a%40b.org"))
      << transport_.requests().back().url;
  const size_t before = transport_.requests().size();
  auto bad = RunCli("users", {"list", "--app", "shop-abcde", "--anonymity", "maybe"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("--anonymity: 'anonymous' or 'linked', not 'maybe'"), std::string::npos) << bad.err;
  auto no_at = RunCli("users", {"count", "--app", "shop-abcde", "--email", "ada"});
  EXPECT_EQ(no_at.code, 2);
  EXPECT_NE(no_at.err.find("--email: an email address"), std::string::npos) << no_at.err;
  EXPECT_EQ(transport_.requests().size(), before) << "a bad flag asks the server nothing";
}

TEST_F(CliTest, UsersDevicesListsTheLiveSessions) {
  LogIn();
  auto r = RunCli("users", {"devices", "--app", "shop-abcde", "--user", "u007"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "DEVICE  PLATFORM    SDK    APP  CREATED               EXPIRES\n"
            "d1      chrome 120  2.0.1  -    2026-11-23T10:00:00Z  2027-01-22T10:00:00Z\n"
            "-       -           -      -    2026-11-23T10:00:00Z  2027-01-22T10:00:00Z\n");
  auto none = RunCli("users", {"devices", "--app", "shop-abcde", "--user", "u008"});
  EXPECT_EQ(none.out, "no live sessions\n");
  auto as_json = RunCli("users", {"devices", "--app", "shop-abcde", "--user", "u007", "--json"});
  EXPECT_EQ(json::parse(as_json.out).size(), 2u);
  auto missing = RunCli("users", {"devices", "--app", "shop-abcde"});
  EXPECT_EQ(missing.code, 2);
  auto unknown = RunCli("users", {"devices", "--app", "shop-abcde", "--user", "nobody"});
  EXPECT_EQ(unknown.code, 1);
  EXPECT_EQ(unknown.err.rfind("guestpass: user nobody: ", 0), 0u) << unknown.err;
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

// A server with one app (shop-abcde, anon-user on) for pull, push and
// secrets: drafts, PATCH push, deployments and secrets, with switches for
// the failures a push must clean up after.
class TransferTest : public CliTest {
 protected:
  void SetUp() override {
    LogIn();
    transport_.set_handler([this](const HttpRequest& r) { return Serve(r); });
  }

  static config::AppFiles Export(bool anon_disabled) {
    core::App app;
    app.client_app_id = "shop-abcde";
    app.name = "shop";
    core::ProviderConfig anon;
    anon.name = anon.type = "anon-user";
    anon.disabled = anon_disabled;
    app.providers = {anon};
    return config::ExportAppFiles(app);
  }

  core::Result<HttpResponse> Serve(const HttpRequest& r) {
    const std::string path = r.url.substr(r.url.find("/api/admin/v3.0") + 15);
    const std::string app = "/groups/g1/apps/a1";
    if (path == app + "/export") return HttpResponse{200, "application/zip", *config::ZipAppFiles(Export(deployed_))};
    if (path == app + "/drafts" && r.method == "POST") {
      if (draft_open_) return JsonAnswer(409, R"({"error":"a draft already exists","error_code":"DraftAlreadyExists"})");
      draft_open_ = true;
      return JsonAnswer(201, R"({"_id":"d2"})");
    }
    if (path == app + "/drafts" && r.method == "GET")
      return JsonAnswer(200, draft_open_ ? R"([{"_id":"d1"}])" : "[]");
    if (path.starts_with(app + "/drafts/") && r.method == "DELETE") {
      draft_open_ = false;
      return HttpResponse{204, "", ""};
    }
    if (path == app + "/push") {
      if (refuse_push_) return JsonAnswer(400, R"({"error":"provider anon-user: bad config","error_code":"InvalidParameter"})");
      pushed_ = json::parse(r.body);
      return HttpResponse{204, "", ""};
    }
    if (path == app + "/drafts/d2/diff") return JsonAnswer(200, R"({"diffs":["--- a/x\n"]})");
    if (path == app + "/drafts/d2/deployment") {
      if (fail_deployment_)
        return JsonAnswer(201, R"({"_id":"dep9","status":"failed","status_error_message":"no way"})");
      deployed_ = true;
      draft_open_ = false;
      return JsonAnswer(201, R"({"_id":"dep9","name":")" + json::parse(r.body).value("name", "dep9") +
                                 R"(","status":"successful"})");
    }
    if (path == app + "/secrets" && r.method == "GET") return JsonAnswer(200, R"([{"_id":"s1","name":"jwt"}])");
    if (path == app + "/secrets" && r.method == "POST") {
      secret_bodies_.push_back(r.body);
      return JsonAnswer(201, R"({"_id":"s2","name":"new"})");
    }
    if (path == app + "/secrets/s1" && r.method == "PUT") {
      secret_bodies_.push_back(r.body);
      return HttpResponse{204, "", ""};
    }
    return FakeAdminApi(r);
  }

  // A directory pulled from the app, with anon-user disabled when `disable`.
  std::string Directory(bool disable) {
    const std::string dir = tmp_.File("app");
    config::AppFiles files = Export(false);
    if (disable) files = Export(true);
    for (const auto& [path, bytes] : files) {
      std::filesystem::create_directories(std::filesystem::path(dir + "/" + path).parent_path());
      std::ofstream(dir + "/" + path) << bytes;
    }
    return dir;
  }

  size_t Count(const std::string& method, const std::string& suffix) const {
    size_t n = 0;
    for (const auto& r : transport_.requests())
      if (r.method == method && r.url.ends_with(suffix)) ++n;
    return n;
  }

  bool deployed_ = false;  // anon-user disabled by a push
  bool draft_open_ = false;
  bool refuse_push_ = false;
  bool fail_deployment_ = false;
  json pushed_;
  std::vector<std::string> secret_bodies_;
};

TEST_F(TransferTest, PullWritesTheExportAndAnUnchangedPushDeploysNothing) {
  const std::string dir = tmp_.File("pulled");
  auto pulled = RunCli("pull", {"--remote", "shop-abcde", "--local", dir});
  ASSERT_EQ(pulled.code, 0) << pulled.err;
  EXPECT_NE(pulled.out.find("pulled shop-abcde into " + dir + ": 4 files, 4 written"), std::string::npos) << pulled.out;
  EXPECT_TRUE(std::filesystem::exists(dir + "/auth/providers.json"));
  auto again = RunCli("pull", {"--remote", "shop-abcde", "--local", dir, "--json"});
  EXPECT_EQ(json::parse(again.out)["written"], json::array());

  auto push = RunCli("push", {"--remote", "shop-abcde", "--local", dir});
  ASSERT_EQ(push.code, 0) << push.err;
  EXPECT_EQ(push.out, "nothing to push: shop-abcde is up to date\n");
  EXPECT_EQ(RunCli("apps", {"diff", "--remote", "shop-abcde", "--local", dir}).out, "no differences\n");
  EXPECT_EQ(Count("POST", "/drafts"), 0u);
}

TEST_F(TransferTest, PushDeploysThroughADraft) {
  const std::string dir = Directory(/*disable=*/true);
  auto diff = RunCli("apps", {"diff", "--remote", "shop-abcde", "--local", dir, "--json"});
  ASSERT_EQ(diff.code, 0) << diff.err;
  EXPECT_EQ(json::parse(diff.out).size(), 1u);
  auto dry = RunCli("push", {"--remote", "shop-abcde", "--local", dir, "--dry-run"});
  ASSERT_EQ(dry.code, 0) << dry.err;
  EXPECT_NE(dry.out.find("dry run: nothing was pushed"), std::string::npos);
  auto refused = RunCli("push", {"--remote", "shop-abcde", "--local", dir});  // no terminal, no --yes
  EXPECT_EQ(refused.code, 2);
  EXPECT_EQ(Count("POST", "/drafts"), 0u);

  auto push = RunCli("push", {"--remote", "shop-abcde", "--local", dir, "--yes", "--deployment-name", "v2"});
  ASSERT_EQ(push.code, 0) << push.err;
  EXPECT_NE(push.out.find("deploying draft d2"), std::string::npos) << push.out;
  EXPECT_NE(push.out.find("deployed shop-abcde: deployment dep9 (v2)"), std::string::npos) << push.out;
  EXPECT_EQ(pushed_["auth_providers"][0]["disabled"], true);
  EXPECT_EQ(pushed_["app_id"], "shop-abcde");
  EXPECT_EQ(json::parse(transport_.requests().back().body), json({{"name", "v2"}}));
}

TEST_F(TransferTest, AnOpenDraftStopsThePushUnlessYes) {
  const std::string dir = Directory(/*disable=*/true);
  draft_open_ = true;
  auto r = RunCli("push", {"--remote", "shop-abcde", "--local", dir}, "y\n", /*terminal=*/true);
  EXPECT_EQ(r.code, 1);
  ExpectOneErrorLine(r.err.substr(r.err.find("guestpass: ")));
  EXPECT_NE(r.err.find("an administrator has an open draft of shop-abcde (draft d1): push --yes discards it"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(Count("PATCH", "/push"), 0u);
  auto forced = RunCli("push", {"--remote", "shop-abcde", "--local", dir, "--yes"});
  ASSERT_EQ(forced.code, 0) << forced.err;
  EXPECT_EQ(Count("DELETE", "/drafts/d1"), 1u);
  EXPECT_EQ(Count("PATCH", "/push"), 1u);
}

TEST_F(TransferTest, ARefusedPushOrAFailedDeploymentDiscardsTheDraft) {
  const std::string dir = Directory(/*disable=*/true);
  refuse_push_ = true;
  auto r = RunCli("push", {"--remote", "shop-abcde", "--local", dir, "--yes", "--json"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "guestpass: push refused: provider anon-user: bad config\n");
  EXPECT_EQ(Count("DELETE", "/drafts/d2"), 1u);
  EXPECT_FALSE(draft_open_);

  refuse_push_ = false;
  fail_deployment_ = true;
  auto failed = RunCli("push", {"--remote", "shop-abcde", "--local", dir, "--yes", "--json"});
  EXPECT_EQ(failed.code, 1);
  EXPECT_EQ(failed.err, "guestpass: deployment dep9 failed: no way\n");
  EXPECT_EQ(Count("DELETE", "/drafts/d2"), 2u);
  EXPECT_FALSE(draft_open_);
}

TEST_F(TransferTest, AnInvalidDirectoryFailsBeforeAnyDraft) {
  const std::string dir = Directory(false);
  std::ofstream(dir + "/auth/providers.json") << R"({"magic": {"name": "magic", "type": "magic"}})";
  auto r = RunCli("push", {"--remote", "shop-abcde", "--local", dir, "--yes"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "guestpass: " + dir + "/auth/providers.json: field 'magic.type': unknown provider type \"magic\"\n");
  EXPECT_EQ(Count("POST", "/drafts"), 0u);
}

TEST_F(TransferTest, SecretValuesGoToTheServerAndAreNeverPrinted) {
  auto created = RunCli("secrets", {"create", "--app", "shop-abcde", "--name", "new", "--value-stdin"}, "t0p-s3cret\n");
  ASSERT_EQ(created.code, 0) << created.err;
  EXPECT_EQ(created.out, "created secret new (_id s2)\n");
  EXPECT_EQ(json::parse(secret_bodies_.back()), json({{"name", "new"}, {"value", "t0p-s3cret"}}));
  auto empty = RunCli("secrets", {"create", "--app", "shop-abcde", "--name", "new", "--value-stdin"}, "");
  EXPECT_EQ(empty.code, 2);
  ExpectOneErrorLine(empty.err);

  auto renamed = RunCli("secrets", {"update", "--app", "shop-abcde", "--secret", "jwt", "--name", "jwt2"});
  ASSERT_EQ(renamed.code, 0) << renamed.err;
  EXPECT_EQ(json::parse(secret_bodies_.back()), json({{"name", "jwt2"}}));
  auto revalued = RunCli("secrets", {"update", "--app", "shop-abcde", "--secret", "s1", "--value", "n3w-value", "--json"});
  ASSERT_EQ(revalued.code, 0) << revalued.err;
  EXPECT_EQ(json::parse(secret_bodies_.back()), json({{"name", "jwt"}, {"value", "n3w-value"}}));
  EXPECT_EQ(revalued.out.find("n3w-value"), std::string::npos);

  auto list = RunCli("secrets", {"list", "--app", "shop-abcde"});
  EXPECT_EQ(list.out, "NAME  _ID\njwt   s1\n");
  EXPECT_EQ(RunCli("secrets", {"delete", "--app", "shop-abcde", "--secret", "jwt"}).code, 2);  // needs --yes
  auto deleted = RunCli("secrets", {"delete", "--app", "shop-abcde", "--secret", "jwt", "--yes"});
  ASSERT_EQ(deleted.code, 0) << deleted.err;
  EXPECT_EQ(transport_.requests().back().method, "DELETE");
  EXPECT_TRUE(transport_.requests().back().url.ends_with("/apps/a1/secrets/s1"));
  auto missing = RunCli("secrets", {"delete", "--app", "shop-abcde", "--secret", "nope", "--yes"});
  EXPECT_EQ(missing.err, "guestpass: no secret 'nope' (guestpass secrets list shows the app's secrets)\n");
}

}  // namespace
}  // namespace guestpass::cli
