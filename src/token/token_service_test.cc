// token_service_test.cc: issuing and verifying access and refresh tokens:
// claims, expiry, tampering, foreign headers, token types and key rotation.
#include "token/token_service.h"

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "crypto/digest.h"
#include "crypto/encoding.h"

namespace guestpass::token {
namespace {

using core::Code;
using core::ErrorCode;
using core::ObjectId;
using nlohmann::json;

constexpr int64_t kNow = 1'700'000'000;
const std::string kKid = "65536f0a1b2c3d4e5f601234";

ObjectId Id(const char* hex) { return ObjectId::FromHex(hex).value(); }

struct Parts {
  std::string header, payload, signature;
};

Parts Split(const std::string& token) {
  const size_t a = token.find('.');
  const size_t b = token.find('.', a + 1);
  return {token.substr(0, a), token.substr(a + 1, b - a - 1), token.substr(b + 1)};
}

json DecodePayload(const std::string& token) {
  auto text = crypto::Base64UrlDecode(Split(token).payload);
  EXPECT_TRUE(text.has_value());
  return json::parse(text.value_or("null"));
}

// Signs `header.payload` (both JSON texts) with `secret`, as an attacker or a
// foreign issuer would.
std::string SignByHand(const std::string& header, const std::string& payload, const std::vector<uint8_t>& secret) {
  std::string token = crypto::Base64UrlEncode(header) + "." + crypto::Base64UrlEncode(payload);
  crypto::HmacSha256Key key(secret);
  const auto mac = key.Compute(token);
  return token + "." + crypto::Base64UrlEncode(mac);
}

class TokenServiceTest : public ::testing::Test {
 protected:
  TokenServiceTest() {
    ring_->Add(kKid, secret_);
    tokens_ = std::make_unique<TokenService>(ring_, clock_);
  }

  AccessClaims SampleAccess() const {
    return {Id("0000000000000000000000a1"),
            Id("0000000000000000000000b2"),
            Id("0000000000000000000000c3"),
            Id("0000000000000000000000d4"),
            kNow,
            kNow + kAccessTokenTtlSeconds};
  }
  RefreshClaims SampleRefresh() const {
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

  std::vector<uint8_t> secret_ = std::vector<uint8_t>(32, 0x5a);
  std::shared_ptr<KeyRing> ring_ = std::make_shared<KeyRing>();
  core::ManualClock clock_{kNow};
  std::unique_ptr<TokenService> tokens_;
};

void ExpectInvalidSession(const core::Status& s) {
  EXPECT_EQ(s.code(), Code::kUnauthenticated) << s.ToString();
  EXPECT_EQ(s.error_code(), ErrorCode::kInvalidSession) << s.ToString();
}

TEST_F(TokenServiceTest, AccessTokenRoundTripsEveryClaim) {
  const std::string token = tokens_->IssueAccessToken(SampleAccess());
  auto claims = tokens_->VerifyAccessToken(token);
  ASSERT_TRUE(claims.ok()) << claims.status().ToString();
  EXPECT_EQ(claims->user_id.ToHex(), "0000000000000000000000a1");
  EXPECT_EQ(claims->session_id.ToHex(), "0000000000000000000000b2");
  EXPECT_EQ(claims->app_id.ToHex(), "0000000000000000000000c3");
  EXPECT_EQ(claims->device_id.ToHex(), "0000000000000000000000d4");
  EXPECT_EQ(claims->issued_at, kNow);
  EXPECT_EQ(claims->expires_at, kNow + 1800);
}

TEST_F(TokenServiceTest, AccessTokenIsACompactJwsWithTheKeysHeader) {
  const std::string token = tokens_->IssueAccessToken(SampleAccess());
  const Parts parts = Split(token);
  EXPECT_EQ(crypto::Base64UrlDecode(parts.header), R"({"alg":"HS256","kid":")" + kKid + R"(","typ":"JWT"})");
  EXPECT_EQ(std::count(token.begin(), token.end(), '.'), 2);
  EXPECT_EQ(parts.signature.size(), 43u);  // 32 bytes, unpadded
  EXPECT_EQ(token.find('='), std::string::npos);
}

TEST_F(TokenServiceTest, AccessPayloadHasIntegerTimesAndTheAppServicesClaims) {
  const json p = DecodePayload(tokens_->IssueAccessToken(SampleAccess()));
  ASSERT_TRUE(p.is_object());
  ASSERT_TRUE(p["exp"].is_number_integer());
  ASSERT_TRUE(p["iat"].is_number_integer());
  EXPECT_EQ(p["exp"].get<int64_t>() - p["iat"].get<int64_t>(), 1800);
  EXPECT_EQ(kAccessTokenTtlSeconds, 1800);
  EXPECT_EQ(p["iat"], kNow);
  EXPECT_EQ(p["sub"], "0000000000000000000000a1");
  EXPECT_EQ(p["iss"], "0000000000000000000000b2");
  EXPECT_EQ(p["baas_domain_id"], "0000000000000000000000c3");
  EXPECT_EQ(p["stitch_domainId"], "0000000000000000000000c3");
  EXPECT_EQ(p["baas_device_id"], "0000000000000000000000d4");
  EXPECT_EQ(p["stitch_devId"], "0000000000000000000000d4");
  EXPECT_EQ(p["typ"], "access");
  EXPECT_EQ(p.size(), 9u);
}

TEST_F(TokenServiceTest, RefreshTokenRoundTripsSecretAndIdentity) {
  const RefreshClaims in = SampleRefresh();
  auto claims = tokens_->VerifyRefreshToken(tokens_->IssueRefreshToken(in));
  ASSERT_TRUE(claims.ok()) << claims.status().ToString();
  EXPECT_EQ(claims->user_id, in.user_id);
  EXPECT_EQ(claims->session_id, in.session_id);
  EXPECT_EQ(claims->app_id, in.app_id);
  EXPECT_EQ(claims->device_id, in.device_id);
  EXPECT_EQ(claims->secret, in.secret);
  EXPECT_EQ(claims->identity.id, "65536f0a1b2c3d4e5f601299-abcdefghijklmnopqrstuvwx");
  EXPECT_EQ(claims->identity.provider_type, "anon-user");
  EXPECT_EQ(claims->identity.provider_id.ToHex(), "0000000000000000000000e5");
  EXPECT_EQ(claims->issued_at, kNow);
  EXPECT_EQ(claims->expires_at, kNow + 5'184'000);
}

TEST_F(TokenServiceTest, RefreshPayloadHasIntegerTimesAndTheAppServicesClaims) {
  const json p = DecodePayload(tokens_->IssueRefreshToken(SampleRefresh()));
  ASSERT_TRUE(p["exp"].is_number_integer());
  ASSERT_TRUE(p["iat"].is_number_integer());
  EXPECT_EQ(p["exp"], kNow + 5'184'000);
  EXPECT_EQ(p["iat"], kNow);
  EXPECT_EQ(p["typ"], "refresh");
  EXPECT_EQ(p["baas_id"], "0000000000000000000000b2");
  EXPECT_EQ(p["sub"], "0000000000000000000000a1");
  EXPECT_EQ(p["baas_identity"], json({{"id", "65536f0a1b2c3d4e5f601299-abcdefghijklmnopqrstuvwx"},
                                      {"provider_type", "anon-user"},
                                      {"provider_id", "0000000000000000000000e5"}}));
}

TEST_F(TokenServiceTest, RefreshTokenEscapesStringClaims) {
  RefreshClaims in = SampleRefresh();
  in.identity.id = "quote\" backslash\\ newline\n";
  in.secret = "s\"s";
  auto claims = tokens_->VerifyRefreshToken(tokens_->IssueRefreshToken(in));
  ASSERT_TRUE(claims.ok()) << claims.status().ToString();
  EXPECT_EQ(claims->identity.id, "quote\" backslash\\ newline\n");
  EXPECT_EQ(claims->secret, "s\"s");
}

TEST_F(TokenServiceTest, AccessTokenIsValidUntilTheSecondBeforeExpiry) {
  const std::string token = tokens_->IssueAccessToken(SampleAccess());
  clock_.Set(kNow + 1800 - 1);
  EXPECT_TRUE(tokens_->VerifyAccessToken(token).ok());
  clock_.Set(kNow + 1800);
  auto expired = tokens_->VerifyAccessToken(token);
  ASSERT_FALSE(expired.ok());
  ExpectInvalidSession(expired.status());
  EXPECT_EQ(expired.status().message(), "invalid session: access token expired");
}

TEST_F(TokenServiceTest, RefreshTokenIsValidUntilTheSecondBeforeExpiry) {
  const std::string token = tokens_->IssueRefreshToken(SampleRefresh());
  clock_.Set(kNow + 5'184'000 - 1);
  EXPECT_TRUE(tokens_->VerifyRefreshToken(token).ok());
  clock_.Set(kNow + 5'184'000);
  auto expired = tokens_->VerifyRefreshToken(token);
  ASSERT_FALSE(expired.ok());
  ExpectInvalidSession(expired.status());
}

TEST_F(TokenServiceTest, RejectsATamperedPayload) {
  const std::string token = tokens_->IssueAccessToken(SampleAccess());
  const Parts parts = Split(token);
  json payload = DecodePayload(token);
  payload["sub"] = "0000000000000000000000ff";
  const std::string forged = parts.header + "." + crypto::Base64UrlEncode(payload.dump()) + "." + parts.signature;
  auto r = tokens_->VerifyAccessToken(forged);
  ASSERT_FALSE(r.ok());
  ExpectInvalidSession(r.status());
  EXPECT_EQ(r.status().message(), "invalid session: signature is invalid");
}

TEST_F(TokenServiceTest, RejectsATamperedSignature) {
  std::string token = tokens_->IssueAccessToken(SampleAccess());
  token.back() = token.back() == 'A' ? 'Q' : 'A';
  auto r = tokens_->VerifyAccessToken(token);
  ASSERT_FALSE(r.ok());
  ExpectInvalidSession(r.status());
}

TEST_F(TokenServiceTest, RejectsPaddedSpellingsOfAValidToken) {
  const std::string token = tokens_->IssueAccessToken(SampleAccess());
  ASSERT_TRUE(tokens_->VerifyAccessToken(token).ok());
  auto r = tokens_->VerifyAccessToken(token + "=");
  ASSERT_FALSE(r.ok());
  ExpectInvalidSession(r.status());
}

TEST_F(TokenServiceTest, RejectsAlgNone) {
  const std::string payload = crypto::Base64UrlDecode(Split(tokens_->IssueAccessToken(SampleAccess())).payload).value();
  for (const std::string& header :
       {std::string(R"({"alg":"none","typ":"JWT"})"), R"({"alg":"none","kid":")" + kKid + R"(","typ":"JWT"})"}) {
    const std::string unsigned_token = crypto::Base64UrlEncode(header) + "." + crypto::Base64UrlEncode(payload) + ".";
    auto r = tokens_->VerifyAccessToken(unsigned_token);
    ASSERT_FALSE(r.ok()) << header;
    ExpectInvalidSession(r.status());
    EXPECT_EQ(r.status().message(), "invalid session: unknown token header");
  }
}

TEST_F(TokenServiceTest, RejectsAnUnknownKid) {
  const std::string payload = crypto::Base64UrlDecode(Split(tokens_->IssueAccessToken(SampleAccess())).payload).value();
  // Correctly signed with the real secret, but naming a key the ring lacks.
  const std::string token =
      SignByHand(R"({"alg":"HS256","kid":"ffffffffffffffffffffffff","typ":"JWT"})", payload, secret_);
  auto r = tokens_->VerifyAccessToken(token);
  ASSERT_FALSE(r.ok());
  ExpectInvalidSession(r.status());
  EXPECT_EQ(r.status().message(), "invalid session: unknown token header");
}

TEST_F(TokenServiceTest, RejectsAHeaderThatOnlyDiffersInSpelling) {
  const std::string payload = crypto::Base64UrlDecode(Split(tokens_->IssueAccessToken(SampleAccess())).payload).value();
  const std::string token = SignByHand(R"({"typ":"JWT","alg":"HS256","kid":")" + kKid + R"("})", payload, secret_);
  EXPECT_FALSE(tokens_->VerifyAccessToken(token).ok());
}

TEST_F(TokenServiceTest, RejectsATokenSignedWithAnotherSecret) {
  const std::string payload = crypto::Base64UrlDecode(Split(tokens_->IssueAccessToken(SampleAccess())).payload).value();
  const std::string token =
      SignByHand(R"({"alg":"HS256","kid":")" + kKid + R"(","typ":"JWT"})", payload, std::vector<uint8_t>(32, 0x5b));
  auto r = tokens_->VerifyAccessToken(token);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "invalid session: signature is invalid");
}

TEST_F(TokenServiceTest, AcceptsAHandSignedTokenWithTheRealKey) {
  // The control for the three tests above: the same construction with the
  // ring's own header and secret verifies.
  const std::string payload = crypto::Base64UrlDecode(Split(tokens_->IssueAccessToken(SampleAccess())).payload).value();
  const std::string token = SignByHand(R"({"alg":"HS256","kid":")" + kKid + R"(","typ":"JWT"})", payload, secret_);
  EXPECT_TRUE(tokens_->VerifyAccessToken(token).ok());
}

TEST_F(TokenServiceTest, RejectsMalformedTokens) {
  const std::string good = tokens_->IssueAccessToken(SampleAccess());
  for (const std::string& bad :
       {std::string(""), std::string("null"), std::string("a.b"), good + ".x", std::string("..")}) {
    auto r = tokens_->VerifyAccessToken(bad);
    ASSERT_FALSE(r.ok()) << bad;
    ExpectInvalidSession(r.status());
  }
}

TEST_F(TokenServiceTest, RejectsASignedPayloadWithMissingOrNonIntegerClaims) {
  const std::string header = R"({"alg":"HS256","kid":")" + kKid + R"(","typ":"JWT"})";
  json payload = DecodePayload(tokens_->IssueAccessToken(SampleAccess()));
  json float_exp = payload;
  float_exp["exp"] = 1.7e9 + 1800.5;
  json no_sub = payload;
  no_sub.erase("sub");
  for (const json& p : {float_exp, no_sub}) {
    auto r = tokens_->VerifyAccessToken(SignByHand(header, p.dump(), secret_));
    ASSERT_FALSE(r.ok()) << p.dump();
    EXPECT_EQ(r.status().message(), "invalid session: missing token claims");
  }
}

TEST_F(TokenServiceTest, RefreshTokenIsNotAnAccessToken) {
  auto r = tokens_->VerifyAccessToken(tokens_->IssueRefreshToken(SampleRefresh()));
  ASSERT_FALSE(r.ok());
  ExpectInvalidSession(r.status());
  EXPECT_EQ(r.status().message(), "invalid session: incorrect token type");
}

TEST_F(TokenServiceTest, AccessTokenIsNotARefreshToken) {
  auto r = tokens_->VerifyRefreshToken(tokens_->IssueAccessToken(SampleAccess()));
  ASSERT_FALSE(r.ok());
  ExpectInvalidSession(r.status());
  EXPECT_EQ(r.status().message(), "invalid refresh token: incorrect token type");
}

TEST_F(TokenServiceTest, TokensOfTheOldKeyStillVerifyAfterRotation) {
  const std::string old_token = tokens_->IssueAccessToken(SampleAccess());
  const std::string old_refresh = tokens_->IssueRefreshToken(SampleRefresh());
  ring_->Add("65536f0a1b2c3d4e5f609999", std::vector<uint8_t>(32, 0x77));
  ring_->SetActive("65536f0a1b2c3d4e5f609999");
  const std::string new_token = tokens_->IssueAccessToken(SampleAccess());

  EXPECT_EQ(crypto::Base64UrlDecode(Split(new_token).header),
            R"({"alg":"HS256","kid":"65536f0a1b2c3d4e5f609999","typ":"JWT"})");
  EXPECT_NE(Split(new_token).signature, Split(old_token).signature);
  EXPECT_TRUE(tokens_->VerifyAccessToken(old_token).ok());
  EXPECT_TRUE(tokens_->VerifyRefreshToken(old_refresh).ok());
  EXPECT_TRUE(tokens_->VerifyAccessToken(new_token).ok());
}

TEST_F(TokenServiceTest, ATokenOfARemovedKeyNoLongerVerifies) {
  const std::string token = tokens_->IssueAccessToken(SampleAccess());
  auto other_ring = std::make_shared<KeyRing>();
  other_ring->Add("65536f0a1b2c3d4e5f609999", std::vector<uint8_t>(32, 0x77));
  TokenService other(other_ring, clock_);
  auto r = other.VerifyAccessToken(token);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "invalid session: unknown token header");
}

TEST_F(TokenServiceTest, ReplacedKeysApplyAtOnceEvenToCachedTokens) {
  const std::string old_token = tokens_->IssueAccessToken(SampleAccess());
  ASSERT_TRUE(tokens_->VerifyAccessToken(old_token).ok());  // now cached
  // A rotation: the old key verifies, the new one signs from its time on.
  auto rotated = std::make_shared<KeyRing>();
  rotated->Add(kKid, secret_, 0);
  rotated->Add("65536f0a1b2c3d4e5f609999", std::vector<uint8_t>(32, 0x77), kNow + 5);
  tokens_->ReplaceKeys(rotated);
  EXPECT_TRUE(tokens_->VerifyAccessToken(old_token).ok());
  EXPECT_EQ(Split(tokens_->IssueAccessToken(SampleAccess())).header, Split(old_token).header) << "not yet";
  clock_.Advance(5);
  const std::string new_token = tokens_->IssueAccessToken(SampleAccess());
  EXPECT_EQ(crypto::Base64UrlDecode(Split(new_token).header),
            R"({"alg":"HS256","kid":"65536f0a1b2c3d4e5f609999","typ":"JWT"})");
  // The old key retired: its tokens fail, the cached one too.
  auto retired = std::make_shared<KeyRing>();
  retired->Add("65536f0a1b2c3d4e5f609999", std::vector<uint8_t>(32, 0x77), kNow + 5);
  tokens_->ReplaceKeys(retired);
  auto r = tokens_->VerifyAccessToken(old_token);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "invalid session: unknown token header");
  EXPECT_TRUE(tokens_->VerifyAccessToken(new_token).ok());
  EXPECT_TRUE(SameKeys(*retired, *tokens_->keys()));
  EXPECT_FALSE(SameKeys(*rotated, *tokens_->keys()));
}

TEST(KeyRingTest, TheKeyThatSignsIsTheLatestWhoseTimeHasCome) {
  KeyRing ring;
  ring.Add("aa", std::vector<uint8_t>(32, 1), 100);
  ring.Add("bb", std::vector<uint8_t>(32, 2), 200);
  ring.Add("cc", std::vector<uint8_t>(32, 3), 200);
  EXPECT_EQ(ring.ActiveAt(50).kid, "aa") << "none has come: the earliest";
  EXPECT_EQ(ring.ActiveAt(100).kid, "aa");
  EXPECT_EQ(ring.ActiveAt(199).kid, "aa");
  EXPECT_EQ(ring.ActiveAt(200).kid, "bb") << "a tie: the first added";
  ring.SetActive("aa");
  EXPECT_EQ(ring.ActiveAt(201).kid, "aa");
  EXPECT_EQ(ring.kids(), (std::vector<std::string>{"aa", "bb", "cc"}));
}

// Verification reads the claims without a DOM; it must still accept any
// spelling of the same JSON object and reject what the DOM rejected.
TEST_F(TokenServiceTest, ReadsClaimsWhateverTheKeyOrderAndWhitespace) {
  const std::string header = R"({"alg":"HS256","kid":")" + kKid + R"(","typ":"JWT"})";
  const std::string payload =
      " {\n \"typ\" : \"access\", \"extra\": [1, {\"sub\": 5}], \"exp\": " + std::to_string(kNow + 60) +
      ",\t\"iat\":" + std::to_string(kNow) +
      R"(, "sub": "0000000000000000000000a1", "iss": "0000000000000000000000b2", )"
      R"("baas_domain_id": "0000000000000000000000c3", "baas_device_id": "0000000000000000000000d4" } )";
  auto claims = tokens_->VerifyAccessToken(SignByHand(header, payload, secret_));
  ASSERT_TRUE(claims.ok()) << claims.status().ToString();
  EXPECT_EQ(claims->user_id.ToHex(), "0000000000000000000000a1");
  EXPECT_EQ(claims->session_id.ToHex(), "0000000000000000000000b2");
  EXPECT_EQ(claims->expires_at, kNow + 60);
}

TEST_F(TokenServiceTest, OfDuplicateClaimsTheLastOneCounts) {
  const std::string header = R"({"alg":"HS256","kid":")" + kKid + R"(","typ":"JWT"})";
  json payload = DecodePayload(tokens_->IssueAccessToken(SampleAccess()));
  std::string text = payload.dump();
  text.insert(text.size() - 1, R"(,"sub":"0000000000000000000000ff")");
  auto claims = tokens_->VerifyAccessToken(SignByHand(header, text, secret_));
  ASSERT_TRUE(claims.ok()) << claims.status().ToString();
  EXPECT_EQ(claims->user_id.ToHex(), "0000000000000000000000ff");
  std::string bad = payload.dump();
  bad.insert(bad.size() - 1, R"(,"exp":"soon")");
  auto r = tokens_->VerifyAccessToken(SignByHand(header, bad, secret_));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "invalid session: missing token claims");
}

TEST_F(TokenServiceTest, RejectsASignedPayloadThatIsNotOneObject) {
  const std::string header = R"({"alg":"HS256","kid":")" + kKid + R"(","typ":"JWT"})";
  const std::string payload = DecodePayload(tokens_->IssueAccessToken(SampleAccess())).dump();
  for (const std::string& p : {"[" + payload + "]", payload + " {}", payload.substr(0, payload.size() - 1), std::string("42")}) {
    auto r = tokens_->VerifyAccessToken(SignByHand(header, p, secret_));
    ASSERT_FALSE(r.ok()) << p;
    EXPECT_EQ(r.status().message(), "invalid session: malformed token payload") << p;
  }
}

TEST_F(TokenServiceTest, ReadsTheRefreshIdentityWhateverTheKeyOrder) {
  const std::string header = R"({"alg":"HS256","kid":")" + kKid + R"(","typ":"JWT"})";
  json payload = DecodePayload(tokens_->IssueRefreshToken(SampleRefresh()));
  payload["baas_identity"] = {{"provider_id", "0000000000000000000000e6"}, {"x", {{"id", 1}}}, {"id", "i"}};
  auto claims = tokens_->VerifyRefreshToken(SignByHand(header, payload.dump(), secret_));
  ASSERT_TRUE(claims.ok()) << claims.status().ToString();
  EXPECT_EQ(claims->identity.id, "i");
  EXPECT_EQ(claims->identity.provider_type, "");
  EXPECT_EQ(claims->identity.provider_id.ToHex(), "0000000000000000000000e6");
  EXPECT_EQ(claims->secret, SampleRefresh().secret);
}

// Payloads near the form this service writes: the short path of claim
// reading (token_service.cc, ClaimReader::ParseSimple) takes some, nlohmann's
// parser the rest; both must answer as a JSON parser would.
TEST_F(TokenServiceTest, ClaimReadingAtTheEdgesOfTheShortPath) {
  const std::string header = R"({"alg":"HS256","kid":")" + kKid + R"(","typ":"JWT"})";
  const std::string ids = R"("sub":"0000000000000000000000a1","iss":"0000000000000000000000b2",)"
                          R"("baas_domain_id":"0000000000000000000000c3","baas_device_id":"0000000000000000000000d4",)";
  const std::string iat = R"("iat":)" + std::to_string(kNow) + ",";
  auto verify = [&](const std::string& payload) { return tokens_->VerifyAccessToken(SignByHand(header, payload, secret_)); };
  auto with_exp = [&](const std::string& exp) { return "{" + ids + iat + R"("exp":)" + exp + R"(,"typ":"access"})"; };
  struct Case {
    std::string payload;
    std::string error;  // empty: valid
    int64_t expires_at = 0;
  };
  const std::vector<Case> cases = {
      {with_exp(std::to_string(kNow + 60)), "", kNow + 60},
      {with_exp("999999999999999999"), "", 999999999999999999},            // 18 digits
      {with_exp("1999999999999999999"), "", 1999999999999999999},          // 19: the full parser
      {with_exp("99999999999999999999"), "invalid session: missing token claims"},  // beyond int64
      {with_exp("0" + std::to_string(kNow + 60)), "invalid session: malformed token payload"},
      {with_exp(std::to_string(kNow + 60) + ".0"), "invalid session: missing token claims"},
      {with_exp(std::to_string(kNow + 60) + "e0"), "invalid session: missing token claims"},
      {with_exp("-5"), "invalid session: access token expired"},
      {with_exp("-"), "invalid session: malformed token payload"},
      {with_exp("-0"), "invalid session: access token expired"},
      {with_exp(R"("soon")"), "invalid session: missing token claims"},
      {with_exp("{}"), "invalid session: missing token claims"},
      {with_exp(R"({"a":{"b":1}})"), "invalid session: missing token claims"},  // nested twice
      {"{" + ids + iat + R"("exp":)" + std::to_string(kNow + 60) + R"(,"typ":"acc\u0065ss"})", "", kNow + 60},
      {"{" + ids + iat + R"("exp":)" + std::to_string(kNow + 60) + R"(,"typ":"access","x":"caf)" "\xc3\xa9" R"("})", "",
       kNow + 60},
      {"{" + ids + iat + R"("exp":)" + std::to_string(kNow + 60) + R"(,"typ":"access","x":"\xff"})",
       "invalid session: malformed token payload"},  // not UTF-8
      {"{" + ids + iat + R"("exp":)" + std::to_string(kNow + 60) + ",\"typ\":\"access\",\"x\":\"a\tb\"}",
       "invalid session: malformed token payload"},  // a raw control character
      {with_exp(std::to_string(kNow + 60)) + "x", "invalid session: malformed token payload"},
      {with_exp(std::to_string(kNow + 60)) + " ", "", kNow + 60},
      {with_exp(std::to_string(kNow + 60)).substr(1), "invalid session: malformed token payload"},
      {"{}", "invalid session: incorrect token type"},
      {"{" + ids + iat + R"("exp":)" + std::to_string(kNow + 60) + R"(,"typ":"access)", "invalid session: malformed token payload"},
      {"{" + ids + iat + R"("exp":)" + std::to_string(kNow + 60) + R"(,"typ":"access",})", "invalid session: malformed token payload"},
  };
  for (const Case& c : cases) {
    auto r = verify(c.payload);
    if (c.error.empty()) {
      ASSERT_TRUE(r.ok()) << c.payload << ": " << r.status().ToString();
      EXPECT_EQ(r->expires_at, c.expires_at) << c.payload;
      EXPECT_EQ(r->user_id.ToHex(), "0000000000000000000000a1") << c.payload;
    } else {
      ASSERT_FALSE(r.ok()) << c.payload;
      EXPECT_EQ(r.status().message(), c.error) << c.payload;
    }
  }
}

TEST_F(TokenServiceTest, RefreshIdentityThroughEitherPath) {
  RefreshClaims in = SampleRefresh();
  for (const std::string& id : {std::string("plain-ascii id"), std::string("caf\xc3\xa9"), std::string("tab\there"),
                                std::string(""), std::string(300, 'x')}) {
    in.identity.id = id;
    auto claims = tokens_->VerifyRefreshToken(tokens_->IssueRefreshToken(in));
    ASSERT_TRUE(claims.ok()) << claims.status().ToString();
    EXPECT_EQ(claims->identity.id, id);
    EXPECT_EQ(claims->identity.provider_type, "anon-user");
    EXPECT_EQ(claims->identity.provider_id.ToHex(), "0000000000000000000000e5");
    EXPECT_EQ(claims->secret, in.secret);
    EXPECT_EQ(claims->session_id.ToHex(), "0000000000000000000000b2");
  }
}

// The verified-token cache (verified_cache.h) must answer exactly as a full
// verification would.
TEST_F(TokenServiceTest, ACachedAccessTokenStillExpires) {
  const std::string token = tokens_->IssueAccessToken(SampleAccess());
  ASSERT_TRUE(tokens_->VerifyAccessToken(token).ok());
  clock_.Advance(kAccessTokenTtlSeconds - 1);
  auto again = tokens_->VerifyAccessToken(token);  // a hit
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->user_id.ToHex(), "0000000000000000000000a1");
  EXPECT_EQ(again->expires_at, kNow + kAccessTokenTtlSeconds);
  clock_.Advance(1);
  auto expired = tokens_->VerifyAccessToken(token);
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.status().message(), "invalid session: access token expired");
}

TEST_F(TokenServiceTest, ACachedTokenDoesNotVouchForAnAlteredOne) {
  const std::string token = tokens_->IssueAccessToken(SampleAccess());
  ASSERT_TRUE(tokens_->VerifyAccessToken(token).ok());
  // Every single-character change, whether it keeps the signature's last
  // characters (the cache's slot) or not, is verified in full and refused.
  for (size_t i = 0; i < token.size(); ++i) {
    if (token[i] == '.') continue;
    std::string altered = token;
    altered[i] = token[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(tokens_->VerifyAccessToken(altered).ok()) << i;
  }
  EXPECT_FALSE(tokens_->VerifyAccessToken(token + "x").ok());
  EXPECT_FALSE(tokens_->VerifyAccessToken(token.substr(0, token.size() - 1)).ok());
  EXPECT_TRUE(tokens_->VerifyAccessToken(token).ok());
}

TEST_F(TokenServiceTest, AnEmptyTokenIsMalformedNotACacheHit) {
  for (int i = 0; i < 2; ++i) {
    auto r = tokens_->VerifyAccessToken("");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().message(), "invalid session: malformed token");
  }
}

TEST_F(TokenServiceTest, AnotherServicesCacheDoesNotAcceptOurTokens) {
  auto other_ring = std::make_shared<KeyRing>();
  other_ring->Add(kKid, std::vector<uint8_t>(32, 0x33));
  TokenService other(other_ring, clock_);
  const std::string token = tokens_->IssueAccessToken(SampleAccess());
  ASSERT_TRUE(tokens_->VerifyAccessToken(token).ok());
  EXPECT_FALSE(other.VerifyAccessToken(token).ok());
}

TEST_F(TokenServiceTest, ManyTokensThroughASmallCache) {
  TokenService small(ring_, clock_, /*access_cache_slots=*/4);
  TokenService none(ring_, clock_, /*access_cache_slots=*/0);
  std::vector<std::string> issued;
  for (int i = 0; i < 64; ++i) {
    AccessClaims c = SampleAccess();
    c.issued_at = kNow - i;  // distinct tokens
    issued.push_back(small.IssueAccessToken(c));
  }
  for (int round = 0; round < 3; ++round) {
    for (size_t i = 0; i < issued.size(); ++i) {
      auto a = small.VerifyAccessToken(issued[i]);
      auto b = none.VerifyAccessToken(issued[i]);
      ASSERT_TRUE(a.ok() && b.ok()) << i;
      EXPECT_EQ(a->issued_at, kNow - static_cast<int64_t>(i));
      EXPECT_EQ(a->issued_at, b->issued_at);
    }
  }
}

}  // namespace
}  // namespace guestpass::token
