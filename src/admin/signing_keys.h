// signing_keys.h: the token signing keys every server on a store shares.
// They live in the store with their secrets sealed under the master key
// (crypto::SecretBox, bound to "signing-key:" + kid, and for ES256 and RS256
// keys, whose sealed bytes are the private key's PKCS#8 DER, also to
// ":" + alg), so a database backup
// alone signs nothing, a token one server signs verifies on every other, and
// a rotation or retirement reaches every server while it runs (their config
// watcher reloads the ring when Store::ConfigVersion moves). `guestpass keys`
// drives Rotate and Retire from the command line. Blocks on the store.
#pragma once

#include <memory>
#include <string>
#include <string_view>
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
  // when there is no such file either, one new key of `first_alg` (serve's
  // --signing-alg). `imported` (optional) says how many keys came from the file.
  core::Result<std::shared_ptr<token::KeyRing>> LoadOrCreate(
      const std::string& legacy_file, int* imported = nullptr,
      token::SigningAlg first_alg = token::SigningAlg::kHs256);
  // The store's keys as a ring (the config watcher's reload). Internal when
  // a key does not open with this master key; NotFound when there is none.
  core::Result<std::shared_ptr<token::KeyRing>> Load() const;

  // The keys, oldest first (secrets stay sealed).
  core::Result<std::vector<core::StoredSigningKey>> List() const;
  // Adds a new random key of `alg` that signs from `delay_seconds` from now
  // on; the older keys (of any algorithm) keep verifying until retired.
  core::Result<core::StoredSigningKey> Rotate(int64_t delay_seconds = kDefaultActivationDelaySeconds,
                                              token::SigningAlg alg = token::SigningAlg::kHs256);
  // Deletes a key: the tokens it signed (refresh tokens too: their users log
  // in again) stop verifying on every server. InvalidArgument for the key
  // that signs now or the last key; NotFound for an unknown kid.
  core::Status Retire(const std::string& kid);

  // The key of `kids` that signs at `now` (token::KeyRing::ActiveAt's rule).
  static const core::StoredSigningKey* ActiveAt(const std::vector<core::StoredSigningKey>& keys, int64_t now);

 private:
  // What a key's sealed bytes are bound to. HS256 keys keep the context
  // they were sealed with before other algorithms existed.
  static std::string Context(const std::string& kid, std::string_view alg) {
    return alg == "HS256" ? "signing-key:" + kid : "signing-key:" + kid + ":" + std::string(alg);
  }
  core::Status Add(const std::string& kid, token::SigningAlg alg, std::string_view material, int64_t created_at,
                   int64_t active_from);
  std::string NewKid();
  // The ring of `keys` (opened with the master key); NotFound when empty.
  core::Result<std::shared_ptr<token::KeyRing>> RingOf(const std::vector<core::StoredSigningKey>& keys) const;

  store::Store& store_;
  const crypto::SecretBox& box_;
  const core::Clock& clock_;
  core::Random& random_;
};

}  // namespace guestpass::admin
