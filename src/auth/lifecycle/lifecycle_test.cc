// lifecycle_test.cc: the anonymous-user lifecycle as rules of the running
// service, with time moved by a ManualClock: refresh-token expiry (day 59 and
// 61), activity recorded at most hourly, the inactivity job (active on day 89
// kept, idle 91 days deleted, linked users never), the job lease, the
// anonymous-user cap and the audit events of every deletion. The last test
// runs logins against SQLite while the job deletes 100,000 idle users.
#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "auth/auth_service.h"
#include "auth/lifecycle/inactivity_job.h"
#include "auth/providers/anon_user/anon_user_provider.h"
#include "core/clock.h"
#include "core/random.h"
#include "crypto/encoding.h"
#include "store/memory/memory_store.h"
#include "store/sqlite/sqlite_store.h"
#include "store/sync.h"
#include "testutil/temp_dir.h"
#include "token/key_ring.h"
#include "token/token_service.h"

namespace guestpass::auth {
namespace {

using core::Code;
using core::ErrorCode;
using core::ObjectId;

constexpr int64_t kStart = 1'700'000'000;
constexpr int64_t kDay = 86400;

// AuthService and the inactivity job over one store, with a manual clock.
class Lifecycle {
 public:
  explicit Lifecycle(store::Store& store) : store_(store) {
    keys_->Add("65536f0a1b2c3d4e5f601234", std::vector<uint8_t>(32, 0x42));
    core::App app;
    app.id = ids_.Next();
    app.client_app_id = "life-abcde";
    app.name = "life";
    app.providers = {{ids_.Next(), "anon-user", "anon-user", false, "{}"}};
    SetApp(app);
    EXPECT_TRUE(store::AwaitStatus([&](auto done) { store_.PutApp(app, done); }).ok());
  }

  void SetApp(core::App app) {
    app_ = std::make_shared<const core::App>(app);
    registry_.Replace({app});
  }
  const core::App& app() const { return *app_; }

  core::Result<LoginResult> Login() {
    return store::Await<LoginResult>([&](auto done) {
      LoginRequest request;
      request.provider_name = "anon-user";
      auth_.Login(app_, std::move(request), std::move(done));
    });
  }
  core::Result<std::string> Refresh(const std::string& token) {
    return store::Await<std::string>([&](auto done) { auth_.RefreshAccessToken(token, std::move(done)); });
  }
  void DeleteUser(const std::string& token, store::Callback<ObjectId> done) { auth_.DeleteUser(token, std::move(done)); }
  core::Result<LogoutResult> Logout(const std::string& token) {
    return store::Await<LogoutResult>([&](auto done) { auth_.Logout(token, std::move(done)); });
  }
  core::Result<store::SessionWithUser> Authenticate(const std::string& token) {
    return store::Await<store::SessionWithUser>([&](auto done) { auth_.Authenticate(token, std::move(done)); });
  }
  core::Result<core::User> GetUser(const ObjectId& id) {
    return store::Await<core::User>([&](auto done) { store_.GetUser(id, done); });
  }
  std::vector<core::AuditEvent> Audit() {
    auto events = store::Await<std::vector<core::AuditEvent>>(
        [&](auto done) { store_.ListAuditEvents(app_->id, 0, 1'000'000, done); });
    EXPECT_TRUE(events.ok()) << events.status().ToString();
    return events.ok() ? *events : std::vector<core::AuditEvent>{};
  }
  // A background job over this app (not started: the test calls Tick).
  std::unique_ptr<InactivityJob> Job(InactivityJobOptions options) {
    return std::make_unique<InactivityJob>(
        store_, [this] { return registry_.All(); }, clock_, std::move(options));
  }
  // One tick of the background job as `holder`.
  int64_t RunJob(const std::string& holder = "server-a", int64_t interval = 3600, int64_t audit_retention_days = 0) {
    InactivityJobOptions options;
    options.holder = holder;
    options.interval_seconds = interval;
    options.audit_retention_days = audit_retention_days;
    InactivityJob job(
        store_, [this] { return registry_.All(); }, clock_, options);
    auto deleted = job.Tick();
    EXPECT_TRUE(deleted.ok()) << deleted.status().ToString();
    return deleted.ok() ? *deleted : -1;
  }

  core::ManualClock clock_{kStart};
  core::SeededRandom random_{7};
  core::ObjectIdGenerator ids_{clock_, random_};

 private:
  store::Store& store_;
  std::shared_ptr<token::KeyRing> keys_ = std::make_shared<token::KeyRing>();
  token::TokenService tokens_{keys_, clock_};
  AppRegistry registry_;
  AnonUserProvider anon_user_{ids_, random_};
  ProviderRegistry providers_{&anon_user_};
  AuthService auth_{store_, tokens_, registry_, clock_, ids_, random_, providers_};
  std::shared_ptr<const core::App> app_;
};

class LifecycleTest : public ::testing::Test {
 protected:
  store::memory::MemoryStore store_;
  Lifecycle life_{store_};
  core::ManualClock& clock_ = life_.clock_;
};

void ExpectInvalidSession(const core::Status& s) {
  EXPECT_EQ(s.code(), Code::kUnauthenticated) << s.ToString();
  EXPECT_EQ(s.error_code(), ErrorCode::kInvalidSession) << s.ToString();
}

// ---- Refresh-token expiry ----

TEST_F(LifecycleTest, WithFixedExpiryARefreshWorksOnDay59AndFailsOnDay61) {
  core::App app = life_.app();
  app.settings.anonymous_session_expiry = core::AnonymousSessionExpiry::kFixed;  // default 60 days
  life_.SetApp(app);
  auto login = life_.Login();
  ASSERT_TRUE(login.ok());
  clock_.Advance(59 * kDay);
  EXPECT_TRUE(life_.Refresh(login->refresh_token).ok());
  clock_.Advance(2 * kDay);
  ExpectInvalidSession(life_.Refresh(login->refresh_token).status());
}

TEST_F(LifecycleTest, TheJobPurgesExpiredSessionsAndKeepsTheirUsers) {
  core::App app = life_.app();
  app.settings.anonymous_session_expiry = core::AnonymousSessionExpiry::kFixed;
  app.settings.anonymous_inactive_days = 0;  // only the purge acts
  life_.SetApp(app);
  auto old_login = life_.Login();
  ASSERT_TRUE(old_login.ok());
  clock_.Advance(30 * kDay);
  auto recent = life_.Login();
  ASSERT_TRUE(recent.ok());
  clock_.Advance(31 * kDay);  // the first session is 61 days old
  // The session behind a refresh token (its `baas_id` claim).
  auto session_of = [&](const std::string& refresh) {
    const size_t a = refresh.find('.');
    const size_t b = refresh.find('.', a + 1);
    auto claims = nlohmann::json::parse(crypto::Base64UrlDecode(refresh.substr(a + 1, b - a - 1)).value());
    auto id = ObjectId::FromHex(claims["baas_id"].get<std::string>());
    auto user = ObjectId::FromHex(claims["sub"].get<std::string>());
    return store::Await<store::SessionWithUser>([&](auto done) { store_.GetSessionWithUser(*user, *id, done); });
  };
  ASSERT_TRUE(session_of(old_login->refresh_token).ok());  // expired, but still stored
  EXPECT_EQ(life_.RunJob(), 0);                              // deletes no user
  EXPECT_TRUE(session_of(old_login->refresh_token).status().IsNotFound());
  EXPECT_TRUE(session_of(recent->refresh_token).ok());
  EXPECT_TRUE(life_.GetUser(old_login->user_id).ok());
  ExpectInvalidSession(life_.Refresh(old_login->refresh_token).status());
  EXPECT_TRUE(life_.Refresh(recent->refresh_token).ok());
}

TEST_F(LifecycleTest, EachRunPurgesABoundedPartOfTheSessionsAndTheNextGoesOn) {
  core::App app = life_.app();
  app.settings.anonymous_session_expiry = core::AnonymousSessionExpiry::kFixed;
  app.settings.anonymous_inactive_days = 0;  // only the purge acts
  life_.SetApp(app);
  std::vector<std::string> refresh_tokens;
  for (int i = 0; i < 5; ++i) {
    auto login = life_.Login();
    ASSERT_TRUE(login.ok());
    refresh_tokens.push_back(login->refresh_token);
  }
  clock_.Advance(61 * kDay);  // all five expired
  auto stored = [&] {
    int n = 0;
    for (const std::string& token : refresh_tokens) {
      const size_t a = token.find('.');
      const size_t b = token.find('.', a + 1);
      auto claims = nlohmann::json::parse(crypto::Base64UrlDecode(token.substr(a + 1, b - a - 1)).value());
      auto id = ObjectId::FromHex(claims["baas_id"].get<std::string>());
      auto user = ObjectId::FromHex(claims["sub"].get<std::string>());
      n += store::Await<store::SessionWithUser>([&](auto done) { store_.GetSessionWithUser(*user, *id, done); })
               .ok();
    }
    return n;
  };
  InactivityJobOptions options;
  options.holder = "server-a";
  options.interval_seconds = 1;
  options.purge_scan_per_run = 2;
  auto job = life_.Job(options);
  for (int expected : {3, 1, 0}) {
    ASSERT_TRUE(job->Tick().ok());
    EXPECT_EQ(stored(), expected);
    clock_.Advance(1);  // due again
  }
  // The pass reached the end: the next one starts over and finds new ones.
  auto later = life_.Login();
  ASSERT_TRUE(later.ok());
  refresh_tokens = {later->refresh_token};
  clock_.Advance(61 * kDay);
  ASSERT_TRUE(job->Tick().ok());
  EXPECT_EQ(stored(), 0);
}

TEST_F(LifecycleTest, ThePurgeCursorAdvancesWithinARunAndResetsAtTheEnd) {
  core::App app = life_.app();
  app.settings.anonymous_session_expiry = core::AnonymousSessionExpiry::kFixed;
  life_.SetApp(app);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(life_.Login().ok());
  clock_.Advance(61 * kDay);
  store::Store::SessionKey cursor;
  auto purge = [&](size_t max_scan) {
    auto n = PurgeExpiredSessions(store_, clock_.NowSeconds(), &cursor, max_scan, [] { return true; });
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    return n.ok() ? *n : -1;
  };
  EXPECT_EQ(purge(3), 3);
  EXPECT_NE(cursor, store::Store::SessionKey{});  // mid-table
  EXPECT_EQ(purge(3), 2);
  EXPECT_EQ(cursor, store::Store::SessionKey{});  // reached the end: starts over
  EXPECT_EQ(purge(3), 0);
}

TEST_F(LifecycleTest, ByDefaultAnActiveAnonymousUsersSessionOutlivesSixtyDays) {
  auto login = life_.Login();
  ASSERT_TRUE(login.ok());
  for (int day = 30; day <= 120; day += 30) {
    clock_.Set(kStart + day * kDay);
    EXPECT_TRUE(life_.Refresh(login->refresh_token).ok()) << "day " << day;
    EXPECT_EQ(life_.RunJob(), 0) << "day " << day;
  }
}

// ---- Activity ----

TEST_F(LifecycleTest, ActivityIsRecordedAtMostOncePerHour) {
  auto login = life_.Login();
  ASSERT_TRUE(login.ok());
  EXPECT_EQ(life_.GetUser(login->user_id)->last_active_at, kStart);
  clock_.Advance(29 * 60);
  ASSERT_TRUE(life_.Authenticate(login->access_token).ok());
  clock_.Advance(30 * 60);
  auto access = life_.Refresh(login->refresh_token);  // 59 minutes: a refresh counts, but within the hour
  ASSERT_TRUE(access.ok());
  EXPECT_EQ(life_.GetUser(login->user_id)->last_active_at, kStart);
  clock_.Advance(60);
  ASSERT_TRUE(life_.Authenticate(*access).ok());  // any authenticated request counts
  EXPECT_EQ(life_.GetUser(login->user_id)->last_active_at, kStart + 3600);
  clock_.Advance(1800);
  ASSERT_TRUE(life_.Refresh(login->refresh_token).ok());
  EXPECT_EQ(life_.GetUser(login->user_id)->last_active_at, kStart + 3600);
  clock_.Advance(1800);
  ASSERT_TRUE(life_.Refresh(login->refresh_token).ok());
  EXPECT_EQ(life_.GetUser(login->user_id)->last_active_at, kStart + 7200);
}

// ---- Inactivity deletion ----

TEST_F(LifecycleTest, AUserActiveOnDay89IsKeptAndOneIdleFor91DaysIsDeleted) {
  auto active = life_.Login();
  auto idle = life_.Login();
  ASSERT_TRUE(active.ok() && idle.ok());
  clock_.Set(kStart + 89 * kDay);
  ASSERT_TRUE(life_.Refresh(active->refresh_token).ok());
  EXPECT_EQ(life_.RunJob(), 0);  // nobody is 90 days idle yet
  clock_.Set(kStart + 91 * kDay);
  EXPECT_EQ(life_.RunJob(), 1);
  EXPECT_TRUE(life_.GetUser(active->user_id).ok());
  EXPECT_TRUE(life_.GetUser(idle->user_id).status().IsNotFound());
  // Its tokens stop working at once; the kept user's still work.
  ExpectInvalidSession(life_.Refresh(idle->refresh_token).status());
  ExpectInvalidSession(life_.Authenticate(idle->access_token).status());
  EXPECT_TRUE(life_.Refresh(active->refresh_token).ok());

  auto events = life_.Audit();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].user_id, idle->user_id);
  EXPECT_EQ(events[0].actor, "system:inactivity");
  EXPECT_EQ(events[0].at, kStart + 91 * kDay);
  EXPECT_NE(events[0].reason.find("90 days"), std::string::npos) << events[0].reason;
}

TEST_F(LifecycleTest, NobodyIsDeletedBeforeNinetyFullDaysOfIdlenessDespiteHourlyRecording) {
  auto login = life_.Login();
  ASSERT_TRUE(login.ok());
  // Active 59 minutes after its recorded activity: not written (within the hour).
  clock_.Advance(59 * 60);
  ASSERT_TRUE(life_.Refresh(login->refresh_token).ok());
  clock_.Set(kStart + 59 * 60 + 90 * kDay - 1);
  EXPECT_EQ(life_.RunJob("a", 1), 0);
  clock_.Set(kStart + 90 * kDay + 3600 + 1);
  EXPECT_EQ(life_.RunJob("a", 1), 1);
}

TEST_F(LifecycleTest, LinkedUsersAreNeverDeleted) {
  auto login = life_.Login();
  ASSERT_TRUE(login.ok());
  ASSERT_TRUE(store::AwaitStatus([&](auto done) {
                store_.LinkIdentity(login->user_id, {"sub-1", "custom-token", life_.ids_.Next()}, "{}", done);
              }).ok());
  clock_.Set(kStart + 400 * kDay);
  EXPECT_EQ(life_.RunJob(), 0);
  EXPECT_TRUE(life_.GetUser(login->user_id).ok());
}

TEST_F(LifecycleTest, APolicyOfNeverDeletesNobodyAndAShortOneDeletesSooner) {
  core::App app = life_.app();
  app.settings.anonymous_inactive_days = 0;
  life_.SetApp(app);
  auto login = life_.Login();
  ASSERT_TRUE(login.ok());
  clock_.Set(kStart + 1000 * kDay);
  EXPECT_EQ(life_.RunJob("a", 1), 0);
  app.settings.anonymous_inactive_days = 7;
  life_.SetApp(app);
  auto week = life_.Login();
  clock_.Advance(6 * kDay);
  EXPECT_EQ(life_.RunJob("a", 1), 1);  // the first one: idle for 1000 days
  clock_.Advance(1 * kDay + 3601);
  EXPECT_EQ(life_.RunJob("a", 1), 1);
  EXPECT_TRUE(life_.GetUser(week->user_id).status().IsNotFound());
}

TEST_F(LifecycleTest, TheJobRunsOnceAcrossServersAndThenWaitsForItsInterval) {
  ASSERT_TRUE(life_.Login().ok());
  clock_.Set(kStart + 100 * kDay);
  // Another server holds the job: this one does nothing.
  ASSERT_TRUE(store::Await<bool>([&](auto done) {
                store_.ClaimJob(InactivityJob::kJobName, "server-b", clock_.NowSeconds(), 300, done);
              }).value());
  EXPECT_EQ(life_.RunJob("server-a"), 0);
  // Its lease runs out (it died mid-run): this one takes over.
  clock_.Advance(301);
  EXPECT_EQ(life_.RunJob("server-a"), 1);
  // Next due an interval (3600 s) later, whichever server asks.
  ASSERT_TRUE(life_.Login().ok());
  clock_.Advance(91 * kDay);
  EXPECT_EQ(life_.RunJob("server-b"), 1);
  // A run with a 100-day interval...
  ASSERT_TRUE(life_.Login().ok());
  clock_.Advance(91 * kDay + 7200);
  EXPECT_EQ(life_.RunJob("server-a", 100 * kDay), 1);
  // ...is not due again 91 days later, only after the 100 days.
  ASSERT_TRUE(life_.Login().ok());
  clock_.Advance(91 * kDay + 7200);
  EXPECT_EQ(life_.RunJob("server-b"), 0);
  clock_.Advance(9 * kDay);
  EXPECT_EQ(life_.RunJob("server-b"), 1);
}

// ---- Cap and audit ----

TEST_F(LifecycleTest, TheAnonymousUserCapRefusesSignUpsUntilUsersGo) {
  core::App app = life_.app();
  app.settings.anonymous_user_cap = 2;
  life_.SetApp(app);
  auto first = life_.Login();
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(life_.Login().ok());
  auto refused = life_.Login();
  EXPECT_EQ(refused.status().code(), Code::kPermissionDenied) << refused.status().ToString();
  EXPECT_EQ(refused.status().error_code(), ErrorCode::kAuthError);
  EXPECT_NE(refused.status().message().find("limit of 2 anonymous users"), std::string::npos);
  // Logging out deletes the anonymous user and frees a place.
  ASSERT_TRUE(life_.Logout(first->refresh_token).ok());
  EXPECT_TRUE(life_.Login().ok());
  EXPECT_FALSE(life_.Login().ok());
  // So does the inactivity job.
  clock_.Advance(91 * kDay);
  EXPECT_EQ(life_.RunJob(), 2);
  EXPECT_TRUE(life_.Login().ok());
}

TEST_F(LifecycleTest, LogoutAndSelfDeletionAreAuditedAsTheUsersOwnActs) {
  auto a = life_.Login();
  auto b = life_.Login();
  ASSERT_TRUE(a.ok() && b.ok());
  clock_.Advance(10);
  ASSERT_TRUE(life_.Logout(a->refresh_token).ok());
  ASSERT_TRUE(store::Await<ObjectId>([&](auto done) { life_.DeleteUser(b->access_token, done); }).ok());
  auto events = life_.Audit();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].user_id, a->user_id);
  EXPECT_EQ(events[0].actor, "user");
  EXPECT_EQ(events[0].reason, "the anonymous user logged out");
  EXPECT_EQ(events[0].at, kStart + 10);
  EXPECT_EQ(events[1].user_id, b->user_id);
  EXPECT_EQ(events[1].reason, "the user deleted itself");
}

TEST_F(LifecycleTest, TheJobDeletesAuditEventsPastTheRetentionOnlyWhenOneIsSet) {
  auto a = life_.Login();
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(life_.Logout(a->refresh_token).ok());  // an event at day 0
  clock_.Advance(10 * kDay);
  auto b = life_.Login();
  ASSERT_TRUE(b.ok());
  ASSERT_TRUE(life_.Logout(b->refresh_token).ok());  // an event at day 10
  clock_.Advance(5 * kDay);                          // day 15
  life_.RunJob("server-a", 3600, /*audit_retention_days=*/0);
  EXPECT_EQ(life_.Audit().size(), 2u);  // no retention: kept
  clock_.Advance(kDay);                 // day 16: the job is due again
  life_.RunJob("server-a", 3600, /*audit_retention_days=*/12);
  auto events = life_.Audit();
  ASSERT_EQ(events.size(), 1u);  // day 0 is 16 days old, day 10 only 6
  EXPECT_EQ(events[0].user_id, b->user_id);
}

TEST_F(LifecycleTest, TheAuditRetentionDeletesInBatchesUntilNoneIsLeft) {
  constexpr int kEvents = static_cast<int>(kAuditPurgeBatchSize) * 2 + 5;
  for (int i = 0; i < kEvents; ++i) {
    auto login = life_.Login();
    ASSERT_TRUE(login.ok());
    ASSERT_TRUE(life_.Logout(login->refresh_token).ok());
  }
  clock_.Advance(2 * kDay);
  auto purged = PurgeAuditEvents(store_, clock_.NowSeconds() - kDay, [] { return true; });
  ASSERT_TRUE(purged.ok()) << purged.status().ToString();
  EXPECT_EQ(*purged, kEvents);
  EXPECT_TRUE(life_.Audit().empty());
}

}  // namespace

// ---- 100,000 expired users on SQLite ----

TEST(LifecycleSqliteTest, LoginsKeepAnsweringWhileTheJobDeletes100kExpiredUsers) {
  testutil::TempDir dir;
  auto opened = store::sqlite::SqliteStore::Open({dir.File("guestpass.db")});
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  store::sqlite::SqliteStore& store = **opened;
  Lifecycle life(store);
  core::ManualClock& clock = life.clock_;

  // 100,000 anonymous users, idle since the start, written in big batches.
  constexpr int kIdle = 100'000;
  {
    std::atomic<int> failed{0};
    std::atomic<int> pending{kIdle};
    for (int i = 0; i < kIdle; ++i) {
      core::User user;
      user.id = life.ids_.Next();
      user.app_id = life.app().id;
      user.created_at = user.last_active_at = kStart;
      user.identities.push_back({user.id.ToHex() + "-idle", "anon-user", life.app().providers[0].id});
      core::Session session;
      session.id = life.ids_.Next();
      session.user_id = user.id;
      session.created_at = kStart;
      session.expires_at = kStart + 1000 * kDay;
      store.CreateUserWithSession(std::move(user), std::move(session), 0, [&](core::Status s) {
        if (!s.ok()) failed.fetch_add(1);
        pending.fetch_sub(1);
      });
    }
    while (pending.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ASSERT_EQ(failed.load(), 0);
  }
  clock.Set(kStart + 91 * kDay);

  std::atomic<bool> job_done{false};
  int64_t deleted = -1;
  std::thread job([&] {
    deleted = life.RunJob();
    job_done = true;
  });
  int logins_during_job = 0;
  int ok_logins = 0;
  int failures = 0;
  while (!job_done.load()) {
    auto login = life.Login();
    if (login.ok())
      ++ok_logins;
    else
      ++failures;
    if (!job_done.load()) ++logins_during_job;
  }
  job.join();
  EXPECT_EQ(deleted, kIdle);
  EXPECT_EQ(failures, 0);
  // Logins interleave with the job's batches instead of waiting for all of
  // it: 500 batches of 200, so many logins complete while it runs.
  EXPECT_GE(logins_during_job, 100);
  // Only the new, active users are left.
  auto anonymous = store::Await<int64_t>([&](auto done) { store.CountAnonymousUsers(life.app().id, done); });
  EXPECT_EQ(*anonymous, ok_logins);
  EXPECT_EQ(life.Audit().size(), static_cast<size_t>(kIdle));
}

}  // namespace guestpass::auth
