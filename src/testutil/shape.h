// shape.h: test-only checks of the textual shape of generated values (used
// instead of std::regex, which trips GCC 12 warnings in sanitizer builds).
#pragma once

#include <string_view>

namespace guestpass::testutil {

// True when `text` has exactly `length` characters, all from `alphabet`.
inline bool IsMadeOf(std::string_view text, size_t length, std::string_view alphabet) {
  return text.size() == length && text.find_first_not_of(alphabet) == std::string_view::npos;
}

inline constexpr std::string_view kLowerHex = "0123456789abcdef";
inline constexpr std::string_view kLowerLetters = "abcdefghijklmnopqrstuvwxyz";

// An App Services anonymous identity id: ^[0-9a-f]{24}-[a-z]{24}$.
inline bool IsAnonIdentityId(std::string_view id) {
  return id.size() == 49 && id[24] == '-' && IsMadeOf(id.substr(0, 24), 24, kLowerHex) &&
         IsMadeOf(id.substr(25), 24, kLowerLetters);
}

}  // namespace guestpass::testutil
