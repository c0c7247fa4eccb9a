// host_header_test.cc: which Host values and header counts pass.
#include "http/host_header.h"

#include <gtest/gtest.h>

namespace guestpass::http {
namespace {

TEST(HostHeaderTest, HostsWithAndWithoutPortsPass) {
  for (const char* ok : {"localhost", "localhost:9090", "auth.example.org", "127.0.0.1:8080", "[::1]", "[::1]:443",
                         "[2001:db8::7]:80", "xn--bcher-kva.example", "a_b.example"})
    EXPECT_TRUE(IsValidHost(ok)) << ok;
}

TEST(HostHeaderTest, AnythingElseFails) {
  for (const char* bad : {"", "a b", "a\"b", "host:", "host:port", "host:123456", ":80", "[::1", "[::1]x", "[zz::1]",
                          "user@host", "host/path", "\xff\xfe", "h\tx", "[]"})
    EXPECT_FALSE(IsValidHost(bad)) << testing::PrintToString(std::string(bad));
}

TEST(HostHeaderTest, AnHttp11RequestNeedsExactlyOneHost) {
  Request req{bhttp::verb::get, "/healthz", 11};
  EXPECT_EQ(CheckHostHeader(req).code(), core::Code::kInvalidArgument) << "missing";
  req.set(bhttp::field::host, "example.org");
  EXPECT_TRUE(CheckHostHeader(req).ok());
  req.insert(bhttp::field::host, "other.org");
  EXPECT_EQ(CheckHostHeader(req).message(), "more than one Host header");
  Request old{bhttp::verb::get, "/healthz", 10};
  EXPECT_TRUE(CheckHostHeader(old).ok()) << "HTTP/1.0 may omit it";
}

}  // namespace
}  // namespace guestpass::http
