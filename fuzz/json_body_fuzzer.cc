// json_body_fuzzer.cc: request bodies as every JSON route reads them,
// http::ParseJsonObjectBody (JSON, then canonical Extended JSON relaxed to
// plain values; http/json_body.h).
// Input: the body; its first byte also picks the Content-Type (most inputs
// get application/json). Properties:
//  - a client's body is refused with 400 or 415, never anything else (a 500
//    would be a bug in guestpass, never the client's input);
//  - an accepted body is a JSON object (with no NUL byte, after which
//    nlohmann's parser would ignore the rest), serializes as valid UTF-8 JSON and
//    parses back to itself, and no Extended JSON wrapper is left in it.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "http/json_body.h"
#include "post_request.h"

namespace {

using guestpass::core::Code;
using nlohmann::json;

// A single-key object whose key is one of the wrappers RelaxExtendedJson replaces.
bool IsKnownWrapper(const json& value) {
  if (!value.is_object() || value.size() != 1) return false;
  const std::string& key = value.begin().key();
  return key == "$oid" || key == "$numberInt" || key == "$numberLong" || key == "$numberDouble" || key == "$date";
}

// Recursion is safe: the body passed the nesting guard (64 levels).
bool HasWrapper(const json& value) {
  if (IsKnownWrapper(value)) return true;
  if (value.is_structured())
    for (const auto& item : value)
      if (HasWrapper(item)) return true;
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const guestpass::http::Request req = guestpass::fuzz::PostRequest(data, size);

  const auto parsed = guestpass::http::ParseJsonObjectBody(req);
  if (!parsed.ok()) {
    const Code code = parsed.status().code();
    FUZZ_CHECK(code == Code::kInvalidArgument || code == Code::kUnsupportedMediaType, parsed.status().ToString());
    return 0;
  }
  FUZZ_CHECK(parsed->is_object(), body);
  // nlohmann's parser stops at a NUL byte: "{}\0junk" must not pass as {}.
  FUZZ_CHECK(body.find('\0') == std::string_view::npos, body);
  FUZZ_CHECK(!HasWrapper(*parsed), body);
  const std::string text = parsed->dump();  // throws (a crash) on invalid UTF-8
  FUZZ_CHECK(json::parse(text, nullptr, false) == *parsed, text);
  return 0;
}
