// auth_service_test.cc: the client-API use cases over a MemoryStore with a
// ManualClock: anonymous login, refresh, authenticate, logout, delete user.
#include "auth/auth_service.h"
#include "auth/providers/anon_user/anon_user_provider.h"
#include "auth/providers/api_key/api_key_provider.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/random.h"
#include "crypto/digest.h"
#include "crypto/encoding.h"
#include "store/memory/memory_store.h"
#include "store/sync.h"
#include "testutil/shape.h"
#include "token/key_ring.h"
#include "token/token_service.h"

namespace guestpass::auth {
namespace {

using core::Code;
using core::ErrorCode;
using core::ObjectId;
using core::Status;

constexpr int64_t kStart = 1'700'000'000;

nlohmann::json Payload(const std::string& token) {
  const size_t a = token.find('.');
  const size_t b = token.find('.', a + 1);
  return nlohmann::json::parse(crypto::Base64UrlDecode(token.substr(a + 1, b - a - 1)).value());
}

void ExpectInvalidSession(const Status& s) {
  EXPECT_EQ(s.code(), Code::kUnauthenticated) << s.ToString();
  EXPECT_EQ(s.error_code(), ErrorCode::kInvalidSession) << s.ToString();
}

class AuthServiceTest : public ::testing::Test {
 protected:
  AuthServiceTest() {
    keys_->Add("65536f0a1b2c3d4e5f601234", std::vector<uint8_t>(32, 0x42));
    app_.id = ids_.Next();
    app_.client_app_id = "myapp-abcde";
    app_.name = "myapp";
    // The TTL tests below log in anonymously: give anonymous sessions the app's
    // lifetime (the older policy); AnonymousSessionsLastFiftyYearsByDefault
    // covers the default.
    app_.settings.anonymous_session_expiry = core::AnonymousSessionExpiry::kFixed;
    app_.providers = {{ids_.Next(), "anon-user", "anon-user", false, "{}"},
                      {ids_.Next(), "api-key", "api-key", true, "{}"},
                      {ids_.Next(), "local-userpass", "local-userpass", false, "{}"}};
    registry_.Replace({app_});  // tokens of apps the registry does not hold are refused
  }

  core::Result<LoginResult> Login(const std::string& provider, DeviceInfo device = {}) {
    return store::Await<LoginResult>([&](auto done) {
      LoginRequest request;
      request.provider_name = provider;
      request.device = std::move(device);
      auth_.Login(std::make_shared<const core::App>(app_), std::move(request), std::move(done));
    });
  }
  LoginResult LoginAnonymously(DeviceInfo device = {}) {
    auto r = Login("anon-user", std::move(device));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : LoginResult{};
  }
  core::Result<std::string> Refresh(const std::string& token) {
    return store::Await<std::string>([&](auto done) { auth_.RefreshAccessToken(token, std::move(done)); });
  }
  core::Result<store::SessionWithUser> Authenticate(const std::string& token) {
    return store::Await<store::SessionWithUser>([&](auto done) { auth_.Authenticate(token, std::move(done)); });
  }
  core::Result<LogoutResult> Logout(const std::string& token) {
    return store::Await<LogoutResult>([&](auto done) { auth_.Logout(token, std::move(done)); });
  }
  core::Result<ObjectId> DeleteUser(const std::string& token) {
    return store::Await<ObjectId>([&](auto done) { auth_.DeleteUser(token, std::move(done)); });
  }
  core::Result<core::User> GetUser(const ObjectId& id) {
    return store::Await<core::User>([&](auto done) { store_.GetUser(id, done); });
  }
  core::Result<int64_t> CountUsers() {
    return store::Await<int64_t>([&](auto done) { store_.CountUsers(app_.id, done); });
  }

  core::ManualClock clock_{kStart};
  core::SeededRandom random_{2024};
  core::ObjectIdGenerator ids_{clock_, random_};
  store::memory::MemoryStore store_;
  std::shared_ptr<token::KeyRing> keys_ = std::make_shared<token::KeyRing>();
  token::TokenService tokens_{keys_, clock_};
  AppRegistry registry_;
  AnonUserProvider anon_user_{ids_, random_};
  ApiKeyProvider api_key_{store_};
  ProviderRegistry providers_{&anon_user_, &api_key_};
  AuthService auth_{store_, tokens_, registry_, clock_, ids_, random_, providers_};
  core::App app_;
};

// ---- Login ----

TEST_F(AuthServiceTest, AnonymousLoginCreatesAUserWithOneAnonymousIdentity) {
  const LoginResult login = LoginAnonymously();
  auto user = GetUser(login.user_id);
  ASSERT_TRUE(user.ok()) << user.status().ToString();
  EXPECT_EQ(user->app_id, app_.id);
  EXPECT_EQ(user->type, "normal");
  EXPECT_EQ(user->created_at, kStart);
  EXPECT_TRUE(user->IsAnonymous());
  ASSERT_EQ(user->identities.size(), 1u);
  const core::Identity& identity = user->identities[0];
  EXPECT_EQ(identity.provider_type, "anon-user");
  EXPECT_EQ(identity.provider_id, app_.providers[0].id);
  EXPECT_TRUE(testutil::IsAnonIdentityId(identity.id)) << identity.id;
  EXPECT_EQ(CountUsers().value(), 1);
}

TEST(AnonIdentityIdShapeTest, AcceptsOnlyHexDashLetters) {
  // The control for the shape check above.
  EXPECT_TRUE(testutil::IsAnonIdentityId("65536f0a1b2c3d4e5f601234-abcdefghijklmnopqrstuvwx"));
  EXPECT_FALSE(testutil::IsAnonIdentityId("65536F0A1B2C3D4E5F601234-abcdefghijklmnopqrstuvwx"));
  EXPECT_FALSE(testutil::IsAnonIdentityId("65536f0a1b2c3d4e5f601234-abcdefghijklmnopqrstuvw1"));
  EXPECT_FALSE(testutil::IsAnonIdentityId("65536f0a1b2c3d4e5f601234_abcdefghijklmnopqrstuvwx"));
  EXPECT_FALSE(testutil::IsAnonIdentityId("65536f0a1b2c3d4e5f601234-abcdefghijklmnopqrstuvw"));
}

TEST_F(AuthServiceTest, EveryAnonymousLoginIsANewUser) {
  const LoginResult a = LoginAnonymously();
  const LoginResult b = LoginAnonymously();
  EXPECT_NE(a.user_id, b.user_id);
  EXPECT_NE(GetUser(a.user_id)->identities[0].id, GetUser(b.user_id)->identities[0].id);
  EXPECT_EQ(CountUsers().value(), 2);
}

TEST_F(AuthServiceTest, AnonymousLoginReturnsTokensThatVerify) {
  const LoginResult login = LoginAnonymously();
  auto access = tokens_.VerifyAccessToken(login.access_token);
  ASSERT_TRUE(access.ok()) << access.status().ToString();
  EXPECT_EQ(access->user_id, login.user_id);
  EXPECT_EQ(access->app_id, app_.id);
  EXPECT_EQ(access->issued_at, kStart);
  EXPECT_EQ(access->expires_at, kStart + 1800);
  auto refresh = tokens_.VerifyRefreshToken(login.refresh_token);
  ASSERT_TRUE(refresh.ok()) << refresh.status().ToString();
  EXPECT_EQ(refresh->user_id, login.user_id);
  EXPECT_EQ(refresh->session_id, access->session_id);
  EXPECT_EQ(refresh->app_id, app_.id);
  EXPECT_EQ(refresh->expires_at, kStart + app_.settings.refresh_token_ttl_seconds);
  EXPECT_EQ(refresh->identity.provider_type, "anon-user");
  EXPECT_EQ(refresh->identity.id, GetUser(login.user_id)->identities[0].id);
  EXPECT_EQ(refresh->secret.size(), 43u);  // base64url of 32 bytes
}

TEST_F(AuthServiceTest, AccessTokenPayloadHasIntegerTimesThirtyMinutesApart) {
  const nlohmann::json p = Payload(LoginAnonymously().access_token);
  ASSERT_TRUE(p["exp"].is_number_integer());
  ASSERT_TRUE(p["iat"].is_number_integer());
  EXPECT_EQ(p["iat"], kStart);
  EXPECT_EQ(p["exp"].get<int64_t>() - p["iat"].get<int64_t>(), 1800);
}

TEST_F(AuthServiceTest, StoredSessionKeepsOnlyTheHashOfTheRefreshSecret) {
  const LoginResult login = LoginAnonymously();
  auto refresh = tokens_.VerifyRefreshToken(login.refresh_token);
  ASSERT_TRUE(refresh.ok());
  auto stored =
      store::Await<store::SessionWithUser>([&](auto done) { store_.GetSessionWithUser(refresh->user_id, refresh->session_id, done); });
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ(stored->session.secret_hash, crypto::Sha256(refresh->secret));
  EXPECT_EQ(stored->session.expires_at, kStart + 5'184'000);
  EXPECT_EQ(stored->session.created_at, kStart);
}

TEST_F(AuthServiceTest, DeviceIdIsZeroWithoutDeviceInfo) {
  const LoginResult login = LoginAnonymously();
  EXPECT_TRUE(login.device_id.IsZero());
  EXPECT_TRUE(tokens_.VerifyAccessToken(login.access_token)->device_id.IsZero());
}

TEST_F(AuthServiceTest, DeviceInfoGetsANewDeviceId) {
  DeviceInfo device;
  device.present = true;
  device.json = R"({"platform":"web"})";
  const LoginResult login = LoginAnonymously(device);
  EXPECT_FALSE(login.device_id.IsZero());
  EXPECT_EQ(tokens_.VerifyAccessToken(login.access_token)->device_id, login.device_id);
  EXPECT_EQ(tokens_.VerifyRefreshToken(login.refresh_token)->device_id, login.device_id);
  const auto refresh = tokens_.VerifyRefreshToken(login.refresh_token);
  ASSERT_TRUE(refresh.ok());
  auto stored = store::Await<store::SessionWithUser>(
      [&](auto done) { store_.GetSessionWithUser(refresh->user_id, refresh->session_id, done); });
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->session.device_id, login.device_id);
  EXPECT_EQ(stored->session.device_json, R"({"platform":"web"})");
}

TEST_F(AuthServiceTest, ARequestedDeviceIdIsKept) {
  DeviceInfo device;
  device.present = true;
  device.requested_id = ObjectId::FromHex("65536f0a0000000000abcdef").value();
  const LoginResult login = LoginAnonymously(device);
  EXPECT_EQ(login.device_id.ToHex(), "65536f0a0000000000abcdef");
  EXPECT_EQ(tokens_.VerifyAccessToken(login.access_token)->device_id.ToHex(), "65536f0a0000000000abcdef");
}

TEST_F(AuthServiceTest, UnknownProviderIsNotFound) {
  auto r = Login("oauth2-google");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNotFound);
  EXPECT_EQ(r.status().error_code(), ErrorCode::kAuthProviderNotFound);
  EXPECT_EQ(CountUsers().value(), 0);
}

TEST_F(AuthServiceTest, DisabledProviderIsPermissionDenied) {
  auto r = Login("api-key");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kPermissionDenied);
  EXPECT_EQ(r.status().error_code(), ErrorCode::kAuthProviderNotFound);
  EXPECT_EQ(CountUsers().value(), 0);
}

TEST_F(AuthServiceTest, DisabledAnonymousProviderIsPermissionDenied) {
  app_.providers[0].disabled = true;
  auto r = Login("anon-user");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kPermissionDenied);
  EXPECT_EQ(CountUsers().value(), 0);
}

TEST_F(AuthServiceTest, LocalUserpassIsNotImplementedYet) {
  auto r = Login("local-userpass");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnimplemented);
  EXPECT_EQ(r.status().error_code(), ErrorCode::kAuthProviderNotFound);
  EXPECT_EQ(CountUsers().value(), 0);
}

// ---- Refresh ----

TEST_F(AuthServiceTest, RefreshIssuesANewAccessTokenForTheSameSession) {
  const LoginResult login = LoginAnonymously();
  clock_.Advance(100);
  auto access = Refresh(login.refresh_token);
  ASSERT_TRUE(access.ok()) << access.status().ToString();
  auto claims = tokens_.VerifyAccessToken(*access);
  ASSERT_TRUE(claims.ok()) << claims.status().ToString();
  EXPECT_EQ(claims->user_id, login.user_id);
  EXPECT_EQ(claims->session_id, tokens_.VerifyRefreshToken(login.refresh_token)->session_id);
  EXPECT_EQ(claims->issued_at, kStart + 100);
  EXPECT_EQ(claims->expires_at, kStart + 100 + 1800);
  EXPECT_TRUE(Authenticate(*access).ok());
}

TEST_F(AuthServiceTest, RefreshFailsOnceTheSessionTtlHasPassed) {
  app_.settings.refresh_token_ttl_seconds = 3600;
  const LoginResult login = LoginAnonymously();
  clock_.Set(kStart + 3599);
  EXPECT_TRUE(Refresh(login.refresh_token).ok());
  clock_.Set(kStart + 3600);
  auto r = Refresh(login.refresh_token);
  ASSERT_FALSE(r.ok());
  ExpectInvalidSession(r.status());
}

TEST_F(AuthServiceTest, RefreshRejectsAForgedSecretForARealSession) {
  const LoginResult login = LoginAnonymously();
  token::RefreshClaims forged = tokens_.VerifyRefreshToken(login.refresh_token).value();
  forged.secret = crypto::Base64UrlEncode(std::string(32, 'x'));
  auto r = Refresh(tokens_.IssueRefreshToken(forged));
  ASSERT_FALSE(r.ok());
  ExpectInvalidSession(r.status());
  EXPECT_EQ(r.status().message(), "invalid session: failed to find refresh token");
  EXPECT_TRUE(Refresh(login.refresh_token).ok()) << "the real token still works";
}

TEST_F(AuthServiceTest, RefreshRejectsARefreshTokenNamingAnotherUser) {
  const LoginResult a = LoginAnonymously();
  const LoginResult b = LoginAnonymously();
  token::RefreshClaims mixed = tokens_.VerifyRefreshToken(a.refresh_token).value();
  mixed.user_id = b.user_id;
  auto r = Refresh(tokens_.IssueRefreshToken(mixed));
  ASSERT_FALSE(r.ok());
  ExpectInvalidSession(r.status());
}

TEST_F(AuthServiceTest, RefreshRejectsAnAccessToken) {
  const LoginResult login = LoginAnonymously();
  auto r = Refresh(login.access_token);
  ASSERT_FALSE(r.ok());
  ExpectInvalidSession(r.status());
}

// ---- Authenticate ----

TEST_F(AuthServiceTest, AuthenticateReturnsTheSessionAndUser) {
  const LoginResult login = LoginAnonymously();
  auto r = Authenticate(login.access_token);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->user.id, login.user_id);
  EXPECT_EQ(r->session.user_id, login.user_id);
  EXPECT_EQ(r->session.id, tokens_.VerifyAccessToken(login.access_token)->session_id);
}

TEST_F(AuthServiceTest, AuthenticateFailsWhenTheAccessTokenExpires) {
  const LoginResult login = LoginAnonymously();
  clock_.Set(kStart + 1799);
  EXPECT_TRUE(Authenticate(login.access_token).ok());
  clock_.Set(kStart + 1801);
  auto r = Authenticate(login.access_token);
  ASSERT_FALSE(r.ok());
  ExpectInvalidSession(r.status());
}

TEST_F(AuthServiceTest, AuthenticateFailsWhenTheSessionExpiresBeforeTheAccessToken) {
  app_.settings.refresh_token_ttl_seconds = 600;
  const LoginResult login = LoginAnonymously();
  clock_.Set(kStart + 600);
  auto r = Authenticate(login.access_token);
  ASSERT_FALSE(r.ok());
  ExpectInvalidSession(r.status());
  EXPECT_EQ(r.status().message(), "invalid session: session expired");
}

TEST_F(AuthServiceTest, AuthenticateRejectsARefreshToken) {
  const LoginResult login = LoginAnonymously();
  auto r = Authenticate(login.refresh_token);
  ASSERT_FALSE(r.ok());
  ExpectInvalidSession(r.status());
}

TEST_F(AuthServiceTest, AuthenticateFailsAfterLogout) {
  const LoginResult login = LoginAnonymously();
  ASSERT_TRUE(Logout(login.refresh_token).ok());
  auto r = Authenticate(login.access_token);
  ASSERT_FALSE(r.ok());
  ExpectInvalidSession(r.status());
}

// ---- Logout ----

TEST_F(AuthServiceTest, LogoutOfAnAnonymousUserDeletesTheUser) {
  const LoginResult login = LoginAnonymously();
  auto r = Logout(login.refresh_token);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->user_id, login.user_id);
  EXPECT_TRUE(r->user_deleted);
  EXPECT_EQ(GetUser(login.user_id).status().code(), Code::kNotFound);
  EXPECT_EQ(CountUsers().value(), 0);
}

TEST_F(AuthServiceTest, LogoutTwiceFailsToFindTheRefreshToken) {
  const LoginResult login = LoginAnonymously();
  ASSERT_TRUE(Logout(login.refresh_token).ok());
  auto r = Logout(login.refresh_token);
  ASSERT_FALSE(r.ok());
  ExpectInvalidSession(r.status());
  EXPECT_NE(r.status().message().find("failed to find refresh token"), std::string::npos) << r.status().message();
}

TEST_F(AuthServiceTest, LogoutWithAnInvalidTokenFailsToFindTheRefreshToken) {
  // realm-web swallows exactly this message at logout (client-api.md section 9).
  auto r = Logout("not-a-token");
  ASSERT_FALSE(r.ok());
  ExpectInvalidSession(r.status());
  EXPECT_EQ(r.status().message(), "invalid session: failed to find refresh token");
}

TEST_F(AuthServiceTest, RefreshFailsAfterLogout) {
  const LoginResult login = LoginAnonymously();
  ASSERT_TRUE(Logout(login.refresh_token).ok());
  auto r = Refresh(login.refresh_token);
  ASSERT_FALSE(r.ok());
  ExpectInvalidSession(r.status());
}

// ---- Delete user ----

TEST_F(AuthServiceTest, DeleteUserEndsEveryTokenOfTheUser) {
  const LoginResult login = LoginAnonymously();
  const LoginResult other = LoginAnonymously();
  auto deleted = DeleteUser(login.access_token);
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ(*deleted, login.user_id);
  EXPECT_EQ(GetUser(login.user_id).status().code(), Code::kNotFound);

  auto auth = Authenticate(login.access_token);
  ASSERT_FALSE(auth.ok());
  ExpectInvalidSession(auth.status());
  auto refresh = Refresh(login.refresh_token);
  ASSERT_FALSE(refresh.ok());
  ExpectInvalidSession(refresh.status());
  auto again = DeleteUser(login.access_token);
  ASSERT_FALSE(again.ok());
  ExpectInvalidSession(again.status());

  EXPECT_TRUE(Authenticate(other.access_token).ok()) << "other users are untouched";
}

// ---- Linking and user API keys ----

class LinkingTest : public AuthServiceTest {
 protected:
  LinkingTest() {
    app_.providers[1].disabled = false;  // api-key on
    registry_.Replace({app_});
  }
  core::Result<LoginResult> LoginWith(const std::string& provider, nlohmann::json credentials,
                                      std::optional<std::string> link_token = std::nullopt) {
    return store::Await<LoginResult>([&](auto done) {
      LoginRequest request;
      request.provider_name = provider;
      request.credentials = std::move(credentials);
      request.link_access_token = std::move(link_token);
      auth_.Login(std::make_shared<const core::App>(app_), std::move(request), std::move(done));
    });
  }
  ApiKeyView CreateKey(const LoginResult& owner, const std::string& name) {
    auto r =
        store::Await<ApiKeyView>([&](auto done) { auth_.CreateApiKey(owner.refresh_token, name, std::move(done)); });
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : ApiKeyView{};
  }
};

TEST_F(LinkingTest, AnApiKeyOfAnAnonymousOwnerCannotLogInUntilLinked) {
  const LoginResult owner = LoginAnonymously();
  const ApiKeyView key = CreateKey(owner, "k1");
  auto refused = LoginWith("api-key", {{"key", key.key}});
  EXPECT_EQ(refused.status().code(), Code::kUnauthenticated);
  EXPECT_EQ(refused.status().error_code(), ErrorCode::kAuthError);
  ASSERT_TRUE(LoginWith("api-key", {{"key", key.key}}, owner.access_token).ok());
  EXPECT_TRUE(LoginWith("api-key", {{"key", key.key}}).ok());
}

TEST_F(LinkingTest, AnApiKeyLogsInToItsOwner) {
  const LoginResult owner = LoginAnonymously();
  const ApiKeyView key = CreateKey(owner, "k1");
  EXPECT_EQ(key.key.size(), 64u);
  EXPECT_EQ(key.key.substr(0, 24), key.record.id.ToHex());
  // A second key linked makes the owner permanent; the first key then logs in.
  const ApiKeyView other = CreateKey(owner, "k2");
  ASSERT_TRUE(LoginWith("api-key", {{"key", other.key}}, owner.access_token).ok());
  auto login = LoginWith("api-key", {{"key", key.key}});
  ASSERT_TRUE(login.ok()) << login.status().ToString();
  EXPECT_EQ(login->user_id, owner.user_id);
  EXPECT_NE(login->refresh_token, owner.refresh_token);
}

TEST_F(LinkingTest, LinkingAKeyKeepsTheUserAndItsRefreshToken) {
  const LoginResult owner = LoginAnonymously();
  const ApiKeyView key = CreateKey(owner, "k1");
  auto link = LoginWith("api-key", {{"key", key.key}}, owner.access_token);
  ASSERT_TRUE(link.ok()) << link.status().ToString();
  EXPECT_EQ(link->user_id, owner.user_id);
  EXPECT_TRUE(link->refresh_token.empty());
  EXPECT_TRUE(Authenticate(link->access_token).ok());
  EXPECT_TRUE(Refresh(owner.refresh_token).ok());
  auto user = GetUser(owner.user_id);
  ASSERT_TRUE(user.ok());
  ASSERT_EQ(user->identities.size(), 2u);
  EXPECT_EQ(user->identities[1].provider_type, "api-key");
  EXPECT_EQ(user->identities[1].id, key.record.id.ToHex());
  EXPECT_EQ(user->data_json, R"({"name":"k1"})");
  // No longer anonymous: logout keeps the user.
  auto logout = Logout(owner.refresh_token);
  ASSERT_TRUE(logout.ok());
  EXPECT_FALSE(logout->user_deleted);
  EXPECT_TRUE(GetUser(owner.user_id).ok());
}

TEST_F(LinkingTest, LinkConflictsAreAlreadyExistsNeverInvalidSession) {
  const LoginResult a = LoginAnonymously(), b = LoginAnonymously();
  const ApiKeyView key_a = CreateKey(a, "ka"), key_b = CreateKey(b, "kb");
  ASSERT_TRUE(LoginWith("api-key", {{"key", key_a.key}}, a.access_token).ok());
  auto again = LoginWith("api-key", {{"key", key_a.key}}, a.access_token);
  EXPECT_EQ(again.status().code(), Code::kAlreadyExists);
  EXPECT_EQ(again.status().error_code(), ErrorCode::kInvalidParameter);
  EXPECT_NE(again.status().message().find("already linked to this user"), std::string::npos);
  auto other = LoginWith("api-key", {{"key", key_b.key}}, a.access_token);
  EXPECT_EQ(other.status().code(), Code::kAlreadyExists);
  EXPECT_NE(other.status().message().find("another user"), std::string::npos);
  auto anon = LoginWith("anon-user", nlohmann::json::object(), a.access_token);
  EXPECT_EQ(anon.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(GetUser(ObjectId::FromHex(a.user_id.ToHex()).value())->identities.size(), 2u);
  EXPECT_EQ(GetUser(b.user_id)->identities.size(), 1u) << "a failed link changes nothing";
}

TEST_F(LinkingTest, WrongDisabledOrDeletedKeysAreAuthErrors) {
  const LoginResult owner = LoginAnonymously();
  const ApiKeyView key = CreateKey(owner, "k1");
  std::string wrong = key.key;
  wrong.back() = wrong.back() == 'A' ? 'B' : 'A';
  auto bad = LoginWith("api-key", {{"key", wrong}});
  EXPECT_EQ(bad.status().code(), Code::kUnauthenticated);
  EXPECT_EQ(bad.status().error_code(), ErrorCode::kAuthError);
  ASSERT_TRUE(LoginWith("api-key", {{"key", key.key}}, owner.access_token).ok());
  EXPECT_TRUE(LoginWith("api-key", {{"key", key.key}}).ok());
  ASSERT_TRUE(store::Await<ObjectId>([&](auto done) {
                auth_.SetApiKeyDisabled(owner.refresh_token, key.record.id, true, std::move(done));
              }).ok());
  EXPECT_EQ(LoginWith("api-key", {{"key", key.key}}).status().error_code(), ErrorCode::kAuthError);
  ASSERT_TRUE(store::Await<ObjectId>([&](auto done) {
                auth_.DeleteApiKey(owner.refresh_token, key.record.id, std::move(done));
              }).ok());
  EXPECT_EQ(LoginWith("api-key", {{"key", key.key}}).status().error_code(), ErrorCode::kAuthError);
  EXPECT_EQ(LoginWith("api-key", nlohmann::json::object()).status().error_code(), ErrorCode::kMissingParameter);
}

TEST_F(LinkingTest, AnotherUsersKeyIsNotFound) {
  const LoginResult a = LoginAnonymously(), b = LoginAnonymously();
  const ApiKeyView key_b = CreateKey(b, "kb");
  auto got =
      store::Await<ApiKeyView>([&](auto done) { auth_.GetApiKey(a.refresh_token, key_b.record.id, std::move(done)); });
  EXPECT_EQ(got.status().error_code(), ErrorCode::kAPIKeyNotFound);
  auto del =
      store::Await<ObjectId>([&](auto done) { auth_.DeleteApiKey(a.refresh_token, key_b.record.id, std::move(done)); });
  EXPECT_EQ(del.status().error_code(), ErrorCode::kAPIKeyNotFound);
}

TEST_F(AuthServiceTest, AnonymousSessionsLastFiftyYearsByDefault) {
  app_.settings = core::AppSettings{};
  app_.settings.refresh_token_ttl_seconds = 3600;
  const LoginResult r = LoginAnonymously();
  auto refresh = tokens_.VerifyRefreshToken(r.refresh_token);
  ASSERT_TRUE(refresh.ok()) << refresh.status().ToString();
  EXPECT_EQ(refresh->expires_at - refresh->issued_at, core::kAnonymousWhileActiveTtlSeconds);
  clock_.Advance(3601);
  EXPECT_TRUE(Refresh(r.refresh_token).ok()) << "the app's lifetime does not apply to anonymous sessions";
}

TEST_F(AuthServiceTest, CreatingAKeyNeedsTheApiKeyProviderEnabled) {
  registry_.Replace({app_});  // api-key is disabled in this fixture
  const LoginResult owner = LoginAnonymously();
  auto r = store::Await<ApiKeyView>([&](auto done) { auth_.CreateApiKey(owner.refresh_token, "k", std::move(done)); });
  EXPECT_EQ(r.status().code(), Code::kPermissionDenied);
  EXPECT_EQ(r.status().error_code(), ErrorCode::kAuthProviderNotFound);
}

TEST_F(LinkingTest, ATokenOfAnotherAppCannotLink) {
  const LoginResult owner = LoginAnonymously();
  const ApiKeyView key = CreateKey(owner, "k1");
  core::App other = app_;
  other.id = ids_.Next();
  auto r = store::Await<LoginResult>([&](auto done) {
    LoginRequest request;
    request.provider_name = "api-key";
    // A json temporary, not `= {{...}}`: clang 14 never destroys the by-value
    // argument of json's operator= when it is brace-initialized inside a
    // generic lambda (this one), which LeakSanitizer reports as a leak.
    request.credentials = nlohmann::json{{"key", key.key}};
    request.link_access_token = owner.access_token;
    auth_.Login(std::make_shared<const core::App>(other), std::move(request), std::move(done));
  });
  EXPECT_EQ(r.status().code(), Code::kPermissionDenied);
  EXPECT_EQ(r.status().error_code(), ErrorCode::kUserAppDomainMismatch);
}


TEST_F(AuthServiceTest, TokensOfAnAppThisServiceDoesNotServeAreRefused) {
  // An admin token is a user token of the admin domain, which the client
  // API's service does not serve (and the reverse): neither opens the other's doors.
  const LoginResult login = LoginAnonymously();
  ASSERT_TRUE(Authenticate(login.access_token).ok());
  registry_.Replace({});
  auto r = Authenticate(login.access_token);
  EXPECT_EQ(r.status().error_code(), ErrorCode::kInvalidSession);
  EXPECT_EQ(Refresh(login.refresh_token).status().error_code(), ErrorCode::kInvalidSession);
  registry_.Replace({app_});
  EXPECT_TRUE(Authenticate(login.access_token).ok());
}

}  // namespace
}  // namespace guestpass::auth
