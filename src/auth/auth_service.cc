// auth_service.cc: the rules of logging in, linking, refreshing, logging out
// and deleting users.
#include "auth/auth_service.h"

#include "crypto/digest.h"
#include "crypto/encoding.h"
#include "log/logger.h"

namespace guestpass::auth {

using core::ErrorCode;
using core::ObjectId;
using core::Status;

namespace {
Status InvalidSession(std::string msg) { return Status::Unauthenticated(ErrorCode::kInvalidSession, std::move(msg)); }
Status LinkConflict(std::string why) {
  return Status::AlreadyExists(ErrorCode::kInvalidParameter, "invalid user link request: " + std::move(why));
}

core::SecretHash HashSecret(std::string_view secret) { return crypto::Sha256(secret); }
}  // namespace

AuthService::AuthService(store::Store& store, const token::TokenService& tokens, const AppRegistry& apps,
                         const core::Clock& clock, core::ObjectIdGenerator& ids, core::Random& random,
                         const ProviderRegistry& providers)
    : store_(store),
      tokens_(tokens),
      apps_(apps),
      clock_(clock),
      ids_(ids),
      random_(random),
      providers_(providers) {}

void AuthService::Login(std::shared_ptr<const core::App> app, LoginRequest request, store::Callback<LoginResult> done) {
  const core::ProviderConfig* provider = app->FindProvider(request.provider_name);
  if (provider == nullptr) {
    return done(Status::NotFound(ErrorCode::kAuthProviderNotFound,
                                 "authentication via '" + request.provider_name +
                                     "' is unsupported: no such provider is configured for this app"));
  }
  if (provider->disabled) {
    return done(Status::PermissionDenied(ErrorCode::kAuthProviderNotFound,
                                         "authentication provider '" + provider->name + "' is disabled"));
  }
  Provider* implementation = providers_.Find(provider->type);
  if (implementation == nullptr) {
    return done(Status::Unimplemented(
        ErrorCode::kAuthProviderNotFound,
        "authentication provider type '" + provider->type + "' is not supported by this guestpass version"));
  }
  if (request.link_access_token) return Link(app, *provider, *implementation, std::move(request), std::move(done));

  implementation->Verify(
      *app, *provider, request.credentials,
      [this, app, device = std::move(request.device), done = std::move(done)](core::Result<VerifiedIdentity> v) mutable {
        if (!v.ok()) return done(v.status());
        if (v->always_new_user) return CreateUserAndSession(app, std::move(*v), std::move(device), false, std::move(done));
        if (!v->owner.IsZero()) {
          // A user API key logs in to its owner, but only once the owner is a
          // permanent user: an anonymous owner is deleted at logout, so a key
          // login must not make it look reachable. Linking the key fixes that.
          const core::Identity identity = v->identity;
          return store_.GetUser(v->owner, [this, app, identity, device, done](core::Result<core::User> owner) {
            if (!owner.ok()) {
              if (owner.status().IsNotFound())
                return done(Status::Unauthenticated(ErrorCode::kAuthError, "the API key's user no longer exists"));
              return done(owner.status());
            }
            if (owner->IsAnonymous()) {
              return done(Status::Unauthenticated(
                  ErrorCode::kAuthError, "the API key belongs to an anonymous user: link it to the user first"));
            }
            OpenSession(app, owner->id, identity, device, done);
          });
        }
        const std::string type = v->identity.provider_type;
        const std::string id = v->identity.id;
        store_.FindUserByIdentity(app->id, type, id,
                                  [this, app, device, v = std::move(*v), done](core::Result<core::User> user) mutable {
                                    if (user.ok()) return OpenSession(app, user->id, v.identity, device, done);
                                    if (!user.status().IsNotFound()) return done(user.status());
                                    CreateUserAndSession(app, std::move(v), device, /*retry_on_conflict=*/true, done);
                                  });
      });
}

void AuthService::Link(std::shared_ptr<const core::App> app, const core::ProviderConfig& provider,
                       Provider& implementation, LoginRequest request, store::Callback<LoginResult> done) {
  if (provider.type == core::kAnonUser) {
    return done(Status::InvalidArgument(ErrorCode::kInvalidParameter,
                                        "invalid user link request: cannot link an anonymous identity to a user"));
  }
  const std::string provider_name = provider.name;
  auto credentials = std::make_shared<nlohmann::json>(std::move(request.credentials));
  Authenticate(*request.link_access_token, [this, app, provider_name, &implementation, credentials,
                                            done = std::move(done)](core::Result<store::SessionWithUser> sw) {
    if (!sw.ok()) return done(sw.status());
    if (sw->user.app_id != app->id) {
      return done(Status::PermissionDenied(ErrorCode::kUserAppDomainMismatch,
                                           "the access token belongs to a user of another app"));
    }
    auto current = std::make_shared<store::SessionWithUser>(std::move(*sw));
    // `app` (held by this callback) owns the provider config; Login found it.
    implementation.Verify(*app, *app->FindProvider(provider_name), *credentials,
                          [this, current, done](core::Result<VerifiedIdentity> v) {
                            if (!v.ok()) return done(v.status());
                            const core::User& user = current->user;
                            if (!v->owner.IsZero() && v->owner != user.id)
                              return done(LinkConflict(std::string(store::kLinkedToAnotherUser)));
                            store_.LinkIdentity(user.id, v->identity, v->data_json, [this, current, done](Status s) {
                              if (!s.ok()) {
                                if (s.code() == core::Code::kAlreadyExists) return done(LinkConflict(s.message()));
                                if (s.IsNotFound()) return done(InvalidSession("invalid session: user not found"));
                                return done(s);
                              }
                              done(LoginResult{IssueAccessToken(current->session, current->user), "", current->user.id,
                                               current->session.device_id});
                            });
                          });
  });
}

AuthService::NewSession AuthService::MakeSession(const core::App& app, const ObjectId& user_id,
                                                 const core::Identity& identity, const DeviceInfo& device) {
  const int64_t now = clock_.NowSeconds();
  std::array<uint8_t, 32> secret_bytes;
  random_.Fill(secret_bytes);
  const std::string secret = crypto::Base64UrlEncode(secret_bytes);

  NewSession out;
  core::Session& session = out.session;
  session.id = ids_.Next();
  session.user_id = user_id;
  session.secret_hash = HashSecret(secret);
  session.created_at = now;
  session.expires_at = now + app.settings.SessionTtlSeconds(identity.provider_type);
  if (device.present) {
    // A client that sent device info gets a device id; web sends it back on
    // later logins and keeps it.
    session.device_id = device.requested_id.IsZero() ? ids_.Next() : device.requested_id;
    session.device_json = device.json;
  }
  token::RefreshClaims refresh{user_id, session.id, app.id, session.device_id,
                               secret,  identity,   now,    session.expires_at};
  out.result = LoginResult{tokens_.IssueAccessToken({user_id, session.id, app.id, session.device_id, now,
                                                     now + token::kAccessTokenTtlSeconds}),
                           tokens_.IssueRefreshToken(refresh), user_id, session.device_id};
  return out;
}

void AuthService::CreateUserAndSession(std::shared_ptr<const core::App> app, VerifiedIdentity verified,
                                       DeviceInfo device, bool retry_on_conflict, store::Callback<LoginResult> done) {
  const int64_t now = clock_.NowSeconds();
  core::User user;
  user.id = ids_.Next();
  user.app_id = app->id;
  user.created_at = now;
  user.last_active_at = now;
  user.identities.push_back(verified.identity);
  user.data_json = verified.data_json.empty() ? "{}" : verified.data_json;
  NewSession made = MakeSession(*app, user.id, verified.identity, device);
  store_.CreateUserWithSession(
      std::move(user), std::move(made.session), app->settings.anonymous_user_cap,
      [this, app, verified = std::move(verified), device = std::move(device), retry_on_conflict,
       result = std::move(made.result), done = std::move(done)](Status s) mutable {
        if (s.ok()) return done(std::move(result));
        if (s.code() == core::Code::kAlreadyExists && retry_on_conflict) {
          // Another login created the user with this identity first: join it.
          return store_.FindUserByIdentity(app->id, verified.identity.provider_type, verified.identity.id,
                                           [this, app, verified, device, done](core::Result<core::User> user) {
                                             if (!user.ok()) return done(user.status());
                                             OpenSession(app, user->id, verified.identity, device, done);
                                           });
        }
        done(s);
      });
}

void AuthService::OpenSession(std::shared_ptr<const core::App> app, ObjectId user_id, core::Identity identity,
                              DeviceInfo device, store::Callback<LoginResult> done) {
  NewSession made = MakeSession(*app, user_id, identity, device);
  store_.CreateSession(std::move(made.session), [result = std::move(made.result), done](Status s) mutable {
    if (!s.ok()) {
      if (s.IsNotFound()) return done(Status::Unauthenticated(ErrorCode::kAuthError, "the user no longer exists"));
      return done(s);
    }
    done(std::move(result));
  });
}

std::string AuthService::IssueAccessToken(const core::Session& session, const core::User& user) const {
  const int64_t now = clock_.NowSeconds();
  return tokens_.IssueAccessToken(
      {user.id, session.id, user.app_id, session.device_id, now, now + token::kAccessTokenTtlSeconds});
}

void AuthService::AuthenticateRefresh(std::string_view refresh_token, store::Callback<store::SessionWithUser> done) {
  auto claims = tokens_.VerifyRefreshToken(refresh_token);
  if (!claims.ok()) return done(claims.status());
  // Only tokens of this service's apps: an admin token is no app user's, and
  // an app user's token opens no Admin API door.
  if (apps_.FindById(claims->app_id) == nullptr)
    return done(InvalidSession("invalid session: failed to find refresh token"));
  const ObjectId user_id = claims->user_id;
  const ObjectId session_id = claims->session_id;
  store_.GetSessionWithUser(user_id, session_id, [this, c = std::move(*claims),
                                         done = std::move(done)](core::Result<store::SessionWithUser> r) {
    if (!r.ok()) {
      if (r.status().IsNotFound()) return done(InvalidSession("invalid session: failed to find refresh token"));
      return done(r.status());
    }
    const auto& s = r->session;
    const auto presented = HashSecret(c.secret);
    if (!crypto::ConstantTimeEquals(presented, s.secret_hash) || s.user_id != c.user_id || r->user.app_id != c.app_id)
      return done(InvalidSession("invalid session: failed to find refresh token"));
    if (s.expires_at <= clock_.NowSeconds()) return done(InvalidSession("invalid session: refresh token expired"));
    if (r->user.disabled) return done(InvalidSession("invalid session: user is disabled"));
    NoteActivity(r->user);
    done(std::move(r));
  });
}

void AuthService::NoteActivity(const core::User& user) {
  const int64_t now = clock_.NowSeconds();
  if (now - user.last_active_at < core::kActivityResolutionSeconds) return;
  // Not awaited: the request does not wait for the write. A lost write only
  // means the next request records the activity instead.
  store_.RecordActivity(user.id, now, [user_id = user.id](Status s) {
    if (!s.ok() && !s.IsNotFound())
      log::Warn("could not record user activity", {{"user", user_id.ToHex()}, {"error", s.ToString()}});
  });
}

void AuthService::RefreshAccessToken(std::string_view refresh_token, store::Callback<std::string> done) {
  AuthenticateRefresh(refresh_token, [this, done = std::move(done)](core::Result<store::SessionWithUser> r) {
    if (!r.ok()) return done(r.status());
    done(IssueAccessToken(r->session, r->user));
  });
}

void AuthService::Authenticate(std::string_view access_token, store::Callback<store::SessionWithUser> done) {
  auto claims = tokens_.VerifyAccessToken(access_token);
  if (!claims.ok()) return done(claims.status());
  if (apps_.FindById(claims->app_id) == nullptr)  // see AuthenticateRefresh
    return done(InvalidSession("invalid session: the token's app is not served here"));
  const token::AccessClaims c = *claims;
  store_.GetSessionWithUser(c.user_id, c.session_id,
                            [this, c, done = std::move(done)](core::Result<store::SessionWithUser> r) {
    if (!r.ok()) {
      if (r.status().IsNotFound()) return done(InvalidSession("invalid session: session not found"));
      return done(r.status());
    }
    if (r->session.user_id != c.user_id || r->user.app_id != c.app_id)
      return done(InvalidSession("invalid session: token does not match its session"));
    if (r->session.expires_at <= clock_.NowSeconds()) return done(InvalidSession("invalid session: session expired"));
    if (r->user.disabled) return done(InvalidSession("invalid session: user is disabled"));
    NoteActivity(r->user);
    done(std::move(r));
  });
}

void AuthService::Logout(std::string_view refresh_token, store::Callback<LogoutResult> done) {
  AuthenticateRefresh(refresh_token, [this, done = std::move(done)](core::Result<store::SessionWithUser> r) {
    if (!r.ok()) {
      if (r.status().code() == core::Code::kUnauthenticated)
        return done(InvalidSession("invalid session: failed to find refresh token"));
      return done(r.status());
    }
    store_.DeleteSession(r->session.user_id, r->session.id, /*delete_user_if_anonymous=*/true,
                         core::Deletion{clock_.NowSeconds(), "user", "the anonymous user logged out"},
                         [done, app_id = r->user.app_id](core::Result<store::DeleteSessionOutcome> o) {
                           if (!o.ok()) {
                             if (o.status().IsNotFound())
                               return done(InvalidSession("invalid session: failed to find refresh token"));
                             return done(o.status());
                           }
                           done(LogoutResult{o->user_id, app_id, o->user_deleted});
                         });
  });
}

void AuthService::DeleteUser(std::string_view access_token, store::Callback<ObjectId> done) {
  Authenticate(access_token, [this, done = std::move(done)](core::Result<store::SessionWithUser> r) {
    if (!r.ok()) return done(r.status());
    const ObjectId user_id = r->user.id;
    store_.DeleteUser(user_id, core::Deletion{clock_.NowSeconds(), "user", "the user deleted itself"},
                      [user_id, done](Status s) {
      if (!s.ok()) {
        if (s.IsNotFound()) return done(InvalidSession("invalid session: user not found"));
        return done(s);
      }
      done(user_id);
    });
  });
}

}  // namespace guestpass::auth
