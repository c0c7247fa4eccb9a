// error_code.h: the App Services `error_code` strings guestpass sends.
// These strings are a wire contract: installed Realm SDKs match on them
// (shared/spec/client-api.md section 15.2). Never rename one.
#pragma once

#include <string_view>

namespace guestpass::core {

enum class ErrorCode {
  kNone,
  kInvalidSession,        // bad, expired or revoked token (always HTTP 401)
  kMissingAuthReq,        // no Authorization header where one is required
  kBadRequest,            // malformed request (JSON, EJSON, content type, size)
  kInvalidParameter,      // a well-formed request with an invalid value
  kMissingParameter,      // a required field is absent
  kAuthProviderNotFound,  // provider unknown, disabled or not implemented
  kAppNotFound,           // no app with that client app id
  kNotFound,              // no such route
  kMethodNotAllowed,      // route exists, method does not
  kUserNotFound,
  kAPIKeyNotFound,
  kAPIKeyAlreadyExists,
  kInvalidPassword,
  kAuthError,              // credentials of a custom token or API key are not valid
  kUserAppDomainMismatch,  // a token of another app on an app-scoped route
  kAccountNameInUse,      // register: the email is taken
  kUserpassTokenInvalid,  // confirm/reset: bad or expired token
  kUserAlreadyConfirmed,
  kTooManyRequests,  // a rate limit (HTTP 429 with Retry-After)
  kUserDisabled,
  kInternalServerError,
  kServiceUnavailable,
  kDraftAlreadyExists,   // Admin API: POST /drafts while the app has one
  kDeploymentNotFound,   // Admin API: no such deployment
  kDraftNotFound,        // Admin API: no such draft (deployed or discarded)
  kDeploymentFailed,     // Admin API: a configuration that cannot deploy
};

// Returns the wire string, e.g. "InvalidSession". kNone maps to "".
std::string_view ErrorCodeName(ErrorCode code);

}  // namespace guestpass::core
