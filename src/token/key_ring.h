// key_ring.h: the token signing keys of this deployment, identified by `kid`:
// HS256 (a shared secret, the default), ES256 or RS256 (a private key whose
// public half other services fetch from GET /.well-known/jwks.json, so they
// verify tokens without holding a secret). A ring may mix algorithms.
// One key is active at a time (signs new tokens); all keys verify. A key
// becomes active at its `active_from` time: a rotation names a moment after
// every server has loaded the new key, so no server signs with a key another
// cannot verify yet. The keys live in the store, sealed
// (admin/signing_keys.h); the file format below is what earlier versions
// kept beside the database, read once to import it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/random.h"
#include "core/status.h"
#include "crypto/asymmetric_key.h"
#include "crypto/digest.h"

namespace guestpass::token {

enum class SigningAlg { kHs256, kEs256, kRs256 };

// "HS256", "ES256", "RS256": the JWS `alg` names, as the store keeps them.
std::string_view SigningAlgName(SigningAlg alg);
// The algorithm of a JWS name; nullopt for any other (none, HS512, es256...).
std::optional<SigningAlg> ParseSigningAlg(std::string_view name);

struct SigningKey {
  std::string kid;
  SigningAlg alg = SigningAlg::kHs256;
  int64_t active_from = 0;  // seconds; signs from then on, until a newer key's time
  std::unique_ptr<crypto::HmacSha256Key> hmac;          // HS256
  std::unique_ptr<crypto::AsymmetricKey> private_key;  // ES256, RS256
  // base64url of this key's JWT header, {"alg":ALG,"kid":KID,"typ":"JWT"}.
  // Verification finds a token's key by this exact segment, so a token's
  // `alg` is always its key's: no `none`, no HS256 token checked with an
  // ES256 or RS256 key's public half.
  std::string header_b64;

  // The JWS signature of `signing_input` (header.payload), base64url-encoded
  // and appended to `out`. Thread-safe.
  void AppendSignature(std::string_view signing_input, std::string& out) const;
  // Whether `signature` (decoded) is this key's signature of `signing_input`.
  bool Verify(std::string_view signing_input, std::string_view signature) const;
};

// The one rule for which key signs at `now`, over any keys in the order they
// were added (the ring's, or the store's rows in its order): of those whose
// active_from has come, the latest (on a tie, the first); if none has come,
// the earliest (on a tie, the first). `active_from(item)` reads an item's
// time. Returns `end` for no keys.
template <typename It, typename ActiveFrom>
It PickActiveAt(It begin, It end, int64_t now, ActiveFrom active_from) {
  It best = end;
  It earliest = end;
  for (It it = begin; it != end; ++it) {
    const int64_t t = active_from(*it);
    if (t <= now && (best == end || t > active_from(*best))) best = it;
    if (earliest == end || t < active_from(*earliest)) earliest = it;
  }
  return best != end ? best : earliest;
}

class KeyRing {
 public:
  // Adds an HS256 key. REQUIRES: secret.size() >= 32, kid unique.
  void Add(std::string kid, std::vector<uint8_t> secret, int64_t active_from = 0);
  // Adds an ES256 or RS256 key. REQUIRES: kid unique.
  void Add(std::string kid, std::unique_ptr<crypto::AsymmetricKey> key, int64_t active_from = 0);
  // Adds a key of `alg` from its stored form: HS256's secret (at least 32
  // bytes), ES256's or RS256's PKCS#8 DER. InvalidArgument when the bytes
  // are not such a key. REQUIRES: kid unique.
  core::Status AddStored(std::string kid, SigningAlg alg, std::string_view material, int64_t active_from);
  // Makes the key the latest: its active_from becomes one past every other
  // key's (for keys whose times have all come, it signs from now on).
  // REQUIRES: kid was added.
  void SetActive(const std::string& kid);

  // The key that signs at `now`: of the keys whose active_from has come, the
  // latest (on a tie, the first added); if none has come, the earliest.
  // REQUIRES: size() > 0.
  const SigningKey& ActiveAt(int64_t now) const;
  // Each key's id, in the order added.
  std::vector<std::string> kids() const;
  const std::vector<std::unique_ptr<SigningKey>>& keys() const { return keys_; }
  // Returns the key whose header segment is exactly `header_b64`, or nullptr.
  const SigningKey* FindByHeader(std::string_view header_b64) const;
  size_t size() const { return keys_.size(); }

  // Loads `path`, or creates it (mode 0600) with one new random key.
  // Fails if the file is readable by group or others, or malformed.
  static core::Result<std::shared_ptr<KeyRing>> LoadOrCreate(const std::string& path, core::Random& random,
                                                             const core::Clock& clock);

 private:
  std::vector<std::unique_ptr<SigningKey>> keys_;
};

// Whether both rings hold the same keys with the same activation times.
bool SameKeys(const KeyRing& a, const KeyRing& b);

// The JWK Set (RFC 7517 section 5) of the ring's ES256 and RS256 keys, in
// the ring's order, pending ones too: {"keys":[{"kty","crv","x","y" | "n","e",
// "kid","alg","use":"sig"}...]}. Nothing of an HS256 key.
std::string JwksJson(const KeyRing& ring);

// The stored form of a new random key of `alg` (see KeyRing::AddStored):
// HS256: 32 bytes of `random`; ES256, RS256 (2048 bits): a new key pair's
// PKCS#8 DER (OpenSSL's CSPRNG).
core::Result<std::string> NewKeyMaterial(SigningAlg alg, core::Random& random);

// A key of the signing key file earlier versions kept beside the database.
struct KeyFileEntry {
  std::string kid;
  std::vector<uint8_t> secret;
  int64_t created_at = 0;
  bool active = false;
};
// The keys of the file at `path`. Fails if it is readable by group or
// others, malformed, or names an active key it lacks; NotFound when there is
// no file.
core::Result<std::vector<KeyFileEntry>> ReadKeyFile(const std::string& path);

}  // namespace guestpass::token
