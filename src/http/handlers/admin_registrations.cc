// admin_registrations.cc: pending email/password registrations under
// /api/admin/v3.0/groups/{group}/apps/{app}/user_registrations (admin-api.md
// section 4.3): accounts no user has yet (unconfirmed, or confirmed and never
// logged in), in pages of 50; deletion, confirmation by hand, the
// confirmation sent again, and the provider's confirmation workflow run again.
// {email} is percent-decoded.
#include "http/handlers/admin.h"

namespace guestpass::http {

using core::ErrorCode;
using core::ObjectId;
using core::Result;
using core::Status;
using nlohmann::json;

namespace {
// App Services' pending user, plus what realm-cli's `users list --pending`
// reads (it decodes pending users with its User model and groups them by
// their identities' provider type): the identity the account will have and
// its email in `data`.
json PendingJson(const core::UserpassAccount& a, const core::ObjectId& provider_id) {
  return {
      {"_id", a.id.ToHex()},
      {"user_id", ""},
      {"domain_id", a.app_id.ToHex()},
      {"login_ids", json::array({{{"id_type", "email"}, {"id", a.email}, {"confirmed", a.confirmed}}})},
      {"identities",
       json::array(
           {{{"id", a.id.ToHex()}, {"provider_type", core::kLocalUserpass}, {"provider_id", provider_id.ToHex()}}})},
      {"data", {{"email", a.email}}},
      {"type", "normal"},
      {"confirmed", a.confirmed},
      {"creation_date", a.created_at}};
}

struct EmailTarget {
  AdminServices* admin;
  ObjectId app_id;
  std::string email;
};

Result<EmailTarget> EmailTargetOf(const Exchange& ex) {
  auto t = AppTargetOf(ex);
  if (!t.ok()) return t.status();
  return EmailTarget{t->admin, t->app_id, PercentDecode(ex.route.Param("email"), false)};
}

// Runs `*job` (Result<bool>) on the admin worker; `status` with an empty
// JSON object when it succeeded (App Services answers some with 200 {}).
template <typename Job>
HandlerResult ReplyOnAdminWorker(const Exchange& ex, AdminServices& admin, Job* job, bhttp::status status) {
  auto done = co_await OnAdminWorker<bool>(admin, job);
  if (!done.ok()) co_return done.status();
  if (status == bhttp::status::no_content) co_return EmptyResponse(status, ex.request.version());
  co_return JsonOk(ex, json::object(), status);
}
}  // namespace

HandlerResult HandleListPendingUsers(const Exchange& ex) {
  auto t = AppTargetOf(ex);
  if (!t.ok()) co_return t.status();
  ObjectId after;
  if (auto raw = QueryParam(ex.route.query, "after"); raw && !raw->empty()) {
    auto id = ObjectId::FromHex(*raw);
    if (!id) co_return Status::InvalidArgument(ErrorCode::kInvalidParameter, "'after' must be a pending user's _id");
    after = *id;
  }
  auto& users = t->admin->users;
  auto& config = t->admin->config;
  struct Page {
    std::vector<core::UserpassAccount> accounts;
    ObjectId provider_id;  // the app's local-userpass provider's, if it has one
  };
  auto job = [&users, &config, app = t->app_id, after]() -> Result<Page> {
    auto accounts = users.ListPending(app, after);
    if (!accounts.ok()) return accounts.status();
    Page page{std::move(*accounts), {}};
    if (auto deployed = config.App(app); deployed.ok())
      if (const auto* p = deployed->FindProvider(core::kLocalUserpass)) page.provider_id = p->id;
    return page;
  };
  auto page = co_await OnAdminWorker<Page>(*t->admin, &job);
  if (!page.ok()) co_return page.status();
  json out = json::array();
  for (const auto& a : page->accounts) out.push_back(PendingJson(a, page->provider_id));
  co_return JsonOk(ex, out);
}

HandlerResult HandleDeletePendingUser(const Exchange& ex) {
  auto t = EmailTargetOf(ex);
  if (!t.ok()) co_return t.status();
  auto& users = t->admin->users;
  auto job = [&users, app = t->app_id, email = t->email] { return DoneOf(users.DeletePending(app, email)); };
  co_return co_await ReplyOnAdminWorker(ex, *t->admin, &job, bhttp::status::no_content);
}

HandlerResult HandleConfirmPendingUser(const Exchange& ex) {
  auto t = EmailTargetOf(ex);
  if (!t.ok()) co_return t.status();
  auto& users = t->admin->users;
  auto job = [&users, app = t->app_id, email = t->email] { return DoneOf(users.ConfirmPending(app, email)); };
  co_return co_await ReplyOnAdminWorker(ex, *t->admin, &job, bhttp::status::no_content);
}

HandlerResult HandleSendConfirmation(const Exchange& ex) {
  auto t = EmailTargetOf(ex);
  if (!t.ok()) co_return t.status();
  auto& users = t->admin->users;
  auto job = [&users, app = t->app_id, email = t->email] { return DoneOf(users.SendConfirmation(app, email)); };
  co_return co_await ReplyOnAdminWorker(ex, *t->admin, &job, bhttp::status::ok);
}

HandlerResult HandleRunConfirmation(const Exchange& ex) {
  auto t = EmailTargetOf(ex);
  if (!t.ok()) co_return t.status();
  auto& users = t->admin->users;
  auto job = [&users, app = t->app_id, email = t->email]() -> Result<bool> {
    auto run = users.RunConfirmation(app, email);
    if (!run.ok()) return run.status();
    return true;
  };
  co_return co_await ReplyOnAdminWorker(ex, *t->admin, &job, bhttp::status::accepted);
}

}  // namespace guestpass::http
