// login_body_fuzzer.cc: the login body's short path (http/login_body.cc),
// differentially against the general JSON path. login_body.h promises
// both give the same result for every body: the same accept or reject
// (with the same status), and the same device (present, requested id, the
// device JSON kept with the session) and credentials. And whatever the
// short path alone reads (detail::ReadShortLoginBody) must be what the
// general path reads from that body.
// Input: the body; its first byte also picks the Content-Type.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "http/login_body.h"
#include "post_request.h"

namespace {

using guestpass::http::LoginBody;

void CheckSame(const LoginBody& a, const LoginBody& b, std::string_view body) {
  FUZZ_CHECK(a.device.present == b.device.present, body);
  FUZZ_CHECK(a.device.requested_id == b.device.requested_id, body);
  FUZZ_CHECK(a.device.json == b.device.json, body);
  FUZZ_CHECK(a.credentials == b.credentials, body);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  guestpass::http::Request req = guestpass::fuzz::PostRequest(data, size);

  const auto fast = guestpass::http::ReadLoginBody(req, /*short_path=*/true);
  const auto general = guestpass::http::ReadLoginBody(req, /*short_path=*/false);
  FUZZ_CHECK(fast.ok() == general.ok(), body);
  if (!fast.ok()) {
    FUZZ_CHECK(fast.status().ToString() == general.status().ToString(), body);
  } else {
    CheckSame(*fast, *general, body);
  }

  if (const auto alone = guestpass::http::detail::ReadShortLoginBody(body)) {
    req.set(guestpass::http::bhttp::field::content_type, "application/json");
    const auto reference = guestpass::http::ReadLoginBody(req, /*short_path=*/false);
    FUZZ_CHECK(reference.ok(), body);
    CheckSame(*alone, *reference, body);
  }
  return 0;
}
