// digest.h: SHA-256, HMAC-SHA-256 with per-thread reusable contexts, and
// constant-time comparison. The only OpenSSL digest users in guestpass.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace guestpass::crypto {

using Digest256 = std::array<uint8_t, 32>;

Digest256 Sha256(std::span<const uint8_t> data);
inline Digest256 Sha256(std::string_view data) {
  return Sha256(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(data.data()), data.size()));
}

// MD5 as 32 lowercase hex digits. Only for HTTP Digest authentication
// (RFC 2617, which realm-cli speaks to list Atlas projects); never for
// anything guestpass chooses itself.
std::string Md5Hex(std::string_view data);

// True when both ranges have equal size and bytes; time depends only on size.
bool ConstantTimeEquals(std::span<const uint8_t> a, std::span<const uint8_t> b);

// An HMAC-SHA-256 key. Compute() is thread-safe: each thread keeps its own
// keyed OpenSSL context, so the digest is looked up once per thread, not per
// call (3x faster, shared/notes/performance-facts.md).
class HmacSha256Key {
 public:
  explicit HmacSha256Key(std::vector<uint8_t> key);
  ~HmacSha256Key();
  HmacSha256Key(const HmacSha256Key&) = delete;
  HmacSha256Key& operator=(const HmacSha256Key&) = delete;

  Digest256 Compute(std::string_view data) const;

 private:
  std::vector<uint8_t> key_;
  uint64_t serial_;  // identifies this key in the per-thread context cache
};

}  // namespace guestpass::crypto
