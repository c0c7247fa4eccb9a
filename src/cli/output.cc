// output.cc: tables and formatting for the admin CLI's human-readable output.
#include "cli/output.h"

#include <algorithm>
#include <ctime>

namespace guestpass::cli {

using nlohmann::json;

namespace {

std::string Text(const json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  if (it == object.end()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_boolean()) return it->get<bool>() ? "true" : "false";
  if (it->is_number()) return it->dump();
  return "";
}

std::string Time(const json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  if (it == object.end() || !it->is_number()) return "";
  return FormatTime(it->get<int64_t>());
}

bool Flag(const json& object, const char* key) {
  return object.is_object() && object.contains(key) && object[key].is_boolean() && object[key].get<bool>();
}

}  // namespace

std::string Table::Render() const {
  std::vector<size_t> widths;
  for (const auto& row : rows_) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows_) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string FormatTime(int64_t unix_seconds) {
  if (unix_seconds <= 0) return "-";
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string Redact(const std::string& secret) {
  if (secret.size() <= 12) return std::string(secret.size(), '*');
  return std::string(secret.size() - 4, '*') + secret.substr(secret.size() - 4);
}

std::string AppsTable(const json& apps) {
  Table table({"CLIENT APP ID", "NAME", "_ID", "CREATED"});
  for (const auto& app : apps)
    table.Add({Text(app, "client_app_id"), Text(app, "name"), Text(app, "_id"), Time(app, "last_used")});
  return table.Render();
}

std::string ProvidersTable(const json& providers) {
  Table table({"NAME", "TYPE", "ENABLED", "_ID"});
  for (const auto& p : providers)
    table.Add({Text(p, "name"), Text(p, "type"), Flag(p, "disabled") ? "no" : "yes", Text(p, "_id")});
  return table.Render();
}

std::string UsersTable(const json& users) {
  Table table({"ID", "TYPE", "PROVIDERS", "STATUS", "CREATED", "LAST AUTHENTICATED"});
  for (const auto& u : users) {
    std::vector<std::string> types;
    if (u.is_object() && u.contains("identities") && u["identities"].is_array())
      for (const auto& identity : u["identities"]) {
        std::string type = Text(identity, "provider_type");
        if (!type.empty() && std::find(types.begin(), types.end(), type) == types.end()) types.push_back(type);
      }
    std::string providers;
    for (const auto& t : types) providers += (providers.empty() ? "" : ",") + t;
    table.Add({Text(u, "_id"), Text(u, "type"), providers, Flag(u, "disabled") ? "disabled" : "enabled",
               Time(u, "creation_date"), Time(u, "last_authentication_date")});
  }
  return table.Render();
}

std::string PendingTable(const json& pending) {
  Table table({"ID", "EMAIL", "CONFIRMED", "CREATED"});
  for (const auto& p : pending) {
    std::string email;
    if (p.is_object() && p.contains("login_ids") && p["login_ids"].is_array() && !p["login_ids"].empty())
      email = Text(p["login_ids"][0], "id");
    table.Add({Text(p, "_id"), email, Flag(p, "confirmed") ? "yes" : "no", Time(p, "creation_date")});
  }
  return table.Render();
}

std::string LogsTable(const json& logs) {
  Table table({"TIME", "TYPE", "EVENT", "STATUS", "USER", "REMOTE", "ERROR"});
  for (const auto& e : logs) {
    std::string event;
    if (e.is_object() && e.contains("auth_event") && e["auth_event"].is_object()) {
      const json& a = e["auth_event"];
      event = Text(a, "type") + " " + Text(a, "provider");
    } else {
      event = Text(e, "request_method") + " " + Text(e, "request_url");
    }
    std::string status;
    if (e.is_object() && e.contains("status") && e["status"].is_number_integer())
      status = std::to_string(e["status"].get<int64_t>());
    table.Add({Text(e, "started"), Text(e, "type"), event, status, Text(e, "user_id"), Text(e, "remote_ip_address"),
               Text(e, "error")});
  }
  return table.Render();
}

std::string DeploymentsTable(const json& deployments) {
  Table table({"ID", "STATUS", "ORIGIN", "DEPLOYED AT", "ERROR"});
  for (const auto& d : deployments)
    table.Add({Text(d, "_id"), Text(d, "status"), Text(d, "origin"), Time(d, "deployed_at"),
               Text(d, "status_error_message")});
  return table.Render();
}

std::string SecretsTable(const json& secrets) {
  Table table({"NAME", "_ID"});
  for (const auto& s : secrets) table.Add({Text(s, "name"), Text(s, "_id")});
  return table.Render();
}

}  // namespace guestpass::cli
