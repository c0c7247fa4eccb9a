// key_ring.h: the HS256 signing keys of this deployment, identified by `kid`.
// One key is active (signs new tokens); all keys verify. Keys are created on
// first start and kept in a file readable by the owner only.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/random.h"
#include "core/status.h"
#include "crypto/digest.h"

namespace guestpass::token {

struct SigningKey {
  std::string kid;
  std::unique_ptr<crypto::HmacSha256Key> hmac;
  std::string header_b64;  // base64url of this key's JWT header
};

class KeyRing {
 public:
  // Adds a key; the first key added becomes active.
  // REQUIRES: secret.size() >= 32, kid unique.
  void Add(std::string kid, std::vector<uint8_t> secret);
  void SetActive(const std::string& kid);  // REQUIRES: kid was added

  const SigningKey& active() const { return *keys_.at(active_); }
  // Returns the key whose header segment is exactly `header_b64`, or nullptr.
  const SigningKey* FindByHeader(std::string_view header_b64) const;
  size_t size() const { return keys_.size(); }

  // Loads `path`, or creates it (mode 0600) with one new random key.
  // Fails if the file is readable by group or others, or malformed.
  static core::Result<std::shared_ptr<KeyRing>> LoadOrCreate(const std::string& path, core::Random& random,
                                                             const core::Clock& clock);

 private:
  std::vector<std::unique_ptr<SigningKey>> keys_;
  size_t active_ = 0;
};

}  // namespace guestpass::token
