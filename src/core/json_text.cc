// json_text.cc: RFC 8259 string escaping; the JSON nesting guard.
#include "core/json_text.h"

#include <array>
#include <cstdint>
#include <cstring>

namespace guestpass::core {

namespace {
// True for the bytes a JSON string must escape (controls, quote,
// backslash) and for non-ASCII bytes, whose UTF-8 is checked.
constexpr std::array<bool, 256> kNeedsEscape = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = true;
  for (int c = 0x80; c < 0x100; ++c) t[c] = true;
  t['"'] = true;
  t['\\'] = true;
  return t;
}();

constexpr uint64_t kOnes = 0x0101010101010101ULL;
constexpr uint64_t kHighs = 0x8080808080808080ULL;

// True if any byte of `w` is below 0x20, '"', '\\' or non-ASCII (exact:
// the classic "has a byte less than n" and "has a zero byte" tests, n <= 128).
bool WordNeedsEscape(uint64_t w) {
  const uint64_t below_space = (w - kOnes * 0x20) & ~w & kHighs;
  const uint64_t q = w ^ (kOnes * '"');
  const uint64_t b = w ^ (kOnes * '\\');
  const uint64_t quote = (q - kOnes) & ~q & kHighs;
  const uint64_t backslash = (b - kOnes) & ~b & kHighs;
  return (below_space | quote | backslash | (w & kHighs)) != 0;
}

// The length of the well-formed UTF-8 sequence at [p, p + n) (its first
// byte is >= 0x80), or 0 if it is not one (RFC 3629: no overlongs, no
// surrogates, nothing past U+10FFFF).
size_t Utf8SequenceLength(const unsigned char* p, size_t n) {
  const unsigned char c = p[0];
  size_t len;
  unsigned char lo = 0x80, hi = 0xBF;  // the second byte's range
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (n < len || p[1] < lo || p[1] > hi) return 0;
  for (size_t i = 2; i < len; ++i)
    if (p[i] < 0x80 || p[i] > 0xBF) return 0;
  return len;
}

// The length of the longest prefix of [p, p + n) that needs no escaping.
// Tokens, ids and hex (nearly all of what the server writes) are such
// prefixes whole: eight bytes a step.
size_t CleanPrefix(const char* p, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    if (WordNeedsEscape(w)) break;
  }
  while (i < n && !kNeedsEscape[static_cast<unsigned char>(p[i])]) ++i;
  return i;
}
}  // namespace

void AppendJsonString(std::string& out, std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.reserve(out.size() + value.size() + 2);
  out.push_back('"');
  const char* p = value.data();
  size_t left = value.size();
  while (left > 0) {
    const size_t run = CleanPrefix(p, left);
    out.append(p, run);
    p += run;
    left -= run;
    if (left == 0) break;
    const auto u = static_cast<unsigned char>(*p);
    switch (u) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (u >= 0x80) {
          // Well-formed UTF-8 goes as it is; anything else (a raw byte from
          // a request path, say) becomes U+FFFD, so the output is always
          // valid UTF-8.
          const size_t len = Utf8SequenceLength(reinterpret_cast<const unsigned char*>(p), left);
          if (len > 0) {
            out.append(p, len);
            p += len;
            left -= len;
            continue;
          }
          out += "\xEF\xBF\xBD";
          break;
        }
        out += "\\u00";
        out.push_back(kHex[u >> 4]);
        out.push_back(kHex[u & 0xf]);
    }
    ++p;
    --left;
  }
  out.push_back('"');
}

bool JsonNestingWithin(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;  // the escaped byte cannot end the string
      else if (c == '"') in_string = false;
      continue;
    }
    switch (c) {
      case '"': in_string = true; break;
      case '[':
      case '{':
        if (++depth > max_depth) return false;
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;  // a stray closer is the parser's to refuse
        break;
      default: break;
    }
  }
  return true;
}

}  // namespace guestpass::core
