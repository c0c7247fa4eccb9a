// json_body.cc: JSON request parsing and Extended JSON relaxation.
#include "http/json_body.h"

#include <charconv>
#include <cmath>

#include "core/json_text.h"
#include "core/object_id.h"

namespace guestpass::http {

using core::ErrorCode;
using core::Status;
using nlohmann::json;

namespace {
Status BadEjson(const std::string& what) {
  return Status::InvalidArgument(ErrorCode::kBadRequest, "invalid Extended JSON: " + what);
}


template <typename Int>
bool ParseInt(const std::string& s, Int* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

// Converts one single-key wrapper object in place, if it is one.
Status RelaxWrapper(json& value) {
  if (value.size() != 1) return Status::Ok();
  // Not `const auto& [key, inner] = *value.items().begin()`: that binds to a
  // temporary iterator that is gone before `key` is read (ASan:
  // stack-use-after-scope).
  const auto first = value.begin();
  const std::string& key = first.key();
  const json& inner = first.value();
  if (key.empty() || key[0] != '$') return Status::Ok();
  if (key == "$oid") {
    if (!inner.is_string() || !core::ObjectId::FromHex(inner.get<std::string>()))
      return BadEjson("$oid must be a string of 24 hex digits");
    json s = inner.get<std::string>();
    value = std::move(s);
  } else if (key == "$numberInt") {
    int32_t v;
    if (!inner.is_string() || !ParseInt(inner.get<std::string>(), &v))
      return BadEjson("$numberInt must be a string holding a 32-bit integer");
    value = v;
  } else if (key == "$numberLong") {
    int64_t v;
    if (!inner.is_string() || !ParseInt(inner.get<std::string>(), &v))
      return BadEjson("$numberLong must be a string holding a 64-bit integer");
    value = v;
  } else if (key == "$numberDouble") {
    if (!inner.is_string()) return BadEjson("$numberDouble must be a string");
    const std::string s = inner.get<std::string>();
    if (s == "Infinity" || s == "-Infinity" || s == "NaN") {
      value = s;  // JSON has no literal for these; keep the canonical text
    } else {
      size_t used = 0;
      double d = 0;
      try {
        d = std::stod(s, &used);
      } catch (...) {
        used = 0;
      }
      if (used == 0 || used != s.size() || !std::isfinite(d)) return BadEjson("$numberDouble is not a number");
      value = d;
    }
  } else if (key == "$date") {
    if (inner.is_object()) {
      json copy = inner;
      if (Status s = RelaxWrapper(copy); !s.ok()) return s;
      if (!copy.is_number_integer()) return BadEjson("$date must hold {\"$numberLong\": ...}");
      value = copy;
    } else if (inner.is_number_integer() || inner.is_string()) {
      json copy = inner;
      value = copy;
    } else {
      return BadEjson("$date must hold a number, an ISO-8601 string or {\"$numberLong\": ...}");
    }
  }
  return Status::Ok();
}
}  // namespace

bool IsJsonContentType(std::string_view value) {
  auto semi = value.find(';');
  std::string_view media = value.substr(0, semi);
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  while (!media.empty() && media.front() == ' ') media.remove_prefix(1);
  return IEquals(media, "application/json");
}

Status RelaxExtendedJson(json& value) {
  if (value.is_array()) {
    for (auto& v : value)
      if (Status s = RelaxExtendedJson(v); !s.ok()) return s;
  } else if (value.is_object()) {
    if (Status s = RelaxWrapper(value); !s.ok()) return s;
    if (value.is_object()) {
      for (auto& [k, v] : value.items())
        if (Status s = RelaxExtendedJson(v); !s.ok()) return s;
    }
  }
  return Status::Ok();
}

core::Result<json> ParseJsonObjectBody(const Request& req) {
  if (req.body().empty()) return json::object();
  auto ct = req.find(bhttp::field::content_type);
  if (ct == req.end() || !IsJsonContentType(Sv(ct->value())))
    return Status::Make(core::Code::kUnsupportedMediaType, ErrorCode::kBadRequest,
                        "expected a request body with Content-Type application/json");
  if (!core::JsonNestingWithin(req.body()))
    return Status::InvalidArgument(ErrorCode::kBadRequest, "request body nests arrays and objects deeper than " +
                                                               std::to_string(core::kMaxJsonNesting) + " levels");
  // nlohmann's parser takes a NUL byte for the end of its input, so
  // "{}\0anything" would read as {}; a raw NUL is never valid JSON.
  json doc = req.body().find('\0') == std::string::npos ? json::parse(req.body(), nullptr, /*allow_exceptions=*/false)
                                                        : json(json::value_t::discarded);
  if (doc.is_discarded()) return Status::InvalidArgument(ErrorCode::kBadRequest, "request body is not valid JSON");
  if (!doc.is_object()) return Status::InvalidArgument(ErrorCode::kBadRequest, "request body must be a JSON object");
  if (Status s = RelaxExtendedJson(doc); !s.ok()) return s;
  // A top-level wrapper such as {"$numberInt": "5"} relaxes to a non-object.
  if (!doc.is_object()) return Status::InvalidArgument(ErrorCode::kBadRequest, "request body must be a JSON object");
  return doc;
}

}  // namespace guestpass::http
