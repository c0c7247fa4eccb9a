// config_service_test.cc: configuration as data on the memory store: a change
// deploys at once or waits in the draft, deployments validate and are
// recorded, a failed one changes nothing, redeploys roll back, imports are
// idempotent, and the registry's snapshot follows every deployment.
#include "admin/config_service.h"

#include <gtest/gtest.h>

#include "auth/providers/anon_user/anon_user_provider.h"
#include "store/memory/memory_store.h"
#include "store/sync.h"

namespace guestpass::admin {
namespace {

using core::ErrorCode;
using core::Status;

// A provider type whose config must not hold "bad".
class PickyProvider final : public auth::Provider {
 public:
  std::string_view type() const override { return core::kCustomToken; }
  Status ValidateConfig(const core::ProviderConfig& c) const override {
    if (c.config_json.find("bad") != std::string::npos)
      return Status::InvalidArgument(ErrorCode::kInvalidParameter, "audience: bad is not allowed");
    return Status::Ok();
  }
  void Verify(const core::App&, const core::ProviderConfig&, const nlohmann::json&,
              store::Callback<auth::VerifiedIdentity> done) override {
    done(Status::Unimplemented(ErrorCode::kAuthProviderNotFound, "test"));
  }
};

class ConfigServiceTest : public ::testing::Test {
 protected:
  core::ProviderConfig Anon(bool disabled) {
    return {ids_.Next(), std::string(core::kAnonUser), std::string(core::kAnonUser), disabled, "{}", "[]"};
  }
  core::App MakeApp() {
    auto app = service_.CreateApp("myapp", actor_);
    EXPECT_TRUE(app.ok()) << app.status().ToString();
    return *app;
  }
  static Status EnableAnon(core::App& app, bool enabled) {
    for (auto& p : app.providers)
      if (p.type == core::kAnonUser) {
        p.disabled = !enabled;
        return Status::Ok();
      }
    app.providers.push_back({core::ObjectId::FromHex("0123456789abcdef01234567").value(), "anon-user", "anon-user",
                             !enabled, "{}", "[]"});
    return Status::Ok();
  }
  bool AnonEnabledForClients(const core::App& app) {
    auto served = registry_.FindById(app.id);
    if (!served) return false;
    const core::ProviderConfig* p = served->FindProvider(core::kAnonUser);
    return p != nullptr && !p->disabled;
  }
  config::AppDefinition Definition(const std::string& providers_json) {
    auto def = config::ParseAppFiles({{"realm_config.json", R"({"name": "dir", "app_id": "dir-abcde"})"},
                                      {"auth/providers.json", providers_json}},
                                     "");
    EXPECT_TRUE(def.ok()) << def.status().ToString();
    return *def;
  }

  core::ManualClock clock_{1'700'000'000};
  core::SeededRandom random_{7};
  core::ObjectIdGenerator ids_{clock_, random_};
  store::memory::MemoryStore store_;
  auth::AppRegistry registry_;
  auth::AnonUserProvider anon_{ids_, random_};
  PickyProvider picky_;
  auth::ProviderRegistry providers_{&anon_, &picky_};
  ConfigService service_{store_, registry_, providers_, clock_, ids_, random_};
  Actor actor_{ids_.Next(), "admin:test", "API"};
};

TEST_F(ConfigServiceTest, ANewAppHasADisabledApiKeyProviderAndAClientAppIdFromItsName) {
  auto app = service_.CreateApp("My_App", actor_);
  ASSERT_TRUE(app.ok()) << app.status().ToString();
  EXPECT_EQ(app->client_app_id.rfind("my-app-", 0), 0u) << app->client_app_id;
  EXPECT_EQ(app->client_app_id.size(), std::string("my-app-").size() + 5);
  ASSERT_EQ(app->providers.size(), 1u);
  EXPECT_EQ(app->providers[0].type, "api-key");
  EXPECT_TRUE(app->providers[0].disabled);
  EXPECT_NE(registry_.FindByClientAppId(app->client_app_id), nullptr);  // served at once
  EXPECT_EQ(service_.CreateApp("My_App", actor_).status().code(), core::Code::kAlreadyExists);
  EXPECT_EQ(service_.CreateApp("no spaces", actor_).status().code(), core::Code::kInvalidArgument);
  EXPECT_EQ(service_.CreateApp("", actor_).status().code(), core::Code::kInvalidArgument);
  EXPECT_TRUE(service_.Deployments(app->id, 25)->empty());  // creating is not a deployment
}

TEST_F(ConfigServiceTest, WithoutADraftAChangeDeploysAtOnce) {
  const core::App app = MakeApp();
  auto out = service_.Change(app.id, actor_, [](core::App& a) { return EnableAnon(a, true); });
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_TRUE(out->deployment.has_value());
  EXPECT_EQ(out->deployment->status, core::DeploymentStatus::kSuccessful);
  EXPECT_EQ(out->deployment->author_id, actor_.admin_id);
  EXPECT_EQ(out->deployment->origin, "API");
  EXPECT_TRUE(AnonEnabledForClients(app));
  auto history = service_.Deployments(app.id, 25);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 1u);
  // The same change again changes nothing and deploys nothing.
  auto again = service_.Change(app.id, actor_, [](core::App& a) { return EnableAnon(a, true); });
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->changed);
  EXPECT_EQ(service_.Deployments(app.id, 25)->size(), 1u);
}

TEST_F(ConfigServiceTest, InADraftChangesWaitForTheDeployment) {
  const core::App app = MakeApp();
  auto draft = service_.CreateDraft(app.id, actor_);
  ASSERT_TRUE(draft.ok());
  EXPECT_EQ(service_.CreateDraft(app.id, actor_).status().error_code(), ErrorCode::kDraftAlreadyExists);
  auto out = service_.Change(app.id, actor_, [](core::App& a) { return EnableAnon(a, true); });
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_FALSE(out->deployment.has_value());
  EXPECT_FALSE(AnonEnabledForClients(app));  // clients see nothing yet
  EXPECT_TRUE(service_.Editable(app.id)->FindProvider("anon-user") != nullptr);

  auto diffs = service_.DraftDiff(app.id, draft->id);
  ASSERT_TRUE(diffs.ok());
  ASSERT_EQ(diffs->size(), 1u);
  EXPECT_NE((*diffs)[0].find("--- a/auth/providers.json"), std::string::npos) << (*diffs)[0];
  EXPECT_NE((*diffs)[0].find("+    \"anon-user\": {"), std::string::npos) << (*diffs)[0];

  auto deployed = service_.DeployDraft(app.id, draft->id, actor_, "enable anon");
  ASSERT_TRUE(deployed.ok()) << deployed.status().ToString();
  EXPECT_EQ(deployed->status, core::DeploymentStatus::kSuccessful);
  EXPECT_EQ(deployed->name, "enable anon");
  EXPECT_EQ(deployed->draft_id, draft->id);
  EXPECT_TRUE(AnonEnabledForClients(app));
  EXPECT_FALSE(service_.Draft(app.id)->has_value());
  EXPECT_EQ(service_.DeployDraft(app.id, draft->id, actor_, "").status().error_code(), ErrorCode::kDraftNotFound);
}

TEST_F(ConfigServiceTest, AnInvalidChangeIsRefusedBeforeAnythingIsSaved) {
  const core::App app = MakeApp();
  auto out = service_.Change(app.id, actor_, [this](core::App& a) {
    a.providers.push_back({ids_.Next(), "custom-token", "custom-token", false, R"({"audience":"bad"})", "[]"});
    return Status::Ok();
  });
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("provider custom-token: audience: bad"), std::string::npos)
      << out.status().message();
  out = service_.Change(app.id, actor_, [](core::App& a) {
    a.settings.refresh_token_ttl_seconds = 5;
    return Status::Ok();
  });
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("refresh_token_expiration_seconds"), std::string::npos);
  EXPECT_TRUE(service_.Deployments(app.id, 25)->empty());
  EXPECT_EQ(registry_.FindById(app.id)->providers.size(), 1u);
}

TEST_F(ConfigServiceTest, AFailedDeploymentIsRecordedChangesNothingAndKeepsTheDraft) {
  const core::App app = MakeApp();
  auto draft = service_.CreateDraft(app.id, actor_);
  ASSERT_TRUE(draft.ok());
  // A draft saved by an older check (or edited behind the API) that no longer passes.
  core::Draft bad = *draft;
  bad.app.providers.push_back({ids_.Next(), "custom-token", "custom-token", false, R"({"audience":"bad"})", "[]"});
  ASSERT_TRUE(store::AwaitStatus([&](auto done) { store_.PutDraft(bad, false, done); }).ok());
  auto deployed = service_.DeployDraft(app.id, draft->id, actor_, "");
  ASSERT_TRUE(deployed.ok());
  EXPECT_EQ(deployed->status, core::DeploymentStatus::kFailed);
  EXPECT_NE(deployed->error.find("audience: bad"), std::string::npos);
  EXPECT_EQ(registry_.FindById(app.id)->providers.size(), 1u);
  EXPECT_TRUE(service_.Draft(app.id)->has_value());
  EXPECT_EQ(service_.Deployment(app.id, deployed->id)->status, core::DeploymentStatus::kFailed);
  ASSERT_TRUE(service_.DiscardDraft(app.id, draft->id).ok());
  EXPECT_FALSE(service_.Draft(app.id)->has_value());
}

TEST_F(ConfigServiceTest, ARedeployRollsBackToAnEarlierConfiguration) {
  const core::App app = MakeApp();
  auto on = service_.Change(app.id, actor_, [](core::App& a) { return EnableAnon(a, true); });
  ASSERT_TRUE(on.ok());
  auto off = service_.Change(app.id, actor_, [](core::App& a) { return EnableAnon(a, false); });
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE(AnonEnabledForClients(app));
  auto again = service_.Redeploy(app.id, on->deployment->id, actor_);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->status, core::DeploymentStatus::kSuccessful);
  EXPECT_TRUE(AnonEnabledForClients(app));
  auto history = service_.Deployments(app.id, 25);
  ASSERT_EQ(history->size(), 3u);
  EXPECT_EQ(history->front().id, again->id);  // newest first
  EXPECT_EQ(service_.Redeploy(app.id, ids_.Next(), actor_).status().error_code(), ErrorCode::kDeploymentNotFound);
}

TEST_F(ConfigServiceTest, AnImportCreatesOnceAndAnUnchangedOneDeploysNothing) {
  const auto def = Definition(R"({"anon-user": {"name": "anon-user", "type": "anon-user", "disabled": false}})");
  auto first = service_.Import(def, Actor{{}, "server", "import"}, ImportOptions{});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(first->created);
  ASSERT_TRUE(first->deployment.has_value());
  EXPECT_TRUE(AnonEnabledForClients(first->app));
  auto second = service_.Import(def, Actor{{}, "server", "import"}, ImportOptions{});
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->created);
  EXPECT_FALSE(second->deployment.has_value());
  EXPECT_TRUE(second->diffs.empty());
  EXPECT_EQ(service_.Deployments(first->app.id, 25)->size(), 1u);
  // A changed directory: its dry run shows the diff and deploys nothing; then it deploys.
  const auto off = Definition(R"({"anon-user": {"name": "anon-user", "type": "anon-user", "disabled": true}})");
  auto dry = service_.Import(off, actor_, ImportOptions{.dry_run = true});
  ASSERT_TRUE(dry.ok());
  ASSERT_EQ(dry->diffs.size(), 1u);
  EXPECT_NE(dry->diffs[0].find("+        \"disabled\": true"), std::string::npos) << dry->diffs[0];
  EXPECT_TRUE(AnonEnabledForClients(first->app));
  auto applied = service_.Import(off, actor_, ImportOptions{});
  ASSERT_TRUE(applied.ok());
  ASSERT_TRUE(applied->deployment.has_value());
  EXPECT_FALSE(AnonEnabledForClients(first->app));
  EXPECT_EQ(applied->app.providers[0].id, first->app.providers[0].id);  // replace-by-name keeps ids
}

TEST_F(ConfigServiceTest, DeletingAnAppStopsServingIt) {
  const core::App app = MakeApp();
  ASSERT_TRUE(service_.DeleteApp(app.id, actor_).ok());
  EXPECT_EQ(registry_.FindById(app.id), nullptr);
  EXPECT_EQ(service_.DeleteApp(app.id, actor_).error_code(), ErrorCode::kAppNotFound);
}


TEST_F(ConfigServiceTest, AnImportWithoutGuestpassJsonKeepsTheSettingsWhenAsked) {
  const core::App app = MakeApp();
  ASSERT_TRUE(service_.Change(app.id, actor_, [](core::App& a) {
    a.settings.anonymous_user_cap = 42;
    return Status::Ok();
  }).ok());
  auto def = config::ParseAppFiles({{"realm_config.json", R"({"name": "myapp", "app_id": ")" + app.client_app_id + R"("})"},
                                    {"auth/providers.json", R"({"api-key": {"name": "api-key", "type": "api-key"}})"}},
                                   "");
  ASSERT_TRUE(def.ok()) << def.status().ToString();
  EXPECT_FALSE(def->settings_given);
  auto kept = service_.Import(*def, actor_, ImportOptions{.dry_run = false, .keep_settings = true});
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  EXPECT_EQ(kept->app.settings.anonymous_user_cap, 42);
  EXPECT_FALSE(kept->app.providers[0].disabled);  // the provider itself did change
  auto replaced = service_.Import(*def, actor_, ImportOptions{});
  ASSERT_TRUE(replaced.ok());
  EXPECT_EQ(replaced->app.settings.anonymous_user_cap, 0);  // an app directory is the whole truth
}


TEST_F(ConfigServiceTest, DisablingDraftsIsNoDeploymentAndSurvivesImportsAndRedeploys) {
  const core::App app = MakeApp();
  auto on = service_.Change(app.id, actor_, [](core::App& a) { return EnableAnon(a, true); });
  ASSERT_TRUE(on.ok());
  auto set = service_.SetUiDraftsDisabled(app.id, true);
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_TRUE(registry_.FindById(app.id)->settings.ui_drafts_disabled);
  EXPECT_EQ(service_.Deployments(app.id, 25)->size(), 1u);
  ASSERT_TRUE(service_.Redeploy(app.id, on->deployment->id, actor_).ok());
  EXPECT_TRUE(registry_.FindById(app.id)->settings.ui_drafts_disabled) << "a redeploy keeps it";
  const auto files = config::ExportAppFiles(*registry_.FindById(app.id));
  EXPECT_EQ(files.at("guestpass.json").find("draft"), std::string::npos) << "not in the app's files";
  auto def = config::ParseAppFiles(files, "");
  ASSERT_TRUE(def.ok());
  auto imported = service_.Import(*def, actor_, ImportOptions{});
  ASSERT_TRUE(imported.ok()) << imported.status().ToString();
  EXPECT_FALSE(imported->deployment.has_value()) << "an unchanged import deploys nothing";
  EXPECT_TRUE(registry_.FindById(app.id)->settings.ui_drafts_disabled);
}

}  // namespace
}  // namespace guestpass::admin
