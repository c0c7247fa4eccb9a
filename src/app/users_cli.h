// users_cli.h: the offline administration commands of the guestpass tool
// that work on a data directory's store directly: `guestpass users expire`
// (the inactivity policy, with --dry-run) and `guestpass audit` (the audit
// log). Safe to run beside a live server on the same data directory: SQLite
// serialises the writes and the server notices them within 100 ms.
#pragma once

#include <string>
#include <vector>

namespace guestpass::app {

// `guestpass users <subcommand> ...`; returns the process exit code.
int UsersCommand(const std::vector<std::string>& args);
// `guestpass audit ...`; returns the process exit code.
int AuditCommand(const std::vector<std::string>& args);

}  // namespace guestpass::app
