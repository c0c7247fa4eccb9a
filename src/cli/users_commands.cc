// users_commands.cc: `guestpass users list|count|create|devices|delete|
// disable|enable|revoke`: an app's users, through the Admin API's keyset
// pages; pending registrations (list --pending); email/password users and
// server API keys made by an administrator (create); a user's devices.
// (`users expire` is the offline command of app/users_cli.h.)
#include <algorithm>

#include "cli/commands.h"
#include "cli/output.h"

namespace guestpass::cli {

using nlohmann::json;

namespace {

constexpr const char* kUsersUsage =
    "usage: guestpass users list --app APP [FILTERS] [--limit N | --all] [--json]\n"
    "       guestpass users list --app APP --pending [--limit N | --all] [--json]\n"
    "       guestpass users count --app APP [FILTERS] [--json]\n"
    "       guestpass users create --app APP --type email --email EMAIL (--password-stdin | --password P) [--json]\n"
    "       guestpass users create --app APP --type api-key --name NAME [--json]\n"
    "       guestpass users devices --app APP --user ID [--json]\n"
    "       guestpass users delete|disable|enable|revoke --app APP --user ID[,ID...] [--yes] [--json]\n"
    "  FILTERS: --status enabled|disabled, --provider TYPE,... (any of them),\n"
    "  --anonymity anonymous|linked (only anonymous identities; anonymous plus another),\n"
    "  --email ADDRESS (the email/password user of that address, as sign-up normalises it).\n"
    "  APP is the client app id. Every command takes --profile P.\n"
    "  list shows the oldest users first, 50 unless --limit N (any number) or --all;\n"
    "  --pending lists email/password registrations that no user has yet.\n"
    "  create --type email makes a confirmed user at once; --type api-key makes a server API key\n"
    "  (and its server user) and prints the key once: it cannot be shown again.\n"
    "  devices lists the user's live sessions: device id and what its SDK sent, newest first.\n"
    "  revoke ends every session of the users (they can log in again); disable also refuses\n"
    "  their logins until enable. delete asks first on a terminal, and needs --yes otherwise.\n"
    "  (guestpass users expire is the offline inactivity command: guestpass users expire --help.)\n";

constexpr int64_t kPageLimit = 50;  // the Admin API's largest page
constexpr int64_t kDefaultLimit = 50;

// "&status=...&provider_types=...&anonymity=...&email=..." for the filter
// flags given, or "".
core::Result<std::string> Filters(const Flags& flags) {
  std::string query;
  if (auto status = flags.Value("status")) {
    if (*status != "enabled" && *status != "disabled")
      return core::Status::InvalidArgument(core::ErrorCode::kNone, "--status: 'enabled' or 'disabled', not '" + *status + "'");
    query += "&status=" + *status;
  }
  if (auto providers = flags.Value("provider")) {
    std::string list;
    for (const auto& type : SplitList(*providers)) list += (list.empty() ? "" : ",") + type;
    if (list.empty()) return core::Status::InvalidArgument(core::ErrorCode::kNone, "--provider: name provider types");
    query += "&provider_types=" + UrlEncode(list);
  }
  if (auto anonymity = flags.Value("anonymity")) {
    if (*anonymity != "anonymous" && *anonymity != "linked")
      return core::Status::InvalidArgument(core::ErrorCode::kNone,
                                           "--anonymity: 'anonymous' or 'linked', not '" + *anonymity + "'");
    query += "&anonymity=" + *anonymity;
  }
  if (auto email = flags.Value("email")) {
    if (email->find('@') == std::string::npos)
      return core::Status::InvalidArgument(core::ErrorCode::kNone, "--email: an email address, not '" + *email + "'");
    query += "&email=" + UrlEncode(*email);
  }
  return query;
}

const std::vector<FlagSpec> kFilterFlags = {
    {"app", true}, {"status", true}, {"provider", true}, {"anonymity", true}, {"email", true}};

int List(Context& ctx, const std::vector<std::string>& args) {
  std::vector<FlagSpec> spec = kFilterFlags;
  spec.push_back({"limit", true});
  spec.push_back({"all", false});
  spec.push_back({"pending", false});
  auto parsed = ParseFlags(ctx, "users", args, spec, kUsersUsage);
  if (parsed.exit_code >= 0) return parsed.exit_code;
  const Flags& flags = parsed.flags;
  auto app_id = flags.Value("app");
  if (!app_id) return UsageError(ctx, "users", "list: --app is required");
  const bool pending = flags.Has("pending");
  if (pending && (flags.Has("status") || flags.Has("provider") || flags.Has("anonymity") || flags.Has("email")))
    return UsageError(ctx, "users", "--pending takes none of --status, --provider, --anonymity and --email");
  auto filters = Filters(flags);
  if (!filters.ok()) return UsageError(ctx, "users", filters.status().message());
  if (flags.Has("all") && flags.Has("limit")) return UsageError(ctx, "users", "--limit and --all exclude each other");
  int64_t limit = kDefaultLimit;
  if (auto text = flags.Value("limit")) {
    auto n = ParseCount("limit", *text, 1, 1'000'000'000);
    if (!n.ok()) return UsageError(ctx, "users", n.status().message());
    limit = *n;
  }
  const bool all = flags.Has("all");

  auto session = Session::Open(ctx, flags);
  if (!session.ok()) return Fail(ctx, session.status());
  Session& s = **session;
  auto app = s.FindApp(*app_id);
  if (!app.ok()) return Fail(ctx, app.status());
  const std::string path =
      Session::AppPath(s.GroupPath(), *app) + (pending ? "/user_registrations/pending_users" : "/users");

  json users = json::array();
  std::string after;
  bool more = false;
  for (;;) {
    // Pending registrations come 50 a page, without a limit parameter.
    const int64_t want = pending || all ? kPageLimit
                                        : std::min(kPageLimit, limit - static_cast<int64_t>(users.size()));
    std::string query = pending ? "?" : "?limit=" + std::to_string(want) + *filters;
    if (!after.empty()) query += (pending ? "after=" : "&after=") + UrlEncode(after);
    auto page = s.client().Call("GET", path + query);
    if (!page.ok()) return Fail(ctx, page.status());
    if (!page->is_array()) return Fail(ctx, "the server's page of users is not a list");
    const bool full = static_cast<int64_t>(page->size()) >= want;
    for (auto& u : *page) {
      if (!all && static_cast<int64_t>(users.size()) >= limit) break;
      users.push_back(std::move(u));
    }
    if (!full || page->empty()) break;
    if (!all && static_cast<int64_t>(users.size()) >= limit) {
      more = true;  // perhaps: the next page would tell
      break;
    }
    after = users.back().value("_id", "");
    if (after.empty()) return Fail(ctx, "the server's users have no _id");
  }
  if (flags.Has("json")) {
    PrintJson(ctx, users);
    return kExitOk;
  }
  if (users.empty()) {
    ctx.out << (pending ? "no pending registrations\n" : "no users\n");
    return kExitOk;
  }
  ctx.out << (pending ? PendingTable(users) : UsersTable(users));
  if (more) ctx.out << "(the first " << users.size() << (pending ? " registrations" : " users") << "; --all lists every one)\n";
  return kExitOk;
}

int Count(Context& ctx, const std::vector<std::string>& args) {
  auto parsed = ParseFlags(ctx, "users", args, kFilterFlags, kUsersUsage);
  if (parsed.exit_code >= 0) return parsed.exit_code;
  auto app_id = parsed.flags.Value("app");
  if (!app_id) return UsageError(ctx, "users", "count: --app is required");
  auto filters = Filters(parsed.flags);
  if (!filters.ok()) return UsageError(ctx, "users", filters.status().message());
  auto session = Session::Open(ctx, parsed.flags);
  if (!session.ok()) return Fail(ctx, session.status());
  Session& s = **session;
  auto app = s.FindApp(*app_id);
  if (!app.ok()) return Fail(ctx, app.status());
  std::string query = *filters;
  if (!query.empty()) query[0] = '?';
  auto count = s.client().Call("GET", Session::AppPath(s.GroupPath(), *app) + "/users/count" + query);
  if (!count.ok()) return Fail(ctx, count.status());
  if (!count->is_object() || !(*count)["count"].is_number_integer())
    return Fail(ctx, "the server's count is not {\"count\": N}");
  if (parsed.flags.Has("json")) PrintJson(ctx, *count);
  else ctx.out << (*count)["count"].get<int64_t>() << "\n";
  return kExitOk;
}

// `users create --type email|api-key`: POST /users or POST /api_keys.
int Create(Context& ctx, const std::vector<std::string>& args) {
  auto parsed = ParseFlags(ctx, "users", args,
                           {{"app", true}, {"type", true}, {"email", true}, {"password", true},
                            {"password-stdin", false}, {"name", true}},
                           kUsersUsage);
  if (parsed.exit_code >= 0) return parsed.exit_code;
  const Flags& flags = parsed.flags;
  auto app_id = flags.Value("app");
  if (!app_id) return UsageError(ctx, "users", "create: --app is required");
  const std::string type = flags.ValueOr("type", "");
  std::string path;
  json body;
  if (type == "email") {
    auto email = flags.Value("email");
    if (!email || email->empty()) return UsageError(ctx, "users", "create --type email: --email is required");
    if (flags.Has("name")) return UsageError(ctx, "users", "create --type email takes no --name");
    if (flags.Has("password") == flags.Has("password-stdin"))
      return UsageError(ctx, "users", "create --type email: give one of --password-stdin and --password");
    std::string password = flags.Has("password-stdin") ? ReadSecretLine(ctx, "Password") : *flags.Value("password");
    if (password.empty()) return UsageError(ctx, "users", "create: the password is empty");
    path = "/users";
    body = {{"email", *email}, {"password", password}};
  } else if (type == "api-key") {
    auto name = flags.Value("name");
    if (!name || name->empty()) return UsageError(ctx, "users", "create --type api-key: --name is required");
    if (flags.Has("email") || flags.Has("password") || flags.Has("password-stdin"))
      return UsageError(ctx, "users", "create --type api-key takes only --name");
    path = "/api_keys";
    body = {{"name", *name}};
  } else {
    return UsageError(ctx, "users", "create: --type is 'email' or 'api-key'");
  }
  auto session = Session::Open(ctx, flags);
  if (!session.ok()) return Fail(ctx, session.status());
  Session& s = **session;
  auto app = s.FindApp(*app_id);
  if (!app.ok()) return Fail(ctx, app.status());
  auto made = s.client().Call("POST", Session::AppPath(s.GroupPath(), *app) + path, body);
  if (!made.ok()) return Fail(ctx, made.status());
  if (!made->is_object()) return Fail(ctx, "the server's answer is not an object");
  if (flags.Has("json")) {
    PrintJson(ctx, *made);
  } else if (type == "email") {
    ctx.out << "created user " << made->value("_id", "") << " (" << *flags.Value("email") << ")\n";
  } else {
    ctx.out << "created API key '" << made->value("name", "") << "' (" << made->value("_id", "") << ")\n"
            << "key: " << made->value("key", "") << "\n"
            << "Store the key now: it is not shown again.\n";
  }
  return kExitOk;
}

// The user's live sessions (GET .../users/{id}/devices), newest first.
int Devices(Context& ctx, const std::vector<std::string>& args) {
  auto parsed = ParseFlags(ctx, "users", args, {{"app", true}, {"user", true}}, kUsersUsage);
  if (parsed.exit_code >= 0) return parsed.exit_code;
  auto app_id = parsed.flags.Value("app");
  auto user = parsed.flags.Value("user");
  if (!app_id || !user || user->empty()) return UsageError(ctx, "users", "devices: --app and --user are required");
  auto session = Session::Open(ctx, parsed.flags);
  if (!session.ok()) return Fail(ctx, session.status());
  Session& s = **session;
  auto app = s.FindApp(*app_id);
  if (!app.ok()) return Fail(ctx, app.status());
  auto devices =
      s.client().Call("GET", Session::AppPath(s.GroupPath(), *app) + "/users/" + UrlEncode(*user) + "/devices");
  if (!devices.ok()) return Fail(ctx, "user " + *user + ": " + devices.status().message());
  if (!devices->is_array()) return Fail(ctx, "the server's devices are not a list");
  if (parsed.flags.Has("json")) {
    PrintJson(ctx, *devices);
    return kExitOk;
  }
  if (devices->empty()) {
    ctx.out << "no live sessions\n";
    return kExitOk;
  }
  auto text = [](const json& d, const char* key) {
    auto it = d.find(key);
    return it != d.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  auto joined = [&](const json& d, const char* a, const char* b) {
    std::string out = text(d, a);
    const std::string second = text(d, b);
    if (!second.empty()) {
      if (!out.empty()) out += ' ';
      out += second;
    }
    return out.empty() ? std::string("-") : out;
  };
  Table table({"DEVICE", "PLATFORM", "SDK", "APP", "CREATED", "EXPIRES"});
  for (const auto& d : *devices) {
    const std::string device = text(d, "device_id");
    const std::string sdk = text(d, "sdk_version");
    table.Add({device.empty() ? "-" : device, joined(d, "platform", "platform_version"), sdk.empty() ? "-" : sdk,
               joined(d, "app_id", "app_version"), FormatTime(d.value("created", int64_t{0})),
               FormatTime(d.value("expires", int64_t{0}))});
  }
  ctx.out << table.Render();
  return kExitOk;
}

// One change to each of --user's users: delete, disable, enable or revoke.
struct Change {
  const char* command;  // "delete"
  const char* method;   // "DELETE"
  const char* suffix;   // appended to /users/{id}
  const char* done;     // "deleted"
};

int ChangeUsers(Context& ctx, const std::vector<std::string>& args, const Change& change) {
  auto parsed = ParseFlags(ctx, "users", args, {{"app", true}, {"user", true}, {"yes", false}}, kUsersUsage);
  if (parsed.exit_code >= 0) return parsed.exit_code;
  const std::string command = change.command;
  auto app_id = parsed.flags.Value("app");
  if (!app_id) return UsageError(ctx, "users", command + ": --app is required");
  auto user_list = parsed.flags.Value("user");
  const std::vector<std::string> ids = user_list ? SplitList(*user_list) : std::vector<std::string>{};
  if (ids.empty()) return UsageError(ctx, "users", command + ": --user ID[,ID...] is required");
  auto session = Session::Open(ctx, parsed.flags);
  if (!session.ok()) return Fail(ctx, session.status());
  Session& s = **session;
  auto app = s.FindApp(*app_id);
  if (!app.ok()) return Fail(ctx, app.status());
  if (command == "delete") {
    const std::string who = ids.size() == 1 ? "user " + ids[0] : std::to_string(ids.size()) + " users";
    if (int code = Confirm(ctx, parsed.flags, "users",
                           "Delete " + who + " of app " + app->value("client_app_id", "") + "? This cannot be undone.");
        code != kExitOk)
      return code;
  }
  const std::string path = Session::AppPath(s.GroupPath(), *app) + "/users/";
  const bool as_json = parsed.flags.Has("json");
  json done = json::array();
  for (const auto& id : ids) {
    auto result = s.client().Call(change.method, path + UrlEncode(id) + change.suffix);
    if (!result.ok()) {
      std::string message = "user " + id + ": " + result.status().message();
      if (!done.empty()) message += " (the " + std::to_string(done.size()) + " before it were " + change.done + ")";
      return Fail(ctx, message);
    }
    done.push_back(id);
    if (!as_json) ctx.out << change.done << " user " << id << "\n";
  }
  if (as_json) PrintJson(ctx, {{change.done, done}});
  return kExitOk;
}

}  // namespace

int Users(Context& ctx, const std::vector<std::string>& args) {
  static const Change kChanges[] = {
      {"delete", "DELETE", "", "deleted"},
      {"disable", "PUT", "/disable", "disabled"},
      {"enable", "PUT", "/enable", "enabled"},
      {"revoke", "PUT", "/logout", "revoked"},
  };
  const std::string sub = args.empty() ? "" : args[0];
  const std::vector<std::string> rest(args.empty() ? args.end() : args.begin() + 1, args.end());
  if (sub == "list") return List(ctx, rest);
  if (sub == "count") return Count(ctx, rest);
  if (sub == "create") return Create(ctx, rest);
  if (sub == "devices") return Devices(ctx, rest);
  for (const auto& change : kChanges)
    if (sub == change.command) return ChangeUsers(ctx, rest, change);
  if (sub == "help" || sub == "--help" || sub == "-h") {
    ctx.out << kUsersUsage;
    return kExitOk;
  }
  return UsageError(ctx, "users", sub.empty() ? "a subcommand is required: list, count, create, devices, delete, disable, enable, revoke"
                                              : "unknown subcommand '" + sub + "'");
}

}  // namespace guestpass::cli
