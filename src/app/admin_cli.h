// admin_cli.h: `guestpass admin`, offline on a data directory (no server
// needed, and it may run beside one): `admin passwd` sets an administrator's
// password (creating the administrator if there is none of that name), and
// `admin keys create` issues an admin API key, for automation that logs in
// with one (the App Services CLI's and realm-cli's `login --api-key`).
#pragma once

#include <string>
#include <vector>

namespace guestpass::app {

int AdminCommand(const std::vector<std::string>& args);

}  // namespace guestpass::app
