// status.h: Status and Result<T>, the error values every layer returns.
// A Status is a domain outcome (Code) plus the App Services error_code and a
// message that is safe to show a client. Only http/error_response.cc turns a
// Status into an HTTP reply. Exceptions never cross a module boundary.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

#include "core/error_code.h"

namespace guestpass::core {

enum class Code {
  kOk,
  kInvalidArgument,       // 400
  kUnauthenticated,       // 401: only for bad, expired or revoked tokens
  kPermissionDenied,      // 403
  kNotFound,              // 404
  kMethodNotAllowed,      // 405
  kAlreadyExists,         // 409
  kPayloadTooLarge,       // 413
  kUnsupportedMediaType,  // 415
  kRateLimited,           // 429
  kInternal,              // 500
  kUnimplemented,         // 501
  kUnavailable,           // 503
};

class Status {
 public:
  Status() = default;  // OK

  static Status Ok() { return Status(); }
  static Status InvalidArgument(ErrorCode ec, std::string msg) { return {Code::kInvalidArgument, ec, std::move(msg)}; }
  static Status Unauthenticated(ErrorCode ec, std::string msg) { return {Code::kUnauthenticated, ec, std::move(msg)}; }
  static Status PermissionDenied(ErrorCode ec, std::string msg) {
    return {Code::kPermissionDenied, ec, std::move(msg)};
  }
  static Status NotFound(ErrorCode ec, std::string msg) { return {Code::kNotFound, ec, std::move(msg)}; }
  static Status AlreadyExists(ErrorCode ec, std::string msg) { return {Code::kAlreadyExists, ec, std::move(msg)}; }
  static Status Unimplemented(ErrorCode ec, std::string msg) { return {Code::kUnimplemented, ec, std::move(msg)}; }
  static Status Internal(std::string msg) { return {Code::kInternal, ErrorCode::kInternalServerError, std::move(msg)}; }
  static Status Unavailable(std::string msg) {
    return {Code::kUnavailable, ErrorCode::kServiceUnavailable, std::move(msg)};
  }
  static Status Make(Code code, ErrorCode ec, std::string msg) { return {code, ec, std::move(msg)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  ErrorCode error_code() const { return error_code_; }
  const std::string& message() const { return message_; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }

  // For logs and tests: "NotFound(UserNotFound): user not found".
  std::string ToString() const;

 private:
  Status(Code code, ErrorCode ec, std::string msg) : code_(code), error_code_(ec), message_(std::move(msg)) {}

  Code code_ = Code::kOk;
  ErrorCode error_code_ = ErrorCode::kNone;
  std::string message_;
};

// Result<T> holds either a T or a non-OK Status.
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : value_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(value_).ok());
  }

  bool ok() const { return std::holds_alternative<T>(value_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(value_);
  }
  // REQUIRES: ok()
  T& value() & { return std::get<T>(value_); }
  const T& value() const& { return std::get<T>(value_); }
  T&& value() && { return std::get<T>(std::move(value_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }

 private:
  std::variant<Status, T> value_;
};

}  // namespace guestpass::core
