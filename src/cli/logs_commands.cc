// logs_commands.cc: `guestpass logs list`: an app's log (client
// authentication events and administrators' changes) through the Admin API's
// GET .../logs, oldest of the shown entries first like a terminal log;
// --tail keeps asking for new entries until interrupted.
#include <chrono>
#include <map>
#include <thread>

#include "cli/commands.h"
#include "cli/output.h"
#include "core/time_text.h"

namespace guestpass::cli {

using nlohmann::json;

namespace {

constexpr const char* kLogsUsage =
    "usage: guestpass logs list --app APP [--type auth|admin[,...]] [--errors] [--user ID]\n"
    "                           [--start ISO8601] [--end ISO8601] [--limit N] [--tail] [--json]\n"
    "  APP is the client app id. Every command takes --profile P.\n"
    "  Shows the newest entries (100 unless --limit N, up to 10000), oldest first.\n"
    "  --errors shows only failures. --start and --end bound the entries' times\n"
    "  (2026-12-03T10:00:00Z). --tail then prints new entries as they come, every\n"
    "  2 seconds, until interrupted (Ctrl-C); with --json, one entry per line.\n";

constexpr int64_t kPage = 100;  // the Admin API's largest page
constexpr auto kTailInterval = std::chrono::seconds(2);

// "&type=...&errors_only=true&user_id=..." for the filter flags given.
core::Result<std::string> Filters(const Flags& flags) {
  std::string query;
  if (auto types = flags.Value("type")) {
    std::string list;
    for (auto type : SplitList(*types)) {
      for (auto& c : type) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (type != "AUTH" && type != "ADMIN")
        return core::Status::InvalidArgument(core::ErrorCode::kNone, "--type: 'auth' or 'admin', not '" + type + "'");
      list += (list.empty() ? "" : ",") + type;
    }
    if (list.empty()) return core::Status::InvalidArgument(core::ErrorCode::kNone, "--type: name a type");
    query += "&type=" + list;
  }
  if (flags.Has("errors")) query += "&errors_only=true";
  if (auto user = flags.Value("user")) query += "&user_id=" + UrlEncode(*user);
  if (auto start = flags.Value("start")) query += "&start_date=" + UrlEncode(*start);
  if (auto end = flags.Value("end")) query += "&end_date=" + UrlEncode(*end);
  return query;
}

void PrintEntries(Context& ctx, const json& newest_first, bool as_json, bool header) {
  json oldest_first = json::array();
  for (auto it = newest_first.rbegin(); it != newest_first.rend(); ++it) oldest_first.push_back(*it);
  if (as_json) {
    for (const auto& e : oldest_first) ctx.out << e.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
    ctx.out.flush();
    return;
  }
  std::string table = LogsTable(oldest_first);
  if (!header) table = table.substr(table.find('\n') + 1);  // the header line once
  ctx.out << table << std::flush;
}

int List(Context& ctx, const std::vector<std::string>& args) {
  auto parsed = ParseFlags(ctx, "logs", args,
                           {{"app", true},
                            {"type", true},
                            {"errors", false},
                            {"user", true},
                            {"start", true},
                            {"end", true},
                            {"limit", true},
                            {"tail", false}},
                           kLogsUsage);
  if (parsed.exit_code >= 0) return parsed.exit_code;
  const Flags& flags = parsed.flags;
  auto app_id = flags.Value("app");
  if (!app_id) return UsageError(ctx, "logs", "list: --app is required");
  auto filters = Filters(flags);
  if (!filters.ok()) return UsageError(ctx, "logs", filters.status().message());
  int64_t limit = kPage;
  if (auto text = flags.Value("limit")) {
    auto n = ParseCount("limit", *text, 1, 10'000);
    if (!n.ok()) return UsageError(ctx, "logs", n.status().message());
    limit = *n;
  }
  const bool tail = flags.Has("tail");
  if (tail && flags.Has("end")) return UsageError(ctx, "logs", "--tail and --end exclude each other");
  const bool as_json = flags.Has("json");

  auto session = Session::Open(ctx, flags);
  if (!session.ok()) return Fail(ctx, session.status());
  Session& s = **session;
  auto app = s.FindApp(*app_id);
  if (!app.ok()) return Fail(ctx, app.status());
  const std::string path = Session::AppPath(s.GroupPath(), *app) + "/logs";

  // The newest `limit` entries, newest first, page by page.
  json entries = json::array();
  std::string next;  // "&end_date=...&skip=..." of the next page
  while (static_cast<int64_t>(entries.size()) < limit) {
    const int64_t want = std::min(kPage, limit - static_cast<int64_t>(entries.size()));
    auto page = s.client().Call("GET", path + "?limit=" + std::to_string(want) + *filters + next);
    if (!page.ok()) return Fail(ctx, page.status());
    if (!page->is_object() || !(*page)["logs"].is_array()) return Fail(ctx, "the server's page of logs is not {\"logs\": [...]}");
    for (auto& e : (*page)["logs"]) entries.push_back(std::move(e));
    if (!page->contains("nextEndDate") || (*page)["logs"].empty()) break;
    next = "&end_date=" + UrlEncode((*page).value("nextEndDate", "")) +
           "&skip=" + std::to_string((*page).value("nextSkip", int64_t{0}));
  }
  if (!tail) {
    if (as_json) {
      json oldest_first = json::array();
      for (auto it = entries.rbegin(); it != entries.rend(); ++it) oldest_first.push_back(*it);
      PrintJson(ctx, oldest_first);
    } else if (entries.empty()) {
      ctx.out << "no log entries\n";
    } else {
      PrintEntries(ctx, entries, false, true);
    }
    return kExitOk;
  }

  // --tail: ask again from the newest entry's second on (start_date is
  // exclusive and entries carry whole seconds, so go back one second and
  // drop what was already shown).
  PrintEntries(ctx, entries, as_json, true);
  bool header = entries.empty();
  // What was shown of the last seconds (_id -> started, in ms), pruned as
  // time moves on so that a long tail does not grow.
  std::map<std::string, int64_t> shown;
  const auto started_ms = [](const json& e) { return core::ParseIso8601Ms(e.value("started", "")).value_or(0); };
  std::optional<int64_t> since;
  if (auto start = flags.Value("start")) since = core::ParseIso8601Ms(*start);
  for (const auto& e : entries) shown.emplace(e.value("_id", ""), started_ms(e));
  if (!entries.empty()) since = started_ms(entries.front());
  std::string tail_filters = *filters;
  if (auto at = tail_filters.find("&start_date="); at != std::string::npos)
    tail_filters.erase(at, tail_filters.find('&', at + 1) - at);
  for (;;) {
    std::this_thread::sleep_for(kTailInterval);
    std::string query = "?limit=" + std::to_string(kPage) + tail_filters;
    if (since) query += "&start_date=" + UrlEncode(core::FormatIso8601Ms(*since - 1000));
    auto page = s.client().Call("GET", path + query);
    if (!page.ok()) return Fail(ctx, page.status());
    if (!page->is_object() || !(*page)["logs"].is_array()) return Fail(ctx, "the server's page of logs is not {\"logs\": [...]}");
    json fresh = json::array();
    for (auto& e : (*page)["logs"])
      if (shown.emplace(e.value("_id", ""), started_ms(e)).second) fresh.push_back(std::move(e));
    if (fresh.empty()) continue;
    since = started_ms(fresh.front());
    std::erase_if(shown, [&](const auto& kv) { return kv.second < *since - 2000; });
    PrintEntries(ctx, fresh, as_json, header);
    header = false;
  }
}

}  // namespace

int Logs(Context& ctx, const std::vector<std::string>& args) {
  const std::string sub = args.empty() ? "" : args[0];
  const std::vector<std::string> rest(args.empty() ? args.end() : args.begin() + 1, args.end());
  if (sub == "list") return List(ctx, rest);
  if (sub == "help" || sub == "--help" || sub == "-h") {
    ctx.out << kLogsUsage;
    return kExitOk;
  }
  return UsageError(ctx, "logs", sub.empty() ? "a subcommand is required: list" : "unknown subcommand '" + sub + "'");
}

}  // namespace guestpass::cli
