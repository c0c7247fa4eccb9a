// admin_client.h: the admin CLI's one way to the server: Admin API v3.0
// calls over a Transport with the profile's tokens, JSON in and out, the
// refresh-and-retry of an expired session (as realm-cli does, admin-api.md
// 1.5), and the one place an error answer becomes a message.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/profile.h"
#include "cli/transport.h"
#include "core/status.h"

namespace guestpass::cli {

// The Admin API's path below a server URL.
inline constexpr const char* kAdminApiPath = "/api/admin/v3.0";
// Sent as X-BAAS-Request-Origin on every request: the server records the
// deployments this CLI makes with origin "CLI".
inline constexpr const char* kRequestOrigin = "guestpass-cli";

// What a request authenticates with.
enum class Auth {
  kNone,     // logins
  kAccess,   // Bearer access token; refreshed and retried once on InvalidSession
  kRefresh,  // Bearer refresh token (DELETE /auth/session)
};

// The message for an answer that is not a success: the server's "error"
// text when it sent one, else "the server answered HTTP <status>". One line.
std::string ErrorMessage(const HttpResponse& response);

// The Status for such an answer: its Code follows the HTTP status (401
// kUnauthenticated, 404 kNotFound, ...), its message is ErrorMessage.
core::Status ErrorStatus(const HttpResponse& response);

// "http://host:port" from what a user typed: trailing slashes and a trailing
// /api/admin/v3.0 (as `guestpass serve` prints it) removed. InvalidArgument
// unless it starts with http:// or https://.
core::Result<std::string> NormalizeServerUrl(const std::string& url);

// Percent-encodes a query or path value (RFC 3986 unreserved kept).
std::string UrlEncode(const std::string& value);

class AdminClient {
 public:
  // Called with the profile whenever the client changed its tokens (a
  // refreshed access token, tokens cleared when the session is over).
  using SaveProfile = std::function<core::Status(const Profile&)>;

  // `transport` and `profile` must outlive the client; the client updates
  // `profile`'s tokens in place. Not thread-safe.
  AdminClient(Transport& transport, Profile& profile, SaveProfile save)
      : transport_(transport), profile_(profile), save_(std::move(save)) {}

  // Sends `method` `path` (below /api/admin/v3.0, with its query) with `body`
  // as JSON when it is not null. Returns the answer's JSON (null for an empty
  // body) for a 2xx answer.
  //
  // With Auth::kAccess, an answer whose error_code is InvalidSession makes
  // the client refresh once (POST /auth/session with the refresh token,
  // expecting 201 {access_token}), save the new token and send the request
  // again. When the server refuses the refresh the tokens are cleared and
  // saved, and the result is Unauthenticated "session expired: run guestpass
  // login"; when it does not answer, the tokens stay and the result is
  // Unavailable.
  //
  // Errors: Unavailable when no answer came (the transport's message),
  // ErrorStatus for any other answer, Internal for a 2xx answer that is not
  // JSON.
  core::Result<nlohmann::json> Call(const std::string& method, const std::string& path,
                                    const nlohmann::json& body = nullptr, Auth auth = Auth::kAccess);

  // GET `path` with the access token (refreshed and retried as Call does)
  // and `Accept: accept`; the 2xx answer's body as bytes, whatever it holds
  // (the export's zip). Errors as Call's.
  core::Result<std::string> GetBytes(const std::string& path, const std::string& accept);

 private:
  core::Result<HttpResponse> Send(const std::string& method, const std::string& path, const nlohmann::json& body,
                                  const std::string& bearer, const std::string& accept);
  // Send with the token of `auth`, refreshed and sent again once on
  // InvalidSession; ErrorStatus for an answer that is not 2xx.
  core::Result<HttpResponse> Exchange(const std::string& method, const std::string& path, const nlohmann::json& body,
                                      Auth auth, const std::string& accept);
  // POST /auth/session: Ok with the new access token in the profile (and
  // saved); Unavailable when no answer came; Unauthenticated "session
  // expired: run guestpass login" when the server refused.
  core::Status Refresh();

  Transport& transport_;
  Profile& profile_;
  SaveProfile save_;
};

}  // namespace guestpass::cli
