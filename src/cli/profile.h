// profile.h: the admin CLI's profiles: where a login is kept between
// commands (server URL, group, who logged in, tokens). One JSON file per
// profile, $XDG_CONFIG_HOME/guestpass/<profile>.json (else
// ~/.config/guestpass/), readable by the owner only. Never holds a password;
// an admin API key's private part is kept so `guestpass login` can log in
// again with it, as the App Services CLI does.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "core/status.h"

namespace guestpass::cli {

struct Profile {
  std::string url;       // the server, "http://host:port" (no /api/admin/v3.0)
  std::string group_id;  // the administrator's group (roles[0].group_id)
  std::string username;  // local-userpass logins: the administrator's name
  std::string api_key;          // mongodb-cloud logins: the key's public part
  std::string private_api_key;  // ... and its private part
  std::string access_token;
  std::string refresh_token;

  bool logged_in() const { return !refresh_token.empty(); }
  bool uses_api_key() const { return !api_key.empty(); }
};

// Whether `name` can name a profile: 1-64 letters, digits, '-', '_' and '.',
// not starting with '.'.
bool IsValidProfileName(const std::string& name);

// Loads and saves profiles in one directory. Not thread-safe; two processes
// saving one profile at once leave one of the two whole files.
class ProfileStore {
 public:
  // `dir` is the directory of the profile files (created on the first save).
  explicit ProfileStore(std::string dir) : dir_(std::move(dir)) {}

  // The directory for this user: $XDG_CONFIG_HOME/guestpass when that is an
  // absolute path, else $HOME/.config/guestpass (HOME from the password
  // database when unset). `getenv` is std::getenv in the binary.
  static core::Result<std::string> DefaultDir(const std::function<const char*(const char*)>& getenv);

  const std::string& dir() const { return dir_; }
  std::string PathOf(const std::string& name) const { return dir_ + "/" + name + ".json"; }

  // The profile `name`. NotFound when there is no such file; InvalidArgument
  // when it is not a profile (bad name, not JSON, wrong field types).
  core::Result<Profile> Load(const std::string& name) const;

  // Writes the profile atomically: a temporary file in the same directory
  // (mode 0600), fsynced, renamed over the old one, then the directory
  // fsynced. Creates the directory (and missing parents) with mode 0700 and
  // narrows an existing one to 0700. A reader sees the old file or the new
  // one, never a mix; a failed save leaves the old file as it was.
  core::Status Save(const std::string& name, const Profile& profile) const;

 private:
  core::Status EnsureDir() const;

  std::string dir_;
};

}  // namespace guestpass::cli
