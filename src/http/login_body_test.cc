// login_body_test.cc: the login body's short path answers exactly as the
// general path (a JSON document) for every body, taken or not, and the SDKs'
// bodies do take it.
#include "http/login_body.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace guestpass::http {
namespace {

Request Post(std::string body, std::string content_type = "application/json") {
  Request req{bhttp::verb::post, "/api/client/v2.0/app/a/auth/providers/anon-user/login", 11};
  if (!content_type.empty()) req.set(bhttp::field::content_type, content_type);
  req.body() = std::move(body);
  req.prepare_payload();
  return req;
}

// Both paths, compared field by field; returns the short path's answer.
core::Result<LoginBody> Both(const Request& req) {
  auto fast = ReadLoginBody(req, /*short_path=*/true);
  auto general = ReadLoginBody(req, /*short_path=*/false);
  EXPECT_EQ(fast.ok(), general.ok()) << req.body();
  if (!fast.ok() || !general.ok()) {
    if (!fast.ok() && !general.ok()) {
      EXPECT_EQ(fast.status().ToString(), general.status().ToString()) << req.body();
    }
    return fast;
  }
  EXPECT_EQ(fast->device.present, general->device.present) << req.body();
  EXPECT_EQ(fast->device.requested_id.ToHex(), general->device.requested_id.ToHex()) << req.body();
  EXPECT_EQ(fast->device.json, general->device.json) << req.body();
  EXPECT_EQ(fast->credentials, general->credentials) << req.body();
  return fast;
}

TEST(LoginBody, WhatTheSdksSend) {
  auto r = Both(Post(R"({"options":{"device":{"sdkVersion":"2.0.1","platform":"node","platformVersion":"20"}}})"));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->device.present);
  EXPECT_TRUE(r->device.requested_id.IsZero());
  EXPECT_EQ(r->device.json, R"({"platform":"node","platformVersion":"20","sdkVersion":"2.0.1"})");
  EXPECT_EQ(r->credentials, nlohmann::json::object());

  r = Both(Post(R"({"options":{"device":{"deviceId":"65536f0a1b2c3d4e5f601234","platform":"web"}}})"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->device.requested_id.ToHex(), "65536f0a1b2c3d4e5f601234");
  EXPECT_EQ(r->device.json, R"({"platform":"web"})");
}

TEST(LoginBody, BothPathsAgreeOnEveryShape) {
  const std::string id = "65536f0a1b2c3d4e5f601234";
  const std::vector<std::string> bodies = {
      "",
      "{}",
      R"({"options":{"device":{}}})",
      R"({"options":{"device":{"deviceId":")" + id + R"("}}})",
      R"({"options":{"device":{"b":"2","a":"1","C":"0","_":"x"}}})",
      R"({"options":{"device":{"a":"1","a":"2"}}})",                    // duplicate key
      R"({"options":{"device":{"deviceId":")" + id + R"(","deviceId":")" + id + R"("}}})",
      R"({"options":{"device":{"deviceId":"not-hex"}}})",               // 400
      R"({"options":{"device":{"deviceId":"65536F0A1B2C3D4E5F601234"}}})",  // upper-case hex
      R"({"options":{"device":{"deviceId":5}}})",                        // 400
      R"({"options":{"device":{"deviceId":{"$oid":")" + id + R"("}}}})",  // Extended JSON
      R"({"options":{"device":{"$oid":")" + id + R"("}}})",             // a wrapper: not an object
      R"({"options":{"device":{"n":{"$numberInt":"5"}}}})",
      R"({"options":{"device":{"s":"caf\u00e9","t":"a\"b","u":"é"}}})",
      R"({"options":{"device":{"s":"a/b","t":"~","u":"}}}"}}})",
      R"({"options":{"device":{"":"empty key"}}})",
      R"({"options":{"device":{"x":"1"},"other":true}})",
      R"({"options":{"device":{"x":"1"}},"extra":"credential"})",
      R"({"options":{"device":{"x":"1"}}} )",
      R"( {"options":{"device":{"x":"1"}}})",
      R"({"options": {"device": {"x": "1"}}})",
      R"({"options":{"device":{"x":"1",}}})",                            // 400
      R"({"options":{"device":{"x":"1""y":"2"}}})",                      // 400
      R"({"options":{"device":{"x":"1"}}}}")",                           // 400
      R"({"options":{"device":{"x":"1"})",                               // 400
      R"({"options":{"device":{"x"}}})",                                 // 400
      R"({"options":{"device":{"x":1}}})",
      R"({"options":{"device":{"x":null}}})",
      R"({"options":{"device":null}})",
      R"({"options":null})",
      R"({"options":{"device":[]}})",                                    // 400
      R"({"options":[]})",                                               // 400
      R"({"options":{"device":{"x":"tab	here"}}})",                    // raw control character: 400
      "{\"options\":{\"device\":{\"x\":\"\x7f\"}}}",
      "{\"options\":{\"device\":{\"x\":\"\xff\"}}}",                     // not UTF-8: 400
      R"([])",                                                           // 400
  };
  for (const std::string& body : bodies) Both(Post(body));
}

// The bodies the SDKs send take the short path (else it would be dead code
// that the differential test above could not tell from a working one); any
// other shape is left to the general path.
TEST(LoginBody, TheSdksBodiesTakeTheShortPath) {
  const std::vector<std::string> taken = {
      // realm-web / realm-js: JSON.stringify of {options: {device: deviceInfo}}
      R"({"options":{"device":{"appId":"myapp-abcde","appVersion":"1.0","platform":"chrome",)"
      R"("platformVersion":"120.0.0","sdkVersion":"2.0.1"}}})",
      R"({"options":{"device":{"deviceId":"65536f0a1b2c3d4e5f601234","platform":"node","sdkVersion":"12.0.0"}}})",
      R"({"options":{"device":{"sdkVersion":"2.0.1","platform":"node","platformVersion":"20"}}})",  // bench/lua
      R"({"options":{"device":{}}})",
  };
  for (const std::string& body : taken) {
    auto fast = detail::ReadShortLoginBody(body);
    ASSERT_TRUE(fast.has_value()) << body;
    auto general = ReadLoginBody(Post(body), /*short_path=*/false);
    ASSERT_TRUE(general.ok()) << body;
    EXPECT_EQ(fast->device.json, general->device.json) << body;
    EXPECT_EQ(fast->device.requested_id.ToHex(), general->device.requested_id.ToHex()) << body;
  }
  const std::vector<std::string> general = {
      "{}",
      R"({"options": {"device": {"x": "1"}}})",               // whitespace
      R"({"options":{"device":{"a":"1","a":"2"}}})",          // duplicate key
      R"({"options":{"device":{"n":1}}})",                    // not a string
      R"({"options":{"device":{"s":"a"b"}}})",               // an escape
      R"({"options":{"device":{"$oid":"65536f0a1b2c3d4e5f601234"}}})",
      R"({"options":{"device":{"x":"1"}},"extra":"credential"})",
  };
  for (const std::string& body : general) EXPECT_FALSE(detail::ReadShortLoginBody(body).has_value()) << body;
}

TEST(LoginBody, ContentTypes) {
  const std::string body = R"({"options":{"device":{"platform":"web"}}})";
  for (const std::string type : {"application/json", "APPLICATION/JSON", "application/json; charset=utf-8",
                                  "text/plain", ""}) {
    auto r = Both(Post(body, type));
    if (type == "text/plain" || type.empty()) {
      ASSERT_FALSE(r.ok()) << type;
      EXPECT_EQ(r.status().code(), core::Code::kUnsupportedMediaType);
    } else {
      ASSERT_TRUE(r.ok()) << type;
      EXPECT_EQ(r->device.json, R"({"platform":"web"})");
    }
  }
  auto empty = Both(Post("", ""));  // an empty body needs no content type
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->device.present);
}

}  // namespace
}  // namespace guestpass::http
