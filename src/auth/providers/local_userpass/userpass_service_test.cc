// userpass_service_test.cc: email/password accounts without the network:
// autoConfirm apps, tokens made through the store, config checks (also as
// the Provider's ValidateConfig). Delivery by SMTP and webhooks is tested end
// to end in tests/integration/userpass.test.mjs.
#include "auth/providers/local_userpass/userpass_service.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "crypto/digest.h"
#include "store/memory/memory_store.h"
#include "store/sync.h"

namespace guestpass::auth::local_userpass {
namespace {

using core::Code;
using core::ErrorCode;
using nlohmann::json;

TEST(NormalizeEmailTest, TrimsLowercasesAndRejectsWhatIsNotAnAddress) {
  EXPECT_EQ(NormalizeEmail("  Ada@Example.ORG\t"), "ada@example.org");
  EXPECT_EQ(NormalizeEmail("a@b"), "a@b");
  EXPECT_EQ(NormalizeEmail(""), "");
  EXPECT_EQ(NormalizeEmail("no-at-sign"), "");
  EXPECT_EQ(NormalizeEmail("@example.org"), "");
  EXPECT_EQ(NormalizeEmail("ada@"), "");
  EXPECT_EQ(NormalizeEmail("a@b@c"), "");
  EXPECT_EQ(NormalizeEmail("a b@c"), "");
  EXPECT_EQ(NormalizeEmail("a@b\r\nBcc: x@y"), "");
  EXPECT_EQ(NormalizeEmail(std::string(250, 'a') + "@b.org"), "");
}

TEST(PasswordRuleTest, SixToOneHundredTwentyEightCodePoints) {
  EXPECT_FALSE(IsAcceptablePassword("12345"));
  EXPECT_TRUE(IsAcceptablePassword("123456"));
  EXPECT_TRUE(IsAcceptablePassword(std::string(128, 'x')));
  EXPECT_FALSE(IsAcceptablePassword(std::string(129, 'x')));
  EXPECT_TRUE(IsAcceptablePassword("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"));  // six é
  EXPECT_FALSE(IsAcceptablePassword("\xc3\xa9\xc3\xa9\xc3\xa9"));                         // three é, six bytes
}

TEST(UserpassConfigTest, ConfirmationsNeedAWayToReachTheUser) {
  auto none = ParseUserpassConfig(R"({"autoConfirm": false})");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("config.autoConfirm"), std::string::npos) << none.status().message();
  EXPECT_TRUE(ParseUserpassConfig(R"({"autoConfirm": true})").ok());
  EXPECT_TRUE(ParseUserpassConfig(R"({"confirmationWebhookUrl": "https://hooks.example.org/confirm"})").ok());
  EXPECT_TRUE(ParseUserpassConfig(
                  R"({"emailConfirmationUrl": "https://app.example.org/confirm",
                      "smtp": {"url": "smtp://127.0.0.1:2525", "from": "noreply@example.org"}})")
                  .ok());
  auto smtp_without_link = ParseUserpassConfig(R"({"smtp": {"url": "smtp://127.0.0.1:2525", "from": "a@b.c"}})");
  EXPECT_FALSE(smtp_without_link.ok());
}

TEST(UserpassConfigTest, NamesTheBadField) {
  auto url = ParseUserpassConfig(R"({"autoConfirm": true, "resetPasswordUrl": "ftp://x"})");
  ASSERT_FALSE(url.ok());
  EXPECT_NE(url.status().message().find("config.resetPasswordUrl"), std::string::npos);
  auto flag = ParseUserpassConfig(R"({"autoConfirm": "yes"})");
  ASSERT_FALSE(flag.ok());
  EXPECT_NE(flag.status().message().find("config.autoConfirm"), std::string::npos);
  auto smtp = ParseUserpassConfig(R"({"autoConfirm": true, "smtp": {"url": "smtp://h:25"}})");
  ASSERT_FALSE(smtp.ok());
  EXPECT_NE(smtp.status().message().find("config.smtp"), std::string::npos);
}

class UserpassServiceTest : public ::testing::Test {
 protected:
  UserpassServiceTest() {
    app_.id = ids_.Next();
    app_.client_app_id = "up-abcde";
    app_.name = "up";
    provider_ = {ids_.Next(), "local-userpass", "local-userpass", false, R"({"autoConfirm": true})"};
    app_.providers = {provider_};
  }
  core::Status Call(void (UserpassService::*op)(const core::App&, const core::ProviderConfig&, const json&,
                                                UserpassService::Done),
                    const json& body) {
    return store::AwaitStatus([&](auto done) { (service_.*op)(app_, provider_, body, done); });
  }
  core::Status Register(const std::string& email, const std::string& password) {
    return Call(&UserpassService::Register, {{"email", email}, {"password", password}});
  }
  core::Result<VerifiedIdentity> Login(const std::string& email, const std::string& password) {
    return store::Await<VerifiedIdentity>([&](auto done) {
      service_.Verify(app_, provider_, {{"username", email}, {"password", password}}, done);
    });
  }
  core::Result<core::UserpassAccount> Account(const std::string& email) {
    return store::Await<core::UserpassAccount>([&](auto done) { store_.GetUserpassAccount(app_.id, email, done); });
  }
  // A token the user would have received, made directly in the store.
  std::pair<core::UserpassToken, std::string> Token(const core::UserpassAccount& a, core::UserpassTokenPurpose p) {
    core::UserpassToken t;
    t.id = ids_.Next();
    t.account_id = a.id;
    t.purpose = p;
    const std::string secret = "secret-token-" + t.id.ToHex();
    t.token_hash = crypto::Sha256(secret);
    t.expires_at = clock_.NowSeconds() + kTokenTtlSeconds;
    EXPECT_TRUE(store::AwaitStatus([&](auto done) { store_.PutUserpassToken(t, done); }).ok());
    return {t, secret};
  }

  core::ManualClock clock_{1'700'000'000};
  core::SeededRandom random_{5};
  core::ObjectIdGenerator ids_{clock_, random_};
  store::memory::MemoryStore store_;
  crypto::PasswordHasher hasher_{crypto::PasswordHashCost::Minimum(), 1};
  Delivery delivery_;
  UserpassService service_{store_, hasher_, delivery_, clock_, ids_, random_};
  core::App app_;
  core::ProviderConfig provider_;
};

TEST_F(UserpassServiceTest, IsTheLocalUserpassProvider) { EXPECT_EQ(service_.type(), "local-userpass"); }

TEST_F(UserpassServiceTest, ValidateConfigAcceptsAConfigThatCanConfirmAccounts) {
  EXPECT_TRUE(service_.ValidateConfig(provider_).ok());
  core::ProviderConfig webhook = provider_;
  webhook.config_json = R"({"confirmationWebhookUrl": "https://hooks.example.org/confirm"})";
  EXPECT_TRUE(service_.ValidateConfig(webhook).ok());
}

TEST_F(UserpassServiceTest, ValidateConfigNamesTheBadField) {
  core::ProviderConfig bad = provider_;
  bad.config_json = R"({"autoConfirm": false})";
  core::Status s = service_.ValidateConfig(bad);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.error_code(), ErrorCode::kInvalidParameter);
  EXPECT_EQ(s.message().rfind("config.autoConfirm ", 0), 0u) << s.message();
  bad.config_json = R"({"autoConfirm": true, "resetPasswordUrl": "ftp://x"})";
  s = service_.ValidateConfig(bad);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "config.resetPasswordUrl must be an http:// or https:// URL");
  bad.config_json = "[]";
  EXPECT_EQ(service_.ValidateConfig(bad).code(), Code::kInvalidArgument);
}

TEST_F(UserpassServiceTest, AutoConfirmedRegistrationLogsInWithTheNormalisedEmail) {
  ASSERT_TRUE(Register(" Ada@Example.org ", "secret123").ok());
  auto account = Account("ada@example.org");
  ASSERT_TRUE(account.ok());
  EXPECT_TRUE(account->confirmed);
  EXPECT_EQ(account->password_hash.rfind("$argon2id$", 0), 0u);
  auto login = Login("ADA@example.org", "secret123");
  ASSERT_TRUE(login.ok()) << login.status().ToString();
  EXPECT_EQ(login->identity.id, account->id.ToHex());
  EXPECT_EQ(login->identity.provider_type, "local-userpass");
  EXPECT_EQ(login->identity.provider_id, provider_.id);
  EXPECT_EQ(login->data_json, R"({"email":"ada@example.org"})");
}

TEST_F(UserpassServiceTest, RegistrationErrorsAreAppServicesOnes) {
  ASSERT_TRUE(Register("ada@example.org", "secret123").ok());
  core::Status taken = Register("ADA@example.org", "other123");
  EXPECT_EQ(taken.code(), Code::kAlreadyExists);
  EXPECT_EQ(taken.error_code(), ErrorCode::kAccountNameInUse);
  EXPECT_EQ(taken.message(), "name already in use");
  EXPECT_EQ(Register("bob@example.org", "12345").code(), Code::kInvalidArgument);
  EXPECT_EQ(Register("not-an-email", "secret123").code(), Code::kInvalidArgument);
  EXPECT_EQ(Call(&UserpassService::Register, {{"email", "x@y.z"}}).error_code(), ErrorCode::kMissingParameter);
}

TEST_F(UserpassServiceTest, WrongPasswordAndUnknownEmailLookTheSame) {
  ASSERT_TRUE(Register("ada@example.org", "secret123").ok());
  auto wrong = Login("ada@example.org", "secret124");
  auto unknown = Login("nobody@example.org", "secret123");
  EXPECT_EQ(wrong.status().code(), Code::kUnauthenticated);
  EXPECT_EQ(wrong.status().error_code(), ErrorCode::kInvalidPassword);
  EXPECT_EQ(unknown.status().error_code(), wrong.status().error_code());
  EXPECT_EQ(unknown.status().message(), wrong.status().message());
}

TEST_F(UserpassServiceTest, AnUnconfirmedAccountCannotLogInUntilConfirmedWithItsToken) {
  core::UserpassAccount pending{ids_.Next(), app_.id, "p@x.org", "", false, clock_.NowSeconds()};
  pending.password_hash = [&] {
    return store::Await<std::string>([&](auto done) { hasher_.Hash("secret123", done); }).value();
  }();
  ASSERT_TRUE(store::AwaitStatus([&](auto done) {
                store_.CreateUserpassAccount(pending, std::nullopt, clock_.NowSeconds(), done);
              }).ok());
  auto refused = Login("p@x.org", "secret123");
  EXPECT_EQ(refused.status().error_code(), ErrorCode::kAuthError);
  EXPECT_EQ(refused.status().message(), "confirmation required");
  auto [token, secret] = Token(pending, core::UserpassTokenPurpose::kConfirm);
  EXPECT_EQ(Call(&UserpassService::Confirm, {{"token", "wrong"}, {"tokenId", token.id.ToHex()}}).error_code(),
            ErrorCode::kUserpassTokenInvalid);
  ASSERT_TRUE(Call(&UserpassService::Confirm, {{"token", secret}, {"tokenId", token.id.ToHex()}}).ok());
  EXPECT_TRUE(Login("p@x.org", "secret123").ok());
  core::Status again = Call(&UserpassService::Confirm, {{"token", secret}, {"tokenId", token.id.ToHex()}});
  EXPECT_EQ(again.error_code(), ErrorCode::kUserpassTokenInvalid);
  EXPECT_EQ(again.message(), "invalid token data");
  EXPECT_EQ(Call(&UserpassService::ResendConfirmation, {{"email", "p@x.org"}}).error_code(),
            ErrorCode::kUserAlreadyConfirmed);
  EXPECT_EQ(Call(&UserpassService::ResendConfirmation, {{"email", "nobody@x.org"}}).error_code(),
            ErrorCode::kUserNotFound);
}

TEST_F(UserpassServiceTest, AResetTokenSetsTheNewPasswordOnce) {
  ASSERT_TRUE(Register("ada@example.org", "secret123").ok());
  auto [token, secret] = Token(*Account("ada@example.org"), core::UserpassTokenPurpose::kReset);
  EXPECT_EQ(Call(&UserpassService::Reset, {{"token", secret}, {"tokenId", token.id.ToHex()}, {"password", "1"}}).code(),
            Code::kInvalidArgument);
  ASSERT_TRUE(
      Call(&UserpassService::Reset, {{"token", secret}, {"tokenId", token.id.ToHex()}, {"password", "newpass1"}}).ok());
  EXPECT_EQ(Login("ada@example.org", "secret123").status().error_code(), ErrorCode::kInvalidPassword);
  EXPECT_TRUE(Login("ada@example.org", "newpass1").ok());
  EXPECT_EQ(Call(&UserpassService::Reset, {{"token", secret}, {"tokenId", token.id.ToHex()}, {"password", "again123"}})
                .error_code(),
            ErrorCode::kUserpassTokenInvalid);
}

TEST_F(UserpassServiceTest, ResetNeedsAConfiguredWayToSendTheToken) {
  ASSERT_TRUE(Register("ada@example.org", "secret123").ok());
  core::Status s = Call(&UserpassService::SendReset, {{"email", "ada@example.org"}});
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(s.message().find("password reset is not configured"), std::string::npos);
  EXPECT_EQ(Call(&UserpassService::CallReset, {{"email", "ada@example.org"}, {"password", "newpass1"}}).code(),
            Code::kInvalidArgument);
}

}  // namespace
}  // namespace guestpass::auth::local_userpass
