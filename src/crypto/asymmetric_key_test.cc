// asymmetric_key_test.cc: ES256 and RS256 keys sign in JWS form and verify
// only their own exact signatures; PKCS#8 round trips; the JWK's public
// halves check signatures with an independent implementation (OpenSSL's
// EVP_DigestVerify on a key rebuilt from the JWK members alone).
#include "crypto/asymmetric_key.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include <chrono>
#include <cstdio>

#include "crypto/encoding.h"

namespace guestpass::crypto {
namespace {

std::unique_ptr<AsymmetricKey> Make(AsymmetricAlg alg) {
  auto key = AsymmetricKey::Generate(alg);
  EXPECT_TRUE(key.ok()) << key.status().ToString();
  return key.ok() ? std::move(*key) : nullptr;
}

// A public key made from the JWK's members only, as a verifier would.
EVP_PKEY* PublicFromJwk(const PublicJwk& jwk) {
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  std::string point;
  BIGNUM* n = nullptr;
  BIGNUM* e = nullptr;
  const char* type = "EC";
  if (jwk.kty == "EC") {
    point = "\x04" + *Base64UrlDecode(jwk.x) + *Base64UrlDecode(jwk.y);
    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
  } else {
    type = "RSA";
    const std::string nb = *Base64UrlDecode(jwk.n), eb = *Base64UrlDecode(jwk.e);
    n = BN_bin2bn(reinterpret_cast<const unsigned char*>(nb.data()), static_cast<int>(nb.size()), nullptr);
    e = BN_bin2bn(reinterpret_cast<const unsigned char*>(eb.data()), static_cast<int>(eb.size()), nullptr);
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n);
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e);
  }
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  EVP_PKEY* key = nullptr;
  EVP_PKEY_fromdata_init(ctx);
  EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params);
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  BN_free(n);
  BN_free(e);
  return key;
}

// Verifies with EVP_DigestVerify (ES256: r || s converted to DER here).
bool IndependentVerify(const PublicJwk& jwk, std::string_view data, std::string signature) {
  EVP_PKEY* key = PublicFromJwk(jwk);
  if (key == nullptr) return false;
  if (jwk.kty == "EC") {
    ECDSA_SIG* sig = ECDSA_SIG_new();
    ECDSA_SIG_set0(sig, BN_bin2bn(reinterpret_cast<const unsigned char*>(signature.data()), 32, nullptr),
                   BN_bin2bn(reinterpret_cast<const unsigned char*>(signature.data()) + 32, 32, nullptr));
    unsigned char* der = nullptr;
    const int len = i2d_ECDSA_SIG(sig, &der);
    signature.assign(reinterpret_cast<const char*>(der), len);
    OPENSSL_free(der);
    ECDSA_SIG_free(sig);
  }
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  const bool ok = EVP_DigestVerifyInit(md, nullptr, EVP_sha256(), nullptr, key) == 1 &&
                  EVP_DigestVerify(md, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                                   reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  EVP_MD_CTX_free(md);
  EVP_PKEY_free(key);
  return ok;
}

class AsymmetricKeyTest : public ::testing::TestWithParam<AsymmetricAlg> {};

INSTANTIATE_TEST_SUITE_P(Algs, AsymmetricKeyTest, ::testing::Values(AsymmetricAlg::kEs256, AsymmetricAlg::kRs256),
                         [](const auto& info) { return info.param == AsymmetricAlg::kEs256 ? "ES256" : "RS256"; });

TEST_P(AsymmetricKeyTest, SignsInJwsFormAndVerifiesOnlyItsOwnSignature) {
  auto key = Make(GetParam());
  ASSERT_NE(key, nullptr);
  const std::string data = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0";
  const std::string sig = key->Sign(data);
  EXPECT_EQ(sig.size(), GetParam() == AsymmetricAlg::kEs256 ? 64u : 256u);
  EXPECT_TRUE(key->Verify(data, sig));
  EXPECT_FALSE(key->Verify(data + "x", sig)) << "another message";
  for (size_t i : {size_t{0}, sig.size() / 2, sig.size() - 1}) {
    std::string flipped = sig;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x01);
    EXPECT_FALSE(key->Verify(data, flipped)) << "bit flipped at " << i;
  }
  EXPECT_FALSE(key->Verify(data, sig.substr(0, sig.size() - 1))) << "truncated";
  EXPECT_FALSE(key->Verify(data, sig + '\0')) << "longer";
  EXPECT_FALSE(key->Verify(data, "")) << "empty";
  EXPECT_FALSE(key->Verify(data, std::string(sig.size(), '\0'))) << "zeros";
  auto other = Make(GetParam());
  EXPECT_FALSE(other->Verify(data, sig)) << "another key";
}

TEST_P(AsymmetricKeyTest, Pkcs8RoundTripsAndIsCheckedForItsAlgorithm) {
  auto key = Make(GetParam());
  ASSERT_NE(key, nullptr);
  const std::string der = key->Pkcs8Der();
  auto back = AsymmetricKey::FromPkcs8Der(GetParam(), der);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ((*back)->Pkcs8Der(), der);
  EXPECT_EQ((*back)->Jwk().x, key->Jwk().x);
  EXPECT_EQ((*back)->Jwk().n, key->Jwk().n);
  EXPECT_TRUE((*back)->Verify("abc", key->Sign("abc")));
  EXPECT_TRUE(key->Verify("abc", (*back)->Sign("abc")));
  const AsymmetricAlg other = GetParam() == AsymmetricAlg::kEs256 ? AsymmetricAlg::kRs256 : AsymmetricAlg::kEs256;
  EXPECT_EQ(AsymmetricKey::FromPkcs8Der(other, der).status().code(), core::Code::kInvalidArgument);
  EXPECT_EQ(AsymmetricKey::FromPkcs8Der(GetParam(), der.substr(0, der.size() - 1)).status().code(),
            core::Code::kInvalidArgument);
  EXPECT_EQ(AsymmetricKey::FromPkcs8Der(GetParam(), der + "x").status().code(), core::Code::kInvalidArgument)
      << "trailing bytes";
  EXPECT_EQ(AsymmetricKey::FromPkcs8Der(GetParam(), std::string(32, 'k')).status().code(),
            core::Code::kInvalidArgument)
      << "an HS256 secret";
}

TEST_P(AsymmetricKeyTest, TheJwkVerifiesSignaturesWithAnotherImplementation) {
  auto key = Make(GetParam());
  ASSERT_NE(key, nullptr);
  const PublicJwk jwk = key->Jwk();
  if (GetParam() == AsymmetricAlg::kEs256) {
    EXPECT_EQ(jwk.kty, "EC");
    EXPECT_EQ(jwk.crv, "P-256");
    EXPECT_EQ(Base64UrlDecode(jwk.x)->size(), 32u);
    EXPECT_EQ(Base64UrlDecode(jwk.y)->size(), 32u);
    EXPECT_TRUE(jwk.n.empty() && jwk.e.empty());
  } else {
    EXPECT_EQ(jwk.kty, "RSA");
    EXPECT_EQ(Base64UrlDecode(jwk.n)->size(), 256u);
    EXPECT_EQ(jwk.e, "AQAB");
    EXPECT_TRUE(jwk.crv.empty() && jwk.x.empty() && jwk.y.empty());
  }
  const std::string data = "header.payload";
  EXPECT_TRUE(IndependentVerify(jwk, data, key->Sign(data)));
  EXPECT_FALSE(IndependentVerify(jwk, data + ".", key->Sign(data)));
  EXPECT_FALSE(IndependentVerify(Make(GetParam())->Jwk(), data, key->Sign(data)));
}

TEST(AsymmetricKeyTest, Es256RefusesADerSignatureAndOtherCurves) {
  auto key = Make(AsymmetricAlg::kEs256);
  ASSERT_NE(key, nullptr);
  const std::string sig = key->Sign("m");
  // The same signature in DER, as OpenSSL's own ECDSA writes it.
  ECDSA_SIG* der_sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(der_sig, BN_bin2bn(reinterpret_cast<const unsigned char*>(sig.data()), 32, nullptr),
                 BN_bin2bn(reinterpret_cast<const unsigned char*>(sig.data()) + 32, 32, nullptr));
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(der_sig, &der);
  const std::string der_text(reinterpret_cast<const char*>(der), len);
  OPENSSL_free(der);
  ECDSA_SIG_free(der_sig);
  EXPECT_FALSE(key->Verify("m", der_text));
  EXPECT_FALSE(key->Verify("m", der_text.substr(0, 64)));
  // r || s with r = 0, and r, s >= n.
  EXPECT_FALSE(key->Verify("m", std::string(32, '\0') + sig.substr(32)));
  EXPECT_FALSE(key->Verify("m", std::string(64, '\xff')));

  EVP_PKEY* p384 = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
  ASSERT_NE(p384, nullptr);
  unsigned char* p384_der = nullptr;
  PKCS8_PRIV_KEY_INFO* info = EVP_PKEY2PKCS8(p384);
  const int p384_len = i2d_PKCS8_PRIV_KEY_INFO(info, &p384_der);
  const std::string p384_text(reinterpret_cast<const char*>(p384_der), p384_len);
  OPENSSL_free(p384_der);
  PKCS8_PRIV_KEY_INFO_free(info);
  EVP_PKEY_free(p384);
  auto refused = AsymmetricKey::FromPkcs8Der(AsymmetricAlg::kEs256, p384_text);
  EXPECT_EQ(refused.status().code(), core::Code::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("P-256"), std::string::npos) << refused.status().message();
}

TEST(AsymmetricKeyTest, Rs256NeedsTwoThousandFortyEightBits) {
  EXPECT_EQ(AsymmetricKey::Generate(AsymmetricAlg::kRs256, 1024).status().code(), core::Code::kInvalidArgument);
  EVP_PKEY* small = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(1024));
  ASSERT_NE(small, nullptr);
  unsigned char* der = nullptr;
  PKCS8_PRIV_KEY_INFO* info = EVP_PKEY2PKCS8(small);
  const int len = i2d_PKCS8_PRIV_KEY_INFO(info, &der);
  const std::string text(reinterpret_cast<const char*>(der), len);
  OPENSSL_free(der);
  PKCS8_PRIV_KEY_INFO_free(info);
  EVP_PKEY_free(small);
  EXPECT_EQ(AsymmetricKey::FromPkcs8Der(AsymmetricAlg::kRs256, text).status().code(), core::Code::kInvalidArgument);
  auto big = AsymmetricKey::Generate(AsymmetricAlg::kRs256, 3072);
  ASSERT_TRUE(big.ok());
  EXPECT_EQ((*big)->bits(), 3072);
  EXPECT_EQ((*big)->Sign("m").size(), 384u);
}

// The cost of one signature and one verification (reported, not asserted:
// docs/performance.md quotes it). Each result is checked, so it can fail.
TEST_P(AsymmetricKeyTest, CostOfSigningAndVerifying) {
  auto key = Make(GetParam());
  ASSERT_NE(key, nullptr);
  const std::string data(380, 'p');  // about an access token's header.payload
  const int n = GetParam() == AsymmetricAlg::kEs256 ? 2000 : 200;
  std::vector<std::string> sigs;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) sigs.push_back(key->Sign(data));
  const auto t1 = std::chrono::steady_clock::now();
  int verified = 0;
  for (const auto& sig : sigs) verified += key->Verify(data, sig) ? 1 : 0;
  const auto t2 = std::chrono::steady_clock::now();
  EXPECT_EQ(verified, n);
  const double sign_us = std::chrono::duration<double, std::micro>(t1 - t0).count() / n;
  const double verify_us = std::chrono::duration<double, std::micro>(t2 - t1).count() / n;
  std::printf("[ cost     ] %s: sign %.1f us, verify %.1f us (mean of %d)\n",
              GetParam() == AsymmetricAlg::kEs256 ? "ES256" : "RS256", sign_us, verify_us, n);
}

}  // namespace
}  // namespace guestpass::crypto
