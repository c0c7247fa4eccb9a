// error_code.cc: the one table of App Services error_code strings.
#include "core/error_code.h"

namespace guestpass::core {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kNone:
      return "";
    case ErrorCode::kInvalidSession:
      return "InvalidSession";
    case ErrorCode::kMissingAuthReq:
      return "MissingAuthReq";
    case ErrorCode::kBadRequest:
      return "BadRequest";
    case ErrorCode::kInvalidParameter:
      return "InvalidParameter";
    case ErrorCode::kMissingParameter:
      return "MissingParameter";
    case ErrorCode::kAuthProviderNotFound:
      return "AuthProviderNotFound";
    case ErrorCode::kAppNotFound:
      return "AppNotFound";
    case ErrorCode::kNotFound:
      return "NotFound";
    case ErrorCode::kMethodNotAllowed:
      return "MethodNotAllowed";
    case ErrorCode::kUserNotFound:
      return "UserNotFound";
    case ErrorCode::kAPIKeyNotFound:
      return "APIKeyNotFound";
    case ErrorCode::kAPIKeyAlreadyExists:
      return "APIKeyAlreadyExists";
    case ErrorCode::kInvalidPassword:
      return "InvalidPassword";
    case ErrorCode::kAuthError:
      return "AuthError";
    case ErrorCode::kUserAppDomainMismatch:
      return "UserAppDomainMismatch";
    case ErrorCode::kAccountNameInUse:
      return "AccountNameInUse";
    case ErrorCode::kUserpassTokenInvalid:
      return "UserpassTokenInvalid";
    case ErrorCode::kUserAlreadyConfirmed:
      return "UserAlreadyConfirmed";
    case ErrorCode::kTooManyRequests:
      return "TooManyRequests";
    case ErrorCode::kUserDisabled:
      return "UserDisabled";
    case ErrorCode::kInternalServerError:
      return "InternalServerError";
    case ErrorCode::kServiceUnavailable:
      return "ServiceUnavailable";
    case ErrorCode::kDraftAlreadyExists:
      return "DraftAlreadyExists";
    case ErrorCode::kDeploymentNotFound:
      return "DeploymentNotFound";
    case ErrorCode::kDraftNotFound:
      return "DraftNotFound";
    case ErrorCode::kDeploymentFailed:
      return "DeploymentFailed";
  }
  return "InternalServerError";
}

}  // namespace guestpass::core
