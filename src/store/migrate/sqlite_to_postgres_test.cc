// sqlite_to_postgres_test.cc: `guestpass migrate-store`'s copy: a SQLite
// store holding every kind of record (made through the Store API) reads back
// the same through the PostgreSQL store after the copy, also when the copy
// was interrupted again and again; a target holding other data, an old
// SQLite schema and a table in one store only are refused. Needs
// GUESTPASS_TEST_PG_URL (skipped without).
#include "store/migrate/sqlite_to_postgres.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdio>
#include <memory>
#include <set>
#include <sstream>

#include "core/clock.h"
#include "core/object_id.h"
#include "core/random.h"
#include "store/postgres/postgres_store.h"
#include "store/postgres/test_schema.h"
#include "store/sqlite/sqlite_store.h"
#include "store/sync.h"
#include "testutil/temp_dir.h"

namespace guestpass::store::migrate {
namespace {

namespace pgt = postgres::testing;
using core::ObjectId;

std::string Hex(std::span<const uint8_t> bytes) {
  std::string out;
  char buf[3];
  for (uint8_t b : bytes) {
    std::snprintf(buf, sizeof buf, "%02x", b);
    out += buf;
  }
  return out;
}
std::string Hex(std::string_view bytes) {
  return Hex(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

// Blocking calls on a Store; a failed call fails the test and yields T{}.
template <typename T, typename Start>
T Get(Start&& start) {
  auto r = Await<T>(std::forward<Start>(start));
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(*r) : T{};
}
template <typename Start>
void Do(Start&& start) {
  core::Status s = AwaitStatus(std::forward<Start>(start));
  ASSERT_TRUE(s.ok()) << s.ToString();
}

// What a store holds, read through the Store API, as text: equal texts mean
// the two stores answer every read below alike.
struct DumpScope {
  std::vector<ObjectId> extra_audit_apps;  // deleted apps, whose audit events remain
  std::vector<std::pair<ObjectId, std::string>> emails;
};

std::string Dump(Store& store, const DumpScope& scope) {
  std::ostringstream out;
  auto apps = Get<std::vector<core::App>>([&](auto done) { store.ListApps(done); });
  std::vector<ObjectId> audit_apps = scope.extra_audit_apps;
  for (const core::App& app : apps) {
    audit_apps.push_back(app.id);
    out << "app " << app.id.ToHex() << " " << app.client_app_id << " " << app.name << " " << app.created_at << " ttl "
        << app.settings.refresh_token_ttl_seconds << " cap " << app.settings.anonymous_user_cap << "\n";
    for (const auto& p : app.providers)
      out << "  provider " << p.id.ToHex() << " " << p.type << " " << p.disabled << " " << p.config_json << " "
          << p.secret_config_json << "\n";
    out << "  users " << Get<int64_t>([&](auto done) { store.CountUsers(app.id, done); }) << " anonymous "
        << Get<int64_t>([&](auto done) { store.CountAnonymousUsers(app.id, done); }) << "\n";
    Store::UserQuery q;
    q.app_id = app.id;
    q.limit = 1000;
    for (const core::User& u : Get<std::vector<core::User>>([&](auto done) { store.ListUsers(q, done); })) {
      out << "  user " << u.id.ToHex() << " " << u.type << " " << u.data_json << " " << u.created_at << " "
          << u.last_active_at << " disabled " << u.disabled << " anonymous " << u.IsAnonymous() << "\n";
      for (const auto& i : u.identities)
        out << "    identity " << i.provider_type << " " << i.id << " " << i.provider_id.ToHex() << "\n";
      for (const auto& s :
           Get<std::vector<core::Session>>([&](auto done) { store.ListUserSessions(u.id, 0, 1000, done); }))
        out << "    session " << s.id.ToHex() << " " << Hex(s.secret_hash) << " " << s.created_at << " " << s.expires_at
            << " " << s.device_id.ToHex() << " " << s.device_json << "\n";
      for (const auto& k : Get<std::vector<core::ApiKey>>([&](auto done) { store.ListApiKeys(u.id, done); }))
        out << "    key " << k.id.ToHex() << " " << k.name << " " << Hex(k.key_hash) << " " << k.disabled << " "
            << k.created_at << "\n";
    }
    for (const auto& k : Get<std::vector<core::ApiKey>>([&](auto done) { store.ListServerApiKeys(app.id, done); }))
      out << "  server key " << k.id.ToHex() << " " << k.name << " " << Hex(k.key_hash) << "\n";
    for (const auto& k : Get<std::vector<core::StoredSigningKey>>([&](auto done) { store.ListSigningKeys(done); }))
      out << "  signing key " << k.kid << " " << k.alg << " " << Hex(k.sealed_secret) << " " << k.created_at << " "
          << k.active_from << "\n";
    for (const auto& s : Get<std::vector<core::Secret>>([&](auto done) { store.ListSecrets(app.id, done); }))
      out << "  secret " << s.id.ToHex() << " " << s.name << " " << Hex(s.sealed_value) << " " << s.created_at << " "
          << s.updated_at << "\n";
    for (const auto& d :
         Get<std::vector<core::Deployment>>([&](auto done) { store.ListDeployments(app.id, 100, done); }))
      out << "  deployment " << d.id.ToHex() << " " << d.name << " " << d.draft_id.ToHex() << " " << d.author_id.ToHex()
          << " " << d.origin << " " << static_cast<int>(d.status) << " " << d.error << " " << d.deployed_at << " "
          << d.config_json << "\n";
    if (auto draft = Get<std::optional<core::Draft>>([&](auto done) { store.GetDraft(app.id, done); }))
      out << "  draft " << draft->id.ToHex() << " " << draft->author_id.ToHex() << " " << draft->created_at << " "
          << draft->app.name << "\n";
    Store::LogQuery logs;
    logs.app_id = app.id;
    logs.limit = 1000;
    for (const auto& e : Get<std::vector<core::LogEvent>>([&](auto done) { store.ListLogEvents(logs, done); }))
      out << "  log " << e.id.ToHex() << " " << e.type << " " << e.error << " " << e.user_id.ToHex() << " " << e.at_ms
          << " " << e.entry_json << "\n";
    for (const auto& a : Get<std::vector<core::UserpassAccount>>(
             [&](auto done) { store.ListPendingUserpassAccounts(app.id, ObjectId(), 100, done); }))
      out << "  pending " << a.id.ToHex() << " " << a.email << "\n";
  }
  for (const auto& entry : scope.emails) {  // not a structured binding: clang 14 cannot capture one
    const auto& [app_id, email] = entry;
    auto a = Get<core::UserpassAccount>(
        [&, &app_id = app_id, &email = email](auto done) { store.GetUserpassAccount(app_id, email, done); });
    out << "account " << a.id.ToHex() << " " << a.email << " " << a.password_hash << " " << a.confirmed << " "
        << a.created_at << "\n";
  }
  for (const ObjectId& app_id : audit_apps)
    for (const auto& e :
         Get<std::vector<core::AuditEvent>>([&](auto done) { store.ListAuditEvents(app_id, 0, 1000, done); })) {
      out << "audit " << e.seq << " " << e.app_id.ToHex() << " " << e.at << " " << e.action << " " << e.user_id.ToHex()
          << " " << e.actor << " " << e.reason;
      for (const auto& p : e.providers) out << " " << p;
      out << "\n";
    }
  return out.str();
}

class MigrateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (pgt::TestDatabaseUrl().empty()) GTEST_SKIP() << pgt::kSkipWithoutDatabase;
    schema_ = pgt::TestSchemas::Fresh();
  }

  std::string SqlitePath() const { return dir_.File("guestpass.db"); }

  std::unique_ptr<Store> OpenSqlite(const std::string& path) {
    auto store = sqlite::SqliteStore::Open({path});
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(*store) : nullptr;
  }
  std::unique_ptr<Store> OpenPostgres() {
    postgres::PostgresOptions options;
    options.conninfo = pgt::TestDatabaseUrl();
    options.schema = schema_;
    auto store = postgres::PostgresStore::Open(options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(*store) : nullptr;
  }
  MigrateOptions Options(const std::string& sqlite_path) const {
    MigrateOptions options;
    options.sqlite_path = sqlite_path;
    options.conninfo = pgt::TestDatabaseUrl();
    options.schema = schema_;
    return options;
  }
  // Runs SQL on the test schema.
  core::Status OnTarget(const std::string& sql) {
    return pgt::RunOnTestDatabase("SET search_path = " + schema_ + "; " + sql);
  }
  int64_t TargetCount(const std::string& table) {
    auto db = postgres::Connection::Open({pgt::TestDatabaseUrl(), schema_, std::chrono::milliseconds(10'000)});
    EXPECT_TRUE(db.ok());
    if (!db.ok()) return -1;
    const std::string sql = "SELECT COUNT(*) FROM " + table;
    auto rows = (*db)->Query(sql.c_str());
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    return rows.ok() ? rows->Int(0, 0) : -1;
  }

  // Fills `store` with every kind of record, through the Store API.
  void Fill(Store& store) {
    const ObjectId anon_pid = ids_.Next(), userpass_pid = ids_.Next(), key_pid = ids_.Next(), jwt_pid = ids_.Next();
    core::App app;
    app.id = ids_.Next();
    app.client_app_id = "migrated-abcde";
    app.name = "Migrated";
    app.created_at = clock_.NowSeconds();
    app.settings.refresh_token_ttl_seconds = 7200;
    app.settings.anonymous_user_cap = 500;
    app.providers.push_back({anon_pid, "anon-user", "anon-user", false, "{}"});
    app.providers.push_back({userpass_pid, "local-userpass", "local-userpass", false,
                             R"({"autoConfirm":true,"resetPasswordUrl":"https://x.test/reset"})"});
    app.providers.push_back({key_pid, "api-key", "api-key", true, "{}"});
    core::ProviderConfig jwt{jwt_pid, "custom-token", "custom-token", false, R"({"audience":"aud"})"};
    jwt.secret_config_json = R"({"signingKeys":["jwt-key"]})";
    app.providers.push_back(jwt);
    Do([&](auto done) { store.PutApp(app, done); });
    app_id_ = app.id;

    core::App other = app;
    other.id = ids_.Next();
    other.client_app_id = "doomed-abcde";
    other.name = "Doomed";
    other.providers.resize(1);
    Do([&](auto done) { store.PutApp(other, done); });
    scope_.extra_audit_apps.push_back(other.id);

    auto new_user = [&](std::vector<core::Identity> identities) {
      core::User u;
      u.id = ids_.Next();
      u.app_id = app.id;
      u.identities = std::move(identities);
      u.created_at = clock_.NowSeconds();
      u.last_active_at = clock_.NowSeconds();
      return u;
    };
    auto new_session = [&](const core::User& u, bool device) {
      core::Session s;
      s.id = ids_.Next();
      s.user_id = u.id;
      random_.Fill(s.secret_hash);
      s.created_at = clock_.NowSeconds();
      s.expires_at = clock_.NowSeconds() + 86'400;
      if (device) {
        s.device_id = ids_.Next();
        s.device_json = R"({"platform":"node","sdkVersion":"2.0.1"})";
      }
      return s;
    };
    auto anon_identity = [&] {
      return core::Identity{ids_.Next().ToHex() + "-" + core::RandomLowercase(random_, 24),
                            std::string(core::kAnonUser), anon_pid};
    };

    // Anonymous users (their identity inline), enough for several batches.
    std::vector<core::User> anonymous;
    for (int i = 0; i < 25; ++i) {
      clock_.Advance(1);
      core::User u = new_user({anon_identity()});
      core::Session s = new_session(u, i % 2 == 0);
      Do([&](auto done) { store.CreateUserWithSession(u, s, 500, done); });
      anonymous.push_back(u);
      sessions_.push_back(s);
    }
    // A second session, recorded activity, a disabled one.
    clock_.Advance(3600);
    Do([&](auto done) { store.CreateSession(new_session(anonymous[1], true), done); });
    Do([&](auto done) { store.RecordActivity(anonymous[2].id, clock_.NowSeconds(), done); });
    Do([&](auto done) { store.SetUserDisabled(anonymous[3].id, true, done); });

    // An anonymous user linked to an email/password account, with data.
    core::UserpassAccount linked{ids_.Next(),        app.id, "linked@example.test", "$argon2id$v=19$linked", true,
                                 clock_.NowSeconds()};
    Do([&](auto done) { store.CreateUserpassAccount(linked, std::nullopt, clock_.NowSeconds(), done); });
    Do([&](auto done) {
      store.LinkIdentity(anonymous[4].id, {linked.id.ToHex(), std::string(core::kLocalUserpass), userpass_pid},
                         R"({"email":"linked@example.test"})", done);
    });
    scope_.emails.push_back({app.id, linked.email});

    // A user made by an administrator with an email/password login.
    core::UserpassAccount made{ids_.Next(),           app.id, "made@example.test",
                               "$argon2id$v=19$made", true,   clock_.NowSeconds()};
    core::User made_user = new_user({{made.id.ToHex(), std::string(core::kLocalUserpass), userpass_pid}});
    made_user.data_json = R"({"email":"made@example.test"})";
    Do([&](auto done) { store.CreateUser(made_user, Store::NewUserLogin::Account(made), clock_.NowSeconds(), done); });
    scope_.emails.push_back({app.id, made.email});
    // A reset in progress (with the password it would set) on that account.
    core::UserpassToken reset;
    reset.id = ids_.Next();
    reset.account_id = made.id;
    reset.purpose = core::UserpassTokenPurpose::kReset;
    random_.Fill(reset.token_hash);
    reset.expires_at = clock_.NowSeconds() + 1800;
    reset.pending_password_hash = "$argon2id$v=19$pending";
    Do([&](auto done) { store.PutUserpassToken(reset, done); });

    // A pending registration with its confirmation token.
    core::UserpassAccount pending{ids_.Next(),        app.id, "pending@example.test", "$argon2id$v=19$pending", false,
                                  clock_.NowSeconds()};
    confirm_.id = ids_.Next();
    confirm_.account_id = pending.id;
    confirm_.purpose = core::UserpassTokenPurpose::kConfirm;
    random_.Fill(confirm_.token_hash);
    confirm_.expires_at = clock_.NowSeconds() + 1800;
    Do([&](auto done) { store.CreateUserpassAccount(pending, confirm_, clock_.NowSeconds(), done); });
    scope_.emails.push_back({app.id, pending.email});

    // A custom-token user with user API keys (one disabled), a server key user.
    core::User jwt_user = new_user({{"sub-42", "custom-token", jwt_pid}});
    Do([&](auto done) { store.CreateUserWithSession(jwt_user, new_session(jwt_user, true), 0, done); });
    for (const char* name : {"laptop", "ci"}) {
      core::ApiKey key{ids_.Next(), app.id, jwt_user.id, name};
      random_.Fill(key.key_hash);
      key.created_at = clock_.NowSeconds();
      Do([&](auto done) { store.CreateApiKey(key, done); });
      if (std::string(name) == "ci") Do([&](auto done) { store.SetApiKeyDisabled(key.id, jwt_user.id, true, done); });
    }
    core::User server = new_user({});
    server.type = std::string(core::kServerUserType);
    server.identities.push_back({server.id.ToHex(), std::string(core::kApiKey), key_pid});
    core::ApiKey server_key{server.id, app.id, server.id, "backend"};
    random_.Fill(server_key.key_hash);
    server_key.created_at = clock_.NowSeconds();
    Do([&](auto done) {
      store.CreateUser(server, Store::NewUserLogin::ServerKey(server_key), clock_.NowSeconds(), done);
    });

    // Secrets (binary values), a draft and deployments.
    for (const char* name : {"jwt-key", "smtp-password"}) {
      core::Secret secret{ids_.Next(),
                          app.id,
                          name,
                          std::string("\0sealed\xff", 8) + name,
                          clock_.NowSeconds(),
                          clock_.NowSeconds() + 1};
      Do([&](auto done) { store.PutSecret(secret, true, done); });
    }
    // The token signing keys (sealed bytes, two activation times).
    Do([&](auto done) { store.AddSigningKey({"aaaa", "HS256", std::string("\0key\xff", 5), 10, 0}, done); });
    Do([&](auto done) { store.AddSigningKey({"bbbb", "HS256", "sealed-too", 20, 30}, done); });
    core::Deployment good;
    good.id = ids_.Next();
    good.app_id = app.id;
    good.name = "first";
    good.author_id = ids_.Next();
    good.origin = "import";
    good.deployed_at = clock_.NowSeconds();
    good.config_json = R"({"name":"Migrated"})";
    Do([&](auto done) { store.Deploy(app, good, ObjectId(), done); });
    core::Deployment bad = good;
    bad.id = ids_.Next();
    bad.name = "broken";
    bad.status = core::DeploymentStatus::kFailed;
    bad.error = "provider custom-token: no audience";
    Do([&](auto done) { store.Deploy(app, bad, ObjectId(), done); });
    core::Draft draft{ids_.Next(), app.id, ids_.Next(), clock_.NowSeconds(), app};
    draft.app.name = "Migrated (draft)";
    Do([&](auto done) { store.PutDraft(draft, true, done); });

    // The apps' logs.
    std::vector<core::LogEvent> events;
    for (int i = 0; i < 7; ++i) {
      core::LogEvent e;
      e.id = ids_.Next();
      e.app_id = app.id;
      e.type = i % 2 ? "AUTH" : "ADMIN";
      e.error = i == 3;
      e.user_id = i % 2 ? anonymous[0].id : ObjectId();
      e.at_ms = clock_.NowSeconds() * 1000 + i;
      e.entry_json = R"({"n":)" + std::to_string(i) + "}";
      events.push_back(e);
    }
    Do([&](auto done) { store.AppendLogEvents(events, done); });

    // Audit events: a deleted user, a logged-out anonymous one, a deleted app.
    clock_.Advance(10);
    Do([&](auto done) { store.DeleteUser(anonymous[5].id, {clock_.NowSeconds(), "cli:ops", "asked to"}, done); });
    Do([&](auto done) {
      store.DeleteSession(anonymous[6].id, sessions_[6].id, true, {clock_.NowSeconds(), "user", "logout"},
                          [done](core::Result<DeleteSessionOutcome> r) { done(r.status()); });
    });
    Do([&](auto done) { store.DeleteApp(other.id, {clock_.NowSeconds(), "admin:root", "cleanup"}, done); });

    // The inactivity job's lease, held by the old server.
    EXPECT_TRUE(
        Get<bool>([&](auto done) { store.ClaimJob("inactivity", "old-server", clock_.NowSeconds(), 3600, done); }));
    kept_user_ = anonymous[0];
    kept_session_ = sessions_[0];
  }

  testutil::TempDir dir_;
  std::string schema_;
  core::ManualClock clock_{1'700'000'000};
  core::SeededRandom random_{14};
  core::ObjectIdGenerator ids_{clock_, random_};
  DumpScope scope_;
  ObjectId app_id_;
  std::vector<core::Session> sessions_;
  core::UserpassToken confirm_;
  core::User kept_user_;
  core::Session kept_session_;
};

TEST_F(MigrateTest, EverythingReadsBackTheSameThroughThePostgresStore) {
  std::string before;
  {
    auto sqlite = OpenSqlite(SqlitePath());
    ASSERT_TRUE(sqlite);
    Fill(*sqlite);
    before = Dump(*sqlite, scope_);
  }
  std::vector<std::string> progress;
  MigrateOptions options = Options(SqlitePath());
  options.batch_rows = 4;
  options.progress = [&](const std::string& line) { progress.push_back(line); };
  auto report = CopySqliteToPostgres(options);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->Verified());
  EXPECT_FALSE(report->resumed);
  EXPECT_EQ(report->sqlite_schema_version, 13);
  EXPECT_TRUE(report->defaulted_columns.empty());
  // PostgreSQL's own migration record and its shared abuse limits (pg_limits.h), in name order.
  ASSERT_EQ(report->not_copied.size(), 3u);
  EXPECT_EQ(report->not_copied[0].rfind("limit_buckets: ", 0), 0u) << report->not_copied[0];
  EXPECT_EQ(report->not_copied[1].rfind("limit_guesses: ", 0), 0u) << report->not_copied[1];
  EXPECT_EQ(report->not_copied[2].rfind("schema_migrations: ", 0), 0u) << report->not_copied[2];
  std::set<std::string> tables;
  for (const auto& t : report->tables) {
    tables.insert(t.table);
    EXPECT_EQ(t.source, t.target) << t.table;
    EXPECT_EQ(t.existing, 0) << t.table;
  }
  for (const char* t :
       {"apps", "users", "identities", "sessions", "api_keys", "userpass_accounts", "userpass_tokens", "audit_events",
        "jobs", "drafts", "deployments", "secrets", "log_events", "signing_keys", "config_version"})
    EXPECT_TRUE(tables.count(t)) << t;
  EXPECT_FALSE(progress.empty());

  auto pg = OpenPostgres();
  ASSERT_TRUE(pg);
  const std::string after = Dump(*pg, scope_);
  EXPECT_EQ(after, before);
  EXPECT_NE(before.find("session "), std::string::npos);  // the dump is not empty

  // The copy works, not only reads: a refresh finds its session, a token
  // copied from SQLite confirms its account, the old server's lease holds,
  // and a new audit event takes a seq after the copied ones.
  auto found =
      Await<SessionWithUser>([&](auto done) { pg->GetSessionWithUser(kept_user_.id, kept_session_.id, done); });
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(found->session.secret_hash, kept_session_.secret_hash);
  auto confirmed = Await<core::UserpassAccount>([&](auto done) {
    pg->UseUserpassToken(confirm_.id, confirm_.token_hash, confirm_.purpose, "", clock_.NowSeconds(), done);
  });
  ASSERT_TRUE(confirmed.ok()) << confirmed.status().ToString();
  EXPECT_TRUE(confirmed->confirmed);
  EXPECT_FALSE(Get<bool>([&](auto done) { pg->ClaimJob("inactivity", "new-server", clock_.NowSeconds(), 60, done); }));
  auto audit_before =
      Get<std::vector<core::AuditEvent>>([&](auto done) { pg->ListAuditEvents(app_id_, 0, 100, done); });
  ASSERT_FALSE(audit_before.empty());
  Do([&](auto done) { pg->DeleteUser(kept_user_.id, {clock_.NowSeconds(), "test", "after the copy"}, done); });
  auto audit_after = Get<std::vector<core::AuditEvent>>([&](auto done) { pg->ListAuditEvents(app_id_, 0, 100, done); });
  ASSERT_EQ(audit_after.size(), audit_before.size() + 1);
  EXPECT_GT(audit_after.back().seq, audit_before.back().seq);
  EXPECT_EQ(audit_after.back().user_id, kept_user_.id);
}

TEST_F(MigrateTest, AnInterruptedCopyResumesWhereItStoppedAndEndsWithTheSameStore) {
  std::string before;
  {
    auto sqlite = OpenSqlite(SqlitePath());
    ASSERT_TRUE(sqlite);
    Fill(*sqlite);
    before = Dump(*sqlite, scope_);
  }
  // Stop after 1, 2, 3 ... batches of 3 rows: every table is interrupted
  // in its middle or at its end at some point, and each run resumes.
  int interruptions = 0;
  bool resumed = false;
  for (size_t stop = 1;; ++stop) {
    ASSERT_LT(stop, 200u) << "the copy makes no progress";
    MigrateOptions options = Options(SqlitePath());
    options.batch_rows = 3;
    options.test_stop_after_batches = stop;
    auto report = CopySqliteToPostgres(options);
    ASSERT_TRUE(report.ok()) << "run " << stop << ": " << report.status().ToString();
    resumed = resumed || report->resumed;
    if (report->interrupted) {
      ++interruptions;
      continue;
    }
    EXPECT_TRUE(report->Verified());
    EXPECT_TRUE(report->resumed);
    break;
  }
  EXPECT_GT(interruptions, 5);
  EXPECT_TRUE(resumed);
  // Once complete, running again changes nothing.
  auto again = CopySqliteToPostgres(Options(SqlitePath()));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(again->Verified());
  for (const auto& t : again->tables)  // config_version is replaced whole every time (seeded by the migrations)
    if (t.table != "config_version") {
      EXPECT_EQ(t.existing, t.source) << t.table;
    }

  auto pg = OpenPostgres();
  ASSERT_TRUE(pg);
  EXPECT_EQ(Dump(*pg, scope_), before);
}

TEST_F(MigrateTest, ATargetWithDataFromElsewhereIsRefusedAndLeftAlone) {
  {
    auto sqlite = OpenSqlite(SqlitePath());
    ASSERT_TRUE(sqlite);
    Fill(*sqlite);
  }
  // A server started on the target first (it made its own app).
  {
    auto pg = OpenPostgres();
    ASSERT_TRUE(pg);
    core::App own;
    own.id = ObjectId::FromHex("0123456789abcdef01234567").value();
    own.client_app_id = "elsewhere-abcde";
    own.name = "Elsewhere";
    Do([&](auto done) { pg->PutApp(own, done); });
  }
  auto report = CopySqliteToPostgres(Options(SqlitePath()));
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), core::Code::kAlreadyExists) << report.status().ToString();
  EXPECT_NE(report.status().message().find("apps (1 rows)"), std::string::npos) << report.status().message();
  EXPECT_EQ(TargetCount("apps"), 1);
  EXPECT_EQ(TargetCount("users"), 0);

  // A complete copy of another store is refused as well.
  ASSERT_TRUE(OnTarget("DELETE FROM apps").ok());
  testutil::TempDir other_dir;
  const std::string other_path = other_dir.File("guestpass.db");
  {
    core::ManualClock other_clock{1'800'000'000};
    core::SeededRandom other_random{7};
    core::ObjectIdGenerator other_ids{other_clock, other_random};
    auto other = OpenSqlite(other_path);
    ASSERT_TRUE(other);
    core::App app;
    app.id = other_ids.Next();
    app.client_app_id = "another-abcde";
    app.name = "Another";
    Do([&](auto done) { other->PutApp(app, done); });
  }
  auto other_copy = CopySqliteToPostgres(Options(other_path));
  ASSERT_TRUE(other_copy.ok()) << other_copy.status().ToString();
  auto refused = CopySqliteToPostgres(Options(SqlitePath()));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), core::Code::kAlreadyExists) << refused.status().ToString();
  EXPECT_EQ(TargetCount("apps"), 1);
}

TEST_F(MigrateTest, AnOlderSqliteSchemaIsRefusedWithWhatToDo) {
  {
    auto sqlite = OpenSqlite(SqlitePath());
    ASSERT_TRUE(sqlite);
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(SqlitePath().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(db, "DELETE FROM schema_migrations WHERE version = (SELECT MAX(version) FROM schema_migrations)",
                   nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(db);
  auto report = CopySqliteToPostgres(Options(SqlitePath()));
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), core::Code::kInvalidArgument);
  EXPECT_NE(report.status().message().find("guestpass serve"), std::string::npos) << report.status().message();
}

TEST_F(MigrateTest, ExtraTablesAndColumnsAreCopiedListedOrRefusedButNeverSkippedSilently) {
  {
    auto sqlite = OpenSqlite(SqlitePath());
    ASSERT_TRUE(sqlite);
    Fill(*sqlite);
  }
  // A nullable column only PostgreSQL has is left to its default, and listed.
  { ASSERT_TRUE(OpenPostgres()); }
  ASSERT_TRUE(OnTarget("ALTER TABLE users ADD COLUMN note text").ok());
  auto report = CopySqliteToPostgres(Options(SqlitePath()));
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->Verified());
  EXPECT_EQ(report->defaulted_columns, std::vector<std::string>{"users.note"});

  // A table both have without a primary key (a counter, say, that the
  // PostgreSQL migration seeded) is copied whole, replacing what is there.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(SqlitePath().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(db,
                   "CREATE TABLE counters (name TEXT NOT NULL, n INTEGER NOT NULL, on_ INTEGER);"
                   "INSERT INTO counters VALUES ('a', 1, 1), ('b', 2, 0), ('c', 3, NULL), ('d', 4, 1), ('e', 5, 1)",
                   nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(db);
  ASSERT_TRUE(OnTarget("CREATE TABLE counters (name text NOT NULL, n bigint NOT NULL, on_ boolean);"
                       "INSERT INTO counters VALUES ('seeded', 0, true)")
                  .ok());
  MigrateOptions small = Options(SqlitePath());
  small.batch_rows = 2;
  auto with_counters = CopySqliteToPostgres(small);
  ASSERT_TRUE(with_counters.ok()) << with_counters.status().ToString();
  EXPECT_TRUE(with_counters->Verified());
  EXPECT_EQ(TargetCount("counters"), 5);
  EXPECT_EQ(TargetCount("counters WHERE name = 'seeded'"), 0);
  EXPECT_EQ(TargetCount("counters WHERE on_ IS NULL"), 1);
  EXPECT_EQ(TargetCount("counters WHERE on_"), 3);

  // A table only SQLite has is not skipped silently.
  ASSERT_EQ(sqlite3_open(SqlitePath().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE extra_things (id INTEGER PRIMARY KEY)", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto refused = CopySqliteToPostgres(Options(SqlitePath()));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), core::Code::kUnimplemented);
  EXPECT_NE(refused.status().message().find("extra_things"), std::string::npos) << refused.status().message();
}

TEST_F(MigrateTest, NoDatabaseFileIsNotFound) {
  auto report = CopySqliteToPostgres(Options(dir_.File("missing.db")));
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), core::Code::kNotFound);
}

}  // namespace
}  // namespace guestpass::store::migrate
