// transport.h: one HTTP exchange, the seam between the admin CLI and the
// network: CurlTransport in the binary, scripted fakes in tests. Knows
// nothing of the Admin API, tokens or JSON.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/status.h"

namespace guestpass::cli {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string url;     // absolute
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // sent when not empty
};

struct HttpResponse {
  int status = 0;
  std::string content_type;
  std::string body;
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Sends the request and returns the answer, whatever its status.
  // Unavailable with a one-line message in words when no answer came
  // (connection refused, unknown host, timeout, TLS failure).
  virtual core::Result<HttpResponse> Send(const HttpRequest& request) = 0;
};

// HTTP(S) through libcurl: no redirects, 10 s to connect, 60 s per exchange.
class CurlTransport final : public Transport {
 public:
  CurlTransport();
  core::Result<HttpResponse> Send(const HttpRequest& request) override;
};

}  // namespace guestpass::cli
