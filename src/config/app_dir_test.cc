// app_dir_test.cc: loading app directories in the App Services export layout
// and the messages that name the file and field of every mistake.
#include "config/app_dir.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "testutil/temp_dir.h"

namespace guestpass::config {
namespace {

namespace fs = std::filesystem;
using core::Code;

class AppDirTest : public ::testing::Test {
 protected:
  void Write(const std::string& relative, const std::string& text) {
    const fs::path path = fs::path(dir_.path()) / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
  }
  std::string Path(const std::string& relative) const { return (fs::path(dir_.path()) / relative).string(); }
  void WriteRoot() { Write("root_config.json", R"({"name": "myapp", "app_id": "myapp-abcde"})"); }

  // LoadAppDir must fail with a message holding every one of `parts`.
  void ExpectInvalid(const std::vector<std::string>& parts) {
    auto def = LoadAppDir(dir_.path());
    ASSERT_FALSE(def.ok());
    EXPECT_EQ(def.status().code(), Code::kInvalidArgument);
    EXPECT_EQ(def.status().error_code(), core::ErrorCode::kInvalidParameter);
    for (const auto& part : parts)
      EXPECT_NE(def.status().message().find(part), std::string::npos)
          << "missing \"" << part << "\" in: " << def.status().message();
  }

  testutil::TempDir dir_;
};

TEST_F(AppDirTest, LoadsRootConfigAndProviders) {
  Write("root_config.json",
        R"({"name": "myapp", "app_id": "myapp-abcde", "deployment_model": "LOCAL", "location": "IE"})");
  Write("auth/providers.json", R"({
    "local-userpass": {"name": "local-userpass", "type": "local-userpass", "disabled": true,
                       "config": {"autoConfirm": true}},
    "anon-user": {"name": "anon-user", "type": "anon-user", "disabled": false}
  })");
  auto def = LoadAppDir(dir_.path());
  ASSERT_TRUE(def.ok()) << def.status().ToString();
  EXPECT_EQ(def->source_dir, dir_.path());
  EXPECT_EQ(def->name, "myapp");
  EXPECT_EQ(def->client_app_id, "myapp-abcde");
  EXPECT_EQ(def->deployment_model, "LOCAL");
  EXPECT_EQ(def->location, "IE");
  ASSERT_EQ(def->providers.size(), 2u);
  EXPECT_EQ(def->providers[0].name, "anon-user");
  EXPECT_EQ(def->providers[0].type, "anon-user");
  EXPECT_FALSE(def->providers[0].disabled);
  EXPECT_EQ(def->providers[0].config_json, "{}");
  EXPECT_TRUE(def->providers[0].id.IsZero());
  EXPECT_EQ(def->providers[1].name, "local-userpass");
  EXPECT_TRUE(def->providers[1].disabled);
  EXPECT_EQ(def->providers[1].config_json, R"({"autoConfirm":true})");
}

TEST_F(AppDirTest, LoadsTheLegacyRealmConfig) {
  Write("realm_config.json", R"({"name": "legacy", "app_id": "legacy-abcde"})");
  auto def = LoadAppDir(dir_.path());
  ASSERT_TRUE(def.ok()) << def.status().ToString();
  EXPECT_EQ(def->name, "legacy");
  EXPECT_EQ(def->client_app_id, "legacy-abcde");
  EXPECT_EQ(def->deployment_model, "");
  EXPECT_EQ(def->location, "");
  EXPECT_TRUE(def->providers.empty());
}

TEST_F(AppDirTest, PrefersRootConfigOverRealmConfig) {
  WriteRoot();
  Write("realm_config.json", R"({"name": "legacy", "app_id": "legacy-abcde"})");
  auto def = LoadAppDir(dir_.path());
  ASSERT_TRUE(def.ok()) << def.status().ToString();
  EXPECT_EQ(def->client_app_id, "myapp-abcde");
}

TEST_F(AppDirTest, RefusesADirectoryWithoutConfig) {
  ExpectInvalid({Path("root_config.json"), "neither root_config.json nor realm_config.json"});
}

TEST_F(AppDirTest, RefusesAPathThatIsNotADirectory) {
  auto def = LoadAppDir(Path("nothing-here"));
  ASSERT_FALSE(def.ok());
  EXPECT_NE(def.status().message().find(Path("nothing-here") + ": is not a directory"), std::string::npos)
      << def.status().message();
}

TEST_F(AppDirTest, MissingNameNamesTheFileAndField) {
  Write("root_config.json", R"({"app_id": "myapp-abcde"})");
  ExpectInvalid({Path("root_config.json"), "field 'name'", "is required"});
}

TEST_F(AppDirTest, BadNameNamesTheFileAndField) {
  Write("root_config.json", R"({"name": "my app", "app_id": "myapp-abcde"})");
  ExpectInvalid({Path("root_config.json"), "field 'name'"});
  Write("root_config.json", R"({"name": 5, "app_id": "myapp-abcde"})");
  ExpectInvalid({Path("root_config.json"), "field 'name'"});
}

TEST_F(AppDirTest, BadAppIdNamesTheFileAndField) {
  for (const char* bad : {R"("MyApp")", R"("my_app")", R"("-myapp")", R"("")", "42"}) {
    Write("root_config.json", std::string(R"({"name": "myapp", "app_id": )") + bad + "}");
    ExpectInvalid({Path("root_config.json"), "field 'app_id'"});
  }
  Write("root_config.json", R"({"name": "myapp"})");
  ExpectInvalid({Path("root_config.json"), "field 'app_id'", "is required"});
}

TEST_F(AppDirTest, NonStringLocationNamesTheField) {
  Write("root_config.json", R"({"name": "myapp", "app_id": "myapp-abcde", "location": 3})");
  ExpectInvalid({Path("root_config.json"), "field 'location'", "must be a string"});
}

TEST_F(AppDirTest, InvalidRootJsonNamesTheFile) {
  Write("root_config.json", R"({"name": "myapp",)");
  ExpectInvalid({Path("root_config.json"), "is not valid JSON"});
}

TEST_F(AppDirTest, ProviderNameMustEqualItsKey) {
  WriteRoot();
  Write("auth/providers.json", R"({"anon-user": {"name": "anon", "type": "anon-user"}})");
  ExpectInvalid({Path("auth/providers.json"), "field 'anon-user.name'", "must equal its key \"anon-user\""});
}

TEST_F(AppDirTest, ProviderTypeMustEqualItsName) {
  WriteRoot();
  Write("auth/providers.json", R"({"anon-user": {"name": "anon-user", "type": "api-key"}})");
  ExpectInvalid({Path("auth/providers.json"), "field 'anon-user.type'", "must equal the provider name"});
}

TEST_F(AppDirTest, UnknownProviderTypeIsRefused) {
  WriteRoot();
  Write("auth/providers.json", R"({"foo": {"name": "foo", "type": "foo"}})");
  ExpectInvalid({Path("auth/providers.json"), "field 'foo.type'", "unknown provider type \"foo\""});
}

TEST_F(AppDirTest, DisabledMustBeABoolean) {
  WriteRoot();
  Write("auth/providers.json", R"({"anon-user": {"name": "anon-user", "type": "anon-user", "disabled": "no"}})");
  ExpectInvalid({Path("auth/providers.json"), "field 'anon-user.disabled'", "must be true or false"});
}

TEST_F(AppDirTest, ConfigMustBeAnObject) {
  WriteRoot();
  Write("auth/providers.json", R"({"anon-user": {"name": "anon-user", "type": "anon-user", "config": []}})");
  ExpectInvalid({Path("auth/providers.json"), "field 'anon-user.config'"});
}

TEST_F(AppDirTest, SecretConfigNamesSecretsAndMustBeAnObject) {
  WriteRoot();
  Write("auth/providers.json", R"({"custom-token": {"name": "custom-token", "type": "custom-token",
    "config": {"signingAlgorithm": "HS256"}, "secret_config": {"signingKeys": ["jwt-key"]}}})");
  auto def = LoadAppDir(dir_.path());
  ASSERT_TRUE(def.ok()) << def.status().ToString();
  EXPECT_EQ(def->providers[0].secret_config_json, R"({"signingKeys":["jwt-key"]})");
  Write("auth/providers.json", R"({"custom-token": {"name": "custom-token", "type": "custom-token",
    "secret_config": ["jwt-key"]}})");
  ExpectInvalid({Path("auth/providers.json"), "field 'custom-token.secret_config'", "must be an object"});
}

TEST_F(AppDirTest, MissingProviderFieldsAreNamed) {
  WriteRoot();
  Write("auth/providers.json", R"({"anon-user": {"type": "anon-user"}})");
  ExpectInvalid({Path("auth/providers.json"), "field 'anon-user.name'", "is required"});
  Write("auth/providers.json", R"({"anon-user": {"name": "anon-user"}})");
  ExpectInvalid({Path("auth/providers.json"), "field 'anon-user.type'", "is required"});
  Write("auth/providers.json", R"({"anon-user": true})");
  ExpectInvalid({Path("auth/providers.json"), "field 'anon-user'", "must be an object"});
}

TEST_F(AppDirTest, InvalidProvidersJsonNamesTheFile) {
  WriteRoot();
  Write("auth/providers.json", R"({"anon-user": )");
  ExpectInvalid({Path("auth/providers.json"), "is not valid JSON"});
  Write("auth/providers.json", R"([])");
  ExpectInvalid({Path("auth/providers.json"), "must hold a JSON object"});
}

TEST(ClientAppIdTest, AcceptsLowercaseLettersDigitsAndDashes) {
  EXPECT_TRUE(IsValidClientAppId("myapp-abcde"));
  EXPECT_TRUE(IsValidClientAppId("0app"));
  EXPECT_TRUE(IsValidClientAppId(std::string(64, 'a')));
  EXPECT_FALSE(IsValidClientAppId(std::string(65, 'a')));
  EXPECT_FALSE(IsValidClientAppId(""));
  EXPECT_FALSE(IsValidClientAppId("-app"));
  EXPECT_FALSE(IsValidClientAppId("App"));
  EXPECT_FALSE(IsValidClientAppId("my_app"));
  EXPECT_FALSE(IsValidClientAppId("my app"));
  EXPECT_FALSE(IsValidClientAppId("app/../x"));
}


TEST(AppFilesTest, AnExportParsesBackToTheSameConfiguration) {
  core::App app;
  app.client_app_id = "round-abcde";
  app.name = "round";
  app.settings.refresh_token_ttl_seconds = 7200;
  app.settings.location = "IE";
  app.settings.deployment_model = "LOCAL";
  app.settings.anonymous_session_expiry = core::AnonymousSessionExpiry::kFixed;
  app.settings.anonymous_signups_per_hour = 12.5;
  app.settings.anonymous_inactive_days = 0;
  app.settings.anonymous_user_cap = 1000;
  app.providers.push_back({core::ObjectId(), "anon-user", "anon-user", true, "{}", "[]"});
  app.providers.push_back({core::ObjectId(), "custom-token", "custom-token", false,
                           R"({"audience":["a"],"signingAlgorithm":"HS256"})",
                           R"([{"name":"email","required":true}])"});
  app.providers.back().secret_config_json = R"({"signingKeys":["jwt-key"]})";
  // A snapshot's resolved values are never exported.
  app.providers.back().resolved_config_json = R"({"signingKeys":["the-key-material"]})";
  const AppFiles files = ExportAppFiles(app);
  EXPECT_EQ(ExportAppFiles(app), files);  // deterministic
  auto def = ParseAppFiles(files, "");
  ASSERT_TRUE(def.ok()) << def.status().ToString();
  EXPECT_EQ(def->client_app_id, app.client_app_id);
  EXPECT_EQ(def->name, app.name);
  EXPECT_EQ(def->location, "IE");
  EXPECT_EQ(def->deployment_model, "LOCAL");
  EXPECT_EQ(def->settings.refresh_token_ttl_seconds, 7200);
  EXPECT_EQ(def->settings.anonymous_session_expiry, core::AnonymousSessionExpiry::kFixed);
  EXPECT_EQ(def->settings.anonymous_signups_per_hour, 12.5);
  EXPECT_FALSE(def->settings.anonymous_signup_burst.has_value());
  EXPECT_EQ(def->settings.anonymous_inactive_days, 0);
  EXPECT_EQ(def->settings.anonymous_user_cap, 1000);
  ASSERT_EQ(def->providers.size(), 2u);
  EXPECT_EQ(def->providers[0].name, "anon-user");
  EXPECT_TRUE(def->providers[0].disabled);
  EXPECT_EQ(def->providers[1].config_json, app.providers[1].config_json);
  EXPECT_EQ(def->providers[1].metadata_fields_json, app.providers[1].metadata_fields_json);
  EXPECT_EQ(def->providers[1].secret_config_json, app.providers[1].secret_config_json);
  EXPECT_EQ(def->providers[0].secret_config_json, "{}");
  for (const auto& [path, text] : files) EXPECT_EQ(text.find("the-key-material"), std::string::npos) << path;
  EXPECT_NE(files.at("auth/providers.json").find("\"anon-user\": {"), std::string::npos);
}

// nlohmann's parser stops at a NUL byte: without the check, everything
// after one was ignored (found by fuzz/json_text_fuzzer.cc).
TEST(AppFilesTest, ANulByteIsNotTheEndOfAFile) {
  auto def = ParseAppFiles({{"root_config.json", std::string("{\"name\": \"x\", \"app_id\": \"x\"}\0garbage", 36)}}, "");
  ASSERT_FALSE(def.ok());
  EXPECT_EQ(def.status().message(), "root_config.json: is not valid JSON: it holds a NUL byte");
}

// A number past a double's range is nlohmann's out_of_range, not its
// parse_error: it escaped as an exception and ended `guestpass serve
// --app-dir` and `guestpass push` (found by fuzz/app_files_fuzzer.cc).
TEST(AppFilesTest, ANumberPastADoublesRangeIsInvalidJson) {
  for (const char* file : {"root_config.json", "auth/providers.json", "guestpass.json"}) {
    AppFiles files = {{"root_config.json", R"({"name": "x", "app_id": "x"})"}};
    files[file] = R"({"name": "x", "app_id": "x", "n": 1e808})";
    auto def = ParseAppFiles(files, "");
    ASSERT_FALSE(def.ok()) << file;
    EXPECT_EQ(def.status().message().rfind(std::string(file) + ": is not valid JSON", 0), 0u) << def.status().message();
  }
}

TEST(AppFilesTest, ErrorsNameTheFileWithoutADirectory) {
  auto def = ParseAppFiles({{"realm_config.json", R"({"name": "x", "app_id": "BAD"})"}}, "");
  ASSERT_FALSE(def.ok());
  EXPECT_EQ(def.status().message().rfind("realm_config.json: field 'app_id'", 0), 0u) << def.status().message();
}

TEST(SettingsJsonTest, AppliesTheNamedSettingsAndKeepsTheOthers) {
  core::AppSettings settings;
  settings.anonymous_user_cap = 7;
  settings.anonymous_signups_per_hour = 10;
  settings.location = "IE";
  ASSERT_TRUE(ApplySettingsJson(R"({"refresh_token_expiration_seconds": 3600,
      "anonymous": {"delete_after_inactive_days": "never", "signups_per_hour": null, "signup_burst": 3}})",
                                "settings", &settings)
                  .ok());
  EXPECT_EQ(settings.refresh_token_ttl_seconds, 3600);
  EXPECT_EQ(settings.anonymous_inactive_days, 0);
  EXPECT_FALSE(settings.anonymous_signups_per_hour.has_value()) << "null: the server's default";
  EXPECT_EQ(settings.anonymous_signup_burst, 3);
  EXPECT_EQ(settings.anonymous_user_cap, 7) << "not named: kept";
  EXPECT_EQ(settings.location, "IE");

  core::AppSettings copy = settings;
  ASSERT_TRUE(ApplySettingsJson(SettingsJson(settings), "settings", &copy).ok());
  EXPECT_EQ(SettingsJson(copy), SettingsJson(settings)) << "SettingsJson reads back as it was";
}

TEST(SettingsJsonTest, RefusalsNameTheFieldAndItsBounds) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"refresh_token_expiration_seconds": 60})", "settings: field 'refresh_token_expiration_seconds': must be"},
      {R"({"anonymous": {"max_users": -1}})", "settings: field 'anonymous.max_users'"},
      {R"({"anonymous": {"delete_after_inactive_days": 4000}})", "field 'anonymous.delete_after_inactive_days'"},
      {R"({"anonymous": {"session_expiry": "sometimes"}})", "field 'anonymous.session_expiry'"},
      {R"({"anonymous": {"signup_burst": "many"}})", "field 'anonymous.signup_burst'"},
      {R"({"colour": "blue"})", "field 'colour': is not a known setting"},
      {R"([1])", "settings: must hold a JSON object"},
  };
  for (const auto& [json_text, expected] : cases) {
    core::AppSettings settings;
    core::Status s = ApplySettingsJson(json_text, "settings", &settings);
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << json_text;
    EXPECT_NE(s.message().find(expected), std::string::npos) << json_text << " -> " << s.message();
  }
}

}  // namespace
}  // namespace guestpass::config
