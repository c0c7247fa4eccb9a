// userpass.cc: the email/password operations under
// .../app/{app}/auth/providers/local-userpass/ (client-api.md section 11):
// register (201), confirm, confirm/send, confirm/call, reset/send, reset,
// reset/call (204). No token is needed; a stray Authorization header (web
// sends the current user's) is ignored.
#include "http/await.h"
#include "http/handlers/handlers.h"
#include "http/json_body.h"

namespace guestpass::http {

using core::ErrorCode;
using core::Status;

namespace {
enum class Op { kRegister, kConfirm, kResendConfirmation, kRetryConfirmation, kSendReset, kReset, kCallReset };

HandlerResult Run(const Exchange& ex, Op op) {
  auto app = FindApp(ex);
  if (!app.ok()) co_return app.status();
  auto body = ParseJsonObjectBody(ex.request);
  if (!body.ok()) co_return body.status();
  const core::ProviderConfig* provider = (*app)->FindProvider(core::kLocalUserpass);
  if (provider == nullptr)
    co_return Status::NotFound(ErrorCode::kAuthProviderNotFound,
                               "authentication via 'local-userpass' is unsupported: no such provider is configured");
  if (provider->disabled)
    co_return Status::PermissionDenied(ErrorCode::kAuthProviderNotFound,
                                       "authentication provider 'local-userpass' is disabled");
  if (ex.services.userpass == nullptr)
    co_return Status::Unimplemented(ErrorCode::kAuthProviderNotFound, "local-userpass is not available");
  auto& userpass = *ex.services.userpass;
  std::shared_ptr<const core::App> app_ref = *app;
  auto result = co_await Await<bool>([&](auto done) {
    auto finish = [done = std::move(done)](Status s) {
      if (!s.ok()) return done(s);
      done(true);
    };
    switch (op) {
      case Op::kRegister: return userpass.Register(*app_ref, *provider, *body, finish);
      case Op::kConfirm: return userpass.Confirm(*app_ref, *provider, *body, finish);
      case Op::kResendConfirmation: return userpass.ResendConfirmation(*app_ref, *provider, *body, finish);
      case Op::kRetryConfirmation: return userpass.RetryCustomConfirmation(*app_ref, *provider, *body, finish);
      case Op::kSendReset: return userpass.SendReset(*app_ref, *provider, *body, finish);
      case Op::kReset: return userpass.Reset(*app_ref, *provider, *body, finish);
      case Op::kCallReset: return userpass.CallReset(*app_ref, *provider, *body, finish);
    }
  });
  if (!result.ok()) co_return result.status();
  co_return EmptyResponse(op == Op::kRegister ? bhttp::status::created : bhttp::status::no_content,
                          ex.request.version());
}
}  // namespace

HandlerResult HandleRegister(const Exchange& ex) { return Run(ex, Op::kRegister); }
HandlerResult HandleConfirm(const Exchange& ex) { return Run(ex, Op::kConfirm); }
HandlerResult HandleResendConfirmation(const Exchange& ex) { return Run(ex, Op::kResendConfirmation); }
HandlerResult HandleRetryConfirmation(const Exchange& ex) { return Run(ex, Op::kRetryConfirmation); }
HandlerResult HandleSendReset(const Exchange& ex) { return Run(ex, Op::kSendReset); }
HandlerResult HandleReset(const Exchange& ex) { return Run(ex, Op::kReset); }
HandlerResult HandleCallReset(const Exchange& ex) { return Run(ex, Op::kCallReset); }

}  // namespace guestpass::http
