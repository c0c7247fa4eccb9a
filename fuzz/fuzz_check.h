// fuzz_check.h: what the fuzz targets share: FUZZ_CHECK, which turns a
// broken property into a crash libFuzzer reports (and keeps the input of),
// and a strict UTF-8 oracle that is not guestpass's own code.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace guestpass::fuzz {

// Prints what failed and a printable excerpt of `detail`, then aborts.
[[noreturn]] inline void Fail(const char* what, const char* file, int line, std::string_view detail) {
  std::fprintf(stderr, "\nFUZZ_CHECK failed at %s:%d: %s\n", file, line, what);
  if (!detail.empty()) {
    std::string shown;
    for (unsigned char c : detail.substr(0, 2000)) {
      if (c >= 0x20 && c < 0x7f && c != '\\') {
        shown += static_cast<char>(c);
      } else {
        char hex[5];
        std::snprintf(hex, sizeof hex, "\\x%02x", c);
        shown += hex;
      }
    }
    std::fprintf(stderr, "  detail: %s%s\n", shown.c_str(), detail.size() > 2000 ? " ..." : "");
  }
  std::abort();
}

// True if `text` is well-formed UTF-8 (RFC 3629), as nlohmann's serializer
// judges it (it throws type_error 316 on anything else).
inline bool IsStrictUtf8(std::string_view text) {
  try {
    (void)nlohmann::json(std::string(text)).dump();
    return true;
  } catch (const nlohmann::json::type_error&) {
    return false;
  }
}

}  // namespace guestpass::fuzz

// Aborts (a crash for libFuzzer) unless `cond` holds; `detail` (anything
// convertible to std::string_view) is printed with it.
#define FUZZ_CHECK(cond, detail)                                                     \
  do {                                                                               \
    if (!(cond)) ::guestpass::fuzz::Fail(#cond, __FILE__, __LINE__, (detail));       \
  } while (0)
