// auth_service.h: the client-API use cases: log in, refresh the access token,
// authenticate a request, log out, delete the user. Knows nothing of HTTP or
// SQL: it applies the rules and talks to store::Store and TokenService.
// Results arrive through callbacks (see store.h for the threading contract);
// errors are Status values carrying the App Services error_code.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "auth/app_registry.h"
#include "core/clock.h"
#include "core/object_id.h"
#include "core/random.h"
#include "store/store.h"
#include "token/token_service.h"

namespace guestpass::auth {

// `options.device` of a login request.
struct DeviceInfo {
  bool present = false;         // the client sent options.device
  core::ObjectId requested_id;  // its deviceId, zero if none
  std::string json;             // the rest of the object, as JSON
};

struct LoginRequest {
  std::string provider_name;  // from the URL
  DeviceInfo device;
};

struct LoginResult {
  std::string access_token;
  std::string refresh_token;
  core::ObjectId user_id;
  core::ObjectId device_id;
};

struct LogoutResult {
  core::ObjectId user_id;
  bool user_deleted = false;  // an anonymous user is deleted with its session
};

class AuthService {
 public:
  // All references must outlive the service.
  AuthService(store::Store& store, const token::TokenService& tokens, const core::Clock& clock,
              core::ObjectIdGenerator& ids, core::Random& random);

  // Logs in through the named provider of `app`. Errors: NotFound / PermissionDenied /
  // Unimplemented (AuthProviderNotFound) for unknown, disabled or unimplemented providers;
  // store errors. The callback runs after the new session is durable.
  void Login(const core::App& app, LoginRequest request, store::Callback<LoginResult> done);

  // A new access token for the session of `refresh_token`.
  // Unauthenticated(InvalidSession) for a bad, expired or revoked token.
  void RefreshAccessToken(std::string_view refresh_token, store::Callback<std::string> done);

  // The live session and user behind an access token.
  // Unauthenticated(InvalidSession) for a bad or expired token, or when the
  // session or user is gone (logout, deletion): tokens stop working at once.
  void Authenticate(std::string_view access_token, store::Callback<store::SessionWithUser> done);

  // Ends the session of `refresh_token`; an anonymous user is deleted with it
  // because nobody can ever log in to it again. Unauthenticated(InvalidSession)
  // "failed to find refresh token" when there is no such live session.
  void Logout(std::string_view refresh_token, store::Callback<LogoutResult> done);

  // Deletes the user of `access_token` with all its identities and sessions.
  void DeleteUser(std::string_view access_token, store::Callback<core::ObjectId> done);

 private:
  void LoginAnonymous(const core::App& app, const core::ProviderConfig& provider, const DeviceInfo& device,
                      store::Callback<LoginResult> done);
  // Verifies a refresh token against its stored session.
  void ResolveRefreshToken(std::string_view refresh_token, store::Callback<store::SessionWithUser> done);
  std::string IssueAccessToken(const core::Session& session, const core::User& user) const;

  store::Store& store_;
  const token::TokenService& tokens_;
  const core::Clock& clock_;
  core::ObjectIdGenerator& ids_;
  core::Random& random_;
};

}  // namespace guestpass::auth
