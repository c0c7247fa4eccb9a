// output_test.cc: the admin CLI's readable output: aligned columns, times,
// redaction and the tables of the Admin API's objects.
#include "cli/output.h"

#include <gtest/gtest.h>

namespace guestpass::cli {
namespace {

using nlohmann::json;

TEST(TableTest, AlignsColumnsWithoutTrailingSpaces) {
  Table table({"ID", "NAME", "X"});
  table.Add({"1", "a-long-name", ""});
  table.Add({"12345", "b", "z"});
  EXPECT_EQ(table.Render(),
            "ID     NAME         X\n"
            "1      a-long-name\n"
            "12345  b            z\n");
}

TEST(FormatTest, TimesAreUtcIso8601) {
  EXPECT_EQ(FormatTime(1795428000), "2026-11-23T10:00:00Z");
  EXPECT_EQ(FormatTime(0), "-");
}

TEST(FormatTest, RedactKeepsTheLastFourCharactersOfLongSecrets) {
  EXPECT_EQ(Redact("0123456789abcdef"), "************cdef");
  EXPECT_EQ(Redact("short"), "*****");
  EXPECT_EQ(Redact(""), "");
}

TEST(RenderTest, UsersShowProvidersOnceAndStatus) {
  json users = json::parse(R"([
    {"_id":"u1","type":"normal","disabled":false,"creation_date":1795428000,"last_authentication_date":1795428060,
     "identities":[{"provider_type":"anon-user"},{"provider_type":"local-userpass"},{"provider_type":"anon-user"}]},
    {"_id":"u2","type":"normal","disabled":true,"creation_date":1795428000,"identities":[]}
  ])");
  EXPECT_EQ(UsersTable(users),
            "ID  TYPE    PROVIDERS                 STATUS    CREATED               LAST AUTHENTICATED\n"
            "u1  normal  anon-user,local-userpass  enabled   2026-11-23T10:00:00Z  2026-11-23T10:01:00Z\n"
            "u2  normal                            disabled  2026-11-23T10:00:00Z\n");
}

TEST(RenderTest, AppsProvidersAndDeployments) {
  EXPECT_EQ(AppsTable(json::parse(R"([{"client_app_id":"shop-abcde","name":"shop","_id":"a1","last_used":1795428000}])")),
            "CLIENT APP ID  NAME  _ID  CREATED\n"
            "shop-abcde     shop  a1   2026-11-23T10:00:00Z\n");
  EXPECT_EQ(ProvidersTable(json::parse(R"([{"name":"api-key","type":"api-key","disabled":true,"_id":"p1"}])")),
            "NAME     TYPE     ENABLED  _ID\n"
            "api-key  api-key  no       p1\n");
  EXPECT_EQ(DeploymentsTable(json::parse(
                R"([{"_id":"d1","status":"failed","origin":"CLI","deployed_at":1795428000,"status_error_message":"bad"}])")),
            "ID  STATUS  ORIGIN  DEPLOYED AT           ERROR\n"
            "d1  failed  CLI     2026-11-23T10:00:00Z  bad\n");
}

TEST(RenderTest, MissingOrMistypedFieldsAreBlank) {
  const std::string table = AppsTable(json::parse(R"([{"name":["hidden"],"_id":7}])"));
  EXPECT_EQ(table.find("hidden"), std::string::npos);
  EXPECT_EQ(table.substr(table.find('\n') + 1), std::string(21, ' ') + "7\n");
}

}  // namespace
}  // namespace guestpass::cli
