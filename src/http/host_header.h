// host_header.h: the Host header checks of RFC 9112 section 3.2: an
// HTTP/1.1 request needs exactly one Host, and its value must be a host (a
// registered name, IPv4 address or bracketed IPv6 literal) with an optional
// port. The server answers 400 otherwise, before routing, so that no handler
// (the location endpoint echoes the host) sees one that is not.
#pragma once

#include <string_view>

#include "core/status.h"
#include "http/types.h"

namespace guestpass::http {

// True if `value` is host [":" port] as RFC 3986 allows it (no userinfo).
bool IsValidHost(std::string_view value);

// InvalidArgument(BadRequest) naming the problem, or OK.
core::Status CheckHostHeader(const Request& req);

}  // namespace guestpass::http
