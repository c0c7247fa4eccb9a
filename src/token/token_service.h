// token_service.h: issues and verifies the two JWTs of the client API.
// Access tokens (30 min) authenticate requests; refresh tokens stand for a
// session and carry its secret, whose hash the store keeps. Claims follow
// shared/spec/client-api.md section 16. Signed by the ring's active key
// (HS256, ES256 or RS256); a token verifies only when its header is, byte
// for byte, the header of a key of the ring (alg none, another alg under a
// known kid, an unknown kid are rejected).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/model.h"
#include "core/object_id.h"
#include "core/status.h"
#include "token/key_ring.h"
#include "token/verified_cache.h"

namespace guestpass::token {

inline constexpr int64_t kAccessTokenTtlSeconds = 1800;

struct AccessClaims {
  core::ObjectId user_id;     // sub
  core::ObjectId session_id;  // iss
  core::ObjectId app_id;      // baas_domain_id
  core::ObjectId device_id;   // baas_device_id
  int64_t issued_at = 0;
  int64_t expires_at = 0;
};

struct RefreshClaims {
  core::ObjectId user_id;     // sub
  core::ObjectId session_id;  // baas_id
  core::ObjectId app_id;      // baas_domain_id
  core::ObjectId device_id;   // baas_device_id
  std::string secret;         // gp_secret: base64url of 32 random bytes
  core::Identity identity;    // baas_identity: the identity used to log in
  int64_t issued_at = 0;
  int64_t expires_at = 0;
};

class TokenService {
 public:
  // Access tokens that passed verification are remembered in a cache of
  // `access_cache_slots` entries (verified_cache.h; 0: none).
  static constexpr size_t kDefaultAccessCacheSlots = 8192;
  TokenService(std::shared_ptr<const KeyRing> keys, const core::Clock& clock,
               size_t access_cache_slots = kDefaultAccessCacheSlots);

  // Sign with the active key. Thread-safe.
  std::string IssueAccessToken(const AccessClaims& claims) const;
  std::string IssueRefreshToken(const RefreshClaims& claims) const;

  // Replaces the keys, as a rotation or retirement in the store asks (the
  // server's config watcher): new tokens are signed with the new ring's
  // active key, and tokens of keys it lacks stop verifying at once, cached or
  // not. Thread-safe; calls in flight finish with the keys they began with.
  void ReplaceKeys(std::shared_ptr<const KeyRing> keys);
  // The keys in use now.
  std::shared_ptr<const KeyRing> keys() const { return ring_.load(std::memory_order_acquire)->keys; }
  // The JWK Set of those keys' public halves (JwksJson), made once per ring.
  // The reference stays valid for the service's life. Thread-safe.
  const std::string& jwks_json() const { return ring_.load(std::memory_order_acquire)->jwks; }

  // Verify signature, type and expiry. Any failure is
  // Unauthenticated(InvalidSession) with a short reason. Thread-safe.
  core::Result<AccessClaims> VerifyAccessToken(std::string_view token) const;
  core::Result<RefreshClaims> VerifyRefreshToken(std::string_view token) const;

 private:
  // A ring of keys with its number among the rings this service has used.
  struct Ring {
    std::shared_ptr<const KeyRing> keys;
    uint64_t generation = 0;
    std::string jwks;  // JwksJson(*keys)
  };
  std::string Sign(const std::string& payload) const;
  // Returns the decoded payload of a token correctly signed by a key of `ring`.
  core::Result<std::string> VerifySignature(const KeyRing& ring, std::string_view token) const;

  // The current ring: read without a lock on every request. Replaced rings
  // stay alive in rings_ (a request may still hold one; rotations are rare).
  std::atomic<const Ring*> ring_;
  std::mutex rings_mu_;
  std::vector<std::unique_ptr<const Ring>> rings_;  // every ring used; guarded by rings_mu_
  const core::Clock& clock_;
  mutable VerifiedCache<AccessClaims> access_cache_;
};

}  // namespace guestpass::token
