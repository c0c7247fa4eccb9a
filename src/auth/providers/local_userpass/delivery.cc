// delivery.cc: SMTP email and webhook delivery over libcurl, and the email
// message format (headers, RFC 2047 subjects, CRLF text).
#include "auth/providers/local_userpass/delivery.h"

#include "net/curl_global.h"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <initializer_list>
#include <memory>
#include <utility>
#include <vector>

#include "core/json_text.h"
#include "crypto/digest.h"
#include "crypto/os_random.h"

namespace guestpass::auth::local_userpass {

using core::ErrorCode;
using core::Result;
using core::Status;
using nlohmann::json;

namespace {

constexpr long kTimeoutMs = 10000;
constexpr size_t kMaxResponseBytes = 1 << 20;
constexpr size_t kMaxLineBytes = 998;        // RFC 5322 section 2.1.1, without CRLF
constexpr size_t kSubjectChunkBytes = 39;    // 52 base64 chars: "Subject: " + word stays within 78
constexpr size_t kPlainSubjectMax = 78 - 9;  // 78 minus "Subject: "
constexpr std::string_view kShuttingDown = "delivery is shutting down";

// ---- Small encoders and checks ----

Status Bad(std::string message) { return Status::InvalidArgument(ErrorCode::kInvalidParameter, std::move(message)); }

std::string Hex(const uint8_t* data, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 0xf];
  }
  return out;
}

// Standard base64 with padding (RFC 4648 section 4), as RFC 2047 "B" needs.
std::string Base64(std::string_view data) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t pos = 0;
  for (; pos + 3 <= data.size(); pos += 3) {
    const uint32_t group =
        uint32_t(uint8_t(data[pos])) << 16 | uint32_t(uint8_t(data[pos + 1])) << 8 | uint32_t(uint8_t(data[pos + 2]));
    out += kAlphabet[group >> 18];
    out += kAlphabet[(group >> 12) & 63];
    out += kAlphabet[(group >> 6) & 63];
    out += kAlphabet[group & 63];
  }
  const size_t rest = data.size() - pos;
  if (rest > 0) {
    uint32_t group = uint32_t(uint8_t(data[pos])) << 16;
    if (rest == 2) group |= uint32_t(uint8_t(data[pos + 1])) << 8;
    out += kAlphabet[group >> 18];
    out += kAlphabet[(group >> 12) & 63];
    out += rest == 2 ? kAlphabet[(group >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// Well-formed UTF-8 (RFC 3629): no overlong forms, surrogates or values past U+10FFFF.
bool IsValidUtf8(std::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    const uint8_t lead = uint8_t(text[pos]);
    if (lead < 0x80) {
      ++pos;
      continue;
    }
    size_t length;
    uint32_t min;
    uint32_t code;
    if ((lead & 0xe0) == 0xc0) {
      length = 2, min = 0x80, code = lead & 0x1f;
    } else if ((lead & 0xf0) == 0xe0) {
      length = 3, min = 0x800, code = lead & 0x0f;
    } else if ((lead & 0xf8) == 0xf0) {
      length = 4, min = 0x10000, code = lead & 0x07;
    } else {
      return false;
    }
    if (pos + length > text.size()) return false;
    for (size_t i = 1; i < length; ++i) {
      const uint8_t next = uint8_t(text[pos + i]);
      if ((next & 0xc0) != 0x80) return false;
      code = code << 6 | (next & 0x3f);
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return false;
    pos += length;
  }
  return true;
}

bool StartsWithIgnoringCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

struct CurlUrlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};

// True when `url` parses (as libcurl parses it) with one of `schemes` and a host.
bool HasSchemeAndHost(const std::string& url, std::initializer_list<std::string_view> schemes) {
  bool scheme_ok = false;
  for (std::string_view scheme : schemes) scheme_ok = scheme_ok || StartsWithIgnoringCase(url, scheme);
  if (!scheme_ok) return false;
  std::unique_ptr<CURLU, CurlUrlDeleter> parsed(curl_url());
  if (!parsed || curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return false;
  char* host = nullptr;
  if (curl_url_get(parsed.get(), CURLUPART_HOST, &host, 0) != CURLUE_OK) return false;
  const bool has_host = host != nullptr && host[0] != '\0';
  curl_free(host);
  return has_host;
}

bool IsSmtpUrl(const std::string& url) { return HasSchemeAndHost(url, {"smtp://", "smtps://"}); }
bool IsHttpUrl(const std::string& url) { return HasSchemeAndHost(url, {"http://", "https://"}); }

// "Tue, 14 Nov 2023 22:13:20 +0000" (RFC 5322 section 3.3), in UTC, locale-free.
std::string FormatDate(int64_t unix_seconds) {
  static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t time = static_cast<std::time_t>(unix_seconds);
  std::tm utc{};
  gmtime_r(&time, &utc);
  char text[40];
  std::snprintf(text, sizeof(text), "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[utc.tm_wday % 7], utc.tm_mday,
                kMonths[utc.tm_mon % 12], utc.tm_year + 1900, utc.tm_hour, utc.tm_min, utc.tm_sec);
  return text;
}

// The Subject: field body: as is when it is short printable ASCII, else
// base64 encoded-words, each a whole number of UTF-8 characters (RFC 2047
// section 5), folded with CRLF SP. REQUIRES: valid UTF-8 without control characters.
std::string EncodeSubject(std::string_view subject) {
  bool plain = subject.size() <= kPlainSubjectMax && subject.find("=?") == std::string_view::npos;
  for (char c : subject) plain = plain && uint8_t(c) < 0x80;
  if (plain) return std::string(subject);
  std::string out;
  size_t pos = 0;
  while (pos < subject.size()) {
    size_t end = std::min(pos + kSubjectChunkBytes, subject.size());
    while (end < subject.size() && (uint8_t(subject[end]) & 0xc0) == 0x80) --end;  // not inside a character
    if (!out.empty()) out += "\r\n ";
    out += "=?utf-8?B?";
    out += Base64(subject.substr(pos, end - pos));
    out += "?=";
    pos = end;
  }
  return out;
}

// `text` with every CRLF, lone LF or lone CR turned into CRLF, ending with
// CRLF unless empty. Refuses NUL bytes and lines over kMaxLineBytes.
Result<std::string> NormalizeText(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32 + 2);
  size_t line_bytes = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      out += "\r\n";
      line_bytes = 0;
      continue;
    }
    if (c == '\0') return Bad("email text contains a NUL byte");
    if (++line_bytes > kMaxLineBytes) return Bad("email text has a line longer than 998 bytes");
    out += c;
  }
  if (line_bytes > 0) out += "\r\n";
  return out;
}

// ---- libcurl ----

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;

// Appends `text` to `list`; false (and `list` unchanged) if out of memory.
bool Append(SlistPtr& list, const std::string& text) {
  curl_slist* grown = curl_slist_append(list.get(), text.c_str());
  if (grown == nullptr) return false;
  list.release();
  list.reset(grown);
  return true;
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<const std::atomic<bool>*>(user)->load() ? 1 : 0;  // non-zero aborts the transfer
}

struct Upload {
  std::string_view rest;
};

size_t OnRead(char* buffer, size_t size, size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const size_t bytes = std::min(size * count, upload->rest.size());
  upload->rest.copy(buffer, bytes);
  upload->rest.remove_prefix(bytes);
  return bytes;
}

struct Download {
  std::string body;
  bool too_large = false;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* download = static_cast<Download*>(user);
  const size_t bytes = size * count;
  if (download->body.size() + bytes > kMaxResponseBytes) {
    download->too_large = true;
    return 0;  // makes libcurl fail with CURLE_WRITE_ERROR
  }
  download->body.append(data, bytes);
  return bytes;
}

// Options every transfer shares: timeout, thread safety, errors, abort on shutdown.
void SetCommonOptions(CURL* handle, char* error_buffer, const std::atomic<bool>* abort) {
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, kTimeoutMs);
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);  // required with threads
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(handle, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, OnProgress);
  curl_easy_setopt(handle, CURLOPT_XFERINFODATA, abort);
}

std::string CurlError(CURLcode code, const char* error_buffer) {
  return error_buffer[0] != '\0' ? std::string(error_buffer) : std::string(curl_easy_strerror(code));
}

// Blocking SMTP submission; worker thread only.
Status SendMessage(const SmtpSettings& smtp, const std::string& to, const std::string& message,
                   const std::atomic<bool>& abort) {
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return Status::Unavailable("could not send email: curl_easy_init failed");
  SlistPtr recipients;
  if (!Append(recipients, "<" + to + ">")) return Status::Unavailable("could not send email: out of memory");
  const std::string mail_from = "<" + smtp.from + ">";
  Upload upload{message};
  char error_buffer[CURL_ERROR_SIZE] = {};
  CURL* handle = curl.get();
  SetCommonOptions(handle, error_buffer, &abort);
  curl_easy_setopt(handle, CURLOPT_URL, smtp.url.c_str());
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(handle, CURLOPT_USE_SSL, static_cast<long>(smtp.starttls ? CURLUSESSL_ALL : CURLUSESSL_NONE));
  if (!smtp.username.empty()) {
    curl_easy_setopt(handle, CURLOPT_USERNAME, smtp.username.c_str());
    curl_easy_setopt(handle, CURLOPT_PASSWORD, smtp.password.c_str());
  }
  curl_easy_setopt(handle, CURLOPT_MAIL_FROM, mail_from.c_str());
  curl_easy_setopt(handle, CURLOPT_MAIL_RCPT, recipients.get());
  curl_easy_setopt(handle, CURLOPT_UPLOAD, 1L);  // without it libcurl would VRFY instead of sending
  curl_easy_setopt(handle, CURLOPT_READFUNCTION, OnRead);
  curl_easy_setopt(handle, CURLOPT_READDATA, &upload);
  curl_easy_setopt(handle, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));

  const CURLcode code = curl_easy_perform(handle);
  if (code == CURLE_ABORTED_BY_CALLBACK) return Status::Unavailable(std::string(kShuttingDown));
  if (code != CURLE_OK) return Status::Unavailable("could not send email: " + CurlError(code, error_buffer));
  return Status::Ok();
}

// Blocking HTTP POST; worker thread only.
Result<WebhookResponse> Post(const std::string& url, const std::string& body, const std::string& signature,
                             const std::atomic<bool>& abort) {
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return Status::Unavailable("webhook request failed: curl_easy_init failed");
  SlistPtr headers;
  // "Expect:" stops libcurl from waiting for a 100 Continue on larger bodies.
  bool built = Append(headers, "Content-Type: application/json") && Append(headers, "Accept: application/json") &&
               Append(headers, "Expect:");
  if (built && !signature.empty()) built = Append(headers, "X-Guestpass-Signature: sha256=" + signature);
  if (!built) return Status::Unavailable("webhook request failed: out of memory");
  Download download;
  char error_buffer[CURL_ERROR_SIZE] = {};
  CURL* handle = curl.get();
  SetCommonOptions(handle, error_buffer, &abort);
  curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(handle, CURLOPT_USERAGENT, "guestpass");
  curl_easy_setopt(handle, CURLOPT_POST, 1L);
  curl_easy_setopt(handle, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &download);

  const CURLcode code = curl_easy_perform(handle);
  if (download.too_large) return Status::Unavailable("webhook request failed: response is larger than 1 MiB");
  if (code == CURLE_ABORTED_BY_CALLBACK) return Status::Unavailable(std::string(kShuttingDown));
  if (code != CURLE_OK) return Status::Unavailable("webhook request failed: " + CurlError(code, error_buffer));
  WebhookResponse response;
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &response.status);
  // A reply nested deeper than any webhook needs reads as no JSON at all.
  if (core::JsonNestingWithin(download.body))
    response.body = json::parse(download.body, nullptr, /*allow_exceptions=*/false);
  else
    response.body = json::value_t::discarded;
  if (response.body.is_discarded()) response.body = nullptr;
  return response;
}

}  // namespace

// ---- Settings and message format ----

Result<SmtpSettings> ParseSmtpSettings(const json& smtp) {
  if (!smtp.is_object()) return Bad("smtp must be an object");
  SmtpSettings settings;
  for (const auto& [key, value] : smtp.items()) {
    if (key == "starttls") {
      if (value.is_boolean()) {
        settings.starttls = value.get<bool>();
      } else if (value == "true" || value == "false") {
        settings.starttls = value == "true";
      } else if (!value.is_null()) {
        return Bad("smtp.starttls must be a boolean");
      }
      continue;
    }
    std::string* field = key == "url"        ? &settings.url
                         : key == "username" ? &settings.username
                         : key == "password" ? &settings.password
                         : key == "from"     ? &settings.from
                                             : nullptr;
    if (field == nullptr) return Bad("smtp." + key + " is not a known setting");
    if (value.is_null()) continue;
    if (!value.is_string()) return Bad("smtp." + key + " must be a string");
    *field = value.get<std::string>();
  }
  if (settings.url.empty()) return Bad("smtp.url is required");
  if (!IsSmtpUrl(settings.url)) return Bad("smtp.url must be an smtp:// or smtps:// URL with a host");
  if (settings.from.empty()) return Bad("smtp.from is required");
  if (Status from = CheckEmailAddress("smtp.from", settings.from); !from.ok()) return from;
  return settings;
}

Status CheckEmailAddress(std::string_view field, std::string_view address) {
  auto refuse = [field](std::string_view reason) {
    std::string message(field);
    message += " is not a usable email address: ";
    message += reason;
    return Bad(std::move(message));
  };
  if (address.empty()) return refuse("it is empty");
  for (char c : address) {
    const uint8_t byte = uint8_t(c);
    if (c == '\r' || c == '\n') return refuse("it contains CR or LF");
    if (byte < 0x20 || byte == 0x7f) return refuse("it contains a control character");
    if (c == ' ' || c == ',' || c == ';' || c == '<' || c == '>' || c == '"')
      return refuse("it contains a space, comma, semicolon, angle bracket or quote");
  }
  const size_t at = address.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == address.size())
    return refuse("it is not of the form local@domain");
  if (!IsValidUtf8(address)) return refuse("it is not valid UTF-8");
  return Status::Ok();
}

Result<std::string> BuildEmailMessage(std::string_view from, const Email& email, int64_t unix_seconds,
                                      std::string_view unique_id) {
  if (Status status = CheckEmailAddress("from", from); !status.ok()) return status;
  if (Status status = CheckEmailAddress("to", email.to); !status.ok()) return status;
  if (!IsValidUtf8(email.subject)) return Bad("email subject is not valid UTF-8");
  for (char c : email.subject) {
    if (c == '\r' || c == '\n') return Bad("email subject contains CR or LF");
    if (uint8_t(c) < 0x20 || c == 0x7f) return Bad("email subject contains a control character");
  }
  if (!IsValidUtf8(email.text)) return Bad("email text is not valid UTF-8");
  auto text = NormalizeText(email.text);
  if (!text.ok()) return text.status();

  std::string message;
  message.reserve(512 + text->size());
  auto header = [&message](std::string_view name, std::string_view value) {
    message += name;
    message += ": ";
    message += value;
    message += "\r\n";
  };
  header("Date", FormatDate(unix_seconds));
  header("From", from);
  header("To", email.to);
  header("Subject", EncodeSubject(email.subject));
  std::string message_id = "<";
  message_id += unique_id;
  message_id += from.substr(from.rfind('@'));  // "@domain"
  message_id += '>';
  header("Message-ID", message_id);
  header("MIME-Version", "1.0");
  header("Content-Type", "text/plain; charset=utf-8");
  header("Content-Transfer-Encoding", "8bit");
  message += "\r\n";
  message += *text;
  return message;
}

// ---- Delivery ----

Delivery::Delivery() {
  net::InitCurlOnce();
  worker_ = std::thread([this] { RunWorker(); });
}

Delivery::~Delivery() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  abort_transfer_.store(true);
  wake_.notify_all();
  worker_.join();

  std::deque<Job> pending;
  {
    std::lock_guard lock(mutex_);
    pending.swap(queue_);
  }
  for (Job& job : pending) job.cancel(Status::Unavailable(std::string(kShuttingDown)));
}

void Delivery::SendEmail(const SmtpSettings& smtp, Email email, std::function<void(Status)> done) {
  if (!IsSmtpUrl(smtp.url)) return done(Bad("smtp.url must be an smtp:// or smtps:// URL"));
  uint8_t random[16];
  crypto::OsRandom().Fill(random);
  const int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  auto message = BuildEmailMessage(smtp.from, email, now, Hex(random, sizeof(random)));
  if (!message.ok()) return done(message.status());

  struct State {
    SmtpSettings smtp;
    std::string to;
    std::string message;
    std::function<void(Status)> done;
  };
  auto state = std::make_shared<State>(State{smtp, std::move(email.to), std::move(*message), std::move(done)});
  Enqueue({[this, state] { state->done(SendMessage(state->smtp, state->to, state->message, abort_transfer_)); },
           [state](Status status) { state->done(std::move(status)); }});
}

void Delivery::PostWebhook(WebhookRequest request, std::function<void(Result<WebhookResponse>)> done) {
  if (!IsHttpUrl(request.url)) return done(Bad("webhook url must be an http:// or https:// URL with a host"));
  std::string body;
  try {
    body = request.body.dump();
  } catch (const json::exception&) {  // a string that is not valid UTF-8
    return done(Bad("webhook body cannot be serialized as JSON: a string is not valid UTF-8"));
  }
  std::string signature;
  if (!request.secret.empty()) {
    const crypto::HmacSha256Key key(std::vector<uint8_t>(request.secret.begin(), request.secret.end()));
    const crypto::Digest256 mac = key.Compute(body);
    signature = Hex(mac.data(), mac.size());
  }

  struct State {
    std::string url;
    std::string body;
    std::string signature;
    std::function<void(Result<WebhookResponse>)> done;
  };
  auto state =
      std::make_shared<State>(State{std::move(request.url), std::move(body), std::move(signature), std::move(done)});
  Enqueue({[this, state] { state->done(Post(state->url, state->body, state->signature, abort_transfer_)); },
           [state](Status status) { state->done(std::move(status)); }});
}

void Delivery::Enqueue(Job job) {
  Status refused;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      refused = Status::Unavailable(std::string(kShuttingDown));
    } else if (queue_.size() >= kMaxQueuedDeliveries) {
      refused = Status::Unavailable("delivery queue is full");
    } else {
      queue_.push_back(std::move(job));
      wake_.notify_one();
      return;
    }
  }
  job.cancel(std::move(refused));
}

void Delivery::RunWorker() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    Job job = std::move(queue_.front());
    queue_.pop_front();
    // Callbacks may call SendEmail or PostWebhook, so transfer and call back unlocked.
    lock.unlock();
    job.perform();
    lock.lock();
  }
}

}  // namespace guestpass::auth::local_userpass
