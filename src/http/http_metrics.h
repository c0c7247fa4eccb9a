// http_metrics.h: what /metrics tells of the HTTP side: requests and their
// latency by route and status, logins by provider type and outcome, and
// throttled requests by reason. Recording is a few relaxed atomic
// increments (Api records every request; the login handlers their
// outcomes); Render writes the Prometheus text. Labels are route patterns
// and fixed names, never a request's own values.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/metrics.h"

namespace guestpass::http {

class HttpMetrics {
 public:
  // `route_labels`: one per mounted route ("POST /api/client/v2.0/app/{app}/..."),
  // in Router order; requests that match none are counted as "unmatched".
  explicit HttpMetrics(std::vector<std::string> route_labels);

  // `route` is RouteMatch::index, or kUnmatched.
  static constexpr size_t kUnmatched = static_cast<size_t>(-1);
  void Request(size_t route, unsigned status, double seconds);

  enum class LoginOutcome { kSuccess, kFailure, kError, kThrottled };
  void Login(std::string_view provider_type, LoginOutcome outcome);

  enum class Throttle { kSignup, kGuess, kAdminLogin };
  void Throttled(Throttle why);

  void Render(std::string& out) const;

 private:
  // The status codes guestpass answers; anything else is "other".
  static constexpr unsigned kStatuses[] = {200, 201, 202, 204, 304, 400, 401, 403, 404,
                                           405, 409, 413, 415, 429, 500, 501, 503};
  static constexpr size_t kStatusSlots = std::size(kStatuses) + 1;
  static constexpr const char* kProviders[] = {"anon-user", "local-userpass", "api-key", "custom-token", "other"};
  static constexpr size_t kOutcomes = 4;

  struct RouteCounters {
    std::string label;
    metrics::Counter by_status[kStatusSlots];
    metrics::Histogram latency{metrics::kLatencySeconds};
  };
  RouteCounters& Of(size_t route);

  std::vector<std::unique_ptr<RouteCounters>> routes_;  // the last: unmatched
  metrics::Counter logins_[std::size(kProviders)][kOutcomes];
  metrics::Counter throttled_[3];
};

}  // namespace guestpass::http
