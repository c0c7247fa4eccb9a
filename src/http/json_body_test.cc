// json_body_test.cc: request-body parsing: content types, malformed and
// non-object bodies, and canonical Extended JSON relaxation.
#include "http/json_body.h"

#include <gtest/gtest.h>

namespace guestpass::http {
namespace {

using core::Code;
using core::ErrorCode;
using nlohmann::json;

Request MakeRequest(std::string body, const char* content_type) {
  Request req{bhttp::verb::post, "/api/client/v2.0/app/a1/auth/providers/anon-user/login", 11};
  if (content_type != nullptr) req.set(bhttp::field::content_type, content_type);
  req.body() = std::move(body);
  return req;
}

core::Result<json> Parse(std::string body, const char* content_type = "application/json") {
  return ParseJsonObjectBody(MakeRequest(std::move(body), content_type));
}

void ExpectBadRequest(const core::Result<json>& r, const std::string& message) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << r.status().ToString();
  EXPECT_EQ(r.status().error_code(), ErrorCode::kBadRequest);
  EXPECT_EQ(r.status().message(), message);
}

TEST(ParseJsonObjectBodyTest, EmptyBodyIsAnEmptyObjectWhateverTheContentType) {
  for (const char* type : {"application/json", "text/plain", static_cast<const char*>(nullptr)}) {
    auto r = Parse("", type);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(*r, json::object());
  }
}

TEST(ParseJsonObjectBodyTest, AcceptsJsonContentTypesWithParameters) {
  for (const char* type : {"application/json", "application/json;charset=utf-8", "application/json; charset=utf-8",
                           "Application/JSON", "application/json ; charset=UTF-8"}) {
    auto r = Parse(R"({"options":{"device":{"platform":"web"}}})", type);
    ASSERT_TRUE(r.ok()) << type << ": " << r.status().ToString();
    EXPECT_EQ((*r)["options"]["device"]["platform"], "web") << type;
  }
}

TEST(ParseJsonObjectBodyTest, OtherContentTypesAreUnsupported) {
  for (const char* type : {"text/plain", "application/jsonx", "application/x-www-form-urlencoded", "json",
                           static_cast<const char*>(nullptr)}) {
    auto r = Parse("{}", type);
    ASSERT_FALSE(r.ok()) << (type ? type : "(none)");
    EXPECT_EQ(r.status().code(), Code::kUnsupportedMediaType);
    EXPECT_EQ(r.status().error_code(), ErrorCode::kBadRequest);
  }
}

TEST(ParseJsonObjectBodyTest, MalformedJsonIsABadRequest) {
  ExpectBadRequest(Parse("{"), "request body is not valid JSON");
  ExpectBadRequest(Parse(R"({"a":1,})"), "request body is not valid JSON");
  ExpectBadRequest(Parse("{} {}"), "request body is not valid JSON");
}

// Found by fuzz/json_text_fuzzer.cc: nlohmann's parser stops at a NUL byte,
// so these read as {"a":1} until the body parser refused a NUL itself.
TEST(ParseJsonObjectBodyTest, ANulByteIsNotTheEndOfTheBody) {
  ExpectBadRequest(Parse(std::string("{\"a\":1}\0", 8)), "request body is not valid JSON");
  ExpectBadRequest(Parse(std::string("{\"a\":1}\0{\"admin\":true}", 22)), "request body is not valid JSON");
}

TEST(ParseJsonObjectBodyTest, NonObjectBodiesAreABadRequest) {
  ExpectBadRequest(Parse("[]"), "request body must be a JSON object");
  ExpectBadRequest(Parse(R"("text")"), "request body must be a JSON object");
  ExpectBadRequest(Parse("5"), "request body must be a JSON object");
  ExpectBadRequest(Parse("null"), "request body must be a JSON object");
}

TEST(ParseJsonObjectBodyTest, AWrapperThatRelaxesToAScalarIsNotAnObject) {
  ExpectBadRequest(Parse(R"({"$numberInt":"5"})"), "request body must be a JSON object");
  ExpectBadRequest(Parse(R"({"$oid":"0123456789abcdef01234567"})"), "request body must be a JSON object");
}

TEST(ParseJsonObjectBodyTest, MalformedExtendedJsonIsABadRequest) {
  ExpectBadRequest(Parse(R"({"$oid":"xyz"})"), "invalid Extended JSON: $oid must be a string of 24 hex digits");
  ExpectBadRequest(Parse(R"({"id":{"$oid":"xyz"}})"), "invalid Extended JSON: $oid must be a string of 24 hex digits");
  ExpectBadRequest(Parse(R"({"n":{"$numberInt":"2147483648"}})"),
                   "invalid Extended JSON: $numberInt must be a string holding a 32-bit integer");
  ExpectBadRequest(Parse(R"({"n":{"$numberInt":5}})"),
                   "invalid Extended JSON: $numberInt must be a string holding a 32-bit integer");
  ExpectBadRequest(Parse(R"({"n":{"$numberLong":"1.5"}})"),
                   "invalid Extended JSON: $numberLong must be a string holding a 64-bit integer");
  ExpectBadRequest(Parse(R"({"n":[{"$numberDouble":"abc"}]})"), "invalid Extended JSON: $numberDouble is not a number");
}

TEST(ParseJsonObjectBodyTest, RelaxesNestedExtendedJson) {
  auto r = Parse(R"({
    "options": {"device": {"deviceId": {"$oid": "0123456789abcdef01234567"}, "n": {"$numberInt": "-7"}}},
    "list": [{"$numberLong": "9007199254740993"}, {"$numberDouble": "1.5"}, {"$numberDouble": "Infinity"}],
    "when": {"$date": {"$numberLong": "1700000000000"}},
    "plain": {"$unknown": 1},
    "two": {"$oid": "xyz", "other": 1}
  })");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const json& doc = *r;
  EXPECT_EQ(doc["options"]["device"]["deviceId"], "0123456789abcdef01234567");
  EXPECT_EQ(doc["options"]["device"]["n"], -7);
  EXPECT_TRUE(doc["options"]["device"]["n"].is_number_integer());
  EXPECT_EQ(doc["list"][0].get<int64_t>(), 9007199254740993);
  EXPECT_EQ(doc["list"][1], 1.5);
  EXPECT_EQ(doc["list"][2], "Infinity");
  EXPECT_EQ(doc["when"].get<int64_t>(), 1700000000000);
  EXPECT_EQ(doc["plain"], json({{"$unknown", 1}}));
  EXPECT_EQ(doc["two"], json({{"$oid", "xyz"}, {"other", 1}}));
}

TEST(RelaxExtendedJsonTest, RelaxesATopLevelWrapper) {
  json v = json::parse(R"({"$numberInt":"5"})");
  ASSERT_TRUE(RelaxExtendedJson(v).ok());
  EXPECT_EQ(v, 5);
  EXPECT_TRUE(v.is_number_integer());

  json oid = json::parse(R"({"$oid":"0123456789ABCDEF01234567"})");
  ASSERT_TRUE(RelaxExtendedJson(oid).ok());
  EXPECT_EQ(oid, "0123456789ABCDEF01234567");
}

TEST(RelaxExtendedJsonTest, LeavesPlainJsonAlone) {
  const json original = json::parse(R"({"a":[1,"b",{"c":null}],"d":{"e":true}})");
  json v = original;
  ASSERT_TRUE(RelaxExtendedJson(v).ok());
  EXPECT_EQ(v, original);
}

}  // namespace
}  // namespace guestpass::http
