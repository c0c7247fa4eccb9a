// atlas.cc: the one Atlas public API call realm-cli makes,
// GET /api/public/v1.0/groups (admin-api.md section 14): without --project,
// `realm-cli pull` lists the projects with HTTP Digest authentication (RFC
// 2617, MD5, qop=auth) as username the admin API key's public part and as
// password its private part. guestpass has one project: its group.
#include <string>

#include "core/json_text.h"
#include "crypto/digest.h"
#include "http/error_response.h"
#include "http/handlers/admin.h"

namespace guestpass::http {

using core::ErrorCode;
using core::Result;
using core::Status;
using nlohmann::json;

namespace {
constexpr int64_t kNonceSeconds = 300;

std::string Hex(std::span<const uint8_t> bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 0xf];
  }
  return out;
}

// A nonce is its time and an HMAC of it under a key of this process: no
// state to keep, and only this server's recent nonces verify.
std::string MakeNonce(const AdminServices& admin, int64_t now) {
  const std::string t = std::to_string(now);
  return t + "-" + Hex(admin.nonce_key.Compute("digest-nonce:" + t)).substr(0, 32);
}

bool NonceValid(const AdminServices& admin, std::string_view nonce, int64_t now) {
  const size_t dash = nonce.find('-');
  if (dash == std::string_view::npos || dash == 0 || dash > 12) return false;
  int64_t t = 0;
  for (char c : nonce.substr(0, dash)) {
    if (c < '0' || c > '9') return false;
    t = t * 10 + (c - '0');
  }
  if (t > now || now - t > kNonceSeconds) return false;
  const std::string want = MakeNonce(admin, t);
  return want.size() == nonce.size() &&
         crypto::ConstantTimeEquals(std::span(reinterpret_cast<const uint8_t*>(want.data()), want.size()),
                                    std::span(reinterpret_cast<const uint8_t*>(nonce.data()), nonce.size()));
}

// The parameters of "Authorization: Digest k=v, k="v", ...".
std::optional<std::map<std::string, std::string>> DigestParams(std::string_view header) {
  if (header.size() < 7 || !IEquals(header.substr(0, 7), "Digest ")) return std::nullopt;
  std::map<std::string, std::string> out;
  size_t i = 7;
  while (i < header.size()) {
    while (i < header.size() && (header[i] == ' ' || header[i] == ',')) ++i;
    const size_t eq = header.find('=', i);
    if (eq == std::string_view::npos) break;
    std::string key(header.substr(i, eq - i));
    i = eq + 1;
    std::string value;
    if (i < header.size() && header[i] == '"') {
      ++i;
      while (i < header.size() && header[i] != '"') {
        if (header[i] == '\\' && i + 1 < header.size()) ++i;
        value += header[i++];
      }
      ++i;
    } else {
      while (i < header.size() && header[i] != ',') value += header[i++];
    }
    out[key] = value;
    if (out.size() > 20) return std::nullopt;
  }
  return out;
}

Response Challenge(const Exchange& ex, const AdminServices& admin, const std::string& why) {
  Response res = ErrorResponse(Status::Unauthenticated(ErrorCode::kInvalidSession, why), ex.request.version());
  res.set(bhttp::field::www_authenticate, "Digest realm=\"" + std::string(admin::kDigestRealm) +
                                              "\", qop=\"auth\", nonce=\"" +
                                              MakeNonce(admin, admin.clock.NowSeconds()) + "\", algorithm=MD5");
  return res;
}
}  // namespace

HandlerResult HandleAtlasGroups(const Exchange& ex) {
  auto admin = AdminOf(ex);
  if (!admin.ok()) co_return admin.status();
  AdminServices& services = **admin;
  auto header = ex.request.find(bhttp::field::authorization);
  if (header == ex.request.end()) co_return Challenge(ex, services, "authentication required");
  auto params = DigestParams(Sv(header->value()));
  if (!params) co_return Challenge(ex, services, "expected HTTP Digest authentication");
  auto get = [&](const char* k) -> std::string {
    auto it = params->find(k);
    return it == params->end() ? std::string() : it->second;
  };
  if (get("realm") != admin::kDigestRealm || !NonceValid(services, get("nonce"), services.clock.NowSeconds()))
    co_return Challenge(ex, services, "stale or foreign nonce");
  if (get("uri") != Sv(ex.request.target())) co_return Challenge(ex, services, "the digest is for another URI");
  const std::string qop = get("qop");
  if (!qop.empty() && qop != "auth") co_return Challenge(ex, services, "only qop=auth is supported");
  const auto key_id = core::ObjectId::FromHex(get("username"));
  if (!key_id) co_return Challenge(ex, services, "invalid API key");
  auto& keys = services.keys;
  auto job = [&keys, id = *key_id] { return keys.DigestHa1(id); };
  auto ha1 = co_await OnAdminWorker<std::string>(services, &job);
  if (!ha1.ok()) co_return Challenge(ex, services, "invalid API key");
  const std::string ha2 = crypto::Md5Hex(std::string(Sv(ex.request.method_string())) + ":" + get("uri"));
  const std::string want = qop.empty()
                               ? crypto::Md5Hex(*ha1 + ":" + get("nonce") + ":" + ha2)
                               : crypto::Md5Hex(*ha1 + ":" + get("nonce") + ":" + get("nc") + ":" + get("cnonce") +
                                                ":" + qop + ":" + ha2);
  const std::string got = get("response");
  if (got.size() != want.size() ||
      !crypto::ConstantTimeEquals(std::span(reinterpret_cast<const uint8_t*>(got.data()), got.size()),
                                  std::span(reinterpret_cast<const uint8_t*>(want.data()), want.size())))
    co_return Challenge(ex, services, "invalid API key");
  co_return JsonOk(ex, {{"results", json::array({{{"id", services.domain.id.ToHex()}, {"name", "guestpass"}}})},
                        {"totalCount", 1}});
}

}  // namespace guestpass::http
