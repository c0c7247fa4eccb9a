// fake_transport.h: test-only Transport that answers from a function and
// records every request, for the admin CLI's unit tests. Never used by
// production code.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "cli/transport.h"

namespace guestpass::cli {

class FakeTransport final : public Transport {
 public:
  using Handler = std::function<core::Result<HttpResponse>(const HttpRequest&)>;

  explicit FakeTransport(Handler handler = nullptr) : handler_(std::move(handler)) {}
  void set_handler(Handler handler) { handler_ = std::move(handler); }

  core::Result<HttpResponse> Send(const HttpRequest& request) override {
    requests_.push_back(request);
    if (!handler_) return core::Status::Unavailable("connection refused");
    return handler_(request);
  }

  const std::vector<HttpRequest>& requests() const { return requests_; }

  // The value of header `name` in `request`, or "" when absent.
  static std::string Header(const HttpRequest& request, const std::string& name) {
    for (const auto& [key, value] : request.headers)
      if (key == name) return value;
    return "";
  }

 private:
  Handler handler_;
  std::vector<HttpRequest> requests_;
};

// An answer with a JSON body.
inline HttpResponse JsonAnswer(int status, std::string body) {
  return HttpResponse{status, "application/json", std::move(body)};
}

}  // namespace guestpass::cli
