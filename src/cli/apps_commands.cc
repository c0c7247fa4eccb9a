// apps_commands.cc: `guestpass apps list|create|describe|delete|diff`: the
// server's apps, named by their client app id (diff is transfer_commands.cc's).
#include "cli/commands.h"
#include "cli/output.h"

namespace guestpass::cli {

using nlohmann::json;

namespace {

constexpr const char* kAppsUsage =
    "usage: guestpass apps list [--json]\n"
    "       guestpass apps create --name NAME [--json]\n"
    "       guestpass apps describe --app APP [--json]\n"
    "       guestpass apps delete --app APP [--yes] [--json]\n"
    "       guestpass apps diff --remote APP --local DIR [--json]\n"
    "  APP is the client app id (myapp-abcde). Every command takes --profile P.\n"
    "  describe shows the app, its authentication providers and its recent deployments.\n"
    "  delete removes the app with all its users and sessions; it asks first on a terminal,\n"
    "  and needs --yes otherwise.\n"
    "  diff prints the unified diffs guestpass push --local DIR would deploy (guestpass.json\n"
    "  included), \"no differences\" when there are none; it changes nothing.\n";

constexpr size_t kRecentDeployments = 5;

int List(Context& ctx, const std::vector<std::string>& args) {
  auto parsed = ParseFlags(ctx, "apps", args, {}, kAppsUsage);
  if (parsed.exit_code >= 0) return parsed.exit_code;
  auto session = Session::Open(ctx, parsed.flags);
  if (!session.ok()) return Fail(ctx, session.status());
  auto apps = (*session)->client().Call("GET", (*session)->GroupPath() + "/apps");
  if (!apps.ok()) return Fail(ctx, apps.status());
  if (parsed.flags.Has("json")) PrintJson(ctx, *apps);
  else if (apps->empty()) ctx.out << "no apps (guestpass apps create --name NAME makes one)\n";
  else ctx.out << AppsTable(*apps);
  return kExitOk;
}

int Create(Context& ctx, const std::vector<std::string>& args) {
  auto parsed = ParseFlags(ctx, "apps", args, {{"name", true}}, kAppsUsage);
  if (parsed.exit_code >= 0) return parsed.exit_code;
  auto name = parsed.flags.Value("name");
  if (!name) return UsageError(ctx, "apps", "create: --name is required");
  auto session = Session::Open(ctx, parsed.flags);
  if (!session.ok()) return Fail(ctx, session.status());
  auto app = (*session)->client().Call("POST", (*session)->GroupPath() + "/apps", {{"name", *name}});
  if (!app.ok()) return Fail(ctx, app.status());
  if (parsed.flags.Has("json")) PrintJson(ctx, *app);
  else ctx.out << "created app " << app->value("client_app_id", "") << " (_id " << app->value("_id", "") << ")\n";
  return kExitOk;
}

int Describe(Context& ctx, const std::vector<std::string>& args) {
  auto parsed = ParseFlags(ctx, "apps", args, {{"app", true}}, kAppsUsage);
  if (parsed.exit_code >= 0) return parsed.exit_code;
  auto app_id = parsed.flags.Value("app");
  if (!app_id) return UsageError(ctx, "apps", "describe: --app is required");
  auto session = Session::Open(ctx, parsed.flags);
  if (!session.ok()) return Fail(ctx, session.status());
  Session& s = **session;
  auto app = s.FindApp(*app_id);
  if (!app.ok()) return Fail(ctx, app.status());
  const std::string path = Session::AppPath(s.GroupPath(), *app);
  auto providers = s.client().Call("GET", path + "/auth_providers");
  if (!providers.ok()) return Fail(ctx, providers.status());
  auto deployments = s.client().Call("GET", path + "/deployments");
  if (!deployments.ok()) return Fail(ctx, deployments.status());
  if (parsed.flags.Has("json")) {
    PrintJson(ctx, {{"app", *app}, {"auth_providers", *providers}, {"deployments", *deployments}});
    return kExitOk;
  }
  Table fields({"CLIENT APP ID", app->value("client_app_id", "")});
  fields.Add({"NAME", app->value("name", "")});
  fields.Add({"_ID", app->value("_id", "")});
  fields.Add({"GROUP", app->value("group_id", "")});
  fields.Add({"LOCATION", app->value("location", "")});
  fields.Add({"DEPLOYMENT MODEL", app->value("deployment_model", "")});
  ctx.out << fields.Render() << "\nauthentication providers:\n";
  ctx.out << (providers->empty() ? "  none\n" : ProvidersTable(*providers));
  json recent = json::array();
  if (deployments->is_array())
    for (size_t i = 0; i < deployments->size() && i < kRecentDeployments; ++i) recent.push_back((*deployments)[i]);
  ctx.out << "\nrecent deployments (newest first):\n";
  ctx.out << (recent.empty() ? "  none\n" : DeploymentsTable(recent));
  return kExitOk;
}

int Delete(Context& ctx, const std::vector<std::string>& args) {
  auto parsed = ParseFlags(ctx, "apps", args, {{"app", true}, {"yes", false}}, kAppsUsage);
  if (parsed.exit_code >= 0) return parsed.exit_code;
  auto app_id = parsed.flags.Value("app");
  if (!app_id) return UsageError(ctx, "apps", "delete: --app is required");
  auto session = Session::Open(ctx, parsed.flags);
  if (!session.ok()) return Fail(ctx, session.status());
  Session& s = **session;
  auto app = s.FindApp(*app_id);
  if (!app.ok()) return Fail(ctx, app.status());
  const std::string client_app_id = app->value("client_app_id", "");
  if (int code = Confirm(ctx, parsed.flags, "apps",
                         "Delete app " + client_app_id + " with all its users and sessions? This cannot be undone.");
      code != kExitOk)
    return code;
  auto deleted = s.client().Call("DELETE", Session::AppPath(s.GroupPath(), *app));
  if (!deleted.ok()) return Fail(ctx, deleted.status());
  if (parsed.flags.Has("json"))
    PrintJson(ctx, {{"deleted", {{"_id", app->value("_id", "")}, {"client_app_id", client_app_id}}}});
  else ctx.out << "deleted app " << client_app_id << "\n";
  return kExitOk;
}

}  // namespace

int Apps(Context& ctx, const std::vector<std::string>& args) {
  const std::string sub = args.empty() ? "" : args[0];
  const std::vector<std::string> rest(args.empty() ? args.end() : args.begin() + 1, args.end());
  if (sub == "list") return List(ctx, rest);
  if (sub == "create") return Create(ctx, rest);
  if (sub == "describe") return Describe(ctx, rest);
  if (sub == "delete") return Delete(ctx, rest);
  if (sub == "diff") return AppsDiff(ctx, rest, kAppsUsage);
  if (sub == "help" || sub == "--help" || sub == "-h") {
    ctx.out << kAppsUsage;
    return kExitOk;
  }
  return UsageError(ctx, "apps", sub.empty() ? "a subcommand is required: list, create, describe, delete or diff"
                                             : "unknown subcommand '" + sub + "'");
}

}  // namespace guestpass::cli
