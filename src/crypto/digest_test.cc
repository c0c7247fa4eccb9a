// digest_test.cc: SHA-256 and HMAC-SHA-256 known-answer tests, the
// per-thread context cache, and constant-time comparison.
#include "crypto/digest.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace guestpass::crypto {
namespace {

std::string Hex(const Digest256& d) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : d) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xf]);
  }
  return out;
}

std::vector<uint8_t> Bytes(std::string_view s) { return {s.begin(), s.end()}; }

TEST(Sha256Test, MatchesTheFips180Vectors) {
  EXPECT_EQ(Hex(Sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Hex(Sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(HmacSha256KeyTest, MatchesRfc4231TestCase2) {
  HmacSha256Key key(Bytes("Jefe"));
  EXPECT_EQ(Hex(key.Compute("what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(HmacSha256KeyTest, MatchesRfc4231TestCase1) {
  HmacSha256Key key(std::vector<uint8_t>(20, 0x0b));
  EXPECT_EQ(Hex(key.Compute("Hi There")), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

TEST(HmacSha256KeyTest, RepeatedCallsStartFromAFreshState) {
  HmacSha256Key key(Bytes("Jefe"));
  const std::string expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
  EXPECT_EQ(Hex(key.Compute("what do ya want for nothing?")), expected);
  EXPECT_NE(Hex(key.Compute("something else")), expected);
  EXPECT_EQ(Hex(key.Compute("what do ya want for nothing?")), expected);
}

TEST(HmacSha256KeyTest, KeysOnOneThreadDoNotShareContexts) {
  HmacSha256Key jefe(Bytes("Jefe"));
  HmacSha256Key other(std::vector<uint8_t>(20, 0x0b));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Hex(jefe.Compute("what do ya want for nothing?")),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    EXPECT_EQ(Hex(other.Compute("Hi There")), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  }
}

TEST(HmacSha256KeyTest, ANewKeyNeverReusesADestroyedKeysContext) {
  {
    HmacSha256Key first(Bytes("Jefe"));
    first.Compute("warm the cache");
  }
  HmacSha256Key second(std::vector<uint8_t>(20, 0x0b));
  EXPECT_EQ(Hex(second.Compute("Hi There")), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

TEST(HmacSha256KeyTest, GivesTheSameResultOnTwoThreads) {
  HmacSha256Key key(Bytes("Jefe"));
  Digest256 a{}, b{};
  std::thread t1([&] {
    for (int i = 0; i < 1000; ++i) a = key.Compute("what do ya want for nothing?");
  });
  std::thread t2([&] {
    for (int i = 0; i < 1000; ++i) b = key.Compute("what do ya want for nothing?");
  });
  t1.join();
  t2.join();
  EXPECT_EQ(Hex(a), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(a, b);
}

TEST(ConstantTimeEqualsTest, ComparesSizeAndBytes) {
  const std::vector<uint8_t> a = {1, 2, 3, 4};
  const std::vector<uint8_t> same = {1, 2, 3, 4};
  const std::vector<uint8_t> last_differs = {1, 2, 3, 5};
  const std::vector<uint8_t> first_differs = {0, 2, 3, 4};
  const std::vector<uint8_t> prefix = {1, 2, 3};
  const std::vector<uint8_t> empty;
  EXPECT_TRUE(ConstantTimeEquals(a, same));
  EXPECT_FALSE(ConstantTimeEquals(a, last_differs));
  EXPECT_FALSE(ConstantTimeEquals(a, first_differs));
  EXPECT_FALSE(ConstantTimeEquals(a, prefix));
  EXPECT_FALSE(ConstantTimeEquals(prefix, a));
  EXPECT_TRUE(ConstantTimeEquals(empty, empty));
  EXPECT_FALSE(ConstantTimeEquals(empty, a));
}


TEST(Md5Test, KnownVectors) {
  EXPECT_EQ(Md5Hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(Md5Hex("Mufasa:testrealm@host.com:Circle Of Life"), "939e7578ed9e3c518a452acee763bce9");  // RFC 2617's HA1
}

}  // namespace
}  // namespace guestpass::crypto
