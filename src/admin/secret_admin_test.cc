// secret_admin_test.cc: secrets are sealed in the store, revealed only with
// the master key, renamed and replaced, and their names checked.
#include "admin/secret_admin.h"

#include <gtest/gtest.h>

#include "store/memory/memory_store.h"
#include "store/sync.h"

namespace guestpass::admin {
namespace {

class SecretAdminTest : public ::testing::Test {
 protected:
  static std::array<uint8_t, crypto::kMasterKeyBytes> Key(uint8_t b) {
    std::array<uint8_t, crypto::kMasterKeyBytes> k;
    k.fill(b);
    return k;
  }
  core::ManualClock clock_{1'700'000'000};
  core::SeededRandom random_{3};
  core::ObjectIdGenerator ids_{clock_, random_};
  store::memory::MemoryStore store_;
  crypto::SecretBox box_{Key(7)};
  SecretAdmin secrets_{store_, box_, clock_, ids_, random_};
  core::ObjectId app_ = ids_.Next();
};

TEST_F(SecretAdminTest, AValueIsSealedInTheStoreAndRevealedWithTheKeyOnly) {
  auto created = secrets_.Create(app_, "jwt_key-1", "the-signing-key-value");
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  auto stored = store::Await<std::vector<core::Secret>>([&](auto done) { store_.ListSecrets(app_, done); });
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ((*stored)[0].sealed_value.find("the-signing-key-value"), std::string::npos);
  EXPECT_EQ(*secrets_.Reveal(app_, "jwt_key-1"), "the-signing-key-value");
  crypto::SecretBox other(Key(8));
  SecretAdmin wrong_key(store_, other, clock_, ids_, random_);
  EXPECT_FALSE(wrong_key.Reveal(app_, "jwt_key-1").ok());
  EXPECT_TRUE(secrets_.Reveal(app_, "missing").status().IsNotFound());
  EXPECT_TRUE(secrets_.Reveal(ids_.Next(), "jwt_key-1").status().IsNotFound());
}

TEST_F(SecretAdminTest, RenameKeepsTheValueAndReplaceChangesIt) {
  auto created = secrets_.Create(app_, "a", "one");
  ASSERT_TRUE(created.ok());
  ASSERT_TRUE(secrets_.Update(app_, created->id, "b", std::nullopt).ok());
  EXPECT_EQ(*secrets_.Reveal(app_, "b"), "one");
  ASSERT_TRUE(secrets_.Update(app_, created->id, "b", std::string("two")).ok());
  EXPECT_EQ(*secrets_.Reveal(app_, "b"), "two");
  EXPECT_TRUE(secrets_.Update(app_, ids_.Next(), "c", std::nullopt).IsNotFound());
  ASSERT_TRUE(secrets_.Delete(app_, created->id).ok());
  EXPECT_TRUE(secrets_.List(app_)->empty());
}

TEST_F(SecretAdminTest, NamesAndValuesAreChecked) {
  for (const char* bad : {"", "-lead", "_lead", "has space", "dot.ted", "é"})
    EXPECT_EQ(secrets_.Create(app_, bad, "v").status().code(), core::Code::kInvalidArgument) << bad;
  EXPECT_EQ(secrets_.Create(app_, std::string(65, 'a'), "v").status().code(), core::Code::kInvalidArgument);
  EXPECT_TRUE(secrets_.Create(app_, std::string(64, 'a'), "v").ok());
  EXPECT_EQ(secrets_.Create(app_, "empty", "").status().code(), core::Code::kInvalidArgument);
  EXPECT_EQ(secrets_.Create(app_, "big", std::string(4097, 'x')).status().code(), core::Code::kInvalidArgument);
  ASSERT_TRUE(secrets_.Create(app_, "dup", "v").ok());
  EXPECT_EQ(secrets_.Create(app_, "dup", "w").status().code(), core::Code::kAlreadyExists);
}

}  // namespace
}  // namespace guestpass::admin
