// custom_jwt_fuzzer.cc: the Custom JWT provider's untrusted inputs
// (auth/providers/custom_token/): the token a client logs in with
// (Verifier: base64url, header, payload, claims, metadata mapping), the
// provider's configuration (ParseConfig, SplitClaimPath) and a fetched JWK
// Set (JwkSet::Parse).
// Input: a mode character, then its bytes.
//   mode '0' (and any byte = 0 mod 3): the token itself, verified against
//     an HS256 and an RS256 provider;
//   mode '1': a header JSON line, then the payload JSON, signed with the
//     HS256 provider's secret, so the claim checks and the metadata mapping
//     run: verified against a plain provider and one with audiences, an
//     issuer and metadata fields;
//   mode '2': a config JSON line, then metadata_fields JSON (ParseConfig),
//     the whole as a JWK Set and as a claim path.
// Properties: the verifier answers every token exactly once, at once (no JWK
// URI here), with a verified subject or InvalidArgument/PermissionDenied
// (never Internal: the configs are valid); a verified token has a non-empty
// subject and its user data is a JSON object in valid UTF-8. Config and JWK
// Set errors are InvalidArgument.
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>

#include "auth/providers/custom_token/config.h"
#include "auth/providers/custom_token/jwk_set.h"
#include "auth/providers/custom_token/verifier.h"
#include "core/clock.h"
#include "crypto/digest.h"
#include "crypto/encoding.h"
#include "fuzz_check.h"

namespace {

namespace ct = guestpass::auth::custom_token;
using guestpass::core::Code;

constexpr char kSecret[] = "a-custom-jwt-secret-of-32-bytes!";

// A fresh RSA public key as PEM: the RS256 provider's (tokens here never
// carry its signature; the point is the path up to the RSA check).
std::string RsaPublicPem() {
  EVP_PKEY* key = EVP_RSA_gen(2048);
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, key);
  char* text = nullptr;
  const long n = BIO_get_mem_data(bio, &text);
  std::string pem(text, static_cast<size_t>(n));
  BIO_free(bio);
  EVP_PKEY_free(key);
  return pem;
}

ct::CustomTokenConfig MustParse(const std::string& config, const std::string& fields) {
  auto parsed = ct::ParseConfig(config, fields);
  if (!parsed.ok()) guestpass::fuzz::Fail("fixed config does not parse", __FILE__, __LINE__, parsed.status().ToString());
  return *parsed;
}

struct Fixture {
  guestpass::core::ManualClock clock{1'700'000'000};
  ct::JwkCache jwks{600, 30, &clock};  // never asked: no config here uses a JWK URI
  ct::Verifier verifier{clock, jwks};
  guestpass::crypto::HmacSha256Key hmac{std::vector<uint8_t>(kSecret, kSecret + sizeof kSecret - 1)};
  ct::CustomTokenConfig hs256 = MustParse(R"({"signingAlgorithm":"HS256","signingKeys":[")" + std::string(kSecret) +
                                              R"("]})",
                                          "");
  ct::CustomTokenConfig hs256_checked =
      MustParse(R"({"signingAlgorithm":"HS256","signingKeys":["other-secret",")" + std::string(kSecret) +
                    R"("],"audience":["app-1","app-2"],"requireAnyAudience":false,"issuer":"https://issuer.example"})",
                R"([{"name":"email","required":true},{"name":"user.name","field_name":"name"},)"
                R"({"name":"https://example\\.com/roles"},{"name":"a.b.c.d","field_name":"deep"}])");
  ct::CustomTokenConfig rs256 = MustParse(
      nlohmann::json({{"signingAlgorithm", "RS256"}, {"signingKeys", {RsaPublicPem()}}, {"audience", "app-1"}}).dump(),
      "[]");
};

Fixture& Get() {
  static Fixture* fixture = new Fixture();  // never destroyed: libFuzzer may exit from any thread
  return *fixture;
}

void Verify(const ct::CustomTokenConfig& config, std::string token) {
  int calls = 0;
  guestpass::core::Result<ct::VerifiedToken> answer = guestpass::core::Status::Internal("not answered");
  const std::string shown = token.substr(0, 4000);
  Get().verifier.Verify(config, std::move(token), [&](guestpass::core::Result<ct::VerifiedToken> r) {
    ++calls;
    answer = std::move(r);
  });
  FUZZ_CHECK(calls == 1, shown);
  if (!answer.ok()) {
    const Code code = answer.status().code();
    FUZZ_CHECK(code == Code::kInvalidArgument || code == Code::kPermissionDenied, answer.status().ToString());
    return;
  }
  FUZZ_CHECK(!answer->subject.empty(), shown);
  FUZZ_CHECK(guestpass::fuzz::IsStrictUtf8(answer->data_json), answer->data_json);
  FUZZ_CHECK(nlohmann::json::parse(answer->data_json, nullptr, false).is_object(), answer->data_json);
}

std::string B64(std::string_view bytes) { return guestpass::crypto::Base64UrlEncode(bytes); }

void SignedToken(std::string_view input) {
  const size_t newline = input.find('\n');
  const std::string_view header = input.substr(0, newline);
  const std::string_view payload = newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
  std::string token = B64(header) + "." + B64(payload);
  const auto mac = Get().hmac.Compute(token);
  token += "." + guestpass::crypto::Base64UrlEncode(std::span<const uint8_t>(mac.data(), mac.size()));
  Verify(Get().hs256, token);
  Verify(Get().hs256_checked, token);
}

void Config(std::string_view input) {
  const size_t newline = input.find('\n');
  const std::string_view config = input.substr(0, newline);
  const std::string_view fields = newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
  const auto parsed = ct::ParseConfig(config, fields);
  if (parsed.ok()) {
    FUZZ_CHECK(parsed->signing_algorithm == ct::kHs256 || parsed->signing_algorithm == ct::kRs256, input);
    FUZZ_CHECK(parsed->use_jwk_uri || !parsed->signing_keys.empty(), input);
    for (const auto& field : parsed->metadata_fields) {
      FUZZ_CHECK(!ct::SplitClaimPath(field.name).empty(), field.name);
      FUZZ_CHECK(!field.field_name.empty(), field.name);
    }
  } else {
    FUZZ_CHECK(parsed.status().code() == Code::kInvalidArgument, parsed.status().ToString());
  }

  const auto keys = ct::JwkSet::Parse(input);
  if (!keys.ok()) FUZZ_CHECK(keys.status().code() == Code::kInvalidArgument, keys.status().ToString());

  for (const auto& segment : ct::SplitClaimPath(input)) FUZZ_CHECK(!segment.empty(), input);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      Verify(Get().hs256, std::string(rest));
      Verify(Get().rs256, std::string(rest));
      break;
    case 1: SignedToken(rest); break;
    case 2: Config(rest); break;
  }
  return 0;
}
