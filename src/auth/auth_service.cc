// auth_service.cc: the rules of logging in, refreshing, logging out and
// deleting users.
#include "auth/auth_service.h"

#include "crypto/digest.h"
#include "crypto/encoding.h"

namespace guestpass::auth {

using core::ErrorCode;
using core::ObjectId;
using core::Status;

namespace {
Status InvalidSession(std::string msg) { return Status::Unauthenticated(ErrorCode::kInvalidSession, std::move(msg)); }

core::SecretHash HashSecret(std::string_view secret) { return crypto::Sha256(secret); }
}  // namespace

AuthService::AuthService(store::Store& store, const token::TokenService& tokens, const core::Clock& clock,
                         core::ObjectIdGenerator& ids, core::Random& random)
    : store_(store), tokens_(tokens), clock_(clock), ids_(ids), random_(random) {}

void AuthService::Login(const core::App& app, LoginRequest request, store::Callback<LoginResult> done) {
  const core::ProviderConfig* provider = app.FindProvider(request.provider_name);
  if (provider == nullptr) {
    return done(Status::NotFound(ErrorCode::kAuthProviderNotFound, "authentication via '" + request.provider_name +
                                                                       "' is unsupported: no such provider"
                                                                       " is configured for this app"));
  }
  if (provider->disabled) {
    return done(Status::PermissionDenied(ErrorCode::kAuthProviderNotFound,
                                         "authentication provider '" + provider->name + "' is disabled"));
  }
  if (provider->type == core::kAnonUser) return LoginAnonymous(app, *provider, request.device, std::move(done));
  // TODO(#3): local-userpass, api-key, custom-token.
  done(Status::Unimplemented(ErrorCode::kAuthProviderNotFound, "authentication provider type '" + provider->type +
                                                                   "' is not supported by this guestpass version"));
}

void AuthService::LoginAnonymous(const core::App& app, const core::ProviderConfig& provider, const DeviceInfo& device,
                                 store::Callback<LoginResult> done) {
  const int64_t now = clock_.NowSeconds();
  core::User user;
  user.id = ids_.Next();
  user.app_id = app.id;
  user.created_at = now;
  user.last_active_at = now;
  // Anonymous identity ids look like App Services' own: <ObjectId>-<24 letters>.
  core::Identity identity{ids_.Next().ToHex() + "-" + core::RandomLowercase(random_, 24), std::string(core::kAnonUser),
                          provider.id};
  user.identities.push_back(identity);

  std::array<uint8_t, 32> secret_bytes;
  random_.Fill(secret_bytes);
  const std::string secret = crypto::Base64UrlEncode(secret_bytes);

  core::Session session;
  session.id = ids_.Next();
  session.user_id = user.id;
  session.secret_hash = HashSecret(secret);
  session.created_at = now;
  session.expires_at = now + app.settings.refresh_token_ttl_seconds;
  if (device.present) {
    // A client that sent device info gets a device id; web sends it back on
    // later logins and keeps it.
    session.device_id = device.requested_id.IsZero() ? ids_.Next() : device.requested_id;
    session.device_json = device.json;
  }

  token::RefreshClaims refresh{user.id, session.id, app.id, session.device_id,
                               secret,  identity,   now,    session.expires_at};
  LoginResult result{IssueAccessToken(session, user), tokens_.IssueRefreshToken(refresh), user.id, session.device_id};
  store_.CreateUserWithSession(std::move(user), std::move(session),
                               [result = std::move(result), done = std::move(done)](Status s) mutable {
                                 if (!s.ok()) return done(s);
                                 done(std::move(result));
                               });
}

std::string AuthService::IssueAccessToken(const core::Session& session, const core::User& user) const {
  const int64_t now = clock_.NowSeconds();
  return tokens_.IssueAccessToken(
      {user.id, session.id, user.app_id, session.device_id, now, now + token::kAccessTokenTtlSeconds});
}

void AuthService::ResolveRefreshToken(std::string_view refresh_token, store::Callback<store::SessionWithUser> done) {
  auto claims = tokens_.VerifyRefreshToken(refresh_token);
  if (!claims.ok()) return done(claims.status());
  const token::RefreshClaims c = std::move(*claims);
  store_.GetSessionWithUser(c.session_id, [this, c, done = std::move(done)](core::Result<store::SessionWithUser> r) {
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
    done(std::move(r));
  });
}

void AuthService::RefreshAccessToken(std::string_view refresh_token, store::Callback<std::string> done) {
  ResolveRefreshToken(refresh_token, [this, done = std::move(done)](core::Result<store::SessionWithUser> r) {
    if (!r.ok()) return done(r.status());
    done(IssueAccessToken(r->session, r->user));
  });
}

void AuthService::Authenticate(std::string_view access_token, store::Callback<store::SessionWithUser> done) {
  auto claims = tokens_.VerifyAccessToken(access_token);
  if (!claims.ok()) return done(claims.status());
  const token::AccessClaims c = *claims;
  store_.GetSessionWithUser(c.session_id, [this, c, done = std::move(done)](core::Result<store::SessionWithUser> r) {
    if (!r.ok()) {
      if (r.status().IsNotFound()) return done(InvalidSession("invalid session: session not found"));
      return done(r.status());
    }
    if (r->session.user_id != c.user_id || r->user.app_id != c.app_id)
      return done(InvalidSession("invalid session: token does not match its session"));
    if (r->session.expires_at <= clock_.NowSeconds()) return done(InvalidSession("invalid session: session expired"));
    if (r->user.disabled) return done(InvalidSession("invalid session: user is disabled"));
    done(std::move(r));
  });
}

void AuthService::Logout(std::string_view refresh_token, store::Callback<LogoutResult> done) {
  ResolveRefreshToken(refresh_token, [this, done = std::move(done)](core::Result<store::SessionWithUser> r) {
    if (!r.ok()) {
      if (r.status().code() == core::Code::kUnauthenticated)
        return done(InvalidSession("invalid session: failed to find refresh token"));
      return done(r.status());
    }
    store_.DeleteSession(r->session.id, /*delete_user_if_anonymous=*/true,
                         [done](core::Result<store::DeleteSessionOutcome> o) {
                           if (!o.ok()) {
                             if (o.status().IsNotFound())
                               return done(InvalidSession("invalid session: failed to find refresh token"));
                             return done(o.status());
                           }
                           done(LogoutResult{o->user_id, o->user_deleted});
                         });
  });
}

void AuthService::DeleteUser(std::string_view access_token, store::Callback<ObjectId> done) {
  Authenticate(access_token, [this, done = std::move(done)](core::Result<store::SessionWithUser> r) {
    if (!r.ok()) return done(r.status());
    const ObjectId user_id = r->user.id;
    store_.DeleteUser(user_id, [user_id, done](Status s) {
      if (!s.ok()) {
        if (s.IsNotFound()) return done(InvalidSession("invalid session: user not found"));
        return done(s);
      }
      done(user_id);
    });
  });
}

}  // namespace guestpass::auth
