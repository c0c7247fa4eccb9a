// http_metrics.cc: see http_metrics.h.
#include "http/http_metrics.h"

namespace guestpass::http {

HttpMetrics::HttpMetrics(std::vector<std::string> route_labels) {
  for (auto& label : route_labels) {
    routes_.push_back(std::make_unique<RouteCounters>());
    routes_.back()->label = std::move(label);
  }
  routes_.push_back(std::make_unique<RouteCounters>());
  routes_.back()->label = "unmatched";
}

HttpMetrics::RouteCounters& HttpMetrics::Of(size_t route) {
  return *routes_[route < routes_.size() - 1 ? route : routes_.size() - 1];
}

void HttpMetrics::Request(size_t route, unsigned status, double seconds) {
  RouteCounters& r = Of(route);
  size_t slot = kStatusSlots - 1;
  for (size_t i = 0; i < std::size(kStatuses); ++i)
    if (kStatuses[i] == status) slot = i;
  r.by_status[slot].Add();
  r.latency.Observe(seconds);
}

void HttpMetrics::Login(std::string_view provider_type, LoginOutcome outcome) {
  size_t p = std::size(kProviders) - 1;
  for (size_t i = 0; i + 1 < std::size(kProviders); ++i)
    if (provider_type == kProviders[i]) p = i;
  logins_[p][static_cast<size_t>(outcome)].Add();
}

void HttpMetrics::Throttled(Throttle why) { throttled_[static_cast<size_t>(why)].Add(); }

void HttpMetrics::Render(std::string& out) const {
  using metrics::EscapeLabel;
  metrics::WriteHeader(out, "guestpass_http_requests_total", "counter", "HTTP requests answered, by route and status.");
  for (const auto& r : routes_) {
    const std::string route = "route=\"" + EscapeLabel(r->label) + "\"";
    for (size_t i = 0; i < kStatusSlots; ++i) {
      const uint64_t n = r->by_status[i].Value();
      if (n == 0) continue;
      const std::string code = i < std::size(kStatuses) ? std::to_string(kStatuses[i]) : "other";
      metrics::WriteSample(out, "guestpass_http_requests_total", route + ",status=\"" + code + "\"",
                           static_cast<double>(n));
    }
  }
  metrics::WriteHeader(out, "guestpass_http_request_duration_seconds", "histogram",
                       "Time from a request's arrival to its response, by route.");
  for (const auto& r : routes_) {
    auto snapshot = r->latency.Read();
    if (snapshot.count == 0) continue;
    metrics::WriteHistogram(out, "guestpass_http_request_duration_seconds",
                            "route=\"" + EscapeLabel(r->label) + "\"", snapshot);
  }
  static constexpr const char* kOutcomeNames[] = {"success", "failure", "error", "throttled"};
  metrics::WriteHeader(out, "guestpass_logins_total", "counter",
                       "Client API logins by provider type and outcome (failure: wrong credentials).");
  for (size_t p = 0; p < std::size(kProviders); ++p)
    for (size_t o = 0; o < kOutcomes; ++o)
      metrics::WriteSample(out, "guestpass_logins_total",
                           std::string("provider=\"") + kProviders[p] + "\",outcome=\"" + kOutcomeNames[o] + "\"",
                           static_cast<double>(logins_[p][o].Value()));
  static constexpr const char* kThrottleNames[] = {"signup", "guess", "admin_login"};
  metrics::WriteHeader(out, "guestpass_throttled_requests_total", "counter",
                       "Requests answered 429, by reason: anonymous sign-up limits, failed-login waits, admin login limits.");
  for (size_t i = 0; i < std::size(kThrottleNames); ++i)
    metrics::WriteSample(out, "guestpass_throttled_requests_total", std::string("reason=\"") + kThrottleNames[i] + "\"",
                         static_cast<double>(throttled_[i].Value()));
}

}  // namespace guestpass::http
