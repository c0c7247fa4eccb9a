// jwt_fuzzer.cc: guestpass's own access and refresh tokens
// (token/token_service.h) as a client can send them: anything at all, and
// payloads under a valid signature (the fuzzer signs with the service's
// own key, so it reaches the claim reader, not only the signature check).
// The ring also holds an ES256 key that verifies but does not sign (mode '0'
// reaches its signature check with any bytes), and one payload in 16 of mode
// '1' is also signed with it: the claims must read the same whichever key
// signed them.
// Input: a mode character, then its bytes.
//   mode '0' (and any byte = 0 mod 3): the token itself, as sent;
//   mode '1': a payload, signed as guestpass signs: checks that the claim
//     reader's short path and nlohmann's SAX path agree (the same payload
//     with a leading or trailing space must take the SAX path and give the
//     same answer), and that the verified-token cache changes nothing;
//   mode '2': claims to issue (ids from the bytes, the refresh token's
//     identity strings and secret as arbitrary bytes): Issue*Token, then
//     Verify*Token gives them back (strings that were not UTF-8 come back
//     as valid UTF-8, each bad byte as U+FFFD).
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "crypto/encoding.h"
#include "fuzz_check.h"
#include "token/key_ring.h"
#include "token/token_service.h"

namespace {

using guestpass::core::Result;
using guestpass::token::AccessClaims;
using guestpass::token::RefreshClaims;
using guestpass::token::TokenService;

constexpr int64_t kNow = 1'700'000'000;

// A fixed P-256 key (PKCS#8 DER, base64url), so runs are reproducible.
constexpr char kEs256Key[] =
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgRVbD82cMEwrSs_tLRupBs5dOeMc_-xf_m-TaPnwAT_2hRANCAAQDYZ-ZljEzUQ0K"
    "fNbqGVhKlSZB6QA3zViOOYmAQWs6lqtP51U9e1lPdqKdJpy-g-Y3aeUKK0Y8j44lI8eIzAYG";

struct Services {
  Services() {
    keys->Add("65536f0a1b2c3d4e5f601234", std::vector<uint8_t>(32, 0x42));
    keys->Add("65536f0a1b2c3d4e5f605678", std::vector<uint8_t>(32, 0x17));
    // Added last with the same time: the first key keeps signing (ActiveAt's tie rule).
    const auto der = guestpass::crypto::Base64UrlDecode(kEs256Key);
    FUZZ_CHECK(der.has_value(), "kEs256Key");
    const auto added =
        keys->AddStored("65536f0a1b2c3d4e5f609abc", guestpass::token::SigningAlg::kEs256, *der, /*active_from=*/0);
    FUZZ_CHECK(added.ok(), added.message());
    es256 = keys->keys().back().get();
  }
  const guestpass::token::SigningKey* es256 = nullptr;
  std::shared_ptr<guestpass::token::KeyRing> keys = std::make_shared<guestpass::token::KeyRing>();
  guestpass::core::ManualClock clock{kNow};
  TokenService cached{keys, clock};
  TokenService uncached{keys, clock, /*access_cache_slots=*/0};
};

Services& Get() {
  static Services* services = new Services();  // never destroyed: libFuzzer may exit from any thread
  return *services;
}

// `payload` as `key` (by default guestpass's active key) signs it.
std::string Sign(std::string_view payload, const guestpass::token::SigningKey* key = nullptr) {
  if (key == nullptr) key = &Get().keys->ActiveAt(kNow);
  std::string token = key->header_b64 + "." + guestpass::crypto::Base64UrlEncode(payload);
  const std::string input = token;
  token += '.';
  key->AppendSignature(input, token);
  return token;
}

bool Same(const AccessClaims& a, const AccessClaims& b) {
  return a.user_id == b.user_id && a.session_id == b.session_id && a.app_id == b.app_id &&
         a.device_id == b.device_id && a.issued_at == b.issued_at && a.expires_at == b.expires_at;
}

bool Same(const RefreshClaims& a, const RefreshClaims& b) {
  return a.user_id == b.user_id && a.session_id == b.session_id && a.app_id == b.app_id &&
         a.device_id == b.device_id && a.secret == b.secret && a.identity.id == b.identity.id &&
         a.identity.provider_type == b.identity.provider_type && a.identity.provider_id == b.identity.provider_id &&
         a.issued_at == b.issued_at && a.expires_at == b.expires_at;
}

template <typename Claims>
bool Same(const Result<Claims>& a, const Result<Claims>& b) {
  if (a.ok() != b.ok()) return false;
  if (!a.ok()) return a.status().ToString() == b.status().ToString();
  return Same(*a, *b);
}

// Every answer for an untrusted token is a claim set or 401 InvalidSession.
template <typename Claims>
void CheckAnswer(const Result<Claims>& r, std::string_view token) {
  if (r.ok()) return;
  FUZZ_CHECK(r.status().code() == guestpass::core::Code::kUnauthenticated, token);
  FUZZ_CHECK(r.status().error_code() == guestpass::core::ErrorCode::kInvalidSession, token);
}

void VerifyEveryWay(std::string_view token) {
  Services& s = Get();
  const auto access = s.uncached.VerifyAccessToken(token);
  CheckAnswer(access, token);
  // Twice through the cache: a hit must answer as the miss did.
  FUZZ_CHECK(Same(s.cached.VerifyAccessToken(token), access), token);
  FUZZ_CHECK(Same(s.cached.VerifyAccessToken(token), access), token);
  CheckAnswer(s.uncached.VerifyRefreshToken(token), token);
}

void SignedPayload(std::string_view payload) {
  Services& s = Get();
  const std::string token = Sign(payload);
  VerifyEveryWay(token);
  const auto access = s.uncached.VerifyAccessToken(token);
  const auto refresh = s.uncached.VerifyRefreshToken(token);
  // Whitespace around the object means nothing, but it keeps the short path out.
  for (const std::string& other : {" " + std::string(payload), std::string(payload) + "\n"}) {
    const std::string spaced = Sign(other);
    FUZZ_CHECK(Same(s.uncached.VerifyAccessToken(spaced), access), payload);
    FUZZ_CHECK(Same(s.uncached.VerifyRefreshToken(spaced), refresh), payload);
  }
  // ES256 costs about 80 us a signature and check: one payload in 16.
  if (payload.size() % 16 == 0) {
    const std::string es256 = Sign(payload, s.es256);
    FUZZ_CHECK(Same(s.uncached.VerifyAccessToken(es256), access), payload);
    FUZZ_CHECK(Same(s.cached.VerifyAccessToken(es256), access), payload);
    FUZZ_CHECK(Same(s.uncached.VerifyRefreshToken(es256), refresh), payload);
  }
}

// Reads fixed-size pieces off the front of the input, zeros past its end.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  guestpass::core::ObjectId Id() {
    std::array<uint8_t, 12> bytes{};
    for (auto& b : bytes) b = Byte();
    return guestpass::core::ObjectId(bytes);
  }
  int64_t Int() {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = v << 8 | Byte();
    return static_cast<int64_t>(v);
  }
  // A string of the length the next byte says.
  std::string Text() {
    const size_t n = std::min<size_t>(Byte(), in_.size());
    std::string out(in_.substr(0, n));
    in_.remove_prefix(n);
    return out;
  }

 private:
  uint8_t Byte() {
    if (in_.empty()) return 0;
    const auto b = static_cast<uint8_t>(in_.front());
    in_.remove_prefix(1);
    return b;
  }
  std::string_view in_;
};

// What a string issued into a token reads back as: itself when it is UTF-8.
void CheckIssuedString(const std::string& sent, const std::string& read) {
  FUZZ_CHECK(guestpass::fuzz::IsStrictUtf8(read), read);
  if (guestpass::fuzz::IsStrictUtf8(sent)) FUZZ_CHECK(read == sent, sent);
}

void IssueAndVerify(std::string_view bytes) {
  Services& s = Get();
  Reader in(bytes);
  AccessClaims access;
  access.user_id = in.Id();
  access.session_id = in.Id();
  access.app_id = in.Id();
  access.device_id = in.Id();
  access.issued_at = in.Int();
  access.expires_at = in.Int();
  const std::string access_token = s.cached.IssueAccessToken(access);
  const auto verified = s.uncached.VerifyAccessToken(access_token);
  if (access.expires_at > kNow) {
    FUZZ_CHECK(verified.ok() && Same(*verified, access), access_token);
  } else {
    FUZZ_CHECK(!verified.ok(), access_token);
  }
  FUZZ_CHECK(Same(s.cached.VerifyAccessToken(access_token), verified), access_token);

  RefreshClaims refresh;
  refresh.user_id = access.user_id;
  refresh.session_id = access.session_id;
  refresh.app_id = access.app_id;
  refresh.device_id = access.device_id;
  refresh.issued_at = access.issued_at;
  refresh.expires_at = access.expires_at;
  refresh.identity.provider_id = in.Id();
  refresh.secret = in.Text();
  refresh.identity.id = in.Text();
  refresh.identity.provider_type = in.Text();
  const std::string refresh_token = s.cached.IssueRefreshToken(refresh);
  const auto back = s.uncached.VerifyRefreshToken(refresh_token);
  if (refresh.expires_at <= kNow) {
    FUZZ_CHECK(!back.ok(), refresh_token);
    return;
  }
  FUZZ_CHECK(back.ok(), refresh_token);
  FUZZ_CHECK(back->user_id == refresh.user_id && back->session_id == refresh.session_id &&
                 back->app_id == refresh.app_id && back->device_id == refresh.device_id &&
                 back->identity.provider_id == refresh.identity.provider_id && back->issued_at == refresh.issued_at &&
                 back->expires_at == refresh.expires_at,
             refresh_token);
  CheckIssuedString(refresh.secret, back->secret);
  CheckIssuedString(refresh.identity.id, back->identity.id);
  CheckIssuedString(refresh.identity.provider_type, back->identity.provider_type);
  // Either token is refused as the other kind.
  FUZZ_CHECK(!s.uncached.VerifyRefreshToken(access_token).ok(), access_token);
  FUZZ_CHECK(!s.uncached.VerifyAccessToken(refresh_token).ok(), refresh_token);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0: VerifyEveryWay(rest); break;
    case 1: SignedPayload(rest); break;
    case 2: IssueAndVerify(rest); break;
  }
  return 0;
}
