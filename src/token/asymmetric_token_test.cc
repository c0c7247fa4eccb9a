// asymmetric_token_test.cc: access and refresh tokens signed with ES256 and
// RS256 keys: they round-trip, keep the payload SDKs decode, and verify only
// with their own key and algorithm (no alg mismatch, no HS256 token "signed"
// with a public key, no none, no unknown kid, no DER or truncated signature,
// no tampered payload); rings that mix algorithms; the JWK Set; keys from
// their stored form.
#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/random.h"
#include "crypto/asymmetric_key.h"
#include "crypto/digest.h"
#include "crypto/encoding.h"
#include "token/key_ring.h"
#include "token/token_service.h"

namespace guestpass::token {
namespace {

using core::Code;
using core::ErrorCode;
using core::ObjectId;
using nlohmann::json;

constexpr int64_t kNow = 1'700'000'000;
const std::string kHsKid = "65536f0a1b2c3d4e5f600001";
const std::string kEsKid = "65536f0a1b2c3d4e5f600002";
const std::string kRsKid = "65536f0a1b2c3d4e5f600003";

ObjectId Id(const char* hex) { return ObjectId::FromHex(hex).value(); }

struct Parts {
  std::string header, payload, signature;
};

Parts Split(const std::string& token) {
  const size_t a = token.find('.');
  const size_t b = token.find('.', a + 1);
  return {token.substr(0, a), token.substr(a + 1, b - a - 1), token.substr(b + 1)};
}

std::string B64(std::string_view s) { return crypto::Base64UrlEncode(s); }

std::unique_ptr<crypto::AsymmetricKey> NewKey(crypto::AsymmetricAlg alg) {
  auto key = crypto::AsymmetricKey::Generate(alg);
  EXPECT_TRUE(key.ok()) << key.status().ToString();
  return std::move(*key);
}

AccessClaims SampleAccess() {
  return {Id("0000000000000000000000a1"), Id("0000000000000000000000b2"), Id("0000000000000000000000c3"),
          Id("0000000000000000000000d4"), kNow,                            kNow + kAccessTokenTtlSeconds};
}

RefreshClaims SampleRefresh() {
  RefreshClaims c;
  c.user_id = Id("0000000000000000000000a1");
  c.session_id = Id("0000000000000000000000b2");
  c.app_id = Id("0000000000000000000000c3");
  c.device_id = Id("0000000000000000000000d4");
  c.secret = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlYw";
  c.identity = {"65536f0a1b2c3d4e5f601299-abcdefghijklmnopqrstuvwx", "anon-user", Id("0000000000000000000000e5")};
  c.issued_at = kNow;
  c.expires_at = kNow + 5'184'000;
  return c;
}

void ExpectRefused(const core::Result<AccessClaims>& r, const std::string& why) {
  ASSERT_FALSE(r.ok()) << why;
  EXPECT_EQ(r.status().code(), Code::kUnauthenticated) << why;
  EXPECT_EQ(r.status().error_code(), ErrorCode::kInvalidSession) << why;
}

class AsymmetricTokenTest : public ::testing::TestWithParam<SigningAlg> {
 protected:
  AsymmetricTokenTest() {
    const bool es = GetParam() == SigningAlg::kEs256;
    kid_ = es ? kEsKid : kRsKid;
    ring_->Add(kid_, NewKey(es ? crypto::AsymmetricAlg::kEs256 : crypto::AsymmetricAlg::kRs256));
    tokens_ = std::make_unique<TokenService>(ring_, clock_, /*access_cache_slots=*/0);
    cached_ = std::make_unique<TokenService>(ring_, clock_);
  }
  const SigningKey& Key() const { return *ring_->keys()[0]; }
  std::string AlgName() const { return std::string(SigningAlgName(GetParam())); }

  std::string kid_;
  std::shared_ptr<KeyRing> ring_ = std::make_shared<KeyRing>();
  core::ManualClock clock_{kNow};
  std::unique_ptr<TokenService> tokens_;
  std::unique_ptr<TokenService> cached_;
};

INSTANTIATE_TEST_SUITE_P(Algs, AsymmetricTokenTest, ::testing::Values(SigningAlg::kEs256, SigningAlg::kRs256),
                         [](const auto& info) { return std::string(SigningAlgName(info.param)); });

TEST_P(AsymmetricTokenTest, TokensRoundTripWithTheKeysHeaderAndAJwsSignature) {
  const std::string access = tokens_->IssueAccessToken(SampleAccess());
  const Parts parts = Split(access);
  EXPECT_EQ(crypto::Base64UrlDecode(parts.header), R"({"alg":")" + AlgName() + R"(","kid":")" + kid_ +
                                                       R"(","typ":"JWT"})");
  const size_t signature_bytes = GetParam() == SigningAlg::kEs256 ? 64 : 256;
  EXPECT_EQ(crypto::Base64UrlDecode(parts.signature)->size(), signature_bytes);
  EXPECT_EQ(access.find('='), std::string::npos);
  // The payload is what HS256 tokens carry: SDKs decode it, whatever signs it.
  const json payload = json::parse(*crypto::Base64UrlDecode(parts.payload));
  EXPECT_EQ(payload["sub"], "0000000000000000000000a1");
  EXPECT_EQ(payload["typ"], "access");
  EXPECT_EQ(payload["exp"], kNow + kAccessTokenTtlSeconds);
  auto claims = tokens_->VerifyAccessToken(access);
  ASSERT_TRUE(claims.ok()) << claims.status().ToString();
  EXPECT_EQ(claims->session_id.ToHex(), "0000000000000000000000b2");
  for (int i = 0; i < 2; ++i) EXPECT_TRUE(cached_->VerifyAccessToken(access).ok()) << "through the cache, " << i;

  auto refresh = tokens_->VerifyRefreshToken(tokens_->IssueRefreshToken(SampleRefresh()));
  ASSERT_TRUE(refresh.ok()) << refresh.status().ToString();
  EXPECT_EQ(refresh->secret, SampleRefresh().secret);
  EXPECT_EQ(refresh->identity.provider_type, "anon-user");
  EXPECT_FALSE(tokens_->VerifyRefreshToken(access).ok()) << "an access token is no refresh token";
}

TEST_P(AsymmetricTokenTest, ATamperedPayloadOrSignatureIsRefused) {
  const std::string token = tokens_->IssueAccessToken(SampleAccess());
  const Parts p = Split(token);
  AccessClaims longer = SampleAccess();
  longer.expires_at += 3600;
  const std::string other_payload = Split(tokens_->IssueAccessToken(longer)).payload;
  for (auto* service : {tokens_.get(), cached_.get()}) {
    ExpectRefused(service->VerifyAccessToken(p.header + "." + other_payload + "." + p.signature), "payload swapped");
    std::string flipped = p.signature;
    flipped[10] = flipped[10] == 'A' ? 'B' : 'A';
    ExpectRefused(service->VerifyAccessToken(p.header + "." + p.payload + "." + flipped), "signature changed");
    ExpectRefused(service->VerifyAccessToken(p.header + "." + p.payload + "." + p.signature.substr(0, 40)),
                  "signature truncated");
    ExpectRefused(service->VerifyAccessToken(p.header + "." + p.payload + "."), "no signature");
    ExpectRefused(service->VerifyAccessToken(p.header + "." + p.payload + "." + p.signature + "AA"),
                  "signature longer");
  }
  // The same kid and alg, another key: refused.
  auto impostor = std::make_shared<KeyRing>();
  impostor->Add(kid_, NewKey(GetParam() == SigningAlg::kEs256 ? crypto::AsymmetricAlg::kEs256
                                                              : crypto::AsymmetricAlg::kRs256));
  TokenService forger(impostor, clock_);
  ExpectRefused(tokens_->VerifyAccessToken(forger.IssueAccessToken(SampleAccess())), "another key under our kid");
}

TEST_P(AsymmetricTokenTest, TheHeadersAlgMustBeTheKeys) {
  const std::string token = tokens_->IssueAccessToken(SampleAccess());
  const Parts p = Split(token);
  const std::string signing_input_payload = p.payload;
  // HS256 "signed" with what a verifier knows of the key: its public JWK, the
  // JWK Set, or the coordinates / modulus bytes.
  const crypto::PublicJwk jwk = Key().private_key->Jwk();
  const std::string jwks = JwksJson(*ring_);
  const std::string public_bytes = GetParam() == SigningAlg::kEs256
                                       ? *crypto::Base64UrlDecode(jwk.x) + *crypto::Base64UrlDecode(jwk.y)
                                       : *crypto::Base64UrlDecode(jwk.n);
  for (const std::string& secret : {jwks, public_bytes, std::string("\x04") + public_bytes}) {
    for (const std::string& header :
         {R"({"alg":"HS256","kid":")" + kid_ + R"(","typ":"JWT"})", R"({"alg":"HS256","kid":")" + kid_ + R"("})"}) {
      const std::string input = B64(header) + "." + signing_input_payload;
      crypto::HmacSha256Key hmac(std::vector<uint8_t>(secret.begin(), secret.end()));
      const auto mac = hmac.Compute(input);
      const auto r = tokens_->VerifyAccessToken(input + "." + crypto::Base64UrlEncode(mac));
      ExpectRefused(r, "HS256 with the public key");
      EXPECT_EQ(r.status().message(), "invalid session: unknown token header");
    }
  }
  // Our signature under a header naming another algorithm, or none.
  const std::string other = GetParam() == SigningAlg::kEs256 ? "RS256" : "ES256";
  for (const std::string& alg : {other, std::string("none"), std::string("HS256"), std::string("ES384")}) {
    const std::string header = B64(R"({"alg":")" + alg + R"(","kid":")" + kid_ + R"(","typ":"JWT"})");
    ExpectRefused(tokens_->VerifyAccessToken(header + "." + p.payload + "." + p.signature), alg + " header");
    ExpectRefused(tokens_->VerifyAccessToken(header + "." + p.payload + "."), alg + " header, no signature");
    // Signed by our key over that header: a valid signature, still the wrong alg.
    std::string forged = header + "." + p.payload + ".";
    Key().AppendSignature(header + "." + p.payload, forged);
    ExpectRefused(tokens_->VerifyAccessToken(forged), alg + " header signed by the key");
  }
  // An unknown kid, with an otherwise good signature over that header.
  const std::string unknown = B64(R"({"alg":")" + AlgName() + R"(","kid":"65536f0a1b2c3d4e5f60ffff","typ":"JWT"})");
  std::string forged = unknown + "." + p.payload + ".";
  Key().AppendSignature(unknown + "." + p.payload, forged);
  ExpectRefused(tokens_->VerifyAccessToken(forged), "unknown kid");
}

TEST(AsymmetricTokenTest, AnEs256SignatureInDerIsRefused) {
  auto ring = std::make_shared<KeyRing>();
  ring->Add(kEsKid, NewKey(crypto::AsymmetricAlg::kEs256));
  core::ManualClock clock(kNow);
  TokenService tokens(ring, clock, 0);
  const Parts p = Split(tokens.IssueAccessToken(SampleAccess()));
  const std::string raw = *crypto::Base64UrlDecode(p.signature);
  ASSERT_EQ(raw.size(), 64u);
  // DER SEQUENCE { INTEGER r, INTEGER s } of the same numbers.
  auto integer = [](std::string n) {
    while (n.size() > 1 && n[0] == '\0' && !(static_cast<unsigned char>(n[1]) & 0x80)) n.erase(0, 1);
    if (static_cast<unsigned char>(n[0]) & 0x80) n.insert(0, 1, '\0');
    return std::string("\x02", 1) + static_cast<char>(n.size()) + n;
  };
  const std::string body = integer(raw.substr(0, 32)) + integer(raw.substr(32));
  const std::string der = std::string("\x30", 1) + static_cast<char>(body.size()) + body;
  ExpectRefused(tokens.VerifyAccessToken(p.header + "." + p.payload + "." + crypto::Base64UrlEncode(der)),
                "DER signature");
  EXPECT_TRUE(tokens.VerifyAccessToken(p.header + "." + p.payload + "." + p.signature).ok());
}

TEST(AsymmetricTokenTest, ARingMayMixAlgorithmsAndEachKeyVerifiesItsOwn) {
  core::ManualClock clock(kNow);
  auto ring = std::make_shared<KeyRing>();
  ring->Add(kHsKid, std::vector<uint8_t>(32, 0x42), 0);
  ring->Add(kEsKid, NewKey(crypto::AsymmetricAlg::kEs256), kNow - 10);
  ring->Add(kRsKid, NewKey(crypto::AsymmetricAlg::kRs256), kNow + 5);  // pending
  TokenService tokens(ring, clock);

  auto signed_by = [&](const std::string& kid) {
    for (const auto& k : ring->keys())
      if (k->kid == kid) {
        std::string token;
        const std::string payload = Split(tokens.IssueAccessToken(SampleAccess())).payload;
        token = k->header_b64 + "." + payload;
        const std::string input = token;
        token += '.';
        k->AppendSignature(input, token);
        return token;
      }
    return std::string();
  };
  const std::string es = tokens.IssueAccessToken(SampleAccess());
  EXPECT_EQ(json::parse(*crypto::Base64UrlDecode(Split(es).header))["kid"], kEsKid) << "ES256 signs now";
  EXPECT_TRUE(tokens.VerifyAccessToken(es).ok());
  EXPECT_TRUE(tokens.VerifyAccessToken(signed_by(kHsKid)).ok()) << "the older HS256 key verifies";
  EXPECT_TRUE(tokens.VerifyAccessToken(signed_by(kRsKid)).ok()) << "the pending RS256 key verifies";
  clock.Advance(5);
  const std::string rs = tokens.IssueAccessToken(SampleAccess());
  EXPECT_EQ(json::parse(*crypto::Base64UrlDecode(Split(rs).header))["alg"], "RS256") << "RS256 signs from its time";
  EXPECT_TRUE(tokens.VerifyRefreshToken(tokens.IssueRefreshToken(SampleRefresh())).ok());

  // The JWK Set: the ES256 and RS256 keys, in the ring's order; nothing of HS256.
  const json set = json::parse(tokens.jwks_json());
  ASSERT_EQ(set["keys"].size(), 2u) << set.dump();
  const json& ec = set["keys"][0];
  EXPECT_EQ(ec["kid"], kEsKid);
  EXPECT_EQ(ec["kty"], "EC");
  EXPECT_EQ(ec["crv"], "P-256");
  EXPECT_EQ(ec["alg"], "ES256");
  EXPECT_EQ(ec["use"], "sig");
  EXPECT_EQ(crypto::Base64UrlDecode(ec["x"].get<std::string>())->size(), 32u);
  EXPECT_EQ(crypto::Base64UrlDecode(ec["y"].get<std::string>())->size(), 32u);
  EXPECT_FALSE(ec.contains("d")) << "no private part";
  const json& rsa = set["keys"][1];
  EXPECT_EQ(rsa["kid"], kRsKid);
  EXPECT_EQ(rsa["kty"], "RSA");
  EXPECT_EQ(rsa["alg"], "RS256");
  EXPECT_EQ(rsa["e"], "AQAB");
  EXPECT_EQ(crypto::Base64UrlDecode(rsa["n"].get<std::string>())->size(), 256u);
  for (const char* private_member : {"d", "p", "q", "dp", "dq", "qi", "k"}) EXPECT_FALSE(rsa.contains(private_member));
  EXPECT_EQ(tokens.jwks_json().find(kHsKid), std::string::npos);

  // The ES256 key retired: the JWK Set drops it and its tokens (cached) fail.
  auto retired = std::make_shared<KeyRing>();
  retired->Add(kHsKid, std::vector<uint8_t>(32, 0x42), 0);
  for (const auto& k : ring->keys())
    if (k->kid == kRsKid) {
      auto stored = crypto::AsymmetricKey::FromPkcs8Der(crypto::AsymmetricAlg::kRs256, k->private_key->Pkcs8Der());
      ASSERT_TRUE(stored.ok());
      retired->Add(kRsKid, std::move(*stored), kNow + 5);
    }
  tokens.ReplaceKeys(retired);
  EXPECT_EQ(json::parse(tokens.jwks_json())["keys"].size(), 1u);
  EXPECT_EQ(json::parse(tokens.jwks_json())["keys"][0]["kid"], kRsKid);
  EXPECT_FALSE(tokens.VerifyAccessToken(es).ok());
  EXPECT_TRUE(tokens.VerifyAccessToken(rs).ok());
  KeyRing only_hs;
  only_hs.Add(kHsKid, std::vector<uint8_t>(32, 0x42));
  EXPECT_EQ(JwksJson(only_hs), R"({"keys":[]})");
}

TEST(AsymmetricTokenTest, KeysComeBackFromTheirStoredForm) {
  core::SeededRandom random(5);
  for (SigningAlg alg : {SigningAlg::kHs256, SigningAlg::kEs256, SigningAlg::kRs256}) {
    auto material = NewKeyMaterial(alg, random);
    ASSERT_TRUE(material.ok()) << material.status().ToString();
    KeyRing ring;
    ASSERT_TRUE(ring.AddStored("aa", alg, *material, 7).ok()) << SigningAlgName(alg);
    EXPECT_EQ(ring.keys()[0]->alg, alg);
    EXPECT_EQ(ring.keys()[0]->active_from, 7);
    core::ManualClock clock(kNow);
    TokenService tokens(std::make_shared<KeyRing>(std::move(ring)), clock);
    EXPECT_TRUE(tokens.VerifyAccessToken(tokens.IssueAccessToken(SampleAccess())).ok()) << SigningAlgName(alg);
    // The material of one algorithm is not a key of another.
    for (SigningAlg other : {SigningAlg::kHs256, SigningAlg::kEs256, SigningAlg::kRs256}) {
      if (other == alg || other == SigningAlg::kHs256) continue;  // any 32+ bytes are an HS256 secret
      KeyRing wrong;
      EXPECT_EQ(wrong.AddStored("bb", other, *material, 0).code(), Code::kInvalidArgument)
          << SigningAlgName(alg) << " as " << SigningAlgName(other);
    }
  }
  KeyRing ring;
  EXPECT_EQ(ring.AddStored("cc", SigningAlg::kHs256, std::string(31, 'k'), 0).code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseSigningAlg("ES256"), SigningAlg::kEs256);
  EXPECT_EQ(ParseSigningAlg("RS256"), SigningAlg::kRs256);
  EXPECT_EQ(ParseSigningAlg("HS256"), SigningAlg::kHs256);
  for (const char* bad : {"none", "es256", "HS512", "PS256", ""}) EXPECT_FALSE(ParseSigningAlg(bad)) << bad;
}

}  // namespace
}  // namespace guestpass::token
