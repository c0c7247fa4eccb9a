// profile.cc: GET /api/client/v2.0/auth/profile (client-api.md section 7).
#include <nlohmann/json.hpp>

#include "http/await.h"
#include "http/handlers/handlers.h"

namespace guestpass::http {

using nlohmann::json;

HandlerResult HandleProfile(const Exchange& ex) {
  auto token = BearerToken(ex.request);
  if (!token.ok()) co_return token.status();
  auto session = co_await Await<store::SessionWithUser>(
      [&](auto done) { ex.services.auth.Authenticate(*token, std::move(done)); });
  if (!session.ok()) co_return session.status();
  const core::User& user = session->user;
  json identities = json::array();
  for (const auto& i : user.identities)
    identities.push_back({{"id", i.id}, {"provider_type", i.provider_type}, {"provider_id", i.provider_id.ToHex()}});
  json data = json::parse(user.data_json, nullptr, false);
  if (!data.is_object()) data = json::object();
  json body = {{"user_id", user.id.ToHex()},
               {"domain_id", user.app_id.ToHex()},
               {"identities", std::move(identities)},
               {"data", std::move(data)},
               {"type", user.type}};
  co_return JsonResponse(bhttp::status::ok, body.dump(), ex.request.version());
}

}  // namespace guestpass::http
