// status.cc: Status formatting for logs and test failures.
#include "core/status.h"

namespace guestpass::core {

namespace {
const char* CodeName(Code code) {
  switch (code) {
    case Code::kOk:
      return "OK";
    case Code::kInvalidArgument:
      return "InvalidArgument";
    case Code::kUnauthenticated:
      return "Unauthenticated";
    case Code::kPermissionDenied:
      return "PermissionDenied";
    case Code::kNotFound:
      return "NotFound";
    case Code::kMethodNotAllowed:
      return "MethodNotAllowed";
    case Code::kAlreadyExists:
      return "AlreadyExists";
    case Code::kPayloadTooLarge:
      return "PayloadTooLarge";
    case Code::kUnsupportedMediaType:
      return "UnsupportedMediaType";
    case Code::kRateLimited:
      return "RateLimited";
    case Code::kInternal:
      return "Internal";
    case Code::kUnimplemented:
      return "Unimplemented";
    case Code::kUnavailable:
      return "Unavailable";
  }
  return "Unknown";
}
}  // namespace

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out = CodeName(code_);
  out += "(";
  out += ErrorCodeName(error_code_);
  out += "): ";
  out += message_;
  return out;
}

}  // namespace guestpass::core
