// admin_client.cc: Admin API requests, error messages and the session refresh.
#include "cli/admin_client.h"

#include <cctype>

namespace guestpass::cli {

using core::Code;
using core::ErrorCode;
using core::Status;
using nlohmann::json;

namespace {

// The answer's body as JSON, or a discarded value when it is not JSON.
json ParseBody(const HttpResponse& response) { return json::parse(response.body, nullptr, false); }

bool IsInvalidSession(const HttpResponse& response) {
  if (response.status < 400) return false;
  json j = ParseBody(response);
  return j.is_object() && j.value("error_code", "") == "InvalidSession";
}

Code CodeOf(int http_status) {
  switch (http_status) {
    case 400:
      return Code::kInvalidArgument;
    case 401:
      return Code::kUnauthenticated;
    case 403:
      return Code::kPermissionDenied;
    case 404:
      return Code::kNotFound;
    case 405:
      return Code::kMethodNotAllowed;
    case 409:
      return Code::kAlreadyExists;
    case 413:
      return Code::kPayloadTooLarge;
    case 415:
      return Code::kUnsupportedMediaType;
    case 429:
      return Code::kRateLimited;
    case 501:
      return Code::kUnimplemented;
    case 503:
      return Code::kUnavailable;
    default:
      return Code::kInternal;
  }
}

// `text` on one line: control characters become spaces.
std::string OneLine(std::string text) {
  for (char& c : text)
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  return text;
}

}  // namespace

std::string ErrorMessage(const HttpResponse& response) {
  json j = ParseBody(response);
  if (j.is_object()) {
    auto it = j.find("error");
    if (it != j.end() && it->is_string() && !it->get<std::string>().empty()) return OneLine(it->get<std::string>());
  }
  return "the server answered HTTP " + std::to_string(response.status);
}

Status ErrorStatus(const HttpResponse& response) {
  return Status::Make(CodeOf(response.status), ErrorCode::kNone, ErrorMessage(response));
}

core::Result<std::string> NormalizeServerUrl(const std::string& url) {
  std::string u = url;
  while (!u.empty() && u.back() == '/') u.pop_back();
  const std::string api = kAdminApiPath;
  if (u.size() >= api.size() && u.compare(u.size() - api.size(), api.size(), api) == 0) u.resize(u.size() - api.size());
  while (!u.empty() && u.back() == '/') u.pop_back();
  const bool http = u.rfind("http://", 0) == 0 && u.size() > 7;
  const bool https = u.rfind("https://", 0) == 0 && u.size() > 8;
  if (!http && !https)
    return Status::InvalidArgument(ErrorCode::kNone, "--url: expected http://HOST:PORT or https://HOST, got '" + url + "'");
  return u;
}

std::string UrlEncode(const std::string& value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

core::Result<HttpResponse> AdminClient::Send(const std::string& method, const std::string& path, const json& body,
                                             const std::string& bearer, const std::string& accept) {
  HttpRequest request;
  request.method = method;
  request.url = profile_.url + kAdminApiPath + path;
  request.headers = {{"Accept", accept}, {"X-BAAS-Request-Origin", kRequestOrigin}};
  if (!bearer.empty()) request.headers.emplace_back("Authorization", "Bearer " + bearer);
  if (!body.is_null()) {
    request.headers.emplace_back("Content-Type", "application/json");
    request.body = body.dump();
  }
  auto response = transport_.Send(request);
  if (!response.ok()) return Status::Unavailable("cannot reach " + profile_.url + ": " + response.status().message());
  return response;
}

Status AdminClient::Refresh() {
  const Status rejected = Status::Unauthenticated(ErrorCode::kNone, "session expired: run guestpass login");
  if (profile_.refresh_token.empty()) return rejected;
  auto response = Send("POST", "/auth/session", nullptr, profile_.refresh_token, "application/json");
  if (!response.ok()) return response.status();
  if (response->status != 201) return rejected;
  json j = ParseBody(*response);
  if (!j.is_object() || !j.contains("access_token") || !j["access_token"].is_string()) return rejected;
  profile_.access_token = j["access_token"].get<std::string>();
  // A refreshed token that cannot be saved still serves this command.
  (void)save_(profile_);
  return Status::Ok();
}

core::Result<HttpResponse> AdminClient::Exchange(const std::string& method, const std::string& path,
                                                 const json& body, Auth auth, const std::string& accept) {
  auto bearer = [&] {
    switch (auth) {
      case Auth::kAccess:
        return profile_.access_token;
      case Auth::kRefresh:
        return profile_.refresh_token;
      case Auth::kNone:
        break;
    }
    return std::string();
  };
  auto response = Send(method, path, body, bearer(), accept);
  if (!response.ok()) return response.status();
  if (auth == Auth::kAccess && IsInvalidSession(*response)) {
    if (Status refreshed = Refresh(); !refreshed.ok()) {
      // A refresh that got no answer keeps the tokens: the session may be
      // fine once the server is back.
      if (refreshed.code() == Code::kUnavailable) return refreshed;
      profile_.access_token.clear();
      profile_.refresh_token.clear();
      (void)save_(profile_);
      return refreshed;
    }
    response = Send(method, path, body, profile_.access_token, accept);
    if (!response.ok()) return response.status();
  }
  if (response->status < 200 || response->status >= 300) return ErrorStatus(*response);
  return response;
}

core::Result<json> AdminClient::Call(const std::string& method, const std::string& path, const json& body,
                                     Auth auth) {
  auto response = Exchange(method, path, body, auth, "application/json");
  if (!response.ok()) return response.status();
  if (response->body.empty()) return json(nullptr);
  json j = ParseBody(*response);
  if (j.is_discarded()) return Status::Internal("the server's answer to " + method + " " + path + " is not JSON");
  return j;
}

core::Result<std::string> AdminClient::GetBytes(const std::string& path, const std::string& accept) {
  auto response = Exchange("GET", path, nullptr, Auth::kAccess, accept);
  if (!response.ok()) return response.status();
  return std::move(response->body);
}

}  // namespace guestpass::cli
