// migrate_cli.h: `guestpass migrate-store --from DIR --to URL`: copies a
// SQLite data directory's store into an empty PostgreSQL database, resumably,
// and checks the row counts (store/migrate/sqlite_to_postgres.h does the copy).
#pragma once

#include <string>
#include <vector>

namespace guestpass::app {

// `guestpass migrate-store ...` (args after the command); the exit code:
// 0 copied and verified, 1 refused, failed or counts differ, 2 usage.
int MigrateStoreCommand(const std::vector<std::string>& args);

}  // namespace guestpass::app
