// flags_test.cc: the admin CLI's flag parsing and its one-line errors.
#include "cli/flags.h"

#include <gtest/gtest.h>

namespace guestpass::cli {
namespace {

const std::vector<FlagSpec> kSpec = {{"app", true}, {"yes", false}, {"limit", true}};

TEST(FlagsTest, ReadsValuesBothWaysAndSwitches) {
  auto flags = Flags::Parse({"--app", "shop-abcde", "--limit=5", "--yes"}, kSpec);
  ASSERT_TRUE(flags.ok()) << flags.status().message();
  EXPECT_EQ(flags->Value("app"), "shop-abcde");
  EXPECT_EQ(flags->Value("limit"), "5");
  EXPECT_TRUE(flags->Has("yes"));
  EXPECT_EQ(flags->Value("yes"), std::nullopt);
  EXPECT_FALSE(flags->Has("help"));
  EXPECT_EQ(flags->ValueOr("profile", "default"), "default");
}

TEST(FlagsTest, HelpIsAlwaysAccepted) {
  EXPECT_TRUE(Flags::Parse({"-h"}, kSpec)->Has("help"));
  EXPECT_TRUE(Flags::Parse({"--help"}, {})->Has("help"));
}

TEST(FlagsTest, RefusesWhatItDoesNotKnowWithOneLine) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const Case cases[] = {
      {{"--nope"}, "unknown flag --nope"},
      {{"--app"}, "--app needs a value"},
      {{"--app", "--yes"}, "--app needs a value"},
      {{"--yes=1"}, "--yes takes no value"},
      {{"--app", "a", "--app", "b"}, "--app is given twice"},
      {{"list"}, "unexpected argument 'list'"},
      {{"-x"}, "unexpected argument '-x'"},
  };
  for (const auto& c : cases) {
    auto flags = Flags::Parse(c.args, kSpec);
    ASSERT_FALSE(flags.ok()) << c.message;
    EXPECT_EQ(flags.status().code(), core::Code::kInvalidArgument);
    EXPECT_EQ(flags.status().message(), c.message);
    EXPECT_EQ(flags.status().message().find('\n'), std::string::npos);
  }
}

TEST(FlagsTest, AnEmptyValueIsAValue) {
  auto flags = Flags::Parse({"--app="}, kSpec);
  ASSERT_TRUE(flags.ok());
  EXPECT_EQ(flags->Value("app"), "");
}

TEST(FlagsTest, SplitListDropsEmptyItems) {
  EXPECT_EQ(SplitList("a,b,,c,"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(SplitList("").empty());
  EXPECT_TRUE(SplitList(",").empty());
}

TEST(FlagsTest, ParseCountChecksDigitsAndBounds) {
  EXPECT_EQ(*ParseCount("limit", "50", 1, 50), 50);
  EXPECT_FALSE(ParseCount("limit", "0", 1, 50).ok());
  EXPECT_FALSE(ParseCount("limit", "51", 1, 50).ok());
  EXPECT_FALSE(ParseCount("limit", "-1", 1, 50).ok());
  EXPECT_FALSE(ParseCount("limit", "5x", 1, 50).ok());
  EXPECT_FALSE(ParseCount("limit", "", 1, 50).ok());
  EXPECT_FALSE(ParseCount("limit", "99999999999999999999", 1, 50).ok());
  EXPECT_EQ(ParseCount("limit", "x", 1, 50).status().message(), "--limit: expected a number from 1 to 50, got 'x'");
}

}  // namespace
}  // namespace guestpass::cli
