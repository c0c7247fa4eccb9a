// key_ring.cc: the keys' algorithms (HS256 here, ES256 and RS256 through
// crypto/asymmetric_key.h), their JWK Set, and the key file of earlier
// versions.
// File format (JSON): {"active": KID, "keys": [{"kid", "alg": "HS256",
// "secret": base64url, "created_at": seconds}]}.
#include "token/key_ring.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/object_id.h"
#include "crypto/encoding.h"

namespace guestpass::token {

using core::Result;
using core::Status;

namespace {
std::string HeaderB64(SigningAlg alg, const std::string& kid) {
  // kid holds only [0-9a-f] and the alg names are plain, so no JSON escaping is needed.
  return crypto::Base64UrlEncode(R"({"alg":")" + std::string(SigningAlgName(alg)) + R"(","kid":")" + kid +
                                 R"(","typ":"JWT"})");
}
}  // namespace

std::string_view SigningAlgName(SigningAlg alg) {
  switch (alg) {
    case SigningAlg::kHs256:
      return "HS256";
    case SigningAlg::kEs256:
      return "ES256";
    case SigningAlg::kRs256:
      return "RS256";
  }
  return "HS256";
}

std::optional<SigningAlg> ParseSigningAlg(std::string_view name) {
  if (name == "HS256") return SigningAlg::kHs256;
  if (name == "ES256") return SigningAlg::kEs256;
  if (name == "RS256") return SigningAlg::kRs256;
  return std::nullopt;
}

void SigningKey::AppendSignature(std::string_view signing_input, std::string& out) const {
  if (hmac) {
    const auto mac = hmac->Compute(signing_input);
    crypto::Base64UrlAppend(out, mac);
    return;
  }
  const std::string signature = private_key->Sign(signing_input);
  crypto::Base64UrlAppend(out,
                          std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(signature.data()), signature.size()));
}

bool SigningKey::Verify(std::string_view signing_input, std::string_view signature) const {
  const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(signature.data()), signature.size());
  if (hmac) return crypto::ConstantTimeEquals(hmac->Compute(signing_input), bytes);
  return private_key->Verify(signing_input, signature);
}

void KeyRing::Add(std::string kid, std::vector<uint8_t> secret, int64_t active_from) {
  auto key = std::make_unique<SigningKey>();
  key->kid = std::move(kid);
  key->alg = SigningAlg::kHs256;
  key->active_from = active_from;
  key->hmac = std::make_unique<crypto::HmacSha256Key>(std::move(secret));
  key->header_b64 = HeaderB64(key->alg, key->kid);
  keys_.push_back(std::move(key));
}

void KeyRing::Add(std::string kid, std::unique_ptr<crypto::AsymmetricKey> private_key, int64_t active_from) {
  auto key = std::make_unique<SigningKey>();
  key->kid = std::move(kid);
  key->alg = private_key->alg() == crypto::AsymmetricAlg::kEs256 ? SigningAlg::kEs256 : SigningAlg::kRs256;
  key->active_from = active_from;
  key->private_key = std::move(private_key);
  key->header_b64 = HeaderB64(key->alg, key->kid);
  keys_.push_back(std::move(key));
}

Status KeyRing::AddStored(std::string kid, SigningAlg alg, std::string_view material, int64_t active_from) {
  if (alg == SigningAlg::kHs256) {
    if (material.size() < 32)
      return Status::InvalidArgument(core::ErrorCode::kInvalidParameter, "an HS256 secret needs at least 32 bytes");
    Add(std::move(kid), std::vector<uint8_t>(material.begin(), material.end()), active_from);
    return Status::Ok();
  }
  auto key = crypto::AsymmetricKey::FromPkcs8Der(
      alg == SigningAlg::kEs256 ? crypto::AsymmetricAlg::kEs256 : crypto::AsymmetricAlg::kRs256, material);
  if (!key.ok()) return key.status();
  Add(std::move(kid), std::move(*key), active_from);
  return Status::Ok();
}

std::string JwksJson(const KeyRing& ring) {
  nlohmann::ordered_json keys = nlohmann::ordered_json::array();
  for (const auto& k : ring.keys()) {
    if (!k->private_key) continue;  // HS256: a secret, never published
    const crypto::PublicJwk jwk = k->private_key->Jwk();
    nlohmann::ordered_json entry = {{"kty", jwk.kty}};
    if (jwk.kty == "EC") {
      entry["crv"] = jwk.crv;
      entry["x"] = jwk.x;
      entry["y"] = jwk.y;
    } else {
      entry["n"] = jwk.n;
      entry["e"] = jwk.e;
    }
    entry["kid"] = k->kid;
    entry["alg"] = std::string(SigningAlgName(k->alg));
    entry["use"] = "sig";
    keys.push_back(std::move(entry));
  }
  return nlohmann::ordered_json{{"keys", std::move(keys)}}.dump();
}

Result<std::string> NewKeyMaterial(SigningAlg alg, core::Random& random) {
  if (alg == SigningAlg::kHs256) {
    std::vector<uint8_t> secret(32);
    random.Fill(secret);
    return std::string(secret.begin(), secret.end());
  }
  auto key = crypto::AsymmetricKey::Generate(alg == SigningAlg::kEs256 ? crypto::AsymmetricAlg::kEs256
                                                                       : crypto::AsymmetricAlg::kRs256);
  if (!key.ok()) return key.status();
  return (*key)->Pkcs8Der();
}

void KeyRing::SetActive(const std::string& kid) {
  int64_t latest = INT64_MIN;
  for (const auto& k : keys_)
    if (k->kid != kid) latest = std::max(latest, k->active_from);
  for (auto& k : keys_)
    if (k->kid == kid) k->active_from = latest == INT64_MIN ? k->active_from : std::max(k->active_from, latest + 1);
}

const SigningKey& KeyRing::ActiveAt(int64_t now) const {
  return **PickActiveAt(keys_.begin(), keys_.end(), now, [](const auto& k) { return k->active_from; });
}

bool SameKeys(const KeyRing& a, const KeyRing& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a.keys()[i]->kid != b.keys()[i]->kid || a.keys()[i]->active_from != b.keys()[i]->active_from) return false;
  return true;
}

std::vector<std::string> KeyRing::kids() const {
  std::vector<std::string> out;
  for (const auto& k : keys_) out.push_back(k->kid);
  return out;
}

const SigningKey* KeyRing::FindByHeader(std::string_view header_b64) const {
  for (const auto& k : keys_)
    if (k->header_b64 == header_b64) return k.get();
  return nullptr;
}

namespace {
Status WriteNewKeyFile(const std::string& path, core::Random& random, const core::Clock& clock) {
  std::vector<uint8_t> secret(32);
  random.Fill(secret);
  core::ObjectIdGenerator ids(clock, random);
  const std::string kid = ids.Next().ToHex();
  nlohmann::json doc = {{"active", kid},
                        {"keys",
                         {{{"kid", kid},
                           {"alg", "HS256"},
                           {"secret", crypto::Base64UrlEncode(secret)},
                           {"created_at", clock.NowSeconds()}}}}};
  const std::string text = doc.dump(2) + "\n";
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Internal("cannot create " + tmp + ": " + std::strerror(errno));
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0)
    return Status::Internal("cannot write " + path + ": " + std::strerror(errno));
  return Status::Ok();
}
}  // namespace

Result<std::vector<KeyFileEntry>> ReadKeyFile(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::NotFound(core::ErrorCode::kNone, "no signing key file at " + path);
    return Status::Internal("cannot stat " + path + ": " + std::strerror(errno));
  }
  if ((st.st_mode & 077) != 0)
    return Status::Internal(path + ": signing key file must not be readable by group or others (chmod 600 it)");
  std::ifstream in(path);
  std::stringstream buf;
  buf << in.rdbuf();
  auto doc = nlohmann::json::parse(buf.str(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("keys") || !doc["keys"].is_array() ||
      !doc.contains("active") || !doc["active"].is_string())
    return Status::Internal(path + ": malformed signing key file (expected {\"active\", \"keys\": [...]})");
  const std::string active = doc["active"];
  std::vector<KeyFileEntry> out;
  for (const auto& k : doc["keys"]) {
    if (!k.is_object() || !k.contains("kid") || !k["kid"].is_string() || !k.contains("secret") ||
        !k["secret"].is_string() || k.value("alg", "") != "HS256")
      return Status::Internal(path + ": malformed key entry (need kid, alg HS256, secret)");
    KeyFileEntry entry;
    entry.kid = k["kid"];
    if (entry.kid.empty() || entry.kid.find_first_not_of("0123456789abcdef") != std::string::npos)
      return Status::Internal(path + ": key id must be lowercase hex: " + entry.kid);
    auto secret = crypto::Base64UrlDecode(k["secret"].get<std::string>());
    if (!secret || secret->size() < 32)
      return Status::Internal(path + ": key " + entry.kid + " secret must be base64url of at least 32 bytes");
    entry.secret.assign(secret->begin(), secret->end());
    if (k.contains("created_at") && k["created_at"].is_number_integer()) entry.created_at = k["created_at"];
    entry.active = entry.kid == active;
    out.push_back(std::move(entry));
  }
  if (out.empty()) return Status::Internal(path + ": no keys");
  if (std::none_of(out.begin(), out.end(), [](const KeyFileEntry& e) { return e.active; }))
    return Status::Internal(path + ": active key " + active + " is not in keys");
  return out;
}

Result<std::shared_ptr<KeyRing>> KeyRing::LoadOrCreate(const std::string& path, core::Random& random,
                                                       const core::Clock& clock) {
  auto entries = ReadKeyFile(path);
  if (entries.status().IsNotFound()) {
    if (Status s = WriteNewKeyFile(path, random, clock); !s.ok()) return s;
    entries = ReadKeyFile(path);
  }
  if (!entries.ok()) return entries.status();
  auto ring = std::make_shared<KeyRing>();
  std::string active;
  for (auto& e : *entries) {
    if (e.active) active = e.kid;
    ring->Add(e.kid, std::move(e.secret));
  }
  ring->SetActive(active);
  return ring;
}

}  // namespace guestpass::token
