// json_text.cc: RFC 8259 string escaping.
#include "core/json_text.h"

namespace guestpass::core {

namespace {
bool NeedsEscape(unsigned char u) { return u < 0x20 || u == '"' || u == '\\'; }
}  // namespace

void AppendJsonString(std::string& out, std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.reserve(out.size() + value.size() + 2);
  out.push_back('"');
  // Runs that need no escaping (all of a token, id or hex value) go in one append.
  size_t run_start = 0;
  for (size_t i = 0; i < value.size(); ++i) {
    const auto u = static_cast<unsigned char>(value[i]);
    if (!NeedsEscape(u)) continue;
    out.append(value.data() + run_start, i - run_start);
    run_start = i + 1;
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
        out += "\\u00";
        out.push_back(kHex[u >> 4]);
        out.push_back(kHex[u & 0xf]);
    }
  }
  out.append(value.data() + run_start, value.size() - run_start);
  out.push_back('"');
}

}  // namespace guestpass::core
