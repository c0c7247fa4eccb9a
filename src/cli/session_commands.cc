// session_commands.cc: `guestpass login`, `logout` and `whoami`: an
// administrator's session kept in a profile.
#include <termios.h>
#include <unistd.h>

#include <iostream>

#include "cli/commands.h"
#include "cli/output.h"

namespace guestpass::cli {

using core::Status;
using nlohmann::json;

namespace {

constexpr const char* kLoginUsage =
    "usage: guestpass login --url URL --username NAME --password-stdin [--profile P] [--json]\n"
    "       guestpass login --url URL --api-key PUBLIC --private-api-key PRIVATE [--profile P] [--json]\n"
    "       guestpass login [--profile P]   (again, with the API key the profile keeps)\n"
    "  Logs in to a guestpass server's Admin API and keeps the session in the profile\n"
    "  ($XDG_CONFIG_HOME/guestpass/P.json, default ~/.config/guestpass/default.json, mode 0600).\n"
    "  --password-stdin reads the password from the first line of stdin; it is never stored.\n"
    "  An API key's private part is kept in the profile, so that `guestpass login` can log in again.\n";

constexpr const char* kLogoutUsage =
    "usage: guestpass logout [--profile P] [--json]\n"
    "  Ends the profile's session on the server and removes its tokens from the profile.\n";

constexpr const char* kWhoamiUsage =
    "usage: guestpass whoami [--profile P] [--json]\n"
    "  Shows the profile's server, user (or API key, redacted) and group. Sends nothing.\n";

// Turns the terminal's echo off while it lives (when stdin is a terminal).
class EchoOff {
 public:
  explicit EchoOff(bool terminal) {
    if (!terminal || ::tcgetattr(STDIN_FILENO, &saved_) != 0) return;
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    active_ = ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
  }
  ~EchoOff() {
    if (active_) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

 private:
  termios saved_{};
  bool active_ = false;
};

}  // namespace

std::string ReadSecretLine(Context& ctx, const std::string& prompt) {
  if (ctx.in_is_terminal) ctx.err << prompt << ": " << std::flush;
  std::string line;
  {
    EchoOff quiet(ctx.in_is_terminal);
    std::getline(ctx.in, line);
  }
  if (ctx.in_is_terminal) ctx.err << std::endl;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

int Login(Context& ctx, const std::vector<std::string>& args) {
  for (const auto& arg : args)
    if (arg == "--password" || arg.rfind("--password=", 0) == 0)
      return UsageError(ctx, "login", "there is no --password flag: pipe the password to --password-stdin");
  auto parsed = ParseFlags(ctx, "login", args,
                           {{"url", true},
                            {"username", true},
                            {"password-stdin", false},
                            {"api-key", true},
                            {"private-api-key", true}},
                           kLoginUsage);
  if (parsed.exit_code >= 0) return parsed.exit_code;
  const Flags& flags = parsed.flags;
  const std::string name = ProfileName(flags);

  Profile profile;
  const bool with_password = flags.Has("username") || flags.Has("password-stdin");
  const bool with_key = flags.Has("api-key") || flags.Has("private-api-key");
  if (with_password && with_key) return UsageError(ctx, "login", "give a username or an API key, not both");
  if (with_password) {
    if (!flags.Has("username")) return UsageError(ctx, "login", "--password-stdin needs --username");
    if (!flags.Has("password-stdin"))
      return UsageError(ctx, "login", "--username needs --password-stdin (the password is read from stdin)");
    profile.username = *flags.Value("username");
  } else if (with_key) {
    if (!flags.Has("api-key") || !flags.Has("private-api-key"))
      return UsageError(ctx, "login", "an API key needs both --api-key and --private-api-key");
    profile.api_key = *flags.Value("api-key");
    profile.private_api_key = *flags.Value("private-api-key");
  } else {
    // Again with the key the profile keeps.
    auto saved = ctx.profiles.Load(name);
    if (!saved.ok() || !saved->uses_api_key() || saved->private_api_key.empty())
      return UsageError(ctx, "login", "give --username NAME --password-stdin or --api-key PUBLIC --private-api-key PRIVATE");
    profile.api_key = saved->api_key;
    profile.private_api_key = saved->private_api_key;
    profile.url = saved->url;
  }
  if (auto url = flags.Value("url")) profile.url = *url;
  if (profile.url.empty()) return UsageError(ctx, "login", "--url is required");
  auto url = NormalizeServerUrl(profile.url);
  if (!url.ok()) return UsageError(ctx, "login", url.status().message());
  profile.url = *url;

  json credentials;
  std::string path;
  if (profile.uses_api_key()) {
    path = "/auth/providers/mongodb-cloud/login";
    credentials = {{"username", profile.api_key}, {"apiKey", profile.private_api_key}};
  } else {
    const std::string password = ReadSecretLine(ctx, "Password");
    if (password.empty()) return Fail(ctx, "--password-stdin: no password on stdin");
    path = "/auth/providers/local-userpass/login";
    credentials = {{"username", profile.username}, {"password", password}};
  }
  // Nothing is saved until the whole login worked.
  AdminClient client(ctx.transport, profile, [](const Profile&) { return Status::Ok(); });
  auto tokens = client.Call("POST", path, credentials, Auth::kNone);
  if (!tokens.ok()) return Fail(ctx, "login failed: " + tokens.status().message());
  if (!tokens->is_object() || !(*tokens)["access_token"].is_string() || !(*tokens)["refresh_token"].is_string())
    return Fail(ctx, "login failed: the server's answer has no tokens");
  profile.access_token = (*tokens)["access_token"].get<std::string>();
  profile.refresh_token = (*tokens)["refresh_token"].get<std::string>();

  auto me = client.Call("GET", "/auth/profile");
  if (!me.ok()) return Fail(ctx, "login failed: reading the profile: " + me.status().message());
  const json roles = me->is_object() && me->contains("roles") ? (*me)["roles"] : json();
  if (!roles.is_array() || roles.empty() || !roles[0].is_object() || !roles[0]["group_id"].is_string())
    return Fail(ctx, "login failed: the administrator's profile names no group");
  profile.group_id = roles[0]["group_id"].get<std::string>();

  if (Status s = ctx.profiles.Save(name, profile); !s.ok()) return Fail(ctx, s);
  const std::string who = profile.uses_api_key() ? "API key " + profile.api_key : profile.username;
  if (flags.Has("json")) {
    PrintJson(ctx, {{"profile", name},
                    {"url", profile.url},
                    {"group_id", profile.group_id},
                    {profile.uses_api_key() ? "api_key" : "username", profile.uses_api_key() ? profile.api_key : profile.username},
                    {"path", ctx.profiles.PathOf(name)}});
  } else {
    ctx.out << "logged in to " << profile.url << " as " << who << " (group " << profile.group_id << ")\n"
            << "profile " << name << " saved to " << ctx.profiles.PathOf(name) << "\n";
  }
  return kExitOk;
}

int Logout(Context& ctx, const std::vector<std::string>& args) {
  auto parsed = ParseFlags(ctx, "logout", args, {}, kLogoutUsage);
  if (parsed.exit_code >= 0) return parsed.exit_code;
  const std::string name = ProfileName(parsed.flags);
  auto session = Session::Open(ctx, parsed.flags);
  if (!session.ok()) {
    // Logging out twice is fine.
    if (parsed.flags.Has("json")) PrintJson(ctx, {{"profile", name}, {"logged_out", true}});
    else ctx.out << "not logged in (profile " << name << ")\n";
    return kExitOk;
  }
  Session& s = **session;
  auto ended = s.client().Call("DELETE", "/auth/session", nullptr, Auth::kRefresh);
  Profile profile = s.profile();
  profile.access_token.clear();
  profile.refresh_token.clear();
  if (Status saved = ctx.profiles.Save(name, profile); !saved.ok()) return Fail(ctx, saved);
  // A session the server no longer knows is as good as ended.
  if (!ended.ok() && ended.status().code() != core::Code::kUnauthenticated)
    return Fail(ctx, "the tokens were removed from profile " + name + ", but the server did not end the session: " +
                         ended.status().message());
  if (parsed.flags.Has("json")) PrintJson(ctx, {{"profile", name}, {"logged_out", true}});
  else ctx.out << "logged out of " << profile.url << " (profile " << name << ")\n";
  return kExitOk;
}

int Whoami(Context& ctx, const std::vector<std::string>& args) {
  auto parsed = ParseFlags(ctx, "whoami", args, {}, kWhoamiUsage);
  if (parsed.exit_code >= 0) return parsed.exit_code;
  auto session = Session::Open(ctx, parsed.flags);
  if (!session.ok()) return Fail(ctx, session.status());
  const Profile& p = (*session)->profile();
  if (parsed.flags.Has("json")) {
    json out = {{"profile", (*session)->name()}, {"url", p.url}, {"group_id", p.group_id}};
    if (p.uses_api_key()) {
      out["api_key"] = p.api_key;
      out["private_api_key"] = Redact(p.private_api_key);
    } else {
      out["username"] = p.username;
    }
    PrintJson(ctx, out);
    return kExitOk;
  }
  Table table({"PROFILE", (*session)->name()});
  table.Add({"URL", p.url});
  if (p.uses_api_key()) {
    table.Add({"API KEY", p.api_key});
    table.Add({"PRIVATE API KEY", Redact(p.private_api_key)});
  } else {
    table.Add({"USER", p.username});
  }
  table.Add({"GROUP", p.group_id});
  ctx.out << table.Render();
  return kExitOk;
}

}  // namespace guestpass::cli
