// common.cc: helpers shared by the handlers.
#include "http/await.h"
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

namespace {
std::vector<store::GuessKey> SharedKeys(const std::vector<auth::GuessThrottle::Key>& keys) {
  std::vector<store::GuessKey> out;
  out.reserve(keys.size());
  for (const auto& k : keys) {
    const store::GuessRule rule{k.policy.free_failures, k.policy.max_wait_seconds, k.policy.forget_after_seconds,
                                k.policy.max_in_flight};
    out.push_back({k.name, rule, k.forget_on_success});
  }
  return out;
}
}  // namespace

GuessAttempt::GuessAttempt(const Exchange& ex, std::vector<auth::GuessThrottle::Key> keys)
    : ex_(ex), keys_(std::move(keys)) {}

GuessAttempt::~GuessAttempt() {
  if (!begun_) return;
  if (ex_.services.shared_limits != nullptr)
    ex_.services.shared_limits->EndGuess(SharedKeys(keys_), store::GuessOutcome::kNeither, [](const Status&) {});
  else
    ex_.services.guesses->End(keys_, auth::GuessThrottle::Outcome::kNeither);
}

boost::asio::awaitable<core::Result<std::optional<Response>>> GuessAttempt::Begin(const char* what) {
  if (keys_.empty()) co_return std::optional<Response>();
  int64_t wait = 0;
  if (store::LimitState* shared = ex_.services.shared_limits) {
    auto answer = co_await Await<int64_t>([&](auto done) { shared->BeginGuess(SharedKeys(keys_), std::move(done)); });
    if (!answer.ok()) co_return answer.status();
    wait = *answer;
  } else if (ex_.services.guesses != nullptr) {
    wait = ex_.services.guesses->Begin(keys_);
  } else {
    co_return std::optional<Response>();
  }
  if (wait == 0) {
    begun_ = true;
    co_return std::optional<Response>();
  }
  Response res = ErrorResponse(Status::Make(core::Code::kRateLimited, ErrorCode::kTooManyRequests,
                                            std::string("too many failed ") + what + "; retry in " +
                                                std::to_string(wait) + " s"),
                               ex_.request.version());
  res.set(bhttp::field::retry_after, std::to_string(wait));
  co_return std::optional<Response>(std::move(res));
}

boost::asio::awaitable<Status> GuessAttempt::Finish(const Status& outcome) {
  if (!begun_) co_return Status::Ok();
  begun_ = false;
  const bool failed = !outcome.ok() && outcome.code() == core::Code::kUnauthenticated;
  if (store::LimitState* shared = ex_.services.shared_limits) {
    const store::GuessOutcome how = outcome.ok() ? store::GuessOutcome::kSucceeded
                                    : failed     ? store::GuessOutcome::kFailed
                                                 : store::GuessOutcome::kNeither;
    auto recorded = co_await Await<bool>([&](auto done) {
      shared->EndGuess(SharedKeys(keys_), how, [done = std::move(done)](const Status& s) mutable {
        if (!s.ok()) return done(s);
        done(true);
      });
    });
    // A wrong guess that could not be counted is not answered as one.
    if (!recorded.ok() && failed) co_return Status::Unavailable("cannot count a failed login: " + recorded.status().message());
    co_return Status::Ok();
  }
  using Outcome = auth::GuessThrottle::Outcome;
  ex_.services.guesses->End(keys_, outcome.ok() ? Outcome::kSucceeded : failed ? Outcome::kFailed : Outcome::kNeither);
  co_return Status::Ok();
}

boost::asio::awaitable<core::Result<int64_t>> TakeSharedToken(const Exchange& ex, std::string key,
                                                              const RateLimit& limit) {
  store::LimitState* shared = ex.services.shared_limits;
  co_return co_await Await<int64_t>([&](auto done) {
    shared->Take(std::move(key), store::BucketLimit{limit.per_hour, limit.burst}, std::move(done));
  });
}

}  // namespace guestpass::http
