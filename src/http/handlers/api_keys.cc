// api_keys.cc: the user API key endpoints under /api/client/v2.0/auth/api_keys
// (client-api.md section 12), all authorised by the refresh token. Key objects
// carry `_id` as a plain 24-hex string (core rejects {"$oid": ...} there).
#include <nlohmann/json.hpp>

#include "http/await.h"
#include "http/handlers/handlers.h"
#include "http/json_body.h"

namespace guestpass::http {

using core::ErrorCode;
using core::Status;
using nlohmann::json;

namespace {
json KeyJson(const auth::ApiKeyView& view) {
  json out = {{"_id", view.record.id.ToHex()}, {"name", view.record.name}, {"disabled", view.record.disabled}};
  if (!view.key.empty()) out["key"] = view.key;
  return out;
}

core::Result<core::ObjectId> KeyIdOf(const Exchange& ex) {
  auto id = core::ObjectId::FromHex(ex.route.Param("key"));
  if (!id) return Status::NotFound(ErrorCode::kAPIKeyNotFound, "API key not found");
  return *id;
}
}  // namespace

HandlerResult HandleListApiKeys(const Exchange& ex) {
  auto keys = co_await Await<std::vector<auth::ApiKeyView>>(
      [&](auto done) { ex.services.auth.ListApiKeys(ex.token, std::move(done)); });
  if (!keys.ok()) co_return keys.status();
  json out = json::array();
  for (const auto& k : *keys) out.push_back(KeyJson(k));
  co_return JsonResponse(bhttp::status::ok, out.dump(), ex.request.version());
}

HandlerResult HandleCreateApiKey(const Exchange& ex) {
  auto body = ParseJsonObjectBody(ex.request);
  if (!body.ok()) co_return body.status();
  auto name = body->find("name");
  if (name == body->end() || !name->is_string())
    co_return Status::InvalidArgument(ErrorCode::kMissingParameter, "expected the key's \"name\" as a string");
  auto created = co_await Await<auth::ApiKeyView>(
      [&](auto done) { ex.services.auth.CreateApiKey(ex.token, name->get<std::string>(), std::move(done)); });
  if (!created.ok()) co_return created.status();
  co_return JsonResponse(bhttp::status::created, KeyJson(*created).dump(), ex.request.version());
}

HandlerResult HandleGetApiKey(const Exchange& ex) {
  auto key_id = KeyIdOf(ex);
  if (!key_id.ok()) co_return key_id.status();
  auto key = co_await Await<auth::ApiKeyView>(
      [&](auto done) { ex.services.auth.GetApiKey(ex.token, *key_id, std::move(done)); });
  if (!key.ok()) co_return key.status();
  co_return JsonResponse(bhttp::status::ok, KeyJson(*key).dump(), ex.request.version());
}

HandlerResult HandleDeleteApiKey(const Exchange& ex) {
  auto key_id = KeyIdOf(ex);
  if (!key_id.ok()) co_return key_id.status();
  auto deleted = co_await Await<core::ObjectId>(
      [&](auto done) { ex.services.auth.DeleteApiKey(ex.token, *key_id, std::move(done)); });
  if (!deleted.ok()) co_return deleted.status();
  co_return EmptyResponse(bhttp::status::no_content, ex.request.version());
}

namespace {
HandlerResult SetApiKeyDisabled(const Exchange& ex, bool disabled) {
  auto key_id = KeyIdOf(ex);
  if (!key_id.ok()) co_return key_id.status();
  auto changed = co_await Await<core::ObjectId>(
      [&](auto done) { ex.services.auth.SetApiKeyDisabled(ex.token, *key_id, disabled, std::move(done)); });
  if (!changed.ok()) co_return changed.status();
  co_return EmptyResponse(bhttp::status::no_content, ex.request.version());
}
}  // namespace

HandlerResult HandleEnableApiKey(const Exchange& ex) { return SetApiKeyDisabled(ex, false); }
HandlerResult HandleDisableApiKey(const Exchange& ex) { return SetApiKeyDisabled(ex, true); }

}  // namespace guestpass::http
