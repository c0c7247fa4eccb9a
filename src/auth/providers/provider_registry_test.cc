// provider_registry_test.cc: ProviderRegistry: finding providers by type and
// checking an app's provider configs with ValidateApp.
#include "auth/providers/provider_registry.h"

#include <gtest/gtest.h>

namespace guestpass::auth {
namespace {

using core::Code;
using core::ErrorCode;

// A provider whose config is bad when it holds "bad".
class FakeProvider final : public Provider {
 public:
  explicit FakeProvider(std::string_view type) : type_(type) {}
  std::string_view type() const override { return type_; }
  core::Status ValidateConfig(const core::ProviderConfig& config) const override {
    if (config.config_json.find("bad") != std::string::npos)
      return core::Status::InvalidArgument(ErrorCode::kInvalidParameter, "config.field is bad");
    return core::Status::Ok();
  }
  void Verify(const core::App&, const core::ProviderConfig&, const nlohmann::json&,
              store::Callback<VerifiedIdentity> done) override {
    done(core::Status::Unavailable("not used"));
  }

 private:
  std::string_view type_;
};

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
  EXPECT_TRUE(registry_.ValidateApp(app).ok());
  EXPECT_TRUE(registry_.ValidateApp(core::App{}).ok());
}

TEST_F(ProviderRegistryTest, ValidateAppReturnsTheFirstBadConfigNamingItsProvider) {
  core::App app;
  app.providers = {Config("anon-user"), Config("custom-token", "bad"), Config("anon-user", "bad too")};
  app.providers[2].name = "second-anon";
  const core::Status s = registry_.ValidateApp(app);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.error_code(), ErrorCode::kInvalidParameter);
  EXPECT_EQ(s.message(), "provider custom-token: config.field is bad");
}

TEST_F(ProviderRegistryTest, UnimplementedNamesTheProvidersWithoutAProvider) {
  core::App app;
  app.providers = {Config("anon-user"), Config("custom-function"), Config("local-userpass")};
  EXPECT_EQ(registry_.Unimplemented(app), (std::vector<std::string>{"custom-function", "local-userpass"}));
}

}  // namespace
}  // namespace guestpass::auth
