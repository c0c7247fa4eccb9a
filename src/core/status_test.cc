// status_test.cc: Status formatting, the error_code table and Result<T>.
#include "core/status.h"

#include <gtest/gtest.h>

#include <string>

namespace guestpass::core {
namespace {

TEST(StatusTest, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), Code::kOk);
  EXPECT_EQ(s.error_code(), ErrorCode::kNone);
  EXPECT_EQ(s.ToString(), "OK");
  EXPECT_EQ(Status::Ok().ToString(), "OK");
}

TEST(StatusTest, ToStringShowsCodeErrorCodeAndMessage) {
  EXPECT_EQ(Status::NotFound(ErrorCode::kUserNotFound, "user not found").ToString(),
            "NotFound(UserNotFound): user not found");
  EXPECT_EQ(Status::Unauthenticated(ErrorCode::kInvalidSession, "invalid session").ToString(),
            "Unauthenticated(InvalidSession): invalid session");
  EXPECT_EQ(Status::Internal("disk on fire").ToString(), "Internal(InternalServerError): disk on fire");
  EXPECT_EQ(Status::Unavailable("busy").ToString(), "Unavailable(ServiceUnavailable): busy");
  EXPECT_EQ(Status::Make(Code::kUnsupportedMediaType, ErrorCode::kBadRequest, "x").ToString(),
            "UnsupportedMediaType(BadRequest): x");
  EXPECT_EQ(Status::Make(Code::kMethodNotAllowed, ErrorCode::kNone, "").ToString(), "MethodNotAllowed(): ");
}

TEST(StatusTest, FactoriesSetTheirCode) {
  EXPECT_EQ(Status::InvalidArgument(ErrorCode::kBadRequest, "").code(), Code::kInvalidArgument);
  EXPECT_EQ(Status::PermissionDenied(ErrorCode::kAuthProviderNotFound, "").code(), Code::kPermissionDenied);
  EXPECT_EQ(Status::AlreadyExists(ErrorCode::kInvalidParameter, "").code(), Code::kAlreadyExists);
  EXPECT_EQ(Status::Unimplemented(ErrorCode::kAuthProviderNotFound, "").code(), Code::kUnimplemented);
  EXPECT_TRUE(Status::NotFound(ErrorCode::kNotFound, "").IsNotFound());
  EXPECT_FALSE(Status::Internal("").IsNotFound());
  EXPECT_FALSE(Status::Internal("").ok());
}

TEST(ErrorCodeTest, NamesAreTheAppServicesWireStrings) {
  EXPECT_EQ(ErrorCodeName(ErrorCode::kNone), "");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kInvalidSession), "InvalidSession");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kMissingAuthReq), "MissingAuthReq");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kBadRequest), "BadRequest");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kInvalidParameter), "InvalidParameter");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kMissingParameter), "MissingParameter");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kAuthProviderNotFound), "AuthProviderNotFound");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kAppNotFound), "AppNotFound");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kNotFound), "NotFound");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kMethodNotAllowed), "MethodNotAllowed");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kUserNotFound), "UserNotFound");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kUserDisabled), "UserDisabled");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kInternalServerError), "InternalServerError");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kServiceUnavailable), "ServiceUnavailable");
}

TEST(ResultTest, HoldsAValueOrAStatus) {
  Result<std::string> value = std::string("hello");
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(*value, "hello");
  EXPECT_EQ(value->size(), 5u);
  EXPECT_TRUE(value.status().ok());

  Result<std::string> error = Status::NotFound(ErrorCode::kUserNotFound, "gone");
  ASSERT_FALSE(error.ok());
  EXPECT_EQ(error.status().code(), Code::kNotFound);
  EXPECT_EQ(error.status().message(), "gone");
}

}  // namespace
}  // namespace guestpass::core
