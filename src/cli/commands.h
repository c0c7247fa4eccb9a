// commands.h: what the admin CLI's command groups share (private to cli/):
// exit codes, the one-line failure, flag parsing with --help, opening the
// logged-in profile, finding an app by client app id, confirmations, reading
// a secret from stdin, and each group's entry point.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/admin_client.h"
#include "cli/cli.h"
#include "cli/flags.h"

namespace guestpass::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// Prints "guestpass: <message>" on ctx.err; returns kExitFailure.
int Fail(Context& ctx, const std::string& message);
// Prints "guestpass: <command>: <message> (see guestpass <command> --help)";
// returns kExitUsage.
int UsageError(Context& ctx, const std::string& command, const std::string& message);
// Fail with the Status's message; returns kExitFailure.
int Fail(Context& ctx, const core::Status& status);

// A command's parsed flags, or the exit code to stop with: usage on ctx.out
// for --help (kExitOk), UsageError for a bad flag. `spec` gets the common
// flags --profile, --json added.
struct Parsed {
  Flags flags;
  int exit_code = -1;  // >= 0: stop with it
};
Parsed ParseFlags(Context& ctx, const std::string& command, const std::vector<std::string>& args,
                  std::vector<FlagSpec> spec, const char* usage);

// The profile named by --profile (default "default").
std::string ProfileName(const Flags& flags);

// A logged-in profile and a client on it. Not movable: the client holds the
// profile.
class Session {
 public:
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Loads the profile of --profile. Unauthenticated "not logged in ...: run
  // guestpass login" when there is no such profile or it has no tokens.
  static core::Result<std::unique_ptr<Session>> Open(Context& ctx, const Flags& flags);

  const std::string& name() const { return name_; }
  const Profile& profile() const { return profile_; }
  AdminClient& client() { return client_; }
  // "/groups/{group}"
  std::string GroupPath() const { return "/groups/" + profile_.group_id; }

  // The app whose client_app_id (or _id) is `app`, from GET /groups/{g}/apps.
  // NotFound naming it otherwise.
  core::Result<nlohmann::json> FindApp(const std::string& app);
  // "/groups/{group}/apps/{_id}" of such an app.
  static std::string AppPath(const std::string& group_path, const nlohmann::json& app);

 private:
  Session(Context& ctx, std::string name, Profile profile);

  std::string name_;
  Profile profile_;
  AdminClient client_;
};

// Asks `question` on a terminal unless --yes was given. kExitOk to go on;
// otherwise the exit code after printing why (no terminal: a usage error
// asking for --yes; an answer other than y/yes: "cancelled").
int Confirm(Context& ctx, const Flags& flags, const std::string& command, const std::string& question);

// The first line of ctx.in without its line ending ("" when there is none):
// a password or secret value. On a terminal, "<prompt>: " is asked on
// ctx.err and the typing is not echoed.
std::string ReadSecretLine(Context& ctx, const std::string& prompt);

// Prints `value` as JSON (2-space indents) on ctx.out.
void PrintJson(Context& ctx, const nlohmann::json& value);

// The command groups.
int Login(Context& ctx, const std::vector<std::string>& args);
int Logout(Context& ctx, const std::vector<std::string>& args);
int Whoami(Context& ctx, const std::vector<std::string>& args);
int Apps(Context& ctx, const std::vector<std::string>& args);
int Users(Context& ctx, const std::vector<std::string>& args);
int Deployments(Context& ctx, const std::vector<std::string>& args);
int Pull(Context& ctx, const std::vector<std::string>& args);
int Push(Context& ctx, const std::vector<std::string>& args);
int Secrets(Context& ctx, const std::vector<std::string>& args);
int Logs(Context& ctx, const std::vector<std::string>& args);
// `apps diff`, with the apps group's usage for --help.
int AppsDiff(Context& ctx, const std::vector<std::string>& args, const char* usage);

}  // namespace guestpass::cli
