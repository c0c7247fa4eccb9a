// sqlite_store_test.cc: what only the SQLite back end promises beyond the
// Store contract: durability across reopening, schema migrations, draining
// queued writes on close.
#include "store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <thread>
#include <tuple>
#include <vector>

#include "core/clock.h"
#include "core/object_id.h"
#include "core/random.h"
#include "store/sqlite/connection.h"
#include "store/sqlite/migrations.h"
#include "store/sync.h"
#include "testutil/temp_dir.h"

namespace guestpass::store::sqlite {
namespace {

using core::Code;
using core::Status;
using core::ObjectId;

class SqliteStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<SqliteStore> Open() {
    auto store = SqliteStore::Open({path_});
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(*store) : nullptr;
  }

  // {MAX(version), COUNT(*)} of schema_migrations, read on a separate connection.
  std::pair<int64_t, int64_t> MigrationState() {
    auto db = Connection::Open(path_, /*read_only=*/true);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    if (!db.ok()) return {-1, -1};
    Statement st = (*db)->Prepare("SELECT MAX(version), COUNT(*) FROM schema_migrations");
    EXPECT_EQ(st.Step(), SQLITE_ROW);
    return {st.ColumnInt(0), st.ColumnInt(1)};
  }

  // A database at schema `version`, as an older guestpass left it, for a
  // migration test to fill before the store opens (and upgrades) it.
  std::unique_ptr<Connection> DatabaseAtVersion(int version) {
    auto db = Connection::Open(path_, /*read_only=*/false);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    if (!db.ok()) return nullptr;
    Connection& c = **db;
    EXPECT_TRUE(c.Exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY)").ok());
    for (int v = 1; v <= version; ++v) {
      EXPECT_TRUE(c.Exec(kMigrations[v - 1]).ok()) << v;
      EXPECT_TRUE(c.Exec(("INSERT INTO schema_migrations (version) VALUES (" + std::to_string(v) + ")").c_str()).ok());
    }
    return std::move(*db);
  }

  // An anonymous user as schema 4-6 kept one: a users row and an identities row.
  static void AddOldAnonymousUser(Connection& c, const ObjectId& user, const ObjectId& app_id,
                                  const ObjectId& provider_id, const std::string& identity_id) {
    Statement st = c.Prepare(
        "INSERT INTO users (id, app_id, type, created_at, last_active_at, anonymous) VALUES (?, ?, 'normal', 1, 1, 1)");
    st.Bind(1, user).Bind(2, app_id);
    ASSERT_EQ(st.Step(), SQLITE_DONE);
    Statement ident = c.Prepare(
        "INSERT INTO identities (user_id, seq, app_id, provider_type, provider_id, identity_id)"
        " VALUES (?, 0, ?, 'anon-user', ?, ?)");
    ident.Bind(1, user).Bind(2, app_id).Bind(3, provider_id).Bind(4, identity_id);
    ASSERT_EQ(ident.Step(), SQLITE_DONE);
  }

  testutil::TempDir dir_;
  std::string path_ = dir_.File("guestpass.db");
  core::ManualClock clock_{1'700'000'000};
  core::SeededRandom random_{5};
  core::ObjectIdGenerator ids_{clock_, random_};
};

TEST_F(SqliteStoreTest, DataSurvivesClosingAndReopening) {
  core::App app;
  app.id = ids_.Next();
  app.client_app_id = "durable-abcde";
  app.name = "durable";
  app.created_at = 42;
  app.providers.push_back({ids_.Next(), "anon-user", "anon-user", false, "{}"});
  app.settings.refresh_token_ttl_seconds = 600;
  core::User user;
  user.id = ids_.Next();
  user.app_id = app.id;
  user.identities.push_back({"ident-1", "anon-user", app.providers[0].id});
  user.created_at = 7;
  core::Session session;
  session.id = ids_.Next();
  session.user_id = user.id;
  session.secret_hash.fill(0xab);
  session.expires_at = 99;
  session.device_id = ids_.Next();
  session.device_json = R"({"platform":"node"})";
  {
    auto store = Open();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(AwaitStatus([&](auto done) { store->PutApp(app, done); }).ok());
    ASSERT_TRUE(AwaitStatus([&](auto done) { store->CreateUserWithSession(user, session, 0, done); }).ok());
  }  // destroyed: the store is closed

  auto store = Open();
  ASSERT_NE(store, nullptr);
  auto apps = Await<std::vector<core::App>>([&](auto done) { store->ListApps(done); });
  ASSERT_TRUE(apps.ok()) << apps.status().ToString();
  ASSERT_EQ(apps->size(), 1u);
  EXPECT_EQ(apps->front().id, app.id);
  EXPECT_EQ(apps->front().client_app_id, "durable-abcde");
  EXPECT_EQ(apps->front().created_at, 42);
  EXPECT_EQ(apps->front().settings.refresh_token_ttl_seconds, 600);
  ASSERT_EQ(apps->front().providers.size(), 1u);
  EXPECT_EQ(apps->front().providers[0].id, app.providers[0].id);

  auto got = Await<SessionWithUser>([&](auto done) { store->GetSessionWithUser(session.user_id, session.id, done); });
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->session.secret_hash, session.secret_hash);
  EXPECT_EQ(got->session.expires_at, 99);
  EXPECT_EQ(got->session.device_id, session.device_id);
  EXPECT_EQ(got->session.device_json, R"({"platform":"node"})");
  EXPECT_EQ(got->user.id, user.id);
  EXPECT_EQ(got->user.created_at, 7);
  ASSERT_EQ(got->user.identities.size(), 1u);
  EXPECT_EQ(got->user.identities[0].id, "ident-1");
  EXPECT_EQ(Await<int64_t>([&](auto done) { store->CountUsers(app.id, done); }).value(), 1);
}

TEST_F(SqliteStoreTest, EveryMigrationIsAppliedOnOpen) {
  ASSERT_NE(Open(), nullptr);
  const int64_t latest = SqliteStore::LatestSchemaVersion();
  EXPECT_EQ(latest, 13);
  EXPECT_EQ(MigrationState(), (std::pair<int64_t, int64_t>{latest, latest}));
}

TEST_F(SqliteStoreTest, ReopeningDoesNotReapplyMigrations) {
  ASSERT_NE(Open(), nullptr);
  ASSERT_NE(Open(), nullptr);
  const int64_t latest = SqliteStore::LatestSchemaVersion();
  EXPECT_EQ(latest, 13);
  EXPECT_EQ(MigrationState(), (std::pair<int64_t, int64_t>{latest, latest}));
}

TEST_F(SqliteStoreTest, RefusesADatabaseOfANewerVersion) {
  ASSERT_NE(Open(), nullptr);
  {
    auto db = Connection::Open(path_, /*read_only=*/false);
    ASSERT_TRUE(db.ok());
    const std::string sql = "INSERT INTO schema_migrations (version) VALUES (" +
                            std::to_string(SqliteStore::LatestSchemaVersion() + 1) + ")";
    ASSERT_TRUE((*db)->Exec(sql.c_str()).ok());
  }
  auto store = SqliteStore::Open({path_});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Code::kInternal);
  const std::string latest = std::to_string(SqliteStore::LatestSchemaVersion());
  const std::string newer = std::to_string(SqliteStore::LatestSchemaVersion() + 1);
  EXPECT_NE(store.status().message().find("database schema version " + newer + " is newer than this guestpass (" +
                                          latest + ")"),
            std::string::npos)
      << store.status().message();
}

TEST_F(SqliteStoreTest, OpenFailsReadablyForAMissingDirectory) {
  auto store = SqliteStore::Open({dir_.File("missing/guestpass.db")});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Code::kUnavailable);
  EXPECT_NE(store.status().message().find("cannot open database"), std::string::npos) << store.status().message();
}

TEST_F(SqliteStoreTest, ClosingFinishesEveryQueuedWrite) {
  constexpr int kWrites = 300;
  const ObjectId app_id = ids_.Next();
  std::atomic<int> completed{0};
  std::atomic<int> succeeded{0};
  {
    auto store = Open();
    ASSERT_NE(store, nullptr);
    for (int i = 0; i < kWrites; ++i) {
      core::User user;
      user.id = ids_.Next();
      user.app_id = app_id;
      user.identities.push_back({user.id.ToHex(), "anon-user", ObjectId()});
      core::Session session;
      session.id = ids_.Next();
      session.user_id = user.id;
      store->CreateUserWithSession(user, session, 0, [&](core::Status s) {
        succeeded += s.ok();
        ++completed;
      });
    }
  }  // the destructor drains the queue before closing
  EXPECT_EQ(completed.load(), kWrites);
  EXPECT_EQ(succeeded.load(), kWrites);
  auto store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(Await<int64_t>([&](auto done) { store->CountUsers(app_id, done); }).value(), kWrites);
}

// A database made by the previous release (schema 3) with users in it: the
// lifecycle migration marks exactly the anonymous ones and counts them.
TEST_F(SqliteStoreTest, TheLifecycleMigrationClassifiesExistingUsers) {
  const ObjectId app_id = ids_.Next();
  const ObjectId anon_a = ids_.Next(), anon_b = ids_.Next(), linked = ids_.Next(), email = ids_.Next();
  {
    auto db = DatabaseAtVersion(3);
    ASSERT_NE(db, nullptr);
    Connection& c = *db;
    auto add_user = [&](const ObjectId& id, int64_t last_active, std::vector<std::string> types) {
      Statement st = c.Prepare(
          "INSERT INTO users (id, app_id, type, created_at, last_active_at) VALUES (?, ?, 'normal', 1, ?)");
      st.Bind(1, id).Bind(2, app_id).Bind(3, last_active);
      ASSERT_EQ(st.Step(), SQLITE_DONE);
      int64_t seq = 0;
      for (const auto& type : types) {
        Statement ident = c.Prepare(
            "INSERT INTO identities (user_id, seq, app_id, provider_type, provider_id, identity_id)"
            " VALUES (?, ?, ?, ?, ?, ?)");
        ident.Bind(1, id).Bind(2, seq).Bind(3, app_id).Bind(4, type).Bind(5, app_id);
        ident.Bind(6, id.ToHex() + "-" + std::to_string(seq++));
        ASSERT_EQ(ident.Step(), SQLITE_DONE);
      }
    };
    add_user(anon_a, 20, {"anon-user"});
    add_user(anon_b, 10, {"anon-user"});
    add_user(linked, 5, {"anon-user", "custom-token"});
    add_user(email, 5, {"local-userpass"});
  }
  auto store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(Await<int64_t>([&](auto done) { store->CountAnonymousUsers(app_id, done); }).value(), 2);
  // Their activity before the upgrade is unknown: it counts from the upgrade.
  auto idle = Await<std::vector<core::User>>(
      [&](auto done) { store->ListInactiveAnonymousUsers(app_id, /*cutoff=*/100, 10, done); });
  ASSERT_TRUE(idle.ok()) << idle.status().ToString();
  EXPECT_TRUE(idle->empty());
  const int64_t upgraded = core::SystemClock().NowSeconds();
  idle = Await<std::vector<core::User>>(
      [&](auto done) { store->ListInactiveAnonymousUsers(app_id, upgraded + 10, 10, done); });
  ASSERT_TRUE(idle.ok()) << idle.status().ToString();
  ASSERT_EQ(idle->size(), 2u);
  for (const auto& u : *idle) {
    EXPECT_TRUE(u.id == anon_a || u.id == anon_b);
    EXPECT_GE(u.last_active_at, upgraded - 60);
  }
}

// Migration 0006 keys sessions by (user_id, id): existing sessions keep
// working, and a user's deletion still takes all of them.
TEST_F(SqliteStoreTest, TheSessionKeyMigrationKeepsEverySession) {
  const ObjectId app_id = ids_.Next();
  std::vector<std::pair<ObjectId, ObjectId>> sessions;  // user, session
  {
    auto db = DatabaseAtVersion(5);
    ASSERT_NE(db, nullptr);
    Connection& c = *db;
    for (int u = 0; u < 3; ++u) {
      const ObjectId user = ids_.Next();
      AddOldAnonymousUser(c, user, app_id, app_id, user.ToHex() + "-anon");
      for (int k = 0; k < 2; ++k) {
        const ObjectId session = ids_.Next();
        Statement ins = c.Prepare(
            "INSERT INTO sessions (id, user_id, secret_hash, created_at, expires_at, device_id, device)"
            " VALUES (?, ?, x'00', 1, 1900000000, ?, '{\"platform\":\"web\"}')");
        ins.Bind(1, session).Bind(2, user).Bind(3, session);
        ASSERT_EQ(ins.Step(), SQLITE_DONE);
        sessions.emplace_back(user, session);
      }
    }
  }
  auto store = Open();
  ASSERT_NE(store, nullptr);
  const int64_t latest = SqliteStore::LatestSchemaVersion();
  EXPECT_EQ(MigrationState(), (std::pair<int64_t, int64_t>{latest, latest}));
  for (const auto& ids : sessions) {  // not a structured binding: clang before 16 cannot capture one
    auto got = Await<SessionWithUser>([&](auto done) { store->GetSessionWithUser(ids.first, ids.second, done); });
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(got->session.device_json, R"({"platform":"web"})");
    EXPECT_EQ(got->user.id, ids.first);
  }
  {
    auto db = Connection::Open(path_, /*read_only=*/true);
    ASSERT_TRUE(db.ok());
    Statement st = (*db)->Prepare("SELECT COUNT(*) FROM sqlite_schema WHERE name = 'sessions_by_user'");
    ASSERT_EQ(st.Step(), SQLITE_ROW);
    EXPECT_EQ(st.ColumnInt(0), 0);
  }
  const ObjectId first_user = sessions[0].first;
  ASSERT_TRUE(AwaitStatus([&](auto done) { store->DeleteUser(first_user, core::Deletion{1, "test", "x"}, done); }).ok());
  for (const auto& pair : sessions) {  // not a structured binding: clang before 16 cannot capture one
    const auto& [user, session] = pair;
    auto got =
        Await<SessionWithUser>([&](auto done) { store->GetSessionWithUser(pair.first, pair.second, done); });
    EXPECT_EQ(got.ok(), user != first_user);
  }
}

// Migration 0007 keeps a new anonymous user's identity in its users row;
// users from before keep their identities rows. Both kinds read, link and
// delete alike.
TEST_F(SqliteStoreTest, OldAndInlineAnonymousIdentitiesReadAlike) {
  const ObjectId app_id = ids_.Next(), provider_id = ids_.Next();
  const ObjectId old_user = ids_.Next(), old_session = ids_.Next();
  {
    auto db = DatabaseAtVersion(6);
    ASSERT_NE(db, nullptr);
    Connection& c = *db;
    AddOldAnonymousUser(c, old_user, app_id, provider_id, "old-anon");
    Statement ins = c.Prepare(
        "INSERT INTO sessions (user_id, id, secret_hash, created_at, expires_at, device_id)"
        " VALUES (?, ?, x'00', 1, 1900000000, ?)");
    ins.Bind(1, old_user).Bind(2, old_session).Bind(3, old_session);
    ASSERT_EQ(ins.Step(), SQLITE_DONE);
  }
  auto store = Open();
  ASSERT_NE(store, nullptr);
  core::User fresh;
  fresh.id = ids_.Next();
  fresh.app_id = app_id;
  fresh.identities.push_back({"new-anon", "anon-user", provider_id});
  core::Session fresh_session;
  fresh_session.id = ids_.Next();
  fresh_session.user_id = fresh.id;
  fresh_session.expires_at = 1'900'000'000;
  ASSERT_TRUE(AwaitStatus([&](auto done) { store->CreateUserWithSession(fresh, fresh_session, 0, done); }).ok());
  {
    auto db = Connection::Open(path_, /*read_only=*/true);
    ASSERT_TRUE(db.ok());
    Statement st = (*db)->Prepare("SELECT COUNT(*) FROM identities WHERE user_id = ?");
    st.Bind(1, fresh.id);
    ASSERT_EQ(st.Step(), SQLITE_ROW);
    EXPECT_EQ(st.ColumnInt(0), 0) << "a new anonymous user's identity is inline";
  }
  for (const auto& [user_id, session_id, identity] :
       {std::tuple{old_user, old_session, "old-anon"}, std::tuple{fresh.id, fresh_session.id, "new-anon"}}) {
    const ObjectId user = user_id, session = session_id;  // lambdas capture these (clang < 16: not bindings)
    auto got = Await<SessionWithUser>([&](auto done) { store->GetSessionWithUser(user, session, done); });
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_EQ(got->user.identities.size(), 1u);
    EXPECT_EQ(got->user.identities[0].id, identity);
    EXPECT_EQ(got->user.identities[0].provider_type, "anon-user");
    EXPECT_EQ(got->user.identities[0].provider_id, provider_id);
    auto read = Await<core::User>([&](auto done) { store->GetUser(user, done); });
    ASSERT_TRUE(read.ok());
    EXPECT_TRUE(read->IsAnonymous());
    ASSERT_EQ(read->identities.size(), 1u);
    EXPECT_EQ(read->identities[0].id, identity);
  }
  EXPECT_EQ(Await<int64_t>([&](auto done) { store->CountAnonymousUsers(app_id, done); }).value(), 2);
  // Linking keeps the inline identity first and makes the user permanent.
  ASSERT_TRUE(AwaitStatus([&](auto done) {
                store->LinkIdentity(fresh.id, {"key-1", "api-key", ids_.Next()}, "{}", done);
              }).ok());
  auto linked = Await<core::User>([&](auto done) { store->GetUser(fresh.id, done); });
  ASSERT_TRUE(linked.ok());
  ASSERT_EQ(linked->identities.size(), 2u);
  EXPECT_EQ(linked->identities[0].id, "new-anon");
  EXPECT_EQ(linked->identities[1].id, "key-1");
  EXPECT_EQ(Await<int64_t>([&](auto done) { store->CountAnonymousUsers(app_id, done); }).value(), 1);
  // A logout deletes the old anonymous user (its provider in the audit event)
  // and keeps the linked one.
  auto out = Await<DeleteSessionOutcome>([&](auto done) {
    store->DeleteSession(old_user, old_session, true, core::Deletion{5, "user", "logout"}, done);
  });
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(out->user_deleted);
  out = Await<DeleteSessionOutcome>([&](auto done) {
    store->DeleteSession(fresh.id, fresh_session.id, true, core::Deletion{5, "user", "logout"}, done);
  });
  ASSERT_TRUE(out.ok());
  EXPECT_FALSE(out->user_deleted);
  auto events = Await<std::vector<core::AuditEvent>>([&](auto done) { store->ListAuditEvents(app_id, 0, 10, done); });
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ(events->front().user_id, old_user);
  EXPECT_EQ(events->front().providers, std::vector<std::string>{"anon-user"});
}

// Anonymous sign-ups run without a savepoint (sqlite_store.h, WriteOp). One
// that fails after changing rows (here: a trigger refuses some sessions, after
// the user and identity rows went in) must leave nothing behind, and the rest
// of its batch must land: the batch is redone with savepoints.
TEST_F(SqliteStoreTest, ASignUpFailingHalfwayLeavesNoPartialUserAndSparesItsBatch) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  {
    auto db = Connection::Open(path_, /*read_only=*/false);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Exec("CREATE TRIGGER refuse BEFORE INSERT ON sessions WHEN NEW.device = 'refuse'"
                            " BEGIN SELECT RAISE(ABORT, 'refused by the test'); END")
                    .ok());
  }
  constexpr int kCount = 400;
  const ObjectId app_id = ids_.Next();
  std::vector<core::User> users(kCount);
  std::vector<core::Session> sessions(kCount);
  for (int i = 0; i < kCount; ++i) {
    users[i].id = ids_.Next();
    users[i].app_id = app_id;
    users[i].identities.push_back({users[i].id.ToHex() + "-anon", "anon-user", app_id});
    sessions[i].id = ids_.Next();
    sessions[i].user_id = users[i].id;
    sessions[i].expires_at = 1'900'000'000;
    if (i % 50 == 7) sessions[i].device_json = "refuse";
  }
  std::latch finished(kCount);
  std::vector<Status> results(kCount);
  for (int i = 0; i < kCount; ++i) {  // fired without waiting: they share batches
    store->CreateUserWithSession(users[i], sessions[i], 0, [&, i](Status s) {
      results[i] = s;
      finished.count_down();
    });
  }
  finished.wait();
  int landed = 0;
  for (int i = 0; i < kCount; ++i) {
    auto user = Await<core::User>([&](auto done) { store->GetUser(users[i].id, done); });
    if (i % 50 == 7) {
      EXPECT_FALSE(results[i].ok()) << i;
      EXPECT_TRUE(user.status().IsNotFound()) << i << ": a partial user was left";
    } else {
      EXPECT_TRUE(results[i].ok()) << i << ": " << results[i].ToString();
      EXPECT_TRUE(user.ok()) << i;
      landed += user.ok();
    }
  }
  EXPECT_EQ(Await<int64_t>([&](auto done) { store->CountUsers(app_id, done); }).value(), landed);
}

// `guestpass users expire` run beside a live server writes through another
// connection: the server's session cache must not keep serving the deleted
// user's sessions.
// A tool's store (e.g. `guestpass audit`) beside a live server whose writer
// is busy: closing the tool's store must not wait for the server's writes.
// (It did: a TRUNCATE checkpoint on close waited through the busy handler.)
TEST_F(SqliteStoreTest, ClosingDoesNotWaitForAnotherProcessesWrites) {
  auto server = Open();
  ASSERT_NE(server, nullptr);
  auto busy = Connection::Open(path_, /*read_only=*/false);  // the server's writer, mid-transaction
  ASSERT_TRUE(busy.ok());
  ASSERT_TRUE((*busy)->Exec("BEGIN IMMEDIATE").ok());
  ASSERT_TRUE((*busy)->Exec("INSERT INTO schema_migrations (version) VALUES (1000)").ok());
  auto tool = Open();
  ASSERT_NE(tool, nullptr);
  const auto started = std::chrono::steady_clock::now();
  tool.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
  ASSERT_TRUE((*busy)->Exec("ROLLBACK").ok());
}

TEST_F(SqliteStoreTest, ASessionDeletedByAnotherProcessStopsBeingServedPromptly) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  core::App app;
  app.id = ids_.Next();
  app.client_app_id = "outside-abcde";
  app.name = "outside";
  ASSERT_TRUE(AwaitStatus([&](auto done) { store->PutApp(app, done); }).ok());
  core::User user;
  user.id = ids_.Next();
  user.app_id = app.id;
  user.identities.push_back({"ident-outside", "anon-user", ids_.Next()});
  core::Session session;
  session.id = ids_.Next();
  session.user_id = user.id;
  session.expires_at = 1'900'000'000;
  ASSERT_TRUE(AwaitStatus([&](auto done) { store->CreateUserWithSession(user, session, 0, done); }).ok());
  ASSERT_TRUE(Await<SessionWithUser>([&](auto done) { store->GetSessionWithUser(session.user_id, session.id, done); }).ok());

  {
    auto other = SqliteStore::Open({path_});  // a second process's store
    ASSERT_TRUE(other.ok());
    ASSERT_TRUE(AwaitStatus([&](auto done) { (*other)->DeleteUser(user.id, core::Deletion{1, "cli:test", "x"}, done); })
                    .ok());
  }
  // The writer polls data_version every 100 ms; allow a generous margin.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  bool gone = false;
  while (!gone && std::chrono::steady_clock::now() < deadline) {
    gone = Await<SessionWithUser>([&](auto done) { store->GetSessionWithUser(session.user_id, session.id, done); })
               .status()
               .IsNotFound();
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(gone);
}

// The cap's count is cached by the writer; users another process creates
// (or deletes) count too.
TEST_F(SqliteStoreTest, TheAnonymousCapCountsUsersOtherProcessesCreate) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  const ObjectId app_id = ids_.Next();
  auto anon = [&] {
    core::User user;
    user.id = ids_.Next();
    user.app_id = app_id;
    user.identities.push_back({user.id.ToHex() + "-cap", "anon-user", app_id});
    core::Session session;
    session.id = ids_.Next();
    session.user_id = user.id;
    return std::pair{user, session};
  };
  auto create = [&](SqliteStore& s) {
    auto created = anon();  // not a structured binding: the lambda captures it (clang < 16)
    return AwaitStatus(
        [&](auto done) { s.CreateUserWithSession(created.first, created.second, /*anonymous_cap=*/3, done); });
  };
  ASSERT_TRUE(create(*store).ok());  // counted: 1
  {
    auto other = SqliteStore::Open({path_});
    ASSERT_TRUE(other.ok());
    ASSERT_TRUE(create(**other).ok());
    ASSERT_TRUE(create(**other).ok());
  }
  EXPECT_EQ(create(*store).code(), Code::kPermissionDenied);  // 3 exist, not 1
  EXPECT_EQ(Await<int64_t>([&](auto done) { store->CountAnonymousUsers(app_id, done); }).value(), 3);
}

}  // namespace
}  // namespace guestpass::store::sqlite
