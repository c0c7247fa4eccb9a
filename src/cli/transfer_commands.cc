// transfer_commands.cc: `guestpass pull`, `guestpass push` and `guestpass
// apps diff`: an app's files between a directory and the server, named as
// the App Services CLI names them (admin-api.md 7.8).
//
// The diff is computed here, not by the server's import: the export's files
// (GET .../export) against the files the server would export after the push
// (app_files.h, with the server's own parser and exporter), so that
// guestpass.json's settings, which realm-cli's import leaves out, are in it.
// The push itself goes through a draft: POST .../drafts, PATCH .../push,
// POST .../drafts/{id}/deployment, as realm-cli pushes (admin-api.md 6.4).
#include <chrono>
#include <filesystem>
#include <thread>

#include "cli/app_files.h"
#include "cli/commands.h"
#include "config/app_zip.h"

namespace guestpass::cli {

using core::Status;
using nlohmann::json;

namespace {

constexpr const char* kPullUsage =
    "usage: guestpass pull --remote APP --local DIR [--json]\n"
    "  Writes the app's deployed configuration files under DIR (created if missing):\n"
    "  realm_config.json, auth/providers.json, auth/custom_user_data.json and guestpass.json.\n"
    "  Other files in DIR are left alone; pulling an unchanged app writes the same bytes.\n"
    "  APP is the client app id. Takes --profile P.\n";

constexpr const char* kPushUsage =
    "usage: guestpass push --remote APP --local DIR [--dry-run] [--yes] [--deployment-name NAME] [--json]\n"
    "  Shows what DIR would change (as guestpass apps diff), then deploys DIR's configuration:\n"
    "  the app's name, location, deployment model, auth/providers.json and guestpass.json\n"
    "  (without guestpass.json the app keeps its settings). Nothing to push: nothing is deployed.\n"
    "  --dry-run stops after the diff. It asks first on a terminal, and needs --yes otherwise;\n"
    "  --yes also discards a draft another administrator left open. Takes --profile P.\n";

constexpr int kDeploymentPolls = 60;
constexpr std::chrono::milliseconds kPollInterval{500};

// The app's export (GET .../export): its files as the server writes them.
core::Result<config::AppFiles> Export(Session& s, const std::string& app_path) {
  auto zip = s.client().GetBytes(app_path + "/export", "application/zip");
  if (!zip.ok()) return zip.status();
  auto files = config::UnzipAppFiles(*zip);
  if (!files.ok()) return Status::Internal("the server's export is not a readable zip: " + files.status().message());
  return files;
}

// What push and apps diff share: the directory, the app, and the diffs.
struct Plan {
  json app;
  std::string app_path;
  config::AppFiles local;
  std::vector<std::string> diffs;
};

// Reads --local and the app of --remote, and diffs them. On failure,
// returns the exit code after printing why.
int MakePlan(Context& ctx, const Flags& flags, Session& s, Plan* plan) {
  const std::string dir = *flags.Value("local");
  auto local = config::ReadAppDir(dir);
  if (!local.ok()) return Fail(ctx, local.status());
  plan->local = std::move(*local);
  auto app = s.FindApp(*flags.Value("remote"));
  if (!app.ok()) return Fail(ctx, app.status());
  plan->app = std::move(*app);
  plan->app_path = Session::AppPath(s.GroupPath(), plan->app);
  auto remote = Export(s, plan->app_path);
  if (!remote.ok()) return Fail(ctx, remote.status());
  auto diffs = PushDiffs(plan->local, *remote, dir);
  if (!diffs.ok()) return Fail(ctx, diffs.status());
  plan->diffs = std::move(*diffs);
  return kExitOk;
}

void PrintDiffs(Context& ctx, const std::vector<std::string>& diffs) {
  for (const auto& diff : diffs) {
    ctx.out << diff;
    if (!diff.empty() && diff.back() != '\n') ctx.out << "\n";
  }
}

// --remote and --local, or the usage error's exit code (>= 0).
int RequireRemoteAndLocal(Context& ctx, const Flags& flags, const std::string& command, const std::string& sub) {
  if (!flags.Has("remote") || !flags.Has("local"))
    return UsageError(ctx, command, (sub.empty() ? "" : sub + ": ") + "--remote APP and --local DIR are required");
  return -1;
}

// Opens a draft for the push; with --yes, one left open is discarded first.
core::Result<std::string> OpenDraft(Session& s, const Plan& plan, const Flags& flags) {
  auto draft = s.client().Call("POST", plan.app_path + "/drafts");
  if (!draft.ok() && draft.status().code() == core::Code::kAlreadyExists) {
    auto open = s.client().Call("GET", plan.app_path + "/drafts");
    const std::string open_id =
        open.ok() && open->is_array() && !open->empty() ? (*open)[0].value("_id", "") : std::string();
    if (!flags.Has("yes"))
      return Status::AlreadyExists(core::ErrorCode::kNone,
                                   "an administrator has an open draft of " + plan.app.value("client_app_id", "") +
                                       (open_id.empty() ? "" : " (draft " + open_id + ")") +
                                       ": push --yes discards it");
    if (open_id.empty()) return Status::Internal("the server says a draft is open but lists none");
    if (auto discarded = s.client().Call("DELETE", plan.app_path + "/drafts/" + UrlEncode(open_id));
        !discarded.ok())
      return discarded.status();
    draft = s.client().Call("POST", plan.app_path + "/drafts");
  }
  if (!draft.ok()) return draft.status();
  const std::string id = draft->is_object() ? draft->value("_id", "") : "";
  if (id.empty()) return Status::Internal("the server's draft has no _id");
  return id;
}

// Waits for the deployment to end: its final state, or an error.
core::Result<json> AwaitDeployment(Session& s, const std::string& app_path, json deployment) {
  for (int poll = 0;; ++poll) {
    if (!deployment.is_object()) return Status::Internal("the server's deployment is not an object");
    const std::string status = deployment.value("status", "");
    if (status == "successful" || status == "failed") return deployment;
    if (poll == kDeploymentPolls)
      return Status::Unavailable("deployment " + deployment.value("_id", "") + " is still '" + status + "' after " +
                                 std::to_string(kDeploymentPolls * kPollInterval.count() / 1000) +
                                 " s: guestpass deployments list shows how it ends");
    std::this_thread::sleep_for(kPollInterval);
    auto next = s.client().Call("GET", app_path + "/deployments/" + UrlEncode(deployment.value("_id", "")));
    if (!next.ok()) return next.status();
    deployment = std::move(*next);
  }
}

}  // namespace

int Pull(Context& ctx, const std::vector<std::string>& args) {
  auto parsed = ParseFlags(ctx, "pull", args, {{"remote", true}, {"local", true}}, kPullUsage);
  if (parsed.exit_code >= 0) return parsed.exit_code;
  if (int code = RequireRemoteAndLocal(ctx, parsed.flags, "pull", ""); code >= 0) return code;
  const std::string dir = *parsed.flags.Value("local");
  auto session = Session::Open(ctx, parsed.flags);
  if (!session.ok()) return Fail(ctx, session.status());
  Session& s = **session;
  auto app = s.FindApp(*parsed.flags.Value("remote"));
  if (!app.ok()) return Fail(ctx, app.status());
  auto files = Export(s, Session::AppPath(s.GroupPath(), *app));
  if (!files.ok()) return Fail(ctx, files.status());
  auto written = WriteAppFiles(dir, *files);
  if (!written.ok()) return Fail(ctx, written.status());
  json names = json::array();
  for (const auto& [path, bytes] : *files) names.push_back(path);
  if (parsed.flags.Has("json")) {
    PrintJson(ctx, {{"app", app->value("client_app_id", "")}, {"local", dir}, {"files", names}, {"written", *written}});
    return kExitOk;
  }
  ctx.out << "pulled " << app->value("client_app_id", "") << " into " << dir << ": " << files->size() << " files, "
          << (written->empty() ? "none changed" : std::to_string(written->size()) + " written") << "\n";
  for (const auto& path : *written) ctx.out << "  wrote " << path << "\n";
  if (std::filesystem::exists(std::filesystem::path(dir) / "root_config.json"))
    ctx.out << "note: " << dir << "/root_config.json is read before realm_config.json by push; remove it to push "
            << "what was pulled\n";
  return kExitOk;
}

int AppsDiff(Context& ctx, const std::vector<std::string>& args, const char* usage) {
  auto parsed = ParseFlags(ctx, "apps", args, {{"remote", true}, {"local", true}}, usage);
  if (parsed.exit_code >= 0) return parsed.exit_code;
  if (int code = RequireRemoteAndLocal(ctx, parsed.flags, "apps", "diff"); code >= 0) return code;
  auto session = Session::Open(ctx, parsed.flags);
  if (!session.ok()) return Fail(ctx, session.status());
  Plan plan;
  if (int code = MakePlan(ctx, parsed.flags, **session, &plan); code != kExitOk) return code;
  if (parsed.flags.Has("json")) PrintJson(ctx, plan.diffs);
  else if (plan.diffs.empty()) ctx.out << "no differences\n";
  else PrintDiffs(ctx, plan.diffs);
  return kExitOk;
}

int Push(Context& ctx, const std::vector<std::string>& args) {
  auto parsed = ParseFlags(ctx, "push", args,
                           {{"remote", true}, {"local", true}, {"dry-run", false}, {"yes", false},
                            {"deployment-name", true}},
                           kPushUsage);
  if (parsed.exit_code >= 0) return parsed.exit_code;
  const Flags& flags = parsed.flags;
  if (int code = RequireRemoteAndLocal(ctx, flags, "push", ""); code >= 0) return code;
  const bool as_json = flags.Has("json");
  const std::string dir = *flags.Value("local");
  auto session = Session::Open(ctx, flags);
  if (!session.ok()) return Fail(ctx, session.status());
  Session& s = **session;
  Plan plan;
  if (int code = MakePlan(ctx, flags, s, &plan); code != kExitOk) return code;
  const std::string client_app_id = plan.app.value("client_app_id", "");
  auto push_body = PushDocument(plan.local, dir);
  if (!push_body.ok()) return Fail(ctx, push_body.status());

  json result = {{"app", client_app_id}, {"diffs", plan.diffs}, {"deployment", nullptr}};
  if (plan.diffs.empty() || flags.Has("dry-run")) {
    if (as_json) PrintJson(ctx, result);
    else if (plan.diffs.empty()) ctx.out << "nothing to push: " << client_app_id << " is up to date\n";
    else {
      PrintDiffs(ctx, plan.diffs);
      ctx.out << "dry run: nothing was pushed\n";
    }
    return kExitOk;
  }
  if (!as_json) PrintDiffs(ctx, plan.diffs);
  if (int code = Confirm(ctx, flags, "push", "Deploy these changes to " + client_app_id + "?"); code != kExitOk)
    return code;

  auto draft = OpenDraft(s, plan, flags);
  if (!draft.ok()) return Fail(ctx, draft.status());
  const std::string draft_path = plan.app_path + "/drafts/" + UrlEncode(*draft);
  // Every failure past here discards the draft: a failed push leaves none.
  auto fail = [&](const std::string& message) {
    (void)s.client().Call("DELETE", draft_path);
    return Fail(ctx, message);
  };
  if (auto pushed = s.client().Call("PATCH", plan.app_path + "/push", *push_body); !pushed.ok())
    return fail("push refused: " + pushed.status().message());
  // The server's own view of the draft: an empty one deploys nothing.
  if (auto server_diff = s.client().Call("GET", draft_path + "/diff");
      server_diff.ok() && server_diff->is_object() && (*server_diff)["diffs"].is_array() &&
      (*server_diff)["diffs"].empty()) {
    (void)s.client().Call("DELETE", draft_path);
    if (as_json) PrintJson(ctx, {{"app", client_app_id}, {"diffs", json::array()}, {"deployment", nullptr}});
    else ctx.out << "nothing to push: " << client_app_id << " is up to date\n";
    return kExitOk;
  }
  json deploy_body = json::object();
  if (auto name = flags.Value("deployment-name")) deploy_body["name"] = *name;
  if (!as_json) ctx.out << "deploying draft " << *draft << " to " << client_app_id << " ..." << std::endl;
  auto started = s.client().Call("POST", draft_path + "/deployment", deploy_body);
  if (!started.ok()) return fail("deploying failed: " + started.status().message());
  auto deployment = AwaitDeployment(s, plan.app_path, *started);
  // Still running: the draft is the deployment's, not ours to discard.
  if (!deployment.ok()) return Fail(ctx, deployment.status());
  if (deployment->value("status", "") == "failed")
    return fail("deployment " + deployment->value("_id", "") + " failed: " +
                deployment->value("status_error_message", ""));
  result["deployment"] = *deployment;
  if (as_json) PrintJson(ctx, result);
  else
    ctx.out << "deployed " << client_app_id << ": deployment " << deployment->value("_id", "")
            << (flags.Has("deployment-name") ? " (" + deployment->value("name", "") + ")" : std::string()) << "\n";
  return kExitOk;
}

}  // namespace guestpass::cli
