// admin_logs.cc: an app's logs, GET /api/admin/v3.0/groups/{group}/apps/{app}/logs
// (admin-api.md section 10.1): client authentication events ("AUTH": logins,
// links, logouts, with failures) and administrators' changes ("ADMIN"),
// newest first, at most 100 per page; more: pass nextEndDate as end_date and
// nextSkip as skip. Entries never hold a query string, header or body.
#include "core/time_text.h"
#include "http/handlers/admin.h"

namespace guestpass::http {

using core::ErrorCode;
using core::ObjectId;
using core::Result;
using core::Status;
using nlohmann::json;

namespace {
constexpr size_t kMaxLogPage = 100;

Status Bad(const std::string& what) { return Status::InvalidArgument(ErrorCode::kInvalidParameter, what); }

Result<store::Store::LogQuery> QueryOf(const Exchange& ex, const ObjectId& app_id) {
  store::Store::LogQuery q;
  q.app_id = app_id;
  q.limit = kMaxLogPage;
  const std::string_view query = ex.route.query;
  if (auto types = QueryParam(query, "type"); types && !types->empty()) {
    size_t i = 0;
    while (i <= types->size()) {
      size_t j = types->find(',', i);
      if (j == std::string::npos) j = types->size();
      if (j > i) q.types.push_back(types->substr(i, j - i));
      i = j + 1;
    }
  }
  // App Services: errors_only alone selects errors; "false" selects the
  // others; without it, both (what the UI shows by default).
  if (auto errors = QueryParam(query, "errors_only")) q.error = *errors != "false";
  if (auto user = QueryParam(query, "user_id"); user && !user->empty()) {
    auto id = ObjectId::FromHex(*user);
    if (!id) return Bad("'user_id' must be a user id");
    q.user_id = *id;
  }
  for (const char* key : {"start_date", "end_date"}) {
    auto value = QueryParam(query, key);
    if (!value || value->empty()) continue;
    auto ms = core::ParseIso8601Ms(*value);
    if (!ms) return Bad(std::string("'") + key + "' must be an ISO 8601 time, e.g. 2026-12-03T10:00:00Z");
    (std::string_view(key) == "start_date" ? q.start_ms : q.end_ms) = *ms;
  }
  auto skip = QueryNumber(query, "skip");
  if (!skip.ok()) return skip.status();
  if (*skip) q.skip = **skip;
  auto limit = QueryNumber(query, "limit");
  if (!limit.ok()) return limit.status();
  if (*limit) {
    if (**limit < 1 || **limit > kMaxLogPage) return Bad("'limit' is 1 to 100");
    q.limit = **limit;
  }
  return q;
}
}  // namespace

HandlerResult HandleListLogs(const Exchange& ex) {
  auto admin = AdminOf(ex);
  if (!admin.ok()) co_return admin.status();
  auto app_id = AppIdOf(ex);
  if (!app_id.ok()) co_return app_id.status();
  auto query = QueryOf(ex, *app_id);
  if (!query.ok()) co_return query.status();
  auto& config = (*admin)->config;
  auto& store = (*admin)->store;
  auto job = [&config, &store, q = *query]() -> Result<std::vector<core::LogEvent>> {
    if (auto app = config.App(q.app_id); !app.ok()) return app.status();
    return store::Await<std::vector<core::LogEvent>>([&](auto done) { store.ListLogEvents(q, done); });
  };
  auto events = co_await OnAdminWorker<std::vector<core::LogEvent>>(**admin, &job);
  if (!events.ok()) co_return events.status();
  json logs = json::array();
  const std::string app_hex = app_id->ToHex();
  for (const auto& e : *events) {
    json entry = json::parse(e.entry_json, nullptr, false);
    if (!entry.is_object()) entry = json::object();
    const std::string at = core::FormatIso8601Ms(e.at_ms);
    entry["_id"] = e.id.ToHex();
    entry["co_id"] = "";
    entry["type"] = e.type;
    entry["app_id"] = app_hex;
    entry["domain_id"] = app_hex;
    entry["group_id"] = (*admin)->domain.id.ToHex();
    entry["user_id"] = e.user_id.IsZero() ? "" : e.user_id.ToHex();
    entry["started"] = at;
    entry["completed"] = at;
    logs.push_back(std::move(entry));
  }
  json out = {{"logs", logs}};
  if (events->size() == query->limit) {
    // The next page ends at the oldest entry shown; skip the ones shown at that time.
    const int64_t last = events->back().at_ms;
    size_t same = 0;
    for (const auto& e : *events) same += e.at_ms == last ? 1 : 0;
    out["nextEndDate"] = core::FormatIso8601Ms(last);
    out["nextSkip"] = same + (last == query->end_ms ? query->skip : 0);
  }
  co_return JsonOk(ex, out);
}

}  // namespace guestpass::http
