// types.cc: response constructors and their wire form.
#include "http/types.h"

namespace guestpass::http {

Response JsonResponse(bhttp::status status, std::string body, unsigned version) {
  Response res{status, version};
  res.set(bhttp::field::content_type, "application/json");
  res.body() = std::move(body);
  return res;
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

void AppendWire(const Response& res, std::string& out) {
  const unsigned version = res.version();
  const unsigned code = res.result_int();
  const std::string_view reason = Sv(res.reason());
  const std::string_view body = res.body();
  size_t size = 32 + reason.size() + body.size();
  for (const auto& f : res) size += f.name_string().size() + f.value().size() + 4;
  out.reserve(out.size() + size);
  const char status_line[] = {'H', 'T', 'T', 'P', '/', static_cast<char>('0' + version / 10 % 10), '.',
                              static_cast<char>('0' + version % 10), ' ', static_cast<char>('0' + code / 100 % 10),
                              static_cast<char>('0' + code / 10 % 10), static_cast<char>('0' + code % 10), ' '};
  out.append(status_line, sizeof status_line);
  out += reason;
  out += "\r\n";
  for (const auto& f : res) {
    out += Sv(f.name_string());
    out += ": ";
    out += Sv(f.value());
    out += "\r\n";
  }
  out += "\r\n";
  out += body;
}

Response EmptyResponse(bhttp::status status, unsigned version) { return Response{status, version}; }

}  // namespace guestpass::http
