// signing_keys.cc: sealing, loading, rotating and retiring the shared keys
// (HS256 secrets, ES256 and RS256 private keys as PKCS#8 DER).
#include "admin/signing_keys.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/object_id.h"
#include "store/sync.h"

namespace guestpass::admin {

using core::ErrorCode;
using core::Result;
using core::Status;

const core::StoredSigningKey* SigningKeys::ActiveAt(const std::vector<core::StoredSigningKey>& keys, int64_t now) {
  // The ring's rule over the store's order (active_from, kid), which is the
  // order Load adds the keys to a ring in.
  auto it = token::PickActiveAt(keys.begin(), keys.end(), now, [](const auto& k) { return k.active_from; });
  return it == keys.end() ? nullptr : &*it;
}

Result<std::vector<core::StoredSigningKey>> SigningKeys::List() const {
  return store::Await<std::vector<core::StoredSigningKey>>([&](auto done) { store_.ListSigningKeys(done); });
}

Result<std::shared_ptr<token::KeyRing>> SigningKeys::Load() const {
  auto keys = List();
  if (!keys.ok()) return keys.status();
  return RingOf(*keys);
}

Result<std::shared_ptr<token::KeyRing>> SigningKeys::RingOf(const std::vector<core::StoredSigningKey>& keys) const {
  if (keys.empty()) return Status::NotFound(ErrorCode::kNone, "the store has no signing key");
  auto ring = std::make_shared<token::KeyRing>();
  for (const auto& k : keys) {
    const auto alg = token::ParseSigningAlg(k.alg);
    if (!alg) return Status::Internal("signing key " + k.kid + ": unsupported algorithm " + k.alg);
    auto secret = box_.Open(k.sealed_secret, Context(k.kid, k.alg));
    if (!secret.ok())
      return Status::Internal("signing key " + k.kid +
                              " does not open with this master key (is it the master key the other servers use?)");
    if (Status s = ring->AddStored(k.kid, *alg, *secret, k.active_from); !s.ok())
      return Status::Internal("signing key " + k.kid + " (" + k.alg + "): " + s.message());
  }
  return ring;
}

std::string SigningKeys::NewKid() {
  core::ObjectIdGenerator ids(clock_, random_);
  return ids.Next().ToHex();
}

Status SigningKeys::Add(const std::string& kid, token::SigningAlg alg, std::string_view material, int64_t created_at,
                        int64_t active_from) {
  core::StoredSigningKey key;
  key.kid = kid;
  key.alg = std::string(token::SigningAlgName(alg));
  key.sealed_secret = box_.Seal(material, Context(kid, key.alg), random_);
  key.created_at = created_at;
  key.active_from = active_from;
  return store::AwaitStatus([&](auto done) { store_.AddSigningKey(key, done); });
}

Result<std::shared_ptr<token::KeyRing>> SigningKeys::LoadOrCreate(const std::string& legacy_file, int* imported,
                                                                  token::SigningAlg first_alg) {
  if (imported != nullptr) *imported = 0;
  auto keys = List();
  if (!keys.ok()) return keys.status();
  if (keys->empty()) {
    auto entries = token::ReadKeyFile(legacy_file);
    if (entries.ok()) {
      // The file's active key keeps signing: it gets the later time.
      for (const auto& e : *entries) {
        const std::string_view secret(reinterpret_cast<const char*>(e.secret.data()), e.secret.size());
        Status s = Add(e.kid, token::SigningAlg::kHs256, secret, e.created_at, e.active ? 1 : 0);
        if (!s.ok() && s.code() != core::Code::kAlreadyExists) return s;  // another server imported it
      }
      if (imported != nullptr) *imported = static_cast<int>(entries->size());
    } else if (entries.status().IsNotFound()) {
      auto material = token::NewKeyMaterial(first_alg, random_);
      if (!material.ok()) return material.status();
      if (Status s = Add(NewKid(), first_alg, *material, clock_.NowSeconds(), 0); !s.ok()) return s;
    } else {
      return entries.status();
    }
  }
  // Read back what is stored when a key was added: two servers starting on
  // an empty database may each have added one; both verify everywhere and
  // one rule picks the signer (the first in the store's order).
  auto ring = keys->empty() ? Load() : RingOf(*keys);
  if (!ring.ok()) return ring.status();
  // The plain-text file goes once its keys are sealed in the store.
  if (std::remove(legacy_file.c_str()) != 0 && errno != ENOENT)
    return Status::Internal("cannot remove " + legacy_file +
                            " (its keys are in the store now): " + std::strerror(errno));
  return ring;
}

Result<core::StoredSigningKey> SigningKeys::Rotate(int64_t delay_seconds, token::SigningAlg alg) {
  if (delay_seconds < 0) return Status::InvalidArgument(ErrorCode::kInvalidParameter, "the delay must not be negative");
  auto material = token::NewKeyMaterial(alg, random_);
  if (!material.ok()) return material.status();
  const int64_t now = clock_.NowSeconds();
  const std::string kid = NewKid();
  if (Status s = Add(kid, alg, *material, now, now + delay_seconds); !s.ok()) return s;
  auto keys = List();
  if (!keys.ok()) return keys.status();
  for (const auto& k : *keys)
    if (k.kid == kid) return k;
  return Status::Internal("the new signing key " + kid + " is not in the store");
}

Status SigningKeys::Retire(const std::string& kid) {
  auto keys = List();
  if (!keys.ok()) return keys.status();
  const core::StoredSigningKey* key = nullptr;
  for (const auto& k : *keys)
    if (k.kid == kid) key = &k;
  if (key == nullptr) return Status::NotFound(ErrorCode::kNotFound, "no signing key with id " + kid);
  if (keys->size() == 1)
    return Status::InvalidArgument(ErrorCode::kInvalidParameter,
                                   "signing key " + kid + " is the only key; rotate first (guestpass keys rotate)");
  if (ActiveAt(*keys, clock_.NowSeconds()) == key)
    return Status::InvalidArgument(
        ErrorCode::kInvalidParameter,
        "signing key " + kid + " signs new tokens now; rotate first and retire it once the new key is active");
  return store::AwaitStatus([&](auto done) { store_.DeleteSigningKey(kid, done); });
}

}  // namespace guestpass::admin
