// custom_token_test.cc: the Custom JWT provider: config parsing, HS256 and
// RS256 (PEM and JWK URI) verification, algorithm confusion, time, audience,
// issuer and subject claims, metadata mapping, the provider's ValidateConfig,
// and the JWK Set cache against a small Beast HTTP server on 127.0.0.1.
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "auth/providers/custom_token/config.h"
#include "auth/providers/custom_token/custom_token_provider.h"
#include "auth/providers/custom_token/jwk_cache.h"
#include "auth/providers/custom_token/jwk_set.h"
#include "auth/providers/custom_token/verifier.h"
#include "core/clock.h"
#include "crypto/digest.h"
#include "crypto/encoding.h"

namespace guestpass::auth::custom_token {
namespace {

using core::Code;
using core::ErrorCode;
using core::Result;
using nlohmann::json;
namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

constexpr int64_t kNow = 1'700'000'000;
const std::string kSecret = "a-shared-secret-of-at-least-32-bytes!";
const std::string kOtherSecret = "another-shared-secret-32-bytes-long!!";

// ---- Signing helpers (what an external issuer does) ----

struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

std::string B64(std::string_view text) { return crypto::Base64UrlEncode(text); }

std::string SignHs256(const json& header, const json& payload, const std::string& secret) {
  std::string token = B64(header.dump()) + "." + B64(payload.dump());
  crypto::HmacSha256Key key(std::vector<uint8_t>(secret.begin(), secret.end()));
  return token + "." + crypto::Base64UrlEncode(key.Compute(token));
}

std::string SignRs256(const json& header, const json& payload, EVP_PKEY* key) {
  std::string token = B64(header.dump()) + "." + B64(payload.dump());
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  size_t length = 0;
  EXPECT_EQ(EVP_DigestSignInit_ex(ctx, nullptr, "SHA256", nullptr, nullptr, key, nullptr), 1);
  EXPECT_EQ(EVP_DigestSign(ctx, nullptr, &length, reinterpret_cast<const unsigned char*>(token.data()), token.size()),
            1);
  std::vector<uint8_t> signature(length);
  EXPECT_EQ(EVP_DigestSign(ctx, signature.data(), &length, reinterpret_cast<const unsigned char*>(token.data()),
                           token.size()),
            1);
  EVP_MD_CTX_free(ctx);
  signature.resize(length);
  return token + "." + crypto::Base64UrlEncode(signature);
}

PkeyPtr GenerateRsa(unsigned bits) { return PkeyPtr(EVP_RSA_gen(bits)); }

// Two RSA-2048 key pairs, generated once for the whole binary (keygen is slow).
EVP_PKEY* TestKey() {
  static PkeyPtr key = GenerateRsa(2048);
  return key.get();
}
EVP_PKEY* RotatedKey() {
  static PkeyPtr key = GenerateRsa(2048);
  return key.get();
}

// "-----BEGIN PUBLIC KEY-----" (structure "SubjectPublicKeyInfo") or
// "-----BEGIN RSA PUBLIC KEY-----" (structure "type-specific", PKCS#1).
std::string PublicPem(EVP_PKEY* key, const char* structure = "SubjectPublicKeyInfo") {
  OSSL_ENCODER_CTX* ctx = OSSL_ENCODER_CTX_new_for_pkey(key, EVP_PKEY_PUBLIC_KEY, "PEM", structure, nullptr);
  unsigned char* data = nullptr;
  size_t length = 0;
  EXPECT_EQ(OSSL_ENCODER_to_data(ctx, &data, &length), 1);
  std::string pem(reinterpret_cast<char*>(data), length);
  OPENSSL_free(data);
  OSSL_ENCODER_CTX_free(ctx);
  return pem;
}

std::string BigNumParam(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  EXPECT_EQ(EVP_PKEY_get_bn_param(key, name, &bn), 1);
  std::vector<uint8_t> bytes(BN_num_bytes(bn));
  BN_bn2bin(bn, bytes.data());
  BN_free(bn);
  return crypto::Base64UrlEncode(bytes);
}

json Jwk(EVP_PKEY* key, const std::string& kid) {
  return {{"kty", "RSA"},
          {"use", "sig"},
          {"alg", "RS256"},
          {"kid", kid},
          {"n", BigNumParam(key, OSSL_PKEY_PARAM_RSA_N)},
          {"e", BigNumParam(key, OSSL_PKEY_PARAM_RSA_E)}};
}

json Claims(json extra = json::object()) {
  json claims = {{"sub", "user-123"}, {"exp", kNow + 3600}, {"iat", kNow}};
  if (!extra.is_null()) claims.update(extra);
  return claims;
}

const json kHs256Header = {{"alg", "HS256"}, {"typ", "JWT"}};
const json kRs256Header = {{"alg", "RS256"}, {"typ", "JWT"}};

CustomTokenConfig MustParse(const json& config, const json& metadata = json::array()) {
  auto parsed = ParseConfig(config.dump(), metadata.dump());
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  return parsed.ok() ? std::move(*parsed) : CustomTokenConfig{};
}

CustomTokenConfig Hs256Config(json extra = json::object(), const json& metadata = json::array()) {
  json config = {{"signingAlgorithm", "HS256"}, {"signingKeys", json::array({kSecret})}};
  if (!extra.is_null()) config.update(extra);
  return MustParse(config, metadata);
}

// ---- A JWK Set server: one request per connection, counts requests ----

class JwksServer {
 public:
  JwksServer() : acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { Serve(); });
  }
  ~JwksServer() { Stop(); }

  void SetKeys(const std::vector<json>& keys) {
    std::lock_guard lock(mutex_);
    body_ = json{{"keys", json(keys)}}.dump();
  }
  void SetStatus(beast::http::status status) {
    std::lock_guard lock(mutex_);
    status_ = status;
  }
  int requests() const { return requests_.load(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/.well-known/jwks.json"; }

  // Stops accepting and closes the port; later fetches are refused.
  void Stop() {
    if (stopping_.exchange(true)) return;
    asio::io_context wake_ioc;
    tcp::socket wake(wake_ioc);
    boost::system::error_code ec;
    wake.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);  // unblocks accept()
    thread_.join();
    acceptor_.close(ec);
  }

 private:
  void Serve() {
    for (;;) {
      tcp::socket socket(ioc_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec || stopping_) return;
      beast::flat_buffer buffer;
      beast::http::request<beast::http::string_body> request;
      beast::http::read(socket, buffer, request, ec);
      if (ec) continue;
      ++requests_;
      beast::http::response<beast::http::string_body> response;
      {
        std::lock_guard lock(mutex_);
        response.result(status_);
        response.body() = body_;
      }
      response.version(request.version());
      response.set(beast::http::field::content_type, "application/json");
      response.keep_alive(false);
      response.prepare_payload();
      beast::http::write(socket, response, ec);
      socket.shutdown(tcp::socket::shutdown_both, ec);
    }
  }

  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  std::mutex mutex_;
  std::string body_ = R"({"keys":[]})";
  beast::http::status status_ = beast::http::status::ok;
  std::atomic<int> requests_{0};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

// ---- Fixture ----

class CustomTokenTest : public ::testing::Test {
 protected:
  // Runs Verify and waits for its callback (which may come from the JwkCache thread).
  Result<VerifiedToken> Verify(const CustomTokenConfig& config, const std::string& token) {
    auto promise = std::make_shared<std::promise<Result<VerifiedToken>>>();
    auto future = promise->get_future();
    verifier_.Verify(config, token, [promise](Result<VerifiedToken> result) { promise->set_value(std::move(result)); });
    if (future.wait_for(std::chrono::seconds(15)) != std::future_status::ready) {
      ADD_FAILURE() << "Verify never called back";
      return core::Status::Internal("timeout");
    }
    return future.get();
  }

  // Expects a PermissionDenied(InvalidParameter) whose message contains `words`.
  void ExpectDenied(const Result<VerifiedToken>& result, const std::string& words) {
    ASSERT_FALSE(result.ok()) << "token was accepted";
    EXPECT_EQ(result.status().code(), Code::kPermissionDenied) << result.status().ToString();
    EXPECT_EQ(result.status().error_code(), ErrorCode::kInvalidParameter);
    EXPECT_NE(result.status().message().find(words), std::string::npos) << result.status().message();
  }

  void ExpectMalformed(const Result<VerifiedToken>& result) {
    ASSERT_FALSE(result.ok()) << "token was accepted";
    EXPECT_EQ(result.status().code(), Code::kInvalidArgument) << result.status().ToString();
    EXPECT_EQ(result.status().error_code(), ErrorCode::kInvalidParameter);
  }

  core::ManualClock clock_{kNow};
  JwkCache jwks_{600, 30, &clock_};
  Verifier verifier_{clock_, jwks_};
};

// ---- HS256 ----

TEST_F(CustomTokenTest, ValidHs256TokenGivesSubjectAndMappedData) {
  const auto config = Hs256Config({}, json::array({{{"required", true}, {"name", "name"}}}));
  auto result = Verify(config, SignHs256(kHs256Header, Claims({{"name", "Ada"}}), kSecret));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->subject, "user-123");
  EXPECT_EQ(json::parse(result->data_json), json({{"name", "Ada"}}));
}

TEST_F(CustomTokenTest, DataIsAnEmptyObjectWithoutMetadataFields) {
  auto result = Verify(Hs256Config(), SignHs256(kHs256Header, Claims({{"name", "Ada"}}), kSecret));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->data_json, "{}");
}

TEST_F(CustomTokenTest, TokenSignedWithAnotherSecretIsRejected) {
  ExpectDenied(Verify(Hs256Config(), SignHs256(kHs256Header, Claims(), kOtherSecret)), "signature is invalid");
}

TEST_F(CustomTokenTest, SecondOfTwoConfiguredSecretsIsAccepted) {
  const auto config = Hs256Config({{"signingKeys", {kOtherSecret, kSecret}}});
  auto result = Verify(config, SignHs256(kHs256Header, Claims(), kSecret));
  EXPECT_TRUE(result.ok()) << result.status().ToString();
}

TEST_F(CustomTokenTest, TamperedPayloadIsRejected) {
  const std::string token = SignHs256(kHs256Header, Claims(), kSecret);
  const size_t dot1 = token.find('.');
  const size_t dot2 = token.find('.', dot1 + 1);
  const std::string forged = token.substr(0, dot1 + 1) + B64(Claims({{"sub", "admin"}}).dump()) + token.substr(dot2);
  ASSERT_TRUE(Verify(Hs256Config(), token).ok());
  ExpectDenied(Verify(Hs256Config(), forged), "signature is invalid");
}

TEST_F(CustomTokenTest, AlgNoneIsRejected) {
  const std::string token = B64(json{{"alg", "none"}}.dump()) + "." + B64(Claims().dump()) + ".";
  ExpectDenied(Verify(Hs256Config(), token), "algorithm");
}

TEST_F(CustomTokenTest, AlgorithmNameMustMatchExactly) {
  // Same bytes, same secret: only the header's spelling differs.
  ExpectDenied(Verify(Hs256Config(), SignHs256({{"alg", "hs256"}}, Claims(), kSecret)), "algorithm");
  ExpectDenied(Verify(Hs256Config(), SignHs256({{"alg", "HS512"}}, Claims(), kSecret)), "algorithm");
}

TEST_F(CustomTokenTest, Rs256TokenIsRejectedByAnHs256Provider) {
  ExpectDenied(Verify(Hs256Config(), SignRs256(kRs256Header, Claims(), TestKey())), "algorithm");
}

TEST_F(CustomTokenTest, CritHeaderIsRejected) {
  json header = kHs256Header;
  header["crit"] = {"exp"};
  ExpectDenied(Verify(Hs256Config(), SignHs256(header, Claims(), kSecret)), "crit");
}

TEST_F(CustomTokenTest, StructurallyBrokenTokensAreInvalidArguments) {
  const std::string good = SignHs256(kHs256Header, Claims(), kSecret);
  ASSERT_TRUE(Verify(Hs256Config(), good).ok());
  ExpectMalformed(Verify(Hs256Config(), ""));
  ExpectMalformed(Verify(Hs256Config(), "abc.def"));
  ExpectMalformed(Verify(Hs256Config(), good + ".extra"));
  ExpectMalformed(Verify(Hs256Config(), good + "="));                                      // padding
  ExpectMalformed(Verify(Hs256Config(), "!!!." + good.substr(good.find('.') + 1)));        // header not base64url
  ExpectMalformed(Verify(Hs256Config(), B64("not json") + good.substr(good.find('.'))));   // header not JSON
  ExpectMalformed(Verify(Hs256Config(), SignHs256({{"typ", "JWT"}}, Claims(), kSecret)));  // no alg
  ExpectMalformed(Verify(Hs256Config(), B64(kHs256Header.dump()) + "." + B64("[1]") + ".c2ln"));
  ExpectMalformed(Verify(Hs256Config(), std::string(kMaxTokenLength + 1, 'a')));
}

// ---- RS256 ----

TEST_F(CustomTokenTest, Rs256TokenVerifiesWithASubjectPublicKeyInfoPem) {
  const auto config = MustParse({{"signingAlgorithm", "RS256"}, {"signingKeys", json::array({PublicPem(TestKey())})}});
  auto result = Verify(config, SignRs256(kRs256Header, Claims(), TestKey()));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->subject, "user-123");
}

TEST_F(CustomTokenTest, Rs256TokenVerifiesWithAPkcs1RsaPublicKeyPem) {
  const std::string pem = PublicPem(TestKey(), "type-specific");
  ASSERT_NE(pem.find("-----BEGIN RSA PUBLIC KEY-----"), std::string::npos) << pem;
  const auto config = MustParse({{"signingAlgorithm", "RS256"}, {"signingKeys", json::array({pem})}});
  auto result = Verify(config, SignRs256(kRs256Header, Claims(), TestKey()));
  EXPECT_TRUE(result.ok()) << result.status().ToString();
}

TEST_F(CustomTokenTest, Rs256TokenSignedByAnotherKeyIsRejected) {
  const auto config = MustParse({{"signingAlgorithm", "RS256"}, {"signingKeys", json::array({PublicPem(TestKey())})}});
  ExpectDenied(Verify(config, SignRs256(kRs256Header, Claims(), RotatedKey())), "signature is invalid");
}

TEST_F(CustomTokenTest, Rs256TriesEveryConfiguredPemKey) {
  const auto config =
      MustParse({{"signingAlgorithm", "RS256"}, {"signingKeys", {PublicPem(RotatedKey()), PublicPem(TestKey())}}});
  EXPECT_TRUE(Verify(config, SignRs256(kRs256Header, Claims(), TestKey())).ok());
}

TEST_F(CustomTokenTest, HandBuiltRs256ConfigWithoutParsedKeysStillVerifies) {
  CustomTokenConfig config;
  config.signing_algorithm = "RS256";
  config.signing_keys = {PublicPem(TestKey())};
  EXPECT_TRUE(Verify(config, SignRs256(kRs256Header, Claims(), TestKey())).ok());
  ExpectDenied(Verify(config, SignRs256(kRs256Header, Claims(), RotatedKey())), "signature is invalid");
}

TEST_F(CustomTokenTest, HmacSignedWithThePublicKeyPemIsRejectedByAnRs256Provider) {
  // The classic confusion attack: the public key is public, so an attacker can
  // HMAC with its PEM text and hope the server treats it as an HS256 secret.
  const std::string pem = PublicPem(TestKey());
  const std::string forged = SignHs256(kHs256Header, Claims({{"sub", "admin"}}), pem);
  // The forgery is a perfectly good HS256 token for that "secret" ...
  ASSERT_TRUE(Verify(MustParse({{"signingAlgorithm", "HS256"}, {"signingKeys", json::array({pem})}}), forged).ok());
  // ... and the RS256 provider refuses it.
  const auto config = MustParse({{"signingAlgorithm", "RS256"}, {"signingKeys", json::array({pem})}});
  ExpectDenied(Verify(config, forged), "algorithm");
}

// ---- Time claims ----

TEST_F(CustomTokenTest, TokenIsRejectedOnceExpired) {
  const std::string token = SignHs256(kHs256Header, Claims({{"exp", kNow + 100}}), kSecret);
  ASSERT_TRUE(Verify(Hs256Config(), token).ok());
  clock_.Advance(99);
  ASSERT_TRUE(Verify(Hs256Config(), token).ok());
  clock_.Advance(1);  // now == exp
  ExpectDenied(Verify(Hs256Config(), token), "expired");
}

TEST_F(CustomTokenTest, ExpIsRequiredAndMustBeANumber) {
  json no_exp = Claims();
  no_exp.erase("exp");
  ExpectDenied(Verify(Hs256Config(), SignHs256(kHs256Header, no_exp, kSecret)), "exp");
  ExpectDenied(Verify(Hs256Config(), SignHs256(kHs256Header, Claims({{"exp", std::to_string(kNow + 600)}}), kSecret)),
               "exp");
  ExpectDenied(Verify(Hs256Config(), SignHs256(kHs256Header, Claims({{"exp", true}}), kSecret)), "exp");
  auto fractional = Verify(Hs256Config(), SignHs256(kHs256Header, Claims({{"exp", kNow + 0.5}}), kSecret));
  EXPECT_TRUE(fractional.ok()) << fractional.status().ToString();
}

TEST_F(CustomTokenTest, NotBeforeInTheFutureIsRejected) {
  ExpectDenied(Verify(Hs256Config(), SignHs256(kHs256Header, Claims({{"nbf", kNow + 1}}), kSecret)), "nbf");
  EXPECT_TRUE(Verify(Hs256Config(), SignHs256(kHs256Header, Claims({{"nbf", kNow}}), kSecret)).ok());
}

TEST_F(CustomTokenTest, IssuedAtIsAllowedSixtySecondsOfSkewButNoMore) {
  EXPECT_TRUE(Verify(Hs256Config(), SignHs256(kHs256Header, Claims({{"iat", kNow + 60}}), kSecret)).ok());
  ExpectDenied(Verify(Hs256Config(), SignHs256(kHs256Header, Claims({{"iat", kNow + 61}}), kSecret)), "iat");
  ExpectDenied(Verify(Hs256Config(), SignHs256(kHs256Header, Claims({{"iat", kNow + 86400}}), kSecret)), "iat");
}

// ---- Subject, audience, issuer ----

TEST_F(CustomTokenTest, SubjectMustBeANonEmptyString) {
  json no_sub = Claims();
  no_sub.erase("sub");
  ExpectDenied(Verify(Hs256Config(), SignHs256(kHs256Header, no_sub, kSecret)), "sub");
  ExpectDenied(Verify(Hs256Config(), SignHs256(kHs256Header, Claims({{"sub", ""}}), kSecret)), "sub");
  ExpectDenied(Verify(Hs256Config(), SignHs256(kHs256Header, Claims({{"sub", 42}}), kSecret)), "sub");
}

TEST_F(CustomTokenTest, AudienceMayBeAStringOrAnArrayInTheToken) {
  const auto config = Hs256Config({{"audience", json::array({"myapp-abcde"})}});
  EXPECT_TRUE(Verify(config, SignHs256(kHs256Header, Claims({{"aud", "myapp-abcde"}}), kSecret)).ok());
  EXPECT_TRUE(Verify(config, SignHs256(kHs256Header, Claims({{"aud", {"other", "myapp-abcde"}}}), kSecret)).ok());
  ExpectDenied(Verify(config, SignHs256(kHs256Header, Claims({{"aud", "other"}}), kSecret)), "audience");
  ExpectDenied(Verify(config, SignHs256(kHs256Header, Claims({{"aud", json::array({"other"})}}), kSecret)), "audience");
  ExpectDenied(Verify(config, SignHs256(kHs256Header, Claims(), kSecret)), "aud");
  ExpectDenied(Verify(config, SignHs256(kHs256Header, Claims({{"aud", 7}}), kSecret)), "aud");
}

TEST_F(CustomTokenTest, EveryConfiguredAudienceIsRequiredByDefault) {
  const auto config = Hs256Config({{"audience", {"a", "b"}}});
  EXPECT_TRUE(Verify(config, SignHs256(kHs256Header, Claims({{"aud", {"b", "a"}}}), kSecret)).ok());
  ExpectDenied(Verify(config, SignHs256(kHs256Header, Claims({{"aud", json::array({"a"})}}), kSecret)), "audience");
  ExpectDenied(Verify(config, SignHs256(kHs256Header, Claims({{"aud", "b"}}), kSecret)), "audience");
}

TEST_F(CustomTokenTest, RequireAnyAudienceAcceptsOneConfiguredAudience) {
  const auto config = Hs256Config({{"audience", {"a", "b"}}, {"requireAnyAudience", true}});
  EXPECT_TRUE(Verify(config, SignHs256(kHs256Header, Claims({{"aud", json::array({"a"})}}), kSecret)).ok());
  EXPECT_TRUE(Verify(config, SignHs256(kHs256Header, Claims({{"aud", "b"}}), kSecret)).ok());
  ExpectDenied(Verify(config, SignHs256(kHs256Header, Claims({{"aud", json::array({"c"})}}), kSecret)), "audience");
}

TEST_F(CustomTokenTest, AudienceIsNotCheckedWhenNoneIsConfigured) {
  EXPECT_TRUE(Verify(Hs256Config(), SignHs256(kHs256Header, Claims({{"aud", "anything"}}), kSecret)).ok());
}

TEST_F(CustomTokenTest, IssuerMustMatchWhenConfigured) {
  const auto config = Hs256Config({{"issuer", "https://issuer.example"}});
  EXPECT_TRUE(Verify(config, SignHs256(kHs256Header, Claims({{"iss", "https://issuer.example"}}), kSecret)).ok());
  ExpectDenied(Verify(config, SignHs256(kHs256Header, Claims({{"iss", "https://evil.example"}}), kSecret)), "issuer");
  ExpectDenied(Verify(config, SignHs256(kHs256Header, Claims(), kSecret)), "issuer");
  EXPECT_TRUE(Verify(Hs256Config(), SignHs256(kHs256Header, Claims({{"iss", "whoever"}}), kSecret)).ok());
}

// ---- Metadata fields ----

TEST_F(CustomTokenTest, MissingRequiredMetadataFieldIsRejectedByName) {
  const auto config = Hs256Config({}, json::array({{{"required", true}, {"name", "user.email"}}}));
  ExpectDenied(Verify(config, SignHs256(kHs256Header, Claims({{"user", {{"name", "Ada"}}}}), kSecret)),
               "\"user.email\"");
  ExpectDenied(Verify(config, SignHs256(kHs256Header, Claims({{"user", {{"email", nullptr}}}}), kSecret)),
               "\"user.email\"");
  EXPECT_TRUE(Verify(config, SignHs256(kHs256Header, Claims({{"user", {{"email", "a@b.c"}}}}), kSecret)).ok());
}

TEST_F(CustomTokenTest, MetadataFieldsMapDottedPathsAndSerializeNonStrings) {
  const json fields = json::array({
      {{"required", true}, {"name", "user.name"}},                       // field_name defaults to "name"
      {{"name", "user.profile.age"}, {"field_name", "age"}},             // number
      {{"name", "roles"}},                                               // array
      {{"name", "verified"}, {"field_name", "is_verified"}},             // bool
      {{"name", "org"}},                                                 // object
      {{"name", "https://example\\.com/tier"}, {"field_name", "tier"}},  // escaped dot
      {{"name", "missing.optional"}},                                    // absent, not required
  });
  const json claims = Claims({{"user", {{"name", "Ada"}, {"profile", {{"age", 36}}}}},
                              {"roles", {"admin", "dev"}},
                              {"verified", true},
                              {"org", {{"id", 7}}},
                              {"https://example.com/tier", "gold"}});
  auto result = Verify(Hs256Config({}, fields), SignHs256(kHs256Header, claims, kSecret));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(json::parse(result->data_json), json({{"name", "Ada"},
                                                  {"age", "36"},
                                                  {"roles", R"(["admin","dev"])"},
                                                  {"is_verified", "true"},
                                                  {"org", R"({"id":7})"},
                                                  {"tier", "gold"}}));
}

// ---- ParseConfig ----

TEST(ParseConfigTest, ReadsEveryField) {
  auto parsed = ParseConfig(R"({"signingAlgorithm":"HS256","signingKeys":["k1","k2"],"audience":"myapp",
                                "requireAnyAudience":"true","issuer":"iss","somethingElse":1})",
                            R"([{"required":true,"name":"a.b"},{"name":"c","field_name":"d"}])");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->signing_algorithm, "HS256");
  EXPECT_EQ(parsed->signing_keys, (std::vector<std::string>{"k1", "k2"}));
  EXPECT_EQ(parsed->audience, std::vector<std::string>{"myapp"});
  EXPECT_TRUE(parsed->require_any_audience);
  EXPECT_EQ(parsed->issuer, "iss");
  ASSERT_EQ(parsed->metadata_fields.size(), 2u);
  EXPECT_TRUE(parsed->metadata_fields[0].required);
  EXPECT_EQ(parsed->metadata_fields[0].field_name, "b");
  EXPECT_FALSE(parsed->metadata_fields[1].required);
  EXPECT_EQ(parsed->metadata_fields[1].field_name, "d");
}

TEST(ParseConfigTest, AcceptsAnRs256JwkUriWithoutKeysAndEmptyMetadata) {
  auto parsed = ParseConfig(
      R"({"signingAlgorithm":"RS256","useJWKURI":true,"jwkURI":"https://x.example/jwks","audience":[]})", "");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_TRUE(parsed->use_jwk_uri);
  EXPECT_EQ(parsed->jwk_uri, "https://x.example/jwks");
  EXPECT_TRUE(parsed->audience.empty());
  EXPECT_TRUE(parsed->metadata_fields.empty());
}

TEST(ParseConfigTest, SplitClaimPathHonoursEscapedDots) {
  EXPECT_EQ(SplitClaimPath("a.b"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(SplitClaimPath("https://x\\.com/r.v"), (std::vector<std::string>{"https://x.com/r", "v"}));
  EXPECT_TRUE(SplitClaimPath("").empty());
  EXPECT_TRUE(SplitClaimPath("a..b").empty());
  EXPECT_TRUE(SplitClaimPath("a.").empty());
}

struct BadConfig {
  const char* description;
  std::string config;
  std::string metadata;
  std::string field;  // must appear in the error message
};

void PrintTo(const BadConfig& bad, std::ostream* out) { *out << bad.description; }

// "RS256 key under 2048 bits" -> "Rs256KeyUnder2048Bits", a stable test name.
std::string TestName(const ::testing::TestParamInfo<BadConfig>& info) {
  std::string name;
  bool word_start = true;
  for (const char* c = info.param.description; *c != '\0'; ++c) {
    if (!std::isalnum(static_cast<unsigned char>(*c))) {
      word_start = true;
      continue;
    }
    name += word_start ? static_cast<char>(std::toupper(static_cast<unsigned char>(*c)))
                       : static_cast<char>(std::tolower(static_cast<unsigned char>(*c)));
    word_start = false;
  }
  return name;
}

class ParseConfigErrorTest : public ::testing::TestWithParam<BadConfig> {};

TEST_P(ParseConfigErrorTest, IsInvalidArgumentNamingTheField) {
  const BadConfig& bad = GetParam();
  auto parsed = ParseConfig(bad.config, bad.metadata);
  ASSERT_FALSE(parsed.ok()) << bad.description;
  EXPECT_EQ(parsed.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(parsed.status().error_code(), ErrorCode::kInvalidParameter);
  EXPECT_NE(parsed.status().message().find(bad.field), std::string::npos)
      << bad.description << ": " << parsed.status().message();
}

std::string SmallKeyPem() {
  static const std::string pem = PublicPem(GenerateRsa(1024).get());
  return pem;
}

std::vector<BadConfig> BadConfigs() {
  return {
      {"not JSON", "{", "[]", "config"},
      {"not an object", "[]", "[]", "config"},
      {"unknown algorithm", R"({"signingAlgorithm":"ES256","signingKeys":["k"]})", "[]", "signingAlgorithm"},
      {"none algorithm", R"({"signingAlgorithm":"none","signingKeys":["k"]})", "[]", "signingAlgorithm"},
      {"algorithm not a string", R"({"signingAlgorithm":256,"signingKeys":["k"]})", "[]", "signingAlgorithm"},
      {"no keys, no JWK URI", R"({"signingAlgorithm":"HS256"})", "[]", "signingKeys"},
      {"keys not an array", R"({"signingAlgorithm":"HS256","signingKeys":{"a":1}})", "[]", "signingKeys"},
      {"keys a single string", R"({"signingAlgorithm":"HS256","signingKeys":"k"})", "[]", "signingKeys"},
      {"empty key", R"({"signingAlgorithm":"HS256","signingKeys":[""]})", "[]", "signingKeys[0]"},
      {"RS256 key not PEM", R"({"signingAlgorithm":"RS256","signingKeys":["secret-not-a-pem"]})", "[]",
       "signingKeys[0]"},
      {"RS256 PEM garbage",
       R"({"signingAlgorithm":"RS256","signingKeys":["-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"]})",
       "[]", "signingKeys[0]"},
      {"RS256 key under 2048 bits",
       json{{"signingAlgorithm", "RS256"}, {"signingKeys", json::array({SmallKeyPem()})}}.dump(), "[]",
       "signingKeys[0]"},
      {"useJWKURI without jwkURI", R"({"signingAlgorithm":"RS256","useJWKURI":true})", "[]", "jwkURI"},
      {"jwkURI not http", R"({"signingAlgorithm":"RS256","useJWKURI":true,"jwkURI":"file:///etc/passwd"})", "[]",
       "jwkURI"},
      {"HS256 with useJWKURI", R"({"signingAlgorithm":"HS256","useJWKURI":true,"jwkURI":"https://x/jwks"})", "[]",
       "useJWKURI"},
      {"useJWKURI not a bool", R"({"signingAlgorithm":"RS256","useJWKURI":"yes","jwkURI":"https://x/jwks"})", "[]",
       "useJWKURI"},
      {"audience a number", R"({"signingKeys":["k"],"audience":5})", "[]", "audience"},
      {"audience item not a string", R"({"signingKeys":["k"],"audience":["a",1]})", "[]", "audience[1]"},
      {"requireAnyAudience not a bool", R"({"signingKeys":["k"],"requireAnyAudience":"maybe"})", "[]",
       "requireAnyAudience"},
      {"issuer not a string", R"({"signingKeys":["k"],"issuer":["a"]})", "[]", "issuer"},
      {"metadata not an array", R"({"signingKeys":["k"]})", "{}", "metadata_fields"},
      {"metadata item not an object", R"({"signingKeys":["k"]})", "[1]", "metadata_fields[0]"},
      {"metadata without name", R"({"signingKeys":["k"]})", R"([{"required":true}])", "metadata_fields[0].name"},
      {"metadata empty path segment", R"({"signingKeys":["k"]})", R"([{"name":"a..b"}])", "metadata_fields[0].name"},
      {"metadata required not a bool", R"({"signingKeys":["k"]})", R"([{"name":"a","required":3}])",
       "metadata_fields[0].required"},
      {"metadata field_name too long", R"({"signingKeys":["k"]})",
       R"([{"name":"a","field_name":")" + std::string(64, 'f') + R"("}])", "metadata_fields[0].field_name"},
  };
}

INSTANTIATE_TEST_SUITE_P(Malformed, ParseConfigErrorTest, ::testing::ValuesIn(BadConfigs()), TestName);

// ---- CustomTokenProvider::ValidateConfig ----

class CustomTokenProviderTest : public ::testing::Test {
 protected:
  static core::ProviderConfig WithConfig(std::string config_json, std::string metadata_fields_json = "[]") {
    core::ProviderConfig p;
    p.name = p.type = std::string(core::kCustomToken);
    p.config_json = std::move(config_json);
    p.metadata_fields_json = std::move(metadata_fields_json);
    return p;
  }

  core::ManualClock clock_{kNow};
  JwkCache jwks_{600, 30, &clock_};
  Verifier verifier_{clock_, jwks_};
  CustomTokenProvider provider_{verifier_};
};

TEST_F(CustomTokenProviderTest, IsTheCustomTokenType) { EXPECT_EQ(provider_.type(), "custom-token"); }

TEST_F(CustomTokenProviderTest, ValidateConfigAcceptsAConfigThatCanVerify) {
  EXPECT_TRUE(provider_.ValidateConfig(WithConfig(json{{"signingKeys", {kSecret}}}.dump())).ok());
  const core::Status jwk_uri = provider_.ValidateConfig(
      WithConfig(R"({"signingAlgorithm":"RS256","useJWKURI":true,"jwkURI":"https://x.example/jwks"})",
                 R"([{"required":true,"name":"user.name"}])"));
  EXPECT_TRUE(jwk_uri.ok()) << jwk_uri.ToString();
}

TEST_F(CustomTokenProviderTest, ValidateConfigNamesTheBadFieldOfConfigOrMetadata) {
  const core::Status no_keys = provider_.ValidateConfig(WithConfig(R"({"signingAlgorithm":"HS256"})"));
  EXPECT_EQ(no_keys.code(), Code::kInvalidArgument);
  EXPECT_EQ(no_keys.error_code(), ErrorCode::kInvalidParameter);
  EXPECT_EQ(no_keys.message().rfind("signingKeys ", 0), 0u) << no_keys.message();
  const core::Status metadata =
      provider_.ValidateConfig(WithConfig(json{{"signingKeys", {kSecret}}}.dump(), R"([{"name":"a..b"}])"));
  EXPECT_EQ(metadata.code(), Code::kInvalidArgument);
  EXPECT_EQ(metadata.message().rfind("metadata_fields[0].name ", 0), 0u) << metadata.message();
}

// ---- JwkSet ----

TEST(JwkSetTest, SkipsKeysThatAreNotRs256SigningKeys) {
  json ec = Jwk(TestKey(), "ec");
  ec["kty"] = "EC";
  json enc = Jwk(TestKey(), "enc");
  enc["use"] = "enc";
  json rs512 = Jwk(TestKey(), "rs512");
  rs512["alg"] = "RS512";
  json bad_n = Jwk(TestKey(), "bad-n");
  bad_n["n"] = "***";
  json no_use_no_alg = Jwk(TestKey(), "plain");
  no_use_no_alg.erase("use");
  no_use_no_alg.erase("alg");
  auto set = JwkSet::Parse(json{{"keys", {ec, enc, rs512, bad_n, Jwk(TestKey(), "good"), no_use_no_alg}}}.dump());
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  ASSERT_EQ((*set)->keys().size(), 2u);
  EXPECT_NE((*set)->Find("good"), nullptr);
  EXPECT_NE((*set)->Find("plain"), nullptr);
  EXPECT_EQ((*set)->Find("ec"), nullptr);
  EXPECT_EQ((*set)->Find("enc"), nullptr);
  EXPECT_EQ((*set)->Find("rs512"), nullptr);
}

TEST(JwkSetTest, RejectsDocumentsWithoutAKeysArray) {
  EXPECT_FALSE(JwkSet::Parse("not json").ok());
  EXPECT_FALSE(JwkSet::Parse(R"({"keys":{}})").ok());
  EXPECT_TRUE(JwkSet::Parse(R"({"keys":[]})").ok());
}

TEST(JwkSetTest, KeyBuiltFromNAndEVerifiesTheSignature) {
  auto set = JwkSet::Parse(json{{"keys", json::array({Jwk(TestKey(), "k")})}}.dump());
  ASSERT_TRUE(set.ok());
  const std::string token = SignRs256(kRs256Header, Claims(), TestKey());
  const size_t dot2 = token.rfind('.');
  const auto signature = crypto::Base64UrlDecode(token.substr(dot2 + 1)).value();
  EXPECT_TRUE((*set)->Find("k")->VerifyRs256(token.substr(0, dot2), signature));
  EXPECT_FALSE((*set)->Find("k")->VerifyRs256(token.substr(0, dot2) + "x", signature));
}

// ---- JWK URI ----

class CustomTokenJwkTest : public CustomTokenTest {
 protected:
  CustomTokenJwkTest() {
    server_.SetKeys({Jwk(TestKey(), "key-1")});
    config_ = MustParse({{"signingAlgorithm", "RS256"}, {"useJWKURI", true}, {"jwkURI", server_.url()}});
  }

  static json KidHeader(const std::string& kid) { return {{"alg", "RS256"}, {"typ", "JWT"}, {"kid", kid}}; }

  JwksServer server_;  // stopped before the base class's cache is destroyed
  CustomTokenConfig config_;
};

TEST_F(CustomTokenJwkTest, TokenVerifiesWithAKeyFromTheJwkUri) {
  auto result = Verify(config_, SignRs256(KidHeader("key-1"), Claims(), TestKey()));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->subject, "user-123");
  EXPECT_EQ(server_.requests(), 1);
}

TEST_F(CustomTokenJwkTest, TokenSignedByAnotherKeyWithAKnownKidIsRejected) {
  ExpectDenied(Verify(config_, SignRs256(KidHeader("key-1"), Claims(), RotatedKey())), "signature is invalid");
}

TEST_F(CustomTokenJwkTest, TokenWithoutKidTriesEveryKeyOfTheSet) {
  server_.SetKeys({Jwk(RotatedKey(), "key-0"), Jwk(TestKey(), "key-1")});
  EXPECT_TRUE(Verify(config_, SignRs256(kRs256Header, Claims(), TestKey())).ok());
}

TEST_F(CustomTokenJwkTest, SetIsFetchedOnceForTwoVerifications) {
  ASSERT_TRUE(Verify(config_, SignRs256(KidHeader("key-1"), Claims(), TestKey())).ok());
  ASSERT_TRUE(Verify(config_, SignRs256(KidHeader("key-1"), Claims({{"sub", "other"}}), TestKey())).ok());
  EXPECT_EQ(server_.requests(), 1);
}

TEST_F(CustomTokenJwkTest, SetIsRefetchedAfterItsTtl) {
  ASSERT_TRUE(Verify(config_, SignRs256(KidHeader("key-1"), Claims(), TestKey())).ok());
  clock_.Advance(599);
  ASSERT_TRUE(Verify(config_, SignRs256(KidHeader("key-1"), Claims(), TestKey())).ok());
  EXPECT_EQ(server_.requests(), 1);
  clock_.Advance(1);
  ASSERT_TRUE(Verify(config_, SignRs256(KidHeader("key-1"), Claims(), TestKey())).ok());
  EXPECT_EQ(server_.requests(), 2);
}

TEST_F(CustomTokenJwkTest, UnknownKidTriggersOneRefetchThatFindsTheRotatedKey) {
  ASSERT_TRUE(Verify(config_, SignRs256(KidHeader("key-1"), Claims(), TestKey())).ok());
  ASSERT_EQ(server_.requests(), 1);
  server_.SetKeys({Jwk(TestKey(), "key-1"), Jwk(RotatedKey(), "key-2")});
  clock_.Advance(31);  // past min_refresh_interval, well inside the TTL

  auto result = Verify(config_, SignRs256(KidHeader("key-2"), Claims(), RotatedKey()));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(server_.requests(), 2);

  // Within the minimum interval another unknown kid does not refetch.
  auto unknown = Verify(config_, SignRs256(KidHeader("key-3"), Claims(), RotatedKey()));
  ExpectDenied(unknown, "kid");
  EXPECT_EQ(server_.requests(), 2);
}

TEST_F(CustomTokenJwkTest, UnknownKidRightAfterTheFirstFetchDoesNotRefetch) {
  ASSERT_TRUE(Verify(config_, SignRs256(KidHeader("key-1"), Claims(), TestKey())).ok());
  server_.SetKeys({Jwk(RotatedKey(), "key-2")});
  ExpectDenied(Verify(config_, SignRs256(KidHeader("key-2"), Claims(), RotatedKey())), "kid");
  EXPECT_EQ(server_.requests(), 1);
}

TEST_F(CustomTokenJwkTest, UnreachableJwkUriIsUnavailableWithAClearMessage) {
  server_.Stop();
  auto result = Verify(config_, SignRs256(KidHeader("key-1"), Claims(), TestKey()));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), Code::kUnavailable) << result.status().ToString();
  EXPECT_NE(result.status().message().find("could not fetch the JWK Set from " + server_.url()), std::string::npos)
      << result.status().message();
}

TEST_F(CustomTokenJwkTest, FailedRefetchKeepsServingTheCachedSet) {
  ASSERT_TRUE(Verify(config_, SignRs256(KidHeader("key-1"), Claims(), TestKey())).ok());
  server_.Stop();
  clock_.Advance(600);  // expired: a refetch is attempted and fails
  auto result = Verify(config_, SignRs256(KidHeader("key-1"), Claims({{"exp", kNow + 6000}}), TestKey()));
  EXPECT_TRUE(result.ok()) << result.status().ToString();
}

TEST_F(CustomTokenJwkTest, HttpErrorStatusIsUnavailableNamingTheStatus) {
  server_.SetStatus(beast::http::status::not_found);
  auto result = Verify(config_, SignRs256(KidHeader("key-1"), Claims(), TestKey()));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), Code::kUnavailable);
  EXPECT_NE(result.status().message().find("HTTP status 404"), std::string::npos) << result.status().message();
}

TEST_F(CustomTokenJwkTest, ConcurrentRequestsShareOneFetch) {
  constexpr int kThreads = 8;
  std::vector<std::future<Result<VerifiedToken>>> results;
  const std::string token = SignRs256(KidHeader("key-1"), Claims(), TestKey());
  for (int i = 0; i < kThreads; ++i)
    results.push_back(std::async(std::launch::async, [&] { return Verify(config_, token); }));
  for (auto& result : results) EXPECT_TRUE(result.get().ok());
  EXPECT_EQ(server_.requests(), 1);
}

TEST(JwkCacheTest, DestroyingTheCacheFailsAPendingFetchWithUnavailable) {
  // A port that accepts connections (the kernel's backlog) but never answers.
  asio::io_context ioc;
  tcp::acceptor silent(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const std::string url = "http://127.0.0.1:" + std::to_string(silent.local_endpoint().port()) + "/jwks";
  std::promise<Result<std::shared_ptr<const JwkSet>>> promise;
  auto future = promise.get_future();
  const auto started = std::chrono::steady_clock::now();
  {
    JwkCache cache;
    cache.GetKeys(url, false,
                  [&promise](Result<std::shared_ptr<const JwkSet>> keys) { promise.set_value(std::move(keys)); });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(future.wait_for(std::chrono::seconds(0)), std::future_status::ready);
  auto keys = future.get();
  ASSERT_FALSE(keys.ok());
  EXPECT_EQ(keys.status().code(), Code::kUnavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(4500));  // aborted, not timed out
}

}  // namespace
}  // namespace guestpass::auth::custom_token
