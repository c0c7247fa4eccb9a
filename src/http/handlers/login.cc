// login.cc: POST .../app/{app}/auth/providers/{provider}/login
// (client-api.md sections 5 and 6): login through any provider, and linking
// (?link=true with the current user's access token).
#include "core/json_text.h"
#include "http/await.h"
#include "http/error_response.h"
#include "http/handlers/handlers.h"
#include "http/login_body.h"

namespace guestpass::http {

using core::ErrorCode;
using core::Status;

namespace {
bool QueryHasLink(std::string_view query) {
  // Matches link=true among &-separated parameters.
  size_t i = 0;
  while (i <= query.size()) {
    size_t j = query.find('&', i);
    if (j == std::string_view::npos) j = query.size();
    if (query.substr(i, j - i) == "link=true") return true;
    i = j + 1;
  }
  return false;
}

// The anonymous sign-up limit of `app` (its settings, else the server's).
RateLimit SignupLimit(const Exchange& ex, const core::App& app) {
  const RateLimit& fallback = ex.services.default_signup_limit;
  return {app.settings.anonymous_signups_per_hour.value_or(fallback.per_hour),
          app.settings.anonymous_signup_burst.value_or(fallback.burst)};
}

// The bucket of this client address's sign-ups to `app`.
std::string SignupKey(const Exchange& ex, const core::App& app) {
  const auto client = ClientAddressOf(ex.request, ex.peer, ex.services.trusted_proxies);
  return app.id.ToHex() + "|" + AddressKey(client);
}

// The 429 with Retry-After of a client address that used up its sign-ups.
Response TooManySignups(const Exchange& ex, int64_t retry_after) {
  Response res = ErrorResponse(
      Status::Make(core::Code::kRateLimited, ErrorCode::kTooManyRequests,
                   "too many anonymous sign-ups from this address; retry in " + std::to_string(retry_after) + " s"),
      ex.request.version());
  res.set(bhttp::field::retry_after, std::to_string(retry_after));
  return res;
}

// A 429 with Retry-After when this client address used up the app's
// anonymous sign-ups (issue 4's abuse limit), else nullopt; in-process
// limits (one server).
std::optional<Response> LimitAnonymousSignup(const Exchange& ex, const core::App& app) {
  const RateLimit limit = SignupLimit(ex, app);
  if (limit.per_hour <= 0) return std::nullopt;
  const int64_t retry_after = ex.services.signup_limiter->Take(SignupKey(ex, app), limit);
  if (retry_after == 0) return std::nullopt;
  return TooManySignups(ex, retry_after);
}
}  // namespace

HandlerResult HandleLogin(const Exchange& ex) {
  auto app = FindApp(ex);
  if (!app.ok()) co_return app.status();
  auto body = ReadLoginBody(ex.request);
  if (!body.ok()) co_return body.status();
  auth::LoginRequest request;
  request.provider_name = std::string(ex.route.Param("provider"));
  ex.note->app_id = (*app)->id;
  ex.note->provider = request.provider_name;  // its type: a provider's name is its type
  if (body->device.json.size() <= kMaxLoggedDeviceBytes) ex.note->device = body->device.json;
  request.device = std::move(body->device);
  if (QueryHasLink(ex.route.query)) {
    // Linking adds the identity to the user of the access token.
    auto token = BearerToken(ex.request);
    if (!token.ok()) co_return token.status();
    request.link_access_token = std::string(*token);
  }
  ex.note->auth_event = request.link_access_token ? "link" : "login";
  request.credentials = std::move(body->credentials);
  if ((ex.services.signup_limiter != nullptr || ex.services.shared_limits != nullptr) && !request.link_access_token) {
    const core::ProviderConfig* provider = (*app)->FindProvider(request.provider_name);
    if (provider != nullptr && provider->type == core::kAnonUser && !provider->disabled) {
      std::optional<Response> refused;
      if (ex.services.shared_limits == nullptr) {
        refused = LimitAnonymousSignup(ex, **app);
      } else if (const RateLimit limit = SignupLimit(ex, **app); limit.per_hour > 0) {
        // Shared by every server on the database (store/limit_state.h).
        auto retry_after = co_await TakeSharedToken(ex, SignupKey(ex, **app), limit);
        if (!retry_after.ok()) co_return retry_after.status();
        if (*retry_after > 0) refused = TooManySignups(ex, *retry_after);
      }
      if (refused) {
        if (ex.services.metrics != nullptr) {
          ex.services.metrics->Login(core::kAnonUser, HttpMetrics::LoginOutcome::kThrottled);
          ex.services.metrics->Throttled(HttpMetrics::Throttle::kSignup);
        }
        co_return std::move(*refused);
      }
    }
  }
  // Credentials that can be guessed (a password, an API key, a JWT) are
  // throttled per client address, and a password per account too.
  const core::ProviderConfig* provider = (*app)->FindProvider(request.provider_name);
  const bool guessable = provider != nullptr && provider->type != core::kAnonUser;
  std::string account;
  if (guessable && provider->type == core::kLocalUserpass)
    if (auto it = request.credentials.find("username"); it != request.credentials.end() && it->is_string())
      account = auth::local_userpass::NormalizeEmail(it->get<std::string>());
  GuessAttempt attempt(ex, guessable ? GuessKeys(ex, (*app)->id.ToHex(), account) : std::vector<auth::GuessThrottle::Key>{});
  const std::string_view type = provider != nullptr ? std::string_view(provider->type) : std::string_view();
  if (guessable) {  // (an anonymous login skips the throttle's coroutines)
    auto refused = co_await attempt.Begin("logins");
    if (!refused.ok()) co_return refused.status();
    if (*refused) {
      if (ex.services.metrics != nullptr) {
        ex.services.metrics->Login(type, HttpMetrics::LoginOutcome::kThrottled);
        ex.services.metrics->Throttled(HttpMetrics::Throttle::kGuess);
      }
      co_return std::move(**refused);
    }
  }
  auto result = co_await Await<auth::LoginResult>(
      [&](auto done) { ex.services.auth.Login(*app, std::move(request), std::move(done)); });
  if (guessable) {
    if (Status counted = co_await attempt.Finish(result.status()); !counted.ok()) co_return counted;
  }
  if (ex.services.metrics != nullptr) {
    using O = HttpMetrics::LoginOutcome;
    const O outcome = result.ok()                                                  ? O::kSuccess
                      : result.status().code() == core::Code::kUnauthenticated ? O::kFailure
                                                                                   : O::kError;
    ex.services.metrics->Login(type, outcome);
  }
  if (!result.ok()) co_return result.status();
  ex.note->user_id = result->user_id;
  std::string out;
  out.reserve(result->access_token.size() + result->refresh_token.size() + 128);
  out += R"({"access_token":)";
  core::AppendJsonString(out, result->access_token);
  if (!result->refresh_token.empty()) {  // empty after a link: the client keeps its refresh token
    out += R"(,"refresh_token":)";
    core::AppendJsonString(out, result->refresh_token);
  }
  out += R"(,"user_id":")";
  result->user_id.AppendHex(out);
  out += R"(","device_id":")";
  result->device_id.AppendHex(out);
  out += "\"}";
  co_return JsonResponse(bhttp::status::ok, std::move(out), ex.request.version());
}

}  // namespace guestpass::http
