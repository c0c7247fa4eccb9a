// key_ring_test.cc: the signing key file: creation with mode 0600, reload,
// and refusal of unsafe or malformed files; active-key selection.
#include "token/key_ring.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/random.h"
#include "crypto/encoding.h"
#include "testutil/temp_dir.h"
#include "token/token_service.h"

namespace guestpass::token {
namespace {

using core::Code;

void WriteFile(const std::string& path, const std::string& text, mode_t mode) {
  std::ofstream(path) << text;
  ASSERT_EQ(::chmod(path.c_str(), mode), 0);
}

std::string ValidKeyFile(const std::string& kid) {
  const std::string secret = crypto::Base64UrlEncode(std::string(32, 'k'));
  return nlohmann::json{{"active", kid},
                        {"keys", {{{"kid", kid}, {"alg", "HS256"}, {"secret", secret}, {"created_at", 1}}}}}
      .dump();
}

class KeyRingFileTest : public ::testing::Test {
 protected:
  testutil::TempDir dir_;
  std::string path_ = dir_.File("signing_keys.json");
  core::ManualClock clock_{1'700'000'000};
  core::SeededRandom random_{11};
};

TEST_F(KeyRingFileTest, CreatesAnOwnerOnlyFileWithOneKey) {
  auto ring = KeyRing::LoadOrCreate(path_, random_, clock_);
  ASSERT_TRUE(ring.ok()) << ring.status().ToString();
  EXPECT_EQ((*ring)->size(), 1u);

  struct stat st;
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_FALSE(std::ifstream(path_ + ".tmp").good()) << "the temporary file must be renamed away";

  std::ifstream in(path_);
  auto doc = nlohmann::json::parse(in);
  ASSERT_EQ(doc["keys"].size(), 1u);
  EXPECT_EQ(doc["active"], doc["keys"][0]["kid"]);
  EXPECT_EQ(doc["active"], (*ring)->ActiveAt(INT64_MAX).kid);
  EXPECT_EQ(doc["keys"][0]["alg"], "HS256");
  EXPECT_EQ(doc["keys"][0]["created_at"], 1'700'000'000);
  auto secret = crypto::Base64UrlDecode(doc["keys"][0]["secret"].get<std::string>());
  ASSERT_TRUE(secret.has_value());
  EXPECT_EQ(secret->size(), 32u);
}

TEST_F(KeyRingFileTest, LoadingAgainYieldsTheSameKey) {
  auto created = KeyRing::LoadOrCreate(path_, random_, clock_);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  TokenService before(*created, clock_);
  const std::string token =
      before.IssueAccessToken({core::ObjectId::FromHex("00000000000000000000000a").value(),
                               core::ObjectId::FromHex("00000000000000000000000b").value(),
                               core::ObjectId::FromHex("00000000000000000000000c").value(), core::ObjectId(),
                               clock_.NowSeconds(), clock_.NowSeconds() + kAccessTokenTtlSeconds});

  core::SeededRandom other_random(12);  // a new key would differ
  auto loaded = KeyRing::LoadOrCreate(path_, other_random, clock_);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ((*loaded)->ActiveAt(INT64_MAX).kid, (*created)->ActiveAt(INT64_MAX).kid);
  EXPECT_EQ((*loaded)->ActiveAt(INT64_MAX).header_b64, (*created)->ActiveAt(INT64_MAX).header_b64);
  TokenService after(*loaded, clock_);
  auto claims = after.VerifyAccessToken(token);
  ASSERT_TRUE(claims.ok()) << claims.status().ToString();
  EXPECT_EQ(claims->user_id.ToHex(), "00000000000000000000000a");
}

TEST_F(KeyRingFileTest, RefusesAFileReadableByOthers) {
  WriteFile(path_, ValidKeyFile("abc123"), 0644);
  auto ring = KeyRing::LoadOrCreate(path_, random_, clock_);
  ASSERT_FALSE(ring.ok());
  EXPECT_EQ(ring.status().code(), Code::kInternal);
  EXPECT_NE(ring.status().message().find("chmod 600"), std::string::npos) << ring.status().message();
  EXPECT_NE(ring.status().message().find(path_), std::string::npos) << ring.status().message();
}

TEST_F(KeyRingFileTest, RefusesAFileReadableByTheGroup) {
  WriteFile(path_, ValidKeyFile("abc123"), 0640);
  auto ring = KeyRing::LoadOrCreate(path_, random_, clock_);
  ASSERT_FALSE(ring.ok());
  EXPECT_NE(ring.status().message().find("chmod"), std::string::npos) << ring.status().message();
}

TEST_F(KeyRingFileTest, LoadsAValidHandWrittenFile) {
  WriteFile(path_, ValidKeyFile("abc123"), 0600);
  auto ring = KeyRing::LoadOrCreate(path_, random_, clock_);
  ASSERT_TRUE(ring.ok()) << ring.status().ToString();
  EXPECT_EQ((*ring)->ActiveAt(INT64_MAX).kid, "abc123");
  EXPECT_EQ((*ring)->ActiveAt(INT64_MAX).header_b64, crypto::Base64UrlEncode(R"({"alg":"HS256","kid":"abc123","typ":"JWT"})"));
}

TEST_F(KeyRingFileTest, RefusesMalformedJson) {
  WriteFile(path_, "{\"active\": \"abc\", \"keys\": [", 0600);
  auto ring = KeyRing::LoadOrCreate(path_, random_, clock_);
  ASSERT_FALSE(ring.ok());
  EXPECT_EQ(ring.status().code(), Code::kInternal);
  EXPECT_NE(ring.status().message().find("malformed signing key file"), std::string::npos) << ring.status().message();
}

TEST_F(KeyRingFileTest, RefusesMalformedEntries) {
  const std::string secret = crypto::Base64UrlEncode(std::string(32, 'k'));
  const std::string short_secret = crypto::Base64UrlEncode(std::string(31, 'k'));
  const struct {
    std::string text;
    std::string expected;
  } cases[] = {
      {R"({"keys": []})", "malformed signing key file"},
      {R"({"active": "a1", "keys": []})", "no keys"},
      {R"({"active": "a1", "keys": [{"kid": "a1", "alg": "RS256", "secret": ")" + secret + R"("}]})",
       "malformed key entry"},
      {R"({"active": "a1", "keys": [{"kid": "A1", "alg": "HS256", "secret": ")" + secret + R"("}]})", "lowercase hex"},
      {R"({"active": "a1", "keys": [{"kid": "a1", "alg": "HS256", "secret": ")" + short_secret + R"("}]})",
       "at least 32 bytes"},
      {R"({"active": "b2", "keys": [{"kid": "a1", "alg": "HS256", "secret": ")" + secret + R"("}]})",
       "active key b2 is not in keys"},
  };
  for (const auto& c : cases) {
    WriteFile(path_, c.text, 0600);
    auto ring = KeyRing::LoadOrCreate(path_, random_, clock_);
    ASSERT_FALSE(ring.ok()) << c.text;
    EXPECT_NE(ring.status().message().find(c.expected), std::string::npos)
        << c.text << " -> " << ring.status().message();
  }
}

TEST(KeyRingTest, FirstAddedKeyIsActiveUntilSetActive) {
  KeyRing ring;
  ring.Add("aa", std::vector<uint8_t>(32, 1));
  ring.Add("bb", std::vector<uint8_t>(32, 2));
  EXPECT_EQ(ring.ActiveAt(INT64_MAX).kid, "aa");
  ring.SetActive("bb");
  EXPECT_EQ(ring.ActiveAt(INT64_MAX).kid, "bb");
  ASSERT_NE(ring.FindByHeader(crypto::Base64UrlEncode(R"({"alg":"HS256","kid":"aa","typ":"JWT"})")), nullptr);
  EXPECT_EQ(ring.FindByHeader(crypto::Base64UrlEncode(R"({"alg":"HS256","kid":"aa","typ":"JWT"})"))->kid, "aa");
  EXPECT_EQ(ring.FindByHeader(crypto::Base64UrlEncode(R"({"alg":"HS256","kid":"cc","typ":"JWT"})")), nullptr);
}

}  // namespace
}  // namespace guestpass::token
