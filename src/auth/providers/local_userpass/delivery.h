// delivery.h: sends the email/password provider's confirmation and
// password-reset tokens, as a plain-text email over SMTP or as a JSON POST to
// a webhook. Transport only: it neither makes tokens nor judges webhook replies.
//
// DESIGN: one worker thread does every transfer (libcurl easy handles, 10 s
// timeout), in the order the calls were made, so no caller's thread ever
// blocks on the network. Input is checked on the caller's thread: a bad
// address or subject is refused before anything is queued. At most
// kMaxQueuedDeliveries transfers wait; more are refused with Unavailable.
// Error messages name the curl error but never the SMTP or webhook URL (it
// may carry credentials or a token).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <thread>

#include "core/status.h"

namespace guestpass::auth::local_userpass {

inline constexpr size_t kMaxQueuedDeliveries = 1024;

// The provider config's "smtp" object.
struct SmtpSettings {
  std::string url;                 // "smtp://host[:port]" or "smtps://host[:port]"
  std::string username, password;  // optional: AUTH is used when username is non-empty
  std::string from;                // envelope sender and From: address, required
  bool starttls = false;           // smtp:// only: require STARTTLS (no STARTTLS offered -> failure)
};

// Parses the "smtp" object. Keys: url (required, smtp:// or smtps:// with a
// host), from (required, an address as CheckEmailAddress accepts), username,
// password (strings), starttls (boolean, or "true"/"false"). Unknown keys are
// refused so that a misspelt "starttls" cannot silently mean plain text.
// Errors: InvalidArgument(InvalidParameter), message naming the field, e.g.
// "smtp.from is required", "smtp.url must be an smtp:// or smtps:// URL with a host".
core::Result<SmtpSettings> ParseSmtpSettings(const nlohmann::json& smtp);

// OK if `address` can be used as an envelope address and in a To:/From:
// header: "local@domain", non-empty on both sides of the last '@', no control
// characters (so no CR or LF: header injection), spaces, commas, semicolons,
// angle brackets or double quotes. Otherwise InvalidArgument(InvalidParameter)
// "<field> is not a usable email address: <reason>".
core::Status CheckEmailAddress(std::string_view field, std::string_view address);

struct Email {
  std::string to;       // one recipient address
  std::string subject;  // UTF-8, no control characters
  std::string text;     // UTF-8 plain text; any line ending becomes CRLF
};

// Builds the RFC 5322 message that SendEmail uploads, CRLF line endings:
//   Date: Tue, 14 Nov 2023 22:13:20 +0000
//   From: FROM                    (the bare address, no angle brackets)
//   To: TO
//   Subject: SUBJECT              (or RFC 2047 =?utf-8?B?...?= words folded with CRLF SP)
//   Message-ID: <UNIQUE@DOMAIN>   (UNIQUE = unique_id, DOMAIN = from after its last '@')
//   MIME-Version: 1.0
//   Content-Type: text/plain; charset=utf-8
//   Content-Transfer-Encoding: 8bit
//   <empty line, then the text; a non-empty text ends with CRLF>
// The subject is sent as is when it is printable ASCII, holds no "=?" and
// fits a 78-character line; otherwise as base64 encoded-words of at most 39
// bytes each, cut between UTF-8 characters.
// Errors, InvalidArgument(InvalidParameter): an address CheckEmailAddress
// refuses ("from ...", "to ..."); "email subject contains CR or LF" (or "a
// control character"); "email subject is not valid UTF-8"; "email text is not
// valid UTF-8"; "email text has a line longer than 998 bytes" (RFC 5322).
// REQUIRES: unique_id is letters, digits and dots. Exposed for tests;
// SendEmail calls it with the current time and 16 random bytes in hex.
core::Result<std::string> BuildEmailMessage(std::string_view from, const Email& email, int64_t unix_seconds,
                                            std::string_view unique_id);

struct WebhookRequest {
  std::string url;      // http:// or https://
  nlohmann::json body;  // sent as application/json
  // Optional. When non-empty the request carries
  // "X-Guestpass-Signature: sha256=<lowercase hex HMAC-SHA-256(secret, body bytes)>".
  std::string secret;
};

struct WebhookResponse {
  long status = 0;      // HTTP status, any value
  nlohmann::json body;  // the parsed response body, or null if it is empty or not JSON
};

// Thread-safe.
class Delivery {
 public:
  // Starts the worker thread.
  Delivery();
  // Stops the worker, aborting a transfer in progress; its callback and those
  // of queued transfers get Unavailable("delivery is shutting down").
  // REQUIRES: no SendEmail or PostWebhook call is in progress on another thread.
  ~Delivery();
  Delivery(const Delivery&) = delete;
  Delivery& operator=(const Delivery&) = delete;

  // Sends `email` from smtp.from via the server at smtp.url (AUTH with
  // username/password when username is set; STARTTLS required if
  // smtp.starttls on smtp://). Calls `done` exactly once: OK after the server
  // accepted the message (250 after DATA); Unavailable("could not send email:
  // <curl error>") when it could not be delivered to the server, including a
  // refused sender or recipient; inline with the BuildEmailMessage
  // InvalidArgument errors, or InvalidArgument "smtp.url must be an smtp://
  // or smtps:// URL", before anything is queued. `done` runs on the worker
  // thread or, for errors found at once, on the caller's.
  void SendEmail(const SmtpSettings& smtp, Email email, std::function<void(core::Status)> done);

  // POSTs request.body (compact JSON) to request.url with Content-Type
  // application/json. Redirects are not followed. Calls `done` exactly once:
  // with the response for any HTTP status (the caller judges 2xx);
  // Unavailable("webhook request failed: <curl error>") if no complete
  // response arrived, or the response body exceeds 1 MiB; inline
  // InvalidArgument(InvalidParameter) when the URL is not http(s):// or the
  // body cannot be serialized (invalid UTF-8 in a string).
  void PostWebhook(WebhookRequest request, std::function<void(core::Result<WebhookResponse>)> done);

 private:
  struct Job {
    std::function<void()> perform;             // worker thread: transfer, then call the caller's done
    std::function<void(core::Status)> cancel;  // calls the caller's done with this error instead
  };

  // Queues `job`, or cancels it at once if stopping or the queue is full.
  void Enqueue(Job job);
  void RunWorker();

  std::mutex mutex_;              // guards the fields below
  std::condition_variable wake_;  // queue_ grew or stopping_ set
  std::deque<Job> queue_;
  bool stopping_ = false;

  std::atomic<bool> abort_transfer_{false};  // read by libcurl's progress callback
  std::thread worker_;                       // started last
};

}  // namespace guestpass::auth::local_userpass
