// random_test.cc: RandomLowercase length, alphabet and rejection sampling.
#include "core/random.h"

#include <gtest/gtest.h>

#include <set>
#include <vector>

namespace guestpass::core {
namespace {

// Repeats a fixed byte pattern, so the mapping from bytes to letters is exact.
class ScriptedRandom final : public Random {
 public:
  explicit ScriptedRandom(std::vector<uint8_t> pattern) : pattern_(std::move(pattern)) {}
  void Fill(std::span<uint8_t> out) override {
    for (auto& b : out) b = pattern_[next_++ % pattern_.size()];
  }

 private:
  std::vector<uint8_t> pattern_;
  size_t next_ = 0;
};

bool AllLowercase(const std::string& s) {
  for (char c : s)
    if (c < 'a' || c > 'z') return false;
  return true;
}

TEST(RandomLowercaseTest, ReturnsExactlyTheRequestedLength) {
  SeededRandom random(7);
  EXPECT_EQ(RandomLowercase(random, 0), "");
  EXPECT_EQ(RandomLowercase(random, 1).size(), 1u);
  EXPECT_EQ(RandomLowercase(random, 24).size(), 24u);
  EXPECT_EQ(RandomLowercase(random, 64).size(), 64u);
  EXPECT_EQ(RandomLowercase(random, 1000).size(), 1000u);
}

TEST(RandomLowercaseTest, UsesOnlyLettersAToZAndAllOfThem) {
  SeededRandom random(8);
  const std::string s = RandomLowercase(random, 5000);
  EXPECT_TRUE(AllLowercase(s)) << s;
  EXPECT_EQ(std::set<char>(s.begin(), s.end()).size(), 26u);
}

TEST(RandomLowercaseTest, SkipsBytesThatWouldBiasTheAlphabet) {
  // 233 -> 'z' (233 % 26 == 25); 234 and 255 are rejected; 0 -> 'a'; 25 -> 'z'; 26 -> 'a'.
  ScriptedRandom random({233, 234, 0, 25, 26, 255});
  EXPECT_EQ(RandomLowercase(random, 6), "zazaza");
}

TEST(RandomLowercaseTest, KeepsDrawingWhenABufferHoldsOnlyRejectedBytes) {
  std::vector<uint8_t> pattern(64, 250);  // a whole buffer of rejected bytes
  pattern.push_back(1);                   // then 'b'
  ScriptedRandom random(pattern);
  EXPECT_EQ(RandomLowercase(random, 1), "b");
}

TEST(SeededRandomTest, SameSeedGivesSameBytes) {
  SeededRandom a(42), b(42), c(43);
  std::array<uint8_t, 16> x{}, y{}, z{};
  a.Fill(x);
  b.Fill(y);
  c.Fill(z);
  EXPECT_EQ(x, y);
  EXPECT_NE(x, z);
}

}  // namespace
}  // namespace guestpass::core
