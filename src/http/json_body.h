// json_body.h: request bodies: content-type checks, JSON parsing and
// canonical Extended JSON (the SDKs send EJSON, client-api.md section 2.2).
#pragma once

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "http/types.h"

namespace guestpass::http {

// True for "application/json" with any parameters (e.g. charset), in any case.
bool IsJsonContentType(std::string_view value);

// The body as a JSON object, with Extended JSON wrappers relaxed to plain
// values. An empty body (with any or no content type) is an empty object.
// Errors: 415 for a non-JSON content type, 400 for malformed JSON, a
// non-object, or malformed Extended JSON.
core::Result<nlohmann::json> ParseJsonObjectBody(const Request& req);

// Replaces {"$oid": hex} by the hex string, {"$numberInt"|"$numberLong": s}
// by integers, {"$numberDouble": s} by a double, {"$date": n} and
// {"$date": {"$numberLong": s}} by epoch milliseconds ({"$date": "<ISO-8601>"}
// keeps the string), recursively. Malformed wrappers are InvalidArgument.
core::Status RelaxExtendedJson(nlohmann::json& value);

}  // namespace guestpass::http
