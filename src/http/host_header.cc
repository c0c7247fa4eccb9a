// host_header.cc: see host_header.h.
#include "http/host_header.h"

namespace guestpass::http {

namespace {
bool IsRegNameChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '-': case '.': case '_': case '~':                                        // unreserved
    case '!': case '$': case '&': case '\'': case '(': case ')': case '*': case '+':  // sub-delims
    case ',': case ';': case '=':
    case '%':  // pct-encoded (the digits are letters and digits)
      return true;
    default:
      return false;
  }
}

bool IsIpv6LiteralChar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
}
}  // namespace

bool IsValidHost(std::string_view value) {
  if (value.empty() || value.size() > 255 + 6) return false;
  std::string_view host = value;
  std::string_view port;
  if (host.front() == '[') {
    const size_t close = host.find(']');
    if (close == std::string_view::npos || close < 3) return false;
    for (char c : host.substr(1, close - 1))
      if (!IsIpv6LiteralChar(c)) return false;
    const std::string_view rest = host.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return false;
      port = rest.substr(1);
    }
  } else {
    const size_t colon = host.rfind(':');
    if (colon != std::string_view::npos) {
      port = host.substr(colon + 1);
      host = host.substr(0, colon);
    }
    if (host.empty()) return false;
    for (char c : host)
      if (!IsRegNameChar(c)) return false;
  }
  if (value.find(':') != std::string_view::npos && value.back() == ':') return false;  // "host:" with no port
  if (port.size() > 5) return false;
  for (char c : port)
    if (c < '0' || c > '9') return false;
  return true;
}

core::Status CheckHostHeader(const Request& req) {
  const auto hosts = req.count(bhttp::field::host);
  if (hosts > 1) return core::Status::InvalidArgument(core::ErrorCode::kBadRequest, "more than one Host header");
  if (hosts == 0) {
    if (req.version() >= 11)
      return core::Status::InvalidArgument(core::ErrorCode::kBadRequest, "an HTTP/1.1 request needs a Host header");
    return core::Status::Ok();
  }
  if (!IsValidHost(Sv(req.find(bhttp::field::host)->value())))
    return core::Status::InvalidArgument(core::ErrorCode::kBadRequest, "invalid Host header");
  return core::Status::Ok();
}

}  // namespace guestpass::http
