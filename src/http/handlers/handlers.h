// handlers.h: the client API endpoint handlers. Each takes the parsed request
// and the services and returns a response or a Status; none touches a socket
// (the server owns I/O), so tests can call them directly.
#pragma once

#include <utility>  // before Boost 1.74 awaitable.hpp, which needs std::exchange

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <functional>
#include <string>

#include "admin/admin_domain.h"
#include "admin/config_service.h"
#include "admin/event_log.h"
#include "admin/secret_admin.h"
#include "admin/user_admin.h"
#include "admin/worker.h"
#include "auth/app_registry.h"
#include "crypto/digest.h"
#include "token/token_service.h"
#include "auth/auth_service.h"
#include "auth/guess_throttle.h"
#include "auth/providers/local_userpass/userpass_service.h"
#include "core/status.h"
#include "http/client_address.h"
#include "http/http_metrics.h"
#include "http/rate_limiter.h"
#include "store/limit_state.h"
#include "http/router.h"
#include "http/types.h"

namespace guestpass::http {

// The Admin API's services (nullptr in Services: no Admin API).
struct AdminServices {
  auth::AuthService& auth;       // the admin domain's: administrators' sessions and tokens
  admin::ConfigService& config;  // call only on `worker`
  admin::UserAdmin& users;       // call only on `worker`
  admin::SecretAdmin& secrets;   // call only on `worker`
  admin::AdminKeys& keys;        // call only on `worker`
  store::Store& store;           // for the logs' reads; call only on `worker`
  const token::TokenService& tokens;  // verify_token: app users' access tokens
  const crypto::HmacSha256Key& nonce_key;  // HTTP Digest nonces (atlas.cc)
  const core::Clock& clock;
  admin::Worker& worker;
  core::App domain;              // the admin domain; its id is the Admin API's group id
};

struct Services {
  auth::AuthService& auth;
  const auth::AppRegistry& apps;
  // The email/password account operations; nullptr when not wired.
  auth::local_userpass::UserpassService* userpass;
  // Base URL clients should use (location `hostname`); empty: derived from
  // the request's Host header as http://<host>.
  std::string public_url;
  // Anonymous sign-up limits (per app and client address); nullptr: none.
  RateLimiter* signup_limiter = nullptr;
  // Proxies whose X-Forwarded-For is believed; nullptr: none.
  const TrustedProxies* trusted_proxies = nullptr;
  // The sign-up limit of apps that set none (--signups-per-hour, --signup-burst).
  RateLimit default_signup_limit;
  AdminServices* admin = nullptr;
  // The apps' logs (GET .../logs); nullptr: nothing is logged.
  admin::EventLog* events = nullptr;
  // Origins whose browser pages may call the Admin API (--admin-origins).
  std::vector<std::string> admin_origins = {};
  // Password, API key and JWT guessing: failed logins make an account and a
  // client address wait (--login-failures-per-account, ...); nullptr: none.
  auth::GuessThrottle* guesses = nullptr;
  auth::GuessPolicy account_guesses = {};
  auth::GuessPolicy address_guesses = {};
  // /metrics: the HTTP side's counters (set by Api), the process's own
  // gauges (connections, queues, the store's writes: appended in the
  // Prometheus text format), and who may read them (by client address).
  HttpMetrics* metrics = nullptr;
  store::Store* store = nullptr;  // GET /readyz pings it
  std::function<void(std::string&)> process_metrics = nullptr;
  const TrustedProxies* metrics_readers = nullptr;
  // The abuse limits shared by every server on the database (PostgreSQL:
  // store::OpenSharedLimits). When set, the sign-up and admin-login buckets
  // and the guessing throttle live there, and signup_limiter and guesses
  // are nullptr; when nullptr, those two keep the limits in this process.
  store::LimitState* shared_limits = nullptr;
  // GET /.well-known/jwks.json: the public halves of its ES256 and RS256
  // signing keys; nullptr: the route answers 404.
  const token::TokenService* tokens = nullptr;
};

// What a handler tells the apps' log about its request (Route::log).
struct EventNote {
  core::ObjectId app_id;   // the app the event belongs to; zero: nothing to log
  core::ObjectId user_id;  // the user it concerns, when known
  std::string auth_event;  // "login", "logout", "delete"
  std::string provider;    // a login's provider type
  std::string device;      // a login's options.device as JSON (minus deviceId), when short; else ""
};

// A login's device object is logged only up to this size (SDKs send about
// 100 bytes), so no client can make its log entries large.
inline constexpr size_t kMaxLoggedDeviceBytes = 512;

struct Exchange {
  const Request& request;
  const RouteMatch& route;  // the row, its path parameters ("app", "provider", "key") and the query
  const Services& services;
  const std::string& request_id;
  const boost::asio::ip::address& peer;  // TCP peer (see client_address.h for the client)
  // The bearer token the route's RouteAuth asks for (not yet verified: the
  // handler's AuthService call does that); empty for RouteAuth::kNone.
  std::string_view token;
  // RouteAuth::kAdminAccess: the administrator, verified; else nullptr.
  const store::SessionWithUser* admin = nullptr;
  // Filled by handlers of logged routes (Route::log); never nullptr for them.
  EventNote* note = nullptr;
};

// One login attempt counted against guessing (auth/guess_throttle.h):
// Begin() before the credentials are checked, Finish() with the outcome;
// an attempt not finished ends with the object, counted neither way.
// A named local of the handler.
class GuessAttempt {
 public:
  GuessAttempt(const Exchange& ex, std::vector<auth::GuessThrottle::Key> keys);
  ~GuessAttempt();
  GuessAttempt(const GuessAttempt&) = delete;
  GuessAttempt& operator=(const GuessAttempt&) = delete;
  // A 429 TooManyRequests with Retry-After when a key must wait; nullopt
  // when the attempt may go on (it is then counted in flight); an error
  // (Unavailable) when the shared limits could not be reached.
  boost::asio::awaitable<core::Result<std::optional<Response>>> Begin(const char* what);
  // Ends the attempt with the login's outcome: Unauthenticated is a wrong
  // guess; any other error (a bad request, a busy server) is not counted
  // either way. With shared limits it waits until the outcome holds on every
  // server, and gives Unavailable when a wrong guess could not be counted
  // (the login then answers that, not its verdict); else OK.
  boost::asio::awaitable<core::Status> Finish(const core::Status& outcome);

 private:
  const Exchange& ex_;
  std::vector<auth::GuessThrottle::Key> keys_;
  bool begun_ = false;
};

// The sign-up and admin-login limits on the shared state: takes one token
// from `key`'s bucket under `limit` in services.shared_limits (REQUIRES:
// set). 0: allowed; else the Retry-After seconds; Unavailable when the
// shared state could not be reached in time.
boost::asio::awaitable<core::Result<int64_t>> TakeSharedToken(const Exchange& ex, std::string key,
                                                              const RateLimit& limit);

// The keys of a login attempt from this client: the address (every failed
// login from it counts) and, with `account` non-empty, that account of
// `scope` (an app's id, or "admin").
std::vector<auth::GuessThrottle::Key> GuessKeys(const Exchange& ex, std::string_view scope, std::string_view account);


// One handler per route row (client_routes.cc). Each parses its request,
// calls AuthService (or UserpassService) and builds the reply.
HandlerResult HandleHealth(const Exchange& ex);        // client_routes.cc: GET /healthz
HandlerResult HandleReady(const Exchange& ex);         // operations.cc: GET /readyz
HandlerResult HandleMetrics(const Exchange& ex);       // operations.cc: GET /metrics
HandlerResult HandleWebIndex(const Exchange& ex);      // web.cc: GET /, the admin web UI
HandlerResult HandleWebAsset(const Exchange& ex);      // web.cc: GET /assets/{build}/{path...}
HandlerResult HandleJwks(const Exchange& ex);          // jwks.cc: GET /.well-known/jwks.json
HandlerResult HandleLocation(const Exchange& ex);      // location.cc
HandlerResult HandleLogin(const Exchange& ex);         // login.cc (and linking)
HandlerResult HandleProfile(const Exchange& ex);       // profile.cc
HandlerResult HandleRefresh(const Exchange& ex);       // session.cc
HandlerResult HandleLogout(const Exchange& ex);        // session.cc
HandlerResult HandleDeleteUser(const Exchange& ex);    // delete_user.cc
HandlerResult HandleListApiKeys(const Exchange& ex);   // api_keys.cc
HandlerResult HandleCreateApiKey(const Exchange& ex);  // api_keys.cc
HandlerResult HandleGetApiKey(const Exchange& ex);     // api_keys.cc
HandlerResult HandleDeleteApiKey(const Exchange& ex);  // api_keys.cc
HandlerResult HandleEnableApiKey(const Exchange& ex);  // api_keys.cc
HandlerResult HandleDisableApiKey(const Exchange& ex); // api_keys.cc
// userpass.cc: the email/password operations.
HandlerResult HandleRegister(const Exchange& ex);
HandlerResult HandleConfirm(const Exchange& ex);
HandlerResult HandleResendConfirmation(const Exchange& ex);
HandlerResult HandleRetryConfirmation(const Exchange& ex);
HandlerResult HandleSendReset(const Exchange& ex);
HandlerResult HandleReset(const Exchange& ex);
HandlerResult HandleCallReset(const Exchange& ex);

// The token of "Authorization: Bearer <token>": a view into `req`, valid while it lives.
// Unauthenticated(MissingAuthReq) when the header is absent or not Bearer.
core::Result<std::string_view> BearerToken(const Request& req);

// The app of an app-scoped route (its "{app}" parameter). NotFound(AppNotFound) when unknown.
core::Result<std::shared_ptr<const core::App>> FindApp(const Exchange& ex);

}  // namespace guestpass::http
