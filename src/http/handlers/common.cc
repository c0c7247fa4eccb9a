// common.cc: helpers shared by the handlers.
#include "http/client_address.h"
#include "http/error_response.h"
#include "http/handlers/handlers.h"

namespace guestpass::http {

using core::ErrorCode;
using core::Status;

core::Result<std::string_view> BearerToken(const Request& req) {
  auto it = req.find(bhttp::field::authorization);
  if (it == req.end())
    return Status::Unauthenticated(ErrorCode::kMissingAuthReq, "must authenticate first: no Authorization header");
  std::string_view value = Sv(it->value());
  if (value.size() < 7 || !IEquals(value.substr(0, 7), "Bearer "))
    return Status::Unauthenticated(ErrorCode::kMissingAuthReq,
                                   "must authenticate first: expected Authorization: Bearer <token>");
  value.remove_prefix(7);
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  return value;
}

core::Result<std::shared_ptr<const core::App>> FindApp(const Exchange& ex) {
  const std::string_view client_app_id = ex.route.Param("app");
  auto app = ex.services.apps.FindByClientAppId(client_app_id);
  if (!app) {
    std::string shown(client_app_id.substr(0, 100));
    return Status::NotFound(ErrorCode::kAppNotFound, "cannot find app using Client App ID '" + shown + "'");
  }
  return app;
}

std::vector<auth::GuessThrottle::Key> GuessKeys(const Exchange& ex, std::string_view scope, std::string_view account) {
  std::vector<auth::GuessThrottle::Key> keys;
  const auto client = ClientAddressOf(ex.request, ex.peer, ex.services.trusted_proxies);
  keys.push_back({"address|" + AddressKey(client), ex.services.address_guesses, false});
  if (!account.empty()) {
    std::string name = "account|";
    name += scope;
    name += '|';
    name += account;
    keys.push_back({std::move(name), ex.services.account_guesses, true});
  }
  return keys;
}

GuessAttempt::GuessAttempt(const Exchange& ex, std::vector<auth::GuessThrottle::Key> keys)
    : ex_(ex), keys_(std::move(keys)) {}

GuessAttempt::~GuessAttempt() {
  if (begun_) ex_.services.guesses->End(keys_, outcome_);
}

std::optional<Response> GuessAttempt::Begin(const char* what) {
  if (ex_.services.guesses == nullptr || keys_.empty()) return std::nullopt;
  const int64_t wait = ex_.services.guesses->Begin(keys_);
  if (wait == 0) {
    begun_ = true;
    return std::nullopt;
  }
  Response res = ErrorResponse(Status::Make(core::Code::kRateLimited, ErrorCode::kTooManyRequests,
                                            std::string("too many failed ") + what + "; retry in " +
                                                std::to_string(wait) + " s"),
                               ex_.request.version());
  res.set(bhttp::field::retry_after, std::to_string(wait));
  return res;
}

void GuessAttempt::Record(const core::Status& outcome) {
  using Outcome = auth::GuessThrottle::Outcome;
  if (outcome.ok())
    outcome_ = Outcome::kSucceeded;
  else if (outcome.code() == core::Code::kUnauthenticated)
    outcome_ = Outcome::kFailed;
  else
    outcome_ = Outcome::kNeither;
}

}  // namespace guestpass::http
