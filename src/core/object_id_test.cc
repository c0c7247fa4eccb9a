// object_id_test.cc: ObjectId parsing and printing, and the ordering and
// uniqueness promises of ObjectIdGenerator.
#include "core/object_id.h"

#include <gtest/gtest.h>

#include <thread>
#include <unordered_set>
#include <vector>

#include "core/clock.h"
#include "core/random.h"

namespace guestpass::core {
namespace {

TEST(ObjectIdTest, HexRoundTripKeepsEveryByte) {
  auto id = ObjectId::FromHex("507f1f77bcf86cd799439011");
  ASSERT_TRUE(id.has_value());
  const std::array<uint8_t, 12> expected = {0x50, 0x7f, 0x1f, 0x77, 0xbc, 0xf8, 0x6c, 0xd7, 0x99, 0x43, 0x90, 0x11};
  EXPECT_EQ(id->bytes(), expected);
  EXPECT_EQ(id->ToHex(), "507f1f77bcf86cd799439011");
  EXPECT_EQ(ObjectId::FromHex(id->ToHex()), id);
}

TEST(ObjectIdTest, ParsesUppercaseAndPrintsLowercase) {
  auto id = ObjectId::FromHex("ABCDEF0123456789ABCDEF01");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->ToHex(), "abcdef0123456789abcdef01");
}

TEST(ObjectIdTest, RejectsWrongLengthsAndNonHexDigits) {
  EXPECT_FALSE(ObjectId::FromHex(""));
  EXPECT_FALSE(ObjectId::FromHex("507f1f77bcf86cd79943901"));    // 23
  EXPECT_FALSE(ObjectId::FromHex("507f1f77bcf86cd7994390111"));  // 25
  EXPECT_FALSE(ObjectId::FromHex("507f1f77bcf86cd79943901g"));
  EXPECT_FALSE(ObjectId::FromHex("507f1f77bcf86cd79943901 "));
  EXPECT_FALSE(ObjectId::FromHex("-07f1f77bcf86cd799439011"));
  EXPECT_FALSE(ObjectId::FromHex("0x7f1f77bcf86cd799439011"));
}

TEST(ObjectIdTest, FromBytesRequiresTwelveBytes) {
  const std::vector<uint8_t> twelve = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  auto id = ObjectId::FromBytes(twelve);
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->ToHex(), "0102030405060708090a0b0c");
  const std::vector<uint8_t> eleven(11, 1);
  const std::vector<uint8_t> thirteen(13, 1);
  EXPECT_FALSE(ObjectId::FromBytes(eleven));
  EXPECT_FALSE(ObjectId::FromBytes(thirteen));
}

TEST(ObjectIdTest, IsZeroOnlyForTheAllZeroId) {
  EXPECT_TRUE(ObjectId().IsZero());
  EXPECT_EQ(ObjectId().ToHex(), "000000000000000000000000");
  EXPECT_TRUE(ObjectId::FromHex("000000000000000000000000")->IsZero());
  EXPECT_FALSE(ObjectId::FromHex("000000000000000000000001")->IsZero());
  EXPECT_FALSE(ObjectId::FromHex("100000000000000000000000")->IsZero());
}

TEST(ObjectIdTest, TimestampIsTheBigEndianPrefix) {
  EXPECT_EQ(ObjectId::FromHex("507f1f77bcf86cd799439011")->Timestamp(), 0x507f1f77u);
  EXPECT_EQ(ObjectId::FromHex("ffffffff0000000000000000")->Timestamp(), 0xffffffffu);
}

TEST(ObjectIdTest, OrdersByBytes) {
  auto a = *ObjectId::FromHex("000000010000000000000000");
  auto b = *ObjectId::FromHex("000000020000000000000000");
  auto c = *ObjectId::FromHex("0000000200000000000000ff");
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  EXPECT_EQ(a, *ObjectId::FromHex("000000010000000000000000"));
}

TEST(ObjectIdGeneratorTest, TimestampPrefixEqualsTheClock) {
  ManualClock clock(1'700'000'000);
  SeededRandom random(1);
  ObjectIdGenerator ids(clock, random);
  EXPECT_EQ(ids.Next().Timestamp(), 1'700'000'000u);
  clock.Advance(61);
  ObjectId later = ids.Next();
  EXPECT_EQ(later.Timestamp(), 1'700'000'061u);
  EXPECT_EQ(later.ToHex().substr(0, 8), "6553f13d");  // 1700000061 in hex
}

TEST(ObjectIdGeneratorTest, IdsAreUniqueAcrossOneHundredThousand) {
  ManualClock clock(1'700'000'000);
  SeededRandom random(2);
  ObjectIdGenerator ids(clock, random);
  std::unordered_set<ObjectId> seen;
  for (int i = 0; i < 100'000; ++i) seen.insert(ids.Next());
  EXPECT_EQ(seen.size(), 100'000u);
}

TEST(ObjectIdGeneratorTest, IdsStrictlyIncreaseWithinOneSecond) {
  ManualClock clock(1'700'000'000);
  SeededRandom random(3);
  ObjectIdGenerator ids(clock, random);
  ObjectId previous = ids.Next();
  for (int i = 0; i < 100'000; ++i) {
    ObjectId next = ids.Next();
    ASSERT_LT(previous, next) << "at " << i << ": " << previous.ToHex() << " then " << next.ToHex();
    ASSERT_EQ(next.Timestamp(), 1'700'000'000u);
    previous = next;
  }
}

TEST(ObjectIdGeneratorTest, IdsOfALaterSecondSortAfterEarlierOnes) {
  ManualClock clock(1'700'000'000);
  SeededRandom random(4);
  ObjectIdGenerator ids(clock, random);
  ObjectId first = ids.Next();
  clock.Advance(1);
  EXPECT_LT(first, ids.Next());
}

TEST(ObjectIdGeneratorTest, IdsOfOneGeneratorShareTheirMiddleBytes) {
  ManualClock clock(1'700'000'000);
  SeededRandom random(5);
  ObjectIdGenerator ids(clock, random);
  const std::string a = ids.Next().ToHex();
  clock.Advance(1000);
  const std::string b = ids.Next().ToHex();
  EXPECT_EQ(a.substr(8, 10), b.substr(8, 10));
  EXPECT_NE(a.substr(18), b.substr(18));
}

TEST(ObjectIdGeneratorTest, IdsAreUniqueAcrossThreads) {
  ManualClock clock(1'700'000'000);
  SeededRandom random(6);
  ObjectIdGenerator ids(clock, random);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25'000;
  std::vector<std::vector<ObjectId>> made(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) made[t].push_back(ids.Next());
    });
  }
  for (auto& t : threads) t.join();
  std::unordered_set<ObjectId> seen;
  for (const auto& v : made) seen.insert(v.begin(), v.end());
  EXPECT_EQ(seen.size(), static_cast<size_t>(kThreads * kPerThread));
}

}  // namespace
}  // namespace guestpass::core
