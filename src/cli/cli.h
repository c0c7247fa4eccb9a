// cli.h: the admin CLI, `guestpass login|logout|whoami|apps|users|
// deployments|pull|push|secrets`: commands that drive a running server over the Admin API
// only (never its store), named after the App Services CLI (admin-api.md
// 7.8). docs/cli.md is the user's reference.
//
// Every command prints readable output (aligned columns) or, with --json,
// JSON for scripts; exits 0 on success, 1 on a failure and 2 on a usage
// error, with exactly one line "guestpass: <reason>" on stderr either way.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "cli/profile.h"
#include "cli/transport.h"

namespace guestpass::cli {

// What a command touches outside itself; the binary's is the process's
// standard streams, ProfileStore::DefaultDir and a CurlTransport.
struct Context {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
  bool in_is_terminal;  // confirmations are asked only on a terminal
  const ProfileStore& profiles;
  Transport& transport;
};

// Whether `command` (the first word after `guestpass`) is the admin CLI's.
// `users` is shared with the offline `users expire`: main.cc sends that one
// subcommand to app/users_cli.h and every other to Run.
bool IsCommand(const std::string& command);

// Runs `command` with the words after it; returns the exit code.
int Run(const std::string& command, const std::vector<std::string>& args, Context& ctx);

// Run with the process's streams, profiles directory and libcurl.
int RunFromMain(const std::string& command, const std::vector<std::string>& args);

// The lines main.cc's usage lists for these commands.
const char* CommandsUsage();

}  // namespace guestpass::cli
