// json_text_test.cc: AppendJsonString escaping (RFC 8259 section 7).
#include "core/json_text.h"

#include <gtest/gtest.h>

#include <string>

namespace guestpass::core {
namespace {

std::string Quote(std::string_view value) {
  std::string out;
  AppendJsonString(out, value);
  return out;
}

TEST(AppendJsonStringTest, QuotesPlainText) {
  EXPECT_EQ(Quote(""), R"("")");
  EXPECT_EQ(Quote("hello world"), R"("hello world")");
}

TEST(AppendJsonStringTest, EscapesQuotesAndBackslashes) {
  EXPECT_EQ(Quote(R"(a"b\c)"), R"("a\"b\\c")");
  EXPECT_EQ(Quote(R"(\")"), R"("\\\"")");
}

TEST(AppendJsonStringTest, EscapesControlCharacters) {
  EXPECT_EQ(Quote("\n\r\t"), R"("\n\r\t")");
  EXPECT_EQ(Quote("\x01\x1f"), R"("\u0001\u001f")");
  EXPECT_EQ(Quote(std::string_view("a\0b", 3)), R"("a\u0000b")");
  EXPECT_EQ(Quote("\b\f"), R"("\u0008\u000c")");
}

TEST(AppendJsonStringTest, LeavesOtherBytesAlone) {
  EXPECT_EQ(Quote("\x7f"), "\"\x7f\"");
  EXPECT_EQ(Quote("caf\xc3\xa9 /<>"), "\"caf\xc3\xa9 /<>\"");
}

TEST(AppendJsonStringTest, AppendsToWhatIsAlreadyThere) {
  std::string out = "{\"k\":";
  AppendJsonString(out, "v");
  EXPECT_EQ(out, R"({"k":"v")");
}

}  // namespace
}  // namespace guestpass::core
