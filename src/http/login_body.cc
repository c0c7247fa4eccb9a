// login_body.cc: the login body, by a short path or through a JSON document.
#include "http/login_body.h"

#include <algorithm>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "http/json_body.h"

namespace guestpass::http {

using core::ErrorCode;
using core::Status;
using nlohmann::json;

namespace {

// The general path: any JSON object body.
core::Result<LoginBody> ReadGeneral(const Request& req) {
  auto body = ParseJsonObjectBody(req);
  if (!body.ok()) return body.status();
  LoginBody out;
  auth::DeviceInfo& device = out.device;
  auto options = body->find("options");
  if (options != body->end() && !options->is_null()) {
    if (!options->is_object()) return Status::InvalidArgument(ErrorCode::kBadRequest, "'options' must be an object");
    auto dev = options->find("device");
    if (dev != options->end() && !dev->is_null()) {
      if (!dev->is_object())
        return Status::InvalidArgument(ErrorCode::kBadRequest, "'options.device' must be an object");
      device.present = true;
      json rest = std::move(*dev);
      auto id = rest.find("deviceId");
      if (id != rest.end()) {
        if (!id->is_string())
          return Status::InvalidArgument(ErrorCode::kBadRequest, "'options.device.deviceId' must be an ObjectId");
        auto parsed = core::ObjectId::FromHex(id->get<std::string>());
        if (!parsed)
          return Status::InvalidArgument(ErrorCode::kBadRequest, "'options.device.deviceId' must be 24 hex digits");
        device.requested_id = *parsed;
        rest.erase("deviceId");
      }
      device.json = rest.dump();
    }
  }
  body->erase("options");
  out.credentials = std::move(*body);
  return out;
}

// A JSON string of printable ASCII without escapes, at body[i]; its text
// without quotes. Such a string is what nlohmann's dump writes back.
std::optional<std::string_view> PlainString(std::string_view body, size_t& i) {
  if (i >= body.size() || body[i] != '"') return std::nullopt;
  const size_t start = ++i;
  for (; i < body.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(body[i]);
    if (c == '"') break;
    if (c < 0x20 || c > 0x7e || c == '\\') return std::nullopt;
  }
  if (i >= body.size()) return std::nullopt;
  return body.substr(start, i++ - start);
}

}  // namespace

// The short path: exactly {"options":{"device":{"k":"v",...}}} without
// whitespace, keys unique and not starting with '$' (no Extended JSON
// wrapper), values plain strings, a deviceId (if any) of 24 hex digits.
// nullopt for anything else.
std::optional<LoginBody> detail::ReadShortLoginBody(std::string_view body) {
  constexpr std::string_view kOpen = R"({"options":{"device":{)";
  constexpr std::string_view kClose = "}}}";
  if (body.size() < kOpen.size() + kClose.size() || body.substr(0, kOpen.size()) != kOpen ||
      body.substr(body.size() - kClose.size()) != kClose)
    return std::nullopt;
  const std::string_view fields = body.substr(0, body.size() - kClose.size() + 1);  // ends with the device's '}'
  std::vector<std::pair<std::string_view, std::string_view>> kept;
  kept.reserve(8);  // the SDKs send about five fields
  LoginBody out;
  out.device.present = true;
  bool has_device_id = false;
  size_t i = kOpen.size();
  if (fields[i] != '}') {
    for (;;) {
      auto key = PlainString(fields, i);
      if (!key || key->empty() || (*key)[0] == '$' || i >= fields.size() || fields[i] != ':') return std::nullopt;
      ++i;
      auto value = PlainString(fields, i);
      if (!value || i >= fields.size()) return std::nullopt;
      if (*key == "deviceId") {
        auto id = core::ObjectId::FromHex(*value);
        if (!id || has_device_id) return std::nullopt;
        has_device_id = true;
        out.device.requested_id = *id;
      } else {
        kept.emplace_back(*key, *value);
      }
      if (fields[i] == '}') break;
      if (fields[i] != ',') return std::nullopt;
      ++i;
    }
  }
  if (i != fields.size() - 1) return std::nullopt;
  // nlohmann keeps object keys sorted (std::map): so does its dump.
  std::sort(kept.begin(), kept.end());
  for (size_t k = 1; k < kept.size(); ++k)
    if (kept[k].first == kept[k - 1].first) return std::nullopt;  // a duplicate: the general path decides
  std::string& text = out.device.json;
  text.reserve(fields.size() - kOpen.size() + 2);
  text += '{';
  for (const auto& [k, v] : kept) {
    if (text.size() > 1) text += ',';
    text += '"';
    text += k;
    text += "\":\"";
    text += v;
    text += '"';
  }
  text += '}';
  return out;
}

core::Result<LoginBody> ReadLoginBody(const Request& req, bool short_path) {
  if (short_path && !req.body().empty()) {
    auto ct = req.find(bhttp::field::content_type);
    // The content type is checked by the general path (415 and its message).
    if (ct != req.end() && IsJsonContentType(Sv(ct->value()))) {
      if (auto read = detail::ReadShortLoginBody(req.body())) return std::move(*read);
    }
  }
  return ReadGeneral(req);
}

}  // namespace guestpass::http
