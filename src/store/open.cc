// open.cc: OpenStore: the data directory and the choice of back end (the
// only place that chooses: a database connection string means PostgreSQL).
#include "store/open.h"

#include <libpq-fe.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "store/postgres/pg_limits.h"
#include "store/postgres/postgres_store.h"
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

StoreLocation ToolStoreLocation(const std::string& data_dir_flag, const std::string& database_flag) {
  StoreLocation location{"./guestpass-data"};
  if (const char* env = std::getenv("GUESTPASS_DATA_DIR"); env != nullptr && *env) location.data_dir = env;
  if (!data_dir_flag.empty()) location.data_dir = data_dir_flag;
  if (const char* env = std::getenv("GUESTPASS_DATABASE"); env != nullptr && *env) location.database = env;
  if (!database_flag.empty()) location.database = database_flag;
  if (const char* env = std::getenv("GUESTPASS_DATABASE_TIMEOUT"); env != nullptr && *env) {
    const double seconds = std::strtod(env, nullptr);
    if (seconds >= 0.1 && seconds <= 300)
      location.database_timeout = std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000 + 0.5));
  }
  if (const char* env = std::getenv("GUESTPASS_DATABASE_POOL"); env != nullptr && *env) {
    const long n = std::strtol(env, nullptr, 10);
    if (n >= 1 && n <= 64) location.database_pool = static_cast<int>(n);
  }
  return location;
}

std::string DescribeStore(const StoreLocation& location) {
  if (location.database.empty()) return DatabasePath(location);
  PQconninfoOption* options = PQconninfoParse(location.database.c_str(), nullptr);
  if (options == nullptr) return "the PostgreSQL database (an invalid connection string)";
  std::string host = "localhost", port = "5432", dbname;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr || *o->val == '\0') continue;
    const std::string k = o->keyword;
    if (k == "host") host = o->val;
    if (k == "port") port = o->val;
    if (k == "dbname") dbname = o->val;
  }
  PQconninfoFree(options);
  return "PostgreSQL database " + (dbname.empty() ? std::string("(default)") : dbname) + " on " + host + ":" + port;
}

core::Result<std::unique_ptr<Store>> OpenStore(const StoreLocation& location, OpenMode mode) {
  if (!location.database.empty()) {
    // The data directory still holds the signing keys and the master key.
    if (mode == OpenMode::kCreate)
      if (Status s = EnsurePrivateDir(location.data_dir); !s.ok()) return s;
    postgres::PostgresOptions options;
    options.conninfo = location.database;
    options.timeout = location.database_timeout;
    options.readers = static_cast<size_t>(std::max(1, location.database_pool));
    options.create = mode == OpenMode::kCreate;
    auto opened = postgres::PostgresStore::Open(std::move(options));
    if (!opened.ok()) {
      if (opened.status().IsNotFound())
        return Status::NotFound(ErrorCode::kNone, "no guestpass database at " + DescribeStore(location));
      return Status::Make(opened.status().code(), opened.status().error_code(),
                          DescribeStore(location) + ": " + opened.status().message());
    }
    return std::unique_ptr<Store>(std::move(*opened));
  }
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

core::Result<std::unique_ptr<LimitState>> OpenSharedLimits(const StoreLocation& location) {
  if (location.database.empty()) return std::unique_ptr<LimitState>();
  postgres::PgLimitsOptions options;
  options.conninfo = location.database;
  options.timeout = location.database_timeout;
  auto limits = postgres::PgLimitState::Open(std::move(options));
  if (!limits.ok()) return limits.status();
  return std::unique_ptr<LimitState>(std::move(*limits));
}

}  // namespace guestpass::store
