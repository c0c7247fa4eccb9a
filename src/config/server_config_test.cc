// server_config_test.cc: `guestpass serve` flags, environment fallback and
// --listen parsing.
#include "config/server_config.h"

#include <gtest/gtest.h>

#include <map>

namespace guestpass::config {
namespace {

using core::Code;

// An environment made of the given variables only.
using Vars = std::map<std::string, std::string>;

class FakeEnv {
 public:
  explicit FakeEnv(Vars vars = {}) : vars_(std::move(vars)) {}
  std::function<const char*(const char*)> Getenv() const {
    return [this](const char* name) -> const char* {
      auto it = vars_.find(name);
      return it == vars_.end() ? nullptr : it->second.c_str();
    };
  }

 private:
  Vars vars_;
};

core::Result<ServerConfig> Parse(const std::vector<std::string>& args, const FakeEnv& env = FakeEnv()) {
  return ParseServeArgs(args, env.Getenv());
}

void ExpectInvalid(const core::Result<ServerConfig>& r, const std::string& part) {
  ASSERT_FALSE(r.ok()) << "expected an error containing: " << part;
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find(part), std::string::npos) << r.status().message();
}

TEST(ParseServeArgsTest, DefaultsWithoutFlagsOrEnvironment) {
  auto c = Parse({});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->listen_host, "127.0.0.1");
  EXPECT_EQ(c->listen_port, 9090);
  EXPECT_EQ(c->data_dir, "./guestpass-data");
  EXPECT_TRUE(c->app_dirs.empty());
  EXPECT_EQ(c->threads, 0);
  EXPECT_EQ(c->log_level, "info");
  EXPECT_EQ(c->public_url, "");
}

TEST(ParseServeArgsTest, ReadsEveryFlag) {
  auto c = Parse({"--listen", "0.0.0.0:8080", "--data-dir", "/var/lib/guestpass", "--app-dir", "apps/one",
                  "--app-dir=apps/two", "--threads", "4", "--log-level", "debug", "--public-url",
                  "https://auth.example.com/"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->listen_host, "0.0.0.0");
  EXPECT_EQ(c->listen_port, 8080);
  EXPECT_EQ(c->data_dir, "/var/lib/guestpass");
  EXPECT_EQ(c->app_dirs, (std::vector<std::string>{"apps/one", "apps/two"}));
  EXPECT_EQ(c->threads, 4);
  EXPECT_EQ(c->log_level, "debug");
  EXPECT_EQ(c->public_url, "https://auth.example.com");
}

// Every option in the help table is a flag the parser accepts (the table and
// the parser are two lists; this keeps them in step).
TEST(ParseServeArgsTest, EveryDocumentedFlagIsAccepted) {
  const std::map<std::string, std::string> sample = {
      {"listen", "127.0.0.1:1"},      {"data-dir", "/d"},        {"app-dir", "/a"},
      {"database", "postgres://db.example/guestpass"}, {"database-timeout", "2.5"}, {"database-pool", "8"},
      {"threads", "2"},               {"max-connections", "100"}, {"request-timeout", "10"}, {"log-level", "warn"},     {"public-url", "https://x.example"},
      {"trusted-proxies", "10.0.0.0/8"}, {"metrics-readers", "10.0.0.0/8"}, {"signups-per-hour", "5"}, {"signup-burst", "2"},
      {"inactivity-interval", "60"}, {"audit-retention-days", "365"}, {"log-retention-days", "30"}, {"login-failures-per-account", "3"},
      {"login-failures-per-address", "10"}, {"login-max-wait", "60"}, {"admin-password-file", "/p"}, {"master-key-file", "/k"},
      {"admin-origins", "https://admin.example.com"}, {"signing-alg", "ES256"}};
  for (const auto& o : kServeOptions) {
    auto it = sample.find(o.flag);
    ASSERT_NE(it, sample.end()) << "no sample value for --" << o.flag;
    auto c = Parse({std::string("--") + o.flag, it->second});
    EXPECT_TRUE(c.ok()) << o.flag << ": " << c.status().ToString();
  }
}

TEST(ParseServeArgsTest, TheInactivityIntervalIsBoundedSeconds) {
  EXPECT_EQ(Parse({})->inactivity_interval_seconds, 3600);
  EXPECT_EQ(Parse({"--inactivity-interval", "1"})->inactivity_interval_seconds, 1);
  EXPECT_EQ(Parse({}, FakeEnv(Vars{{"GUESTPASS_INACTIVITY_INTERVAL", "604800"}}))->inactivity_interval_seconds,
            604800);
  for (const char* bad : {"0", "604801", "-5", "1h", ""})
    ExpectInvalid(Parse({"--inactivity-interval", bad}), "--inactivity-interval");
}

TEST(ParseServeArgsTest, TheRequestTimeoutIsBoundedWholeSeconds) {
  EXPECT_EQ(Parse({})->request_timeout_seconds, 30);
  EXPECT_EQ(Parse({"--request-timeout", "2"})->request_timeout_seconds, 2);
  EXPECT_EQ(Parse({}, FakeEnv(Vars{{"GUESTPASS_REQUEST_TIMEOUT", "3600"}}))->request_timeout_seconds, 3600);
  for (const char* bad : {"0", "3601", "1.5", "x", ""})
    ExpectInvalid(Parse({"--request-timeout", bad}), "--request-timeout");
}

TEST(ParseServeArgsTest, TheSigningAlgorithmIsOneOfThreeJwsNames) {
  EXPECT_EQ(Parse({})->signing_alg, "HS256");
  EXPECT_EQ(Parse({"--signing-alg", "ES256"})->signing_alg, "ES256");
  EXPECT_EQ(Parse({}, FakeEnv(Vars{{"GUESTPASS_SIGNING_ALG", "RS256"}}))->signing_alg, "RS256");
  EXPECT_EQ(Parse({"--signing-alg", "HS256"}, FakeEnv(Vars{{"GUESTPASS_SIGNING_ALG", "RS256"}}))->signing_alg, "HS256")
      << "the flag wins";
  for (const char* bad : {"es256", "none", "HS512", "PS256", "ES256 "})
    ExpectInvalid(Parse({"--signing-alg", bad}), "--signing-alg");
}

TEST(ParseServeArgsTest, MaxConnectionsIsAPositiveCountOrAutomatic) {
  EXPECT_EQ(Parse({})->max_connections, 0);
  EXPECT_EQ(Parse({"--max-connections", "5"})->max_connections, 5);
  EXPECT_EQ(Parse({}, FakeEnv(Vars{{"GUESTPASS_MAX_CONNECTIONS", "1000000"}}))->max_connections, 1'000'000);
  for (const char* bad : {"0", "1000001", "-1", "many", ""})
    ExpectInvalid(Parse({"--max-connections", bad}), "--max-connections");
}

TEST(ParseServeArgsTest, LoginFailureLimitsHaveDefaultsAndBounds) {
  auto c = Parse({});
  EXPECT_EQ(c->login_failures_per_account, 5);
  EXPECT_EQ(c->login_failures_per_address, 30);
  EXPECT_EQ(c->login_max_wait_seconds, 900);
  c = Parse({"--login-failures-per-account", "0", "--login-failures-per-address", "100000", "--login-max-wait", "1"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->login_failures_per_account, 0);
  EXPECT_EQ(c->login_failures_per_address, 100000);
  EXPECT_EQ(c->login_max_wait_seconds, 1);
  EXPECT_EQ(Parse({}, FakeEnv(Vars{{"GUESTPASS_LOGIN_MAX_WAIT", "86400"}}))->login_max_wait_seconds, 86400);
  ExpectInvalid(Parse({"--login-failures-per-account", "1001"}), "--login-failures-per-account");
  ExpectInvalid(Parse({"--login-failures-per-address", "-1"}), "--login-failures-per-address");
  ExpectInvalid(Parse({"--login-max-wait", "0"}), "--login-max-wait");
}

TEST(ParseServeArgsTest, TheLogRetentionIsDaysTenByDefault) {
  EXPECT_EQ(Parse({})->log_retention_days, 10);
  EXPECT_EQ(Parse({"--log-retention-days", "30"})->log_retention_days, 30);
  EXPECT_EQ(Parse({}, FakeEnv(Vars{{"GUESTPASS_LOG_RETENTION_DAYS", "3650"}}))->log_retention_days, 3650);
  for (const char* bad : {"0", "3651", "-1", "1w", ""})
    ExpectInvalid(Parse({"--log-retention-days", bad}), "--log-retention-days");
}

TEST(ParseServeArgsTest, TheAuditRetentionIsDaysAndOffByDefault) {
  EXPECT_EQ(Parse({})->audit_retention_days, 0);
  EXPECT_EQ(Parse({"--audit-retention-days", "365"})->audit_retention_days, 365);
  EXPECT_EQ(Parse({}, FakeEnv(Vars{{"GUESTPASS_AUDIT_RETENTION_DAYS", "36500"}}))->audit_retention_days, 36500);
  for (const char* bad : {"36501", "-1", "1y", "", "99999999999999999999"})
    ExpectInvalid(Parse({"--audit-retention-days", bad}), "--audit-retention-days");
}

TEST(ParseServeArgsTest, TheTestClockOffsetComesOnlyFromTheEnvironment) {
  EXPECT_EQ(Parse({})->clock_offset_seconds, 0);
  EXPECT_EQ(Parse({}, FakeEnv(Vars{{"GUESTPASS_TEST_CLOCK_OFFSET_SECONDS", "-86400"}}))->clock_offset_seconds,
            -86400);
  ExpectInvalid(Parse({}, FakeEnv(Vars{{"GUESTPASS_TEST_CLOCK_OFFSET_SECONDS", "3 days"}})),
                "GUESTPASS_TEST_CLOCK_OFFSET_SECONDS");
  ExpectInvalid(Parse({"--test-clock-offset", "5"}), "guestpass serve --help");
}

TEST(ParseServeArgsTest, FallsBackToTheEnvironment) {
  FakeEnv env(Vars{{"GUESTPASS_LISTEN", "10.0.0.1:7000"},
                   {"GUESTPASS_DATA_DIR", "/data"},
                   {"GUESTPASS_APP_DIR", "/apps/a:/apps/b::/apps/c:"},
                   {"GUESTPASS_THREADS", "2"},
                   {"GUESTPASS_LOG_LEVEL", "warn"},
                   {"GUESTPASS_PUBLIC_URL", "http://localhost:7000"}});
  auto c = Parse({}, env);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->listen_host, "10.0.0.1");
  EXPECT_EQ(c->listen_port, 7000);
  EXPECT_EQ(c->data_dir, "/data");
  EXPECT_EQ(c->app_dirs, (std::vector<std::string>{"/apps/a", "/apps/b", "/apps/c"}));
  EXPECT_EQ(c->threads, 2);
  EXPECT_EQ(c->log_level, "warn");
  EXPECT_EQ(c->public_url, "http://localhost:7000");
}

TEST(ParseServeArgsTest, AFlagBeatsTheEnvironment) {
  FakeEnv env(Vars{{"GUESTPASS_LISTEN", "10.0.0.1:7000"},
                   {"GUESTPASS_DATA_DIR", "/data"},
                   {"GUESTPASS_APP_DIR", "/apps/a:/apps/b"},
                   {"GUESTPASS_THREADS", "2"},
                   {"GUESTPASS_LOG_LEVEL", "warn"}});
  auto c = Parse({"--listen", "127.0.0.1:1", "--data-dir", "/flag", "--app-dir", "/flag-app", "--threads", "3",
                  "--log-level", "error"},
                 env);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->listen_port, 1);
  EXPECT_EQ(c->data_dir, "/flag");
  EXPECT_EQ(c->app_dirs, (std::vector<std::string>{"/flag-app"}));
  EXPECT_EQ(c->threads, 3);
  EXPECT_EQ(c->log_level, "error");
}

TEST(ParseServeArgsTest, AnEmptyVariableIsUnset) {
  auto c = Parse({}, FakeEnv(Vars{{"GUESTPASS_LISTEN", ""}, {"GUESTPASS_APP_DIR", ""}, {"GUESTPASS_THREADS", ""}}));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->listen_port, 9090);
  EXPECT_TRUE(c->app_dirs.empty());
  EXPECT_EQ(c->threads, 0);
}

TEST(ParseServeArgsTest, ParsesBracketedIpv6Listen) {
  auto c = Parse({"--listen", "[::1]:0"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->listen_host, "::1");
  EXPECT_EQ(c->listen_port, 0);
}

TEST(ParseServeArgsTest, RefusesBadListenValues) {
  for (const char* bad : {"127.0.0.1", "127.0.0.1:", ":8080", "[]:80", "host:65536", "host:99999", "host:-1",
                          "host:80a", "host:123456"}) {
    ExpectInvalid(Parse({"--listen", bad}), "--listen");
  }
  ExpectInvalid(Parse({}, FakeEnv(Vars{{"GUESTPASS_LISTEN", "host:70000"}})), "port must be a number 0-65535");
}

TEST(ParseServeArgsTest, AcceptsTheEdgePorts) {
  EXPECT_EQ(Parse({"--listen", "h:65535"})->listen_port, 65535);
  EXPECT_EQ(Parse({"--listen", "h:0"})->listen_port, 0);
}

TEST(ParseServeArgsTest, RefusesBadThreadCounts) {
  for (const char* bad : {"0", "-1", "abc", "1000", "2.5"}) ExpectInvalid(Parse({"--threads", bad}), "--threads");
  EXPECT_EQ(Parse({"--threads", "999"})->threads, 999);
}

TEST(ParseServeArgsTest, RefusesBadLogLevels) {
  ExpectInvalid(Parse({"--log-level", "verbose"}), "--log-level");
  ExpectInvalid(Parse({"--log-level", "INFO"}), "--log-level");
}

TEST(ParseServeArgsTest, RefusesPublicUrlsWithoutAScheme) {
  ExpectInvalid(Parse({"--public-url", "auth.example.com"}), "--public-url");
}

TEST(ParseServeArgsTest, RefusesUnknownFlags) { ExpectInvalid(Parse({"--port", "80"}), "guestpass serve --help"); }

TEST(ParseServeArgsTest, HelpIsReportedAsTheMessageHelp) {
  for (const char* flag : {"--help", "-h"}) {
    auto c = Parse({flag});
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.status().message(), "help");
  }
}

TEST(ParseServeArgsTest, TheDatabaseIsSQLiteUnlessAConnectionStringIsGiven) {
  auto c = Parse({});
  EXPECT_EQ(c->database, "");
  EXPECT_EQ(c->database_timeout_ms, 5000);
  EXPECT_EQ(c->database_pool, 4);
  c = Parse({"--database", "host=a,b dbname=gp target_session_attrs=read-write", "--database-timeout", "0.5",
             "--database-pool", "16"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->database, "host=a,b dbname=gp target_session_attrs=read-write");
  EXPECT_EQ(c->database_timeout_ms, 500);
  EXPECT_EQ(c->database_pool, 16);
  c = Parse({}, FakeEnv(Vars{{"GUESTPASS_DATABASE", "postgres://db/gp"}, {"GUESTPASS_DATABASE_TIMEOUT", "3"}}));
  EXPECT_EQ(c->database, "postgres://db/gp");
  EXPECT_EQ(c->database_timeout_ms, 3000);
  for (const char* bad : {"0", "0.05", "301", "-1", "5s", ""})
    ExpectInvalid(Parse({"--database-timeout", bad}), "--database-timeout");
  for (const char* bad : {"0", "65", "x"}) ExpectInvalid(Parse({"--database-pool", bad}), "--database-pool");
}

TEST(ParseListenTest, SplitsHostAndPort) {
  std::string host;
  uint16_t port = 0;
  ASSERT_TRUE(ParseListen("localhost:443", &host, &port).ok());
  EXPECT_EQ(host, "localhost");
  EXPECT_EQ(port, 443);
  ASSERT_TRUE(ParseListen("[2001:db8::1]:8443", &host, &port).ok());
  EXPECT_EQ(host, "2001:db8::1");
  EXPECT_EQ(port, 8443);
}

TEST(ServeHelpTest, ListsEveryOptionWithItsVariable) {
  const std::string help = ServeHelp();
  ASSERT_EQ(kServeOptions.size(), 25u);
  for (const auto& o : kServeOptions) {
    EXPECT_NE(help.find(std::string("--") + o.flag), std::string::npos) << o.flag;
    EXPECT_NE(help.find(o.env), std::string::npos) << o.env;
  }
}


TEST(ServerConfigTest, TheAdminPasswordComesFromAFileFlagOrTheEnvironmentOnly) {
  auto env = [](const char* name) -> const char* {
    if (std::string(name) == "GUESTPASS_ADMIN_PASSWORD") return "from-env";
    if (std::string(name) == "GUESTPASS_ADMIN_PASSWORD_FILE") return "/env/file";
    return nullptr;
  };
  auto c = ParseServeArgs({"--admin-password-file", "/flag/file"}, env);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->admin_password_file, "/flag/file");
  EXPECT_EQ(c->admin_password, "from-env");
  c = ParseServeArgs({}, env);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->admin_password_file, "/env/file");
  EXPECT_FALSE(ParseServeArgs({"--admin-password", "x"}, env).ok());  // never a flag: it would show in ps
}


TEST(ServerConfigTest, AdminOriginsAreOriginsOnly) {
  auto none = [](const char*) -> const char* { return nullptr; };
  auto c = ParseServeArgs({"--admin-origins", "https://a.example.com, http://localhost:3000/"}, none);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->admin_origins, (std::vector<std::string>{"https://a.example.com", "http://localhost:3000"}));
  EXPECT_FALSE(ParseServeArgs({"--admin-origins", "a.example.com"}, none).ok());
  EXPECT_FALSE(ParseServeArgs({"--admin-origins", "https://a.example.com/ui"}, none).ok());
  EXPECT_TRUE(ParseServeArgs({}, none)->admin_origins.empty());
}

}  // namespace
}  // namespace guestpass::config
