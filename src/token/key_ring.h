// key_ring.h: the HS256 signing keys of this deployment, identified by `kid`.
// One key is active at a time (signs new tokens); all keys verify. A key
// becomes active at its `active_from` time: a rotation names a moment after
// every server has loaded the new key, so no server signs with a key another
// cannot verify yet. The keys live in the store, sealed
// (admin/signing_keys.h); the file format below is what earlier versions
// kept beside the database, read once to import it.
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
  int64_t active_from = 0;  // seconds; signs from then on, until a newer key's time
  std::unique_ptr<crypto::HmacSha256Key> hmac;
  std::string header_b64;  // base64url of this key's JWT header
};

class KeyRing {
 public:
  // Adds a key. REQUIRES: secret.size() >= 32, kid unique.
  void Add(std::string kid, std::vector<uint8_t> secret, int64_t active_from = 0);
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
