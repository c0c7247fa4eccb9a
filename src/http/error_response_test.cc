// error_response_test.cc: Status -> HTTP status and App Services error body.
#include "http/error_response.h"

#include <gtest/gtest.h>

namespace guestpass::http {
namespace {

using core::Code;
using core::ErrorCode;
using core::Status;

TEST(ErrorResponseTest, MapsEveryCodeToItsHttpStatus) {
  EXPECT_EQ(HttpStatusFor(Code::kOk), bhttp::status::ok);
  EXPECT_EQ(HttpStatusFor(Code::kInvalidArgument), bhttp::status::bad_request);
  EXPECT_EQ(HttpStatusFor(Code::kUnauthenticated), bhttp::status::unauthorized);
  EXPECT_EQ(HttpStatusFor(Code::kPermissionDenied), bhttp::status::forbidden);
  EXPECT_EQ(HttpStatusFor(Code::kNotFound), bhttp::status::not_found);
  EXPECT_EQ(HttpStatusFor(Code::kMethodNotAllowed), bhttp::status::method_not_allowed);
  EXPECT_EQ(HttpStatusFor(Code::kAlreadyExists), bhttp::status::conflict);
  EXPECT_EQ(HttpStatusFor(Code::kPayloadTooLarge), bhttp::status::payload_too_large);
  EXPECT_EQ(HttpStatusFor(Code::kUnsupportedMediaType), bhttp::status::unsupported_media_type);
  EXPECT_EQ(HttpStatusFor(Code::kRateLimited), bhttp::status::too_many_requests);
  EXPECT_EQ(HttpStatusFor(Code::kInternal), bhttp::status::internal_server_error);
  EXPECT_EQ(HttpStatusFor(Code::kUnimplemented), bhttp::status::not_implemented);
  EXPECT_EQ(HttpStatusFor(Code::kUnavailable), bhttp::status::service_unavailable);
}

TEST(ErrorResponseTest, BodyCarriesMessageAndErrorCode) {
  Response res = ErrorResponse(Status::Unauthenticated(ErrorCode::kInvalidSession, "invalid session"));
  EXPECT_EQ(res.result(), bhttp::status::unauthorized);
  EXPECT_EQ(res.body(), R"({"error":"invalid session","error_code":"InvalidSession"})");
  EXPECT_EQ(Sv(res[bhttp::field::content_type]), "application/json");
  EXPECT_EQ(res.version(), 11u);
}

TEST(ErrorResponseTest, EscapesTheMessage) {
  Response res = ErrorResponse(Status::NotFound(ErrorCode::kAppNotFound, "cannot find app \"x\\y\"\n"));
  EXPECT_EQ(res.result(), bhttp::status::not_found);
  EXPECT_EQ(res.body(), R"({"error":"cannot find app \"x\\y\"\n","error_code":"AppNotFound"})");
}

TEST(ErrorResponseTest, InternalErrorsHideTheirMessage) {
  Response res = ErrorResponse(Status::Internal("sqlite: disk I/O error at /var/lib/secret.db"));
  EXPECT_EQ(res.result(), bhttp::status::internal_server_error);
  EXPECT_EQ(res.body(), R"({"error":"internal server error","error_code":"InternalServerError"})");
  EXPECT_EQ(Sv(res[bhttp::field::content_type]), "application/json");
}

TEST(ErrorResponseTest, UnavailableHidesItsMessageAndUnimplementedShowsIt) {
  Response unavailable = ErrorResponse(Status::Unavailable("commit failed: disk I/O error"));
  EXPECT_EQ(unavailable.result(), bhttp::status::service_unavailable);
  EXPECT_EQ(unavailable.body(),
            R"({"error":"service unavailable, try again later","error_code":"ServiceUnavailable"})");
  Response unimplemented = ErrorResponse(Status::Unimplemented(ErrorCode::kAuthProviderNotFound, "not yet"));
  EXPECT_EQ(unimplemented.result(), bhttp::status::not_implemented);
  EXPECT_EQ(unimplemented.body(), R"({"error":"not yet","error_code":"AuthProviderNotFound"})");
}

TEST(ErrorResponseTest, AStatusWithoutErrorCodeStillSendsOne) {
  Response res = ErrorResponse(Status::Make(Code::kRateLimited, ErrorCode::kNone, "slow down"));
  EXPECT_EQ(res.result(), bhttp::status::too_many_requests);
  EXPECT_EQ(res.body(), R"({"error":"slow down","error_code":"InternalServerError"})");
}

TEST(ErrorResponseTest, KeepsTheRequestsHttpVersion) {
  EXPECT_EQ(ErrorResponse(Status::Internal("x"), 10).version(), 10u);
}

}  // namespace
}  // namespace guestpass::http
