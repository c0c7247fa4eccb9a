// location.cc: GET .../app/{app}/location (client-api.md section 3).
#include <nlohmann/json.hpp>

#include "http/handlers/handlers.h"

namespace guestpass::http {

HandlerResult HandleLocation(const Exchange& ex) {
  auto app = FindApp(ex);
  if (!app.ok()) co_return app.status();
  std::string hostname = ex.services.public_url;
  if (hostname.empty()) {
    auto host = ex.request.find(bhttp::field::host);
    hostname = "http://" + std::string(host != ex.request.end() ? Sv(host->value()) : std::string_view("localhost"));
  }
  while (!hostname.empty() && hostname.back() == '/') hostname.pop_back();
  std::string ws = hostname;
  if (ws.rfind("https://", 0) == 0)
    ws = "wss://" + ws.substr(8);
  else if (ws.rfind("http://", 0) == 0)
    ws = "ws://" + ws.substr(7);
  nlohmann::json body = {{"deployment_model", (*app)->settings.deployment_model},
                         {"location", (*app)->settings.location},
                         {"hostname", hostname},
                         {"ws_hostname", ws}};
  co_return JsonResponse(bhttp::status::ok, body.dump(), ex.request.version());
}

}  // namespace guestpass::http
