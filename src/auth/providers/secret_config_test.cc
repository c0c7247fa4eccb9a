// secret_config_test.cc: secret_config's shape check, resolving names into
// values, listing the names a config uses, and moving inline values out.
#include "auth/providers/secret_config.h"

#include <gtest/gtest.h>

#include <map>

namespace guestpass::auth {
namespace {

using core::Code;
using core::ErrorCode;

constexpr SecretField kJwtFields[] = {{"signingKeys", /*list=*/true}};
constexpr SecretField kUserpassFields[] = {{"smtp.password"}, {"webhookSecret"}};

core::ProviderConfig Provider(std::string config, std::string secret_config) {
  core::ProviderConfig p;
  p.name = p.type = "custom-token";
  p.config_json = std::move(config);
  p.secret_config_json = std::move(secret_config);
  return p;
}

class SecretConfigTest : public ::testing::Test {
 protected:
  SecretLookup Lookup() {
    return [this](const std::string& name) -> core::Result<std::string> {
      ++lookups_;
      if (name == "unreadable") return core::Status::Internal("wrong master key");
      auto it = secrets_.find(name);
      if (it == secrets_.end()) return core::Status::NotFound(ErrorCode::kNotFound, "none");
      return it->second;
    };
  }
  std::map<std::string, std::string> secrets_ = {{"jwt-key", "first-signing-key"},
                                                 {"jwt-key-2", "second-signing-key"},
                                                 {"mail", "smtp-pass"},
                                                 {"hook", "hook-key"}};
  int lookups_ = 0;
};

TEST_F(SecretConfigTest, ResolvesSigningKeysInTheOrderTheyAreNamed) {
  auto p = Provider(R"({"signingAlgorithm":"HS256","audience":["a"]})", R"({"signingKeys":["jwt-key-2","jwt-key"]})");
  auto resolved = ResolveSecretConfig(p, kJwtFields, Lookup());
  ASSERT_TRUE(resolved.ok()) << resolved.status().ToString();
  EXPECT_EQ(
      *resolved,
      R"({"audience":["a"],"signingAlgorithm":"HS256","signingKeys":["second-signing-key","first-signing-key"]})");
}

TEST_F(SecretConfigTest, ResolvesNestedFieldsInConfigsShape) {
  auto p = Provider(R"({"smtp":{"url":"smtp://mail","from":"a@b.c"},"autoConfirm":false})",
                    R"({"smtp":{"password":"mail"},"webhookSecret":"hook"})");
  auto resolved = ResolveSecretConfig(p, kUserpassFields, Lookup());
  ASSERT_TRUE(resolved.ok()) << resolved.status().ToString();
  EXPECT_EQ(*resolved, R"({"autoConfirm":false,"smtp":{"from":"a@b.c","password":"smtp-pass","url":"smtp://mail"},)"
                       R"("webhookSecret":"hook-key"})");
}

TEST_F(SecretConfigTest, AnEmptySecretConfigLeavesConfigAsItIsWithoutLookingAnythingUp) {
  for (const char* empty : {"", "{}", " "}) {
    auto p = Provider(R"({ "signingKeys" : ["inline"] })", empty);
    auto resolved = ResolveSecretConfig(p, kJwtFields, Lookup());
    ASSERT_TRUE(resolved.ok());
    EXPECT_EQ(*resolved, p.config_json);
  }
  EXPECT_EQ(lookups_, 0);
}

TEST_F(SecretConfigTest, AMissingSecretIsAnErrorNamingTheFieldAndTheSecret) {
  auto p = Provider("{}", R"({"signingKeys":["jwt-key","nope"]})");
  auto resolved = ResolveSecretConfig(p, kJwtFields, Lookup());
  EXPECT_EQ(resolved.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(resolved.status().error_code(), ErrorCode::kInvalidParameter);
  EXPECT_EQ(resolved.status().message(), "signingKeys[1]: no secret named 'nope'");

  auto smtp = Provider(R"({"smtp":{}})", R"({"smtp":{"password":"gone"}})");
  EXPECT_EQ(ResolveSecretConfig(smtp, kUserpassFields, Lookup()).status().message(),
            "smtp.password: no secret named 'gone'");
}

TEST_F(SecretConfigTest, AnUnreadableSecretIsAnInternalError) {
  auto p = Provider("{}", R"({"signingKeys":["unreadable"]})");
  auto resolved = ResolveSecretConfig(p, kJwtFields, Lookup());
  EXPECT_EQ(resolved.status().code(), Code::kInternal);
  EXPECT_EQ(resolved.status().message(), "signingKeys[0]: secret 'unreadable' cannot be read: wrong master key");
}

TEST_F(SecretConfigTest, AFieldGivenBothInlineAndByNameIsRefused) {
  auto p = Provider(R"({"signingKeys":["inline"]})", R"({"signingKeys":["jwt-key"]})");
  EXPECT_EQ(ResolveSecretConfig(p, kJwtFields, Lookup()).status().message(),
            "signingKeys: is given both in config and by name in secret_config; keep one");
}

TEST_F(SecretConfigTest, CheckRefusesFieldsThatTakeNoSecretAndBadShapes) {
  const auto message = [](std::string secret_config, std::span<const SecretField> fields) {
    return CheckSecretConfig(Provider("{}", std::move(secret_config)), fields).message();
  };
  EXPECT_EQ(message(R"({"jwkURI":"x"})", kJwtFields),
            "secret_config.jwkURI is not a field that takes a secret (signingKeys)");
  EXPECT_EQ(message(R"({"smtp":{"url":"x"}})", kUserpassFields),
            "secret_config.smtp.url is not a field that takes a secret (smtp.password, webhookSecret)");
  EXPECT_EQ(message(R"({"smtp":"mail"})", kUserpassFields),
            "secret_config.smtp is not a field that takes a secret (smtp.password, webhookSecret)");
  EXPECT_EQ(message(R"({"signingKeys":"jwt-key"})", kJwtFields),
            "secret_config.signingKeys must be an array of secret names");
  EXPECT_EQ(message(R"({"signingKeys":["a",""]})", kJwtFields),
            "secret_config.signingKeys[1] must be a secret name (a non-empty string)");
  EXPECT_EQ(message(R"({"webhookSecret":["hook"]})", kUserpassFields),
            "secret_config.webhookSecret must be a secret name (a non-empty string)");
  EXPECT_EQ(message(R"({"key":"x"})", {}),
            "secret_config.key is not a field that takes a secret (this provider "
            "takes no secrets)");
  EXPECT_EQ(message("[1]", kJwtFields), "secret_config must be a JSON object");
  EXPECT_TRUE(CheckSecretConfig(Provider("{}", R"({"signingKeys":null})"), kJwtFields).ok());
  EXPECT_TRUE(CheckSecretConfig(Provider("{}", R"({"signingKeys":[]})"), kJwtFields).ok());
  EXPECT_TRUE(
      CheckSecretConfig(Provider("{}", R"({"smtp":{"password":"m"},"webhookSecret":"h"})"), kUserpassFields).ok());
  // Resolution refuses what the check refuses, before looking anything up.
  EXPECT_EQ(ResolveSecretConfig(Provider("{}", R"({"jwkURI":"x"})"), kJwtFields, Lookup()).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(lookups_, 0);
}

TEST_F(SecretConfigTest, ReferencesListEveryNameWithItsField) {
  auto refs = SecretReferences(R"({"signingKeys":["a","b"],"smtp":{"password":"m"},"clientSecret":"c"})");
  ASSERT_EQ(refs.size(), 4u);
  EXPECT_EQ(refs[0].field, "clientSecret");
  EXPECT_EQ(refs[0].name, "c");
  EXPECT_EQ(refs[1].field, "signingKeys[0]");
  EXPECT_EQ(refs[1].name, "a");
  EXPECT_EQ(refs[2].field, "signingKeys[1]");
  EXPECT_EQ(refs[3].field, "smtp.password");
  EXPECT_EQ(refs[3].name, "m");
  EXPECT_TRUE(SecretReferences("").empty());
  EXPECT_TRUE(SecretReferences("not json").empty());
}

TEST_F(SecretConfigTest, MoveInlineSecretsReplacesValuesByTheNamesKeepReturns) {
  auto p = Provider(R"({"signingAlgorithm":"HS256","signingKeys":["k-one","k-two"]})", "{}");
  std::vector<std::string> kept;
  auto moved = MoveInlineSecrets(p, kJwtFields, [&](const SecretField& field, const std::string& value) {
    EXPECT_EQ(field.path, "signingKeys");
    kept.push_back(value);
    return core::Result<std::string>("name-" + std::to_string(kept.size()));
  });
  ASSERT_TRUE(moved.ok()) << moved.status().ToString();
  EXPECT_EQ(*moved, 1);
  EXPECT_EQ(kept, (std::vector<std::string>{"k-one", "k-two"}));
  EXPECT_EQ(p.config_json, R"({"signingAlgorithm":"HS256"})");
  EXPECT_EQ(p.secret_config_json, R"({"signingKeys":["name-1","name-2"]})");
}

TEST_F(SecretConfigTest, MoveInlineSecretsHandlesNestedFieldsAndLeavesTheRest) {
  auto p = Provider(R"({"smtp":{"url":"smtp://m","password":"pw"},"webhookSecret":"","autoConfirm":true})", "");
  auto moved = MoveInlineSecrets(p, kUserpassFields, [](const SecretField& field, const std::string& value) {
    return core::Result<std::string>(std::string(field.path) + "=" + value);
  });
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(*moved, 1) << "an empty webhookSecret is no secret";
  EXPECT_EQ(p.config_json, R"({"autoConfirm":true,"smtp":{"url":"smtp://m"},"webhookSecret":""})");
  EXPECT_EQ(p.secret_config_json, R"({"smtp":{"password":"smtp.password=pw"}})");
}

TEST_F(SecretConfigTest, MoveInlineSecretsChangesNothingWithoutInlineValuesOrOnError) {
  const auto never = [](const SecretField&, const std::string&) -> core::Result<std::string> {
    ADD_FAILURE() << "nothing to keep";
    return std::string("x");
  };
  auto named = Provider(R"({"signingAlgorithm":"HS256"})", R"({"signingKeys":["jwt-key"]})");
  auto none = MoveInlineSecrets(named, kJwtFields, never);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0);
  auto wrong_type = Provider(R"({"signingKeys":"not-a-list"})", "{}");
  EXPECT_EQ(*MoveInlineSecrets(wrong_type, kJwtFields, never), 0) << "left for the provider's check to refuse";
  EXPECT_EQ(wrong_type.config_json, R"({"signingKeys":"not-a-list"})");

  auto both = Provider(R"({"signingKeys":["inline"]})", R"({"signingKeys":["jwt-key"]})");
  const auto keep = [](const SecretField&, const std::string&) { return core::Result<std::string>("n"); };
  EXPECT_EQ(MoveInlineSecrets(both, kJwtFields, keep).status().message(),
            "signingKeys: is given both in config and by name in secret_config; keep one");
  EXPECT_EQ(both.config_json, R"({"signingKeys":["inline"]})");

  auto failing = Provider(R"({"signingKeys":["v"]})", "{}");
  auto refused = MoveInlineSecrets(failing, kJwtFields, [](const SecretField&, const std::string&) {
    return core::Result<std::string>(core::Status::Internal("store down"));
  });
  EXPECT_EQ(refused.status().message(), "store down");
  EXPECT_EQ(failing.config_json, R"({"signingKeys":["v"]})");
  EXPECT_EQ(failing.secret_config_json, "{}");
}

}  // namespace
}  // namespace guestpass::auth
