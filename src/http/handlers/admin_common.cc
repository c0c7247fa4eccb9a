// admin_common.cc: what the Admin API's handlers share.
#include "http/handlers/admin.h"

namespace guestpass::http {

using core::ErrorCode;
using core::ObjectId;
using core::Status;
using nlohmann::json;

core::Result<AdminServices*> AdminOf(const Exchange& ex) {
  if (ex.services.admin == nullptr)
    return Status::Unimplemented(ErrorCode::kNotFound, "this server has no Admin API");
  return ex.services.admin;
}

admin::Actor ActorOf(const Exchange& ex) {
  admin::Actor actor;
  actor.origin = "API";
  if (auto it = ex.request.find("X-BAAS-Request-Origin"); it != ex.request.end()) {
    const std::string_view origin = Sv(it->value());
    if (origin == "mongodb-baas-cli" || origin == "guestpass-cli") actor.origin = "CLI";
    if (origin == "guestpass-ui") actor.origin = "UI";
  }
  if (ex.admin != nullptr) {
    actor.admin_id = ex.admin->user.id;
    json data = json::parse(ex.admin->user.data_json, nullptr, false);
    const std::string name = data.is_object() ? data.value("name", "") : "";
    actor.label = "admin:" + (name.empty() ? actor.admin_id.ToHex() : name);
  }
  return actor;
}

std::string PercentDecode(std::string_view raw, bool plus_is_space) {
  const auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(raw.size());
  for (size_t k = 0; k < raw.size(); ++k) {
    if (raw[k] == '%' && k + 2 < raw.size() && hex(raw[k + 1]) >= 0 && hex(raw[k + 2]) >= 0) {
      out += static_cast<char>(hex(raw[k + 1]) * 16 + hex(raw[k + 2]));
      k += 2;
    } else {
      out += plus_is_space && raw[k] == '+' ? ' ' : raw[k];
    }
  }
  return out;
}

std::optional<std::string> QueryParam(std::string_view query, std::string_view name) {
  size_t i = 0;
  while (i <= query.size()) {
    size_t j = query.find('&', i);
    if (j == std::string_view::npos) j = query.size();
    const std::string_view pair = query.substr(i, j - i);
    const size_t eq = pair.find('=');
    if (pair.substr(0, eq) == name)
      return PercentDecode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
    i = j + 1;
  }
  return std::nullopt;
}

core::Result<std::optional<size_t>> QueryNumber(std::string_view query, std::string_view name) {
  auto value = QueryParam(query, name);
  if (!value || value->empty()) return std::optional<size_t>();
  size_t n = 0;
  for (char c : *value) {
    if (c < '0' || c > '9' || n > 1'000'000)
      return Status::InvalidArgument(ErrorCode::kInvalidParameter, "bad '" + std::string(name) + "'");
    n = n * 10 + static_cast<size_t>(c - '0');
  }
  return std::optional<size_t>(n);
}

core::Result<ObjectId> IdParam(const Exchange& ex, std::string_view name, ErrorCode code, const std::string& what) {
  auto id = ObjectId::FromHex(ex.route.Param(name));
  if (!id) return Status::NotFound(code, what + " not found");
  return *id;
}

core::Result<ObjectId> AppIdOf(const Exchange& ex) {
  auto admin = AdminOf(ex);
  if (!admin.ok()) return admin.status();
  if (ex.route.Param("group") != (*admin)->domain.id.ToHex())
    return Status::NotFound(ErrorCode::kNotFound, "group not found");
  return IdParam(ex, "app", ErrorCode::kAppNotFound, "app");
}

core::Result<AppTarget> AppTargetOf(const Exchange& ex) {
  auto admin = AdminOf(ex);
  if (!admin.ok()) return admin.status();
  auto app_id = AppIdOf(ex);
  if (!app_id.ok()) return app_id.status();
  return AppTarget{*admin, *app_id};
}

json AppJson(const core::App& app, const ObjectId& group_id) {
  return {{"_id", app.id.ToHex()},
          {"client_app_id", app.client_app_id},
          {"name", app.name},
          {"group_id", group_id.ToHex()},
          {"domain_id", app.id.ToHex()},
          {"location", app.settings.location},
          {"deployment_model", app.settings.deployment_model},
          {"provider_region", "local"},
          {"environment", ""},
          {"product", "standard"},
          {"last_used", app.created_at},
          {"last_modified", app.created_at}};
}

json ProviderJson(const core::ProviderConfig& p) {
  json out = {{"_id", p.id.ToHex()}, {"name", p.name}, {"type", p.type}, {"disabled", p.disabled}};
  json config = json::parse(p.config_json, nullptr, false);
  out["config"] = config.is_object() ? config : json::object();
  json fields = json::parse(p.metadata_fields_json, nullptr, false);
  if (fields.is_array() && !fields.empty()) out["metadata_fields"] = fields;
  // The names of the secrets; their values (resolved_config_json) never leave the server.
  json secret_config = json::parse(p.secret_config_json, nullptr, false);
  if (secret_config.is_object() && !secret_config.empty()) out["secret_config"] = secret_config;
  return out;
}

json DeploymentJson(const core::Deployment& d) {
  return {{"_id", d.id.ToHex()},
          {"name", d.name},
          {"app_id", d.app_id.ToHex()},
          {"draft_id", d.draft_id.IsZero() ? "" : d.draft_id.ToHex()},
          {"user_id", d.author_id.IsZero() ? "" : d.author_id.ToHex()},
          {"deployed_at", d.deployed_at},
          {"origin", d.origin},
          {"commit", ""},
          {"status", d.status == core::DeploymentStatus::kSuccessful ? "successful" : "failed"},
          {"status_error_message", d.error},
          {"diff_url", ""},
          {"remote_location", "local"}};
}

json DraftJson(const core::Draft& d, const ObjectId& group_id) {
  return {{"_id", d.id.ToHex()}, {"user_id", d.author_id.ToHex()}, {"app", AppJson(d.app, group_id)}};
}

Response JsonOk(const Exchange& ex, const json& body, bhttp::status status) {
  return JsonResponse(status, body.dump(-1, ' ', false, json::error_handler_t::replace), ex.request.version());
}

}  // namespace guestpass::http
