// app_files.cc: app directories for pull, push and apps diff.
#include "cli/app_files.h"

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <system_error>

#include "admin/diff.h"

namespace guestpass::cli {

using core::ErrorCode;
using core::Status;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

bool IsSafeRelativePath(const std::string& path) {
  if (path.empty() || path.front() == '/') return false;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    const std::string part = path.substr(start, slash - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = slash + 1;
  }
  return true;
}

// The file's bytes, or nullopt when it cannot be read (absent included).
std::optional<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

Status WriteWhole(const fs::path& path, const std::string& bytes) {
  const fs::path tmp = path.string() + ".guestpass-tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) {
      std::error_code ignored;
      fs::remove(tmp, ignored);
      return Status::Internal("cannot write " + path.string());
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    return Status::Internal("cannot write " + path.string() + ": " + ec.message());
  }
  return Status::Ok();
}

// The settings an app's parsed files describe, location and deployment
// model included (the root file's, when it gives them).
core::AppSettings SettingsOf(const config::AppDefinition& def) {
  core::AppSettings settings = def.settings;
  if (!def.deployment_model.empty()) settings.deployment_model = def.deployment_model;
  if (!def.location.empty()) settings.location = def.location;
  return settings;
}

}  // namespace

core::Result<std::vector<std::string>> WriteAppFiles(const std::string& dir, const config::AppFiles& files) {
  for (const auto& [path, bytes] : files)
    if (!IsSafeRelativePath(path))
      return Status::InvalidArgument(ErrorCode::kNone, "the archive holds '" + path + "', a path outside " + dir);
  std::vector<std::string> written;
  for (const auto& [path, bytes] : files) {
    const fs::path target = fs::path(dir) / path;
    std::error_code ec;
    fs::create_directories(target.parent_path(), ec);
    if (ec) return Status::Internal("cannot create " + target.parent_path().string() + ": " + ec.message());
    if (ReadFile(target) == bytes) continue;
    if (Status s = WriteWhole(target, bytes); !s.ok()) return s;
    written.push_back(path);
  }
  return written;
}

core::Result<json> PushDocument(const config::AppFiles& files, const std::string& where) {
  auto def = config::ParseAppFiles(files, where);
  if (!def.ok()) return def.status();
  json doc = {{"app_id", def->client_app_id}, {"name", def->name}};
  if (!def->location.empty()) doc["location"] = def->location;
  if (!def->deployment_model.empty()) doc["deployment_model"] = def->deployment_model;
  json providers = json::array();
  if (auto it = files.find("auth/providers.json"); it != files.end()) {
    const json by_name = json::parse(it->second);  // ParseAppFiles took it: an object
    for (const auto& [name, provider] : by_name.items()) providers.push_back(provider);
  }
  doc["auth_providers"] = std::move(providers);
  if (auto it = files.find("guestpass.json"); it != files.end()) doc["guestpass"] = json::parse(it->second);
  return doc;
}

core::Result<config::AppFiles> PushedFiles(const config::AppFiles& local, const config::AppFiles& remote,
                                           const std::string& where) {
  auto mine = config::ParseAppFiles(local, where);
  if (!mine.ok()) return mine.status();
  auto theirs = config::ParseAppFiles(remote, "");
  if (!theirs.ok()) return Status::Internal("the server's export does not parse: " + theirs.status().message());
  if (mine->client_app_id != theirs->client_app_id)
    return Status::InvalidArgument(ErrorCode::kNone, where + " is app '" + mine->client_app_id + "', not '" +
                                                         theirs->client_app_id + "'");
  const core::AppSettings kept = SettingsOf(*theirs);
  core::App app;
  app.client_app_id = mine->client_app_id;
  app.name = mine->name;
  app.providers = mine->providers;
  app.settings = mine->settings_given ? mine->settings : kept;
  // What the root file leaves out keeps the app's (the server fills it in).
  app.settings.deployment_model = mine->deployment_model.empty() ? kept.deployment_model : mine->deployment_model;
  app.settings.location = mine->location.empty() ? kept.location : mine->location;
  return config::ExportAppFiles(app);
}

core::Result<std::vector<std::string>> PushDiffs(const config::AppFiles& local, const config::AppFiles& remote,
                                                 const std::string& where) {
  auto pushed = PushedFiles(local, remote, where);
  if (!pushed.ok()) return pushed.status();
  return admin::DiffFiles(remote, *pushed);
}

}  // namespace guestpass::cli
