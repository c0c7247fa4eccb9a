// jwks.cc: GET /.well-known/jwks.json, the JWK Set (RFC 7517) of the public
// halves of the token signing keys this server verifies (pending, signing
// and verifying ES256 and RS256 keys; never anything of an HS256 key), so
// other services can verify guestpass's access tokens without a shared
// secret. The body is made once per key ring (TokenService::jwks_json).
//
// DESIGN: Cache-Control max-age (kJwksMaxAgeSeconds) is shorter than the
// default delay before a rotated key signs (admin::kDefaultActivationDelaySeconds,
// `guestpass keys rotate --activate-in`): a server loads a new key within
// about half a second (app/config_watcher.h), so a verifier that honours
// max-age holds the new key before any token signed with it exists.
// static_assert below keeps the two in that order.
#include "admin/signing_keys.h"
#include "http/handlers/handlers.h"

namespace guestpass::http {

namespace {
constexpr int64_t kJwksMaxAgeSeconds = 3;
// The reload takes up to about a second (a poll interval plus the reload).
static_assert(kJwksMaxAgeSeconds + 1 < admin::kDefaultActivationDelaySeconds,
              "a verifier must see a rotated key before it signs");
}  // namespace

HandlerResult HandleJwks(const Exchange& ex) {
  if (ex.services.tokens == nullptr)
    co_return core::Status::NotFound(core::ErrorCode::kNotFound, "no route for /.well-known/jwks.json");
  Response res = JsonResponse(bhttp::status::ok, ex.services.tokens->jwks_json(), ex.request.version());
  res.set(bhttp::field::cache_control, "public, max-age=" + std::to_string(kJwksMaxAgeSeconds));
  co_return res;
}

}  // namespace guestpass::http
