// error_response.cc: Status -> App Services error body.
#include "http/error_response.h"

#include "core/json_text.h"

namespace guestpass::http {

bhttp::status HttpStatusFor(core::Code code) {
  using core::Code;
  switch (code) {
    case Code::kOk:
      return bhttp::status::ok;
    case Code::kInvalidArgument:
      return bhttp::status::bad_request;
    case Code::kUnauthenticated:
      return bhttp::status::unauthorized;
    case Code::kPermissionDenied:
      return bhttp::status::forbidden;
    case Code::kNotFound:
      return bhttp::status::not_found;
    case Code::kMethodNotAllowed:
      return bhttp::status::method_not_allowed;
    case Code::kAlreadyExists:
      return bhttp::status::conflict;
    case Code::kPayloadTooLarge:
      return bhttp::status::payload_too_large;
    case Code::kUnsupportedMediaType:
      return bhttp::status::unsupported_media_type;
    case Code::kRateLimited:
      return bhttp::status::too_many_requests;
    case Code::kUnimplemented:
      return bhttp::status::not_implemented;
    case Code::kUnavailable:
      return bhttp::status::service_unavailable;
    case Code::kInternal:
      return bhttp::status::internal_server_error;
  }
  return bhttp::status::internal_server_error;
}

Response ErrorResponse(const core::Status& status, unsigned version) {
  std::string_view message = status.message();
  if (status.code() == core::Code::kInternal) message = "internal server error";
  if (status.code() == core::Code::kUnavailable) message = "service unavailable, try again later";
  std::string body = R"({"error":)";
  core::AppendJsonString(body, message);
  body += R"(,"error_code":)";
  auto code = core::ErrorCodeName(status.error_code());
  core::AppendJsonString(body, code.empty() ? "InternalServerError" : code);
  body += '}';
  return JsonResponse(HttpStatusFor(status.code()), std::move(body), version);
}

}  // namespace guestpass::http
