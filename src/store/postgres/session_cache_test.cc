// session_cache_test.cc: the PostgreSQL back end's session cache across
// servers (several PostgresStores on one database stand in for servers):
// every write that changes a session, made through one store, is seen at
// once by another store's cache; only notifications make a cached session
// change; losing the LISTEN connection clears and bypasses the cache until
// it listens again. Needs GUESTPASS_TEST_PG_URL (skipped without).
#include <gtest/gtest.h>

#include <thread>

#include "core/clock.h"
#include "core/random.h"
#include "store/postgres/postgres_store.h"
#include "store/postgres/session_listener.h"
#include "store/postgres/test_schema.h"
#include "store/sync.h"

namespace guestpass::store::postgres {
namespace {

using core::Code;
using core::ObjectId;
using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

class PostgresSessionCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (testing::TestDatabaseUrl().empty()) GTEST_SKIP() << testing::kSkipWithoutDatabase;
    schema_ = testing::TestSchemas::Fresh();
    writer_ = Open(Options());
    cached_ = Open(Options());
    PostgresOptions uncached = Options();
    uncached.session_cache = 0;
    truth_ = Open(uncached);
    ASSERT_TRUE(writer_ && cached_ && truth_);
    ASSERT_TRUE(cached_->SessionCacheStats().listening);
    app_ = MakeApp();
    ASSERT_TRUE(AwaitStatus([&](auto done) { writer_->PutApp(app_, done); }).ok());
  }
  PostgresOptions Options() const {
    PostgresOptions o;
    o.conninfo = testing::TestDatabaseUrl();
    o.schema = schema_;
    o.readers = 2;
    o.writers = 1;
    return o;
  }
  std::unique_ptr<PostgresStore> Open(PostgresOptions options) {
    auto store = PostgresStore::Open(std::move(options));
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(*store) : nullptr;
  }
  // SQL on the tables, behind the stores' backs (no NOTIFY).
  void Sql(const std::string& sql) {
    auto db = Connection::Open({testing::TestDatabaseUrl(), schema_, milliseconds(5000)});
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    ASSERT_TRUE((*db)->ExecScript(sql).ok()) << sql;
  }
  std::string Channel() const { return SessionListener::ChannelFor(schema_); }

  core::App MakeApp() {
    core::App app;
    app.id = ids_.Next();
    app.client_app_id = "cache-" + app.id.ToHex().substr(18);
    app.name = app.client_app_id;
    app.created_at = clock_.NowSeconds();
    return app;
  }
  core::User AnonUser() {
    core::User u;
    u.id = ids_.Next();
    u.app_id = app_.id;
    u.identities.push_back({u.id.ToHex() + "-anon", std::string(core::kAnonUser), ids_.Next()});
    u.created_at = u.last_active_at = clock_.NowSeconds();
    return u;
  }
  core::Session MakeSession(const core::User& u, int64_t ttl = 3600) {
    core::Session s;
    s.id = ids_.Next();
    s.user_id = u.id;
    s.created_at = clock_.NowSeconds();
    s.expires_at = s.created_at + ttl;
    return s;
  }
  // A new anonymous user with a session, through the writer. (Callers name
  // the two with references, not a structured binding: clang 14 refuses
  // lambda captures of those.)
  std::pair<core::User, core::Session> SignUp(int64_t ttl = 3600) {
    core::User user = AnonUser();
    core::Session session = MakeSession(user, ttl);
    EXPECT_TRUE(AwaitStatus([&](auto done) { writer_->CreateUserWithSession(user, session, 0, done); }).ok());
    return {user, session};
  }
  static core::Result<SessionWithUser> Read(Store& store, const core::Session& s) {
    return Await<SessionWithUser>([&](auto done) { store.GetSessionWithUser(s.user_id, s.id, done); });
  }
  // What the cached store answers equals what the database holds.
  void ExpectCachedReadIsTheDatabases(const core::Session& s, const std::string& what) {
    auto cached = Read(*cached_, s);
    auto truth = Read(*truth_, s);
    ASSERT_EQ(cached.status().code(), truth.status().code()) << what << ": " << cached.status().ToString();
    if (!truth.ok()) return;
    EXPECT_EQ(cached->user.disabled, truth->user.disabled) << what;
    EXPECT_EQ(cached->user.last_active_at, truth->user.last_active_at) << what;
    EXPECT_EQ(cached->user.data_json, truth->user.data_json) << what;
    ASSERT_EQ(cached->user.identities.size(), truth->user.identities.size()) << what;
    for (size_t i = 0; i < truth->user.identities.size(); ++i)
      EXPECT_EQ(cached->user.identities[i].id, truth->user.identities[i].id) << what;
    EXPECT_EQ(cached->session.expires_at, truth->session.expires_at) << what;
  }

  std::string schema_;
  core::ManualClock clock_{1'700'000'000};
  core::SeededRandom random_{11};
  core::ObjectIdGenerator ids_{clock_, random_};
  std::unique_ptr<PostgresStore> writer_, cached_, truth_;
  core::App app_;
};

TEST_F(PostgresSessionCacheTest, ACachedSessionChangesOnlyWhenANotificationNamesItsUser) {
  const auto user_signup = SignUp();
  const core::User& user = user_signup.first;
  const core::Session& session = user_signup.second;
  const auto other_signup = SignUp();
  const core::Session& other_session = other_signup.second;
  ASSERT_TRUE(Read(*cached_, session).ok());
  ASSERT_TRUE(Read(*cached_, other_session).ok());
  // Behind the stores' backs: the cache does not know (hence the NOTIFY
  // of every write, and the one an operator sends after such an edit).
  Sql("DELETE FROM sessions");
  EXPECT_TRUE(Read(*cached_, session).ok()) << "served from the cache";
  EXPECT_TRUE(Read(*truth_, session).status().IsNotFound());

  Sql("NOTIFY " + Channel() + ", '" + user.id.ToHex() + "'");
  EXPECT_TRUE(Read(*cached_, session).status().IsNotFound()) << "the user's sessions are dropped";
  EXPECT_TRUE(Read(*cached_, other_session).ok()) << "another user's stay";
  Sql("NOTIFY " + Channel() + ", '*'");
  EXPECT_TRUE(Read(*cached_, other_session).status().IsNotFound()) << "'*' drops everything";
  // Another schema's channel (another set of servers) changes nothing here.
  EXPECT_NE(SessionListener::ChannelFor("elsewhere"), Channel());
}

TEST_F(PostgresSessionCacheTest, EveryWriteThatChangesASessionIsSeenAtOnceByAnotherServersCache) {
  struct Case {
    std::string name;
    std::function<void(const core::User&, const core::Session&)> write;
  };
  const core::Deletion why{clock_.NowSeconds(), "test", "cache"};
  std::vector<Case> cases = {
      {"disable", [&](const core::User& u, const core::Session&) {
         ASSERT_TRUE(AwaitStatus([&](auto done) { writer_->SetUserDisabled(u.id, true, done); }).ok());
       }},
      {"logout", [&](const core::User& u, const core::Session& s) {
         ASSERT_TRUE(Await<DeleteSessionOutcome>([&](auto done) {
                       writer_->DeleteSession(u.id, s.id, /*delete_user_if_anonymous=*/false, why, done);
                     }).ok());
       }},
      {"delete user", [&](const core::User& u, const core::Session&) {
         ASSERT_TRUE(AwaitStatus([&](auto done) { writer_->DeleteUser(u.id, why, done); }).ok());
       }},
      {"revoke sessions", [&](const core::User& u, const core::Session&) {
         ASSERT_TRUE(Await<int64_t>([&](auto done) { writer_->DeleteUserSessions(u.id, done); }).ok());
       }},
      {"link", [&](const core::User& u, const core::Session&) {
         core::Identity id{"someone@example.com", "custom-token", ids_.Next()};
         ASSERT_TRUE(AwaitStatus([&](auto done) { writer_->LinkIdentity(u.id, id, R"({"name":"x"})", done); }).ok());
       }},
      {"record activity", [&](const core::User& u, const core::Session&) {
         ASSERT_TRUE(AwaitStatus([&](auto done) { writer_->RecordActivity(u.id, u.last_active_at + 7200, done); }).ok());
       }},
      {"new session", [&](const core::User& u, const core::Session&) {
         core::Session more = MakeSession(u);
         more.created_at += 7200;
         ASSERT_TRUE(AwaitStatus([&](auto done) { writer_->CreateSession(more, done); }).ok());
       }},
      {"expire inactive", [&](const core::User& u, const core::Session&) {
         auto gone = Await<std::vector<ObjectId>>([&](auto done) {
           writer_->DeleteInactiveAnonymousUsers(app_.id, u.last_active_at + 1, 1000, why, done);
         });
         ASSERT_TRUE(gone.ok());
         ASSERT_FALSE(gone->empty());
       }},
      {"delete app", [&](const core::User&, const core::Session&) {
         ASSERT_TRUE(AwaitStatus([&](auto done) { writer_->DeleteApp(app_.id, why, done); }).ok());
         app_ = MakeApp();
         ASSERT_TRUE(AwaitStatus([&](auto done) { writer_->PutApp(app_, done); }).ok());
       }},
  };
  for (const Case& c : cases) {
    const auto user_signup = SignUp();
    const core::User& user = user_signup.first;
    const core::Session& session = user_signup.second;
    ASSERT_TRUE(Read(*cached_, session).ok()) << c.name;
    ASSERT_TRUE(Read(*cached_, session).ok()) << c.name;  // now a hit
    c.write(user, session);
    ExpectCachedReadIsTheDatabases(session, c.name);
  }

  // An API key's identity goes with the key.
  const auto user_signup = SignUp();
  const core::User& user = user_signup.first;
  const core::Session& session = user_signup.second;
  core::ApiKey key{ids_.Next(), app_.id, user.id, "key", {}, false, clock_.NowSeconds()};
  ASSERT_TRUE(AwaitStatus([&](auto done) { writer_->CreateApiKey(key, done); }).ok());
  core::Identity key_identity{key.id.ToHex(), "api-key", ids_.Next()};
  ASSERT_TRUE(AwaitStatus([&](auto done) { writer_->LinkIdentity(user.id, key_identity, "{}", done); }).ok());
  ASSERT_EQ(Read(*cached_, session)->user.identities.size(), 2u);
  ASSERT_TRUE(AwaitStatus([&](auto done) { writer_->DeleteApiKey(key.id, user.id, done); }).ok());
  ExpectCachedReadIsTheDatabases(session, "delete API key");

  // Expired sessions purged.
  const auto old_user_signup = SignUp(/*ttl=*/-10);
  const core::Session& old_session = old_user_signup.second;
  ASSERT_TRUE(Read(*cached_, old_session).ok());
  auto purged = Await<Store::PurgeProgress>([&](auto done) {
    writer_->PurgeExpiredSessions(Store::SessionKey{}, 1000, clock_.NowSeconds(), done);
  });
  ASSERT_TRUE(purged.ok());
  ASSERT_GE(purged->deleted, 1);
  ExpectCachedReadIsTheDatabases(old_session, "purge expired sessions");
}

TEST_F(PostgresSessionCacheTest, ALogoutThroughOneServerIsRefusedByAnotherEveryTime) {
  // The e2e test's race, many times: the NOTIFY arrives a little after the
  // commit, and the read right after must still not be served stale.
  for (int i = 0; i < 200; ++i) {
    const auto user_signup = SignUp();
    const core::User& user = user_signup.first;
    const core::Session& session = user_signup.second;
    ASSERT_TRUE(Read(*cached_, session).ok());
    ASSERT_TRUE(Await<DeleteSessionOutcome>([&](auto done) {
                  writer_->DeleteSession(user.id, session.id, true, core::Deletion{1, "user", "logout"}, done);
                }).ok());
    ASSERT_TRUE(Read(*cached_, session).status().IsNotFound()) << "round " << i;
  }
  const auto stats = cached_->SessionCacheStats();
  EXPECT_GE(stats.barriers, 400u);
  EXPECT_GE(stats.notifications, 200u);
}

TEST_F(PostgresSessionCacheTest, ItsOwnWritesAreDroppedBeforeTheyAreAcknowledged) {
  const auto user_signup = SignUp();
  const core::User& user = user_signup.first;
  const core::Session& session = user_signup.second;
  ASSERT_TRUE(Read(*writer_, session).ok());
  ASSERT_TRUE(AwaitStatus([&](auto done) { writer_->SetUserDisabled(user.id, true, done); }).ok());
  auto read = Read(*writer_, session);
  ASSERT_TRUE(read.ok());
  EXPECT_TRUE(read->user.disabled);
}

TEST_F(PostgresSessionCacheTest, LosingTheListenConnectionClearsAndBypassesTheCacheUntilItListensAgain) {
  const auto user_signup = SignUp();
  const core::User& user = user_signup.first;
  const core::Session& session = user_signup.second;
  ASSERT_TRUE(Read(*cached_, session).ok());
  // A write whose notification the cache will never get...
  Sql("UPDATE users SET disabled = true");
  ASSERT_FALSE(Read(*cached_, session)->user.disabled) << "served from the cache";
  // ...and the listener's connection goes: from then on the cache is not
  // to be trusted, at once, before and after the listener notices.
  const auto before = cached_->SessionCacheStats();
  Sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'guestpass-listener'"
      " AND query LIKE '%" + Channel() + "%'");
  auto read = Read(*cached_, session);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_TRUE(read->user.disabled);
  // It listens again by itself; cached reads serve again, and see writes.
  const auto until = SteadyClock::now() + milliseconds(5000);
  while (cached_->SessionCacheStats().connects == before.connects && SteadyClock::now() < until)
    std::this_thread::sleep_for(milliseconds(10));
  const auto after = cached_->SessionCacheStats();
  EXPECT_EQ(after.connects, before.connects + 1);
  EXPECT_TRUE(after.listening);
  read = Read(*cached_, session);
  ASSERT_TRUE(read.ok());
  EXPECT_TRUE(read->user.disabled) << "what was cached before is gone";
  ASSERT_TRUE(AwaitStatus([&](auto done) { writer_->SetUserDisabled(user.id, false, done); }).ok());
  EXPECT_FALSE(Read(*cached_, session)->user.disabled);
  EXPECT_GT(cached_->SessionCacheStats().barriers, after.barriers);
}

TEST_F(PostgresSessionCacheTest, WithoutACacheThereIsNoListenConnection) {
  const auto stats = truth_->SessionCacheStats();
  EXPECT_FALSE(stats.listening);
  EXPECT_EQ(stats.connects, 0u);
  const auto user_signup = SignUp();
  const core::Session& session = user_signup.second;
  ASSERT_TRUE(Read(*truth_, session).ok());
  Sql("DELETE FROM sessions");
  EXPECT_TRUE(Read(*truth_, session).status().IsNotFound());
}

// ---- SessionListener alone ----

TEST(SessionListenerTest, WithoutADatabaseTheCacheIsBypassedAtOnce) {
  SessionCache cache(10, 10);
  // Port 1 on loopback: refused at once.
  SessionListener listener({{"host=127.0.0.1 port=1 connect_timeout=2", "", milliseconds(500)}, "guestpass_sessions",
                            milliseconds(50)},
                           cache);
  EXPECT_FALSE(listener.stats().listening);
  const auto start = SteadyClock::now();
  std::optional<bool> answer;
  listener.AfterBarrier([&](bool live) { answer = live; });
  ASSERT_TRUE(answer.has_value()) << "answered on the caller's thread";
  EXPECT_FALSE(*answer);
  EXPECT_LT(SteadyClock::now() - start, milliseconds(100));
}

TEST(SessionListenerTest, ChannelsArePlainNamesWithinPostgresLimits) {
  EXPECT_EQ(SessionListener::ChannelFor(""), "guestpass_sessions");
  EXPECT_EQ(SessionListener::ChannelFor("gp_test_abc"), "guestpass_sessions_gp_test_abc");
  for (const std::string& schema : {std::string("Mixed\"Case"), std::string(80, 'a')}) {
    const std::string channel = SessionListener::ChannelFor(schema);
    EXPECT_LE(channel.size(), 63u);
    EXPECT_EQ(channel.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_"), std::string::npos) << channel;
  }
  EXPECT_NE(SessionListener::ChannelFor(std::string(80, 'a')), SessionListener::ChannelFor(std::string(81, 'a')));
}

TEST(SessionListenerTest, PayloadsNameEveryUserWithinPostgresLimit) {
  core::ManualClock clock(1'700'000'000);
  core::SeededRandom random(3);
  core::ObjectIdGenerator ids(clock, random);
  std::vector<ObjectId> users;
  for (int i = 0; i < 1000; ++i) users.push_back(ids.Next());
  const auto payloads = SessionListener::Payloads(users);
  std::string all;
  for (const auto& p : payloads) {
    EXPECT_LT(p.size(), 8000u);
    if (!all.empty()) all += ',';
    all += p;
  }
  std::string expected;
  for (const auto& id : users) {
    if (!expected.empty()) expected += ',';
    expected += id.ToHex();
  }
  EXPECT_EQ(all, expected);
  EXPECT_TRUE(SessionListener::Payloads({}).empty());
}

}  // namespace
}  // namespace guestpass::store::postgres
