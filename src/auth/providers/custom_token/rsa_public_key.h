// rsa_public_key.h: an RSA public key (OpenSSL EVP_PKEY, owned) that checks
// RS256 signatures. Built from PEM text or from a JWK's modulus and exponent.
// Keeps OpenSSL types out of the header.
#pragma once

#include <memory>
#include <string_view>

#include "core/status.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY

namespace guestpass::auth::custom_token {

// Keys shorter than this are refused (PEM) or skipped (JWK Set).
inline constexpr int kMinRsaBits = 2048;

// Immutable after construction; VerifyRs256 is thread-safe.
class RsaPublicKey {
 public:
  // Parses "-----BEGIN PUBLIC KEY-----" (SubjectPublicKeyInfo) or
  // "-----BEGIN RSA PUBLIC KEY-----" (PKCS#1) text. InvalidArgument
  // (InvalidParameter) if it is not an RSA public key of at least kMinRsaBits.
  static core::Result<std::shared_ptr<const RsaPublicKey>> FromPem(std::string_view pem);

  // Builds a key from big-endian modulus and exponent bytes (a JWK's decoded
  // `n` and `e`). InvalidArgument as above.
  static core::Result<std::shared_ptr<const RsaPublicKey>> FromComponents(std::string_view modulus,
                                                                          std::string_view exponent);

  ~RsaPublicKey();
  RsaPublicKey(const RsaPublicKey&) = delete;
  RsaPublicKey& operator=(const RsaPublicKey&) = delete;

  // True when `signature` is a valid RSASSA-PKCS1-v1_5 SHA-256 signature of
  // `signing_input` under this key.
  bool VerifyRs256(std::string_view signing_input, std::string_view signature) const;

  int bits() const { return bits_; }

 private:
  RsaPublicKey(evp_pkey_st* pkey, int bits) : pkey_(pkey), bits_(bits) {}
  // Takes ownership of `pkey`; refuses non-RSA keys and keys below kMinRsaBits.
  static core::Result<std::shared_ptr<const RsaPublicKey>> Adopt(evp_pkey_st* pkey);

  evp_pkey_st* pkey_;  // owned
  int bits_;
};

}  // namespace guestpass::auth::custom_token
