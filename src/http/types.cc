// types.cc: response constructors.
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

Response EmptyResponse(bhttp::status status, unsigned version) { return Response{status, version}; }

}  // namespace guestpass::http
