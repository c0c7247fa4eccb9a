// digest.cc: OpenSSL 3 EVP implementations of digest.h.
#include "crypto/digest.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <unordered_map>

namespace guestpass::crypto {

namespace {
[[noreturn]] void Fatal(const char* what) {
  std::fprintf(stderr, "guestpass: fatal: %s failed\n", what);
  std::abort();
}

EVP_MD* Sha256Md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (md == nullptr) Fatal("EVP_MD_fetch(SHA256)");
  return md;
}

EVP_MAC* HmacMac() {
  static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (mac == nullptr) Fatal("EVP_MAC_fetch(HMAC)");
  return mac;
}

struct MacCtxDeleter {
  void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
};

std::atomic<uint64_t> g_next_serial{1};
}  // namespace

Digest256 Sha256(std::span<const uint8_t> data) {
  Digest256 out;
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, Sha256Md(), nullptr) != 1 || len != 32)
    Fatal("EVP_Digest");
  return out;
}

std::string Md5Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_md5(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 0xf];
  }
  return out;
}

bool ConstantTimeEquals(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

HmacSha256Key::HmacSha256Key(std::vector<uint8_t> key) : key_(std::move(key)), serial_(g_next_serial.fetch_add(1)) {}

HmacSha256Key::~HmacSha256Key() { OPENSSL_cleanse(key_.data(), key_.size()); }

Digest256 HmacSha256Key::Compute(std::string_view data) const {
  thread_local std::unordered_map<uint64_t, std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter>> contexts;
  auto& slot = contexts[serial_];
  if (!slot) {
    slot.reset(EVP_MAC_CTX_new(HmacMac()));
    if (!slot) Fatal("EVP_MAC_CTX_new");
    char digest_name[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
                           OSSL_PARAM_construct_end()};
    if (EVP_MAC_init(slot.get(), key_.data(), key_.size(), params) != 1) Fatal("EVP_MAC_init");
  } else if (EVP_MAC_init(slot.get(), nullptr, 0, nullptr) != 1) {  // same key, fresh state
    Fatal("EVP_MAC_init(reuse)");
  }
  if (EVP_MAC_update(slot.get(), reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1)
    Fatal("EVP_MAC_update");
  Digest256 out;
  size_t len = 0;
  if (EVP_MAC_final(slot.get(), out.data(), &len, out.size()) != 1 || len != 32) Fatal("EVP_MAC_final");
  return out;
}

}  // namespace guestpass::crypto
