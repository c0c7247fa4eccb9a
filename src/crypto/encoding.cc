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
  const auto* in = reinterpret_cast<const uint8_t*>(text.data());
  const size_t n = text.size();
  // Four characters make three bytes; a bad character makes the OR negative.
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const int8_t a = kDecode[in[i]], b = kDecode[in[i + 1]], c = kDecode[in[i + 2]], d = kDecode[in[i + 3]];
    if ((a | b | c | d) < 0) return std::nullopt;
    const uint32_t v = uint32_t(a) << 18 | uint32_t(b) << 12 | uint32_t(c) << 6 | uint32_t(d);
    *p++ = static_cast<char>(v >> 16);
    *p++ = static_cast<char>(v >> 8 & 0xff);
    *p++ = static_cast<char>(v & 0xff);
  }
  // The last 2 or 3 characters: 1 or 2 bytes, and the bits left over must
  // be zero (canonical encoding).
  if (const size_t rest = n - i; rest > 0) {
    const int8_t a = kDecode[in[i]], b = kDecode[in[i + 1]], c = rest == 3 ? kDecode[in[i + 2]] : int8_t{0};
    if ((a | b | c) < 0) return std::nullopt;
    const uint32_t v = uint32_t(a) << 18 | uint32_t(b) << 12 | uint32_t(c) << 6;
    *p++ = static_cast<char>(v >> 16);
    if (rest == 3) *p++ = static_cast<char>(v >> 8 & 0xff);
    const uint32_t leftover = rest == 2 ? v & 0xffff : v & 0xff;
    if (leftover != 0) return std::nullopt;
  }
  return out;
}

}  // namespace guestpass::crypto
