// os_random_test.cc: OsRandom hands out each drawn byte once, across block
// refills, threads and a fork.
#include "crypto/os_random.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace guestpass::crypto {
namespace {

std::string Draw(OsRandom& random, size_t n) {
  std::string s(n, '\0');
  random.Fill(std::span(reinterpret_cast<uint8_t*>(s.data()), s.size()));
  return s;
}

TEST(OsRandom, SmallDrawsNeverRepeatAcrossRefills) {
  OsRandom random;
  std::set<std::string> seen;
  // 16-byte values over many 512-byte blocks, with odd sizes in between so
  // draws straddle the block ends.
  for (int i = 0; i < 20000; ++i) {
    EXPECT_TRUE(seen.insert(Draw(random, 16)).second) << "draw " << i;
    Draw(random, 1 + i % 37);
  }
}

TEST(OsRandom, LargeAndEmptyDraws) {
  OsRandom random;
  EXPECT_NE(Draw(random, 4096), Draw(random, 4096));
  Draw(random, 0);  // nothing to do
  std::string bytes = Draw(random, 64);
  // 64 random bytes are not all zero (they would be if the block were
  // handed out after being wiped).
  EXPECT_NE(bytes, std::string(64, '\0'));
}

TEST(OsRandom, ThreadsDrawDistinctValues) {
  OsRandom random;
  std::array<std::vector<std::string>, 4> drawn;
  std::vector<std::thread> threads;
  for (auto& out : drawn)
    threads.emplace_back([&random, &out] {
      for (int i = 0; i < 2000; ++i) out.push_back(Draw(random, 16));
    });
  for (auto& t : threads) t.join();
  std::set<std::string> all;
  for (auto& out : drawn) all.insert(out.begin(), out.end());
  EXPECT_EQ(all.size(), 4u * 2000u);
}

TEST(OsRandom, ForkedChildDoesNotRepeatTheParent) {
  OsRandom random;
  Draw(random, 16);  // this thread now holds a partly used block
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::string s = Draw(random, 16);
    _exit(write(fds[1], s.data(), s.size()) == 16 ? 0 : 1);
  }
  close(fds[1]);
  std::string parent = Draw(random, 16);
  std::string from_child(16, '\0');
  ASSERT_EQ(read(fds[0], from_child.data(), 16), 16);
  close(fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_NE(parent, from_child);
}

}  // namespace
}  // namespace guestpass::crypto
