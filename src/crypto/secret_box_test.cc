// secret_box_test.cc: sealing and opening secrets, the binding to their
// place, and the master key file's format and permissions.
#include "crypto/secret_box.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "core/random.h"
#include "testutil/temp_dir.h"

namespace guestpass::crypto {
namespace {

std::array<uint8_t, kMasterKeyBytes> Key(uint8_t fill) {
  std::array<uint8_t, kMasterKeyBytes> k;
  k.fill(fill);
  return k;
}

TEST(SecretBoxTest, OpensWhatItSealedForTheSameContextOnly) {
  core::SeededRandom random(5);
  SecretBox box(Key(1));
  const std::string sealed = box.Seal("hunter2-signing-key", "app1/secret1", random);
  EXPECT_EQ(sealed.find("hunter2"), std::string::npos);
  EXPECT_EQ(sealed.size(), 24 + 19 + 16u);
  auto opened = box.Open(sealed, "app1/secret1");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(*opened, "hunter2-signing-key");
  EXPECT_FALSE(box.Open(sealed, "app1/secret2").ok()) << "a value moved to another row";
  EXPECT_FALSE(SecretBox(Key(2)).Open(sealed, "app1/secret1").ok()) << "another master key";
  std::string flipped = sealed;
  flipped[30] ^= 1;
  EXPECT_FALSE(box.Open(flipped, "app1/secret1").ok());
  EXPECT_FALSE(box.Open("short", "app1/secret1").ok());
  EXPECT_NE(box.Seal("x", "c", random), box.Seal("x", "c", random)) << "a fresh nonce each time";
  EXPECT_EQ(*box.Open(box.Seal("", "c", random), "c"), "");
}

TEST(SecretBoxTest, TheMasterKeyFileIsCreatedPrivateAndReadBack) {
  testutil::TempDir dir;
  const std::string path = dir.path() + "/master.key";
  core::SeededRandom random(9);
  auto created = CreateMasterKeyFile(path, random);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto read = ReadMasterKeyFile(path);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(*read, *created);
  EXPECT_FALSE(CreateMasterKeyFile(path, random).ok()) << "never over an existing key";
  ::chmod(path.c_str(), 0640);
  auto exposed = ReadMasterKeyFile(path);
  ASSERT_FALSE(exposed.ok());
  EXPECT_NE(exposed.status().message().find("chmod 600"), std::string::npos);
  EXPECT_FALSE(ReadMasterKeyFile(dir.path() + "/missing").ok());
}

TEST(SecretBoxTest, AMasterKeyIsSixtyFourHexDigits) {
  EXPECT_TRUE(ParseMasterKey(std::string(64, 'a')).ok());
  EXPECT_TRUE(ParseMasterKey(" " + std::string(64, '0') + "\n").ok());
  EXPECT_FALSE(ParseMasterKey(std::string(63, 'a')).ok());
  EXPECT_FALSE(ParseMasterKey(std::string(64, 'g')).ok());
  EXPECT_FALSE(ParseMasterKey("").ok());
}

}  // namespace
}  // namespace guestpass::crypto
