// session.cc: POST /auth/session (refresh the access token, 201) and
// DELETE /auth/session (log out, 204), both with the refresh token
// (client-api.md sections 8 and 9).
#include "core/json_text.h"
#include "http/await.h"
#include "http/handlers/handlers.h"
#include "log/logger.h"

namespace guestpass::http {

HandlerResult HandleRefresh(const Exchange& ex) {
  auto access =
      co_await Await<std::string>([&](auto done) { ex.services.auth.RefreshAccessToken(ex.token, std::move(done)); });
  if (!access.ok()) co_return access.status();
  std::string body = R"({"access_token":)";
  core::AppendJsonString(body, *access);
  body += '}';
  co_return JsonResponse(bhttp::status::created, std::move(body), ex.request.version());
}

HandlerResult HandleLogout(const Exchange& ex) {
  auto result =
      co_await Await<auth::LogoutResult>([&](auto done) { ex.services.auth.Logout(ex.token, std::move(done)); });
  if (!result.ok()) co_return result.status();
  ex.note->app_id = result->app_id;
  ex.note->user_id = result->user_id;
  ex.note->auth_event = "logout";
  if (result->user_deleted) {
    log::Info("deleted anonymous user at logout: nobody can log in to it again",
              {{"user_id", result->user_id.ToHex()}, {"request_id", ex.request_id}});
  }
  co_return EmptyResponse(bhttp::status::no_content, ex.request.version());
}

}  // namespace guestpass::http
