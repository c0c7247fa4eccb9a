// delete_user.cc: DELETE /api/client/v2.0/auth/delete (client-api.md section 10).
#include "http/await.h"
#include "http/handlers/handlers.h"
#include "log/logger.h"

namespace guestpass::http {

HandlerResult HandleDeleteUser(const Exchange& ex) {
  auto user_id =
      co_await Await<core::ObjectId>([&](auto done) { ex.services.auth.DeleteUser(ex.token, std::move(done)); });
  if (!user_id.ok()) co_return user_id.status();
  log::Info("deleted user at its own request", {{"user_id", user_id->ToHex()}, {"request_id", ex.request_id}});
  co_return EmptyResponse(bhttp::status::no_content, ex.request.version());
}

}  // namespace guestpass::http
