// model_test.cc: the rules that live on the domain records.
#include "core/model.h"

#include <gtest/gtest.h>

namespace guestpass::core {
namespace {

Identity MakeIdentity(std::string_view type, std::string id) { return Identity{std::move(id), std::string(type), {}}; }

TEST(UserTest, IsAnonymousWithOnlyAnonymousIdentities) {
  User user;
  user.identities.push_back(MakeIdentity(kAnonUser, "a"));
  EXPECT_TRUE(user.IsAnonymous());
  user.identities.push_back(MakeIdentity(kAnonUser, "b"));
  EXPECT_TRUE(user.IsAnonymous());
}

TEST(UserTest, IsNotAnonymousOnceANonAnonymousIdentityIsLinked) {
  User user;
  user.identities.push_back(MakeIdentity(kAnonUser, "a"));
  user.identities.push_back(MakeIdentity(kLocalUserpass, "someone@example.com"));
  EXPECT_FALSE(user.IsAnonymous());
}

TEST(UserTest, IsNotAnonymousWithoutIdentities) {
  User user;
  EXPECT_FALSE(user.IsAnonymous());
}

TEST(AppTest, FindProviderMatchesTheNameExactly) {
  App app;
  app.providers.push_back({ObjectId(), "anon-user", "anon-user", false, "{}"});
  app.providers.push_back({ObjectId(), "api-key", "api-key", true, "{}"});
  ASSERT_NE(app.FindProvider("api-key"), nullptr);
  EXPECT_EQ(app.FindProvider("api-key")->type, "api-key");
  EXPECT_TRUE(app.FindProvider("api-key")->disabled);
  EXPECT_EQ(app.FindProvider("anon-user"), &app.providers[0]);
  EXPECT_EQ(app.FindProvider("Anon-User"), nullptr);
  EXPECT_EQ(app.FindProvider("local-userpass"), nullptr);
  EXPECT_EQ(app.FindProvider(""), nullptr);
}

TEST(ProviderTypeTest, KnowsTheAppServicesTypes) {
  for (std::string_view t : {kAnonUser, kLocalUserpass, kApiKey, kCustomToken, kCustomFunction})
    EXPECT_TRUE(IsKnownProviderType(t)) << t;
  EXPECT_TRUE(IsKnownProviderType("oauth2-google"));
  EXPECT_FALSE(IsKnownProviderType("foo"));
  EXPECT_FALSE(IsKnownProviderType(""));
  EXPECT_FALSE(IsKnownProviderType("ANON-USER"));
}

TEST(AppSettingsTest, DefaultsMatchAppServices) {
  AppSettings s;
  EXPECT_EQ(s.refresh_token_ttl_seconds, 5'184'000);
  EXPECT_EQ(s.deployment_model, "GLOBAL");
  EXPECT_EQ(s.location, "US-VA");
}

}  // namespace
}  // namespace guestpass::core
