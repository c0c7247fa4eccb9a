// signing_keys_test.cc: the shared signing keys are sealed in the store, a
// plain-text key file of an earlier version moves in once, rotation names a
// later activation time, and retiring refuses the key that signs.
#include "admin/signing_keys.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "crypto/encoding.h"
#include "store/memory/memory_store.h"
#include "store/sync.h"
#include "testutil/temp_dir.h"

namespace guestpass::admin {
namespace {

class SigningKeysTest : public ::testing::Test {
 protected:
  static std::array<uint8_t, crypto::kMasterKeyBytes> Key(uint8_t b) {
    std::array<uint8_t, crypto::kMasterKeyBytes> k;
    k.fill(b);
    return k;
  }
  std::vector<core::StoredSigningKey> Stored() {
    auto keys = store::Await<std::vector<core::StoredSigningKey>>([&](auto done) { store_.ListSigningKeys(done); });
    EXPECT_TRUE(keys.ok());
    return keys.ok() ? *keys : std::vector<core::StoredSigningKey>{};
  }
  std::string LegacyFile() { return dir_.path() + "/signing_keys.json"; }

  testutil::TempDir dir_;
  core::ManualClock clock_{1'700'000'000};
  core::SeededRandom random_{3};
  store::memory::MemoryStore store_;
  crypto::SecretBox box_{Key(7)};
  SigningKeys keys_{store_, box_, clock_, random_};
};

TEST_F(SigningKeysTest, TheFirstStartMakesOneKeySealedInTheStore) {
  auto ring = keys_.LoadOrCreate(LegacyFile());
  ASSERT_TRUE(ring.ok()) << ring.status().ToString();
  ASSERT_EQ((*ring)->size(), 1u);
  const auto stored = Stored();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].kid, (*ring)->ActiveAt(clock_.NowSeconds()).kid);
  EXPECT_EQ(stored[0].alg, "HS256");
  EXPECT_GE(stored[0].sealed_secret.size(), 32u + 24u + 16u) << "nonce, ciphertext and tag";
  // A second start loads the same key, makes no other.
  auto again = keys_.LoadOrCreate(LegacyFile());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->kids(), (*ring)->kids());
  EXPECT_EQ(Stored().size(), 1u);
  // Another master key opens nothing.
  crypto::SecretBox other(Key(8));
  SigningKeys wrong(store_, other, clock_, random_);
  EXPECT_EQ(wrong.Load().status().code(), core::Code::kInternal);
  EXPECT_EQ(wrong.LoadOrCreate(LegacyFile()).status().code(), core::Code::kInternal);
}

TEST_F(SigningKeysTest, APlainTextKeyFileMovesIntoTheStoreAndIsRemoved) {
  std::vector<uint8_t> old_secret(32, 0x11), active_secret(32, 0x22);
  {
    std::ofstream out(LegacyFile());
    out << R"({"active": "bbbb", "keys": [)"
        << R"({"kid": "aaaa", "alg": "HS256", "secret": ")" << crypto::Base64UrlEncode(old_secret)
        << R"(", "created_at": 5}, {"kid": "bbbb", "alg": "HS256", "secret": ")"
        << crypto::Base64UrlEncode(active_secret) << R"(", "created_at": 6}]})";
  }
  ::chmod(LegacyFile().c_str(), 0600);
  int imported = 0;
  auto ring = keys_.LoadOrCreate(LegacyFile(), &imported);
  ASSERT_TRUE(ring.ok()) << ring.status().ToString();
  EXPECT_EQ(imported, 2);
  EXPECT_FALSE(std::filesystem::exists(LegacyFile()));
  EXPECT_EQ((*ring)->ActiveAt(clock_.NowSeconds()).kid, "bbbb") << "the file's active key keeps signing";
  const auto stored = Stored();
  ASSERT_EQ(stored.size(), 2u);
  for (const auto& k : stored) {
    const std::string plain(reinterpret_cast<const char*>(active_secret.data()), active_secret.size());
    EXPECT_EQ(k.sealed_secret.find(plain), std::string::npos) << "sealed, not plain";
  }
  // A group-readable file is refused, as the server always did.
  std::ofstream(dir_.path() + "/open.json") << "{}";
  ::chmod((dir_.path() + "/open.json").c_str(), 0644);
  store::memory::MemoryStore empty;
  SigningKeys fresh(empty, box_, clock_, random_);
  EXPECT_FALSE(fresh.LoadOrCreate(dir_.path() + "/open.json").ok());
}

TEST_F(SigningKeysTest, ARotatedKeySignsFromItsTimeAndTheOldOneVerifiesUntilRetired) {
  auto ring = keys_.LoadOrCreate(LegacyFile());
  ASSERT_TRUE(ring.ok());
  const std::string first = (*ring)->ActiveAt(clock_.NowSeconds()).kid;
  auto rotated = keys_.Rotate(5);
  ASSERT_TRUE(rotated.ok()) << rotated.status().ToString();
  EXPECT_EQ(rotated->active_from, clock_.NowSeconds() + 5);
  auto loaded = keys_.Load();
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ((*loaded)->size(), 2u);
  EXPECT_EQ((*loaded)->ActiveAt(clock_.NowSeconds()).kid, first) << "pending: every server loads it first";
  EXPECT_EQ((*loaded)->ActiveAt(clock_.NowSeconds() + 5).kid, rotated->kid);

  EXPECT_EQ(keys_.Retire(first).code(), core::Code::kInvalidArgument) << "it signs now";
  clock_.Advance(5);
  EXPECT_EQ(keys_.Retire(rotated->kid).code(), core::Code::kInvalidArgument) << "it signs now";
  ASSERT_TRUE(keys_.Retire(first).ok());
  EXPECT_EQ(keys_.Retire(first).code(), core::Code::kNotFound);
  EXPECT_EQ(keys_.Retire(rotated->kid).code(), core::Code::kInvalidArgument) << "the last key";
  loaded = keys_.Load();
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ((*loaded)->kids(), std::vector<std::string>{rotated->kid});
  EXPECT_EQ(keys_.Rotate(-1).status().code(), core::Code::kInvalidArgument);
}

TEST_F(SigningKeysTest, TheFirstKeyHasTheChosenAlgorithmAndItsPrivateKeyIsSealed) {
  auto ring = keys_.LoadOrCreate(LegacyFile(), nullptr, token::SigningAlg::kEs256);
  ASSERT_TRUE(ring.ok()) << ring.status().ToString();
  const auto stored = Stored();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].alg, "ES256");
  const token::SigningKey& key = (*ring)->ActiveAt(clock_.NowSeconds());
  EXPECT_EQ(key.alg, token::SigningAlg::kEs256);
  ASSERT_NE(key.private_key, nullptr);
  const std::string der = key.private_key->Pkcs8Der();
  EXPECT_EQ(stored[0].sealed_secret.size(), der.size() + 24 + 16) << "nonce, the PKCS#8 DER, tag";
  EXPECT_EQ(stored[0].sealed_secret.find(der.substr(der.size() - 32)), std::string::npos) << "sealed, not plain";
  // A later start with another choice keeps the store's key.
  auto again = keys_.LoadOrCreate(LegacyFile(), nullptr, token::SigningAlg::kRs256);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->kids(), (*ring)->kids());
  EXPECT_EQ((*again)->keys()[0]->private_key->Pkcs8Der(), der) << "the same key, opened again";
}

TEST_F(SigningKeysTest, RotationsMayChangeTheAlgorithmAndEveryKeyLoads) {
  ASSERT_TRUE(keys_.LoadOrCreate(LegacyFile()).ok());
  auto es = keys_.Rotate(5, token::SigningAlg::kEs256);
  ASSERT_TRUE(es.ok()) << es.status().ToString();
  EXPECT_EQ(es->alg, "ES256");
  clock_.Advance(10);
  auto rs = keys_.Rotate(5, token::SigningAlg::kRs256);
  ASSERT_TRUE(rs.ok()) << rs.status().ToString();
  EXPECT_EQ(rs->alg, "RS256");
  auto loaded = keys_.Load();
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ASSERT_EQ((*loaded)->size(), 3u);
  EXPECT_EQ((*loaded)->keys()[0]->alg, token::SigningAlg::kHs256);
  EXPECT_EQ((*loaded)->keys()[1]->alg, token::SigningAlg::kEs256);
  EXPECT_EQ((*loaded)->keys()[2]->alg, token::SigningAlg::kRs256);
  EXPECT_EQ((*loaded)->ActiveAt(clock_.NowSeconds()).kid, es->kid) << "RS256 is pending";
  EXPECT_EQ((*loaded)->ActiveAt(clock_.NowSeconds() + 5).kid, rs->kid);
  const std::string jwks = token::JwksJson(**loaded);
  EXPECT_NE(jwks.find(es->kid), std::string::npos);
  EXPECT_NE(jwks.find(rs->kid), std::string::npos) << "pending keys are published before they sign";
  EXPECT_EQ(jwks.find(Stored()[0].kid), std::string::npos) << "never the HS256 key";
}

TEST_F(SigningKeysTest, ASealedPrivateKeyIsBoundToItsKidAndAlgorithm) {
  ASSERT_TRUE(keys_.LoadOrCreate(LegacyFile(), nullptr, token::SigningAlg::kEs256).ok());
  const core::StoredSigningKey original = Stored()[0];
  // The same sealed bytes under another alg or kid (a database edit) do not open.
  for (auto change : {+[](core::StoredSigningKey& k) { k.alg = "RS256"; },
                      +[](core::StoredSigningKey& k) { k.alg = "HS256"; },
                      +[](core::StoredSigningKey& k) { k.kid = "65536f0a1b2c3d4e5f60ffff"; }}) {
    core::StoredSigningKey edited = original;
    change(edited);
    store::memory::MemoryStore other;
    ASSERT_TRUE(store::AwaitStatus([&](auto done) { other.AddSigningKey(edited, done); }).ok());
    SigningKeys keys(other, box_, clock_, random_);
    auto loaded = keys.Load();
    EXPECT_EQ(loaded.status().code(), core::Code::kInternal) << edited.alg << " " << edited.kid;
  }
  core::StoredSigningKey unknown = original;
  unknown.alg = "ES384";
  store::memory::MemoryStore other;
  ASSERT_TRUE(store::AwaitStatus([&](auto done) { other.AddSigningKey(unknown, done); }).ok());
  SigningKeys keys(other, box_, clock_, random_);
  EXPECT_NE(keys.Load().status().message().find("unsupported algorithm ES384"), std::string::npos);
}

}  // namespace
}  // namespace guestpass::admin
