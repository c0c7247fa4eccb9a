// auth_service.h: the client-API use cases: log in (through any provider),
// link an identity to the current user, refresh the access token,
// authenticate a request, log out, delete the user, and manage user API keys.
// Knows nothing of HTTP or SQL: it applies the rules and talks to
// store::Store, TokenService and the Providers of a ProviderRegistry.
// Results arrive through callbacks (see store.h for the threading contract);
// errors are Status values carrying the App Services error_code.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/app_registry.h"
#include "auth/providers/provider.h"
#include "auth/providers/provider_registry.h"
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
  nlohmann::json credentials = nlohmann::json::object();  // the login body
  // ?link=true: the access token of the user the new identity joins.
  std::optional<std::string> link_access_token;
};

struct LoginResult {
  std::string access_token;
  std::string refresh_token;  // empty after a link: the session is unchanged
  core::ObjectId user_id;
  core::ObjectId device_id;
};

struct LogoutResult {
  core::ObjectId user_id;
  core::ObjectId app_id;
  bool user_deleted = false;  // an anonymous user is deleted with its session
};

// A user API key as the client API shows it; `key` only at creation.
struct ApiKeyView {
  core::ApiKey record;
  std::string key;
};

class AuthService {
 public:
  // All references must outlive the service. `providers` holds the
  // implemented provider types; logins through any other type are refused as
  // unimplemented.
  AuthService(store::Store& store, const token::TokenService& tokens, const AppRegistry& apps, const core::Clock& clock,
              core::ObjectIdGenerator& ids, core::Random& random, const ProviderRegistry& providers);

  // Logs in through the named provider of `app`, or links (request.link_access_token).
  // Errors: NotFound / PermissionDenied / Unimplemented (AuthProviderNotFound)
  // for unknown, disabled or unimplemented providers; the Provider's errors;
  // for links, InvalidSession for the access token, PermissionDenied
  // (UserAppDomainMismatch) for a user of another app, InvalidArgument for an
  // anon-user identity and AlreadyExists (InvalidParameter) when the identity
  // is already linked. The callback runs after the change is durable.
  void Login(std::shared_ptr<const core::App> app, LoginRequest request, store::Callback<LoginResult> done);

  // A new access token for the session of `refresh_token`.
  // Unauthenticated(InvalidSession) for a bad, expired or revoked token.
  void RefreshAccessToken(std::string_view refresh_token, store::Callback<std::string> done);

  // The live session and user behind an access token.
  // Unauthenticated(InvalidSession) for a bad or expired token, or when the
  // session or user is gone (logout, deletion): tokens stop working at once.
  // Like AuthenticateRefresh, it counts as the user's activity (written at
  // most once per core::kActivityResolutionSeconds).
  void Authenticate(std::string_view access_token, store::Callback<store::SessionWithUser> done);

  // The live session and user behind a refresh token (same errors).
  void AuthenticateRefresh(std::string_view refresh_token, store::Callback<store::SessionWithUser> done);

  // Ends the session of `refresh_token`; an anonymous user is deleted with it
  // because nobody can ever log in to it again. Unauthenticated(InvalidSession)
  // "failed to find refresh token" when there is no such live session.
  void Logout(std::string_view refresh_token, store::Callback<LogoutResult> done);

  // Deletes the user of `access_token` with all its identities and sessions.
  void DeleteUser(std::string_view access_token, store::Callback<core::ObjectId> done);

  // ---- User API keys (api_keys.cc), all authorised by a refresh token ----
  // PermissionDenied(AuthProviderNotFound) when the app's api-key provider is
  // missing or disabled; InvalidArgument for a bad name.
  void CreateApiKey(std::string_view refresh_token, std::string name, store::Callback<ApiKeyView> done);
  void ListApiKeys(std::string_view refresh_token, store::Callback<std::vector<ApiKeyView>> done);
  // NotFound(APIKeyNotFound) unless the key belongs to the token's user.
  void GetApiKey(std::string_view refresh_token, core::ObjectId key_id, store::Callback<ApiKeyView> done);
  void SetApiKeyDisabled(std::string_view refresh_token, core::ObjectId key_id, bool disabled,
                         store::Callback<core::ObjectId> done);
  void DeleteApiKey(std::string_view refresh_token, core::ObjectId key_id, store::Callback<core::ObjectId> done);

 private:
  void Link(std::shared_ptr<const core::App> app, const core::ProviderConfig& provider, Provider& implementation,
            LoginRequest request, store::Callback<LoginResult> done);
  // Creates a user with `verified`'s identity and a first session.
  void CreateUserAndSession(std::shared_ptr<const core::App> app, VerifiedIdentity verified, DeviceInfo device,
                            bool retry_on_conflict, store::Callback<LoginResult> done);
  // Opens a new session for an existing user.
  void OpenSession(std::shared_ptr<const core::App> app, core::ObjectId user_id, core::Identity identity,
                   DeviceInfo device, store::Callback<LoginResult> done);
  // A session with a fresh secret, and the tokens that go with it.
  struct NewSession {
    core::Session session;
    LoginResult result;
  };
  NewSession MakeSession(const core::App& app, const core::ObjectId& user_id, const core::Identity& identity,
                         const DeviceInfo& device);
  std::string IssueAccessToken(const core::Session& session, const core::User& user) const;
  // Records that `user` (as read with its session) is active now, unless its
  // recorded activity is less than kActivityResolutionSeconds old.
  void NoteActivity(const core::User& user);

  store::Store& store_;
  const token::TokenService& tokens_;
  const AppRegistry& apps_;
  const core::Clock& clock_;
  core::ObjectIdGenerator& ids_;
  core::Random& random_;
  const ProviderRegistry& providers_;
};

}  // namespace guestpass::auth
