// cli.cc: the admin CLI's dispatch and what its commands share.
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "cli/commands.h"

namespace guestpass::cli {

using core::ErrorCode;
using core::Status;
using nlohmann::json;

int Fail(Context& ctx, const std::string& message) {
  ctx.err << "guestpass: " << message << std::endl;
  return kExitFailure;
}

int Fail(Context& ctx, const Status& status) { return Fail(ctx, status.message()); }

int UsageError(Context& ctx, const std::string& command, const std::string& message) {
  ctx.err << "guestpass: " << command << ": " << message << " (see guestpass " << command << " --help)" << std::endl;
  return kExitUsage;
}

Parsed ParseFlags(Context& ctx, const std::string& command, const std::vector<std::string>& args,
                  std::vector<FlagSpec> spec, const char* usage) {
  spec.push_back({"profile", true});
  spec.push_back({"json", false});
  Parsed parsed;
  auto flags = Flags::Parse(args, spec);
  if (!flags.ok()) {
    parsed.exit_code = UsageError(ctx, command, flags.status().message());
    return parsed;
  }
  parsed.flags = std::move(*flags);
  if (parsed.flags.Has("help")) {
    ctx.out << usage;
    parsed.exit_code = kExitOk;
  } else if (auto name = parsed.flags.Value("profile"); name && !IsValidProfileName(*name)) {
    parsed.exit_code = UsageError(ctx, command, "--profile: '" + *name + "' is not a profile name (letters, digits, - _ .)");
  }
  return parsed;
}

std::string ProfileName(const Flags& flags) { return flags.ValueOr("profile", "default"); }

Session::Session(Context& ctx, std::string name, Profile profile)
    : name_(std::move(name)),
      profile_(std::move(profile)),
      client_(ctx.transport, profile_, [&profiles = ctx.profiles, this](const Profile& p) {
        return profiles.Save(name_, p);
      }) {}

core::Result<std::unique_ptr<Session>> Session::Open(Context& ctx, const Flags& flags) {
  const std::string name = ProfileName(flags);
  const std::string login = name == "default" ? "guestpass login" : "guestpass login --profile " + name;
  auto profile = ctx.profiles.Load(name);
  if (!profile.ok()) {
    if (profile.status().IsNotFound())
      return Status::Unauthenticated(ErrorCode::kNone, "not logged in (no profile '" + name + "'): run " + login);
    return Status::InvalidArgument(ErrorCode::kNone, profile.status().message() + ": run " + login);
  }
  if (!profile->logged_in() || profile->url.empty() || profile->group_id.empty())
    return Status::Unauthenticated(ErrorCode::kNone, "not logged in (profile '" + name + "'): run " + login);
  return std::unique_ptr<Session>(new Session(ctx, name, std::move(*profile)));
}

core::Result<json> Session::FindApp(const std::string& app) {
  auto apps = client_.Call("GET", GroupPath() + "/apps");
  if (!apps.ok()) return apps.status();
  if (apps->is_array())
    for (const auto& a : *apps)
      if (a.is_object() && (a.value("client_app_id", "") == app || a.value("_id", "") == app)) return a;
  return Status::NotFound(ErrorCode::kNone, "no app '" + app + "' (guestpass apps list shows the client app ids)");
}

std::string Session::AppPath(const std::string& group_path, const json& app) {
  return group_path + "/apps/" + UrlEncode(app.value("_id", ""));
}

int Confirm(Context& ctx, const Flags& flags, const std::string& command, const std::string& question) {
  if (flags.Has("yes")) return kExitOk;
  if (!ctx.in_is_terminal) return UsageError(ctx, command, "stdin is not a terminal: add --yes to confirm");
  ctx.err << question << " [y/N] " << std::flush;
  std::string answer;
  std::getline(ctx.in, answer);
  if (answer == "y" || answer == "Y" || answer == "yes" || answer == "YES") return kExitOk;
  return Fail(ctx, "cancelled");
}

void PrintJson(Context& ctx, const json& value) {
  ctx.out << value.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
}

bool IsCommand(const std::string& command) {
  return command == "login" || command == "logout" || command == "whoami" || command == "apps" ||
         command == "users" || command == "deployments" || command == "pull" || command == "push" ||
         command == "secrets" || command == "logs";
}

int Run(const std::string& command, const std::vector<std::string>& args, Context& ctx) {
  if (command == "login") return Login(ctx, args);
  if (command == "logout") return Logout(ctx, args);
  if (command == "whoami") return Whoami(ctx, args);
  if (command == "apps") return Apps(ctx, args);
  if (command == "users") return Users(ctx, args);
  if (command == "deployments") return Deployments(ctx, args);
  if (command == "pull") return Pull(ctx, args);
  if (command == "push") return Push(ctx, args);
  if (command == "secrets") return Secrets(ctx, args);
  if (command == "logs") return Logs(ctx, args);
  return Fail(ctx, "unknown command '" + command + "'");
}

int RunFromMain(const std::string& command, const std::vector<std::string>& args) {
  auto dir = ProfileStore::DefaultDir([](const char* name) { return std::getenv(name); });
  if (!dir.ok()) {
    std::cerr << "guestpass: " << dir.status().message() << std::endl;
    return kExitFailure;
  }
  ProfileStore profiles(*dir);
  CurlTransport transport;
  Context ctx{std::cin, std::cout, std::cerr, ::isatty(STDIN_FILENO) == 1, profiles, transport};
  const int code = Run(command, args, ctx);
  std::cout.flush();
  return code;
}

const char* CommandsUsage() {
  return "  login     login --url URL (--username NAME --password-stdin | --api-key PUB --private-api-key PRIV)\n"
         "  logout    end the session of a profile\n"
         "  whoami    show the server, user and group of a profile\n"
         "  apps      apps list|create|describe|delete|diff: the server's apps\n"
         "  users     users list|count|create|delete|disable|enable|revoke --app APP: an app's users\n"
         "  deployments\n"
         "            deployments list|redeploy --app APP: an app's deployment history\n"
         "  pull      pull --remote APP --local DIR: write an app's configuration files\n"
         "  push      push --remote APP --local DIR: deploy a directory's configuration\n"
         "  secrets   secrets list|create|update|delete --app APP: an app's secrets\n"
         "  logs      logs list --app APP [--type] [--errors] [--tail]: an app's log\n"
         "            (these nine talk to a running server's Admin API; see docs/cli.md)\n";
}

}  // namespace guestpass::cli
