// common.cc: helpers shared by the handlers.
#include "http/handlers/handlers.h"

namespace guestpass::http {

using core::ErrorCode;
using core::Status;

core::Result<std::string_view> BearerToken(const Request& req) {
  auto it = req.find(bhttp::field::authorization);
  if (it == req.end())
    return Status::Unauthenticated(ErrorCode::kMissingAuthReq, "must authenticate first: no Authorization header");
  std::string_view value = Sv(it->value());
  if (value.size() < 7 || !IEquals(value.substr(0, 7), "Bearer "))
    return Status::Unauthenticated(ErrorCode::kMissingAuthReq,
                                   "must authenticate first: expected Authorization: Bearer <token>");
  value.remove_prefix(7);
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  return value;
}

core::Result<std::shared_ptr<const core::App>> FindApp(const Exchange& ex) {
  const std::string_view client_app_id = ex.route.Param("app");
  auto app = ex.services.apps.FindByClientAppId(client_app_id);
  if (!app) {
    std::string shown(client_app_id.substr(0, 100));
    return Status::NotFound(ErrorCode::kAppNotFound, "cannot find app using Client App ID '" + shown + "'");
  }
  return app;
}

}  // namespace guestpass::http
