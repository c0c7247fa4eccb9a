// open.cc: OpenStore: the data directory and the SQLite back end.
#include "store/open.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "store/sqlite/sqlite_store.h"

namespace guestpass::store {

using core::ErrorCode;
using core::Status;
namespace fs = std::filesystem;

namespace {
// Creates `dir` if needed and makes it private to the owner (0700).
Status EnsurePrivateDir(const std::string& dir) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
    return Status::InvalidArgument(ErrorCode::kInvalidParameter, "data dir " + dir + " exists but is not a directory");
  fs::create_directories(dir, ec);
  if (ec) return Status::Internal("cannot create data dir " + dir + ": " + ec.message());
  if (::chmod(dir.c_str(), 0700) != 0) return Status::Internal("cannot chmod 700 " + dir + ": " + std::strerror(errno));
  return Status::Ok();
}
}  // namespace

std::string DatabasePath(const StoreLocation& location) {
  return (fs::path(location.data_dir) / "guestpass.db").string();
}

std::string SigningKeysPath(const StoreLocation& location) {
  return (fs::path(location.data_dir) / "signing_keys.json").string();
}

core::Result<std::unique_ptr<Store>> OpenStore(const StoreLocation& location, OpenMode mode) {
  const std::string path = DatabasePath(location);
  if (mode == OpenMode::kCreate) {
    if (Status s = EnsurePrivateDir(location.data_dir); !s.ok()) return s;
  } else if (!fs::exists(path)) {
    return Status::NotFound(ErrorCode::kNone, "no guestpass database at " + path);
  }
  auto opened = sqlite::SqliteStore::Open({path});
  if (!opened.ok()) return opened.status();
  return std::unique_ptr<Store>(std::move(*opened));
}

}  // namespace guestpass::store
