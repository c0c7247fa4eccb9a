// users_cli.cc: `guestpass users expire` and `guestpass audit`.
#include "app/users_cli.h"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>

#include "auth/lifecycle/inactivity_job.h"
#include "core/clock.h"
#include "core/json_text.h"
#include "store/sqlite/sqlite_store.h"
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

// --name value pairs and bare --flags; `flags` lists the bare ones.
struct Args {
  std::map<std::string, std::string> values;
  std::vector<std::string> flags;
  std::string error;
};

Args ParseArgs(const std::vector<std::string>& args, const std::vector<std::string>& known_values,
               const std::vector<std::string>& known_flags) {
  Args out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto is = [&](const std::vector<std::string>& list) {
      return std::find(list.begin(), list.end(), a) != list.end();
    };
    if (is(known_flags)) {
      out.flags.push_back(a);
    } else if (is(known_values)) {
      if (i + 1 >= args.size()) {
        out.error = a + " needs a value";
        return out;
      }
      out.values[a] = args[++i];
    } else {
      out.error = "unknown argument '" + a + "'";
      return out;
    }
  }
  return out;
}

bool HasFlag(const Args& a, const std::string& flag) {
  return std::find(a.flags.begin(), a.flags.end(), flag) != a.flags.end();
}

// Positive whole number, or nullopt.
std::optional<int64_t> ParseCount(const std::string& text) {
  if (text.empty() || text.size() > 12 || text.find_first_not_of("0123456789") != std::string::npos) return {};
  return std::stoll(text);
}

// The data directory's store, which must exist (these commands never create one).
core::Result<std::unique_ptr<store::sqlite::SqliteStore>> OpenStore(const Args& a) {
  std::string dir = "./guestpass-data";
  if (const char* env = std::getenv("GUESTPASS_DATA_DIR"); env != nullptr && *env) dir = env;
  if (auto it = a.values.find("--data-dir"); it != a.values.end()) dir = it->second;
  const std::string path = (std::filesystem::path(dir) / "guestpass.db").string();
  if (!std::filesystem::exists(path))
    return core::Status::NotFound(core::ErrorCode::kNone, "no guestpass database at " + path + " (see --data-dir)");
  return store::sqlite::SqliteStore::Open({path});
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
                                "no app '" + client_app_id + "' in this data directory (apps: " + known + ")");
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
    "  Deletes the app's anonymous users that have been inactive longer than its policy\n"
    "  (guestpass.json anonymous.delete_after_inactive_days, default 90), as the server's\n"
    "  background job does, with an audit event each. --dry-run lists them (at most\n"
    "  --limit, default 1000) and deletes nothing.\n";

int Expire(const std::vector<std::string>& raw) {
  Args a = ParseArgs(raw, {"--app", "--limit", "--data-dir"}, {"--dry-run", "--help"});
  if (HasFlag(a, "--help")) {
    std::cout << kExpireUsage;
    return 0;
  }
  if (!a.error.empty()) return Fail(a.error + "\n" + kExpireUsage);
  if (!a.values.count("--app")) return Fail(std::string("--app is required\n") + kExpireUsage);
  int64_t limit = 1000;
  if (auto it = a.values.find("--limit"); it != a.values.end()) {
    auto n = ParseCount(it->second);
    if (!n || *n < 1) return Fail("--limit: expected a positive number, got '" + it->second + "'");
    limit = *n;
  }
  auto store = OpenStore(a);
  if (!store.ok()) return Fail(store.status().message());
  auto app = FindApp(**store, a.values["--app"]);
  if (!app.ok()) return Fail(app.status().message());

  const int64_t now = Now();
  const auto cutoff = auth::InactivityCutoff(app->settings, now);
  if (!cutoff) {
    std::cout << "app " << app->client_app_id << ": the inactivity policy is \"never\"; nothing to expire\n";
    return 0;
  }
  std::cout << "app " << app->client_app_id << ": anonymous users inactive for more than "
            << app->settings.anonymous_inactive_days << " days (last activity recorded before " << IsoTime(*cutoff)
            << ")\n";
  if (HasFlag(a, "--dry-run")) {
    auto users = store::Await<std::vector<core::User>>([&](auto done) {
      (*store)->ListInactiveAnonymousUsers(app->id, *cutoff, static_cast<size_t>(limit) + 1, std::move(done));
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
  auto report = auth::ExpireInactiveUsers(**store, *app, now, options);
  if (!report.ok()) return Fail(report.status().message());
  std::cout << "deleted " << report->deleted << " user" << (report->deleted == 1 ? "" : "s") << "\n";
  return 0;
}

constexpr const char* kAuditUsage =
    "usage: guestpass audit --app CLIENT_APP_ID [--after SEQ] [--limit N] [--json] [--data-dir DIR]\n"
    "  Lists the app's audit events (user deletions: who, when, why), oldest first.\n";

int Audit(const std::vector<std::string>& raw) {
  Args a = ParseArgs(raw, {"--app", "--after", "--limit", "--data-dir"}, {"--json", "--help"});
  if (HasFlag(a, "--help")) {
    std::cout << kAuditUsage;
    return 0;
  }
  if (!a.error.empty()) return Fail(a.error + "\n" + kAuditUsage);
  if (!a.values.count("--app")) return Fail(std::string("--app is required\n") + kAuditUsage);
  int64_t after = 0, limit = 100;
  for (auto [flag, out] : {std::pair{"--after", &after}, std::pair{"--limit", &limit}}) {
    auto it = a.values.find(flag);
    if (it == a.values.end()) continue;
    auto n = ParseCount(it->second);
    if (!n) return Fail(std::string(flag) + ": expected a number, got '" + it->second + "'");
    *out = *n;
  }
  auto store = OpenStore(a);
  if (!store.ok()) return Fail(store.status().message());
  auto app = FindApp(**store, a.values["--app"]);
  if (!app.ok()) return Fail(app.status().message());
  auto events = store::Await<std::vector<core::AuditEvent>>([&](auto done) {
    (*store)->ListAuditEvents(app->id, after, static_cast<size_t>(limit), std::move(done));
  });
  if (!events.ok()) return Fail(events.status().message());
  const bool json = HasFlag(a, "--json");
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
