// api_key_provider_test.cc: the api-key provider's type, config check and
// key format (its logins are tested through AuthService in
// auth_service_test.cc).
#include "auth/providers/api_key/api_key_provider.h"

#include <gtest/gtest.h>

#include "core/random.h"
#include "store/memory/memory_store.h"

namespace guestpass::auth {
namespace {

core::ProviderConfig WithConfig(std::string config_json) {
  core::ProviderConfig p;
  p.name = p.type = std::string(core::kApiKey);
  p.config_json = std::move(config_json);
  return p;
}

class ApiKeyProviderTest : public ::testing::Test {
 protected:
  store::memory::MemoryStore store_;
  ApiKeyProvider provider_{store_};
};

TEST_F(ApiKeyProviderTest, IsTheApiKeyType) { EXPECT_EQ(provider_.type(), "api-key"); }

TEST_F(ApiKeyProviderTest, AcceptsAnyObjectAsItsConfig) {
  for (const char* config : {"{}", "", R"({"ignored": [1, 2]})"})
    EXPECT_TRUE(provider_.ValidateConfig(WithConfig(config)).ok()) << config;
}

TEST_F(ApiKeyProviderTest, RefusesAConfigThatIsNotAnObject) {
  for (const char* config : {"[{}]", "true", "not json"}) {
    const core::Status s = provider_.ValidateConfig(WithConfig(config));
    EXPECT_EQ(s.code(), core::Code::kInvalidArgument) << config;
    EXPECT_EQ(s.message(), "config must be a JSON object") << config;
  }
}

TEST(ApiKeyFormatTest, AKeyNamesItsId) {
  core::SeededRandom random(9);
  const core::ObjectId id = core::ObjectId::FromHex("65536f0a1b2c3d4e5f601234").value();
  const std::string key = MakeApiKeySecret(id, random);
  EXPECT_EQ(key.size(), 64u);
  EXPECT_EQ(ApiKeyIdOf(key), id);
  EXPECT_FALSE(ApiKeyIdOf(key.substr(1)).has_value());
}

}  // namespace
}  // namespace guestpass::auth
