// open.h: the one way the guestpass binaries (`guestpass serve`, `users
// expire`, `audit`, `admin`, guestpass-seed) open their Store: where it
// lives and which back end serves it: the embedded SQLite in the data
// directory, or PostgreSQL when a database connection string is given.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "core/status.h"
#include "store/limit_state.h"
#include "store/store.h"

namespace guestpass::store {

// Where a deployment keeps its data.
struct StoreLocation {
  // The data directory: DIR/guestpass.db (SQLite) and DIR/signing_keys.json
  // (and master.key), which stay there with PostgreSQL too.
  std::string data_dir;
  // A PostgreSQL connection string (libpq URI or key=value; several hosts
  // with target_session_attrs=read-write): the store lives in that database.
  // Empty: SQLite in the data directory.
  std::string database{};
  // PostgreSQL only: the longest wait for the database (then Unavailable),
  // and the reader connections.
  std::chrono::milliseconds database_timeout{5000};
  int database_pool = 4;
};

// Reads the common store options of the command-line tools (everything but
// `serve`): --data-dir (else GUESTPASS_DATA_DIR, else ./guestpass-data) and
// --database (else GUESTPASS_DATABASE), given the flags' values ("" when
// absent); GUESTPASS_DATABASE_TIMEOUT and GUESTPASS_DATABASE_POOL as serve
// reads them, when valid.
StoreLocation ToolStoreLocation(const std::string& data_dir_flag, const std::string& database_flag);

// The database of `location` for messages: its path, or for PostgreSQL
// "database NAME on HOST:PORT" (never a password).
std::string DescribeStore(const StoreLocation& location);

enum class OpenMode {
  kCreate,    // create the data directory (mode 0700) and the database if missing
  kExisting,  // the database must exist; nothing is created (the offline tools)
};

// DIR/guestpass.db: the SQLite database of `location`.
std::string DatabasePath(const StoreLocation& location);
// DIR/signing_keys.json: the token signing keys kept beside the store
// (token::KeyRing::LoadOrCreate). OpenStore(kCreate) has made DIR by then.
std::string SigningKeysPath(const StoreLocation& location);

// Opens the store of `location`, applying pending migrations.
// kCreate: creates the data directory when needed and sets its mode to 0700
// (an existing one too); files inside get the process's umask (`guestpass
// serve` sets 077). Errors: InvalidArgument when the data directory is not a
// directory, Internal when it cannot be created or chmod-ed.
// kExisting: NotFound "no guestpass database at PATH" when there is none
// (PostgreSQL: the database has no guestpass schema yet; the data directory
// is not needed).
// Any other error of the back end's Open (the database cannot be read,
// reached (Unavailable) or migrated) passes through.
core::Result<std::unique_ptr<Store>> OpenStore(const StoreLocation& location, OpenMode mode = OpenMode::kCreate);

// The abuse limits' state that the servers of `location` share: with
// PostgreSQL, tables in its database (store/postgres/pg_limits.h), so N
// servers give a client the budget of one; with SQLite nullptr: the one
// server keeps its limits in process (http::RateLimiter,
// auth::GuessThrottle). REQUIRES: OpenStore(location) succeeded (the schema
// is migrated). Unavailable when the database cannot be reached.
core::Result<std::unique_ptr<LimitState>> OpenSharedLimits(const StoreLocation& location);

}  // namespace guestpass::store
