// http_request_fuzzer.cc: raw bytes as a client sends them to the server:
// Beast's request parser under the server's limits (http/server.h
// ApplyRequestLimits, ReadFailureStatus), then the whole client API
// (http/api.h Api::Handle: the Host check, routing, handlers, bodies,
// tokens) over a memory store, as the transport does it, pipelined requests
// included. No sockets: the bytes are the whole connection.
// Input: HTTP/1.x bytes. "$ACCESS" and "$REFRESH" in them are replaced by the
// tokens of a fresh anonymous login, so authenticated routes are reached.
// Properties, for every request:
//  - an answer is never a 500 (that is a bug in guestpass, never the
//    client's input: a handler threw or returned Internal);
//  - a JSON answer parses, as valid UTF-8, and an error is the App
//    Services error body ({"error": string, "error_code": string});
//  - it carries an X-Request-Id, and its wire bytes (AppendWire) read back
//    through Beast's response parser as the same status and body;
//  - a Host header the server accepted cannot change the authority of the
//    URL the location endpoint builds from it.
#include <utility>  // before Boost 1.74's awaitable.hpp, which needs std::exchange

#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/http.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/app_registry.h"
#include "auth/auth_service.h"
#include "auth/providers/anon_user/anon_user_provider.h"
#include "auth/providers/api_key/api_key_provider.h"
#include "auth/providers/custom_token/custom_token_provider.h"
#include "core/clock.h"
#include "core/random.h"
#include "fuzz_check.h"
#include "http/api.h"
#include "http/host_header.h"
#include "http/server.h"
#include "log/logger.h"
#include "store/memory/memory_store.h"
#include "token/key_ring.h"
#include "token/token_service.h"

namespace {

namespace bhttp = guestpass::http::bhttp;
using guestpass::http::Request;
using guestpass::http::Response;
using guestpass::http::Sv;
using nlohmann::json;

constexpr char kApp[] = "myapp-abcde";

// The services of a server with one app (anonymous, API key and custom JWT
// logins), as http/api_test.cc builds them.
struct Server {
  Server() {
    guestpass::log::SetLevel(guestpass::log::Level::kWarn);
    keys->Add("65536f0a1b2c3d4e5f601234", std::vector<uint8_t>(32, 0x42));
    guestpass::core::App app;
    app.id = ids.Next();
    app.client_app_id = kApp;
    app.name = "myapp";
    app.created_at = clock.NowSeconds();
    app.providers = {
        {ids.Next(), "anon-user", "anon-user", false, "{}"},
        {ids.Next(), "api-key", "api-key", false, "{}"},
        {ids.Next(), "custom-token", "custom-token", false,
         R"({"signingAlgorithm":"HS256","signingKeys":["a-custom-jwt-secret-of-32-bytes!"],"audience":"myapp"})",
         R"([{"name":"email","required":false}])"},
        {ids.Next(), "local-userpass", "local-userpass", true, "{}"},  // no service behind it here
    };
    registry.Replace({app});
  }

  guestpass::core::ManualClock clock{1'700'000'000};
  guestpass::core::SeededRandom random{77};
  guestpass::core::ObjectIdGenerator ids{clock, random};
  guestpass::store::memory::MemoryStore store;
  std::shared_ptr<guestpass::token::KeyRing> keys = std::make_shared<guestpass::token::KeyRing>();
  guestpass::token::TokenService tokens{keys, clock};
  guestpass::auth::AppRegistry registry;
  guestpass::auth::AnonUserProvider anon_user{ids, random};
  guestpass::auth::ApiKeyProvider api_key{store};
  guestpass::auth::custom_token::JwkCache jwks{600, 30, &clock};
  guestpass::auth::custom_token::Verifier verifier{clock, jwks};
  guestpass::auth::CustomTokenProvider custom_token{verifier};
  guestpass::auth::ProviderRegistry providers{&anon_user, &api_key, &custom_token};
  guestpass::auth::AuthService auth{store, tokens, registry, clock, ids, random, providers};
  guestpass::http::Api api{guestpass::http::Services{auth, registry, nullptr, "", nullptr, nullptr, {}}};
};

Server& Get() {
  static Server* server = new Server();  // never destroyed: libFuzzer may exit from any thread
  return *server;
}

Response Handle(Request req) {
  boost::asio::io_context ioc;
  std::optional<Response> out;
  boost::asio::co_spawn(ioc, Get().api.Handle(std::move(req)), [&](std::exception_ptr e, Response res) {
    if (e) guestpass::fuzz::Fail("Api::Handle threw", __FILE__, __LINE__, "");
    out = std::move(res);
  });
  ioc.run();
  if (!out) guestpass::fuzz::Fail("Api::Handle did not finish", __FILE__, __LINE__, "");
  return std::move(*out);
}

// The bytes with $ACCESS and $REFRESH replaced by a fresh login's tokens.
std::string WithTokens(std::string_view input) {
  std::string bytes(input);
  if (bytes.find("$ACCESS") == std::string::npos && bytes.find("$REFRESH") == std::string::npos) return bytes;
  Request login{bhttp::verb::post, std::string("/api/client/v2.0/app/") + kApp + "/auth/providers/anon-user/login", 11};
  login.set(bhttp::field::host, "localhost");
  const Response res = Handle(std::move(login));
  const json body = json::parse(res.body(), nullptr, false);
  if (res.result() != bhttp::status::ok || !body.is_object())
    guestpass::fuzz::Fail("the fixture's login failed", __FILE__, __LINE__, res.body());
  for (const auto& [mark, field] : {std::pair{"$ACCESS", "access_token"}, std::pair{"$REFRESH", "refresh_token"}}) {
    const std::string token = body.value(field, "");
    for (size_t at = bytes.find(mark); at != std::string::npos; at = bytes.find(mark, at + token.size()))
      bytes.replace(at, std::string_view(mark).size(), token);
  }
  return bytes;
}

// The location endpoint answers http://<Host>: a Host the server accepts
// must not end or change a URL's authority (RFC 3986 section 3.2), nor be
// anything but printable ASCII.
bool KeepsUrlAuthority(std::string_view host) {
  if (host.empty()) return false;
  for (const unsigned char c : host)
    if (c <= 0x20 || c >= 0x7f || c == '/' || c == '?' || c == '#' || c == '@' || c == '\\') return false;
  return true;
}

void CheckResponse(const Response& res, std::string_view input) {
  FUZZ_CHECK(res.result() != bhttp::status::internal_server_error, std::string(res.body()) + " <- " + std::string(input));
  FUZZ_CHECK(res.find("X-Request-Id") != res.end(), input);
  if (Sv(res[bhttp::field::content_type]) == "application/json") {
    FUZZ_CHECK(guestpass::fuzz::IsStrictUtf8(res.body()), res.body());
    const json body = json::parse(res.body(), nullptr, false);
    FUZZ_CHECK(!body.is_discarded(), res.body());
    if (res.result_int() >= 400) {
      FUZZ_CHECK(body.is_object() && body.contains("error") && body["error"].is_string(), res.body());
      FUZZ_CHECK(body.contains("error_code") && body["error_code"].is_string(), res.body());
    }
  }

  // The bytes the transport sends read back as this response.
  Response copy = res;
  if (copy.result() == bhttp::status::no_content)
    copy.body().clear();
  else
    copy.prepare_payload();
  std::string wire;
  guestpass::http::AppendWire(copy, wire);
  bhttp::response_parser<bhttp::string_body> back;
  back.eager(true);
  back.skip(false);
  boost::system::error_code ec;
  back.put(boost::asio::buffer(wire), ec);
  if (ec == bhttp::error::need_more) back.put_eof(ec);
  FUZZ_CHECK(!ec && back.is_done(), wire);
  FUZZ_CHECK(back.get().result() == copy.result() && back.get().body() == copy.body(), wire);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Get();
  const std::string bytes = WithTokens(std::string_view(reinterpret_cast<const char*>(data), size));
  boost::asio::const_buffer rest(bytes.data(), bytes.size());
  // Up to four pipelined requests, as one connection would carry them.
  for (int request = 0; request < 4 && rest.size() > 0; ++request) {
    bhttp::request_parser<bhttp::string_body> parser;
    guestpass::http::ApplyRequestLimits(parser);
    boost::system::error_code ec;
    // As http::read does: feed what there is; at the end of the bytes (the
    // client closed) tell the parser so.
    while (!parser.is_done()) {
      const size_t used = rest.size() == 0 ? 0 : parser.put(rest, ec);
      rest += used;
      if (ec == bhttp::error::need_more) ec = {};
      if (ec) break;
      if (used == 0) {
        parser.put_eof(ec);
        break;
      }
    }
    if (ec) {
      const auto failure = guestpass::http::ReadFailureStatus(ec);
      if (!failure) return 0;  // the server closes without an answer
      const Response res = Get().api.Reject(parser.get(), *failure);
      FUZZ_CHECK(res.result_int() == 400 || res.result_int() == 413, failure->ToString());
      CheckResponse(res, bytes);
      return 0;  // and closes the connection
    }
    if (!parser.is_done()) return 0;
    Request req = parser.release();
    if (req.count(bhttp::field::host) == 1 && guestpass::http::CheckHostHeader(req).ok())
      FUZZ_CHECK(KeepsUrlAuthority(Sv(req[bhttp::field::host])), bytes);
    const Response res = Handle(std::move(req));
    CheckResponse(res, bytes);
    if (!res.keep_alive()) return 0;
  }
  return 0;
}
