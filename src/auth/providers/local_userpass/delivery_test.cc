// delivery_test.cc: token delivery by webhook (against a small Beast HTTP
// server on 127.0.0.1) and by SMTP (against a fake SMTP server on 127.0.0.1),
// the email message format, and parsing of the "smtp" settings.
#include "auth/providers/local_userpass/delivery.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace guestpass::auth::local_userpass {
namespace {

using core::Code;
using core::ErrorCode;
using core::Result;
using core::Status;
using nlohmann::json;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr auto kCallbackDeadline = std::chrono::seconds(20);

// ---- Helpers ----

std::string Hex(const unsigned char* data, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < size; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 0xf];
  }
  return out;
}

std::string HmacSha256Hex(const std::string& key, const std::string& data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), mac, &mac_size);
  return Hex(mac, mac_size);
}

std::string Base64Decode(const std::string& text) {
  std::string out(text.size() / 4 * 3, '\0');
  const int size = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                   reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (size < 0) return "<invalid base64>";
  size_t padding = 0;
  while (padding < text.size() && text[text.size() - 1 - padding] == '=') ++padding;
  out.resize(size - padding);
  return out;
}

// A port nothing listens on (bound, then closed again).
unsigned short ClosedPort() {
  asio::io_context ioc;
  tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

// Runs `start(done)` and waits for `done`; a missing callback is an Internal status.
template <typename T>
T Await(const std::function<void(std::function<void(T)>)>& start) {
  auto promise = std::make_shared<std::promise<T>>();
  auto future = promise->get_future();
  start([promise](T value) { promise->set_value(std::move(value)); });
  if (future.wait_for(kCallbackDeadline) != std::future_status::ready) return Status::Internal("no callback in time");
  return future.get();
}

Status SendAndWait(Delivery& delivery, const SmtpSettings& smtp, Email email) {
  return Await<Status>([&](std::function<void(Status)> done) { delivery.SendEmail(smtp, email, std::move(done)); });
}

Result<WebhookResponse> PostAndWait(Delivery& delivery, WebhookRequest request) {
  return Await<Result<WebhookResponse>>([&](std::function<void(Result<WebhookResponse>)> done) {
    delivery.PostWebhook(std::move(request), std::move(done));
  });
}

// Stops a server thread blocked in accept() by connecting to it.
void WakeAcceptor(unsigned short port) {
  asio::io_context ioc;
  tcp::socket wake(ioc);
  boost::system::error_code ec;
  wake.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
}

// ---- A webhook receiver: one request per connection, records each ----

struct ReceivedRequest {
  std::string method;
  std::string target;
  std::string content_type;
  std::string signature;  // X-Guestpass-Signature, "" if absent
  bool has_signature = false;
  std::string body;
};

struct ScriptedResponse {
  http::status status = http::status::ok;
  std::string content_type = "application/json";
  std::string body = R"({"status":"success"})";
  std::string location;  // Location header if non-empty
};

class WebhookServer {
 public:
  WebhookServer() : acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { Serve(); });
  }
  ~WebhookServer() {
    stopping_ = true;
    WakeAcceptor(port_);
    thread_.join();
  }

  std::string url(const std::string& path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  void Answer(ScriptedResponse response) {
    std::lock_guard lock(mutex_);
    response_ = std::move(response);
  }
  std::vector<ReceivedRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  void Serve() {
    for (;;) {
      tcp::socket socket(ioc_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec || stopping_) return;
      beast::flat_buffer buffer;
      http::request<http::string_body> request;
      http::read(socket, buffer, request, ec);
      if (ec) continue;
      http::response<http::string_body> response;
      {
        std::lock_guard lock(mutex_);
        ReceivedRequest received;
        received.method = std::string(request.method_string());
        received.target = std::string(request.target());
        received.content_type = std::string(request[http::field::content_type]);
        received.has_signature = request.find("X-Guestpass-Signature") != request.end();
        received.signature = std::string(request["X-Guestpass-Signature"]);
        received.body = request.body();
        requests_.push_back(std::move(received));
        response.result(response_.status);
        response.body() = response_.body;
        response.set(http::field::content_type, response_.content_type);
        if (!response_.location.empty()) response.set(http::field::location, response_.location);
      }
      response.version(request.version());
      response.keep_alive(false);
      response.prepare_payload();
      http::write(socket, response, ec);
      socket.shutdown(tcp::socket::shutdown_both, ec);
    }
  }

  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  mutable std::mutex mutex_;  // guards requests_ and response_
  std::vector<ReceivedRequest> requests_;
  ScriptedResponse response_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

// ---- A fake SMTP server: just enough of RFC 5321 for libcurl ----

struct SmtpSession {
  std::vector<std::string> commands;  // every command line, in order
  std::string auth_plain;             // base64 AUTH PLAIN credentials, if any
  std::string mail_from;              // the MAIL FROM argument, e.g. "<a@b>"
  std::vector<std::string> rcpt_to;   // the accepted RCPT TO arguments
  std::string data;                   // the message, dot-unstuffed, without the final "."
};

class SmtpServer {
 public:
  SmtpServer() : acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { Serve(); });
  }
  ~SmtpServer() {
    stopping_ = true;
    WakeAcceptor(port_);
    thread_.join();
  }

  SmtpSettings settings() const {
    SmtpSettings smtp;
    smtp.url = "smtp://127.0.0.1:" + std::to_string(port_);
    smtp.from = "noreply@guestpass.test";
    return smtp;
  }
  // The reply to every RCPT TO, e.g. "550 5.1.1 no such user".
  void SetRcptReply(std::string reply) {
    std::lock_guard lock(mutex_);
    rcpt_reply_ = std::move(reply);
  }
  void AdvertiseAuthPlain() {
    std::lock_guard lock(mutex_);
    advertise_auth_ = true;
  }
  std::vector<SmtpSession> sessions() const {
    std::lock_guard lock(mutex_);
    return sessions_;
  }

 private:
  void Serve() {
    for (;;) {
      tcp::socket socket(ioc_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec || stopping_) return;
      size_t index;
      {
        std::lock_guard lock(mutex_);
        index = sessions_.size();
        sessions_.emplace_back();
      }
      Converse(socket, index);
      socket.shutdown(tcp::socket::shutdown_both, ec);
    }
  }

  void Converse(tcp::socket& socket, size_t index) {
    boost::system::error_code ec;
    std::string buffer;
    auto read_until = [&](std::string_view delimiter, std::string* out) {
      const size_t size = asio::read_until(socket, asio::dynamic_buffer(buffer), delimiter, ec);
      if (ec) return false;
      *out = buffer.substr(0, size - delimiter.size());
      buffer.erase(0, size);
      return true;
    };
    auto reply = [&](const std::string& text) { asio::write(socket, asio::buffer(text), ec); };
    auto record = [&](auto&& change) {
      std::lock_guard lock(mutex_);
      change(sessions_[index]);
    };
    auto starts_with = [](const std::string& line, std::string_view prefix) {
      if (line.size() < prefix.size()) return false;
      for (size_t i = 0; i < prefix.size(); ++i)
        if (std::toupper(static_cast<unsigned char>(line[i])) != prefix[i]) return false;
      return true;
    };

    reply("220 fake.test ESMTP\r\n");
    std::string line;
    while (!ec && read_until("\r\n", &line)) {
      record([&](SmtpSession& session) { session.commands.push_back(line); });
      if (starts_with(line, "EHLO")) {
        std::lock_guard lock(mutex_);
        reply(advertise_auth_ ? "250-fake.test\r\n250 AUTH PLAIN\r\n" : "250 fake.test\r\n");
      } else if (starts_with(line, "AUTH PLAIN")) {
        std::string credentials = line.size() > 11 ? line.substr(11) : "";
        if (credentials.empty()) {
          reply("334 \r\n");
          if (!read_until("\r\n", &credentials)) return;
        }
        record([&](SmtpSession& session) { session.auth_plain = credentials; });
        reply("235 2.7.0 accepted\r\n");
      } else if (starts_with(line, "MAIL FROM:")) {
        record([&](SmtpSession& session) { session.mail_from = line.substr(10, line.find(' ', 10) - 10); });
        reply("250 2.1.0 ok\r\n");
      } else if (starts_with(line, "RCPT TO:")) {
        std::string answer;
        {
          std::lock_guard lock(mutex_);
          answer = rcpt_reply_;
          if (answer.starts_with("250")) sessions_[index].rcpt_to.push_back(line.substr(8));
        }
        reply(answer + "\r\n");
      } else if (starts_with(line, "DATA")) {
        reply("354 end with <CRLF>.<CRLF>\r\n");
        std::string raw;
        if (!read_until("\r\n.\r\n", &raw)) return;
        raw += "\r\n";
        // Undo the transparency dots (RFC 5321 section 4.5.2).
        std::string data;
        size_t pos = 0;
        while (pos < raw.size()) {
          size_t end = raw.find("\r\n", pos);
          if (raw[pos] == '.') ++pos;
          data += raw.substr(pos, end + 2 - pos);
          pos = end + 2;
        }
        record([&](SmtpSession& session) { session.data = data; });
        reply("250 2.0.0 queued\r\n");
      } else if (starts_with(line, "QUIT")) {
        reply("221 2.0.0 bye\r\n");
        return;
      } else if (starts_with(line, "RSET") || starts_with(line, "NOOP")) {
        reply("250 2.0.0 ok\r\n");
      } else {
        reply("502 5.5.2 not implemented\r\n");
      }
    }
  }

  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  mutable std::mutex mutex_;  // guards the fields below
  std::vector<SmtpSession> sessions_;
  std::string rcpt_reply_ = "250 2.1.5 ok";
  bool advertise_auth_ = false;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

// The value of the first header `name` in a message, "" if absent.
std::string HeaderValue(const std::string& message, const std::string& name) {
  const std::string head = "\r\n" + message.substr(0, message.find("\r\n\r\n") + 2);
  const size_t start = head.find("\r\n" + name + ": ");
  if (start == std::string::npos) return "";
  const size_t value = start + name.size() + 4;
  return head.substr(value, head.find("\r\n", value) - value);
}

std::string BodyOf(const std::string& message) {
  const size_t end = message.find("\r\n\r\n");
  return end == std::string::npos ? "" : message.substr(end + 4);
}

// ---- Webhook ----

class WebhookTest : public ::testing::Test {
 protected:
  WebhookServer server_;
  Delivery delivery_;
};

TEST_F(WebhookTest, PostsTheBodyAsJsonWithoutSignatureWhenNoSecretIsSet) {
  const json body = {{"token", "abc"}, {"tokenId", "123"}, {"username", "ann@example.com"}};
  auto response = PostAndWait(delivery_, {server_.url(), body, ""});
  ASSERT_TRUE(response.ok()) << response.status().ToString();

  const auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].target, "/hook");
  EXPECT_EQ(requests[0].content_type, "application/json");
  EXPECT_EQ(json::parse(requests[0].body), body);
  EXPECT_FALSE(requests[0].has_signature);
}

TEST_F(WebhookTest, SignatureHeaderIsTheHmacSha256OfTheBodyBytes) {
  const json body = {{"token", "abc"}, {"username", "bjørn@example.com"}};
  const std::string secret = "webhook-secret";
  ASSERT_TRUE(PostAndWait(delivery_, {server_.url(), body, secret}).ok());

  const auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(json::parse(requests[0].body), body);
  EXPECT_EQ(requests[0].signature, "sha256=" + HmacSha256Hex(secret, requests[0].body));
  EXPECT_NE(requests[0].signature, "sha256=" + HmacSha256Hex("other-secret", requests[0].body));
}

TEST_F(WebhookTest, ReturnsTheStatusAndTheParsedJsonBody) {
  server_.Answer({http::status::created, "application/json", R"({"status":"pending","n":2})", ""});
  auto response = PostAndWait(delivery_, {server_.url(), json::object(), ""});
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->body, json({{"status", "pending"}, {"n", 2}}));
}

TEST_F(WebhookTest, NonJsonResponseBodyIsNull) {
  server_.Answer({http::status::ok, "text/plain", "thanks!", ""});
  auto response = PostAndWait(delivery_, {server_.url(), json::object(), ""});
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_TRUE(response->body.is_null()) << response->body.dump();
}

TEST_F(WebhookTest, ServerErrorIsReturnedAsAResponseNotAnError) {
  server_.Answer({http::status::internal_server_error, "application/json", R"({"error":"boom"})", ""});
  auto response = PostAndWait(delivery_, {server_.url(), json::object(), ""});
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 500);
  EXPECT_EQ(response->body, json({{"error", "boom"}}));
}

TEST_F(WebhookTest, RedirectIsNotFollowed) {
  server_.Answer({http::status::found, "text/plain", "", server_.url("/elsewhere")});
  auto response = PostAndWait(delivery_, {server_.url(), json::object(), ""});
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 302);
  const auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].target, "/hook");
}

TEST_F(WebhookTest, ResponseLargerThanOneMebibyteIsUnavailable) {
  server_.Answer({http::status::ok, "text/plain", std::string((1 << 20) + 1, 'x'), ""});
  auto response = PostAndWait(delivery_, {server_.url(), json::object(), ""});
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), Code::kUnavailable);
  EXPECT_EQ(response.status().message(), "webhook request failed: response is larger than 1 MiB");
}

TEST(WebhookDeliveryTest, ClosedPortIsUnavailable) {
  Delivery delivery;
  auto response =
      PostAndWait(delivery, {"http://127.0.0.1:" + std::to_string(ClosedPort()) + "/hook", json::object(), ""});
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), Code::kUnavailable);
  EXPECT_EQ(response.status().message().rfind("webhook request failed: ", 0), 0u) << response.status().message();
}

TEST(WebhookDeliveryTest, NonHttpUrlIsRefusedBeforeTheCallReturns) {
  Delivery delivery;
  std::optional<Result<WebhookResponse>> result;
  delivery.PostWebhook({"ftp://127.0.0.1/hook", json::object(), ""},
                       [&result](Result<WebhookResponse> response) { result = std::move(response); });
  ASSERT_TRUE(result.has_value());
  ASSERT_FALSE(result->ok());
  EXPECT_EQ(result->status().code(), Code::kInvalidArgument);
  EXPECT_EQ(result->status().error_code(), ErrorCode::kInvalidParameter);
}

// ---- SMTP ----

class SmtpTest : public ::testing::Test {
 protected:
  static Email Confirmation() {
    return {"ann@example.com", "Confirm your account", "Hello Ann,\n\nyour code: 123456\n.hidden line\n"};
  }

  SmtpServer server_;
  Delivery delivery_;
};

TEST_F(SmtpTest, DeliversTheEnvelopeHeadersAndText) {
  const Status status = SendAndWait(delivery_, server_.settings(), Confirmation());
  ASSERT_TRUE(status.ok()) << status.ToString();

  const auto sessions = server_.sessions();
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_EQ(sessions[0].mail_from, "<noreply@guestpass.test>");
  EXPECT_EQ(sessions[0].rcpt_to, std::vector<std::string>{"<ann@example.com>"});
  const std::string& data = sessions[0].data;
  EXPECT_EQ(HeaderValue(data, "From"), "noreply@guestpass.test");
  EXPECT_EQ(HeaderValue(data, "To"), "ann@example.com");
  EXPECT_EQ(HeaderValue(data, "Subject"), "Confirm your account");
  EXPECT_EQ(HeaderValue(data, "Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(HeaderValue(data, "Content-Transfer-Encoding"), "8bit");
  EXPECT_EQ(HeaderValue(data, "MIME-Version"), "1.0");
  EXPECT_TRUE(HeaderValue(data, "Message-ID").ends_with("@guestpass.test>")) << data;
  EXPECT_TRUE(HeaderValue(data, "Date").ends_with(" +0000")) << data;
  // CRLF line endings, and the leading dot survives SMTP transparency.
  EXPECT_EQ(BodyOf(data), "Hello Ann,\r\n\r\nyour code: 123456\r\n.hidden line\r\n");
}

TEST_F(SmtpTest, SendsCredentialsWithAuthPlainWhenAUsernameIsSet) {
  server_.AdvertiseAuthPlain();
  SmtpSettings smtp = server_.settings();
  smtp.username = "mailer";
  smtp.password = "s3cret";
  const Status status = SendAndWait(delivery_, smtp, Confirmation());
  ASSERT_TRUE(status.ok()) << status.ToString();
  const auto sessions = server_.sessions();
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_EQ(Base64Decode(sessions[0].auth_plain), std::string("\0mailer\0s3cret", 14));
}

TEST_F(SmtpTest, AddressWithALineBreakIsRefusedWithoutConnecting) {
  Email email = Confirmation();
  email.to = "ann@example.com\r\nBcc: eve@example.com";
  std::optional<Status> refused;
  delivery_.SendEmail(server_.settings(), email, [&refused](Status status) { refused = std::move(status); });
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->code(), Code::kInvalidArgument);
  EXPECT_EQ(refused->message(), "to is not a usable email address: it contains CR or LF");

  // The worker handles work in order, so once a later email is through, the
  // refused one can no longer have connected.
  ASSERT_TRUE(SendAndWait(delivery_, server_.settings(), Confirmation()).ok());
  EXPECT_EQ(server_.sessions().size(), 1u);
}

TEST_F(SmtpTest, SubjectWithALineBreakIsRefused) {
  Email email = Confirmation();
  email.subject = "Hi\nBcc: eve@example.com";
  const Status status = SendAndWait(delivery_, server_.settings(), email);
  EXPECT_EQ(status.code(), Code::kInvalidArgument);
  EXPECT_EQ(status.message(), "email subject contains CR or LF");
  EXPECT_TRUE(server_.sessions().empty());
}

TEST_F(SmtpTest, RefusedRecipientIsUnavailable) {
  server_.SetRcptReply("550 5.1.1 no such user");
  const Status status = SendAndWait(delivery_, server_.settings(), Confirmation());
  EXPECT_EQ(status.code(), Code::kUnavailable) << status.ToString();
  EXPECT_EQ(status.message().rfind("could not send email: ", 0), 0u) << status.message();
  EXPECT_NE(status.message().find("550"), std::string::npos) << status.message();
  const auto sessions = server_.sessions();
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_TRUE(sessions[0].data.empty());
}

TEST_F(SmtpTest, RequiredStarttlsThatTheServerDoesNotOfferIsUnavailable) {
  SmtpSettings smtp = server_.settings();
  smtp.starttls = true;
  const Status status = SendAndWait(delivery_, smtp, Confirmation());
  EXPECT_EQ(status.code(), Code::kUnavailable) << status.ToString();
  const auto sessions = server_.sessions();
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_TRUE(sessions[0].mail_from.empty()) << "sent the envelope in plain text";
}

TEST(SmtpDeliveryTest, ClosedPortIsUnavailable) {
  Delivery delivery;
  SmtpSettings smtp;
  smtp.url = "smtp://127.0.0.1:" + std::to_string(ClosedPort());
  smtp.from = "noreply@guestpass.test";
  const Status status = SendAndWait(delivery, smtp, {"ann@example.com", "Hi", "Hello"});
  EXPECT_EQ(status.code(), Code::kUnavailable) << status.ToString();
  EXPECT_EQ(status.message().rfind("could not send email: ", 0), 0u) << status.message();
}

TEST(SmtpDeliveryTest, DestroyingDeliveryFailsTheTransferInProgressAndQueuedWork) {
  // A port that accepts connections (the kernel's backlog) but never greets.
  asio::io_context ioc;
  tcp::acceptor silent(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  SmtpSettings smtp;
  smtp.url = "smtp://127.0.0.1:" + std::to_string(silent.local_endpoint().port());
  smtp.from = "noreply@guestpass.test";
  std::vector<Status> results;
  std::mutex mutex;
  const auto started = std::chrono::steady_clock::now();
  {
    Delivery delivery;
    for (int i = 0; i < 2; ++i) {
      delivery.SendEmail(smtp, {"ann@example.com", "Hi", "Hello"}, [&](Status status) {
        std::lock_guard lock(mutex);
        results.push_back(std::move(status));
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));  // aborted, not timed out
  ASSERT_EQ(results.size(), 2u);
  for (const Status& status : results) {
    EXPECT_EQ(status.code(), Code::kUnavailable);
    EXPECT_EQ(status.message(), "delivery is shutting down");
  }
}

// ---- The message format ----

TEST(BuildEmailMessageTest, WritesEveryHeaderWithCrlfLineEndings) {
  auto message =
      BuildEmailMessage("noreply@guestpass.test", {"ann@example.com", "Reset your password", "Line 1\nLine 2"},
                        1'700'000'000, "0123abcd");
  ASSERT_TRUE(message.ok()) << message.status().ToString();
  EXPECT_EQ(*message,
            "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
            "From: noreply@guestpass.test\r\n"
            "To: ann@example.com\r\n"
            "Subject: Reset your password\r\n"
            "Message-ID: <0123abcd@guestpass.test>\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: 8bit\r\n"
            "\r\n"
            "Line 1\r\n"
            "Line 2\r\n");
}

TEST(BuildEmailMessageTest, NonAsciiSubjectIsAnRfc2047EncodedWord) {
  auto message = BuildEmailMessage("a@b.test", {"c@d.test", "Bestätigen Sie Ihr Konto", ""}, 0, "x");
  ASSERT_TRUE(message.ok()) << message.status().ToString();
  EXPECT_EQ(HeaderValue(*message, "Subject"), "=?utf-8?B?QmVzdMOkdGlnZW4gU2llIElociBLb250bw==?=");
}

TEST(BuildEmailMessageTest, LongSubjectIsFoldedIntoWordsOfWholeCharacters) {
  std::string subject;
  for (int i = 0; i < 30; ++i) subject += "Grüße ";  // 7 bytes each; 'ü' and 'ß' are 2 bytes
  auto message = BuildEmailMessage("a@b.test", {"c@d.test", subject, "x"}, 0, "x");
  ASSERT_TRUE(message.ok()) << message.status().ToString();

  const size_t start = message->find("\r\nSubject: ") + 2;
  const size_t end = message->find("\r\nMessage-ID: ");
  const std::string field = message->substr(start, end - start);
  std::string decoded;
  size_t words = 0;
  size_t pos = 0;
  while (pos <= field.size()) {
    size_t line_end = field.find("\r\n", pos);
    if (line_end == std::string::npos) line_end = field.size();
    const std::string line = field.substr(pos, line_end - pos);
    EXPECT_LE(line.size(), 78u) << line;
    const std::string word = line.substr(line.find("=?"));
    ASSERT_TRUE(word.starts_with("=?utf-8?B?") && word.ends_with("?=")) << word;
    EXPECT_LE(word.size(), 75u);
    const std::string chunk = Base64Decode(word.substr(10, word.size() - 12));
    ASSERT_FALSE(chunk.empty());
    EXPECT_NE(static_cast<unsigned char>(chunk[0]) & 0xc0, 0x80) << "word starts inside a character";
    decoded += chunk;
    ++words;
    pos = line_end + 2;
  }
  EXPECT_GT(words, 1u);
  EXPECT_EQ(decoded, subject);
}

TEST(BuildEmailMessageTest, LineLongerThan998BytesIsRefused) {
  auto ok = BuildEmailMessage("a@b.test", {"c@d.test", "s", std::string(998, 'x')}, 0, "x");
  EXPECT_TRUE(ok.ok()) << ok.status().ToString();
  auto refused = BuildEmailMessage("a@b.test", {"c@d.test", "s", std::string(999, 'x')}, 0, "x");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().message(), "email text has a line longer than 998 bytes");
}

TEST(BuildEmailMessageTest, InvalidUtf8IsRefused) {
  auto text = BuildEmailMessage("a@b.test", {"c@d.test", "s", "caf\xe9"}, 0, "x");
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().message(), "email text is not valid UTF-8");
  auto subject = BuildEmailMessage("a@b.test", {"c@d.test", "\xc0\xaf", "x"}, 0, "x");  // overlong '/'
  ASSERT_FALSE(subject.ok());
  EXPECT_EQ(subject.status().message(), "email subject is not valid UTF-8");
}

TEST(CheckEmailAddressTest, AcceptsOrdinaryAddressesAndRefusesInjectableOnes) {
  EXPECT_TRUE(CheckEmailAddress("to", "ann.lee+tag@mail.example.com").ok());
  EXPECT_TRUE(CheckEmailAddress("to", "jörg@bücher.example").ok());
  for (const char* bad : {"", "ann", "@example.com", "ann@", "ann@example.com\n", "ann@example.com>",
                          "ann@example.com, eve@example.com", "ann @example.com", "ann\t@example.com"}) {
    const Status status = CheckEmailAddress("to", bad);
    EXPECT_EQ(status.code(), Code::kInvalidArgument) << bad;
    EXPECT_EQ(status.message().rfind("to is not a usable email address: ", 0), 0u) << status.message();
  }
}

// ---- ParseSmtpSettings ----

TEST(ParseSmtpSettingsTest, ReadsEveryField) {
  auto smtp = ParseSmtpSettings({{"url", "smtp://mail.example.com:587"},
                                 {"username", "mailer"},
                                 {"password", "s3cret"},
                                 {"from", "noreply@example.com"},
                                 {"starttls", true}});
  ASSERT_TRUE(smtp.ok()) << smtp.status().ToString();
  EXPECT_EQ(smtp->url, "smtp://mail.example.com:587");
  EXPECT_EQ(smtp->username, "mailer");
  EXPECT_EQ(smtp->password, "s3cret");
  EXPECT_EQ(smtp->from, "noreply@example.com");
  EXPECT_TRUE(smtp->starttls);

  auto minimal = ParseSmtpSettings({{"url", "smtps://mail.example.com"}, {"from", "noreply@example.com"}});
  ASSERT_TRUE(minimal.ok()) << minimal.status().ToString();
  EXPECT_TRUE(minimal->username.empty());
  EXPECT_FALSE(minimal->starttls);
}

TEST(ParseSmtpSettingsTest, MissingFromIsRefusedNamingTheField) {
  auto smtp = ParseSmtpSettings({{"url", "smtp://mail.example.com"}});
  ASSERT_FALSE(smtp.ok());
  EXPECT_EQ(smtp.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(smtp.status().error_code(), ErrorCode::kInvalidParameter);
  EXPECT_EQ(smtp.status().message(), "smtp.from is required");
}

TEST(ParseSmtpSettingsTest, UrlWithAnotherSchemeIsRefused) {
  auto smtp = ParseSmtpSettings({{"url", "http://mail.example.com"}, {"from", "noreply@example.com"}});
  ASSERT_FALSE(smtp.ok());
  EXPECT_EQ(smtp.status().error_code(), ErrorCode::kInvalidParameter);
  EXPECT_EQ(smtp.status().message(), "smtp.url must be an smtp:// or smtps:// URL with a host");
}

TEST(ParseSmtpSettingsTest, UnknownKeyAndNonBooleanStarttlsAreRefused) {
  auto typo =
      ParseSmtpSettings({{"url", "smtp://mail.example.com"}, {"from", "noreply@example.com"}, {"startTLS", true}});
  ASSERT_FALSE(typo.ok());
  EXPECT_EQ(typo.status().message(), "smtp.startTLS is not a known setting");
  auto number =
      ParseSmtpSettings({{"url", "smtp://mail.example.com"}, {"from", "noreply@example.com"}, {"starttls", 1}});
  ASSERT_FALSE(number.ok());
  EXPECT_EQ(number.status().message(), "smtp.starttls must be a boolean");
}

}  // namespace
}  // namespace guestpass::auth::local_userpass
