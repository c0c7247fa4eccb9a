// profile.cc: profile files: JSON, mode 0600 in a 0700 directory, replaced
// atomically.
#include "cli/profile.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace guestpass::cli {

using core::ErrorCode;
using core::Status;
using nlohmann::json;

namespace {

Status Io(const std::string& what, const std::string& path) {
  return Status::Internal(what + " " + path + ": " + std::strerror(errno));
}

// mkdir -p with mode 0700 for what it creates.
Status MakeDirs(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) return Status::Internal(path + " exists and is not a directory");
    return Status::Ok();
  }
  if (size_t slash = path.rfind('/'); slash != std::string::npos && slash > 0) {
    if (Status s = MakeDirs(path.substr(0, slash)); !s.ok()) return s;
  }
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) return Io("cannot create", path);
  return Status::Ok();
}

// Writes all of `data` to `fd`.
bool WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

bool IsValidProfileName(const std::string& name) {
  if (name.empty() || name.size() > 64 || name[0] == '.') return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return false;
  return true;
}

core::Result<std::string> ProfileStore::DefaultDir(const std::function<const char*(const char*)>& getenv) {
  if (const char* xdg = getenv("XDG_CONFIG_HOME"); xdg != nullptr && xdg[0] == '/')
    return std::string(xdg) + "/guestpass";
  std::string home;
  if (const char* h = getenv("HOME"); h != nullptr && *h) {
    home = h;
  } else if (const passwd* pw = ::getpwuid(::getuid()); pw != nullptr && pw->pw_dir != nullptr) {
    home = pw->pw_dir;
  }
  if (home.empty()) return Status::Internal("cannot find the configuration directory: set HOME or XDG_CONFIG_HOME");
  return home + "/.config/guestpass";
}

core::Result<Profile> ProfileStore::Load(const std::string& name) const {
  if (!IsValidProfileName(name))
    return Status::InvalidArgument(ErrorCode::kNone, "invalid profile name '" + name + "'");
  const std::string path = PathOf(name);
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT) return Status::NotFound(ErrorCode::kNone, "no profile '" + name + "'");
    return Io("cannot read", path);
  }
  std::stringstream text;
  text << in.rdbuf();
  json j = json::parse(text.str(), nullptr, false);
  if (!j.is_object()) return Status::InvalidArgument(ErrorCode::kNone, path + " is not a guestpass profile");
  Profile p;
  const std::pair<const char*, std::string*> fields[] = {
      {"url", &p.url},
      {"group_id", &p.group_id},
      {"username", &p.username},
      {"api_key", &p.api_key},
      {"private_api_key", &p.private_api_key},
      {"access_token", &p.access_token},
      {"refresh_token", &p.refresh_token},
  };
  for (const auto& [key, field] : fields) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) continue;
    if (!it->is_string())
      return Status::InvalidArgument(ErrorCode::kNone, path + ": '" + key + "' is not a string");
    *field = it->get<std::string>();
  }
  return p;
}

Status ProfileStore::EnsureDir() const {
  if (Status s = MakeDirs(dir_); !s.ok()) return s;
  // The directory is the CLI's own: whatever made it wider, it is 0700.
  if (::chmod(dir_.c_str(), 0700) != 0) return Io("cannot set the mode of", dir_);
  return Status::Ok();
}

Status ProfileStore::Save(const std::string& name, const Profile& p) const {
  if (!IsValidProfileName(name))
    return Status::InvalidArgument(ErrorCode::kNone, "invalid profile name '" + name + "'");
  if (Status s = EnsureDir(); !s.ok()) return s;
  json j = {{"url", p.url}, {"group_id", p.group_id}};
  if (!p.username.empty()) j["username"] = p.username;
  if (!p.api_key.empty()) j["api_key"] = p.api_key;
  if (!p.private_api_key.empty()) j["private_api_key"] = p.private_api_key;
  j["access_token"] = p.access_token;
  j["refresh_token"] = p.refresh_token;
  const std::string text = j.dump(2) + "\n";

  const std::string path = PathOf(name);
  std::string temp = dir_ + "/." + name + ".json.XXXXXX";
  int fd = ::mkstemp(temp.data());  // mode 0600
  if (fd < 0) return Io("cannot create a file in", dir_);
  const bool written = ::fchmod(fd, 0600) == 0 && WriteAll(fd, text) && ::fsync(fd) == 0;
  const int write_errno = errno;
  ::close(fd);
  if (!written) errno = write_errno;
  if (!written || ::rename(temp.c_str(), path.c_str()) != 0) {
    Status s = Io("cannot write", path);
    ::unlink(temp.c_str());
    return s;
  }
  if (int dir_fd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY); dir_fd >= 0) {
    ::fsync(dir_fd);  // the rename itself survives a crash
    ::close(dir_fd);
  }
  return Status::Ok();
}

}  // namespace guestpass::cli
