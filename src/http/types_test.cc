// types_test.cc: AppendWire writes exactly the bytes of Beast's serializer.
#include "http/types.h"

#include <gtest/gtest.h>

#include <sstream>

namespace guestpass::http {
namespace {

std::string BeastWire(const Response& res) {
  std::ostringstream out;
  out << res;
  return out.str();
}

std::string OurWire(const Response& res) {
  std::string out = "prefix";  // appends, keeps what is there
  AppendWire(res, out);
  EXPECT_EQ(out.substr(0, 6), "prefix");
  return out.substr(6);
}

TEST(AppendWire, MatchesBeastForJson) {
  Response res = JsonResponse(bhttp::status::ok, R"({"status":"ok"})");
  res.set("X-Request-Id", "abc-1");
  res.set(bhttp::field::access_control_allow_origin, "*");
  res.keep_alive(true);
  res.prepare_payload();
  EXPECT_EQ(OurWire(res), BeastWire(res));
  EXPECT_EQ(OurWire(res).substr(0, 17), "HTTP/1.1 200 OK\r\n");
}

TEST(AppendWire, MatchesBeastForErrorsCloseAndHttp10) {
  for (auto status : {bhttp::status::unauthorized, bhttp::status::not_found, bhttp::status::payload_too_large,
                      bhttp::status::too_many_requests, bhttp::status::internal_server_error}) {
    for (unsigned version : {10u, 11u}) {
      for (bool keep_alive : {false, true}) {
        Response res = JsonResponse(status, R"({"error":"x","error_code":"Y"})", version);
        res.keep_alive(keep_alive);
        res.prepare_payload();
        EXPECT_EQ(OurWire(res), BeastWire(res)) << static_cast<int>(status) << " " << version << " " << keep_alive;
      }
    }
  }
}

TEST(AppendWire, MatchesBeastForNoContentAndCustomReason) {
  Response empty = EmptyResponse(bhttp::status::no_content);
  empty.set(bhttp::field::access_control_allow_origin, "*");
  EXPECT_EQ(OurWire(empty), BeastWire(empty));
  EXPECT_EQ(OurWire(empty), "HTTP/1.1 204 No Content\r\nAccess-Control-Allow-Origin: *\r\n\r\n");

  Response custom = JsonResponse(bhttp::status::ok, "{}");
  custom.reason("Fine");
  custom.set("X-Unknown-Field", "v");
  custom.prepare_payload();
  EXPECT_EQ(OurWire(custom), BeastWire(custom));
}

TEST(AppendWire, LargeBody) {
  Response res = JsonResponse(bhttp::status::ok, "\"" + std::string(100000, 'a') + "\"");
  res.prepare_payload();
  EXPECT_EQ(OurWire(res), BeastWire(res));
}

}  // namespace
}  // namespace guestpass::http
