// secret_admin.cc: secrets sealed on the way in, opened only by Reveal.
#include "admin/secret_admin.h"

#include <memory>
#include <optional>

#include "store/sync.h"

namespace guestpass::admin {

using core::ErrorCode;
using core::ObjectId;
using core::Result;
using core::Status;

namespace {
Status ValidateValue(const std::string& value) {
  if (value.empty() || value.size() > kMaxSecretValueBytes)
    return Status::InvalidArgument(ErrorCode::kInvalidParameter, "a secret's value is 1 to 4096 bytes");
  return Status::Ok();
}
}  // namespace

Status ValidateSecretName(const std::string& name) {
  const auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
  bool ok = !name.empty() && name.size() <= kMaxSecretNameLength && alnum(name.front());
  for (char c : name) ok = ok && (alnum(c) || c == '_' || c == '-');
  if (!ok)
    return Status::InvalidArgument(ErrorCode::kInvalidParameter,
                                   "a secret's name is 1 to 64 ASCII letters, digits, '_' or '-', "
                                   "starting with a letter or digit");
  return Status::Ok();
}

std::string SecretAdmin::Context(const ObjectId& app_id, const ObjectId& id) {
  return "guestpass secret " + app_id.ToHex() + "/" + id.ToHex();
}

Result<std::vector<core::Secret>> SecretAdmin::List(const ObjectId& app_id) const {
  return store::Await<std::vector<core::Secret>>([&](auto done) { store_.ListSecrets(app_id, done); });
}

Result<core::Secret> SecretAdmin::Create(const ObjectId& app_id, const std::string& name, const std::string& value) {
  if (Status s = ValidateSecretName(name); !s.ok()) return s;
  if (Status s = ValidateValue(value); !s.ok()) return s;
  core::Secret secret;
  secret.id = ids_.Next();
  secret.app_id = app_id;
  secret.name = name;
  secret.sealed_value = box_.Seal(value, Context(app_id, secret.id), random_);
  secret.created_at = secret.updated_at = clock_.NowSeconds();
  if (Status s = store::AwaitStatus([&](auto done) { store_.PutSecret(secret, /*create=*/true, done); }); !s.ok())
    return s;
  return secret;
}

Status SecretAdmin::Update(const ObjectId& app_id, const ObjectId& id, const std::string& name,
                           const std::optional<std::string>& value) {
  if (Status s = ValidateSecretName(name); !s.ok()) return s;
  auto secrets = List(app_id);
  if (!secrets.ok()) return secrets.status();
  const core::Secret* current = nullptr;
  for (const auto& s : *secrets)
    if (s.id == id) current = &s;
  if (current == nullptr) return Status::NotFound(ErrorCode::kNotFound, "secret not found");
  core::Secret changed = *current;
  changed.name = name;
  if (value) {
    if (Status s = ValidateValue(*value); !s.ok()) return s;
    changed.sealed_value = box_.Seal(*value, Context(app_id, id), random_);
  }
  changed.updated_at = clock_.NowSeconds();
  return store::AwaitStatus([&](auto done) { store_.PutSecret(changed, /*create=*/false, done); });
}

Status SecretAdmin::Delete(const ObjectId& app_id, const ObjectId& id) {
  return store::AwaitStatus([&](auto done) { store_.DeleteSecret(app_id, id, done); });
}

Result<std::string> SecretAdmin::Open(const core::Secret& secret) const {
  return box_.Open(secret.sealed_value, Context(secret.app_id, secret.id));
}

auth::SecretLookup SecretAdmin::LookupFor(const ObjectId& app_id) const {
  auto listed = std::make_shared<std::optional<Result<std::vector<core::Secret>>>>();
  return [this, app_id, listed](const std::string& name) -> Result<std::string> {
    if (!listed->has_value()) *listed = List(app_id);
    const auto& secrets = **listed;
    if (!secrets.ok()) return secrets.status();
    for (const auto& s : *secrets)
      if (s.name == name) return Open(s);
    return Status::NotFound(ErrorCode::kNotFound, "no secret named '" + name + "'");
  };
}

Result<std::string> SecretAdmin::Reveal(const ObjectId& app_id, const std::string& name) const {
  auto secrets = List(app_id);
  if (!secrets.ok()) return secrets.status();
  for (const auto& s : *secrets)
    if (s.name == name) return box_.Open(s.sealed_value, Context(app_id, s.id));
  return Status::NotFound(ErrorCode::kNotFound, "no secret named '" + name + "'");
}

}  // namespace guestpass::admin
