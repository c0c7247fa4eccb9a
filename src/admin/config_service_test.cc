// config_service_test.cc: configuration as data on the memory store: a change
// deploys at once or waits in the draft, deployments validate and are
// recorded, a failed one changes nothing, redeploys roll back, imports are
// idempotent, and the registry's snapshot follows every deployment. Secrets
// named in secret_config are resolved into the snapshot only, a missing one
// fails the change, secrets in use cannot be deleted and a new value is
// served at once, and values given inline move into secrets.
#include "admin/config_service.h"

#include <gtest/gtest.h>

#include "auth/providers/anon_user/anon_user_provider.h"
#include "store/app_codec.h"
#include "store/memory/memory_store.h"
#include "store/sync.h"

namespace guestpass::admin {
namespace {

using core::ErrorCode;
using core::Status;

// A provider type whose (effective) config must not hold "bad"; its
// signingKeys may come from secrets.
class PickyProvider final : public auth::Provider {
 public:
  std::string_view type() const override { return core::kCustomToken; }
  std::span<const auth::SecretField> SecretFields() const override { return kFields; }
  Status ValidateConfig(const core::ProviderConfig& c) const override {
    if (c.EffectiveConfigJson().find("bad") != std::string::npos)
      return Status::InvalidArgument(ErrorCode::kInvalidParameter, "audience: bad is not allowed");
    return Status::Ok();
  }
  void Verify(const core::App&, const core::ProviderConfig&, const nlohmann::json&,
              store::Callback<auth::VerifiedIdentity> done) override {
    done(Status::Unimplemented(ErrorCode::kAuthProviderNotFound, "test"));
  }

 private:
  static constexpr auth::SecretField kFields[] = {{"signingKeys", /*list=*/true}};
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
  // A custom-token provider whose secret_config names `names`.
  core::ProviderConfig Jwt(const std::string& names, const std::string& config = R"({"signingAlgorithm":"HS256"})") {
    core::ProviderConfig p{core::ObjectId(), "custom-token", "custom-token", false, config, "[]"};
    p.secret_config_json = R"({"signingKeys":)" + names + "}";
    return p;
  }
  Status AddJwt(const core::App& app, const std::string& names) {
    auto out = service_.Change(app.id, actor_, [&](core::App& a) {
      a.providers.push_back(Jwt(names));
      return Status::Ok();
    });
    return out.ok() ? Status::Ok() : out.status();
  }
  // What clients are served: the custom-token provider's effective config.
  std::string ServedJwtConfig(const core::App& app) {
    auto served = registry_.FindById(app.id);
    const core::ProviderConfig* p = served ? served->FindProvider("custom-token") : nullptr;
    return p ? p->EffectiveConfigJson() : "";
  }
  core::ObjectId SecretId(const core::App& app, const std::string& name) {
    auto listed = secrets_.List(app.id);
    if (!listed.ok()) {
      ADD_FAILURE() << listed.status().ToString();
      return {};
    }
    const std::vector<core::Secret>& secrets = listed.value();
    for (const auto& s : secrets)
      if (s.name == name) return s.id;
    ADD_FAILURE() << "no secret " << name;
    return {};
  }
  std::string StoredApps() {
    auto apps = store::Await<std::vector<core::App>>([&](auto done) { store_.ListApps(done); });
    std::string all;
    for (const auto& a : *apps) all += store::EncodeApp(a);
    return all;
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
  crypto::SecretBox box_{std::array<uint8_t, crypto::kMasterKeyBytes>{9}};
  SecretAdmin secrets_{store_, box_, clock_, ids_, random_};
  ConfigService service_{store_, registry_, providers_, clock_, ids_, random_, &secrets_};
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

// ---- Secrets named by providers ----

TEST_F(ConfigServiceTest, ADeploymentResolvesNamedSecretsIntoTheServedSnapshotOnly) {
  const core::App app = MakeApp();
  ASSERT_TRUE(secrets_.Create(app.id, "jwt-key", "value-of-the-key").ok());
  ASSERT_TRUE(AddJwt(app, R"(["jwt-key"])").ok());
  EXPECT_EQ(ServedJwtConfig(app), R"({"signingAlgorithm":"HS256","signingKeys":["value-of-the-key"]})");
  // Everything else holds the name only.
  const core::App shown = *service_.App(app.id);
  EXPECT_TRUE(shown.FindProvider("custom-token")->resolved_config_json.empty());
  EXPECT_EQ(shown.FindProvider("custom-token")->secret_config_json, R"({"signingKeys":["jwt-key"]})");
  EXPECT_TRUE(service_.Apps().front().FindProvider("custom-token")->resolved_config_json.empty());
  EXPECT_TRUE(service_.Editable(app.id)->FindProvider("custom-token")->resolved_config_json.empty());
  for (const auto& [path, text] : config::ExportAppFiles(shown))
    EXPECT_EQ(text.find("value-of-the-key"), std::string::npos) << path;
  EXPECT_NE(config::ExportAppFiles(shown).at("auth/providers.json").find(R"("jwt-key")"), std::string::npos);
  EXPECT_EQ(StoredApps().find("value-of-the-key"), std::string::npos);
  EXPECT_EQ(service_.Deployments(app.id, 25)->front().config_json.find("value-of-the-key"), std::string::npos);
}

TEST_F(ConfigServiceTest, NamingAMissingSecretFailsNamingFieldAndSecretAndChangesNothing) {
  const core::App app = MakeApp();
  Status s = AddJwt(app, R"(["jwt-key"])");
  EXPECT_EQ(s.code(), core::Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "provider custom-token: signingKeys[0]: no secret named 'jwt-key'");
  EXPECT_TRUE(service_.Deployments(app.id, 25)->empty());
  EXPECT_EQ(registry_.FindById(app.id)->FindProvider("custom-token"), nullptr);

  // Deploying a draft that names it records a failed deployment and changes nothing.
  auto draft = service_.CreateDraft(app.id, actor_);
  ASSERT_TRUE(draft.ok());
  ASSERT_TRUE(secrets_.Create(app.id, "jwt-key", "v").ok());
  ASSERT_TRUE(AddJwt(app, R"(["jwt-key"])").ok()) << "the draft's change is checked against the secrets there are";
  ASSERT_TRUE(service_.DeleteSecret(app.id, SecretId(app, "jwt-key")).code() == core::Code::kInvalidArgument);
  ASSERT_TRUE(store::AwaitStatus([&](auto done) { store_.DeleteSecret(app.id, SecretId(app, "jwt-key"), done); }).ok());
  auto deployed = service_.DeployDraft(app.id, draft->id, actor_, "");
  ASSERT_TRUE(deployed.ok());
  EXPECT_EQ(deployed->status, core::DeploymentStatus::kFailed);
  EXPECT_EQ(deployed->error, "provider custom-token: signingKeys[0]: no secret named 'jwt-key'");
  EXPECT_EQ(registry_.FindById(app.id)->FindProvider("custom-token"), nullptr);
  EXPECT_TRUE(service_.Draft(app.id)->has_value());

  // An import that names a missing secret is refused as a whole.
  auto def = Definition(R"({"custom-token": {"name": "custom-token", "type": "custom-token",
      "config": {"signingAlgorithm": "HS256"}, "secret_config": {"signingKeys": ["absent"]}}})");
  auto imported = service_.Import(def, actor_, ImportOptions{});
  EXPECT_EQ(imported.status().message(), "provider custom-token: signingKeys[0]: no secret named 'absent'");
  EXPECT_EQ(registry_.FindByClientAppId("dir-abcde"), nullptr);
  EXPECT_TRUE(service_.Import(def, actor_, ImportOptions{.dry_run = true}).ok()) << "a dry run only shows the diff";
}

TEST_F(ConfigServiceTest, ANewSecretValueIsServedAtOnceAndOneTheConfigurationCannotUseIsRefused) {
  const core::App app = MakeApp();
  ASSERT_TRUE(secrets_.Create(app.id, "jwt-key", "first").ok());
  ASSERT_TRUE(AddJwt(app, R"(["jwt-key"])").ok());
  const core::ObjectId id = SecretId(app, "jwt-key");
  ASSERT_TRUE(service_.UpdateSecret(app.id, id, "jwt-key", std::string("second")).ok());
  EXPECT_EQ(ServedJwtConfig(app), R"({"signingAlgorithm":"HS256","signingKeys":["second"]})");

  Status bad = service_.UpdateSecret(app.id, id, "jwt-key", std::string("bad"));
  EXPECT_EQ(bad.code(), core::Code::kInvalidArgument);
  EXPECT_EQ(bad.message(),
            "the new value of secret 'jwt-key' does not work: provider custom-token: audience: bad is not allowed");
  EXPECT_EQ(*secrets_.Reveal(app.id, "jwt-key"), "second");
  EXPECT_EQ(ServedJwtConfig(app), R"({"signingAlgorithm":"HS256","signingKeys":["second"]})");

  Status rename = service_.UpdateSecret(app.id, id, "other-name", std::nullopt);
  EXPECT_EQ(rename.message(),
            "secret 'jwt-key' is used by provider custom-token (signingKeys[0]); it cannot be renamed while a "
            "configuration names it");
  // A secret no configuration names is renamed and changed freely, without a reload.
  ASSERT_TRUE(secrets_.Create(app.id, "spare", "x").ok());
  EXPECT_TRUE(service_.UpdateSecret(app.id, SecretId(app, "spare"), "spare-2", std::string("bad")).ok());
  EXPECT_EQ(service_.UpdateSecret(app.id, ids_.Next(), "n", std::nullopt).code(), core::Code::kNotFound);
}

TEST_F(ConfigServiceTest, ASecretInUseCannotBeDeletedUntilNoConfigurationNamesIt) {
  const core::App app = MakeApp();
  ASSERT_TRUE(secrets_.Create(app.id, "a", "value-a").ok());
  ASSERT_TRUE(secrets_.Create(app.id, "b", "value-b").ok());
  ASSERT_TRUE(AddJwt(app, R"(["a"])").ok());
  Status refused = service_.DeleteSecret(app.id, SecretId(app, "a"));
  EXPECT_EQ(refused.code(), core::Code::kInvalidArgument);
  EXPECT_EQ(refused.error_code(), ErrorCode::kInvalidParameter);
  EXPECT_EQ(refused.message(),
            "secret 'a' is used by provider custom-token (signingKeys[0]); change the provider's secret_config "
            "before deleting it");
  // A draft that names it keeps it too.
  ASSERT_TRUE(service_.CreateDraft(app.id, actor_).ok());
  ASSERT_TRUE(service_
                  .Change(app.id, actor_,
                          [](core::App& a) {
                            a.providers.back().secret_config_json = R"({"signingKeys":["b"]})";
                            return Status::Ok();
                          })
                  .ok());
  EXPECT_EQ(service_.DeleteSecret(app.id, SecretId(app, "b")).message(),
            "secret 'b' is used by provider custom-token (signingKeys[0]) in the draft; change the provider's "
            "secret_config before deleting it");
  ASSERT_TRUE(service_.DeployDraft(app.id, service_.Draft(app.id)->value().id, actor_, "").ok());
  EXPECT_EQ(ServedJwtConfig(app), R"({"signingAlgorithm":"HS256","signingKeys":["value-b"]})");
  EXPECT_TRUE(service_.DeleteSecret(app.id, SecretId(app, "a")).ok());
  EXPECT_EQ(service_.DeleteSecret(app.id, ids_.Next()).code(), core::Code::kNotFound);
}

TEST_F(ConfigServiceTest, ValuesGivenInlineMoveIntoSecretsAndAnUnchangedImportChangesNothing) {
  const auto def = [this](const std::string& key) {
    return Definition(R"({"custom-token": {"name": "custom-token", "type": "custom-token",
        "config": {"signingAlgorithm": "HS256", "signingKeys": [")" +
                      key + R"("]}}})");
  };
  auto dry = service_.Import(def("inline-key-value"), actor_, ImportOptions{.dry_run = true});
  ASSERT_TRUE(dry.ok()) << dry.status().ToString();
  ASSERT_EQ(dry->diffs.size(), 4u);
  std::string all_diffs;
  for (const auto& diff : dry->diffs) all_diffs += diff;
  EXPECT_EQ(all_diffs.find("inline-key-value"), std::string::npos) << all_diffs;
  EXPECT_NE(all_diffs.find(R"("custom-token-signingKeys")"), std::string::npos) << all_diffs;
  EXPECT_TRUE(secrets_.List(dry->app.id)->empty()) << "a dry run creates no secret";

  auto first = service_.Import(def("inline-key-value"), actor_, ImportOptions{});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  const core::App app = first->app;
  EXPECT_EQ(
      first->inline_secrets,
      (std::vector<std::string>{"provider custom-token: signingKeys is now the secret 'custom-token-signingKeys'"}));
  EXPECT_EQ(*secrets_.Reveal(app.id, "custom-token-signingKeys"), "inline-key-value");
  EXPECT_EQ(ServedJwtConfig(app), R"({"signingAlgorithm":"HS256","signingKeys":["inline-key-value"]})");
  EXPECT_EQ(StoredApps().find("inline-key-value"), std::string::npos);
  EXPECT_EQ(service_.App(app.id)->FindProvider("custom-token")->secret_config_json,
            R"({"signingKeys":["custom-token-signingKeys"]})");

  auto again = service_.Import(def("inline-key-value"), actor_, ImportOptions{});
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->deployment.has_value()) << "the same value reuses its secret";
  EXPECT_EQ(secrets_.List(app.id)->size(), 1u);

  // Another value never overwrites the secret (a draft's change must not
  // reach the deployed configuration): it gets a secret of its own.
  ASSERT_TRUE(service_.CreateDraft(app.id, actor_).ok());
  auto rotated = service_.Import(def("rotated-key-value"), actor_, ImportOptions{});
  ASSERT_TRUE(rotated.ok()) << rotated.status().ToString();
  EXPECT_EQ(*secrets_.Reveal(app.id, "custom-token-signingKeys"), "inline-key-value");
  EXPECT_EQ(*secrets_.Reveal(app.id, "custom-token-signingKeys-2"), "rotated-key-value");
  EXPECT_EQ(ServedJwtConfig(app), R"({"signingAlgorithm":"HS256","signingKeys":["inline-key-value"]})");
  EXPECT_EQ(service_.Editable(app.id)->FindProvider("custom-token")->secret_config_json,
            R"({"signingKeys":["custom-token-signingKeys-2"]})");
  EXPECT_EQ(service_.Draft(app.id)->value().app.FindProvider("custom-token")->config_json,
            R"({"signingAlgorithm":"HS256"})");

  // Inline and named at once is ambiguous.
  auto both = Definition(R"({"custom-token": {"name": "custom-token", "type": "custom-token",
      "config": {"signingKeys": ["v"]}, "secret_config": {"signingKeys": ["custom-token-signingKeys"]}}})");
  EXPECT_EQ(service_.Import(both, actor_, ImportOptions{}).status().message(),
            "provider custom-token: signingKeys: is given both in config and by name in secret_config; keep one");
}

TEST_F(ConfigServiceTest, StoredConfigurationsWithInlineValuesMoveThemIntoSecretsOnce) {
  // An app stored before secrets: its key inline, in the app and its draft.
  core::App legacy = MakeApp();
  legacy.providers.push_back(
      {ids_.Next(), "custom-token", "custom-token", false, R"({"signingKeys":["legacy-key-value"]})", "[]"});
  ASSERT_TRUE(store::AwaitStatus([&](auto done) { store_.PutApp(legacy, done); }).ok());
  ASSERT_TRUE(service_.Reload().ok());
  EXPECT_EQ(ServedJwtConfig(legacy), R"({"signingKeys":["legacy-key-value"]})") << "still served as it was";
  auto draft = service_.CreateDraft(legacy.id, actor_);
  ASSERT_TRUE(draft.ok());

  auto moved = service_.MoveInlineSecretsOfStoredApps(Actor{{}, "server", "migration"});
  ASSERT_TRUE(moved.ok()) << moved.status().ToString();
  const std::string line = "app " + legacy.client_app_id +
                           ": provider custom-token: signingKeys is now the secret 'custom-token-signingKeys'";
  EXPECT_EQ(*moved, (std::vector<std::string>{line, "app " + legacy.client_app_id +
                                                        ": draft: provider custom-token: "
                                                        "signingKeys is now the secret 'custom-token-signingKeys'"}));
  EXPECT_EQ(StoredApps().find("legacy-key-value"), std::string::npos);
  EXPECT_EQ(service_.Draft(legacy.id)->value().app.FindProvider("custom-token")->config_json, "{}");
  EXPECT_EQ(ServedJwtConfig(legacy), R"({"signingKeys":["legacy-key-value"]})");
  EXPECT_EQ(service_.Deployments(legacy.id, 25)->front().origin, "migration");
  EXPECT_EQ(service_.Deployments(legacy.id, 25)->front().config_json.find("legacy-key-value"), std::string::npos);
  EXPECT_EQ(secrets_.List(legacy.id)->size(), 1u);
  EXPECT_TRUE(service_.MoveInlineSecretsOfStoredApps(Actor{{}, "server", "migration"})->empty()) << "once";
}

TEST_F(ConfigServiceTest, AReloadThatCannotResolveASecretKeepsTheAppsSnapshotAndSaysWhy) {
  const core::App app = MakeApp();
  ASSERT_TRUE(secrets_.Create(app.id, "jwt-key", "kept").ok());
  ASSERT_TRUE(AddJwt(app, R"(["jwt-key"])").ok());
  // Deleted behind the server's back (another process, a restored backup).
  ASSERT_TRUE(store::AwaitStatus([&](auto done) { store_.DeleteSecret(app.id, SecretId(app, "jwt-key"), done); }).ok());
  Status s = service_.Reload();
  EXPECT_EQ(s.message(),
            "app " + app.client_app_id + ": provider custom-token: signingKeys[0]: no secret named 'jwt-key'");
  EXPECT_EQ(ServedJwtConfig(app), R"({"signingAlgorithm":"HS256","signingKeys":["kept"]})");
}

}  // namespace
}  // namespace guestpass::admin
