// time_text_test.cc: ISO 8601 both ways.
#include "core/time_text.h"

#include <gtest/gtest.h>

namespace guestpass::core {
namespace {

TEST(TimeTextTest, FormatsUtcWithMilliseconds) {
  EXPECT_EQ(FormatIso8601Ms(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatIso8601Ms(1796289406123), "2026-12-03T09:16:46.123Z");
  EXPECT_EQ(FormatIso8601Ms(951782400000), "2000-02-29T00:00:00.000Z");  // a leap day
}

TEST(TimeTextTest, ParsesWhatItFormatsAndCommonSpellings) {
  for (int64_t ms : {0LL, 1796289406123LL, 951782400000LL, 4102444799999LL})
    EXPECT_EQ(ParseIso8601Ms(FormatIso8601Ms(ms)), ms) << ms;
  EXPECT_EQ(ParseIso8601Ms("2026-12-03"), 1796256000000);
  EXPECT_EQ(ParseIso8601Ms("2026-12-03T09:16"), 1796289360000);
  EXPECT_EQ(ParseIso8601Ms("2026-12-03T09:16:46Z"), 1796289406000);
  EXPECT_EQ(ParseIso8601Ms("2026-12-03T10:16:46.5+01:00"), 1796289406500);
  EXPECT_EQ(ParseIso8601Ms("2026-12-03T08:16:46-01:00"), 1796289406000);
  for (const char* bad : {"", "2026", "2026-13-01", "2026-12-03T25:00", "2026-12-03T09:16:46.Z",
                          "2026-12-03T09:16:46+0100", "yesterday", "2026-12-03T09:16:46Zjunk"})
    EXPECT_FALSE(ParseIso8601Ms(bad).has_value()) << bad;
}

}  // namespace
}  // namespace guestpass::core
