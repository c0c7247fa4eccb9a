// deployments_commands.cc: `guestpass deployments list|redeploy`: an app's
// deployment history and rollback to an earlier deployment.
#include "cli/commands.h"
#include "cli/output.h"

namespace guestpass::cli {

using nlohmann::json;

namespace {

constexpr const char* kDeploymentsUsage =
    "usage: guestpass deployments list --app APP [--json]\n"
    "       guestpass deployments redeploy --app APP --deployment ID [--json]\n"
    "  APP is the client app id. Every command takes --profile P.\n"
    "  list shows the app's 25 newest deployments, newest first. redeploy deploys again what\n"
    "  deployment ID deployed (a rollback), as a new deployment.\n";

int List(Context& ctx, const std::vector<std::string>& args) {
  auto parsed = ParseFlags(ctx, "deployments", args, {{"app", true}}, kDeploymentsUsage);
  if (parsed.exit_code >= 0) return parsed.exit_code;
  auto app_id = parsed.flags.Value("app");
  if (!app_id) return UsageError(ctx, "deployments", "list: --app is required");
  auto session = Session::Open(ctx, parsed.flags);
  if (!session.ok()) return Fail(ctx, session.status());
  Session& s = **session;
  auto app = s.FindApp(*app_id);
  if (!app.ok()) return Fail(ctx, app.status());
  auto deployments = s.client().Call("GET", Session::AppPath(s.GroupPath(), *app) + "/deployments");
  if (!deployments.ok()) return Fail(ctx, deployments.status());
  if (parsed.flags.Has("json")) PrintJson(ctx, *deployments);
  else if (deployments->empty()) ctx.out << "no deployments\n";
  else ctx.out << DeploymentsTable(*deployments);
  return kExitOk;
}

int Redeploy(Context& ctx, const std::vector<std::string>& args) {
  auto parsed = ParseFlags(ctx, "deployments", args, {{"app", true}, {"deployment", true}}, kDeploymentsUsage);
  if (parsed.exit_code >= 0) return parsed.exit_code;
  auto app_id = parsed.flags.Value("app");
  auto deployment = parsed.flags.Value("deployment");
  if (!app_id || !deployment) return UsageError(ctx, "deployments", "redeploy: --app and --deployment are required");
  auto session = Session::Open(ctx, parsed.flags);
  if (!session.ok()) return Fail(ctx, session.status());
  Session& s = **session;
  auto app = s.FindApp(*app_id);
  if (!app.ok()) return Fail(ctx, app.status());
  const std::string path = Session::AppPath(s.GroupPath(), *app) + "/deployments";
  auto done = s.client().Call("POST", path + "/" + UrlEncode(*deployment) + "/redeploy");
  if (!done.ok()) return Fail(ctx, done.status());
  // The redeploy answers 204 without the new deployment: it is the newest.
  auto history = s.client().Call("GET", path);
  json newest = history.ok() && history->is_array() && !history->empty() ? (*history)[0] : json();
  if (newest.is_object() && newest.value("status", "") == "failed")
    return Fail(ctx, "redeploying " + *deployment + " failed: " + newest.value("status_error_message", "") +
                         " (deployment " + newest.value("_id", "") + ")");
  if (parsed.flags.Has("json")) {
    PrintJson(ctx, newest.is_object() ? newest : json{{"redeployed", *deployment}});
    return kExitOk;
  }
  ctx.out << "redeployed " << *deployment;
  if (newest.is_object()) {
    ctx.out << " as deployment " << newest.value("_id", "") << ": " << newest.value("status", "");
  }
  ctx.out << "\n";
  return kExitOk;
}

}  // namespace

int Deployments(Context& ctx, const std::vector<std::string>& args) {
  const std::string sub = args.empty() ? "" : args[0];
  const std::vector<std::string> rest(args.empty() ? args.end() : args.begin() + 1, args.end());
  if (sub == "list") return List(ctx, rest);
  if (sub == "redeploy") return Redeploy(ctx, rest);
  if (sub == "help" || sub == "--help" || sub == "-h") {
    ctx.out << kDeploymentsUsage;
    return kExitOk;
  }
  return UsageError(ctx, "deployments", sub.empty() ? "a subcommand is required: list or redeploy"
                                                    : "unknown subcommand '" + sub + "'");
}

}  // namespace guestpass::cli
