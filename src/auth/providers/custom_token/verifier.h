// verifier.h: verifies the JWT a client sends to log in with the Custom JWT
// (`custom-token`) provider (`{"token": JWT}`, shared/spec/client-api.md 5.2)
// and maps its claims to the identity id and user data. It does not create
// users or sessions; auth/ does that with the result.
//
// DESIGN: HS256 and PEM-key RS256 tokens are checked inline on the caller's
// thread. For a JWK URI the keys come from JwkCache, so the callback may run on
// the cache's worker thread. The token's `alg` must equal the configured
// algorithm exactly, which rules out `none` and HS256/RS256 confusion before
// any key is touched.
#pragma once

#include <functional>
#include <string>

#include "auth/providers/custom_token/config.h"
#include "auth/providers/custom_token/jwk_cache.h"
#include "core/clock.h"
#include "core/status.h"

namespace guestpass::auth::custom_token {

// Clock skew tolerated for `iat`.
inline constexpr int64_t kIssuedAtLeewaySeconds = 60;
// App Services' limit on a custom JWT's length.
inline constexpr size_t kMaxTokenLength = 1'000'000;

struct VerifiedToken {
  std::string subject;    // `sub`: the identity id
  std::string data_json;  // JSON object of the mapped metadata fields (string values), "{}" if none
};

using VerifyCallback = std::function<void(core::Result<VerifiedToken>)>;

// Thread-safe; holds no per-token state.
class Verifier {
 public:
  // `clock` and `jwks` are not owned and must outlive every Verify call in
  // flight. The Verifier itself may be destroyed while callbacks are pending.
  Verifier(const core::Clock& clock, JwkCache& jwks) : clock_(clock), jwks_(jwks) {}

  // Verifies `token` against `config` and calls `done` exactly once, inline or
  // on the JwkCache thread (store.h conventions). `config` is copied when
  // needed; the caller need not keep it alive.
  // Error messages are bare reasons safe to show the client ("token is
  // expired", "token signature is invalid"); the caller adds its context.
  // Errors (all with ErrorCode kInvalidParameter unless noted):
  //   InvalidArgument: not a compact JWS (three base64url parts, JSON object
  //     header with a string `alg`, JSON object payload), or longer than
  //     kMaxTokenLength.
  //   PermissionDenied: a well-formed token that fails: `alg` differs from the
  //     configured algorithm, `crit` header, bad signature, unknown `kid`,
  //     `exp` missing/not a number/not in the future, `nbf` in the future,
  //     `iat` more than 60 s ahead, `sub` missing or empty, `aud` or `iss`
  //     mismatch, a required metadata field missing.
  //   Unavailable (ServiceUnavailable): the JWK Set could not be fetched.
  //   Internal: `config` has no usable key (ParseConfig prevents this).
  void Verify(const CustomTokenConfig& config, std::string token, VerifyCallback done);

 private:
  const core::Clock& clock_;
  JwkCache& jwks_;
};

}  // namespace guestpass::auth::custom_token
