// signing_keys.cc: sealing, loading, rotating and retiring the shared keys.
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
  // As token::KeyRing::ActiveAt, over the store's order (active_from, kid).
  const core::StoredSigningKey* best = nullptr;
  const core::StoredSigningKey* earliest = nullptr;
  for (const auto& k : keys) {
    if (k.active_from <= now && (best == nullptr || k.active_from > best->active_from)) best = &k;
    if (earliest == nullptr || k.active_from < earliest->active_from) earliest = &k;
  }
  return best != nullptr ? best : earliest;
}

Result<std::vector<core::StoredSigningKey>> SigningKeys::List() const {
  return store::Await<std::vector<core::StoredSigningKey>>([&](auto done) { store_.ListSigningKeys(done); });
}

Result<std::shared_ptr<token::KeyRing>> SigningKeys::Load() const {
  auto keys = List();
  if (!keys.ok()) return keys.status();
  if (keys->empty()) return Status::NotFound(ErrorCode::kNone, "the store has no signing key");
  auto ring = std::make_shared<token::KeyRing>();
  for (const auto& k : *keys) {
    if (k.alg != "HS256") return Status::Internal("signing key " + k.kid + ": unsupported algorithm " + k.alg);
    auto secret = box_.Open(k.sealed_secret, Context(k.kid));
    if (!secret.ok())
      return Status::Internal("signing key " + k.kid +
                              " does not open with this master key (is it the master key the other servers use?)");
    if (secret->size() < 32) return Status::Internal("signing key " + k.kid + " is shorter than 32 bytes");
    ring->Add(k.kid, std::vector<uint8_t>(secret->begin(), secret->end()), k.active_from);
  }
  return ring;
}

std::string SigningKeys::NewKid() {
  core::ObjectIdGenerator ids(clock_, random_);
  return ids.Next().ToHex();
}

Status SigningKeys::Add(const std::string& kid, const std::vector<uint8_t>& secret, int64_t created_at,
                        int64_t active_from) {
  core::StoredSigningKey key;
  key.kid = kid;
  key.sealed_secret =
      box_.Seal(std::string_view(reinterpret_cast<const char*>(secret.data()), secret.size()), Context(kid), random_);
  key.created_at = created_at;
  key.active_from = active_from;
  return store::AwaitStatus([&](auto done) { store_.AddSigningKey(key, done); });
}

Result<std::shared_ptr<token::KeyRing>> SigningKeys::LoadOrCreate(const std::string& legacy_file, int* imported) {
  if (imported != nullptr) *imported = 0;
  auto keys = List();
  if (!keys.ok()) return keys.status();
  if (keys->empty()) {
    auto entries = token::ReadKeyFile(legacy_file);
    if (entries.ok()) {
      // The file's active key keeps signing: it gets the later time.
      for (const auto& e : *entries) {
        Status s = Add(e.kid, e.secret, e.created_at, e.active ? 1 : 0);
        if (!s.ok() && s.code() != core::Code::kAlreadyExists) return s;  // another server imported it
      }
      if (imported != nullptr) *imported = static_cast<int>(entries->size());
    } else if (entries.status().IsNotFound()) {
      std::vector<uint8_t> secret(32);
      random_.Fill(secret);
      if (Status s = Add(NewKid(), secret, clock_.NowSeconds(), 0); !s.ok()) return s;
    } else {
      return entries.status();
    }
  }
  // Read back what is stored: two servers starting on an empty database may
  // each have added a key; both verify everywhere and one rule picks the signer.
  auto ring = Load();
  if (!ring.ok()) return ring.status();
  // The plain-text file goes once its keys are sealed in the store.
  if (std::remove(legacy_file.c_str()) != 0 && errno != ENOENT)
    return Status::Internal("cannot remove " + legacy_file +
                            " (its keys are in the store now): " + std::strerror(errno));
  return ring;
}

Result<core::StoredSigningKey> SigningKeys::Rotate(int64_t delay_seconds) {
  if (delay_seconds < 0) return Status::InvalidArgument(ErrorCode::kInvalidParameter, "the delay must not be negative");
  std::vector<uint8_t> secret(32);
  random_.Fill(secret);
  const int64_t now = clock_.NowSeconds();
  const std::string kid = NewKid();
  if (Status s = Add(kid, secret, now, now + delay_seconds); !s.ok()) return s;
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
