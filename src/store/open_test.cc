// open_test.cc: OpenStore: the data directory it makes, reopening, and the
// errors a wrong data directory gives.
#include "store/open.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "store/sync.h"
#include "testutil/temp_dir.h"

namespace guestpass::store {
namespace {

using core::Code;
namespace fs = std::filesystem;

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

core::App SomeApp() {
  core::App app;
  app.id = core::ObjectId::FromHex("65536f0a1b2c3d4e5f601234").value();
  app.client_app_id = "app-abcde";
  app.name = "app";
  app.created_at = 1'700'000'000;
  return app;
}

TEST(OpenStoreTest, CreatesAFreshDataDirWithMode0700) {
  testutil::TempDir tmp;
  const StoreLocation location{tmp.File("a/b/data")};
  auto store = OpenStore(location);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_TRUE(fs::is_directory(location.data_dir));
  EXPECT_EQ(ModeOf(location.data_dir), 0700u);
  EXPECT_TRUE(fs::exists(DatabasePath(location)));
  EXPECT_EQ(DatabasePath(location), location.data_dir + "/guestpass.db");
  EXPECT_EQ(SigningKeysPath(location), location.data_dir + "/signing_keys.json");
}

TEST(OpenStoreTest, MakesAnExistingDataDirPrivate) {
  testutil::TempDir tmp;
  const StoreLocation location{tmp.File("data")};
  ASSERT_TRUE(fs::create_directory(location.data_dir));
  ASSERT_EQ(::chmod(location.data_dir.c_str(), 0755), 0);
  ASSERT_TRUE(OpenStore(location).ok());
  EXPECT_EQ(ModeOf(location.data_dir), 0700u);
}

TEST(OpenStoreTest, ReopeningSeesTheSameData) {
  testutil::TempDir tmp;
  const StoreLocation location{tmp.File("data")};
  {
    auto store = OpenStore(location);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    const core::Status put = AwaitStatus([&](auto done) { (*store)->PutApp(SomeApp(), done); });
    ASSERT_TRUE(put.ok()) << put.ToString();
  }
  for (OpenMode mode : {OpenMode::kCreate, OpenMode::kExisting}) {
    auto store = OpenStore(location, mode);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto apps = Await<std::vector<core::App>>([&](auto done) { (*store)->ListApps(done); });
    ASSERT_TRUE(apps.ok()) << apps.status().ToString();
    ASSERT_EQ(apps->size(), 1u);
    EXPECT_EQ(apps->front().client_app_id, "app-abcde");
  }
}

TEST(OpenStoreTest, ADataDirThatIsAFileFailsWithAClearMessage) {
  testutil::TempDir tmp;
  const StoreLocation location{tmp.File("not-a-dir")};
  std::ofstream(location.data_dir) << "x";
  auto store = OpenStore(location);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(store.status().message(), "data dir " + location.data_dir + " exists but is not a directory");
}

TEST(OpenStoreTest, ExistingModeNeverCreatesAStore) {
  testutil::TempDir tmp;
  const StoreLocation location{tmp.File("missing")};
  auto store = OpenStore(location, OpenMode::kExisting);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Code::kNotFound);
  EXPECT_EQ(store.status().message(), "no guestpass database at " + DatabasePath(location));
  EXPECT_FALSE(fs::exists(location.data_dir));
}

}  // namespace
}  // namespace guestpass::store
