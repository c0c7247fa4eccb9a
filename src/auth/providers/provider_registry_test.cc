// provider_registry_test.cc: ProviderRegistry: finding providers by type and
// resolving an app's secrets (ResolveApp) and checking its provider configs
// with ValidateApp.
#include "auth/providers/provider_registry.h"

#include <gtest/gtest.h>

namespace guestpass::auth {
namespace {

using core::Code;
using core::ErrorCode;

// A provider whose (effective) config is bad when it holds "bad"; its
// `key` field may come from a secret.
class FakeProvider final : public Provider {
 public:
  explicit FakeProvider(std::string_view type) : type_(type) {}
  std::string_view type() const override { return type_; }
  std::span<const SecretField> SecretFields() const override { return fields_; }
  core::Status ValidateConfig(const core::ProviderConfig& config) const override {
    if (config.EffectiveConfigJson().find("bad") != std::string::npos)
      return core::Status::InvalidArgument(ErrorCode::kInvalidParameter, "config.field is bad");
    return core::Status::Ok();
  }
  void Verify(const core::App&, const core::ProviderConfig&, const nlohmann::json&,
              store::Callback<VerifiedIdentity> done) override {
    done(core::Status::Unavailable("not used"));
  }

 private:
  std::string_view type_;
  static constexpr SecretField fields_[] = {{"key"}};
};

// Secrets "k1" = "good-value", "k2" = "bad-value"; "sealed" cannot be read.
core::Result<std::string> Secrets(const std::string& name) {
  if (name == "k1") return std::string("good-value");
  if (name == "k2") return std::string("bad-value");
  if (name == "sealed") return core::Status::Internal("does not open with this key");
  return core::Status::NotFound(ErrorCode::kNotFound, "none");
}

core::ProviderConfig Config(std::string type, std::string config_json = "{}") {
  core::ProviderConfig p;
  p.name = type;
  p.type = std::move(type);
  p.config_json = std::move(config_json);
  return p;
}

class ProviderRegistryTest : public ::testing::Test {
 protected:
  FakeProvider anon_user_{core::kAnonUser};
  FakeProvider custom_token_{core::kCustomToken};
  ProviderRegistry registry_{&anon_user_, &custom_token_};
};

TEST_F(ProviderRegistryTest, FindsProvidersByType) {
  EXPECT_EQ(registry_.Find("anon-user"), &anon_user_);
  EXPECT_EQ(registry_.Find("custom-token"), &custom_token_);
  EXPECT_EQ(registry_.Find("custom-function"), nullptr);
  EXPECT_EQ(registry_.Find(""), nullptr);
}

TEST_F(ProviderRegistryTest, AddRegistersUnderTheProvidersType) {
  ProviderRegistry registry;
  FakeProvider api_key(core::kApiKey);
  registry.Add(api_key);
  EXPECT_EQ(registry.Find("api-key"), &api_key);
}

TEST_F(ProviderRegistryTest, ValidateAppAcceptsGoodConfigsAndUnimplementedTypes) {
  core::App app;
  app.providers = {Config("anon-user"), Config("custom-function", "bad"), Config("custom-token")};
  EXPECT_TRUE(registry_.ValidateApp(app, Secrets).ok());
  EXPECT_TRUE(registry_.ValidateApp(core::App{}, Secrets).ok());
}

TEST_F(ProviderRegistryTest, ValidateAppReturnsTheFirstBadConfigNamingItsProvider) {
  core::App app;
  app.providers = {Config("anon-user"), Config("custom-token", "bad"), Config("anon-user", "bad too")};
  app.providers[2].name = "second-anon";
  const core::Status s = registry_.ValidateApp(app, Secrets);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.error_code(), ErrorCode::kInvalidParameter);
  EXPECT_EQ(s.message(), "provider custom-token: config.field is bad");
}

TEST_F(ProviderRegistryTest, ResolveAppPutsTheNamedSecretsValuesInTheSnapshotOnly) {
  core::App app;
  app.providers = {Config("custom-token", R"({"other":1})"), Config("anon-user"), Config("custom-function")};
  app.providers[0].secret_config_json = R"({"key":"k1"})";
  app.providers[2].secret_config_json = R"({"clientSecret":"absent"})";  // unimplemented: left alone
  auto resolved = registry_.ResolveApp(app, Secrets);
  ASSERT_TRUE(resolved.ok()) << resolved.status().ToString();
  EXPECT_EQ(resolved->providers[0].resolved_config_json, R"({"key":"good-value","other":1})");
  EXPECT_EQ(resolved->providers[0].config_json, R"({"other":1})");
  EXPECT_EQ(resolved->providers[0].EffectiveConfigJson(), R"({"key":"good-value","other":1})");
  EXPECT_EQ(resolved->providers[1].EffectiveConfigJson(), "{}");
  EXPECT_EQ(resolved->providers[2].resolved_config_json, "");
  EXPECT_TRUE(app.providers[0].resolved_config_json.empty()) << "the app given is not changed";
}

TEST_F(ProviderRegistryTest, ValidateAppChecksTheResolvedConfigAndNamesAMissingSecret) {
  core::App app;
  app.providers = {Config("custom-token")};
  app.providers[0].secret_config_json = R"({"key":"k2"})";
  EXPECT_EQ(registry_.ValidateApp(app, Secrets).message(), "provider custom-token: config.field is bad")
      << "the secret's value is what the provider checks";
  app.providers[0].secret_config_json = R"({"key":"jwt-key"})";
  core::Status missing = registry_.ValidateApp(app, Secrets);
  EXPECT_EQ(missing.code(), Code::kInvalidArgument);
  EXPECT_EQ(missing.message(), "provider custom-token: key: no secret named 'jwt-key'");
  app.providers[0].secret_config_json = R"({"key":"sealed"})";
  core::Status unreadable = registry_.ValidateApp(app, Secrets);
  EXPECT_EQ(unreadable.code(), Code::kInternal);
  EXPECT_EQ(unreadable.message(),
            "provider custom-token: key: secret 'sealed' cannot be read: does not open with this key");
  app.providers[0].secret_config_json = R"({"key":"k1"})";
  EXPECT_TRUE(registry_.ValidateApp(app, Secrets).ok());
}

TEST_F(ProviderRegistryTest, UnimplementedNamesTheProvidersWithoutAProvider) {
  core::App app;
  app.providers = {Config("anon-user"), Config("custom-function"), Config("local-userpass")};
  EXPECT_EQ(registry_.Unimplemented(app), (std::vector<std::string>{"custom-function", "local-userpass"}));
}

}  // namespace
}  // namespace guestpass::auth
