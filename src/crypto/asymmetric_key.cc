// asymmetric_key.cc: OpenSSL 3 EVP implementation of asymmetric_key.h (no
// deprecated EC_KEY/RSA calls). The message is hashed with SHA-256 here and
// the digest signed with EVP_PKEY_sign; ECDSA's DER signature is converted to
// and from JWS's fixed-size r || s.
#include "crypto/asymmetric_key.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "crypto/digest.h"
#include "crypto/encoding.h"

namespace guestpass::crypto {

using core::ErrorCode;
using core::Result;
using core::Status;

namespace {
[[noreturn]] void Fatal(const char* what) {
  std::fprintf(stderr, "guestpass: fatal: %s failed\n", what);
  std::abort();
}

struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
struct DecoderDeleter {
  void operator()(OSSL_DECODER_CTX* p) const { OSSL_DECODER_CTX_free(p); }
};
struct EncoderDeleter {
  void operator()(OSSL_ENCODER_CTX* p) const { OSSL_ENCODER_CTX_free(p); }
};
struct BnDeleter {
  void operator()(BIGNUM* p) const { BN_free(p); }
};
struct SigDeleter {
  void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter>;
using BnPtr = std::unique_ptr<BIGNUM, BnDeleter>;

constexpr size_t kCoordinateBytes = 32;  // P-256
constexpr int kMaxRsaBits = 16384;

Status Bad(std::string reason) { return Status::InvalidArgument(ErrorCode::kInvalidParameter, std::move(reason)); }

const EVP_MD* Sha256Md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (md == nullptr) Fatal("EVP_MD_fetch(SHA256)");
  return md;
}

const unsigned char* Bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

// A context for one sign or verify operation with `key`, set up for `alg`.
// RS256 signs the DigestInfo of SHA-256 with PKCS#1 v1.5 padding; ECDSA signs
// the digest as it is.
PkeyCtxPtr OperationContext(EVP_PKEY* key, AsymmetricAlg alg, bool sign) {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (!ctx) return nullptr;
  if ((sign ? EVP_PKEY_sign_init(ctx.get()) : EVP_PKEY_verify_init(ctx.get())) != 1) return nullptr;
  if (alg == AsymmetricAlg::kRs256 && (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1 ||
                                       EVP_PKEY_CTX_set_signature_md(ctx.get(), Sha256Md()) != 1))
    return nullptr;
  return ctx;
}

std::string BigNumberParam(EVP_PKEY* key, const char* name, size_t pad_to) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1 || raw == nullptr) Fatal("EVP_PKEY_get_bn_param");
  BnPtr bn(raw);
  const size_t size = pad_to > 0 ? pad_to : static_cast<size_t>(BN_num_bytes(bn.get()));
  std::vector<uint8_t> bytes(size);
  if (BN_bn2binpad(bn.get(), bytes.data(), static_cast<int>(size)) < 0) Fatal("BN_bn2binpad");
  return Base64UrlEncode(bytes);
}
}  // namespace

AsymmetricKey::AsymmetricKey(AsymmetricAlg alg, evp_pkey_st* key) : alg_(alg), key_(key) {}

AsymmetricKey::~AsymmetricKey() { EVP_PKEY_free(key_); }

Result<std::unique_ptr<AsymmetricKey>> AsymmetricKey::Adopt(AsymmetricAlg alg, evp_pkey_st* key) {
  PkeyPtr owned(key);
  const int bits = EVP_PKEY_get_bits(owned.get());
  size_t signature_bytes = 0;
  if (alg == AsymmetricAlg::kEs256) {
    char group[64] = {0};
    size_t length = 0;
    if (EVP_PKEY_is_a(owned.get(), "EC") != 1 ||
        EVP_PKEY_get_utf8_string_param(owned.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &length) != 1 ||
        std::strcmp(group, "prime256v1") != 0)
      return Bad("not an EC key on the curve P-256 (ES256)");
    signature_bytes = kEs256SignatureBytes;
  } else {
    if (EVP_PKEY_is_a(owned.get(), "RSA") != 1) return Bad("not an RSA key (RS256)");
    if (bits < kMinRsaSigningBits || bits > kMaxRsaBits)
      return Bad("the RSA key has " + std::to_string(bits) + " bits; RS256 keys need " +
                 std::to_string(kMinRsaSigningBits) + " to " + std::to_string(kMaxRsaBits));
    signature_bytes = static_cast<size_t>(EVP_PKEY_get_size(owned.get()));
  }
  std::unique_ptr<AsymmetricKey> out(new AsymmetricKey(alg, owned.release()));
  out->bits_ = bits;
  out->signature_bytes_ = signature_bytes;
  return out;
}

Result<std::unique_ptr<AsymmetricKey>> AsymmetricKey::Generate(AsymmetricAlg alg, int rsa_bits) {
  EVP_PKEY* key = nullptr;
  if (alg == AsymmetricAlg::kEs256) {
    key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  } else {
    if (rsa_bits < kMinRsaSigningBits || rsa_bits > kMaxRsaBits)
      return Bad("RS256 keys have " + std::to_string(kMinRsaSigningBits) + " to " + std::to_string(kMaxRsaBits) +
                 " bits");
    key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(rsa_bits));
  }
  if (key == nullptr) {
    ERR_clear_error();
    return Status::Internal("OpenSSL could not generate a key");
  }
  return Adopt(alg, key);
}

Result<std::unique_ptr<AsymmetricKey>> AsymmetricKey::FromPkcs8Der(AsymmetricAlg alg, std::string_view der) {
  EVP_PKEY* key = nullptr;
  std::unique_ptr<OSSL_DECODER_CTX, DecoderDeleter> decoder(OSSL_DECODER_CTX_new_for_pkey(
      &key, "DER", "PrivateKeyInfo", alg == AsymmetricAlg::kEs256 ? "EC" : "RSA", EVP_PKEY_KEYPAIR, nullptr, nullptr));
  if (!decoder) return Status::Internal("OSSL_DECODER_CTX_new_for_pkey failed");
  const unsigned char* data = Bytes(der);
  size_t length = der.size();
  if (OSSL_DECODER_from_data(decoder.get(), &data, &length) != 1 || key == nullptr || length != 0) {
    EVP_PKEY_free(key);
    ERR_clear_error();
    return Bad(std::string("not a PKCS#8 ") + (alg == AsymmetricAlg::kEs256 ? "EC" : "RSA") + " private key");
  }
  return Adopt(alg, key);
}

std::string AsymmetricKey::Pkcs8Der() const {
  std::unique_ptr<OSSL_ENCODER_CTX, EncoderDeleter> encoder(
      OSSL_ENCODER_CTX_new_for_pkey(key_, EVP_PKEY_KEYPAIR, "DER", "PrivateKeyInfo", nullptr));
  unsigned char* data = nullptr;
  size_t length = 0;
  if (!encoder || OSSL_ENCODER_to_data(encoder.get(), &data, &length) != 1) Fatal("OSSL_ENCODER_to_data");
  std::string out(reinterpret_cast<const char*>(data), length);
  OPENSSL_clear_free(data, length);
  return out;
}

std::string AsymmetricKey::Sign(std::string_view data) const {
  const Digest256 digest = Sha256(data);
  PkeyCtxPtr ctx = OperationContext(key_, alg_, /*sign=*/true);
  if (!ctx) Fatal("EVP_PKEY_sign_init");
  size_t length = 0;
  if (EVP_PKEY_sign(ctx.get(), nullptr, &length, digest.data(), digest.size()) != 1) Fatal("EVP_PKEY_sign");
  std::string signature(length, '\0');
  auto* out = reinterpret_cast<unsigned char*>(signature.data());
  if (EVP_PKEY_sign(ctx.get(), out, &length, digest.data(), digest.size()) != 1) Fatal("EVP_PKEY_sign");
  signature.resize(length);
  if (alg_ == AsymmetricAlg::kRs256) return signature;
  // ECDSA-Sig-Value (DER) to r || s.
  const unsigned char* der = Bytes(signature);
  std::unique_ptr<ECDSA_SIG, SigDeleter> sig(d2i_ECDSA_SIG(nullptr, &der, static_cast<long>(signature.size())));
  if (!sig) Fatal("d2i_ECDSA_SIG");
  std::string jws(kEs256SignatureBytes, '\0');
  auto* raw = reinterpret_cast<unsigned char*>(jws.data());
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), raw, kCoordinateBytes) < 0 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), raw + kCoordinateBytes, kCoordinateBytes) < 0)
    Fatal("BN_bn2binpad");
  return jws;
}

bool AsymmetricKey::Verify(std::string_view data, std::string_view signature) const {
  if (signature.size() != signature_bytes_) return false;
  const Digest256 digest = Sha256(data);
  std::string der;
  if (alg_ == AsymmetricAlg::kEs256) {
    // r || s to the DER form OpenSSL verifies.
    std::unique_ptr<ECDSA_SIG, SigDeleter> sig(ECDSA_SIG_new());
    BnPtr r(BN_bin2bn(Bytes(signature), kCoordinateBytes, nullptr));
    BnPtr s(BN_bin2bn(Bytes(signature) + kCoordinateBytes, kCoordinateBytes, nullptr));
    if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) Fatal("ECDSA_SIG_set0");
    r.release();  // owned by sig now
    s.release();
    unsigned char* out = nullptr;
    const int length = i2d_ECDSA_SIG(sig.get(), &out);
    if (length <= 0) Fatal("i2d_ECDSA_SIG");
    der.assign(reinterpret_cast<const char*>(out), static_cast<size_t>(length));
    OPENSSL_free(out);
    signature = der;
  }
  PkeyCtxPtr ctx = OperationContext(key_, alg_, /*sign=*/false);
  if (!ctx) Fatal("EVP_PKEY_verify_init");
  const bool ok = EVP_PKEY_verify(ctx.get(), Bytes(signature), signature.size(), digest.data(), digest.size()) == 1;
  if (!ok) ERR_clear_error();  // a bad signature leaves errors on the thread's queue
  return ok;
}

PublicJwk AsymmetricKey::Jwk() const {
  PublicJwk jwk;
  if (alg_ == AsymmetricAlg::kEs256) {
    jwk.kty = "EC";
    jwk.crv = "P-256";
    jwk.x = BigNumberParam(key_, OSSL_PKEY_PARAM_EC_PUB_X, kCoordinateBytes);
    jwk.y = BigNumberParam(key_, OSSL_PKEY_PARAM_EC_PUB_Y, kCoordinateBytes);
  } else {
    jwk.kty = "RSA";
    jwk.n = BigNumberParam(key_, OSSL_PKEY_PARAM_RSA_N, 0);
    jwk.e = BigNumberParam(key_, OSSL_PKEY_PARAM_RSA_E, 0);
  }
  return jwk;
}

}  // namespace guestpass::crypto
