// store_contract_test.h: the behaviour every store::Store back end must have,
// written once as a value-parameterized GoogleTest suite (the kratos pattern).
// A back end joins by instantiating StoreContractTest with its StoreFactory
// (see store_contract_test.cc). This header defines TEST_Ps: include it from
// exactly one .cc file per test binary.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <latch>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/model.h"
#include "core/object_id.h"
#include "core/random.h"
#include "core/status.h"
#include "store/store.h"
#include "store/sync.h"
#include "testutil/temp_dir.h"

namespace guestpass::store {

// Makes an empty store. `dir` is a fresh private directory for the back end's
// files, removed after the test (and after the store is destroyed).
struct StoreFactory {
  std::string name;  // the test-name suffix, e.g. "Memory"
  std::function<core::Result<std::unique_ptr<Store>>(const std::string& dir)> make;
  // Why this back end cannot run here ("": it can): its tests are skipped
  // (PostgreSQL without a database to test on).
  std::function<std::string()> skip_reason = nullptr;
};

inline void PrintTo(const StoreFactory& factory, std::ostream* os) { *os << factory.name; }

class StoreContractTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    if (GetParam().skip_reason)
      if (std::string why = GetParam().skip_reason(); !why.empty()) GTEST_SKIP() << why;
    auto made = GetParam().make(dir_.path());
    ASSERT_TRUE(made.ok()) << made.status().ToString();
    store_ = std::move(*made);
  }
  void TearDown() override { store_.reset(); }

  // ---- Blocking calls ----
  core::Status PutApp(const core::App& app) {
    return AwaitStatus([&](auto done) { store_->PutApp(app, done); });
  }
  core::Result<std::vector<core::User>> ListUsers(const Store::UserQuery& q) {
    return Await<std::vector<core::User>>([&](auto done) { store_->ListUsers(q, done); });
  }
  core::Result<int64_t> CountMatching(const Store::UserQuery& q) {
    return Await<int64_t>([&](auto done) { store_->CountMatchingUsers(q, done); });
  }
  core::Status SetUserDisabled(const core::ObjectId& id, bool disabled) {
    return AwaitStatus([&](auto done) { store_->SetUserDisabled(id, disabled, done); });
  }
  core::Result<int64_t> DeleteUserSessions(const core::ObjectId& id) {
    return Await<int64_t>([&](auto done) { store_->DeleteUserSessions(id, done); });
  }
  core::Result<std::vector<core::Secret>> Secrets(const core::ObjectId& app_id) {
    return Await<std::vector<core::Secret>>([&](auto done) { store_->ListSecrets(app_id, done); });
  }
  core::Status PutSecret(const core::Secret& s, bool create) {
    return AwaitStatus([&](auto done) { store_->PutSecret(s, create, done); });
  }
  core::Status DeleteSecret(const core::ObjectId& app_id, const core::ObjectId& id) {
    return AwaitStatus([&](auto done) { store_->DeleteSecret(app_id, id, done); });
  }
  core::Result<std::vector<core::StoredSigningKey>> SigningKeys() {
    return Await<std::vector<core::StoredSigningKey>>([&](auto done) { store_->ListSigningKeys(done); });
  }
  core::Status AddSigningKey(const core::StoredSigningKey& k) {
    return AwaitStatus([&](auto done) { store_->AddSigningKey(k, done); });
  }
  core::Status DeleteSigningKey(const std::string& kid) {
    return AwaitStatus([&](auto done) { store_->DeleteSigningKey(kid, done); });
  }
  int64_t ConfigVersion() {
    auto v = Await<int64_t>([&](auto done) { store_->ConfigVersion(done); });
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? *v : -1;
  }
  core::Status DeleteApp(const core::ObjectId& id) {
    return AwaitStatus([&](auto done) { store_->DeleteApp(id, core::Deletion{5, "admin:test", "gone"}, done); });
  }
  core::Status Deploy(const core::App& app, const core::Deployment& d, const core::ObjectId& close = {}) {
    return AwaitStatus([&](auto done) { store_->Deploy(app, d, close, done); });
  }
  core::Result<std::vector<core::Deployment>> Deployments(const core::ObjectId& app_id, size_t limit = 100) {
    return Await<std::vector<core::Deployment>>([&](auto done) { store_->ListDeployments(app_id, limit, done); });
  }
  core::Result<core::Deployment> GetDeployment(const core::ObjectId& app_id, const core::ObjectId& id) {
    return Await<core::Deployment>([&](auto done) { store_->GetDeployment(app_id, id, done); });
  }
  core::Status PutDraft(const core::Draft& d, bool create) {
    return AwaitStatus([&](auto done) { store_->PutDraft(d, create, done); });
  }
  core::Result<std::optional<core::Draft>> GetDraft(const core::ObjectId& app_id) {
    return Await<std::optional<core::Draft>>([&](auto done) { store_->GetDraft(app_id, done); });
  }
  core::Status DeleteDraft(const core::ObjectId& app_id, const core::ObjectId& id) {
    return AwaitStatus([&](auto done) { store_->DeleteDraft(app_id, id, done); });
  }
  core::Deployment MakeDeployment(const core::App& app, core::DeploymentStatus status, const std::string& config) {
    core::Deployment d;
    d.id = ids_.Next();
    d.app_id = app.id;
    d.name = "deploy-" + d.id.ToHex();
    d.author_id = ids_.Next();
    d.origin = "API";
    d.status = status;
    d.error = status == core::DeploymentStatus::kFailed ? "bad config" : "";
    d.deployed_at = clock_.NowSeconds();
    d.config_json = config;
    return d;
  }
  core::Result<std::vector<core::App>> ListApps() {
    return Await<std::vector<core::App>>([&](auto done) { store_->ListApps(done); });
  }
  core::Status Create(const core::User& user, const core::Session& session) {
    return AwaitStatus([&](auto done) { store_->CreateUserWithSession(user, session, 0, done); });
  }
  core::Result<SessionWithUser> GetSessionWithUser(const core::ObjectId& user_id, const core::ObjectId& id) {
    return Await<SessionWithUser>([&](auto done) { store_->GetSessionWithUser(user_id, id, done); });
  }
  core::Result<SessionWithUser> GetSessionWithUser(const core::Session& session) {
    return GetSessionWithUser(session.user_id, session.id);
  }
  core::Result<core::User> GetUser(const core::ObjectId& id) {
    return Await<core::User>([&](auto done) { store_->GetUser(id, done); });
  }
  core::Result<DeleteSessionOutcome> DeleteSession(const core::ObjectId& user_id, const core::ObjectId& id,
                                                   bool delete_user_if_anonymous) {
    return Await<DeleteSessionOutcome>([&](auto done) {
      store_->DeleteSession(user_id, id, delete_user_if_anonymous, core::Deletion{1, "test", "logout"}, done);
    });
  }
  core::Result<DeleteSessionOutcome> DeleteSession(const core::Session& session, bool delete_user_if_anonymous) {
    return DeleteSession(session.user_id, session.id, delete_user_if_anonymous);
  }
  core::Status DeleteUser(const core::ObjectId& id, int64_t at = 1) {
    return AwaitStatus([&](auto done) { store_->DeleteUser(id, core::Deletion{at, "test", "delete"}, done); });
  }
  core::Result<int64_t> PurgeAudit(int64_t before, size_t limit) {
    return Await<int64_t>([&](auto done) { store_->PurgeAuditEvents(before, limit, done); });
  }
  core::Status CreateSession(const core::Session& session) {
    return AwaitStatus([&](auto done) { store_->CreateSession(session, done); });
  }
  core::Result<core::User> FindUserByIdentity(const core::ObjectId& app_id, const core::Identity& identity) {
    return Await<core::User>(
        [&](auto done) { store_->FindUserByIdentity(app_id, identity.provider_type, identity.id, done); });
  }
  core::Status Link(const core::ObjectId& user_id, const core::Identity& identity, const std::string& data = "{}") {
    return AwaitStatus([&](auto done) { store_->LinkIdentity(user_id, identity, data, done); });
  }
  core::Status CreateApiKey(const core::ApiKey& key) {
    return AwaitStatus([&](auto done) { store_->CreateApiKey(key, done); });
  }
  core::Result<core::ApiKey> GetApiKey(const core::ObjectId& id) {
    return Await<core::ApiKey>([&](auto done) { store_->GetApiKey(id, done); });
  }
  core::Result<std::vector<core::ApiKey>> ListApiKeys(const core::ObjectId& user_id) {
    return Await<std::vector<core::ApiKey>>([&](auto done) { store_->ListApiKeys(user_id, done); });
  }
  core::Status SetApiKeyDisabled(const core::ObjectId& id, const core::ObjectId& user_id, bool disabled) {
    return AwaitStatus([&](auto done) { store_->SetApiKeyDisabled(id, user_id, disabled, done); });
  }
  core::Status DeleteApiKey(const core::ObjectId& id, const core::ObjectId& user_id) {
    return AwaitStatus([&](auto done) { store_->DeleteApiKey(id, user_id, done); });
  }
  core::Status CreateUser(const core::User& u, Store::NewUserLogin login) {
    return AwaitStatus([&](auto done) { store_->CreateUser(u, login, clock_.NowSeconds(), done); });
  }
  core::Result<std::vector<core::ApiKey>> ServerKeys(const core::ObjectId& app_id) {
    return Await<std::vector<core::ApiKey>>([&](auto done) { store_->ListServerApiKeys(app_id, done); });
  }
  core::Result<std::vector<core::UserpassAccount>> Pending(const core::ObjectId& app_id, const core::ObjectId& after,
                                                           size_t limit = 50) {
    return Await<std::vector<core::UserpassAccount>>(
        [&](auto done) { store_->ListPendingUserpassAccounts(app_id, after, limit, done); });
  }
  core::Status ConfirmAccount(const core::ObjectId& id) {
    return AwaitStatus([&](auto done) { store_->ConfirmUserpassAccount(id, done); });
  }
  core::Status DeletePending(const core::ObjectId& id) {
    return AwaitStatus([&](auto done) { store_->DeletePendingUserpassAccount(id, done); });
  }
  // A user of type "server" and its key, as an administrator makes them.
  std::pair<core::User, core::ApiKey> ServerKeyUser(const core::ObjectId& app_id, const std::string& name) {
    core::User u = MakeUser(app_id, {});
    u.type = std::string(core::kServerUserType);
    u.identities.push_back({u.id.ToHex(), std::string(core::kApiKey), anon_provider_id_});
    core::ApiKey key = MakeApiKey(u, name);
    key.id = u.id;
    return {u, key};
  }
  core::Status CreateAccount(const core::UserpassAccount& a, std::optional<core::UserpassToken> t = std::nullopt) {
    return AwaitStatus([&](auto done) { store_->CreateUserpassAccount(a, t, clock_.NowSeconds(), done); });
  }
  core::Result<core::UserpassAccount> GetAccount(const core::ObjectId& app_id, const std::string& email) {
    return Await<core::UserpassAccount>([&](auto done) { store_->GetUserpassAccount(app_id, email, done); });
  }
  core::Status PutToken(const core::UserpassToken& t) {
    return AwaitStatus([&](auto done) { store_->PutUserpassToken(t, done); });
  }
  core::Result<core::UserpassAccount> UseToken(const core::UserpassToken& t, const std::string& new_hash = "") {
    return Await<core::UserpassAccount>([&](auto done) {
      store_->UseUserpassToken(t.id, t.token_hash, t.purpose, new_hash, clock_.NowSeconds(), done);
    });
  }
  core::UserpassAccount MakeAccount(const core::ObjectId& app_id, const std::string& email, bool confirmed) {
    return {ids_.Next(), app_id, email, "$argon2id$hash-of-" + email, confirmed, clock_.NowSeconds()};
  }
  core::UserpassToken MakeToken(const core::UserpassAccount& a, core::UserpassTokenPurpose purpose) {
    core::UserpassToken t;
    t.id = ids_.Next();
    t.account_id = a.id;
    t.purpose = purpose;
    random_.Fill(t.token_hash);
    t.expires_at = clock_.NowSeconds() + 1800;
    return t;
  }
  core::Result<int64_t> CountUsers(const core::ObjectId& app_id) {
    return Await<int64_t>([&](auto done) { store_->CountUsers(app_id, done); });
  }
  core::Result<int64_t> CountAnonymous(const core::ObjectId& app_id) {
    return Await<int64_t>([&](auto done) { store_->CountAnonymousUsers(app_id, done); });
  }
  core::Status RecordActivity(const core::ObjectId& user_id, int64_t at) {
    return AwaitStatus([&](auto done) { store_->RecordActivity(user_id, at, done); });
  }
  core::Status CreateCapped(const core::User& user, const core::Session& session, int64_t cap) {
    return AwaitStatus([&](auto done) { store_->CreateUserWithSession(user, session, cap, done); });
  }
  core::Result<std::vector<core::User>> ListInactive(const core::ObjectId& app_id, int64_t cutoff, size_t limit) {
    return Await<std::vector<core::User>>(
        [&](auto done) { store_->ListInactiveAnonymousUsers(app_id, cutoff, limit, done); });
  }
  core::Result<std::vector<core::ObjectId>> DeleteInactive(const core::ObjectId& app_id, int64_t cutoff, size_t limit) {
    return Await<std::vector<core::ObjectId>>([&](auto done) {
      store_->DeleteInactiveAnonymousUsers(app_id, cutoff, limit, core::Deletion{cutoff, "system:test", "idle"},
                                           done);
    });
  }
  core::Result<std::vector<core::AuditEvent>> Audit(const core::ObjectId& app_id, int64_t after = 0,
                                                     size_t limit = 1000) {
    return Await<std::vector<core::AuditEvent>>(
        [&](auto done) { store_->ListAuditEvents(app_id, after, limit, done); });
  }
  core::Result<bool> Claim(const std::string& holder, int64_t now, int64_t lease = 60) {
    return Await<bool>([&](auto done) { store_->ClaimJob("job", holder, now, lease, done); });
  }
  core::Status Finish(const std::string& holder, int64_t next) {
    return AwaitStatus([&](auto done) { store_->FinishJob("job", holder, next, done); });
  }

  // ---- Records ----
  core::App MakeApp(const std::string& client_app_id) {
    core::App app;
    app.id = ids_.Next();
    app.client_app_id = client_app_id;
    app.name = "app-" + client_app_id;
    app.created_at = clock_.NowSeconds();
    app.providers.push_back({ids_.Next(), "anon-user", "anon-user", false, "{}"});
    return app;
  }
  core::Identity AnonIdentity() {
    return {ids_.Next().ToHex() + "-" + core::RandomLowercase(random_, 24), std::string(core::kAnonUser),
            anon_provider_id_};
  }
  core::User MakeUser(const core::ObjectId& app_id, std::vector<core::Identity> identities) {
    core::User user;
    user.id = ids_.Next();
    user.app_id = app_id;
    user.identities = std::move(identities);
    user.created_at = clock_.NowSeconds();
    user.last_active_at = clock_.NowSeconds();
    return user;
  }
  core::User AnonUser(const core::ObjectId& app_id) { return MakeUser(app_id, {AnonIdentity()}); }
  core::Identity TokenIdentity(const std::string& sub) { return {sub, "custom-token", anon_provider_id_}; }
  core::ApiKey MakeApiKey(const core::User& owner, const std::string& name) {
    core::ApiKey key;
    key.id = ids_.Next();
    key.app_id = owner.app_id;
    key.user_id = owner.id;
    key.name = name;
    random_.Fill(key.key_hash);
    key.created_at = clock_.NowSeconds();
    return key;
  }
  core::Session MakeSession(const core::User& user) {
    core::Session s;
    s.id = ids_.Next();
    s.user_id = user.id;
    random_.Fill(s.secret_hash);
    s.created_at = clock_.NowSeconds();
    s.expires_at = clock_.NowSeconds() + 5'184'000;
    return s;
  }

  static void ExpectSameApp(const core::App& got, const core::App& want) {
    EXPECT_EQ(got.id, want.id);
    EXPECT_EQ(got.client_app_id, want.client_app_id);
    EXPECT_EQ(got.name, want.name);
    EXPECT_EQ(got.created_at, want.created_at);
    EXPECT_EQ(got.settings.refresh_token_ttl_seconds, want.settings.refresh_token_ttl_seconds);
    EXPECT_EQ(got.settings.deployment_model, want.settings.deployment_model);
    EXPECT_EQ(got.settings.location, want.settings.location);
    ASSERT_EQ(got.providers.size(), want.providers.size());
    for (size_t i = 0; i < want.providers.size(); ++i) {
      EXPECT_EQ(got.providers[i].id, want.providers[i].id) << i;
      EXPECT_EQ(got.providers[i].name, want.providers[i].name) << i;
      EXPECT_EQ(got.providers[i].type, want.providers[i].type) << i;
      EXPECT_EQ(got.providers[i].disabled, want.providers[i].disabled) << i;
      EXPECT_EQ(got.providers[i].config_json, want.providers[i].config_json) << i;
      EXPECT_EQ(got.providers[i].metadata_fields_json, want.providers[i].metadata_fields_json) << i;
      EXPECT_EQ(got.providers[i].secret_config_json, want.providers[i].secret_config_json) << i;
    }
  }
  static void ExpectSameUser(const core::User& got, const core::User& want) {
    EXPECT_EQ(got.id, want.id);
    EXPECT_EQ(got.app_id, want.app_id);
    EXPECT_EQ(got.type, want.type);
    EXPECT_EQ(got.data_json, want.data_json);
    EXPECT_EQ(got.created_at, want.created_at);
    EXPECT_EQ(got.last_active_at, want.last_active_at);
    EXPECT_EQ(got.disabled, want.disabled);
    ASSERT_EQ(got.identities.size(), want.identities.size());
    for (size_t i = 0; i < want.identities.size(); ++i) {
      EXPECT_EQ(got.identities[i].id, want.identities[i].id) << i;
      EXPECT_EQ(got.identities[i].provider_type, want.identities[i].provider_type) << i;
      EXPECT_EQ(got.identities[i].provider_id, want.identities[i].provider_id) << i;
    }
  }
  static void ExpectSameSession(const core::Session& got, const core::Session& want) {
    EXPECT_EQ(got.id, want.id);
    EXPECT_EQ(got.user_id, want.user_id);
    EXPECT_EQ(got.secret_hash, want.secret_hash);
    EXPECT_EQ(got.created_at, want.created_at);
    EXPECT_EQ(got.expires_at, want.expires_at);
    EXPECT_EQ(got.device_id, want.device_id);
    EXPECT_EQ(got.device_json, want.device_json);
  }

  testutil::TempDir dir_;  // declared first: outlives store_
  std::unique_ptr<Store> store_;
  core::ManualClock clock_{1'700'000'000};
  core::SeededRandom random_{99};
  core::ObjectIdGenerator ids_{clock_, random_};
  core::ObjectId anon_provider_id_ = ids_.Next();
};

// ---- Apps ----

TEST_P(StoreContractTest, ListAppsOfAnEmptyStoreIsEmpty) {
  auto apps = ListApps();
  ASSERT_TRUE(apps.ok()) << apps.status().ToString();
  EXPECT_TRUE(apps->empty());
}

TEST_P(StoreContractTest, PutAppThenListAppsRoundTripsProvidersAndSettings) {
  core::App app = MakeApp("myapp-abcde");
  app.providers.push_back({ids_.Next(), "local-userpass", "local-userpass", true,
                           R"({"autoConfirm":true,"resetPasswordUrl":"https://example.com/reset"})"});
  app.providers.push_back({ids_.Next(), "api-key", "api-key", false, "{}"});
  app.settings.refresh_token_ttl_seconds = 3600;
  app.settings.deployment_model = "LOCAL";
  app.settings.location = "IE";
  ASSERT_TRUE(PutApp(app).ok());

  auto apps = ListApps();
  ASSERT_TRUE(apps.ok()) << apps.status().ToString();
  ASSERT_EQ(apps->size(), 1u);
  ExpectSameApp(apps->front(), app);
}

TEST_P(StoreContractTest, AppsAndDraftsKeepSecretNamesButNeverResolvedSecretValues) {
  core::App app = MakeApp("secrets-abcde");
  core::ProviderConfig jwt{ids_.Next(), "custom-token", "custom-token", false, R"({"signingAlgorithm":"HS256"})"};
  jwt.secret_config_json = R"({"signingKeys":["jwt-key"]})";
  jwt.resolved_config_json = R"({"signingAlgorithm":"HS256","signingKeys":["the-value"]})";
  app.providers.push_back(jwt);
  ASSERT_TRUE(PutApp(app).ok());
  auto apps = ListApps();
  ASSERT_TRUE(apps.ok()) << apps.status().ToString();
  ASSERT_EQ(apps->size(), 1u);
  ExpectSameApp(apps->front(), app);
  ASSERT_NE(apps->front().FindProvider("custom-token"), nullptr);
  EXPECT_EQ(apps->front().FindProvider("custom-token")->resolved_config_json, "");

  core::Draft draft{ids_.Next(), app.id, ids_.Next(), 1000, app};
  ASSERT_TRUE(AwaitStatus([&](auto done) { store_->PutDraft(draft, /*create=*/true, done); }).ok());
  auto got = Await<std::optional<core::Draft>>([&](auto done) { store_->GetDraft(app.id, done); });
  ASSERT_TRUE(got.ok() && got->has_value());
  const core::ProviderConfig* drafted = (*got)->app.FindProvider("custom-token");
  ASSERT_NE(drafted, nullptr);
  EXPECT_EQ(drafted->secret_config_json, jwt.secret_config_json);
  EXPECT_EQ(drafted->resolved_config_json, "");
}

TEST_P(StoreContractTest, ListAppsIsOrderedByCreation) {
  core::App later = MakeApp("later");
  later.created_at = 2000;
  core::App earlier = MakeApp("earlier");
  earlier.created_at = 1000;
  ASSERT_TRUE(PutApp(later).ok());
  ASSERT_TRUE(PutApp(earlier).ok());
  auto apps = ListApps();
  ASSERT_TRUE(apps.ok()) << apps.status().ToString();
  ASSERT_EQ(apps->size(), 2u);
  EXPECT_EQ((*apps)[0].client_app_id, "earlier");
  EXPECT_EQ((*apps)[1].client_app_id, "later");
}

TEST_P(StoreContractTest, PutAppWithAKnownIdReplacesTheAppInPlace) {
  core::App app = MakeApp("myapp-abcde");
  ASSERT_TRUE(PutApp(app).ok());
  core::App changed = app;
  changed.client_app_id = "renamed-abcde";
  changed.name = "renamed";
  changed.created_at = app.created_at + 10;
  changed.providers = {{ids_.Next(), "api-key", "api-key", true, R"({"k":1})"}};
  changed.settings.refresh_token_ttl_seconds = 1800;
  changed.settings.location = "DE-FF";
  ASSERT_TRUE(PutApp(changed).ok());

  auto apps = ListApps();
  ASSERT_TRUE(apps.ok()) << apps.status().ToString();
  ASSERT_EQ(apps->size(), 1u);
  ExpectSameApp(apps->front(), changed);
}

TEST_P(StoreContractTest, PutAppRefusesAClientAppIdOfAnotherApp) {
  core::App first = MakeApp("myapp-abcde");
  ASSERT_TRUE(PutApp(first).ok());
  core::App second = MakeApp("myapp-abcde");
  core::Status s = PutApp(second);
  EXPECT_EQ(s.code(), core::Code::kAlreadyExists) << s.ToString();

  core::App other = MakeApp("other");
  ASSERT_TRUE(PutApp(other).ok());
  other.client_app_id = "myapp-abcde";  // an update may not take it either
  s = PutApp(other);
  EXPECT_EQ(s.code(), core::Code::kAlreadyExists) << s.ToString();

  auto apps = ListApps();
  ASSERT_TRUE(apps.ok()) << apps.status().ToString();
  ASSERT_EQ(apps->size(), 2u);
  ExpectSameApp((*apps)[0], first);
  EXPECT_EQ((*apps)[1].client_app_id, "other");
}

// ---- Users and sessions ----

TEST_P(StoreContractTest, CreateUserWithSessionThenGetSessionWithUserReturnsBoth) {
  const core::ObjectId app_id = ids_.Next();
  core::User user = MakeUser(
      app_id,
      {{"alice@example.com", "local-userpass", ids_.Next()}, AnonIdentity(), {"key-0001", "api-key", ids_.Next()}});
  user.data_json = R"({"name":"Ada"})";
  user.last_active_at = user.created_at + 5;
  core::Session session = MakeSession(user);
  session.device_id = ids_.Next();
  session.device_json = R"({"platform":"web","sdkVersion":"2.0.0"})";
  ASSERT_TRUE(Create(user, session).ok());

  auto got = GetSessionWithUser(session);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ExpectSameSession(got->session, session);
  ExpectSameUser(got->user, user);
}

TEST_P(StoreContractTest, SessionWithoutDeviceKeepsAZeroDeviceIdAndNoDeviceJson) {
  core::User user = AnonUser(ids_.Next());
  core::Session session = MakeSession(user);
  ASSERT_TRUE(Create(user, session).ok());
  auto got = GetSessionWithUser(session);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(got->session.device_id.IsZero());
  EXPECT_EQ(got->session.device_json, "");
  EXPECT_EQ(got->user.data_json, "{}");
  EXPECT_EQ(got->user.type, "normal");
}

TEST_P(StoreContractTest, GetUserReturnsTheUserWithIdentitiesInOrder) {
  core::User user = MakeUser(ids_.Next(), {AnonIdentity(), {"zed@example.com", "local-userpass", ids_.Next()}});
  user.disabled = true;
  user.type = "server";
  ASSERT_TRUE(Create(user, MakeSession(user)).ok());
  auto got = GetUser(user.id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ExpectSameUser(*got, user);
}

TEST_P(StoreContractTest, UnknownIdsAreNotFound) {
  const core::ObjectId unknown = ids_.Next();
  EXPECT_EQ(GetSessionWithUser(unknown, unknown).status().code(), core::Code::kNotFound);
  EXPECT_EQ(GetUser(unknown).status().code(), core::Code::kNotFound);
  EXPECT_EQ(DeleteSession(unknown, unknown, true).status().code(), core::Code::kNotFound);
  EXPECT_EQ(DeleteSession(unknown, unknown, false).status().code(), core::Code::kNotFound);
  EXPECT_EQ(DeleteUser(unknown).code(), core::Code::kNotFound);
}

TEST_P(StoreContractTest, ASessionIsOnlyFoundWithItsOwnUser) {
  core::User user = AnonUser(ids_.Next());
  core::Session session = MakeSession(user);
  ASSERT_TRUE(Create(user, session).ok());
  core::User other = AnonUser(user.app_id);
  ASSERT_TRUE(Create(other, MakeSession(other)).ok());
  ASSERT_TRUE(GetSessionWithUser(session).ok());  // cached, if the store caches
  EXPECT_EQ(GetSessionWithUser(other.id, session.id).status().code(), core::Code::kNotFound);
  EXPECT_EQ(DeleteSession(other.id, session.id, true).status().code(), core::Code::kNotFound);
  EXPECT_TRUE(GetUser(other.id).ok());
  EXPECT_TRUE(GetSessionWithUser(session).ok());
}

TEST_P(StoreContractTest, DeleteSessionOfAnAnonymousUserDeletesTheUser) {
  core::User user = AnonUser(ids_.Next());
  core::Session session = MakeSession(user);
  ASSERT_TRUE(Create(user, session).ok());

  auto outcome = DeleteSession(session, /*delete_user_if_anonymous=*/true);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->user_id, user.id);
  EXPECT_TRUE(outcome->user_deleted);
  EXPECT_EQ(GetUser(user.id).status().code(), core::Code::kNotFound);
  EXPECT_EQ(GetSessionWithUser(session).status().code(), core::Code::kNotFound);
  EXPECT_EQ(CountUsers(user.app_id).value(), 0);
}

TEST_P(StoreContractTest, DeleteSessionKeepsAUserWithANonAnonymousIdentity) {
  core::User user = MakeUser(ids_.Next(), {AnonIdentity(), {"bob@example.com", "local-userpass", ids_.Next()}});
  core::Session session = MakeSession(user);
  ASSERT_TRUE(Create(user, session).ok());

  auto outcome = DeleteSession(session, /*delete_user_if_anonymous=*/true);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->user_id, user.id);
  EXPECT_FALSE(outcome->user_deleted);
  auto kept = GetUser(user.id);
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  ExpectSameUser(*kept, user);
  EXPECT_EQ(GetSessionWithUser(session).status().code(), core::Code::kNotFound);
}

TEST_P(StoreContractTest, DeleteSessionKeepsAnAnonymousUserWhenNotAskedToDeleteIt) {
  core::User user = AnonUser(ids_.Next());
  core::Session session = MakeSession(user);
  ASSERT_TRUE(Create(user, session).ok());

  auto outcome = DeleteSession(session, /*delete_user_if_anonymous=*/false);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->user_id, user.id);
  EXPECT_FALSE(outcome->user_deleted);
  EXPECT_TRUE(GetUser(user.id).ok());
  EXPECT_EQ(GetSessionWithUser(session).status().code(), core::Code::kNotFound);
}

TEST_P(StoreContractTest, DeleteSessionTwiceIsNotFoundTheSecondTime) {
  core::User user = MakeUser(ids_.Next(), {{"carol@example.com", "local-userpass", ids_.Next()}});
  core::Session session = MakeSession(user);
  ASSERT_TRUE(Create(user, session).ok());
  ASSERT_TRUE(DeleteSession(session, true).ok());
  auto again = DeleteSession(session, true);
  EXPECT_EQ(again.status().code(), core::Code::kNotFound) << again.status().ToString();
}

TEST_P(StoreContractTest, DeleteUserRemovesTheUserAndItsSession) {
  core::User user = MakeUser(ids_.Next(), {{"dave@example.com", "local-userpass", ids_.Next()}});
  core::Session session = MakeSession(user);
  ASSERT_TRUE(Create(user, session).ok());
  core::User bystander = AnonUser(user.app_id);
  core::Session bystander_session = MakeSession(bystander);
  ASSERT_TRUE(Create(bystander, bystander_session).ok());

  ASSERT_TRUE(DeleteUser(user.id).ok());
  EXPECT_EQ(GetUser(user.id).status().code(), core::Code::kNotFound);
  EXPECT_EQ(GetSessionWithUser(session).status().code(), core::Code::kNotFound);
  EXPECT_EQ(DeleteSession(session, true).status().code(), core::Code::kNotFound);
  EXPECT_EQ(DeleteUser(user.id).code(), core::Code::kNotFound);
  EXPECT_EQ(CountUsers(user.app_id).value(), 1);
  EXPECT_TRUE(GetSessionWithUser(bystander_session).ok());

  // Its identity is free again.
  core::User again = MakeUser(user.app_id, {{"dave@example.com", "local-userpass", ids_.Next()}});
  EXPECT_TRUE(Create(again, MakeSession(again)).ok());
}

TEST_P(StoreContractTest, CountUsersCountsPerApp) {
  const core::ObjectId a = ids_.Next(), b = ids_.Next(), empty = ids_.Next();
  for (int i = 0; i < 3; ++i) {
    core::User u = AnonUser(a);
    ASSERT_TRUE(Create(u, MakeSession(u)).ok());
  }
  core::User u = AnonUser(b);
  ASSERT_TRUE(Create(u, MakeSession(u)).ok());
  EXPECT_EQ(CountUsers(a).value(), 3);
  EXPECT_EQ(CountUsers(b).value(), 1);
  EXPECT_EQ(CountUsers(empty).value(), 0);
}

TEST_P(StoreContractTest, ANonAnonymousIdentityBelongsToOneUserPerApp) {
  const core::ObjectId app_id = ids_.Next();
  const core::ObjectId provider_id = ids_.Next();
  core::User first = MakeUser(app_id, {AnonIdentity(), {"erin@example.com", "local-userpass", provider_id}});
  ASSERT_TRUE(Create(first, MakeSession(first)).ok());

  core::User second = MakeUser(app_id, {{"erin@example.com", "local-userpass", provider_id}});
  core::Session second_session = MakeSession(second);
  core::Status s = Create(second, second_session);
  EXPECT_EQ(s.code(), core::Code::kAlreadyExists) << s.ToString();
  // Nothing of the refused user is left behind.
  EXPECT_EQ(GetUser(second.id).status().code(), core::Code::kNotFound);
  EXPECT_EQ(GetSessionWithUser(second_session).status().code(), core::Code::kNotFound);
  EXPECT_EQ(CountUsers(app_id).value(), 1);
  EXPECT_TRUE(GetUser(first.id).ok());
}

TEST_P(StoreContractTest, TheSameIdentityMayExistInAnotherApp) {
  const core::ObjectId provider_id = ids_.Next();
  core::User first = MakeUser(ids_.Next(), {{"frank@example.com", "local-userpass", provider_id}});
  ASSERT_TRUE(Create(first, MakeSession(first)).ok());
  core::User second = MakeUser(ids_.Next(), {{"frank@example.com", "local-userpass", provider_id}});
  EXPECT_TRUE(Create(second, MakeSession(second)).ok());
}

TEST_P(StoreContractTest, AnonymousIdentityIdsAreNotUniquenessChecked) {
  // Anonymous identities are never looked up by id (store.h contract).
  const core::ObjectId app_id = ids_.Next();
  const core::Identity shared = AnonIdentity();
  core::User first = MakeUser(app_id, {shared});
  core::User second = MakeUser(app_id, {shared});
  ASSERT_TRUE(Create(first, MakeSession(first)).ok());
  EXPECT_TRUE(Create(second, MakeSession(second)).ok());
}

TEST_P(StoreContractTest, ATakenUserIdIsRefused) {
  core::User user = AnonUser(ids_.Next());
  ASSERT_TRUE(Create(user, MakeSession(user)).ok());
  core::User clash = AnonUser(user.app_id);
  clash.id = user.id;
  core::Session clash_session = MakeSession(clash);
  EXPECT_EQ(Create(clash, clash_session).code(), core::Code::kAlreadyExists);
  EXPECT_EQ(GetSessionWithUser(clash_session).status().code(), core::Code::kNotFound);
  auto kept = GetUser(user.id);
  ASSERT_TRUE(kept.ok());
  ExpectSameUser(*kept, user);
}

TEST_P(StoreContractTest, ConcurrentCreatesAllSucceedAndAreReadable) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 250;
  const core::ObjectId app_id = ids_.Next();
  std::vector<std::vector<core::Session>> sessions(kThreads);
  std::latch finished(kThreads * kPerThread);
  std::atomic<int> succeeded{0};
  std::mutex failures_mu;
  std::vector<std::string> failures;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        core::User user;
        user.id = ids_.Next();
        user.app_id = app_id;
        user.identities.push_back({user.id.ToHex() + "-anon", std::string(core::kAnonUser), anon_provider_id_});
        core::Session session;
        session.id = ids_.Next();
        session.user_id = user.id;
        session.secret_hash[0] = static_cast<uint8_t>(t);
        session.secret_hash[1] = static_cast<uint8_t>(i);
        session.expires_at = 1;
        sessions[t].push_back(session);
        // Fire without waiting, so writes from all threads overlap.
        store_->CreateUserWithSession(std::move(user), std::move(session), 0, [&](core::Status s) {
          if (s.ok()) {
            succeeded.fetch_add(1);
          } else {
            std::lock_guard<std::mutex> lock(failures_mu);
            failures.push_back(s.ToString());
          }
          finished.count_down();
        });
      }
    });
  }
  for (auto& t : threads) t.join();
  finished.wait();
  EXPECT_EQ(succeeded.load(), kThreads * kPerThread);
  EXPECT_TRUE(failures.empty()) << failures.front();

  EXPECT_EQ(CountUsers(app_id).value(), kThreads * kPerThread);
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      const core::Session& want = sessions[t][i];
      auto got = GetSessionWithUser(want);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      ExpectSameSession(got->session, want);
      ASSERT_EQ(got->user.identities.size(), 1u);
      EXPECT_EQ(got->user.identities[0].id, want.user_id.ToHex() + "-anon");
    }
  }
}

// ---- Sessions of existing users, identities and linking ----

TEST_P(StoreContractTest, CreateSessionAddsASessionToAnExistingUser) {
  const core::App app = MakeApp("a");
  const core::User user = AnonUser(app.id);
  ASSERT_TRUE(Create(user, MakeSession(user)).ok());
  const core::Session second = MakeSession(user);
  ASSERT_TRUE(CreateSession(second).ok());
  auto got = GetSessionWithUser(second);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ExpectSameSession(got->session, second);
  EXPECT_EQ(got->user.id, user.id);
}

TEST_P(StoreContractTest, CreateSessionForAMissingUserIsNotFound) {
  const core::User ghost = AnonUser(MakeApp("a").id);
  core::Status s = CreateSession(MakeSession(ghost));
  EXPECT_TRUE(s.IsNotFound()) << s.ToString();
  EXPECT_TRUE(GetSessionWithUser(MakeSession(ghost)).status().IsNotFound());
}

TEST_P(StoreContractTest, DeleteUserEndsEverySessionOfTheUser) {
  const core::App app = MakeApp("a");
  const core::User user = AnonUser(app.id);
  const core::Session first = MakeSession(user), second = MakeSession(user);
  ASSERT_TRUE(Create(user, first).ok());
  ASSERT_TRUE(CreateSession(second).ok());
  ASSERT_TRUE(DeleteUser(user.id).ok());
  EXPECT_TRUE(GetSessionWithUser(first).status().IsNotFound());
  EXPECT_TRUE(GetSessionWithUser(second).status().IsNotFound());
}

TEST_P(StoreContractTest, FindUserByIdentityFindsNonAnonymousIdentitiesOfTheApp) {
  const core::App app = MakeApp("a");
  const core::Identity token = TokenIdentity("sub-1");
  const core::User user = MakeUser(app.id, {token});
  ASSERT_TRUE(Create(user, MakeSession(user)).ok());
  auto found = FindUserByIdentity(app.id, token);
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(found->id, user.id);
  EXPECT_TRUE(FindUserByIdentity(MakeApp("b").id, token).status().IsNotFound());
  EXPECT_TRUE(FindUserByIdentity(app.id, TokenIdentity("sub-2")).status().IsNotFound());
}

TEST_P(StoreContractTest, LinkIdentityAppendsTheIdentityAndMergesData) {
  const core::App app = MakeApp("a");
  core::User user = AnonUser(app.id);
  user.data_json = R"({"keep":"me"})";
  ASSERT_TRUE(Create(user, MakeSession(user)).ok());
  const core::Identity token = TokenIdentity("sub-1");
  ASSERT_TRUE(Link(user.id, token, R"({"email":"a@b.c"})").ok());
  auto got = GetUser(user.id);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->identities.size(), 2u);
  EXPECT_EQ(got->identities[0].provider_type, "anon-user");
  EXPECT_EQ(got->identities[1].id, "sub-1");
  EXPECT_EQ(got->identities[1].provider_type, "custom-token");
  EXPECT_EQ(got->data_json, R"({"email":"a@b.c","keep":"me"})");
  EXPECT_FALSE(got->IsAnonymous());
  auto found = FindUserByIdentity(app.id, token);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->id, user.id);
}

TEST_P(StoreContractTest, LinkingAnIdentityTwiceSaysWhoHasIt) {
  const core::App app = MakeApp("a");
  const core::User a = AnonUser(app.id), b = AnonUser(app.id);
  ASSERT_TRUE(Create(a, MakeSession(a)).ok());
  ASSERT_TRUE(Create(b, MakeSession(b)).ok());
  const core::Identity token = TokenIdentity("sub-1");
  ASSERT_TRUE(Link(a.id, token).ok());
  core::Status again = Link(a.id, token);
  EXPECT_EQ(again.code(), core::Code::kAlreadyExists);
  EXPECT_EQ(again.message(), kLinkedToThisUser);
  core::Status other = Link(b.id, token, R"({"email":"x"})");
  EXPECT_EQ(other.code(), core::Code::kAlreadyExists);
  EXPECT_EQ(other.message(), kLinkedToAnotherUser);
  auto unchanged = GetUser(b.id);
  ASSERT_TRUE(unchanged.ok());
  ExpectSameUser(*unchanged, b);
}

TEST_P(StoreContractTest, LinkIdentityToAMissingUserIsNotFound) {
  EXPECT_TRUE(Link(ids_.Next(), TokenIdentity("s")).IsNotFound());
}

TEST_P(StoreContractTest, ALinkedUserSurvivesTheLogoutOfItsAnonymousSession) {
  const core::App app = MakeApp("a");
  const core::User user = AnonUser(app.id);
  const core::Session session = MakeSession(user);
  ASSERT_TRUE(Create(user, session).ok());
  ASSERT_TRUE(Link(user.id, TokenIdentity("sub-1")).ok());
  auto outcome = DeleteSession(session, /*delete_user_if_anonymous=*/true);
  ASSERT_TRUE(outcome.ok());
  EXPECT_FALSE(outcome->user_deleted);
  EXPECT_TRUE(GetUser(user.id).ok());
}

TEST_P(StoreContractTest, ConcurrentLinksOfOneIdentityHaveExactlyOneWinner) {
  const core::App app = MakeApp("a");
  constexpr int kUsers = 16;
  std::vector<core::User> users;
  for (int i = 0; i < kUsers; ++i) {
    users.push_back(AnonUser(app.id));
    ASSERT_TRUE(Create(users.back(), MakeSession(users.back())).ok());
  }
  const core::Identity token = TokenIdentity("contested");
  std::atomic<int> wins{0}, conflicts{0};
  std::latch start(kUsers);
  std::vector<std::thread> threads;
  for (int i = 0; i < kUsers; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      core::Status s = Link(users[i].id, token);
      if (s.ok()) ++wins;
      if (s.code() == core::Code::kAlreadyExists) ++conflicts;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wins.load(), 1);
  EXPECT_EQ(conflicts.load(), kUsers - 1);
  auto winner = FindUserByIdentity(app.id, token);
  ASSERT_TRUE(winner.ok());
  int linked = 0;
  for (const auto& u : users) {
    auto got = GetUser(u.id);
    ASSERT_TRUE(got.ok());
    if (got->identities.size() == 2) {
      ++linked;
      EXPECT_EQ(got->id, winner->id);
    }
  }
  EXPECT_EQ(linked, 1);
}

// ---- API keys ----

TEST_P(StoreContractTest, ApiKeysRoundTripAndListInCreationOrder) {
  const core::App app = MakeApp("a");
  const core::User user = AnonUser(app.id);
  ASSERT_TRUE(Create(user, MakeSession(user)).ok());
  const core::ApiKey first = MakeApiKey(user, "one"), second = MakeApiKey(user, "two");
  ASSERT_TRUE(CreateApiKey(first).ok());
  ASSERT_TRUE(CreateApiKey(second).ok());
  auto got = GetApiKey(first.id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->name, "one");
  EXPECT_EQ(got->user_id, user.id);
  EXPECT_EQ(got->app_id, app.id);
  EXPECT_EQ(got->key_hash, first.key_hash);
  EXPECT_FALSE(got->disabled);
  auto list = ListApiKeys(user.id);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, first.id);
  EXPECT_EQ((*list)[1].id, second.id);
  EXPECT_TRUE(GetApiKey(ids_.Next()).status().IsNotFound());
}

TEST_P(StoreContractTest, ApiKeyNamesAreUniquePerUserAndAUserHasAtMostTwenty) {
  const core::App app = MakeApp("a");
  const core::User user = AnonUser(app.id), other = AnonUser(app.id);
  ASSERT_TRUE(Create(user, MakeSession(user)).ok());
  ASSERT_TRUE(Create(other, MakeSession(other)).ok());
  ASSERT_TRUE(CreateApiKey(MakeApiKey(user, "k")).ok());
  EXPECT_EQ(CreateApiKey(MakeApiKey(user, "k")).code(), core::Code::kAlreadyExists);
  EXPECT_TRUE(CreateApiKey(MakeApiKey(other, "k")).ok());
  for (int i = 1; i < 20; ++i) ASSERT_TRUE(CreateApiKey(MakeApiKey(user, std::string("k").append(std::to_string(i)))).ok()) << i;
  EXPECT_EQ(CreateApiKey(MakeApiKey(user, "k20")).code(), core::Code::kInvalidArgument);
  EXPECT_EQ(ListApiKeys(user.id)->size(), 20u);
}

TEST_P(StoreContractTest, OnlyTheOwnerDisablesOrDeletesAKey) {
  const core::App app = MakeApp("a");
  const core::User user = AnonUser(app.id), other = AnonUser(app.id);
  ASSERT_TRUE(Create(user, MakeSession(user)).ok());
  ASSERT_TRUE(Create(other, MakeSession(other)).ok());
  const core::ApiKey key = MakeApiKey(user, "k");
  ASSERT_TRUE(CreateApiKey(key).ok());
  EXPECT_TRUE(SetApiKeyDisabled(key.id, other.id, true).IsNotFound());
  EXPECT_TRUE(DeleteApiKey(key.id, other.id).IsNotFound());
  ASSERT_TRUE(SetApiKeyDisabled(key.id, user.id, true).ok());
  EXPECT_TRUE(GetApiKey(key.id)->disabled);
  ASSERT_TRUE(SetApiKeyDisabled(key.id, user.id, false).ok());
  EXPECT_FALSE(GetApiKey(key.id)->disabled);
}

TEST_P(StoreContractTest, DeletingAKeyRemovesItsLinkedIdentity) {
  const core::App app = MakeApp("a");
  const core::User user = AnonUser(app.id);
  ASSERT_TRUE(Create(user, MakeSession(user)).ok());
  const core::ApiKey key = MakeApiKey(user, "k");
  ASSERT_TRUE(CreateApiKey(key).ok());
  ASSERT_TRUE(Link(user.id, {key.id.ToHex(), "api-key", anon_provider_id_}).ok());
  ASSERT_EQ(GetUser(user.id)->identities.size(), 2u);
  ASSERT_TRUE(DeleteApiKey(key.id, user.id).ok());
  EXPECT_TRUE(GetApiKey(key.id).status().IsNotFound());
  auto got = GetUser(user.id);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->identities.size(), 1u);
  EXPECT_EQ(got->identities[0].provider_type, "anon-user");
  EXPECT_TRUE(DeleteApiKey(key.id, user.id).IsNotFound());
}

TEST_P(StoreContractTest, DeletingAUserDeletesItsApiKeys) {
  const core::App app = MakeApp("a");
  const core::User user = AnonUser(app.id);
  ASSERT_TRUE(Create(user, MakeSession(user)).ok());
  const core::ApiKey key = MakeApiKey(user, "k");
  ASSERT_TRUE(CreateApiKey(key).ok());
  ASSERT_TRUE(DeleteUser(user.id).ok());
  EXPECT_TRUE(GetApiKey(key.id).status().IsNotFound());
}

// ---- Email/password accounts ----

TEST_P(StoreContractTest, UserpassAccountsRoundTripByAppAndEmail) {
  const core::App app = MakeApp("a");
  const core::UserpassAccount a = MakeAccount(app.id, "ada@example.org", true);
  ASSERT_TRUE(CreateAccount(a).ok());
  auto got = GetAccount(app.id, "ada@example.org");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->id, a.id);
  EXPECT_EQ(got->password_hash, a.password_hash);
  EXPECT_TRUE(got->confirmed);
  EXPECT_EQ(got->created_at, a.created_at);
  EXPECT_TRUE(GetAccount(MakeApp("b").id, "ada@example.org").status().IsNotFound());
  EXPECT_TRUE(GetAccount(app.id, "bob@example.org").status().IsNotFound());
}

TEST_P(StoreContractTest, ATakenEmailIsAccountNameInUseUnlessItsRegistrationExpired) {
  const core::App app = MakeApp("a");
  ASSERT_TRUE(CreateAccount(MakeAccount(app.id, "c@x.org", true)).ok());
  core::Status taken = CreateAccount(MakeAccount(app.id, "c@x.org", false));
  EXPECT_EQ(taken.code(), core::Code::kAlreadyExists);
  EXPECT_EQ(taken.error_code(), core::ErrorCode::kAccountNameInUse);

  const core::UserpassAccount pending = MakeAccount(app.id, "p@x.org", false);
  ASSERT_TRUE(CreateAccount(pending, MakeToken(pending, core::UserpassTokenPurpose::kConfirm)).ok());
  EXPECT_EQ(CreateAccount(MakeAccount(app.id, "p@x.org", false)).code(), core::Code::kAlreadyExists)
      << "a pending registration with a live token holds the email";
  clock_.Advance(1801);
  const core::UserpassAccount again = MakeAccount(app.id, "p@x.org", false);
  ASSERT_TRUE(CreateAccount(again).ok()) << "an expired pending registration is replaced";
  EXPECT_EQ(GetAccount(app.id, "p@x.org")->id, again.id);
}

TEST_P(StoreContractTest, AConfirmTokenConfirmsOnceAndOnlyBeforeItExpires) {
  const core::App app = MakeApp("a");
  const core::UserpassAccount a = MakeAccount(app.id, "t@x.org", false);
  const core::UserpassToken t = MakeToken(a, core::UserpassTokenPurpose::kConfirm);
  ASSERT_TRUE(CreateAccount(a, t).ok());
  core::UserpassToken wrong = t;
  wrong.token_hash[0] ^= 1;
  EXPECT_EQ(UseToken(wrong).status().error_code(), core::ErrorCode::kUserpassTokenInvalid);
  core::UserpassToken other_purpose = t;
  other_purpose.purpose = core::UserpassTokenPurpose::kReset;
  EXPECT_TRUE(UseToken(other_purpose).status().IsNotFound());
  auto used = UseToken(t);
  ASSERT_TRUE(used.ok()) << used.status().ToString();
  EXPECT_TRUE(used->confirmed);
  EXPECT_TRUE(GetAccount(app.id, "t@x.org")->confirmed);
  EXPECT_TRUE(UseToken(t).status().IsNotFound()) << "a token works once";

  const core::UserpassAccount b = MakeAccount(app.id, "late@x.org", false);
  const core::UserpassToken late = MakeToken(b, core::UserpassTokenPurpose::kConfirm);
  ASSERT_TRUE(CreateAccount(b, late).ok());
  clock_.Advance(1800);
  EXPECT_TRUE(UseToken(late).status().IsNotFound());
  EXPECT_FALSE(GetAccount(app.id, "late@x.org")->confirmed);
}

TEST_P(StoreContractTest, AResetTokenSetsTheNewOrThePendingPasswordHash) {
  const core::App app = MakeApp("a");
  const core::UserpassAccount a = MakeAccount(app.id, "r@x.org", true);
  ASSERT_TRUE(CreateAccount(a).ok());
  const core::UserpassToken first = MakeToken(a, core::UserpassTokenPurpose::kReset);
  ASSERT_TRUE(PutToken(first).ok());
  core::UserpassToken second = MakeToken(a, core::UserpassTokenPurpose::kReset);
  second.pending_password_hash = "$argon2id$pending";
  ASSERT_TRUE(PutToken(second).ok());
  EXPECT_TRUE(UseToken(first, "$argon2id$new").status().IsNotFound()) << "a new token replaces the old one";
  auto used = UseToken(second);
  ASSERT_TRUE(used.ok()) << used.status().ToString();
  EXPECT_EQ(GetAccount(app.id, "r@x.org")->password_hash, "$argon2id$pending");
  const core::UserpassToken third = MakeToken(a, core::UserpassTokenPurpose::kReset);
  ASSERT_TRUE(PutToken(third).ok());
  ASSERT_TRUE(UseToken(third, "$argon2id$typed").ok());
  EXPECT_EQ(GetAccount(app.id, "r@x.org")->password_hash, "$argon2id$typed");
  EXPECT_TRUE(
      PutToken(MakeToken(MakeAccount(app.id, "ghost@x.org", true), core::UserpassTokenPurpose::kReset)).IsNotFound());
}

TEST_P(StoreContractTest, DeletingAUserDeletesItsEmailPasswordAccount) {
  const core::App app = MakeApp("a");
  const core::UserpassAccount account = MakeAccount(app.id, "gone@x.org", true);
  ASSERT_TRUE(CreateAccount(account).ok());
  const core::User user = MakeUser(app.id, {{account.id.ToHex(), "local-userpass", anon_provider_id_}});
  ASSERT_TRUE(Create(user, MakeSession(user)).ok());
  ASSERT_TRUE(DeleteUser(user.id).ok());
  EXPECT_TRUE(GetAccount(app.id, "gone@x.org").status().IsNotFound());
  EXPECT_TRUE(CreateAccount(MakeAccount(app.id, "gone@x.org", true)).ok()) << "the email is free again";
}

// ---- Users made by administrators: email/password users, server API keys, pending registrations ----

TEST_P(StoreContractTest, CreateUserWithAnAccountMakesALoginReadyUserWithoutASession) {
  const core::App app = MakeApp("a");
  const core::UserpassAccount a = MakeAccount(app.id, "new@x.org", true);
  const core::User u = MakeUser(app.id, {{a.id.ToHex(), std::string(core::kLocalUserpass), anon_provider_id_}});
  ASSERT_TRUE(CreateUser(u, Store::NewUserLogin::Account(a)).ok());
  ExpectSameUser(*GetUser(u.id), u);
  EXPECT_EQ(GetAccount(app.id, "new@x.org")->id, a.id);
  auto found = Await<core::User>([&](auto done) {
    store_->FindUserByIdentity(app.id, std::string(core::kLocalUserpass), a.id.ToHex(), done);
  });
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(found->id, u.id);
  EXPECT_TRUE(Pending(app.id, {})->empty()) << "a user has the account: not pending";

  // The email is taken now: nothing of a second user is written.
  const core::UserpassAccount b = MakeAccount(app.id, "new@x.org", true);
  const core::User v = MakeUser(app.id, {{b.id.ToHex(), std::string(core::kLocalUserpass), anon_provider_id_}});
  core::Status taken = CreateUser(v, Store::NewUserLogin::Account(b));
  EXPECT_EQ(taken.error_code(), core::ErrorCode::kAccountNameInUse);
  EXPECT_TRUE(GetUser(v.id).status().IsNotFound());
  EXPECT_EQ(*CountUsers(app.id), 1);
}

TEST_P(StoreContractTest, ServerKeysAreTheAppsKeysOfServerUsersUniqueByName) {
  const core::App app = MakeApp("a");
  auto [u, key] = ServerKeyUser(app.id, "backend");
  ASSERT_TRUE(CreateUser(u, Store::NewUserLogin::ServerKey(key)).ok());
  auto got = GetUser(u.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->type, "server");
  EXPECT_EQ(GetApiKey(key.id)->user_id, u.id);

  // A user's own key is not a server key, even the server user's own.
  const core::User owner = AnonUser(app.id);
  ASSERT_TRUE(Create(owner, MakeSession(owner)).ok());
  ASSERT_TRUE(CreateApiKey(MakeApiKey(owner, "backend")).ok());
  ASSERT_TRUE(CreateApiKey(MakeApiKey(u, "its-own")).ok());

  auto [u2, same_name] = ServerKeyUser(app.id, "backend");
  EXPECT_EQ(CreateUser(u2, Store::NewUserLogin::ServerKey(same_name)).error_code(), core::ErrorCode::kAPIKeyAlreadyExists);
  EXPECT_TRUE(GetUser(u2.id).status().IsNotFound()) << "nothing of a refused key is written";
  auto [u3, other] = ServerKeyUser(app.id, "cron");
  ASSERT_TRUE(CreateUser(u3, Store::NewUserLogin::ServerKey(other)).ok());
  auto [u4, elsewhere] = ServerKeyUser(MakeApp("b").id, "backend");
  ASSERT_TRUE(CreateUser(u4, Store::NewUserLogin::ServerKey(elsewhere)).ok()) << "names are per app";

  auto keys = ServerKeys(app.id);
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].name, "backend");
  EXPECT_EQ((*keys)[1].name, "cron");

  ASSERT_TRUE(DeleteUser(u.id).ok());
  EXPECT_EQ(ServerKeys(app.id)->size(), 1u) << "deleting the server user deletes its key";
}

TEST_P(StoreContractTest, AnAppHasAtMostAHundredServerKeys) {
  const core::App app = MakeApp("a");
  for (size_t i = 0; i < core::kMaxServerApiKeysPerApp; ++i) {
    std::string name = std::to_string(i);
    name += "-key";
    auto [u, key] = ServerKeyUser(app.id, name);
    ASSERT_TRUE(CreateUser(u, Store::NewUserLogin::ServerKey(key)).ok()) << i;
  }
  auto [u, key] = ServerKeyUser(app.id, "one-too-many");
  EXPECT_EQ(CreateUser(u, Store::NewUserLogin::ServerKey(key)).code(), core::Code::kInvalidArgument);
}

TEST_P(StoreContractTest, PendingRegistrationsAreAccountsNoUserHasInIdOrderPagedByKey) {
  const core::App app = MakeApp("a");
  std::vector<core::UserpassAccount> accounts;
  for (int i = 0; i < 5; ++i) {
    std::string email = std::to_string(i);
    email += "@x.org";
    accounts.push_back(MakeAccount(app.id, email, i % 2 == 0));
    ASSERT_TRUE(CreateAccount(accounts.back()).ok());
  }
  ASSERT_TRUE(CreateAccount(MakeAccount(MakeApp("b").id, "other@x.org", false)).ok());
  // Account 1 logged in: a user has its identity, so it is not pending.
  const core::User u =
      MakeUser(app.id, {{accounts[1].id.ToHex(), std::string(core::kLocalUserpass), anon_provider_id_}});
  ASSERT_TRUE(Create(u, MakeSession(u)).ok());

  auto first = Pending(app.id, {}, 2);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0].id, accounts[0].id);
  EXPECT_EQ((*first)[1].id, accounts[2].id);
  auto rest = Pending(app.id, (*first)[1].id, 50);
  ASSERT_EQ(rest->size(), 2u);
  EXPECT_EQ((*rest)[0].id, accounts[3].id);
  EXPECT_EQ((*rest)[1].id, accounts[4].id);
  EXPECT_EQ((*rest)[0].email, "3@x.org");
  EXPECT_FALSE((*rest)[0].confirmed);
  EXPECT_TRUE((*rest)[1].confirmed);
}

TEST_P(StoreContractTest, ConfirmingAnAccountEndsItsConfirmationTokens) {
  const core::App app = MakeApp("a");
  const core::UserpassAccount a = MakeAccount(app.id, "c@x.org", false);
  const core::UserpassToken t = MakeToken(a, core::UserpassTokenPurpose::kConfirm);
  ASSERT_TRUE(CreateAccount(a, t).ok());
  ASSERT_TRUE(ConfirmAccount(a.id).ok());
  EXPECT_TRUE(GetAccount(app.id, "c@x.org")->confirmed);
  EXPECT_EQ(UseToken(t).status().error_code(), core::ErrorCode::kUserpassTokenInvalid);
  EXPECT_EQ(ConfirmAccount(ids_.Next()).error_code(), core::ErrorCode::kUserNotFound);
}

TEST_P(StoreContractTest, OnlyAPendingRegistrationCanBeDeletedAsOne) {
  const core::App app = MakeApp("a");
  const core::UserpassAccount pending = MakeAccount(app.id, "p@x.org", false);
  ASSERT_TRUE(CreateAccount(pending, MakeToken(pending, core::UserpassTokenPurpose::kConfirm)).ok());
  ASSERT_TRUE(DeletePending(pending.id).ok());
  EXPECT_TRUE(GetAccount(app.id, "p@x.org").status().IsNotFound());
  EXPECT_TRUE(CreateAccount(MakeAccount(app.id, "p@x.org", false)).ok()) << "the email is free again";
  EXPECT_EQ(DeletePending(pending.id).error_code(), core::ErrorCode::kUserNotFound);

  const core::UserpassAccount active = MakeAccount(app.id, "a@x.org", true);
  const core::User u = MakeUser(app.id, {{active.id.ToHex(), std::string(core::kLocalUserpass), anon_provider_id_}});
  ASSERT_TRUE(CreateUser(u, Store::NewUserLogin::Account(active)).ok());
  EXPECT_EQ(DeletePending(active.id).code(), core::Code::kInvalidArgument);
  EXPECT_TRUE(GetAccount(app.id, "a@x.org").ok());
}

// ---- Reads see every acknowledged write (back ends may cache reads) ----

TEST_P(StoreContractTest, ARepeatedSessionReadSeesALinkAtOnce) {
  const core::App app = MakeApp("a");
  const core::User user = AnonUser(app.id);
  const core::Session session = MakeSession(user);
  ASSERT_TRUE(Create(user, session).ok());
  ASSERT_EQ(GetSessionWithUser(session)->user.identities.size(), 1u);  // now possibly cached
  ASSERT_EQ(GetSessionWithUser(session)->user.identities.size(), 1u);
  ASSERT_TRUE(Link(user.id, TokenIdentity("sub-1"), R"({"email":"a@b.c"})").ok());
  auto after = GetSessionWithUser(session);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->user.identities.size(), 2u);
  EXPECT_EQ(after->user.data_json, R"({"email":"a@b.c"})");
}

TEST_P(StoreContractTest, ARepeatedSessionReadSeesAKeyDeletionAtOnce) {
  const core::App app = MakeApp("a");
  const core::User user = AnonUser(app.id);
  const core::Session session = MakeSession(user);
  ASSERT_TRUE(Create(user, session).ok());
  const core::ApiKey key = MakeApiKey(user, "k");
  ASSERT_TRUE(CreateApiKey(key).ok());
  ASSERT_TRUE(Link(user.id, {key.id.ToHex(), "api-key", anon_provider_id_}).ok());
  ASSERT_EQ(GetSessionWithUser(session)->user.identities.size(), 2u);
  ASSERT_EQ(GetSessionWithUser(session)->user.identities.size(), 2u);
  ASSERT_TRUE(DeleteApiKey(key.id, user.id).ok());
  EXPECT_EQ(GetSessionWithUser(session)->user.identities.size(), 1u);
}

TEST_P(StoreContractTest, ARepeatedSessionReadSeesLogoutAndDeletionAtOnce) {
  const core::App app = MakeApp("a");
  const core::User user = MakeUser(app.id, {TokenIdentity("sub-1")});
  const core::Session first = MakeSession(user), second = MakeSession(user);
  ASSERT_TRUE(Create(user, first).ok());
  ASSERT_TRUE(CreateSession(second).ok());
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(GetSessionWithUser(first).ok());
    ASSERT_TRUE(GetSessionWithUser(second).ok());
  }
  ASSERT_TRUE(DeleteSession(first, /*delete_user_if_anonymous=*/true).ok());
  EXPECT_TRUE(GetSessionWithUser(first).status().IsNotFound());
  EXPECT_TRUE(GetSessionWithUser(second).ok()) << "the user is not anonymous: its other session stays";
  ASSERT_TRUE(DeleteUser(user.id).ok());
  EXPECT_TRUE(GetSessionWithUser(second).status().IsNotFound());
}

TEST_P(StoreContractTest, ReadsRacingWithDeletionsNeverResurrectASession) {
  const core::App app = MakeApp("a");
  std::vector<std::pair<core::User, core::Session>> users;
  for (int i = 0; i < 200; ++i) {
    core::User u = AnonUser(app.id);
    core::Session s = MakeSession(u);
    ASSERT_TRUE(Create(u, s).ok());
    users.emplace_back(u, s);
  }
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    while (!stop) {
      for (const auto& [u, s] : users) (void)GetSessionWithUser(s);
    }
  });
  for (const auto& [u, s] : users) ASSERT_TRUE(DeleteUser(u.id).ok());
  stop = true;
  reader.join();
  for (const auto& [u, s] : users) EXPECT_TRUE(GetSessionWithUser(s).status().IsNotFound());
}

// ---- Anonymous-user lifecycle: activity, inactivity, cap, audit, jobs ----

TEST_P(StoreContractTest, RecordActivityOnlyMovesLastActiveForward) {
  core::App app = MakeApp("activity-abcde");
  ASSERT_TRUE(PutApp(app).ok());
  core::User user = AnonUser(app.id);
  user.last_active_at = 1000;
  ASSERT_TRUE(Create(user, MakeSession(user)).ok());
  ASSERT_TRUE(RecordActivity(user.id, 5000).ok());
  EXPECT_EQ(GetUser(user.id)->last_active_at, 5000);
  ASSERT_TRUE(RecordActivity(user.id, 3000).ok());
  EXPECT_EQ(GetUser(user.id)->last_active_at, 5000);
  EXPECT_TRUE(RecordActivity(ids_.Next(), 5000).IsNotFound());
}

TEST_P(StoreContractTest, ANewSessionRecordsActivityAndASessionReadSeesIt) {
  core::App app = MakeApp("activity-fghij");
  ASSERT_TRUE(PutApp(app).ok());
  core::User user = AnonUser(app.id);
  user.last_active_at = 1000;
  core::Session first = MakeSession(user);
  ASSERT_TRUE(Create(user, first).ok());
  ASSERT_EQ(GetSessionWithUser(first)->user.last_active_at, 1000);  // now cached, if the store caches
  core::Session second = MakeSession(user);
  second.created_at = 9000;
  ASSERT_TRUE(CreateSession(second).ok());
  EXPECT_EQ(GetSessionWithUser(first)->user.last_active_at, 9000);
  ASSERT_TRUE(RecordActivity(user.id, 12000).ok());
  EXPECT_EQ(GetSessionWithUser(first)->user.last_active_at, 12000);
}

TEST_P(StoreContractTest, InactiveAnonymousUsersAreListedLeastRecentlyActiveFirst) {
  core::App app = MakeApp("idle-abcde");
  core::App other = MakeApp("idle-fghij");
  ASSERT_TRUE(PutApp(app).ok());
  ASSERT_TRUE(PutApp(other).ok());
  std::vector<core::User> idle;
  for (int64_t at : {300, 100, 200}) {
    core::User u = AnonUser(app.id);
    u.last_active_at = at;
    ASSERT_TRUE(Create(u, MakeSession(u)).ok());
    idle.push_back(u);
  }
  core::User active = AnonUser(app.id);
  active.last_active_at = 1000;
  ASSERT_TRUE(Create(active, MakeSession(active)).ok());
  core::User linked = MakeUser(app.id, {AnonIdentity(), TokenIdentity("sub-1")});
  linked.last_active_at = 50;
  ASSERT_TRUE(Create(linked, MakeSession(linked)).ok());
  core::User elsewhere = AnonUser(other.id);
  elsewhere.last_active_at = 50;
  ASSERT_TRUE(Create(elsewhere, MakeSession(elsewhere)).ok());

  auto listed = ListInactive(app.id, /*cutoff=*/1000, 10);
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 3u);
  EXPECT_EQ((*listed)[0].id, idle[1].id);
  EXPECT_EQ((*listed)[1].id, idle[2].id);
  EXPECT_EQ((*listed)[2].id, idle[0].id);
  EXPECT_EQ((*listed)[0].last_active_at, 100);
  ASSERT_EQ((*listed)[0].identities.size(), 1u);
  EXPECT_EQ((*listed)[0].identities[0].provider_type, core::kAnonUser);
  EXPECT_EQ(ListInactive(app.id, 1000, 2)->size(), 2u);
  EXPECT_EQ(ListInactive(app.id, 100, 10)->size(), 0u);  // strictly before the cutoff
}

TEST_P(StoreContractTest, DeletingInactiveUsersTakesBoundedBatchesAndSparesLinkedAndActiveUsers) {
  core::App app = MakeApp("expire-abcde");
  ASSERT_TRUE(PutApp(app).ok());
  std::vector<core::Session> idle_sessions;
  for (int i = 0; i < 5; ++i) {
    core::User u = AnonUser(app.id);
    u.last_active_at = 100 + i;
    core::Session s = MakeSession(u);
    ASSERT_TRUE(Create(u, s).ok());
    ASSERT_TRUE(GetSessionWithUser(s).ok());
    idle_sessions.push_back(s);
  }
  core::User active = AnonUser(app.id);
  active.last_active_at = 5000;
  ASSERT_TRUE(Create(active, MakeSession(active)).ok());
  core::User linked = AnonUser(app.id);
  linked.last_active_at = 10;
  ASSERT_TRUE(Create(linked, MakeSession(linked)).ok());
  ASSERT_TRUE(Link(linked.id, TokenIdentity("sub-linked")).ok());
  ASSERT_EQ(*CountAnonymous(app.id), 6);

  auto first = DeleteInactive(app.id, 1000, 2);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->size(), 2u);
  auto rest = DeleteInactive(app.id, 1000, 10);
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(rest->size(), 3u);
  EXPECT_EQ(DeleteInactive(app.id, 1000, 10)->size(), 0u);

  for (const auto& s : idle_sessions) {
    EXPECT_TRUE(GetSessionWithUser(s).status().IsNotFound());
    EXPECT_TRUE(GetUser(s.user_id).status().IsNotFound());
  }
  EXPECT_TRUE(GetUser(active.id).ok());
  EXPECT_TRUE(GetUser(linked.id).ok());
  EXPECT_EQ(*CountAnonymous(app.id), 1);
  EXPECT_EQ(*CountUsers(app.id), 2);

  auto events = Audit(app.id);
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  ASSERT_EQ(events->size(), 5u);
  for (size_t i = 0; i < events->size(); ++i) {
    const core::AuditEvent& e = (*events)[i];
    EXPECT_EQ(e.action, core::kAuditUserDelete);
    EXPECT_EQ(e.actor, "system:test");
    EXPECT_EQ(e.reason, "idle");
    EXPECT_EQ(e.at, 1000);
    EXPECT_EQ(e.providers, std::vector<std::string>{"anon-user"});
    EXPECT_EQ(e.user_id, idle_sessions[i].user_id);  // least recently active first
    if (i > 0) {
      EXPECT_GT(e.seq, (*events)[i - 1].seq);
    }
  }
}

TEST_P(StoreContractTest, TheAnonymousCountFollowsCreatesLinksUnlinksAndDeletes) {
  core::App app = MakeApp("count-abcde");
  ASSERT_TRUE(PutApp(app).ok());
  EXPECT_EQ(*CountAnonymous(app.id), 0);
  core::User a = AnonUser(app.id);
  core::Session a_session = MakeSession(a);
  core::User b = AnonUser(app.id);
  core::User c = AnonUser(app.id);
  core::User permanent = MakeUser(app.id, {TokenIdentity("sub-p")});
  ASSERT_TRUE(Create(a, a_session).ok());
  ASSERT_TRUE(Create(b, MakeSession(b)).ok());
  ASSERT_TRUE(Create(c, MakeSession(c)).ok());
  ASSERT_TRUE(Create(permanent, MakeSession(permanent)).ok());
  EXPECT_EQ(*CountAnonymous(app.id), 3);

  // An API key identity makes b permanent; deleting the key makes it anonymous again.
  core::ApiKey key = MakeApiKey(b, "k");
  ASSERT_TRUE(CreateApiKey(key).ok());
  ASSERT_TRUE(Link(b.id, core::Identity{key.id.ToHex(), std::string(core::kApiKey), anon_provider_id_}).ok());
  EXPECT_EQ(*CountAnonymous(app.id), 2);
  EXPECT_EQ(ListInactive(app.id, clock_.NowSeconds() + 1, 10)->size(), 2u);
  ASSERT_TRUE(DeleteApiKey(key.id, b.id).ok());
  EXPECT_EQ(*CountAnonymous(app.id), 3);
  EXPECT_EQ(ListInactive(app.id, clock_.NowSeconds() + 1, 10)->size(), 3u);

  ASSERT_TRUE(DeleteSession(a_session, /*delete_user_if_anonymous=*/true).ok());
  ASSERT_TRUE(DeleteUser(c.id).ok());
  EXPECT_EQ(*CountAnonymous(app.id), 1);
  ASSERT_TRUE(DeleteUser(permanent.id).ok());
  EXPECT_EQ(*CountAnonymous(app.id), 1);
}

TEST_P(StoreContractTest, TheAnonymousCapRefusesNewAnonymousUsersOnly) {
  core::App app = MakeApp("cap-abcde");
  core::App other = MakeApp("cap-fghij");
  ASSERT_TRUE(PutApp(app).ok());
  ASSERT_TRUE(PutApp(other).ok());
  core::User first = AnonUser(app.id);
  ASSERT_TRUE(CreateCapped(first, MakeSession(first), 2).ok());
  core::User second = AnonUser(app.id);
  ASSERT_TRUE(CreateCapped(second, MakeSession(second), 2).ok());
  core::User third = AnonUser(app.id);
  core::Status refused = CreateCapped(third, MakeSession(third), 2);
  EXPECT_EQ(refused.code(), core::Code::kPermissionDenied) << refused.ToString();
  EXPECT_EQ(refused.error_code(), core::ErrorCode::kAuthError);
  EXPECT_TRUE(GetUser(third.id).status().IsNotFound());
  core::User permanent = MakeUser(app.id, {TokenIdentity("sub-cap")});
  EXPECT_TRUE(CreateCapped(permanent, MakeSession(permanent), 2).ok());
  core::User elsewhere = AnonUser(other.id);
  EXPECT_TRUE(CreateCapped(elsewhere, MakeSession(elsewhere), 2).ok());
  ASSERT_TRUE(DeleteUser(first.id).ok());
  EXPECT_TRUE(CreateCapped(third, MakeSession(third), 2).ok());
}

TEST_P(StoreContractTest, EveryUserDeletionIsAnAuditEventOfItsApp) {
  core::App app = MakeApp("audit-abcde");
  core::App other = MakeApp("audit-fghij");
  ASSERT_TRUE(PutApp(app).ok());
  ASSERT_TRUE(PutApp(other).ok());
  core::User anon = AnonUser(app.id);
  core::Session anon_session = MakeSession(anon);
  core::User linked = MakeUser(app.id, {AnonIdentity(), TokenIdentity("sub-audit")});
  core::Session linked_session = MakeSession(linked);
  core::User elsewhere = AnonUser(other.id);
  ASSERT_TRUE(Create(anon, anon_session).ok());
  ASSERT_TRUE(Create(linked, linked_session).ok());
  ASSERT_TRUE(Create(elsewhere, MakeSession(elsewhere)).ok());

  ASSERT_TRUE(DeleteSession(linked_session, /*delete_user_if_anonymous=*/true).ok());  // not anonymous: no event
  ASSERT_TRUE(DeleteSession(anon_session, /*delete_user_if_anonymous=*/true).ok());
  ASSERT_TRUE(DeleteUser(linked.id).ok());
  ASSERT_TRUE(DeleteUser(elsewhere.id).ok());

  auto events = Audit(app.id);
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].user_id, anon.id);
  EXPECT_EQ((*events)[0].actor, "test");
  EXPECT_EQ((*events)[0].reason, "logout");
  EXPECT_EQ((*events)[0].at, 1);
  EXPECT_EQ((*events)[0].providers, std::vector<std::string>{"anon-user"});
  EXPECT_EQ((*events)[1].user_id, linked.id);
  EXPECT_EQ((*events)[1].reason, "delete");
  EXPECT_EQ((*events)[1].providers, (std::vector<std::string>{"anon-user", "custom-token"}));
  EXPECT_EQ(Audit(other.id)->size(), 1u);
  // Paging: after the first event's seq, at most one.
  auto page = Audit(app.id, (*events)[0].seq, 1);
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ((*page)[0].user_id, linked.id);
}

TEST_P(StoreContractTest, AuditEventsArePurgedOldestFirstUpToTheFirstNewerOne) {
  core::App app = MakeApp("purge-abcde");
  core::App other = MakeApp("purge-fghij");
  ASSERT_TRUE(PutApp(app).ok());
  ASSERT_TRUE(PutApp(other).ok());
  // Deleted at 100, 200 (other app), 300, 250 (the clock stepped back), 400.
  const std::vector<std::pair<core::ObjectId, int64_t>> deletions = {
      {app.id, 100}, {other.id, 200}, {app.id, 300}, {app.id, 250}, {app.id, 400}};
  std::vector<core::ObjectId> users;
  for (const auto& [app_id, at] : deletions) {
    core::User u = AnonUser(app_id);
    ASSERT_TRUE(Create(u, MakeSession(u)).ok());
    ASSERT_TRUE(DeleteUser(u.id, at).ok());
    users.push_back(u.id);
  }
  auto ats = [&](const core::App& a) {
    std::vector<int64_t> out;
    const auto events = Audit(a.id);  // kept: `for (... : *Audit(...))` would walk a destroyed Result
    for (const auto& e : *events) out.push_back(e.at);
    return out;
  };
  EXPECT_EQ(PurgeAudit(100, 10).value(), 0);  // nothing recorded before 100
  EXPECT_EQ(PurgeAudit(1000, 0).value(), 0);  // a limit of 0 deletes nothing
  EXPECT_EQ(ats(app), (std::vector<int64_t>{100, 300, 250, 400}));
  // Every app's events; at most `limit` a call.
  EXPECT_EQ(PurgeAudit(260, 1).value(), 1);
  EXPECT_EQ(ats(app), (std::vector<int64_t>{300, 250, 400}));
  EXPECT_EQ(PurgeAudit(260, 10).value(), 1);  // the other app's 200; stops at 300
  EXPECT_TRUE(ats(other).empty());
  // 250 is older than 260 but recorded after 300: it waits for it.
  EXPECT_EQ(ats(app), (std::vector<int64_t>{300, 250, 400}));
  EXPECT_EQ(PurgeAudit(350, 10).value(), 2);
  EXPECT_EQ(ats(app), std::vector<int64_t>{400});
  EXPECT_EQ(PurgeAudit(1000, 10).value(), 1);
  EXPECT_TRUE(ats(app).empty());
  EXPECT_EQ(PurgeAudit(1000, 10).value(), 0);
}

TEST_P(StoreContractTest, AJobRunsForOneHolderAtATimeAndWhenDue) {
  auto claim = [&](const std::string& holder, int64_t now) {
    auto r = Claim(holder, now);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() && *r;
  };
  EXPECT_TRUE(claim("a", 1000));   // new job: due at once
  EXPECT_FALSE(claim("b", 1010));  // a's lease (60 s) is live
  EXPECT_TRUE(claim("a", 1050));   // a renews: lease until 1110
  EXPECT_FALSE(claim("b", 1100));
  EXPECT_TRUE(Finish("b", 5000).IsNotFound());
  ASSERT_TRUE(Finish("a", 2000).ok());  // released; due again at 2000
  EXPECT_FALSE(claim("b", 1500));
  EXPECT_FALSE(claim("a", 1500));
  EXPECT_TRUE(claim("b", 2000));
  // b dies without finishing: its lease runs out and a takes the run over.
  EXPECT_FALSE(claim("a", 2059));
  EXPECT_TRUE(claim("a", 2060));
  EXPECT_TRUE(Finish("b", 9000).IsNotFound());
  EXPECT_TRUE(Finish("a", 3000).ok());
}

TEST_P(StoreContractTest, PurgingWalksTheSessionsInRangesAndDeletesOnlyExpiredOnes) {
  core::App app = MakeApp("purge-abcde");
  ASSERT_TRUE(PutApp(app).ok());
  core::User user = AnonUser(app.id);
  core::Session first = MakeSession(user);
  first.expires_at = 100;
  ASSERT_TRUE(Create(user, first).ok());
  std::vector<core::Session> sessions{first};
  for (int64_t expires : {5000, 200, 300, 9000}) {
    core::Session s = MakeSession(user);
    s.expires_at = expires;
    ASSERT_TRUE(CreateSession(s).ok());
    sessions.push_back(s);
  }
  ASSERT_TRUE(GetSessionWithUser(first).ok());  // cached, if the store caches
  auto purge = [&](const Store::SessionKey& after) {
    return Await<Store::PurgeProgress>([&](auto done) { store_->PurgeExpiredSessions(after, 2, 1000, done); });
  };
  auto step = purge(Store::SessionKey{});
  ASSERT_TRUE(step.ok()) << step.status().ToString();
  EXPECT_EQ(step->deleted, 1);  // looked at the first two: 100 (expired) and 5000
  EXPECT_EQ(step->next.user_id, user.id);
  EXPECT_EQ(step->next.session_id, sessions[1].id);
  EXPECT_FALSE(step->done);
  step = purge(step->next);
  EXPECT_EQ(step->deleted, 2);  // 200 and 300
  EXPECT_FALSE(step->done);
  step = purge(step->next);
  EXPECT_EQ(step->deleted, 0);  // 9000
  EXPECT_TRUE(step->done);
  EXPECT_TRUE(GetSessionWithUser(first).status().IsNotFound());
  EXPECT_TRUE(GetSessionWithUser(sessions[2]).status().IsNotFound());
  EXPECT_TRUE(GetSessionWithUser(sessions[1]).ok());
  EXPECT_TRUE(GetSessionWithUser(sessions[4]).ok());
  EXPECT_TRUE(GetUser(user.id).ok());  // users are not the purge's business
}


// ---- Drafts and deployments ----

TEST_P(StoreContractTest, ASuccessfulDeploymentReplacesTheAppAndIsRecorded) {
  core::App app = MakeApp("deploy-aaaaa");
  ASSERT_TRUE(PutApp(app).ok());
  core::App changed = app;
  changed.providers[0].disabled = true;
  changed.settings.anonymous_user_cap = 7;
  const core::Deployment d = MakeDeployment(app, core::DeploymentStatus::kSuccessful, R"({"v":1})");
  ASSERT_TRUE(Deploy(changed, d).ok());
  auto apps = ListApps();
  ASSERT_TRUE(apps.ok());
  ASSERT_EQ(apps->size(), 1u);
  ExpectSameApp(apps->front(), changed);
  EXPECT_EQ(apps->front().settings.anonymous_user_cap, 7);
  auto got = GetDeployment(app.id, d.id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->name, d.name);
  EXPECT_EQ(got->author_id, d.author_id);
  EXPECT_EQ(got->draft_id, core::ObjectId());
  EXPECT_EQ(got->origin, "API");
  EXPECT_EQ(got->status, core::DeploymentStatus::kSuccessful);
  EXPECT_EQ(got->deployed_at, d.deployed_at);
  EXPECT_EQ(got->config_json, R"({"v":1})");
  EXPECT_EQ(GetDeployment(app.id, ids_.Next()).status().error_code(), core::ErrorCode::kDeploymentNotFound);
  EXPECT_TRUE(GetDeployment(MakeApp("other-bbbbb").id, d.id).status().IsNotFound());
}

TEST_P(StoreContractTest, AFailedDeploymentIsRecordedAndChangesNothing) {
  core::App app = MakeApp("deploy-ccccc");
  ASSERT_TRUE(PutApp(app).ok());
  core::App changed = app;
  changed.name = "renamed";
  const core::Deployment d = MakeDeployment(app, core::DeploymentStatus::kFailed, "{}");
  ASSERT_TRUE(Deploy(changed, d).ok());
  auto apps = ListApps();
  ASSERT_TRUE(apps.ok());
  ExpectSameApp(apps->front(), app);
  auto got = GetDeployment(app.id, d.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->status, core::DeploymentStatus::kFailed);
  EXPECT_EQ(got->error, "bad config");
}

TEST_P(StoreContractTest, DeploymentsAreListedNewestFirstPerApp) {
  core::App a = MakeApp("list-aaaaa");
  core::App b = MakeApp("list-bbbbb");
  ASSERT_TRUE(PutApp(a).ok());
  ASSERT_TRUE(PutApp(b).ok());
  std::vector<core::ObjectId> ids;
  for (int i = 0; i < 5; ++i) {
    const core::Deployment d = MakeDeployment(a, core::DeploymentStatus::kSuccessful, "{}");
    ids.push_back(d.id);
    ASSERT_TRUE(Deploy(a, d).ok());
    ASSERT_TRUE(Deploy(b, MakeDeployment(b, core::DeploymentStatus::kSuccessful, "{}")).ok());
  }
  auto list = Deployments(a.id, 3);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].id, ids[4]);
  EXPECT_EQ((*list)[1].id, ids[3]);
  EXPECT_EQ((*list)[2].id, ids[2]);
  for (const auto& d : *list) EXPECT_EQ(d.app_id, a.id);
  EXPECT_EQ(Deployments(a.id)->size(), 5u);
}

TEST_P(StoreContractTest, AnAppHasOneDraftThatADeploymentCloses) {
  core::App app = MakeApp("draft-aaaaa");
  ASSERT_TRUE(PutApp(app).ok());
  EXPECT_FALSE(GetDraft(app.id)->has_value());
  core::Draft draft{ids_.Next(), app.id, ids_.Next(), clock_.NowSeconds(), app};
  ASSERT_TRUE(PutDraft(draft, /*create=*/true).ok());
  core::Draft second = draft;
  second.id = ids_.Next();
  EXPECT_EQ(PutDraft(second, true).error_code(), core::ErrorCode::kDraftAlreadyExists);
  EXPECT_EQ(PutDraft(second, false).error_code(), core::ErrorCode::kDraftNotFound);  // not the app's draft

  draft.app.providers[0].disabled = true;
  ASSERT_TRUE(PutDraft(draft, /*create=*/false).ok());
  auto got = GetDraft(app.id);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->id, draft.id);
  EXPECT_EQ((*got)->author_id, draft.author_id);
  EXPECT_EQ((*got)->created_at, draft.created_at);
  ExpectSameApp((*got)->app, draft.app);

  // A deployment naming another draft changes nothing.
  core::Deployment d = MakeDeployment(app, core::DeploymentStatus::kSuccessful, "{}");
  d.draft_id = draft.id;
  EXPECT_EQ(Deploy(draft.app, d, second.id).error_code(), core::ErrorCode::kDraftNotFound);
  EXPECT_TRUE(GetDeployment(app.id, d.id).status().IsNotFound());
  ExpectSameApp(ListApps()->front(), app);

  ASSERT_TRUE(Deploy(draft.app, d, draft.id).ok());
  EXPECT_FALSE(GetDraft(app.id)->has_value());
  ExpectSameApp(ListApps()->front(), draft.app);
  EXPECT_EQ(GetDeployment(app.id, d.id)->draft_id, draft.id);
  EXPECT_EQ(PutDraft(draft, /*create=*/false).error_code(), core::ErrorCode::kDraftNotFound);
  ASSERT_TRUE(PutDraft(second, /*create=*/true).ok());  // a new one may open
}

TEST_P(StoreContractTest, ADiscardedDraftIsGone) {
  core::App app = MakeApp("draft-bbbbb");
  ASSERT_TRUE(PutApp(app).ok());
  core::Draft draft{ids_.Next(), app.id, ids_.Next(), clock_.NowSeconds(), app};
  ASSERT_TRUE(PutDraft(draft, true).ok());
  EXPECT_EQ(DeleteDraft(app.id, ids_.Next()).error_code(), core::ErrorCode::kDraftNotFound);
  ASSERT_TRUE(DeleteDraft(app.id, draft.id).ok());
  EXPECT_FALSE(GetDraft(app.id)->has_value());
  EXPECT_EQ(DeleteDraft(app.id, draft.id).error_code(), core::ErrorCode::kDraftNotFound);
}

TEST_P(StoreContractTest, DeletingAnAppDeletesEverythingOfItAndSparesOtherApps) {
  core::App app = MakeApp("gone-aaaaa");
  core::App other = MakeApp("kept-bbbbb");
  ASSERT_TRUE(PutApp(app).ok());
  ASSERT_TRUE(PutApp(other).ok());
  const core::User anon = AnonUser(app.id);
  const core::Session anon_session = MakeSession(anon);
  ASSERT_TRUE(Create(anon, anon_session).ok());
  const core::User linked = MakeUser(app.id, {TokenIdentity("sub-1")});
  const core::Session linked_session = MakeSession(linked);
  ASSERT_TRUE(Create(linked, linked_session).ok());
  const core::ApiKey key = MakeApiKey(linked, "k");
  ASSERT_TRUE(CreateApiKey(key).ok());
  const core::UserpassAccount account = MakeAccount(app.id, "a@example.com", true);
  ASSERT_TRUE(CreateAccount(account).ok());
  ASSERT_TRUE(PutDraft({ids_.Next(), app.id, ids_.Next(), 1, app}, true).ok());
  ASSERT_TRUE(Deploy(app, MakeDeployment(app, core::DeploymentStatus::kSuccessful, "{}")).ok());
  const core::User kept = AnonUser(other.id);
  const core::Session kept_session = MakeSession(kept);
  ASSERT_TRUE(Create(kept, kept_session).ok());
  ASSERT_TRUE(GetSessionWithUser(anon_session).ok());  // cached, where a back end caches

  ASSERT_TRUE(DeleteApp(app.id).ok());
  auto apps = ListApps();
  ASSERT_TRUE(apps.ok());
  ASSERT_EQ(apps->size(), 1u);
  EXPECT_EQ(apps->front().id, other.id);
  EXPECT_TRUE(GetSessionWithUser(anon_session).status().IsNotFound());
  EXPECT_TRUE(GetSessionWithUser(linked_session).status().IsNotFound());
  EXPECT_TRUE(GetUser(anon.id).status().IsNotFound());
  EXPECT_TRUE(FindUserByIdentity(app.id, linked.identities[0]).status().IsNotFound());
  EXPECT_TRUE(GetApiKey(key.id).status().IsNotFound());
  EXPECT_TRUE(GetAccount(app.id, "a@example.com").status().IsNotFound());
  EXPECT_FALSE(GetDraft(app.id)->has_value());
  EXPECT_TRUE(Deployments(app.id)->empty());
  EXPECT_EQ(*CountUsers(app.id), 0);
  EXPECT_TRUE(GetSessionWithUser(kept_session).ok());
  auto audit = Audit(app.id);
  ASSERT_TRUE(audit.ok());
  ASSERT_FALSE(audit->empty());
  EXPECT_EQ(audit->back().action, core::kAuditAppDelete);
  EXPECT_EQ(audit->back().actor, "admin:test");
  EXPECT_EQ(DeleteApp(app.id).error_code(), core::ErrorCode::kAppNotFound);
}


// ---- Users, as administrators see them ----

TEST_P(StoreContractTest, UsersArePagedByIdInEitherOrderAndFiltered) {
  const core::App app = MakeApp("users-aaaaa");
  const core::App other = MakeApp("users-bbbbb");
  std::vector<core::User> users;
  for (int i = 0; i < 7; ++i) {
    core::User u = i % 3 == 0 ? MakeUser(app.id, {TokenIdentity("sub-" + std::to_string(i))}) : AnonUser(app.id);
    ASSERT_TRUE(Create(u, MakeSession(u)).ok());
    users.push_back(u);
    const core::User noise = AnonUser(other.id);
    ASSERT_TRUE(Create(noise, MakeSession(noise)).ok());
  }
  Store::UserQuery q;
  q.app_id = app.id;
  q.limit = 3;
  std::vector<core::ObjectId> seen;
  for (;;) {
    auto page = ListUsers(q);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    for (const auto& u : *page) {
      EXPECT_EQ(u.app_id, app.id);
      seen.push_back(u.id);
    }
    if (page->size() < q.limit) break;
    q.after = page->back().id;
  }
  ASSERT_EQ(seen.size(), users.size());
  for (size_t i = 0; i < users.size(); ++i) EXPECT_EQ(seen[i], users[i].id) << i;
  Store::UserQuery one;
  one.app_id = app.id;
  one.limit = 1;
  ExpectSameUser(ListUsers(one)->front(), users[0]);  // identities included

  q = Store::UserQuery();
  q.app_id = app.id;
  q.desc = true;
  q.limit = 2;
  auto newest = ListUsers(q);
  ASSERT_EQ(newest->size(), 2u);
  EXPECT_EQ((*newest)[0].id, users[6].id);
  EXPECT_EQ((*newest)[1].id, users[5].id);
  q.after = users[5].id;
  EXPECT_EQ(ListUsers(q)->front().id, users[4].id);

  Store::UserQuery tokens;
  tokens.app_id = app.id;
  tokens.provider_types = {"custom-token"};
  auto linked = ListUsers(tokens);
  ASSERT_EQ(linked->size(), 3u);  // users 0, 3, 6
  EXPECT_EQ(*CountMatching(tokens), 3);
  Store::UserQuery all;
  all.app_id = app.id;
  EXPECT_EQ(*CountMatching(all), 7);
  tokens.provider_types = {"anon-user", "custom-token"};
  EXPECT_EQ(*CountMatching(tokens), 7);

  ASSERT_TRUE(SetUserDisabled(users[1].id, true).ok());
  Store::UserQuery disabled;
  disabled.app_id = app.id;
  disabled.disabled = true;
  auto off = ListUsers(disabled);
  ASSERT_EQ(off->size(), 1u);
  EXPECT_EQ(off->front().id, users[1].id);
  EXPECT_TRUE(off->front().disabled);
  disabled.disabled = false;
  EXPECT_EQ(*CountMatching(disabled), 6);
}

TEST_P(StoreContractTest, UsersAreFilteredByAnonymousOrLinkedAndCountedAlike) {
  const core::App app = MakeApp("anonymity-aaaaa");
  const core::User anonymous = AnonUser(app.id);
  ASSERT_TRUE(Create(anonymous, MakeSession(anonymous)).ok());
  const core::User linked = AnonUser(app.id);
  ASSERT_TRUE(Create(linked, MakeSession(linked)).ok());
  ASSERT_TRUE(Link(linked.id, TokenIdentity("sub-linked")).ok());
  const core::User token_only = MakeUser(app.id, {TokenIdentity("sub-only")});
  ASSERT_TRUE(Create(token_only, MakeSession(token_only)).ok());
  const core::User two_anonymous = MakeUser(app.id, {AnonIdentity(), AnonIdentity()});
  ASSERT_TRUE(Create(two_anonymous, MakeSession(two_anonymous)).ok());

  Store::UserQuery q;
  q.app_id = app.id;
  q.anonymity = Store::Anonymity::kAnonymous;
  auto only = ListUsers(q);
  ASSERT_TRUE(only.ok()) << only.status().ToString();
  ASSERT_EQ(only->size(), 2u);
  EXPECT_EQ((*only)[0].id, anonymous.id);
  EXPECT_EQ((*only)[1].id, two_anonymous.id);
  EXPECT_EQ(*CountMatching(q), 2);

  q.anonymity = Store::Anonymity::kLinked;
  auto both = ListUsers(q);
  ASSERT_EQ(both->size(), 1u);
  EXPECT_EQ(both->front().id, linked.id);
  EXPECT_EQ(*CountMatching(q), 1);
  q.provider_types = {"custom-token"};  // filters combine
  EXPECT_EQ(*CountMatching(q), 1);
  q.disabled = true;
  EXPECT_EQ(*CountMatching(q), 0);

  q = Store::UserQuery();
  q.app_id = app.id;
  EXPECT_EQ(*CountMatching(q), 4) << "kAny is every user";
}

TEST_P(StoreContractTest, TheEmailFilterFindsTheUserOfThatAccountOnly) {
  const core::App app = MakeApp("email-aaaaa");
  const core::App other = MakeApp("email-bbbbb");
  const core::UserpassAccount account = MakeAccount(app.id, "ada@example.org", true);
  const core::User ada =
      MakeUser(app.id, {AnonIdentity(), {account.id.ToHex(), std::string(core::kLocalUserpass), anon_provider_id_}});
  ASSERT_TRUE(CreateUser(ada, Store::NewUserLogin::Account(account)).ok());
  const core::UserpassAccount elsewhere = MakeAccount(other.id, "ada@example.org", true);
  const core::User other_ada =
      MakeUser(other.id, {{elsewhere.id.ToHex(), std::string(core::kLocalUserpass), anon_provider_id_}});
  ASSERT_TRUE(CreateUser(other_ada, Store::NewUserLogin::Account(elsewhere)).ok());
  ASSERT_TRUE(CreateAccount(MakeAccount(app.id, "pending@example.org", false)).ok());
  for (int i = 0; i < 3; ++i) {
    const core::User noise = AnonUser(app.id);
    ASSERT_TRUE(Create(noise, MakeSession(noise)).ok());
  }

  Store::UserQuery q;
  q.app_id = app.id;
  q.email = "ada@example.org";
  auto found = ListUsers(q);
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  ASSERT_EQ(found->size(), 1u);
  ExpectSameUser(found->front(), ada);
  EXPECT_EQ(*CountMatching(q), 1);

  q.anonymity = Store::Anonymity::kLinked;  // the other filters still apply
  EXPECT_EQ(ListUsers(q)->size(), 1u);
  q.disabled = true;
  EXPECT_TRUE(ListUsers(q)->empty());
  EXPECT_EQ(*CountMatching(q), 0);
  q.disabled.reset();
  q.after = ada.id;  // keyset paging: nothing after the one user
  EXPECT_TRUE(ListUsers(q)->empty());
  q.desc = true;
  EXPECT_TRUE(ListUsers(q)->empty());
  q.after = ids_.Next();
  EXPECT_EQ(ListUsers(q)->size(), 1u) << "descending from a later id reaches it";

  for (const char* missing : {"pending@example.org", "nobody@example.org", "ADA@example.org"}) {
    Store::UserQuery none;
    none.app_id = app.id;
    none.email = missing;
    EXPECT_TRUE(ListUsers(none)->empty()) << missing;
    EXPECT_EQ(*CountMatching(none), 0) << missing;
  }
}

TEST_P(StoreContractTest, AUsersLiveSessionsAreListedNewestFirstWithTheirDevices) {
  const core::App app = MakeApp("devices-aaaaa");
  const core::User user = MakeUser(app.id, {TokenIdentity("sub-d")});
  core::Session first = MakeSession(user);
  first.device_id = ids_.Next();
  first.device_json = R"({"platform":"chrome","sdkVersion":"2.0.1"})";
  ASSERT_TRUE(Create(user, first).ok());
  core::Session expired = MakeSession(user);
  expired.expires_at = clock_.NowSeconds() + 10;
  ASSERT_TRUE(CreateSession(expired).ok());
  const core::Session third = MakeSession(user);
  ASSERT_TRUE(CreateSession(third).ok());
  const core::User stranger = AnonUser(app.id);
  ASSERT_TRUE(Create(stranger, MakeSession(stranger)).ok());

  auto list = [&](size_t limit) {
    return Await<std::vector<core::Session>>(
        [&](auto done) { store_->ListUserSessions(user.id, clock_.NowSeconds() + 10, limit, done); });
  };
  auto live = list(10);
  ASSERT_TRUE(live.ok()) << live.status().ToString();
  ASSERT_EQ(live->size(), 2u) << "the expired session is left out";
  ExpectSameSession((*live)[0], third);
  ExpectSameSession((*live)[1], first);
  EXPECT_EQ(list(1)->size(), 1u);
  auto missing = Await<std::vector<core::Session>>(
      [&](auto done) { store_->ListUserSessions(ids_.Next(), clock_.NowSeconds(), 10, done); });
  EXPECT_EQ(missing.status().error_code(), core::ErrorCode::kUserNotFound);
}

TEST_P(StoreContractTest, ADisabledUsersSessionsReadAsDisabledAtOnceAndEnableRestoresThem) {
  const core::App app = MakeApp("disable-aaaaa");
  const core::User user = AnonUser(app.id);
  const core::Session session = MakeSession(user);
  ASSERT_TRUE(Create(user, session).ok());
  ASSERT_FALSE(GetSessionWithUser(session)->user.disabled);  // cached, where a back end caches
  ASSERT_TRUE(SetUserDisabled(user.id, true).ok());
  EXPECT_TRUE(GetSessionWithUser(session)->user.disabled);
  ASSERT_TRUE(SetUserDisabled(user.id, false).ok());
  EXPECT_FALSE(GetSessionWithUser(session)->user.disabled);
  EXPECT_EQ(SetUserDisabled(ids_.Next(), true).error_code(), core::ErrorCode::kUserNotFound);
}

TEST_P(StoreContractTest, DeletingAUsersSessionsEndsThemAllAtOnceAndKeepsTheUser) {
  const core::App app = MakeApp("revoke-aaaaa");
  const core::User user = MakeUser(app.id, {TokenIdentity("sub-r")});
  const core::Session first = MakeSession(user);
  ASSERT_TRUE(Create(user, first).ok());
  const core::Session second = MakeSession(user);
  ASSERT_TRUE(CreateSession(second).ok());
  ASSERT_TRUE(GetSessionWithUser(first).ok());
  auto n = DeleteUserSessions(user.id);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 2);
  EXPECT_TRUE(GetSessionWithUser(first).status().IsNotFound());
  EXPECT_TRUE(GetSessionWithUser(second).status().IsNotFound());
  EXPECT_TRUE(GetUser(user.id).ok());
  EXPECT_EQ(DeleteUserSessions(ids_.Next()).status().error_code(), core::ErrorCode::kUserNotFound);
}


// ---- Secrets ----

TEST_P(StoreContractTest, SecretsAreKeptPerAppByUniqueNameAndTheirBytesExactly) {
  const core::App app = MakeApp("secret-aaaaa");
  const core::App other = MakeApp("secret-bbbbb");
  const std::string bytes("\x00\xff sealed \x01", 12);
  core::Secret jwt{ids_.Next(), app.id, "jwt-key", bytes, 10, 10};
  core::Secret smtp{ids_.Next(), app.id, "smtp", "x", 11, 11};
  ASSERT_TRUE(PutSecret(jwt, true).ok());
  ASSERT_TRUE(PutSecret(smtp, true).ok());
  ASSERT_TRUE(PutSecret({ids_.Next(), other.id, "jwt-key", "y", 12, 12}, true).ok());  // another app may
  core::Secret twin{ids_.Next(), app.id, "jwt-key", "z", 13, 13};
  EXPECT_EQ(PutSecret(twin, true).code(), core::Code::kAlreadyExists);
  auto list = Secrets(app.id);
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "jwt-key");
  EXPECT_EQ((*list)[0].sealed_value, bytes);
  EXPECT_EQ((*list)[0].created_at, 10);
  EXPECT_EQ((*list)[1].name, "smtp");

  core::Secret renamed = smtp;
  renamed.name = "mail";
  renamed.sealed_value = "new";
  renamed.updated_at = 20;
  ASSERT_TRUE(PutSecret(renamed, false).ok());
  list = Secrets(app.id);
  EXPECT_EQ((*list)[0].name, "jwt-key");
  EXPECT_EQ((*list)[1].name, "mail");
  EXPECT_EQ((*list)[1].sealed_value, "new");
  EXPECT_EQ((*list)[1].created_at, 11);
  EXPECT_EQ((*list)[1].updated_at, 20);
  renamed.name = "jwt-key";
  EXPECT_EQ(PutSecret(renamed, false).code(), core::Code::kAlreadyExists);
  core::Secret missing = smtp;
  missing.id = ids_.Next();
  EXPECT_TRUE(PutSecret(missing, false).IsNotFound());

  EXPECT_TRUE(DeleteSecret(other.id, jwt.id).IsNotFound()) << "not the other app's";
  ASSERT_TRUE(DeleteSecret(app.id, jwt.id).ok());
  EXPECT_EQ(Secrets(app.id)->size(), 1u);
  EXPECT_TRUE(DeleteSecret(app.id, jwt.id).IsNotFound());
  ASSERT_TRUE(PutApp(app).ok());
  ASSERT_TRUE(DeleteApp(app.id).ok());
  EXPECT_TRUE(Secrets(app.id)->empty()) << "an app's deletion takes its secrets";
  EXPECT_EQ(Secrets(other.id)->size(), 1u);
}


// ---- Shared by every server on the store ----

TEST_P(StoreContractTest, SigningKeysAreListedByActivationWithTheirSealedBytesExactly) {
  EXPECT_TRUE(SigningKeys()->empty());
  const std::string bytes("\x00\xff sealed \x01", 12);
  core::StoredSigningKey later{"bbbb", "HS256", "later", 20, 200};
  core::StoredSigningKey first{"cccc", "HS256", bytes, 10, 100};
  core::StoredSigningKey tie{"aaaa", "HS256", "tie", 30, 200};
  ASSERT_TRUE(AddSigningKey(later).ok());
  ASSERT_TRUE(AddSigningKey(first).ok());
  ASSERT_TRUE(AddSigningKey(tie).ok());
  EXPECT_EQ(AddSigningKey({"cccc", "HS256", "twin", 40, 400}).code(), core::Code::kAlreadyExists);
  auto keys = SigningKeys();
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  ASSERT_EQ(keys->size(), 3u);
  EXPECT_EQ((*keys)[0].kid, "cccc");
  EXPECT_EQ((*keys)[0].alg, "HS256");
  EXPECT_EQ((*keys)[0].sealed_secret, bytes);
  EXPECT_EQ((*keys)[0].created_at, 10);
  EXPECT_EQ((*keys)[0].active_from, 100);
  EXPECT_EQ((*keys)[1].kid, "aaaa") << "same active_from: by kid";
  EXPECT_EQ((*keys)[2].kid, "bbbb");
  ASSERT_TRUE(DeleteSigningKey("cccc").ok());
  EXPECT_TRUE(DeleteSigningKey("cccc").IsNotFound());
  keys = SigningKeys();
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].kid, "aaaa");
}

TEST_P(StoreContractTest, ConfigVersionMovesWithAppsSecretsAndSigningKeysOnly) {
  int64_t v = ConfigVersion();
  auto moved = [&](const char* what) {
    const int64_t now = ConfigVersion();
    EXPECT_NE(now, v) << what << " did not move the version";
    v = now;
  };
  core::App app = MakeApp("version-aaaaa");
  ASSERT_TRUE(PutApp(app).ok());
  moved("PutApp");
  core::Deployment d;
  d.app_id = app.id;
  d.id = ids_.Next();
  d.name = "d1";
  d.origin = "ui";
  d.status = core::DeploymentStatus::kSuccessful;
  d.deployed_at = 7;
  app.name = "renamed";
  ASSERT_TRUE(Deploy(app, d, core::ObjectId()).ok());
  moved("Deploy");
  core::Secret secret{ids_.Next(), app.id, "k", "v", 1, 1};
  ASSERT_TRUE(PutSecret(secret, true).ok());
  moved("PutSecret (create)");
  secret.sealed_value = "w";
  ASSERT_TRUE(PutSecret(secret, false).ok());
  moved("PutSecret (replace)");
  ASSERT_TRUE(DeleteSecret(app.id, secret.id).ok());
  moved("DeleteSecret");
  ASSERT_TRUE(AddSigningKey({"abcd", "HS256", "s", 1, 1}).ok());
  moved("AddSigningKey");
  ASSERT_TRUE(DeleteSigningKey("abcd").ok());
  moved("DeleteSigningKey");

  // What servers do not reload leaves it alone: users, sessions, drafts.
  core::User user = AnonUser(app.id);
  ASSERT_TRUE(Create(user, MakeSession(user)).ok());
  EXPECT_EQ(ConfigVersion(), v) << "a sign-up moved the configuration version";

  ASSERT_TRUE(DeleteApp(app.id).ok());
  moved("DeleteApp");
}


// ---- The apps' logs ----

TEST_P(StoreContractTest, LogEventsAreListedNewestFirstFilteredPagedAndPurgedByAge) {
  // Events are made as EventLog makes them: a fresh id, and the time of the
  // id's second (stores may find events by their ids' times).
  const core::ObjectId app = ids_.Next();
  const core::ObjectId other = ids_.Next();
  const core::ObjectId user = ids_.Next();
  std::vector<core::LogEvent> events;
  std::vector<int64_t> at;
  for (int i = 0; i < 6; ++i) {
    clock_.Advance(1);
    core::LogEvent e;
    e.id = ids_.Next();
    e.app_id = i == 5 ? other : app;
    e.type = i % 2 ? "ADMIN" : "AUTH";
    e.error = i == 2;
    e.user_id = i == 4 ? user : core::ObjectId();
    e.at_ms = clock_.NowSeconds() * 1000;
    e.entry_json = R"({"n":)" + std::to_string(i) + "}";
    events.push_back(e);
    at.push_back(e.at_ms);
  }
  ASSERT_TRUE(AwaitStatus([&](auto done) { store_->AppendLogEvents(events, done); }).ok());
  auto list = [&](Store::LogQuery q) {
    auto r = Await<std::vector<core::LogEvent>>([&](auto done) { store_->ListLogEvents(q, done); });
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::vector<int64_t> got;
    for (const auto& e : *r) got.push_back(e.at_ms);
    return got;
  };
  Store::LogQuery q;
  q.app_id = app;
  EXPECT_EQ(list(q), (std::vector<int64_t>{at[4], at[3], at[2], at[1], at[0]}));
  q.types = {"AUTH"};
  EXPECT_EQ(list(q), (std::vector<int64_t>{at[4], at[2], at[0]}));
  q.types = {};
  q.error = true;
  EXPECT_EQ(list(q), (std::vector<int64_t>{at[2]}));
  q.error = false;
  q.user_id = user;
  EXPECT_EQ(list(q), (std::vector<int64_t>{at[4]}));
  q = Store::LogQuery();
  q.app_id = app;
  q.start_ms = at[0];
  q.end_ms = at[3];
  EXPECT_EQ(list(q), (std::vector<int64_t>{at[3], at[2], at[1]}));
  q.limit = 1;
  q.skip = 1;
  EXPECT_EQ(list(q), (std::vector<int64_t>{at[2]}));
  auto full = Await<std::vector<core::LogEvent>>([&](auto done) {
    Store::LogQuery one;
    one.app_id = app;
    one.limit = 1;
    store_->ListLogEvents(one, done);
  });
  ASSERT_EQ(full->size(), 1u);
  EXPECT_EQ((*full)[0].id, events[4].id);
  EXPECT_EQ((*full)[0].type, "AUTH");
  EXPECT_EQ((*full)[0].entry_json, R"({"n":4})");
  EXPECT_EQ((*full)[0].user_id, user);

  auto purged = Await<int64_t>([&](auto done) { store_->PurgeLogEvents(at[2] + 500, 2, done); });
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(*purged, 2);  // the oldest two, at most `limit`
  purged = Await<int64_t>([&](auto done) { store_->PurgeLogEvents(at[2] + 500, 100, done); });
  EXPECT_EQ(*purged, 1);
  q = Store::LogQuery();
  q.app_id = app;
  EXPECT_EQ(list(q), (std::vector<int64_t>{at[4], at[3]}));
  q.app_id = other;
  EXPECT_EQ(list(q), (std::vector<int64_t>{at[5]})) << "another app's newer event stays";
}

}  // namespace guestpass::store
