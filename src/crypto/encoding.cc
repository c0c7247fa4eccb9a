// encoding.cc: base64url encoder and strict decoder.
#include "crypto/encoding.h"

#include <array>

namespace guestpass::crypto {

namespace {
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr std::array<int8_t, 256> MakeDecodeTable() {
  std::array<int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 64; ++i) t[static_cast<uint8_t>(kAlphabet[i])] = static_cast<int8_t>(i);
  return t;
}
constexpr auto kDecode = MakeDecodeTable();
}  // namespace

// Sized once and written through a pointer: every login encodes about a
// kilobyte of token text, and a push_back per character was 7% of a login's
// instructions (callgrind).
void Base64UrlAppend(std::string& out, std::span<const uint8_t> data) {
  const size_t n = data.size();
  const size_t old_size = out.size();
  out.resize(old_size + n / 3 * 4 + (n % 3 == 0 ? 0 : n % 3 + 1));
  char* p = out.data() + old_size;
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const uint32_t v = uint32_t{data[i]} << 16 | uint32_t{data[i + 1]} << 8 | data[i + 2];
    *p++ = kAlphabet[v >> 18 & 63];
    *p++ = kAlphabet[v >> 12 & 63];
    *p++ = kAlphabet[v >> 6 & 63];
    *p++ = kAlphabet[v & 63];
  }
  if (n - i == 1) {
    const uint32_t v = uint32_t{data[i]} << 16;
    *p++ = kAlphabet[v >> 18 & 63];
    *p++ = kAlphabet[v >> 12 & 63];
  } else if (n - i == 2) {
    const uint32_t v = uint32_t{data[i]} << 16 | uint32_t{data[i + 1]} << 8;
    *p++ = kAlphabet[v >> 18 & 63];
    *p++ = kAlphabet[v >> 12 & 63];
    *p++ = kAlphabet[v >> 6 & 63];
  }
}

std::string Base64UrlEncode(std::span<const uint8_t> data) {
  std::string out;
  Base64UrlAppend(out, data);
  return out;
}

std::optional<std::string> Base64UrlDecode(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out(text.size() * 3 / 4, '\0');  // exactly the decoded size
  char* p = out.data();
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int8_t v = kDecode[static_cast<uint8_t>(c)];
    if (v < 0) return std::nullopt;
    acc = acc << 6 | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      *p++ = static_cast<char>(acc >> bits & 0xff);
    }
  }
  // Leftover bits must be zero (canonical encoding).
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

}  // namespace guestpass::crypto
