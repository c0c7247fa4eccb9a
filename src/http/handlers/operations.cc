// operations.cc: what operators and their tools ask the server itself:
// GET /readyz (ready to serve: the store answers and apps are loaded) and
// GET /metrics (the Prometheus text format; only for --metrics-readers,
// loopback by default). Neither says anything about a user.
#include "http/await.h"
#include "http/error_response.h"
#include "http/handlers/handlers.h"

namespace guestpass::http {

using core::ErrorCode;
using core::Status;

HandlerResult HandleReady(const Exchange& ex) {
  if (ex.services.store == nullptr) co_return Status::Unavailable("no store");
  auto ping = co_await Await<bool>([&](auto done) {
    ex.services.store->Ping([done = std::move(done)](Status s) mutable {
      if (!s.ok()) return done(s);
      done(true);
    });
  });
  if (!ping.ok()) {
    // 503 with the App Services body; the cause goes to the log (sampled).
    co_return Status::Unavailable("store unreachable: " + ping.status().message());
  }
  const size_t apps = ex.services.apps.All().size();
  co_return JsonResponse(bhttp::status::ok,
                         R"({"status":"ok","store":"ok","apps":)" + std::to_string(apps) + "}",
                         ex.request.version());
}

HandlerResult HandleMetrics(const Exchange& ex) {
  const auto client = ClientAddressOf(ex.request, ex.peer, ex.services.trusted_proxies);
  if (ex.services.metrics_readers == nullptr || !ex.services.metrics_readers->Contains(client))
    co_return Status::NotFound(ErrorCode::kNotFound, "no route for /metrics");  // as if there were none
  std::string out;
  out.reserve(64 * 1024);
  if (ex.services.metrics != nullptr) ex.services.metrics->Render(out);
  if (ex.services.process_metrics) ex.services.process_metrics(out);
  Response res{bhttp::status::ok, ex.request.version()};
  res.set(bhttp::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
  res.set(bhttp::field::cache_control, "no-store");
  res.body() = std::move(out);
  co_return res;
}

}  // namespace guestpass::http
