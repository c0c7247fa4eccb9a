// jwk_set.h: the RS256 keys of a JSON Web Key Set (RFC 7517), by kid.
// Parsing only; fetching and caching is jwk_cache.h.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/providers/custom_token/rsa_public_key.h"
#include "core/status.h"

namespace guestpass::auth::custom_token {

// Immutable after Parse; safe to share between threads.
class JwkSet {
 public:
  struct Key {
    std::string kid;  // may be empty: then only reachable by trying every key
    std::shared_ptr<const RsaPublicKey> key;
  };

  // Parses `{"keys": [...]}`. Keeps the usable keys and skips the rest: `kty`
  // other than "RSA", `use` present and not "sig", `alg` present and not
  // "RS256", `n`/`e` missing or not base64url, or a modulus under 2048 bits.
  // InvalidArgument(InvalidParameter) if the text is not a JSON object with a
  // `keys` array. A set with no usable key is not an error.
  static core::Result<std::shared_ptr<const JwkSet>> Parse(std::string_view json_text);

  explicit JwkSet(std::vector<Key> keys) : keys_(std::move(keys)) {}

  // The key with that kid, or nullptr.
  const RsaPublicKey* Find(std::string_view kid) const;
  const std::vector<Key>& keys() const { return keys_; }

 private:
  std::vector<Key> keys_;
};

}  // namespace guestpass::auth::custom_token
