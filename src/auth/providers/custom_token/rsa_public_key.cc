// rsa_public_key.cc: OpenSSL 3 EVP/OSSL_DECODER implementation of
// rsa_public_key.h (no deprecated RSA_* calls).
#include "auth/providers/custom_token/rsa_public_key.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

namespace guestpass::auth::custom_token {

using core::ErrorCode;
using core::Result;
using core::Status;

namespace {
struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct DecoderDeleter {
  void operator()(OSSL_DECODER_CTX* p) const { OSSL_DECODER_CTX_free(p); }
};
struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
struct BnDeleter {
  void operator()(BIGNUM* p) const { BN_free(p); }
};
struct ParamBldDeleter {
  void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
};
struct ParamDeleter {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

Status Bad(std::string reason) { return Status::InvalidArgument(ErrorCode::kInvalidParameter, std::move(reason)); }

// OpenSSL leaves failure details on the thread's error queue; clear them so
// they are not mistaken for a later operation's errors.
void ClearErrors() { ERR_clear_error(); }
}  // namespace

RsaPublicKey::~RsaPublicKey() { EVP_PKEY_free(pkey_); }

Result<std::shared_ptr<const RsaPublicKey>> RsaPublicKey::Adopt(evp_pkey_st* pkey) {
  PkeyPtr owned(pkey);
  if (EVP_PKEY_is_a(owned.get(), "RSA") != 1) return Bad("not an RSA key");
  const int bits = EVP_PKEY_get_bits(owned.get());
  if (bits < kMinRsaBits)
    return Bad("RSA key has " + std::to_string(bits) + " bits, at least " + std::to_string(kMinRsaBits) +
               " are required");
  return std::shared_ptr<const RsaPublicKey>(new RsaPublicKey(owned.release(), bits));
}

Result<std::shared_ptr<const RsaPublicKey>> RsaPublicKey::FromPem(std::string_view pem) {
  if (pem.find("PUBLIC KEY-----") == std::string_view::npos)
    return Bad("not a PEM public key (expected -----BEGIN PUBLIC KEY----- or -----BEGIN RSA PUBLIC KEY-----)");
  EVP_PKEY* raw = nullptr;
  // No structure given: the decoder accepts both SubjectPublicKeyInfo and PKCS#1.
  std::unique_ptr<OSSL_DECODER_CTX, DecoderDeleter> decoder(
      OSSL_DECODER_CTX_new_for_pkey(&raw, "PEM", nullptr, "RSA", EVP_PKEY_PUBLIC_KEY, nullptr, nullptr));
  if (!decoder) return Status::Internal("OSSL_DECODER_CTX_new_for_pkey failed");
  const auto* data = reinterpret_cast<const unsigned char*>(pem.data());
  size_t length = pem.size();
  if (OSSL_DECODER_from_data(decoder.get(), &data, &length) != 1 || raw == nullptr) {
    EVP_PKEY_free(raw);
    ClearErrors();
    return Bad("PEM text is not a valid RSA public key");
  }
  return Adopt(raw);
}

Result<std::shared_ptr<const RsaPublicKey>> RsaPublicKey::FromComponents(std::string_view modulus,
                                                                         std::string_view exponent) {
  if (modulus.empty() || exponent.empty()) return Bad("RSA modulus and exponent must not be empty");
  std::unique_ptr<BIGNUM, BnDeleter> n(
      BN_bin2bn(reinterpret_cast<const unsigned char*>(modulus.data()), static_cast<int>(modulus.size()), nullptr));
  std::unique_ptr<BIGNUM, BnDeleter> e(
      BN_bin2bn(reinterpret_cast<const unsigned char*>(exponent.data()), static_cast<int>(exponent.size()), nullptr));
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldDeleter> builder(OSSL_PARAM_BLD_new());
  if (!n || !e || !builder) return Status::Internal("out of memory building an RSA key");
  if (OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1)
    return Status::Internal("OSSL_PARAM_BLD_push_BN failed");
  std::unique_ptr<OSSL_PARAM, ParamDeleter> params(OSSL_PARAM_BLD_to_param(builder.get()));
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  if (!params || !ctx) return Status::Internal("could not prepare an RSA key context");
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1 || raw == nullptr) {
    EVP_PKEY_free(raw);
    ClearErrors();
    return Bad("RSA modulus and exponent do not form a valid key");
  }
  return Adopt(raw);
}

bool RsaPublicKey::VerifyRs256(std::string_view signing_input, std::string_view signature) const {
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  if (!ctx) return false;
  // The default RSA padding for EVP_DigestVerify is PKCS#1 v1.5, which RS256 uses.
  const bool ok =
      EVP_DigestVerifyInit_ex(ctx.get(), nullptr, "SHA256", nullptr, nullptr, pkey_, nullptr) == 1 &&
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                       reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size()) == 1;
  if (!ok) ClearErrors();
  return ok;
}

}  // namespace guestpass::auth::custom_token
