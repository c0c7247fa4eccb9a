// asymmetric_key.h: the private keys of asymmetric JWS signatures (RFC 7518
// section 3): ES256 (ECDSA on P-256 with SHA-256) and RS256 (RSASSA-PKCS1-v1_5
// with SHA-256, 2048 bits or more), over OpenSSL 3's EVP API. Generation,
// PKCS#8 DER in and out (how a key is sealed in the store), signing and
// verifying in JWS form (ES256: r || s, 32 bytes each, never DER), and the
// public half as JWK members (RFC 7518 section 6) for the JWKS endpoint.
// Not a JWT library: the token layer (token/) decides what is signed.
// Keeps OpenSSL types out of the header.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY

namespace guestpass::crypto {

enum class AsymmetricAlg { kEs256, kRs256 };

// Shorter RSA keys are refused, generated or loaded.
inline constexpr int kMinRsaSigningBits = 2048;
// An ES256 signature: r and s, each a big-endian 32-byte number.
inline constexpr size_t kEs256SignatureBytes = 64;

// The public half as JWK members, each base64url without padding.
struct PublicJwk {
  std::string kty;  // "EC" or "RSA"
  std::string crv;  // EC: "P-256"
  std::string x;    // EC: the point's coordinates, 32 bytes each
  std::string y;
  std::string n;  // RSA: modulus and exponent, big-endian, no leading zeros
  std::string e;
};

// Immutable after construction; Sign and Verify are thread-safe.
class AsymmetricKey {
 public:
  // A new key from OpenSSL's CSPRNG (which also draws every ES256 signature's
  // nonce). `rsa_bits` only matters for RS256: kMinRsaSigningBits to 16384.
  // InvalidArgument for other sizes; Internal if OpenSSL fails.
  static core::Result<std::unique_ptr<AsymmetricKey>> Generate(AsymmetricAlg alg, int rsa_bits = kMinRsaSigningBits);
  // A key from its PKCS#8 PrivateKeyInfo DER. InvalidArgument when the bytes
  // are not one, or not a key of `alg` (EC on a curve other than P-256, RSA
  // shorter than kMinRsaSigningBits, RSA-PSS).
  static core::Result<std::unique_ptr<AsymmetricKey>> FromPkcs8Der(AsymmetricAlg alg, std::string_view der);

  ~AsymmetricKey();
  AsymmetricKey(const AsymmetricKey&) = delete;
  AsymmetricKey& operator=(const AsymmetricKey&) = delete;

  AsymmetricAlg alg() const { return alg_; }
  int bits() const { return bits_; }
  // The key as PKCS#8 PrivateKeyInfo DER (secret: seal it).
  std::string Pkcs8Der() const;

  // The JWS signature of `data` (ES256: 64 bytes; RS256: the modulus' size).
  std::string Sign(std::string_view data) const;
  // True when `signature` is this key's JWS signature of `data`. ES256
  // signatures must be exactly 64 bytes (a DER-encoded one is refused),
  // RS256 ones exactly the modulus' size.
  bool Verify(std::string_view data, std::string_view signature) const;

  PublicJwk Jwk() const;

 private:
  AsymmetricKey(AsymmetricAlg alg, evp_pkey_st* key);
  static core::Result<std::unique_ptr<AsymmetricKey>> Adopt(AsymmetricAlg alg, evp_pkey_st* key);

  AsymmetricAlg alg_;
  evp_pkey_st* key_;  // owned
  int bits_ = 0;
  size_t signature_bytes_ = 0;
};

}  // namespace guestpass::crypto
