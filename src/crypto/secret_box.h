// secret_box.h: values guestpass must read back (secrets of the Admin API,
// later signing keys and SMTP passwords) encrypted at rest under a master key
// that lives outside the store, so a copy of the database alone reveals
// none of them. XChaCha20-Poly1305 (libsodium's AEAD) with a random 24-byte
// nonce per value; the associated data binds a ciphertext to its place (its
// app and id), so a value moved to another row does not decrypt.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/random.h"
#include "core/status.h"

namespace guestpass::crypto {

inline constexpr size_t kMasterKeyBytes = 32;

class SecretBox {
 public:
  explicit SecretBox(const std::array<uint8_t, kMasterKeyBytes>& key);
  ~SecretBox();  // wipes the key
  SecretBox(const SecretBox&) = delete;
  SecretBox& operator=(const SecretBox&) = delete;

  // nonce || ciphertext || tag of `plaintext`, bound to `context`.
  std::string Seal(std::string_view plaintext, std::string_view context, core::Random& random) const;
  // The plaintext; Internal when `sealed` was not sealed by this key for
  // this context (a wrong master key, a damaged or moved value).
  core::Result<std::string> Open(std::string_view sealed, std::string_view context) const;

 private:
  std::array<uint8_t, kMasterKeyBytes> key_;
};

// The master key from a file: 32 bytes as 64 hex digits (whitespace around
// them ignored). Refuses a file that others than its owner may read or
// write: the key is every secret's key.
core::Result<std::array<uint8_t, kMasterKeyBytes>> ReadMasterKeyFile(const std::string& path);

// Creates `path` (mode 0600, exclusively: never over an existing file) with a
// new random key, and returns it.
core::Result<std::array<uint8_t, kMasterKeyBytes>> CreateMasterKeyFile(const std::string& path, core::Random& random);

// 64 hex digits (the form of the file and of GUESTPASS_MASTER_KEY).
core::Result<std::array<uint8_t, kMasterKeyBytes>> ParseMasterKey(std::string_view hex);

}  // namespace guestpass::crypto
