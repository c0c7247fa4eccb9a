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

// Every byte value at every position of a string longer than a word: the
// escaper scans eight bytes at a time, so a byte to escape must be found
// wherever it sits, and every other byte kept as is.
TEST(AppendJsonStringTest, FindsEveryByteToEscapeAtEveryPosition) {
  for (int c = 0; c < 256; ++c) {
    const bool escaped = c < 0x20 || c == '"' || c == '\\';
    for (size_t pos = 0; pos < 19; ++pos) {
      std::string value(19, 'a');
      value[pos] = static_cast<char>(c);
      const std::string got = Quote(value);
      std::string want = "\"";
      want.append(value, 0, pos);
      if (c >= 0x80) {
        want += "\xEF\xBF\xBD";  // a lone non-ASCII byte is not UTF-8
      } else if (!escaped) {
        want += static_cast<char>(c);
      } else if (c == '"' || c == '\\') {
        want += '\\';
        want += static_cast<char>(c);
      } else if (c == '\n') {
        want += "\\n";
      } else if (c == '\r') {
        want += "\\r";
      } else if (c == '\t') {
        want += "\\t";
      } else {
        static constexpr char kHex[] = "0123456789abcdef";
        want += "\\u00";
        want += kHex[c >> 4];
        want += kHex[c & 0xf];
      }
      want.append(value, pos + 1, std::string::npos);
      want += '"';
      ASSERT_EQ(got, want) << "byte " << c << " at " << pos;
    }
  }
}

TEST(AppendJsonStringTest, KeepsWellFormedUtf8AndReplacesEverythingElse) {
  const std::string kReplacement = "\xEF\xBF\xBD";
  EXPECT_EQ(Quote("\xe2\x82\xac \xf0\x9f\x98\x80 \xed\x9f\xbf \xf4\x8f\xbf\xbf"),
            "\"\xe2\x82\xac \xf0\x9f\x98\x80 \xed\x9f\xbf \xf4\x8f\xbf\xbf\"");
  for (const char* bad : {"\xff", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc3", "\xe2\x82"}) {
    const std::string got = Quote(bad);
    EXPECT_EQ(got.find_first_of("\xc0\xff"), std::string::npos) << testing::PrintToString(got);
    EXPECT_NE(got.find(kReplacement), std::string::npos) << testing::PrintToString(got);
  }
  // A truncated sequence spends only its first byte: what follows is kept.
  EXPECT_EQ(Quote("\xe2\x82x"), "\"" + kReplacement + kReplacement + "x\"");
  EXPECT_EQ(Quote("ok\xffok"), "\"ok" + kReplacement + "ok\"");
}

TEST(AppendJsonStringTest, AppendsToWhatIsAlreadyThere) {
  std::string out = "{\"k\":";
  AppendJsonString(out, "v");
  EXPECT_EQ(out, R"({"k":"v")");
}


TEST(JsonNestingWithinTest, CountsArraysAndObjectsOutsideStrings) {
  EXPECT_TRUE(JsonNestingWithin("", 1));
  EXPECT_TRUE(JsonNestingWithin("{}", 1));
  EXPECT_FALSE(JsonNestingWithin("{}", 0));
  EXPECT_TRUE(JsonNestingWithin(R"({"a":[1,{"b":2}]})", 3));
  EXPECT_FALSE(JsonNestingWithin(R"({"a":[1,{"b":2}]})", 2));
  EXPECT_TRUE(JsonNestingWithin(R"([[]][[]])", 2));  // siblings do not add up
  // Brackets inside strings, escaped quotes included, are text.
  EXPECT_TRUE(JsonNestingWithin(R"({"a":"[[[{{{"})", 1));
  EXPECT_TRUE(JsonNestingWithin(R"({"a":"\"[[[{{{"})", 1));
  EXPECT_TRUE(JsonNestingWithin(R"({"a\"[[":"\\"})", 1));
  // An escaped backslash does not escape the quote after it.
  EXPECT_FALSE(JsonNestingWithin(R"({"a":"\\"[[]]})", 2));
  EXPECT_FALSE(JsonNestingWithin(R"({"a":"\\","b":[[]]})", 2));
}

TEST(JsonNestingWithinTest, DefaultLimitAndDeepInput) {
  const auto nested = [](int n) { return std::string(n, '[') + std::string(n, ']'); };
  EXPECT_TRUE(JsonNestingWithin(nested(kMaxJsonNesting)));
  EXPECT_FALSE(JsonNestingWithin(nested(kMaxJsonNesting + 1)));
  // What crashed the server: a few hundred kilobytes of '{"a":' and '['.
  EXPECT_FALSE(JsonNestingWithin(std::string(1 << 20, '[')));
  // Unbalanced closers never make room for more openers than the limit.
  EXPECT_FALSE(JsonNestingWithin("]]]]" + nested(kMaxJsonNesting + 1)));
}

}  // namespace
}  // namespace guestpass::core
