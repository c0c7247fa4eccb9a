// app_zip_test.cc: app files to a zip archive and back, byte-stable, and the
// archives from outside that are refused.
#include "config/app_zip.h"

#include <gtest/gtest.h>

namespace guestpass::config {
namespace {

TEST(AppZipTest, FilesSurviveARoundTripAndTheBytesAreStable) {
  const AppFiles files = {{"realm_config.json", "{\n    \"name\": \"x\"\n}\n"},
                          {"auth/providers.json", "{}\n"},
                          {"guestpass.json", std::string(100000, 'a')}};
  auto zip = ZipAppFiles(files);
  ASSERT_TRUE(zip.ok()) << zip.status().ToString();
  EXPECT_EQ(zip->substr(0, 4), std::string("PK\x03\x04", 4));
  auto again = ZipAppFiles(files);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*zip, *again);  // the same files, the same bytes
  auto back = UnzipAppFiles(*zip);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, files);
  EXPECT_TRUE(ZipAppFiles({}).ok());
}

TEST(AppZipTest, RefusesWhatIsNotASafeAppArchive) {
  EXPECT_FALSE(UnzipAppFiles("").ok());
  EXPECT_FALSE(UnzipAppFiles("not a zip at all").ok());
  auto zip = ZipAppFiles({{"a.json", "{}"}});
  ASSERT_TRUE(zip.ok());
  std::string damaged = *zip;
  damaged.resize(damaged.size() / 2);
  EXPECT_FALSE(UnzipAppFiles(damaged).ok());
  for (const char* path : {"../escape.json", "auth/../../x", "/etc/passwd"}) {
    auto bad = ZipAppFiles({{path, "{}"}});
    ASSERT_TRUE(bad.ok());
    auto read = UnzipAppFiles(*bad);
    ASSERT_FALSE(read.ok()) << path;
    EXPECT_NE(read.status().message().find("not a relative path"), std::string::npos) << read.status().message();
  }
  // A bomb: highly compressible bytes past the limit.
  auto bomb = ZipAppFiles({{"big.json", std::string(kMaxZipBytes + 1, ' ')}});
  ASSERT_TRUE(bomb.ok());
  EXPECT_LT(bomb->size(), 100000u);
  auto read = UnzipAppFiles(*bomb);
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.status().message().find("uncompressed"), std::string::npos);
}

}  // namespace
}  // namespace guestpass::config
