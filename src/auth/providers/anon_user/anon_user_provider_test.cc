// anon_user_provider_test.cc: the anon-user provider's type and config check
// (its logins are tested through AuthService in auth_service_test.cc).
#include "auth/providers/anon_user/anon_user_provider.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/clock.h"

namespace guestpass::auth {
namespace {

core::ProviderConfig WithConfig(std::string config_json) {
  core::ProviderConfig p;
  p.name = p.type = std::string(core::kAnonUser);
  p.config_json = std::move(config_json);
  return p;
}

class AnonUserProviderTest : public ::testing::Test {
 protected:
  core::ManualClock clock_{1'700'000'000};
  core::SeededRandom random_{3};
  core::ObjectIdGenerator ids_{clock_, random_};
  AnonUserProvider provider_{ids_, random_};
};

TEST_F(AnonUserProviderTest, IsTheAnonUserType) { EXPECT_EQ(provider_.type(), "anon-user"); }

TEST_F(AnonUserProviderTest, AcceptsAnyObjectAsItsConfig) {
  for (const char* config : {"{}", "", " ", R"({"ignored": true})"})
    EXPECT_TRUE(provider_.ValidateConfig(WithConfig(config)).ok()) << config;
}

TEST_F(AnonUserProviderTest, RefusesAConfigThatIsNotAnObject) {
  const std::vector<std::string> configs = {"[]",     "null", "1",
                                            "\"{}\"", "{",    std::string(100, '[') + std::string(100, ']')};
  for (const std::string& config : configs) {
    const core::Status s = provider_.ValidateConfig(WithConfig(config));
    EXPECT_EQ(s.code(), core::Code::kInvalidArgument) << config;
    EXPECT_EQ(s.error_code(), core::ErrorCode::kInvalidParameter) << config;
    EXPECT_EQ(s.message(), "config must be a JSON object") << config;
  }
}

}  // namespace
}  // namespace guestpass::auth
