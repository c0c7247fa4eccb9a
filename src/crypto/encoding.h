// encoding.h: base64url (RFC 4648 section 5, no padding) for JWTs and secrets.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace guestpass::crypto {

std::string Base64UrlEncode(std::span<const uint8_t> data);
inline std::string Base64UrlEncode(std::string_view data) {
  return Base64UrlEncode(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(data.data()), data.size()));
}
// Appends the encoding of `data` to `out`.
void Base64UrlAppend(std::string& out, std::span<const uint8_t> data);
// Decodes unpadded or padded base64url. Returns nullopt on any invalid input.
std::optional<std::string> Base64UrlDecode(std::string_view text);

}  // namespace guestpass::crypto
