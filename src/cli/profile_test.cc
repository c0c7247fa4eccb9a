// profile_test.cc: profile files: round trip, modes 0600 and 0700 whatever
// the umask, atomic replacement, and the refusals of files that are not
// profiles.
#include "cli/profile.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "testutil/temp_dir.h"

namespace guestpass::cli {
namespace {

namespace fs = std::filesystem;

mode_t ModeOf(const std::string& path) {
  struct stat st;
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

std::string Read(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

Profile Sample() {
  Profile p;
  p.url = "http://127.0.0.1:8080";
  p.group_id = "64b7f0c2a1b2c3d4e5f60718";
  p.username = "admin";
  p.access_token = "access.token.value";
  p.refresh_token = "refresh.token.value";
  return p;
}

// Sets the umask for one test and restores it.
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : saved_(::umask(mask)) {}
  ~ScopedUmask() { ::umask(saved_); }

 private:
  mode_t saved_;
};

class ProfileStoreTest : public ::testing::Test {
 protected:
  testutil::TempDir tmp_;
  std::string dir_ = tmp_.File("config/guestpass");
  ProfileStore store_{dir_};
};

TEST_F(ProfileStoreTest, SavesAndLoadsEveryField) {
  Profile p = Sample();
  p.api_key = "pub";
  p.private_api_key = "priv-secret";
  ASSERT_TRUE(store_.Save("default", p).ok());
  auto loaded = store_.Load("default");
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ(loaded->url, p.url);
  EXPECT_EQ(loaded->group_id, p.group_id);
  EXPECT_EQ(loaded->username, p.username);
  EXPECT_EQ(loaded->api_key, "pub");
  EXPECT_EQ(loaded->private_api_key, "priv-secret");
  EXPECT_EQ(loaded->access_token, p.access_token);
  EXPECT_EQ(loaded->refresh_token, p.refresh_token);
  EXPECT_TRUE(loaded->logged_in());
  EXPECT_EQ(store_.PathOf("default"), dir_ + "/default.json");
}

TEST_F(ProfileStoreTest, FileIs0600AndDirectory0700WhateverTheUmask) {
  ScopedUmask open_umask(0);
  ASSERT_TRUE(store_.Save("default", Sample()).ok());
  EXPECT_EQ(ModeOf(store_.PathOf("default")), 0600u);
  EXPECT_EQ(ModeOf(dir_), 0700u);
}

TEST_F(ProfileStoreTest, NarrowsAnExistingDirectoryAndReplacesAWiderFile) {
  fs::create_directories(dir_);
  ::chmod(dir_.c_str(), 0755);
  { std::ofstream(store_.PathOf("default")) << "{}"; }
  ::chmod(store_.PathOf("default").c_str(), 0644);
  ASSERT_TRUE(store_.Save("default", Sample()).ok());
  EXPECT_EQ(ModeOf(dir_), 0700u);
  EXPECT_EQ(ModeOf(store_.PathOf("default")), 0600u);
}

TEST_F(ProfileStoreTest, ReplacesTheFileByRenameAndLeavesNoTemporaryFile) {
  ASSERT_TRUE(store_.Save("default", Sample()).ok());
  const std::string before = Read(store_.PathOf("default"));
  // A second name for the old file: an in-place write would change it too.
  const std::string old_link = tmp_.File("old-profile");
  ASSERT_EQ(::link(store_.PathOf("default").c_str(), old_link.c_str()), 0);
  Profile p = Sample();
  p.access_token = "a-new-access-token";
  ASSERT_TRUE(store_.Save("default", p).ok());
  EXPECT_EQ(Read(old_link), before);
  EXPECT_EQ(store_.Load("default")->access_token, "a-new-access-token");
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir_)) names.push_back(entry.path().filename().string());
  EXPECT_EQ(names, std::vector<std::string>{"default.json"});
}

TEST_F(ProfileStoreTest, NeverWritesAPasswordField) {
  ASSERT_TRUE(store_.Save("default", Sample()).ok());
  EXPECT_EQ(Read(store_.PathOf("default")).find("password"), std::string::npos);
}

TEST_F(ProfileStoreTest, ProfilesAreSeparateFiles) {
  Profile other = Sample();
  other.url = "https://other.example";
  ASSERT_TRUE(store_.Save("default", Sample()).ok());
  ASSERT_TRUE(store_.Save("staging", other).ok());
  EXPECT_EQ(store_.Load("staging")->url, "https://other.example");
  EXPECT_EQ(store_.Load("default")->url, "http://127.0.0.1:8080");
}

TEST_F(ProfileStoreTest, AMissingProfileIsNotFound) {
  auto loaded = store_.Load("default");
  ASSERT_FALSE(loaded.ok());
  EXPECT_TRUE(loaded.status().IsNotFound());
}

TEST_F(ProfileStoreTest, RefusesFilesThatAreNotProfiles) {
  fs::create_directories(dir_);
  { std::ofstream(store_.PathOf("garbled")) << "{not json"; }
  { std::ofstream(store_.PathOf("typed")) << R"({"url": 5})"; }
  EXPECT_EQ(store_.Load("garbled").status().code(), core::Code::kInvalidArgument);
  EXPECT_EQ(store_.Load("typed").status().code(), core::Code::kInvalidArgument);
}

TEST_F(ProfileStoreTest, RefusesNamesThatAreNotFileNames) {
  for (const std::string& name : std::vector<std::string>{"", "../x", "a/b", ".hidden", std::string(65, 'a')}) {
    EXPECT_FALSE(IsValidProfileName(name)) << name;
    EXPECT_FALSE(store_.Save(name, Sample()).ok()) << name;
    EXPECT_EQ(store_.Load(name).status().code(), core::Code::kInvalidArgument) << name;
  }
  EXPECT_TRUE(IsValidProfileName("staging-2.eu_west"));
}

TEST(ProfileDirTest, FollowsXdgConfigHomeThenHome) {
  auto env = [](std::map<std::string, std::string> vars) {
    return [vars](const char* name) -> const char* {
      auto it = vars.find(name);
      return it == vars.end() ? nullptr : it->second.c_str();
    };
  };
  EXPECT_EQ(*ProfileStore::DefaultDir(env({{"XDG_CONFIG_HOME", "/x/cfg"}, {"HOME", "/home/a"}})), "/x/cfg/guestpass");
  // The XDG spec ignores a relative path.
  EXPECT_EQ(*ProfileStore::DefaultDir(env({{"XDG_CONFIG_HOME", "cfg"}, {"HOME", "/home/a"}})),
            "/home/a/.config/guestpass");
  EXPECT_EQ(*ProfileStore::DefaultDir(env({{"HOME", "/home/a"}})), "/home/a/.config/guestpass");
}

}  // namespace
}  // namespace guestpass::cli
