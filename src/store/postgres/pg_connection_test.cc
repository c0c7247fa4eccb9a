// pg_connection_test.cc: Connection::Open with several hosts (a primary and
// its standbys): a host that does not answer at all is passed over within
// the timeout, and the next one is tried. Needs GUESTPASS_TEST_PG_URL.
#include "store/postgres/pg_connection.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "store/postgres/test_schema.h"

namespace guestpass::store::postgres {
namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

// A port on 127.0.0.1 that completes TCP handshakes (the kernel does, from
// the listen backlog) and never says a word: a server that hangs, or one
// cut off after the connection was made.
class SilentListener {
 public:
  SilentListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 64) != 0) return;
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~SilentListener() { ::close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// The tests' database as key=value pairs with `first` (host, port) put
// before its own host: "host=127.0.0.1,H port=SILENT,P dbname=D user=U".
std::string WithHostBefore(const std::string& url, int silent_port) {
  PQconninfoOption* parsed = PQconninfoParse(url.c_str(), nullptr);
  if (parsed == nullptr) return "";
  std::string host = "localhost", port = "5432", rest;
  for (PQconninfoOption* o = parsed; o->keyword != nullptr; ++o) {
    if (o->val == nullptr || *o->val == '\0') continue;
    const std::string k = o->keyword;
    if (k == "host")
      host = o->val;
    else if (k == "port")
      port = o->val;
    else if (k == "dbname" || k == "user" || k == "password")
      rest += " " + k + "=" + o->val;
  }
  PQconninfoFree(parsed);
  return "host=127.0.0.1," + host + " port=" + std::to_string(silent_port) + "," + port + rest;
}

class PgConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (testing::TestDatabaseUrl().empty()) GTEST_SKIP() << testing::kSkipWithoutDatabase;
    ASSERT_GT(silent_.port(), 0);
  }
  static constexpr milliseconds kTimeout{1000};
  SilentListener silent_;
};

TEST_F(PgConnectionTest, AHostThatDoesNotAnswerIsPassedOverWithinTheTimeout) {
  const std::string conninfo = WithHostBefore(testing::TestDatabaseUrl(), silent_.port());
  ASSERT_FALSE(conninfo.empty());
  const auto start = SteadyClock::now();
  auto db = Connection::Open({conninfo, "", kTimeout});
  const auto took = SteadyClock::now() - start;
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  auto rows = (*db)->Query("SELECT 1::bigint");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(rows->Int(0, 0), 1);
  EXPECT_GE(took, kTimeout - milliseconds(50)) << "the silent host had its chance";
  EXPECT_LT(took, kTimeout + milliseconds(900));
}

TEST_F(PgConnectionTest, NoHostAnsweringIsUnavailableNamingEachHost) {
  SilentListener other;
  const std::string conninfo = "host=127.0.0.1,127.0.0.1 port=" + std::to_string(silent_.port()) + "," +
                               std::to_string(other.port()) + " dbname=guestpass";
  const auto start = SteadyClock::now();
  auto db = Connection::Open({conninfo, "", kTimeout});
  const auto took = SteadyClock::now() - start;
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), core::Code::kUnavailable);
  const std::string& message = db.status().message();
  EXPECT_NE(message.find("127.0.0.1:" + std::to_string(silent_.port()) + ": no answer within 1000 ms"), std::string::npos)
      << message;
  EXPECT_NE(message.find("127.0.0.1:" + std::to_string(other.port()) + ": no answer within 1000 ms"), std::string::npos)
      << message;
  EXPECT_LT(took, 2 * kTimeout + milliseconds(900)) << "each host within the timeout";
}

TEST_F(PgConnectionTest, MismatchedHostAndPortListsAreLeftToLibpq) {
  auto db = Connection::Open({"host=127.0.0.1,127.0.0.1,127.0.0.1 port=1,2 dbname=guestpass", "", kTimeout});
  ASSERT_FALSE(db.ok());
  EXPECT_NE(db.status().message().find("port"), std::string::npos) << db.status().ToString();
}

}  // namespace
}  // namespace guestpass::store::postgres
