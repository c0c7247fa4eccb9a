// app_files_test.cc: the admin CLI's app directories: pulled files written
// under a directory (others kept, unchanged files untouched, paths outside
// refused before any write), the push document a directory makes, and the
// diffs a push would deploy, guestpass.json included.
#include "cli/app_files.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "testutil/temp_dir.h"

namespace guestpass::cli {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// The export of app shop-abcde with anon-user on: what the server sends.
config::AppFiles RemoteExport() {
  core::App app;
  app.client_app_id = "shop-abcde";
  app.name = "shop";
  core::ProviderConfig anon;
  anon.name = anon.type = "anon-user";
  core::ProviderConfig key;
  key.name = key.type = "api-key";
  key.disabled = true;
  app.providers = {key, anon};
  app.settings.anonymous_user_cap = 10;
  return config::ExportAppFiles(app);
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

TEST(WriteAppFilesTest, WritesUnderTheDirectoryAndKeepsOtherFiles) {
  testutil::TempDir tmp;
  const std::string dir = tmp.File("app/nested");  // created with its parents
  const config::AppFiles files = RemoteExport();
  auto written = WriteAppFiles(dir, files);
  ASSERT_TRUE(written.ok()) << written.status().message();
  EXPECT_EQ(written->size(), files.size());
  for (const auto& [path, bytes] : files) EXPECT_EQ(Slurp(dir + "/" + path), bytes) << path;

  std::ofstream(dir + "/README.md") << "mine\n";
  std::ofstream(dir + "/auth/notes.txt") << "also mine\n";
  const auto before = fs::last_write_time(dir + "/auth/providers.json");
  config::AppFiles changed = files;
  changed["guestpass.json"] = "{}\n";
  auto again = WriteAppFiles(dir, changed);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, std::vector<std::string>{"guestpass.json"});  // the others hold those bytes already
  EXPECT_EQ(fs::last_write_time(dir + "/auth/providers.json"), before);
  EXPECT_EQ(Slurp(dir + "/guestpass.json"), "{}\n");
  EXPECT_EQ(Slurp(dir + "/README.md"), "mine\n");
  EXPECT_EQ(Slurp(dir + "/auth/notes.txt"), "also mine\n");
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    EXPECT_EQ(entry.path().string().find(".guestpass-tmp"), std::string::npos) << entry.path();
}

TEST(WriteAppFilesTest, RefusesPathsOutsideTheDirectoryBeforeWritingAnything) {
  testutil::TempDir tmp;
  const std::string dir = tmp.File("app");
  for (const std::string bad : {"../evil.json", "/etc/evil.json", "auth/../../evil.json", "a//b", "./x", ""}) {
    config::AppFiles files = {{"realm_config.json", "{}"}, {bad, "x"}};
    auto written = WriteAppFiles(dir, files);
    EXPECT_EQ(written.status().code(), core::Code::kInvalidArgument) << bad;
    EXPECT_FALSE(fs::exists(dir)) << bad;
  }
  EXPECT_FALSE(fs::exists(tmp.File("evil.json")));
}

TEST(PushDocumentTest, IsTheRootFileTheProvidersAsAnArrayAndTheSettings) {
  config::AppFiles files = {
      {"realm_config.json", R"({"app_id": "shop-abcde", "name": "shop", "location": "IE", "config_version": 20210101})"},
      {"auth/providers.json",
       R"({"anon-user": {"name": "anon-user", "type": "anon-user", "disabled": false},
           "api-key": {"name": "api-key", "type": "api-key", "disabled": true}})"},
      {"guestpass.json", R"({"anonymous": {"max_users": 5}})"},
      {"notes.txt", "not read"}};
  auto doc = PushDocument(files, "dir");
  ASSERT_TRUE(doc.ok()) << doc.status().message();
  EXPECT_EQ(*doc, json::parse(R"({
      "app_id": "shop-abcde", "name": "shop", "location": "IE",
      "auth_providers": [{"name": "anon-user", "type": "anon-user", "disabled": false},
                         {"name": "api-key", "type": "api-key", "disabled": true}],
      "guestpass": {"anonymous": {"max_users": 5}}})"));

  // Without guestpass.json the app keeps its settings; without providers.json it has none.
  files.erase("guestpass.json");
  files.erase("auth/providers.json");
  auto bare = PushDocument(files, "dir");
  ASSERT_TRUE(bare.ok());
  EXPECT_FALSE(bare->contains("guestpass"));
  EXPECT_EQ((*bare)["auth_providers"], json::array());

  // root_config.json (the appservices layout) is read too.
  auto root = PushDocument({{"root_config.json", R"({"app_id": "shop-abcde", "name": "shop"})"}}, "dir");
  ASSERT_TRUE(root.ok());
  EXPECT_EQ((*root)["app_id"], "shop-abcde");
}

TEST(PushDocumentTest, AnInvalidDirectoryNamesTheFileAndField) {
  auto doc = PushDocument({{"realm_config.json", R"({"app_id": "shop-abcde", "name": "shop"})"},
                           {"auth/providers.json", R"({"magic": {"name": "magic", "type": "magic"}})"}},
                          "dir");
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().message(), "dir/auth/providers.json: field 'magic.type': unknown provider type \"magic\"");
  EXPECT_FALSE(PushDocument({}, "dir").ok());
}

TEST(PushDiffsTest, TheExportItselfPushesNothing) {
  const config::AppFiles remote = RemoteExport();
  auto diffs = PushDiffs(remote, remote, "dir");
  ASSERT_TRUE(diffs.ok()) << diffs.status().message();
  EXPECT_TRUE(diffs->empty());

  // Nor does a directory that says the same in its own words: another
  // layout, another order, defaults left out, no guestpass.json.
  config::AppFiles mine = {
      {"root_config.json", R"({"name": "shop", "app_id": "shop-abcde"})"},
      {"auth/providers.json",
       R"({"api-key": {"type": "api-key", "name": "api-key", "disabled": true, "config": {}},
           "anon-user": {"type": "anon-user", "name": "anon-user"}})"}};
  auto same = PushDiffs(mine, remote, "dir");
  ASSERT_TRUE(same.ok()) << same.status().message();
  EXPECT_TRUE(same->empty()) << (same->empty() ? "" : same->front());
}

TEST(PushDiffsTest, ShowsProviderAndSettingsChanges) {
  const config::AppFiles remote = RemoteExport();
  config::AppFiles mine = remote;
  mine["auth/providers.json"] = R"({"api-key": {"name": "api-key", "type": "api-key", "disabled": true},
                                    "anon-user": {"name": "anon-user", "type": "anon-user", "disabled": true}})";
  auto diffs = PushDiffs(mine, remote, "dir");
  ASSERT_TRUE(diffs.ok());
  ASSERT_EQ(diffs->size(), 1u);
  EXPECT_NE(diffs->front().find("+++ b/auth/providers.json"), std::string::npos) << diffs->front();
  EXPECT_NE(diffs->front().find("+        \"disabled\": true"), std::string::npos) << diffs->front();

  mine = remote;
  mine["guestpass.json"] = R"({"anonymous": {"max_users": 7}})";  // the rest: defaults
  auto settings = PushDiffs(mine, remote, "dir");
  ASSERT_TRUE(settings.ok());
  ASSERT_EQ(settings->size(), 1u);
  EXPECT_NE(settings->front().find("+++ b/guestpass.json"), std::string::npos);
  EXPECT_NE(settings->front().find("+        \"max_users\": 7"), std::string::npos) << settings->front();
}

TEST(PushDiffsTest, RefusesAnotherAppsDirectory) {
  config::AppFiles mine = RemoteExport();
  mine["realm_config.json"] = R"({"app_id": "other-abcde", "name": "other"})";
  auto diffs = PushDiffs(mine, RemoteExport(), "dir");
  ASSERT_FALSE(diffs.ok());
  EXPECT_EQ(diffs.status().message(), "dir is app 'other-abcde', not 'shop-abcde'");
}

}  // namespace
}  // namespace guestpass::cli
