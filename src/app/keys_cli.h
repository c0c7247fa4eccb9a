// keys_cli.h: `guestpass keys list | rotate | retire KID`, the token signing
// keys of a store (admin/signing_keys.h), offline: they work on the database
// directly (SQLite in --data-dir, or PostgreSQL with --database) while the
// servers run, and every server picks the change up within a second.
#pragma once

#include <string>
#include <vector>

namespace guestpass::app {

// `guestpass keys ...`; returns the process exit code.
int KeysCommand(const std::vector<std::string>& args);

}  // namespace guestpass::app
