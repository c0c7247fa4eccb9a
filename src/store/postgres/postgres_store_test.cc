// postgres_store_test.cc: what the PostgreSQL back end adds to the Store
// contract: migrations (several servers at once, a newer schema refused),
// several stores ("servers") on one database, and faults: an unreachable,
// silent or vanishing database gives Unavailable in bounded time, and the
// store reconnects by itself. Needs GUESTPASS_TEST_PG_URL (skipped without).
#include "store/postgres/postgres_store.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <latch>
#include <thread>

#include "core/clock.h"
#include "core/random.h"
#include "store/postgres/test_schema.h"
#include "store/sync.h"

namespace guestpass::store::postgres {
namespace {

using core::Code;
using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

// ---- A TCP proxy in front of the test database that can misbehave ----

class FaultyProxy {
 public:
  enum class Mode { kForward, kSilent, kRefuse };

  FaultyProxy(const std::string& host, int port) : target_host_(host), target_port_(port) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(listener_, 64);
    socklen_t len = sizeof addr;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { AcceptLoop(); });
  }
  ~FaultyProxy() {
    stop_ = true;
    acceptor_.join();  // then nothing adds pumps any more
    for (auto& t : pumps_) t.join();
    ::close(listener_);
  }
  int port() const { return port_; }
  // kSilent: connections stay open and nothing passes (a hung server or a
  // dropped link). kRefuse: every connection is closed, new ones at once.
  void SetMode(Mode mode) { mode_ = mode; }

 private:
  int Dial() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(target_port_));
    ::inet_pton(AF_INET, target_host_.c_str(), &addr.sin_addr);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd);
      return -1;
    }
    return fd;
  }
  void AcceptLoop() {
    while (!stop_) {
      pollfd p{listener_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      int client = ::accept(listener_, nullptr, nullptr);
      if (client < 0) continue;
      if (mode_ == Mode::kRefuse) {
        ::close(client);
        continue;
      }
      int server = Dial();
      if (server < 0) {
        ::close(client);
        continue;
      }
      pumps_.emplace_back([this, client, server] { Pump(client, server); });
    }
  }
  void Pump(int a, int b) {
    char buf[16384];
    while (!stop_ && mode_ != Mode::kRefuse) {
      if (mode_ == Mode::kSilent) {
        std::this_thread::sleep_for(milliseconds(20));
        continue;
      }
      pollfd p[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
      if (::poll(p, 2, 20) <= 0) continue;
      bool closed = false;
      for (int i = 0; i < 2 && !closed; ++i) {
        if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        const ssize_t n = ::read(p[i].fd, buf, sizeof buf);
        if (n <= 0 || ::write(p[1 - i].fd, buf, static_cast<size_t>(n)) != n) closed = true;
      }
      if (closed) break;
    }
    ::close(a);
    ::close(b);
  }

  const std::string target_host_;
  const int target_port_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<Mode> mode_{Mode::kForward};
  std::thread acceptor_;
  std::vector<std::thread> pumps_;  // added by the acceptor only
};

// The test database's host, port, user and database, when it is reached over TCP.
struct Target {
  std::string host, port, user, dbname;
};
std::optional<Target> TcpTarget(const std::string& url) {
  PQconninfoOption* options = PQconninfoParse(url.c_str(), nullptr);
  if (options == nullptr) return std::nullopt;
  Target t{"", "5432", "", ""};
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    const std::string k = o->keyword;
    if (k == "host" || k == "hostaddr") t.host = o->val;
    if (k == "port") t.port = o->val;
    if (k == "user") t.user = o->val;
    if (k == "dbname") t.dbname = o->val;
  }
  PQconninfoFree(options);
  if (t.host.empty() || t.host.find_first_not_of("0123456789.") != std::string::npos) return std::nullopt;
  return t;
}

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (testing::TestDatabaseUrl().empty()) GTEST_SKIP() << testing::kSkipWithoutDatabase;
    schema_ = testing::TestSchemas::Fresh();
  }
  PostgresOptions Options() const {
    PostgresOptions o;
    o.conninfo = testing::TestDatabaseUrl();
    o.schema = schema_;
    return o;
  }
  std::unique_ptr<PostgresStore> OpenStore(PostgresOptions options) {
    auto store = PostgresStore::Open(std::move(options));
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(*store) : nullptr;
  }

  core::App MakeApp(const std::string& client_app_id) {
    core::App app;
    app.id = ids_.Next();
    app.client_app_id = client_app_id;
    app.name = client_app_id;
    app.created_at = clock_.NowSeconds();
    return app;
  }
  core::User AnonUser(const core::ObjectId& app_id) {
    core::User u;
    u.id = ids_.Next();
    u.app_id = app_id;
    u.identities.push_back({u.id.ToHex() + "-anon", std::string(core::kAnonUser), ids_.Next()});
    u.created_at = u.last_active_at = clock_.NowSeconds();
    return u;
  }
  core::Session MakeSession(const core::User& u) {
    core::Session s;
    s.id = ids_.Next();
    s.user_id = u.id;
    s.created_at = clock_.NowSeconds();
    s.expires_at = s.created_at + 3600;
    return s;
  }

  std::string schema_;
  core::ManualClock clock_{1'700'000'000};
  core::SeededRandom random_{7};
  core::ObjectIdGenerator ids_{clock_, random_};
};

core::Status PutApp(Store& store, const core::App& app) {
  return AwaitStatus([&](auto done) { store.PutApp(app, done); });
}
core::Result<std::vector<core::App>> ListApps(Store& store) {
  return Await<std::vector<core::App>>([&](auto done) { store.ListApps(done); });
}

// ---- Migrations ----

TEST_F(PostgresStoreTest, ServersStartingAtOnceMigrateTheSchemaOnce) {
  constexpr int kServers = 4;
  std::vector<std::unique_ptr<PostgresStore>> stores(kServers);
  std::vector<std::thread> threads;
  for (int i = 0; i < kServers; ++i)
    threads.emplace_back([&, i] {
      auto s = PostgresStore::Open(Options());
      EXPECT_TRUE(s.ok()) << s.status().ToString();
      if (s.ok()) stores[i] = std::move(*s);
    });
  for (auto& t : threads) t.join();
  ASSERT_TRUE(PutApp(*stores[0], MakeApp("app-abcde")).ok());
  for (auto& store : stores) {
    ASSERT_NE(store, nullptr);
    auto apps = ListApps(*store);
    ASSERT_TRUE(apps.ok()) << apps.status().ToString();
    EXPECT_EQ(apps->size(), 1u);
  }
  auto db = Connection::Open({testing::TestDatabaseUrl(), schema_, milliseconds(5000)});
  ASSERT_TRUE(db.ok());
  auto rows = (*db)->Query("SELECT COUNT(*), MAX(version) FROM schema_migrations");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(rows->Int(0, 0), PostgresStore::LatestSchemaVersion());
  EXPECT_EQ(rows->Int(0, 1), PostgresStore::LatestSchemaVersion());
}

TEST_F(PostgresStoreTest, ADatabaseWithANewerSchemaIsRefused) {
  ASSERT_NE(OpenStore(Options()), nullptr);
  auto db = Connection::Open({testing::TestDatabaseUrl(), schema_, milliseconds(5000)});
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)
                  ->ExecScript("INSERT INTO schema_migrations VALUES (" +
                               std::to_string(PostgresStore::LatestSchemaVersion() + 1) + ")")
                  .ok());
  auto refused = PostgresStore::Open(Options());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kInternal);
  EXPECT_NE(refused.status().message().find("is newer than this guestpass"), std::string::npos)
      << refused.status().message();
}

TEST_F(PostgresStoreTest, AMalformedConnectionStringIsInvalidArgument) {
  PostgresOptions o = Options();
  o.conninfo = "host=127.0.0.1 nonsense_option=1";
  auto store = PostgresStore::Open(o);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Code::kInvalidArgument) << store.status().ToString();
}

// ---- Several servers on one database ----

TEST_F(PostgresStoreTest, ALogoutOnOneServerEndsTheSessionOnAnotherAtOnce) {
  auto a = OpenStore(Options());
  auto b = OpenStore(Options());
  ASSERT_TRUE(a && b);
  const core::App app = MakeApp("app-abcde");
  const core::User user = AnonUser(app.id);
  const core::Session session = MakeSession(user);
  ASSERT_TRUE(AwaitStatus([&](auto done) { a->CreateUserWithSession(user, session, 0, done); }).ok());
  auto read = [&](Store& s) {
    return Await<SessionWithUser>([&](auto done) { s.GetSessionWithUser(user.id, session.id, done); });
  };
  ASSERT_TRUE(read(*b).ok());
  ASSERT_TRUE(AwaitStatus([&](auto done) { a->SetUserDisabled(user.id, true, done); }).ok());
  ASSERT_TRUE(read(*b).ok());
  EXPECT_TRUE(read(*b)->user.disabled);
  auto out = Await<DeleteSessionOutcome>([&](auto done) {
    a->DeleteSession(user.id, session.id, true, core::Deletion{1, "user", "logout"}, done);
  });
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_TRUE(out->user_deleted);
  EXPECT_TRUE(read(*b).status().IsNotFound());
}

TEST_F(PostgresStoreTest, ConcurrentLinksOfOneIdentityThroughTwoServersHaveOneWinner) {
  auto a = OpenStore(Options());
  auto b = OpenStore(Options());
  ASSERT_TRUE(a && b);
  const core::App app = MakeApp("app-abcde");
  constexpr int kUsers = 50;
  std::vector<core::User> users;
  for (int i = 0; i < kUsers; ++i) {
    users.push_back(AnonUser(app.id));
    ASSERT_TRUE(AwaitStatus([&](auto done) {
                  a->CreateUserWithSession(users.back(), MakeSession(users.back()), 0, done);
                }).ok());
  }
  const core::Identity email{"65536f0a1b2c3d4e5f601234", std::string(core::kLocalUserpass), ids_.Next()};
  std::atomic<int> won{0}, lost{0}, other{0};
  std::latch finished(kUsers);
  for (int i = 0; i < kUsers; ++i) {
    Store& via = i % 2 == 0 ? static_cast<Store&>(*a) : static_cast<Store&>(*b);
    via.LinkIdentity(users[i].id, email, "{}", [&](core::Status s) {
      if (s.ok())
        ++won;
      else if (s.code() == Code::kAlreadyExists && s.message() == kLinkedToAnotherUser)
        ++lost;
      else
        ++other;
      finished.count_down();
    });
  }
  finished.wait();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(lost.load(), kUsers - 1);
  EXPECT_EQ(other.load(), 0);
}

TEST_F(PostgresStoreTest, TheAnonymousCapHoldsAcrossServers) {
  auto a = OpenStore(Options());
  auto b = OpenStore(Options());
  ASSERT_TRUE(a && b);
  const core::App app = MakeApp("app-abcde");
  constexpr int kCap = 10;
  constexpr int kTries = 40;
  std::atomic<int> created{0}, refused{0}, other{0};
  std::latch finished(kTries);
  for (int i = 0; i < kTries; ++i) {
    Store& via = i % 2 == 0 ? static_cast<Store&>(*a) : static_cast<Store&>(*b);
    const core::User u = AnonUser(app.id);
    via.CreateUserWithSession(u, MakeSession(u), kCap, [&](core::Status s) {
      if (s.ok())
        ++created;
      else if (s.code() == Code::kPermissionDenied)
        ++refused;
      else
        ++other;
      finished.count_down();
    });
  }
  finished.wait();
  EXPECT_EQ(created.load(), kCap);
  EXPECT_EQ(refused.load(), kTries - kCap);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(Await<int64_t>([&](auto done) { b->CountAnonymousUsers(app.id, done); }).value(), kCap);
}

// ---- Group commit ----

TEST_F(PostgresStoreTest, AFailingSignUpAmongPipelinedOnesFailsAloneAndTheRestCommit) {
  auto store = OpenStore(Options());
  ASSERT_NE(store, nullptr);
  const core::App app = MakeApp("app-abcde");
  const core::User taken = AnonUser(app.id);
  ASSERT_TRUE(AwaitStatus([&](auto done) { store->CreateUserWithSession(taken, MakeSession(taken), 0, done); }).ok());
  constexpr int kWrites = 200;
  std::vector<core::Status> results(kWrites);
  std::latch finished(kWrites);
  for (int i = 0; i < kWrites; ++i) {
    core::User u = AnonUser(app.id);
    if (i == kWrites / 2) u.id = taken.id;  // the one that cannot be inserted
    store->CreateUserWithSession(u, MakeSession(u), 0, [&, i](core::Status s) {
      results[i] = s;
      finished.count_down();
    });
  }
  finished.wait();
  for (int i = 0; i < kWrites; ++i) {
    if (i == kWrites / 2)
      EXPECT_EQ(results[i].code(), Code::kAlreadyExists) << results[i].ToString();
    else
      EXPECT_TRUE(results[i].ok()) << i << ": " << results[i].ToString();
  }
  EXPECT_EQ(Await<int64_t>([&](auto done) { store->CountUsers(app.id, done); }).value(), kWrites);
}

// ---- Faults ----

TEST_F(PostgresStoreTest, AnUnreachableDatabaseIsUnavailableAtOnce) {
  // A port nothing listens on: a socket bound and closed again.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  PostgresOptions o = Options();
  o.conninfo = "postgresql://postgres@127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/guestpass";
  const auto start = SteadyClock::now();
  auto store = PostgresStore::Open(o);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Code::kUnavailable) << store.status().ToString();
  EXPECT_LT(SteadyClock::now() - start, milliseconds(2000));
}

class PostgresFaultTest : public PostgresStoreTest {
 protected:
  void SetUp() override {
    PostgresStoreTest::SetUp();
    if (IsSkipped()) return;
    auto target = TcpTarget(testing::TestDatabaseUrl());
    if (!target) GTEST_SKIP() << "the test database is not reached over TCP to an IPv4 address";
    proxy_ = std::make_unique<FaultyProxy>(target->host, std::stoi(target->port));
    options_ = Options();
    options_.conninfo = "host=127.0.0.1 port=" + std::to_string(proxy_->port()) + " dbname=" + target->dbname +
                        (target->user.empty() ? "" : " user=" + target->user);
    options_.timeout = kTimeout;
    options_.readers = 2;
  }
  // Runs `op` until it succeeds, for at most `within`.
  template <typename Op>
  bool SucceedsWithin(milliseconds within, Op op) {
    const auto until = SteadyClock::now() + within;
    while (SteadyClock::now() < until) {
      if (op().ok()) return true;
      std::this_thread::sleep_for(milliseconds(50));
    }
    return false;
  }

  static constexpr milliseconds kTimeout{1000};
  std::unique_ptr<FaultyProxy> proxy_;
  PostgresOptions options_;
};

TEST_F(PostgresFaultTest, ASilentDatabaseFailsCallsWithinTheTimeoutAndTheStoreRecovers) {
  auto store = OpenStore(options_);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(PutApp(*store, MakeApp("before-abcde")).ok());
  ASSERT_TRUE(ListApps(*store).ok());

  proxy_->SetMode(FaultyProxy::Mode::kSilent);
  auto start = SteadyClock::now();
  auto read = ListApps(*store);
  EXPECT_EQ(read.status().code(), Code::kUnavailable) << read.status().ToString();
  EXPECT_LT(SteadyClock::now() - start, 3 * kTimeout);
  start = SteadyClock::now();
  core::Status write = PutApp(*store, MakeApp("during-abcde"));
  EXPECT_EQ(write.code(), Code::kUnavailable) << write.ToString();
  EXPECT_LT(SteadyClock::now() - start, 3 * kTimeout);

  proxy_->SetMode(FaultyProxy::Mode::kForward);
  EXPECT_TRUE(SucceedsWithin(milliseconds(5000), [&] { return PutApp(*store, MakeApp("after-abcde")); }));
  // Every reader serves again (a connection that failed is retried after
  // kReconnectPause): several reads in a row succeed.
  std::vector<std::string> names;
  EXPECT_TRUE(SucceedsWithin(milliseconds(5000), [&] {
    for (int i = 0; i < 8; ++i) {
      auto apps = ListApps(*store);
      if (!apps.ok()) return apps.status();
      names.clear();
      for (const auto& app : *apps) names.push_back(app.client_app_id);
    }
    return core::Status::Ok();
  }));
  EXPECT_EQ(names, (std::vector<std::string>{"before-abcde", "after-abcde"}));
}

TEST_F(PostgresFaultTest, ADatabaseThatDropsConnectionsFailsCallsFastAndTheStoreReconnects) {
  auto store = OpenStore(options_);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(PutApp(*store, MakeApp("before-abcde")).ok());
  ASSERT_TRUE(ListApps(*store).ok());

  proxy_->SetMode(FaultyProxy::Mode::kRefuse);
  std::this_thread::sleep_for(milliseconds(100));  // the pumps close the open connections
  for (int i = 0; i < 5; ++i) {
    const auto start = SteadyClock::now();
    EXPECT_EQ(ListApps(*store).status().code(), Code::kUnavailable);
    EXPECT_EQ(PutApp(*store, MakeApp("during-abcd" + std::to_string(i))).code(), Code::kUnavailable);
    EXPECT_LT(SteadyClock::now() - start, kTimeout);
  }

  proxy_->SetMode(FaultyProxy::Mode::kForward);
  EXPECT_TRUE(SucceedsWithin(milliseconds(5000), [&] { return PutApp(*store, MakeApp("after-abcde")); }));
  size_t count = 0;
  EXPECT_TRUE(SucceedsWithin(milliseconds(5000), [&] {
    auto apps = ListApps(*store);
    if (apps.ok()) count = apps->size();
    return apps.ok() ? core::Status::Ok() : apps.status();
  }));
  EXPECT_EQ(count, 2u);
}

}  // namespace
}  // namespace guestpass::store::postgres
