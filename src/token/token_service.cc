// token_service.cc: JWT encoding of access and refresh tokens.
// Payloads are built by hand (fixed keys, hex and integer values) because
// every login signs two tokens; verification reads the claims in one pass:
// a short path for payloads in the form this file writes, else nlohmann's
// SAX parser (no DOM).
#include "token/token_service.h"

#include <nlohmann/json.hpp>

#include "core/json_text.h"
#include "crypto/digest.h"
#include "crypto/encoding.h"

namespace guestpass::token {

using core::ErrorCode;
using core::ObjectId;
using core::Result;
using core::Status;

namespace {
Status Invalid(std::string reason) { return Status::Unauthenticated(ErrorCode::kInvalidSession, std::move(reason)); }

void AppendIdClaim(std::string& out, const char* name, const ObjectId& id) {
  out += '"';
  out += name;
  out += "\":\"";
  id.AppendHex(out);
  out += "\",";
}

void AppendIntClaim(std::string& out, const char* name, int64_t v) {
  out += '"';
  out += name;
  out += "\":";
  out += std::to_string(v);
  out += ',';
}

// The claims verification reads, collected by one SAX pass over the payload
// (no DOM per request). It keeps the DOM's semantics: the payload must be a
// JSON object, key order and whitespace do not matter, and of duplicate keys
// the last one wins.
class ClaimReader final : public nlohmann::json_sax<nlohmann::json> {
 public:
  enum Claim { kNone, kTyp, kSub, kIss, kBaasId, kDomainId, kDeviceId, kIat, kExp, kSecret, kIdentity };
  enum IdentityKey { kOther, kIdentityId, kProviderType, kProviderId };

  struct IdClaim {
    bool ok = false;  // present, a string and 24 hex digits
    ObjectId value;
  };
  struct IntClaim {
    bool ok = false;  // present and an integer
    int64_t value = 0;
  };

  // True when `payload` is a JSON object; the claims are then filled in.
  // Payloads as this service writes them take a short path; anything else
  // (whitespace, escapes, arrays, floats...) is read by nlohmann's parser.
  bool Parse(std::string_view payload) {
    if (ParseSimple(payload)) return true;
    *this = ClaimReader();  // forget what the short path saw
    return nlohmann::json::sax_parse(payload, this) && is_object_;
  }

  bool typ_is_string = false;
  std::string typ;
  IdClaim sub, iss, baas_id, domain_id, device_id;
  IntClaim iat, exp;
  bool secret_is_string = false;
  std::string secret;
  bool identity_is_object = false;
  bool identity_malformed = false;  // baas_identity.id or .provider_type is not a string
  core::Identity identity;

  bool null() override { return Scalar(); }
  bool boolean(bool) override { return Scalar(); }
  bool number_integer(number_integer_t v) override { return Int(v); }
  bool number_unsigned(number_unsigned_t v) override { return Int(static_cast<int64_t>(v)); }
  bool number_float(number_float_t, const string_t&) override { return Scalar(); }
  bool binary(binary_t&) override { return Scalar(); }
  bool string(string_t& v) override {
    if (depth_ == 1) {
      Reset(claim_);
      switch (claim_) {
        case kTyp:
          typ_is_string = true;
          typ = v;
          break;
        case kSecret:
          secret_is_string = true;
          secret = v;
          break;
        default:
          if (IdClaim* id = FindId(claim_)) ReadId(v, id);
      }
    } else if (depth_ == 2 && in_identity_) {
      switch (identity_key_) {
        case kIdentityId:
          identity.id = v;
          break;
        case kProviderType:
          identity.provider_type = v;
          break;
        case kProviderId:
          if (auto id = ObjectId::FromHex(v)) identity.provider_id = *id;
          else identity.provider_id = ObjectId();
          break;
        case kOther:
          break;
      }
    }
    return true;
  }
  bool start_object(std::size_t) override {
    if (depth_ == 0) {
      is_object_ = true;
    } else if (depth_ == 1) {
      Reset(claim_);
      if (claim_ == kIdentity) {
        identity_is_object = true;
        in_identity_ = true;
      }
    } else if (depth_ == 2 && in_identity_) {
      IdentityNonString();
    }
    ++depth_;
    return true;
  }
  bool end_object() override {
    if (--depth_ == 1) in_identity_ = false;
    return true;
  }
  bool start_array(std::size_t) override {
    Container();
    ++depth_;
    return true;
  }
  bool end_array() override {
    --depth_;
    return true;
  }
  bool key(string_t& k) override {
    if (depth_ == 1) claim_ = ClaimOf(k);
    else if (depth_ == 2 && in_identity_) identity_key_ = IdentityKeyOf(k);
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

 private:
  // The short path: accepts only a JSON object in the restricted form that
  // IssueAccessToken and IssueRefreshToken write (no whitespace; keys and
  // strings of printable ASCII without escapes; integers of at most 18
  // digits; objects nested at most once) and makes exactly the callbacks
  // nlohmann's SAX parser would make for it, so the result is the same.
  // Returns false for anything else, possibly after some callbacks.
  bool ParseSimple(std::string_view p) {
    size_t i = 0;
    return SimpleObject(p, i) && i == p.size();
  }
  bool SimpleObject(std::string_view p, size_t& i) {
    if (depth_ >= 2 || i >= p.size() || p[i] != '{') return false;
    ++i;
    start_object(static_cast<std::size_t>(-1));
    if (i < p.size() && p[i] == '}') {
      ++i;
      return end_object();
    }
    for (;;) {
      if (!SimpleString(p, i)) return false;
      key(text_);
      if (i >= p.size() || p[i] != ':') return false;
      ++i;
      if (i >= p.size()) return false;
      const char c = p[i];
      if (c == '"') {
        if (!SimpleString(p, i)) return false;
        string(text_);
      } else if (c == '{') {
        if (!SimpleObject(p, i)) return false;
      } else if (c == '-' || (c >= '0' && c <= '9')) {
        int64_t v = 0;
        if (!SimpleInt(p, i, &v)) return false;
        Int(v);
      } else {
        return false;
      }
      if (i >= p.size()) return false;
      if (p[i] == ',') {
        ++i;
      } else if (p[i] == '}') {
        ++i;
        return end_object();
      } else {
        return false;
      }
    }
  }
  // A string of printable ASCII without escapes, into text_.
  bool SimpleString(std::string_view p, size_t& i) {
    if (i >= p.size() || p[i] != '"') return false;
    const size_t start = ++i;
    for (; i < p.size(); ++i) {
      const unsigned char c = static_cast<unsigned char>(p[i]);
      if (c == '"') break;
      if (c < 0x20 || c > 0x7e || c == '\\') return false;
    }
    if (i >= p.size()) return false;
    text_.assign(p.data() + start, i - start);
    ++i;
    return true;
  }
  // -?(0|[1-9][0-9]{0,17}), not followed by a fraction or exponent.
  static bool SimpleInt(std::string_view p, size_t& i, int64_t* out) {
    const bool negative = p[i] == '-';
    if (negative) ++i;
    const size_t start = i;
    int64_t v = 0;
    while (i < p.size() && p[i] >= '0' && p[i] <= '9' && i - start < 18) v = v * 10 + (p[i++] - '0');
    const size_t digits = i - start;
    if (digits == 0 || (digits > 1 && p[start] == '0')) return false;
    if (i < p.size() && ((p[i] >= '0' && p[i] <= '9') || p[i] == '.' || p[i] == 'e' || p[i] == 'E')) return false;
    *out = negative ? -v : v;
    return true;
  }

  static Claim ClaimOf(std::string_view k) {
    if (k == "typ") return kTyp;
    if (k == "sub") return kSub;
    if (k == "iss") return kIss;
    if (k == "baas_id") return kBaasId;
    if (k == "baas_domain_id") return kDomainId;
    if (k == "baas_device_id") return kDeviceId;
    if (k == "iat") return kIat;
    if (k == "exp") return kExp;
    if (k == "gp_secret") return kSecret;
    if (k == "baas_identity") return kIdentity;
    return kNone;
  }
  static IdentityKey IdentityKeyOf(std::string_view k) {
    if (k == "id") return kIdentityId;
    if (k == "provider_type") return kProviderType;
    if (k == "provider_id") return kProviderId;
    return kOther;
  }
  IdClaim* FindId(Claim c) {
    switch (c) {
      case kSub:
        return &sub;
      case kIss:
        return &iss;
      case kBaasId:
        return &baas_id;
      case kDomainId:
        return &domain_id;
      case kDeviceId:
        return &device_id;
      default:
        return nullptr;
    }
  }
  static void ReadId(std::string_view hex, IdClaim* out) {
    auto id = ObjectId::FromHex(hex);
    out->ok = id.has_value();
    out->value = id ? *id : ObjectId();
  }
  // A new value for depth-1 claim `c` replaces whatever an earlier duplicate set.
  void Reset(Claim c) {
    switch (c) {
      case kTyp:
        typ_is_string = false;
        typ.clear();
        break;
      case kSecret:
        secret_is_string = false;
        secret.clear();
        break;
      case kIat:
        iat = IntClaim();
        break;
      case kExp:
        exp = IntClaim();
        break;
      case kIdentity:
        identity_is_object = false;
        identity_malformed = false;
        identity = core::Identity();
        break;
      default:
        if (IdClaim* id = FindId(c)) *id = IdClaim();
    }
  }
  // A baas_identity.id or .provider_type that is not a string.
  void IdentityNonString() {
    if (identity_key_ == kIdentityId || identity_key_ == kProviderType) identity_malformed = true;
    if (identity_key_ == kProviderId) identity.provider_id = ObjectId();
  }
  void Container() {
    if (depth_ == 1) Reset(claim_);
    else if (depth_ == 2 && in_identity_) IdentityNonString();
  }
  bool Scalar() {
    Container();
    return true;
  }
  bool Int(int64_t v) {
    if (depth_ == 1) {
      Reset(claim_);
      if (claim_ == kIat) iat = IntClaim{true, v};
      if (claim_ == kExp) exp = IntClaim{true, v};
    } else if (depth_ == 2 && in_identity_) {
      IdentityNonString();
    }
    return true;
  }

  int depth_ = 0;
  bool is_object_ = false;
  bool in_identity_ = false;
  Claim claim_ = kNone;
  IdentityKey identity_key_ = kOther;
  std::string text_;  // the short path's current key or string
};
}  // namespace

TokenService::TokenService(std::shared_ptr<const KeyRing> keys, const core::Clock& clock,
                           size_t access_cache_slots)
    : clock_(clock), access_cache_(access_cache_slots) {
  std::string jwks = JwksJson(*keys);
  rings_.push_back(std::make_unique<const Ring>(Ring{std::move(keys), 1, std::move(jwks)}));
  ring_.store(rings_.back().get(), std::memory_order_release);
}

void TokenService::ReplaceKeys(std::shared_ptr<const KeyRing> keys) {
  std::lock_guard<std::mutex> lock(rings_mu_);
  const uint64_t generation = rings_.back()->generation + 1;
  std::string jwks = JwksJson(*keys);
  rings_.push_back(std::make_unique<const Ring>(Ring{std::move(keys), generation, std::move(jwks)}));
  ring_.store(rings_.back().get(), std::memory_order_release);
}

std::string TokenService::Sign(const std::string& payload) const {
  const KeyRing& ring = *ring_.load(std::memory_order_acquire)->keys;
  const SigningKey& key = ring.ActiveAt(clock_.NowSeconds());
  std::string token;
  token.reserve(key.header_b64.size() + payload.size() * 4 / 3 + 50);
  token += key.header_b64;
  token += '.';
  crypto::Base64UrlAppend(token,
                          std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(payload.data()), payload.size()));
  const size_t signing_input = token.size();
  token += '.';
  key.AppendSignature(std::string_view(token).substr(0, signing_input), token);
  return token;
}

std::string TokenService::IssueAccessToken(const AccessClaims& c) const {
  std::string p;
  p.reserve(320);
  p += '{';
  AppendIdClaim(p, "baas_device_id", c.device_id);
  AppendIdClaim(p, "baas_domain_id", c.app_id);
  AppendIntClaim(p, "exp", c.expires_at);
  AppendIntClaim(p, "iat", c.issued_at);
  AppendIdClaim(p, "iss", c.session_id);
  AppendIdClaim(p, "stitch_devId", c.device_id);
  AppendIdClaim(p, "stitch_domainId", c.app_id);
  AppendIdClaim(p, "sub", c.user_id);
  p += R"("typ":"access"})";
  return Sign(p);
}

std::string TokenService::IssueRefreshToken(const RefreshClaims& c) const {
  std::string p;
  p.reserve(420);
  p += '{';
  AppendIdClaim(p, "baas_device_id", c.device_id);
  AppendIdClaim(p, "baas_domain_id", c.app_id);
  AppendIdClaim(p, "baas_id", c.session_id);
  p += R"("baas_identity":{"id":)";
  core::AppendJsonString(p, c.identity.id);
  p += R"(,"provider_type":)";
  core::AppendJsonString(p, c.identity.provider_type);
  p += R"(,"provider_id":")";
  c.identity.provider_id.AppendHex(p);
  p += "\"},";
  AppendIntClaim(p, "exp", c.expires_at);
  p += R"("gp_secret":)";
  core::AppendJsonString(p, c.secret);
  p += ',';
  AppendIntClaim(p, "iat", c.issued_at);
  AppendIdClaim(p, "sub", c.user_id);
  p += R"("typ":"refresh"})";
  return Sign(p);
}

Result<std::string> TokenService::VerifySignature(const KeyRing& ring, std::string_view token) const {
  // Only the canonical, unpadded form is accepted, so a token has one spelling.
  if (token.find('=') != std::string_view::npos) return Invalid("invalid session: malformed token");
  const size_t dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return Invalid("invalid session: malformed token");
  const size_t dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
    return Invalid("invalid session: malformed token");
  const SigningKey* key = ring.FindByHeader(token.substr(0, dot1));
  if (key == nullptr) return Invalid("invalid session: unknown token header");
  auto signature = crypto::Base64UrlDecode(token.substr(dot2 + 1));
  if (!signature) return Invalid("invalid session: malformed token signature");
  if (!key->Verify(token.substr(0, dot2), *signature)) return Invalid("invalid session: signature is invalid");
  auto payload = crypto::Base64UrlDecode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  if (!payload) return Invalid("invalid session: malformed token payload");
  return std::move(*payload);
}

Result<AccessClaims> TokenService::VerifyAccessToken(std::string_view token) const {
  const Ring& ring = *ring_.load(std::memory_order_acquire);
  if (AccessClaims cached; access_cache_.Find(token, &cached, ring.generation)) {
    if (cached.expires_at <= clock_.NowSeconds()) return Invalid("invalid session: access token expired");
    return cached;
  }
  auto payload = VerifySignature(*ring.keys, token);
  if (!payload.ok()) return payload.status();
  ClaimReader doc;
  if (!doc.Parse(*payload)) return Invalid("invalid session: malformed token payload");
  if (!doc.typ_is_string || doc.typ != "access") return Invalid("invalid session: incorrect token type");
  if (!doc.sub.ok || !doc.iss.ok || !doc.domain_id.ok || !doc.device_id.ok || !doc.iat.ok || !doc.exp.ok)
    return Invalid("invalid session: missing token claims");
  AccessClaims c;
  c.user_id = doc.sub.value;
  c.session_id = doc.iss.value;
  c.app_id = doc.domain_id.value;
  c.device_id = doc.device_id.value;
  c.issued_at = doc.iat.value;
  c.expires_at = doc.exp.value;
  if (c.expires_at <= clock_.NowSeconds()) return Invalid("invalid session: access token expired");
  access_cache_.Insert(token, c, ring.generation);
  return c;
}

Result<RefreshClaims> TokenService::VerifyRefreshToken(std::string_view token) const {
  auto payload = VerifySignature(*ring_.load(std::memory_order_acquire)->keys, token);
  if (!payload.ok()) return payload.status();
  ClaimReader doc;
  if (!doc.Parse(*payload)) return Invalid("invalid session: malformed token payload");
  if (!doc.typ_is_string || doc.typ != "refresh") return Invalid("invalid refresh token: incorrect token type");
  if (!doc.sub.ok || !doc.baas_id.ok || !doc.domain_id.ok || !doc.device_id.ok || !doc.iat.ok || !doc.exp.ok ||
      !doc.secret_is_string)
    return Invalid("invalid session: missing token claims");
  // Only a payload we signed gets here; we never sign a non-string identity id or type.
  if (doc.identity_is_object && doc.identity_malformed) return Invalid("invalid session: malformed token payload");
  RefreshClaims c;
  c.user_id = doc.sub.value;
  c.session_id = doc.baas_id.value;
  c.app_id = doc.domain_id.value;
  c.device_id = doc.device_id.value;
  c.issued_at = doc.iat.value;
  c.expires_at = doc.exp.value;
  c.secret = std::move(doc.secret);
  if (doc.identity_is_object) c.identity = std::move(doc.identity);
  if (c.expires_at <= clock_.NowSeconds()) return Invalid("invalid session: refresh token expired");
  return c;
}

}  // namespace guestpass::token
