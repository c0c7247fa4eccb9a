// users_cli.cc: `guestpass users expire` and `guestpass audit`.
#include "app/users_cli.h"

#include <pwd.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <variant>

#include "auth/lifecycle/inactivity_job.h"
#include "core/clock.h"
#include "core/json_text.h"
#include "store/open.h"
#include "store/sync.h"

namespace guestpass::app {

namespace {

// "2026-11-23T10:00:00Z"
std::string IsoTime(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "guestpass: %s\n", message.c_str());
  return 1;
}

namespace po = boost::program_options;

// Parses `args` against `desc` into `vm`; an error message, or "" when fine.
std::string ParseArgs(const std::vector<std::string>& args, const po::options_description& desc,
                      po::variables_map& vm) {
  try {
    po::store(po::command_line_parser(args).options(desc).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    return e.what();
  }
  return "";
}

// The store of --data-dir or --database, which must exist (these commands
// never create one).
core::Result<std::unique_ptr<store::Store>> OpenStore(const po::variables_map& vm) {
  const store::StoreLocation location =
      store::ToolStoreLocation(vm.count("data-dir") ? vm["data-dir"].as<std::string>() : "",
                               vm.count("database") ? vm["database"].as<std::string>() : "");
  auto store = store::OpenStore(location, store::OpenMode::kExisting);
  if (!store.ok() && store.status().IsNotFound())
    return core::Status::NotFound(core::ErrorCode::kNone, store.status().message() +
                                                              (location.database.empty() ? " (see --data-dir)"
                                                                                         : " (see --database)"));
  return store;
}

core::Result<core::App> FindApp(store::Store& store, const std::string& client_app_id) {
  auto apps = store::Await<std::vector<core::App>>([&](auto done) { store.ListApps(std::move(done)); });
  if (!apps.ok()) return apps.status();
  std::string known;
  for (const auto& app : *apps) {
    if (app.client_app_id == client_app_id) return app;
    known += (known.empty() ? "" : ", ") + app.client_app_id;
  }
  return core::Status::NotFound(core::ErrorCode::kNone,
                                "no app '" + client_app_id + "' in this store (apps: " + known + ")");
}

// What both commands start with: their options parsed (--help printed), the
// data directory's store opened and --app found in it.
struct Target {
  std::unique_ptr<store::Store> store;
  core::App app;
};
// Returns the target, or the exit code to stop with.
std::variant<Target, int> OpenTarget(const std::vector<std::string>& args, const po::options_description& desc,
                                     const char* usage, po::variables_map& vm) {
  if (std::string error = ParseArgs(args, desc, vm); !error.empty()) return Fail(error + "\n" + usage);
  if (vm.count("help")) {
    std::cout << usage;
    return 0;
  }
  if (!vm.count("app")) return Fail(std::string("--app is required\n") + usage);
  auto store = OpenStore(vm);
  if (!store.ok()) return Fail(store.status().message());
  auto app = FindApp(**store, vm["app"].as<std::string>());
  if (!app.ok()) return Fail(app.status().message());
  return Target{std::move(*store), std::move(*app)};
}

// The clock of the tools, with the same test offset as `guestpass serve`.
int64_t Now() {
  int64_t offset = 0;
  if (const char* v = std::getenv("GUESTPASS_TEST_CLOCK_OFFSET_SECONDS"); v != nullptr && *v)
    offset = std::strtoll(v, nullptr, 10);
  return core::OffsetClock(offset).NowSeconds();
}

// "cli:<login name>" for the audit events: $USER, else the uid's name, else the uid.
std::string Actor() {
  if (const char* user = std::getenv("USER"); user != nullptr && *user) return std::string("cli:") + user;
  if (const passwd* pw = ::getpwuid(::getuid()); pw != nullptr && pw->pw_name != nullptr)
    return std::string("cli:") + pw->pw_name;
  return "cli:" + std::to_string(::getuid());
}

constexpr const char* kExpireUsage =
    "usage: guestpass users expire --app CLIENT_APP_ID [--dry-run] [--limit N] [--data-dir DIR]\n"
    "                              [--database URL]\n"
    "  Deletes the app's anonymous users that have been inactive longer than its policy\n"
    "  (guestpass.json anonymous.delete_after_inactive_days, default 90), as the server's\n"
    "  background job does, with an audit event each. --dry-run lists them (at most\n"
    "  --limit, default 1000) and deletes nothing.\n";

int Expire(const std::vector<std::string>& args) {
  po::options_description desc;
  desc.add_options()("help,h", "")("app", po::value<std::string>())("limit", po::value<int64_t>()->default_value(1000))(
      "data-dir", po::value<std::string>())("database", po::value<std::string>())("dry-run", po::bool_switch());
  po::variables_map vm;
  auto target = OpenTarget(args, desc, kExpireUsage, vm);
  if (const int* exit_code = std::get_if<int>(&target)) return *exit_code;
  // References, not a structured binding: lambdas below capture them, which
  // clang before 16 refuses for bindings (the ASan build is clang's).
  auto& store = std::get<Target>(target).store;
  const core::App& app = std::get<Target>(target).app;
  const int64_t limit = vm["limit"].as<int64_t>();
  if (limit < 1) return Fail("--limit: expected a positive number, got " + std::to_string(limit));

  const int64_t now = Now();
  const auto cutoff = auth::InactivityCutoff(app.settings, now);
  if (!cutoff) {
    std::cout << "app " << app.client_app_id << ": the inactivity policy is \"never\"; nothing to expire\n";
    return 0;
  }
  std::cout << "app " << app.client_app_id << ": anonymous users inactive for more than "
            << app.settings.anonymous_inactive_days << " days (last activity recorded before " << IsoTime(*cutoff)
            << ")\n";
  if (vm["dry-run"].as<bool>()) {
    auto users = store::Await<std::vector<core::User>>([&](auto done) {
      store->ListInactiveAnonymousUsers(app.id, *cutoff, static_cast<size_t>(limit) + 1, std::move(done));
    });
    if (!users.ok()) return Fail(users.status().message());
    const bool more = static_cast<int64_t>(users->size()) > limit;
    if (more) users->pop_back();
    if (!users->empty()) std::printf("%-24s  %-20s  %-20s\n", "USER ID", "CREATED", "LAST ACTIVE");
    for (const auto& u : *users)
      std::printf("%-24s  %-20s  %-20s\n", u.id.ToHex().c_str(), IsoTime(u.created_at).c_str(),
                  IsoTime(u.last_active_at).c_str());
    std::cout << (more ? "more than " : "") << users->size() << " user" << (users->size() == 1 ? "" : "s")
              << " would be deleted" << (more ? " (raise --limit to list all)" : "")
              << "; dry run: nothing was deleted\n";
    return 0;
  }
  auth::ExpireOptions options;
  options.actor = Actor();
  auto report = auth::ExpireInactiveUsers(*store, app, now, options);
  if (!report.ok()) return Fail(report.status().message());
  std::cout << "deleted " << report->deleted << " user" << (report->deleted == 1 ? "" : "s") << "\n";
  return 0;
}

constexpr const char* kAuditUsage =
    "usage: guestpass audit --app CLIENT_APP_ID [--after SEQ] [--limit N] [--json] [--data-dir DIR]\n"
    "                       [--database URL]\n"
    "  Lists the app's audit events (user deletions: who, when, why), oldest first.\n";

int Audit(const std::vector<std::string>& args) {
  po::options_description desc;
  desc.add_options()("help,h", "")("app", po::value<std::string>())("after", po::value<int64_t>()->default_value(0))(
      "limit", po::value<int64_t>()->default_value(100))("data-dir", po::value<std::string>())("database", po::value<std::string>())(
      "json", po::bool_switch());
  po::variables_map vm;
  auto target = OpenTarget(args, desc, kAuditUsage, vm);
  if (const int* exit_code = std::get_if<int>(&target)) return *exit_code;
  // References, not a structured binding: lambdas below capture them, which
  // clang before 16 refuses for bindings (the ASan build is clang's).
  auto& store = std::get<Target>(target).store;
  const core::App& app = std::get<Target>(target).app;
  const int64_t after = vm["after"].as<int64_t>();
  const int64_t limit = vm["limit"].as<int64_t>();
  if (after < 0 || limit < 1) return Fail("--after must be >= 0 and --limit >= 1");
  auto events = store::Await<std::vector<core::AuditEvent>>([&](auto done) {
    store->ListAuditEvents(app.id, after, static_cast<size_t>(limit), std::move(done));
  });
  if (!events.ok()) return Fail(events.status().message());
  const bool json = vm["json"].as<bool>();
  for (const auto& e : *events) {
    std::string providers;
    for (const auto& p : e.providers) providers += (providers.empty() ? "" : ",") + p;
    if (json) {
      std::string line = "{\"seq\":" + std::to_string(e.seq) + ",\"at\":" + std::to_string(e.at) + ",\"action\":";
      core::AppendJsonString(line, e.action);
      line += ",\"user_id\":";
      core::AppendJsonString(line, e.user_id.ToHex());
      line += ",\"actor\":";
      core::AppendJsonString(line, e.actor);
      line += ",\"reason\":";
      core::AppendJsonString(line, e.reason);
      line += ",\"providers\":[";
      for (size_t i = 0; i < e.providers.size(); ++i) {
        if (i) line += ",";
        core::AppendJsonString(line, e.providers[i]);
      }
      std::cout << line << "]}\n";
    } else {
      std::cout << e.seq << "  " << IsoTime(e.at) << "  " << e.action << "  " << e.user_id.ToHex() << "  "
                << e.actor << "  [" << providers << "]  " << e.reason << "\n";
    }
  }
  return 0;
}

}  // namespace

int UsersCommand(const std::vector<std::string>& args) {
  if (!args.empty() && args[0] == "expire") return Expire({args.begin() + 1, args.end()});
  std::fprintf(stderr, "usage: guestpass users expire --app CLIENT_APP_ID [--dry-run] [--limit N] [--data-dir DIR]\n");
  return 2;
}

int AuditCommand(const std::vector<std::string>& args) { return Audit(args); }

}  // namespace guestpass::app
