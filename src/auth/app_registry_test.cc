// app_registry_test.cc: lookups by client app id and by id, and Replace().
#include "auth/app_registry.h"

#include <gtest/gtest.h>

namespace guestpass::auth {
namespace {

core::App MakeApp(const char* id_hex, const char* client_app_id) {
  core::App app;
  app.id = core::ObjectId::FromHex(id_hex).value();
  app.client_app_id = client_app_id;
  return app;
}

TEST(AppRegistryTest, FindsAppsByClientAppIdAndById) {
  AppRegistry registry;
  registry.Replace({MakeApp("000000000000000000000001", "one"), MakeApp("000000000000000000000002", "two")});
  ASSERT_NE(registry.FindByClientAppId("two"), nullptr);
  EXPECT_EQ(registry.FindByClientAppId("two")->id.ToHex(), "000000000000000000000002");
  ASSERT_NE(registry.FindById(*core::ObjectId::FromHex("000000000000000000000001")), nullptr);
  EXPECT_EQ(registry.FindById(*core::ObjectId::FromHex("000000000000000000000001"))->client_app_id, "one");
  EXPECT_EQ(registry.FindByClientAppId("three"), nullptr);
  EXPECT_EQ(registry.FindById(core::ObjectId()), nullptr);
  ASSERT_EQ(registry.All().size(), 2u);
  EXPECT_EQ(registry.All()[0]->client_app_id, "one");
  EXPECT_EQ(registry.All()[1]->client_app_id, "two");
}

TEST(AppRegistryTest, ReplaceDropsAppsThatAreGone) {
  AppRegistry registry;
  registry.Replace({MakeApp("000000000000000000000001", "one")});
  auto kept = registry.FindByClientAppId("one");
  registry.Replace({MakeApp("000000000000000000000002", "two")});
  EXPECT_EQ(registry.FindByClientAppId("one"), nullptr);
  EXPECT_NE(registry.FindByClientAppId("two"), nullptr);
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ(kept->client_app_id, "one") << "a held app outlives the swap";
}

}  // namespace
}  // namespace guestpass::auth
