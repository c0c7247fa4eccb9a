// open.h: the one way the guestpass binaries (`guestpass serve`, `users
// expire`, `audit`, guestpass-seed) open their Store: where it lives and
// which back end serves it. Only SQLite today; PostgreSQL URLs come here.
#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "store/store.h"

namespace guestpass::store {

// Where a deployment keeps its data.
struct StoreLocation {
  // The data directory: DIR/guestpass.db (SQLite) and DIR/signing_keys.json.
  std::string data_dir;
};

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
// kExisting: NotFound "no guestpass database at PATH" when there is none.
// Any other error of the back end's Open (the database cannot be read or
// migrated) passes through.
core::Result<std::unique_ptr<Store>> OpenStore(const StoreLocation& location, OpenMode mode = OpenMode::kCreate);

}  // namespace guestpass::store
