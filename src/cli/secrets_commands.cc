// secrets_commands.cc: `guestpass secrets list|create|update|delete`: an
// app's secrets, named as the App Services CLI names them. Values go to the
// server and never come back: nothing here prints one.
#include "cli/commands.h"
#include "cli/output.h"

namespace guestpass::cli {

using core::ErrorCode;
using core::Status;
using nlohmann::json;

namespace {

constexpr const char* kSecretsUsage =
    "usage: guestpass secrets list --app APP [--json]\n"
    "       guestpass secrets create --app APP --name NAME (--value-stdin | --value VALUE) [--json]\n"
    "       guestpass secrets update --app APP --secret NAME_OR_ID [--name NEW] [--value-stdin | --value VALUE] [--json]\n"
    "       guestpass secrets delete --app APP --secret NAME_OR_ID [--yes] [--json]\n"
    "  APP is the client app id. Every command takes --profile P.\n"
    "  --value-stdin reads the value from the first line of stdin (not echoed on a terminal).\n"
    "  --value is for scripts: it shows in ps and the shell's history. No command prints a value.\n"
    "  delete asks first on a terminal, and needs --yes otherwise.\n";

// The value of --value or --value-stdin, nullopt when neither was given, or
// an InvalidArgument to report as a usage error (both, or an empty value).
core::Result<std::optional<std::string>> ValueOf(Context& ctx, const Flags& flags) {
  if (flags.Has("value") && flags.Has("value-stdin"))
    return Status::InvalidArgument(ErrorCode::kNone, "--value and --value-stdin exclude each other");
  std::optional<std::string> value;
  if (flags.Has("value-stdin")) {
    value = ReadSecretLine(ctx, "Value");
    if (value->empty()) return Status::InvalidArgument(ErrorCode::kNone, "--value-stdin: no value on stdin");
  } else if (auto given = flags.Value("value")) {
    if (given->empty()) return Status::InvalidArgument(ErrorCode::kNone, "--value: the value is empty");
    value = *given;
  }
  return value;
}

const std::vector<FlagSpec> kValueFlags = {{"value", true}, {"value-stdin", false}};

// The secret named or identified by `name_or_id` among the app's.
core::Result<json> FindSecret(Session& s, const std::string& secrets_path, const std::string& name_or_id) {
  auto secrets = s.client().Call("GET", secrets_path);
  if (!secrets.ok()) return secrets.status();
  if (secrets->is_array())
    for (const auto& secret : *secrets)
      if (secret.is_object() && (secret.value("name", "") == name_or_id || secret.value("_id", "") == name_or_id))
        return secret;
  return Status::NotFound(ErrorCode::kNone,
                          "no secret '" + name_or_id + "' (guestpass secrets list shows the app's secrets)");
}

// The session, the app of --app and its /secrets path, or the exit code.
struct Target {
  std::unique_ptr<Session> session;
  json app;
  std::string path;  // ".../apps/{_id}/secrets"
};

int OpenTarget(Context& ctx, const Flags& flags, Target* target) {
  auto session = Session::Open(ctx, flags);
  if (!session.ok()) return Fail(ctx, session.status());
  target->session = std::move(*session);
  auto app = target->session->FindApp(*flags.Value("app"));
  if (!app.ok()) return Fail(ctx, app.status());
  target->app = std::move(*app);
  target->path = Session::AppPath(target->session->GroupPath(), target->app) + "/secrets";
  return kExitOk;
}

int List(Context& ctx, const std::vector<std::string>& args) {
  auto parsed = ParseFlags(ctx, "secrets", args, {{"app", true}}, kSecretsUsage);
  if (parsed.exit_code >= 0) return parsed.exit_code;
  if (!parsed.flags.Has("app")) return UsageError(ctx, "secrets", "list: --app is required");
  Target t;
  if (int code = OpenTarget(ctx, parsed.flags, &t); code != kExitOk) return code;
  auto secrets = t.session->client().Call("GET", t.path);
  if (!secrets.ok()) return Fail(ctx, secrets.status());
  if (parsed.flags.Has("json")) PrintJson(ctx, *secrets);
  else if (secrets->empty()) ctx.out << "no secrets\n";
  else ctx.out << SecretsTable(*secrets);
  return kExitOk;
}

int Create(Context& ctx, const std::vector<std::string>& args) {
  std::vector<FlagSpec> spec = kValueFlags;
  spec.push_back({"app", true});
  spec.push_back({"name", true});
  auto parsed = ParseFlags(ctx, "secrets", args, spec, kSecretsUsage);
  if (parsed.exit_code >= 0) return parsed.exit_code;
  const Flags& flags = parsed.flags;
  if (!flags.Has("app") || !flags.Has("name")) return UsageError(ctx, "secrets", "create: --app and --name are required");
  if (!flags.Has("value") && !flags.Has("value-stdin"))
    return UsageError(ctx, "secrets", "create: give the value with --value-stdin (or --value)");
  Target t;
  if (int code = OpenTarget(ctx, flags, &t); code != kExitOk) return code;
  auto value = ValueOf(ctx, flags);
  if (!value.ok()) return UsageError(ctx, "secrets", value.status().message());
  auto created = t.session->client().Call("POST", t.path, {{"name", *flags.Value("name")}, {"value", **value}});
  if (!created.ok()) return Fail(ctx, created.status());
  if (flags.Has("json")) PrintJson(ctx, *created);
  else ctx.out << "created secret " << created->value("name", "") << " (_id " << created->value("_id", "") << ")\n";
  return kExitOk;
}

int Update(Context& ctx, const std::vector<std::string>& args) {
  std::vector<FlagSpec> spec = kValueFlags;
  spec.push_back({"app", true});
  spec.push_back({"secret", true});
  spec.push_back({"name", true});
  auto parsed = ParseFlags(ctx, "secrets", args, spec, kSecretsUsage);
  if (parsed.exit_code >= 0) return parsed.exit_code;
  const Flags& flags = parsed.flags;
  if (!flags.Has("app") || !flags.Has("secret"))
    return UsageError(ctx, "secrets", "update: --app and --secret are required");
  if (!flags.Has("name") && !flags.Has("value") && !flags.Has("value-stdin"))
    return UsageError(ctx, "secrets", "update: give --name NEW, a value (--value-stdin or --value), or both");
  Target t;
  if (int code = OpenTarget(ctx, flags, &t); code != kExitOk) return code;
  auto secret = FindSecret(*t.session, t.path, *flags.Value("secret"));
  if (!secret.ok()) return Fail(ctx, secret.status());
  auto value = ValueOf(ctx, flags);
  if (!value.ok()) return UsageError(ctx, "secrets", value.status().message());
  const std::string id = secret->value("_id", "");
  json body = {{"name", flags.ValueOr("name", secret->value("name", ""))}};
  if (*value) body["value"] = **value;
  auto updated = t.session->client().Call("PUT", t.path + "/" + UrlEncode(id), body);
  if (!updated.ok()) return Fail(ctx, updated.status());
  const json summary = {{"_id", id}, {"name", body["name"]}};
  if (flags.Has("json")) PrintJson(ctx, {{"updated", summary}});
  else
    ctx.out << "updated secret " << body["name"].get<std::string>() << " (_id " << id << ")"
            << (*value ? ": new value" : "") << "\n";
  return kExitOk;
}

int Delete(Context& ctx, const std::vector<std::string>& args) {
  auto parsed = ParseFlags(ctx, "secrets", args, {{"app", true}, {"secret", true}, {"yes", false}}, kSecretsUsage);
  if (parsed.exit_code >= 0) return parsed.exit_code;
  const Flags& flags = parsed.flags;
  if (!flags.Has("app") || !flags.Has("secret"))
    return UsageError(ctx, "secrets", "delete: --app and --secret are required");
  Target t;
  if (int code = OpenTarget(ctx, flags, &t); code != kExitOk) return code;
  auto secret = FindSecret(*t.session, t.path, *flags.Value("secret"));
  if (!secret.ok()) return Fail(ctx, secret.status());
  const std::string id = secret->value("_id", "");
  const std::string name = secret->value("name", "");
  if (int code = Confirm(ctx, flags, "secrets",
                         "Delete secret " + name + " of app " + t.app.value("client_app_id", "") +
                             "? Its value cannot be read back.");
      code != kExitOk)
    return code;
  auto deleted = t.session->client().Call("DELETE", t.path + "/" + UrlEncode(id));
  if (!deleted.ok()) return Fail(ctx, deleted.status());
  if (flags.Has("json")) PrintJson(ctx, {{"deleted", {{"_id", id}, {"name", name}}}});
  else ctx.out << "deleted secret " << name << "\n";
  return kExitOk;
}

}  // namespace

int Secrets(Context& ctx, const std::vector<std::string>& args) {
  const std::string sub = args.empty() ? "" : args[0];
  const std::vector<std::string> rest(args.empty() ? args.end() : args.begin() + 1, args.end());
  if (sub == "list") return List(ctx, rest);
  if (sub == "create") return Create(ctx, rest);
  if (sub == "update") return Update(ctx, rest);
  if (sub == "delete") return Delete(ctx, rest);
  if (sub == "help" || sub == "--help" || sub == "-h") {
    ctx.out << kSecretsUsage;
    return kExitOk;
  }
  return UsageError(ctx, "secrets", sub.empty() ? "a subcommand is required: list, create, update or delete"
                                                : "unknown subcommand '" + sub + "'");
}

}  // namespace guestpass::cli
