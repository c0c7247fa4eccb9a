// profile.cc: GET /api/client/v2.0/auth/profile (client-api.md section 7).
// The body is written by hand, byte for byte what nlohmann's dump() of the
// same object gives (keys in sorted order, no spaces), because every
// authenticated app start reads it; only user data and strings that need
// escaping go through nlohmann.
#include <nlohmann/json.hpp>

#include "http/await.h"
#include "http/handlers/handlers.h"

namespace guestpass::http {

using nlohmann::json;

namespace {
// Appends `value` as dump() would write it: as is when it has only printable
// ASCII without quotes or backslashes, otherwise through nlohmann (which also
// throws on invalid UTF-8, as the whole dump() did).
void AppendDumpedString(std::string& out, std::string_view value) {
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u > 0x7e || c == '"' || c == '\\') {
      out += json(std::string(value)).dump();
      return;
    }
  }
  out += '"';
  out += value;
  out += '"';
}

void AppendData(std::string& out, const std::string& data_json) {
  if (data_json == "{}") {
    out += "{}";
    return;
  }
  json data = json::parse(data_json, nullptr, false);
  if (!data.is_object()) data = json::object();
  out += data.dump();
}
}  // namespace

HandlerResult HandleProfile(const Exchange& ex) {
  auto session = co_await Await<store::SessionWithUser>(
      [&](auto done) { ex.services.auth.Authenticate(ex.token, std::move(done)); });
  if (!session.ok()) co_return session.status();
  const core::User& user = session->user;
  std::string body;
  body.reserve(160 + user.identities.size() * 160 + user.data_json.size());
  body += R"({"data":)";
  AppendData(body, user.data_json);
  body += R"(,"domain_id":")";
  user.app_id.AppendHex(body);
  body += R"(","identities":[)";
  bool first = true;
  for (const auto& i : user.identities) {
    if (!first) body += ',';
    first = false;
    body += R"({"id":)";
    AppendDumpedString(body, i.id);
    body += R"(,"provider_id":")";
    i.provider_id.AppendHex(body);
    body += R"(","provider_type":)";
    AppendDumpedString(body, i.provider_type);
    body += '}';
  }
  body += R"(],"type":)";
  AppendDumpedString(body, user.type);
  body += R"(,"user_id":")";
  user.id.AppendHex(body);
  body += R"("})";
  co_return JsonResponse(bhttp::status::ok, std::move(body), ex.request.version());
}

}  // namespace guestpass::http
