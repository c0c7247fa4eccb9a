// signing_keys.h: the token signing keys every server on a store shares.
// They live in the store with their secrets sealed under the master key
// (crypto::SecretBox, bound to "signing-key:" + kid), so a database backup
// alone signs nothing, a token one server signs verifies on every other, and
// a rotation or retirement reaches every server while it runs (their config
// watcher reloads the ring when Store::ConfigVersion moves). `guestpass keys`
// drives Rotate and Retire from the command line. Blocks on the store.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/model.h"
#include "core/random.h"
#include "core/status.h"
#include "crypto/secret_box.h"
#include "store/store.h"
#include "token/key_ring.h"

namespace guestpass::admin {

// How long after a rotation the new key starts signing: every server polls
// the store at least twice a second, so by then all of them verify it.
inline constexpr int64_t kDefaultActivationDelaySeconds = 5;

class SigningKeys {
 public:
  SigningKeys(store::Store& store, const crypto::SecretBox& box, const core::Clock& clock, core::Random& random)
      : store_(store), box_(box), clock_(clock), random_(random) {}

  // What a server does at start: the store's keys; when it has none, the
  // keys of `legacy_file` (the plain-text file earlier versions kept beside
  // the database), sealed into the store, after which the file is removed;
  // when there is no such file either, one new key. `imported` (optional)
  // says how many keys came from the file.
  core::Result<std::shared_ptr<token::KeyRing>> LoadOrCreate(const std::string& legacy_file, int* imported = nullptr);
  // The store's keys as a ring (the config watcher's reload). Internal when
  // a key does not open with this master key; NotFound when there is none.
  core::Result<std::shared_ptr<token::KeyRing>> Load() const;

  // The keys, oldest first (secrets stay sealed).
  core::Result<std::vector<core::StoredSigningKey>> List() const;
  // Adds a new random key that signs from `delay_seconds` from now on; the
  // older keys keep verifying until retired.
  core::Result<core::StoredSigningKey> Rotate(int64_t delay_seconds = kDefaultActivationDelaySeconds);
  // Deletes a key: the tokens it signed (refresh tokens too: their users log
  // in again) stop verifying on every server. InvalidArgument for the key
  // that signs now or the last key; NotFound for an unknown kid.
  core::Status Retire(const std::string& kid);

  // The key of `kids` that signs at `now` (token::KeyRing::ActiveAt's rule).
  static const core::StoredSigningKey* ActiveAt(const std::vector<core::StoredSigningKey>& keys, int64_t now);

 private:
  static std::string Context(const std::string& kid) { return "signing-key:" + kid; }
  core::Status Add(const std::string& kid, const std::vector<uint8_t>& secret, int64_t created_at, int64_t active_from);
  std::string NewKid();

  store::Store& store_;
  const crypto::SecretBox& box_;
  const core::Clock& clock_;
  core::Random& random_;
};

}  // namespace guestpass::admin
