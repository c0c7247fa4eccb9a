// encoding_test.cc: base64url (RFC 4648 section 5) vectors and strict decoding.
#include "crypto/encoding.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace guestpass::crypto {
namespace {

struct Vector {
  const char* plain;
  const char* encoded;
};

// RFC 4648 section 10, without padding.
constexpr Vector kRfc4648[] = {
    {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},          {"foo", "Zm9v"},
    {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
};

TEST(Base64UrlTest, EncodesTheRfc4648Vectors) {
  for (const auto& v : kRfc4648) EXPECT_EQ(Base64UrlEncode(std::string_view(v.plain)), v.encoded) << v.plain;
}

TEST(Base64UrlTest, DecodesTheRfc4648Vectors) {
  for (const auto& v : kRfc4648) {
    auto decoded = Base64UrlDecode(v.encoded);
    ASSERT_TRUE(decoded.has_value()) << v.encoded;
    EXPECT_EQ(*decoded, v.plain);
  }
}

TEST(Base64UrlTest, UsesTheUrlAlphabet) {
  const std::vector<uint8_t> bytes = {0xfb, 0xff, 0xbf};  // "+/+/" in standard base64
  EXPECT_EQ(Base64UrlEncode(bytes), "-_-_");
  auto decoded = Base64UrlDecode("-_-_");
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(*decoded, std::string("\xfb\xff\xbf"));
}

TEST(Base64UrlTest, AppendKeepsThePrefix) {
  std::string out = "head.";
  const std::vector<uint8_t> bytes = {'f', 'o', 'o'};
  Base64UrlAppend(out, bytes);
  EXPECT_EQ(out, "head.Zm9v");
}

// Every length, appended after a prefix: the encoder sizes its output up
// front, so each remainder (0, 1, 2 bytes) must come out exactly.
TEST(Base64UrlTest, EveryLengthAppendsExactlyItsEncodingAndRoundTrips) {
  std::vector<uint8_t> bytes;
  for (size_t n = 0; n <= 67; ++n) {
    std::string out = "p.";
    Base64UrlAppend(out, bytes);
    EXPECT_EQ(out.size(), 2 + (n * 4 + 2) / 3) << n;
    EXPECT_EQ(out.find('\0'), std::string::npos) << n;
    auto decoded = Base64UrlDecode(std::string_view(out).substr(2));
    ASSERT_TRUE(decoded.has_value()) << n;
    EXPECT_EQ(*decoded, std::string(bytes.begin(), bytes.end())) << n;
    bytes.push_back(static_cast<uint8_t>(n * 37 + 11));
  }
}

TEST(Base64UrlTest, RoundTripsEveryByteValue) {
  std::vector<uint8_t> all(256);
  for (int i = 0; i < 256; ++i) all[i] = static_cast<uint8_t>(i);
  for (size_t n = 0; n <= all.size(); n += 37) {
    std::span<const uint8_t> part(all.data(), n);
    auto decoded = Base64UrlDecode(Base64UrlEncode(part));
    ASSERT_TRUE(decoded.has_value()) << n;
    EXPECT_EQ(*decoded, std::string(all.begin(), all.begin() + n));
  }
}

TEST(Base64UrlTest, AcceptsPadding) {
  EXPECT_EQ(Base64UrlDecode("Zg=="), "f");
  EXPECT_EQ(Base64UrlDecode("Zm8="), "fo");
}

TEST(Base64UrlTest, RejectsCharactersOutsideTheUrlAlphabet) {
  EXPECT_FALSE(Base64UrlDecode("Zm9v+A"));  // standard alphabet
  EXPECT_FALSE(Base64UrlDecode("Zm9v/A"));
  EXPECT_FALSE(Base64UrlDecode("Zm 9v"));
  EXPECT_FALSE(Base64UrlDecode("Zm9v.A"));
  EXPECT_FALSE(Base64UrlDecode("Zg=a"));  // padding in the middle
  EXPECT_FALSE(Base64UrlDecode(std::string_view("Zm\0v", 4)));
}

TEST(Base64UrlTest, RejectsImpossibleLengths) {
  EXPECT_FALSE(Base64UrlDecode("Z"));
  EXPECT_FALSE(Base64UrlDecode("Zm9vY"));
  EXPECT_FALSE(Base64UrlDecode("Z==="));
}

TEST(Base64UrlTest, RejectsNonCanonicalTrailingBits) {
  // "Zg" is "f"; "Zh" carries the same byte with a non-zero leftover bit.
  EXPECT_FALSE(Base64UrlDecode("Zh"));
  EXPECT_FALSE(Base64UrlDecode("Zm9"));  // "Zm8" is canonical for "fo"
  EXPECT_FALSE(Base64UrlDecode("Zm9vYh"));
}

}  // namespace
}  // namespace guestpass::crypto
