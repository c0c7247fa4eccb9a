// jwk_cache.cc: the JWK Set cache and its libcurl worker thread.
#include "auth/providers/custom_token/jwk_cache.h"

#include "net/curl_global.h"

#include <curl/curl.h>

#include <cstdio>
#include <cstdlib>

namespace guestpass::auth::custom_token {

using core::Result;
using core::Status;

namespace {
constexpr long kTimeoutMs = 5000;
constexpr size_t kMaxBodyBytes = 1 << 20;

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};

struct Download {
  std::string body;
  bool too_large = false;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* download = static_cast<Download*>(user);
  const size_t bytes = size * count;
  if (download->body.size() + bytes > kMaxBodyBytes) {
    download->too_large = true;
    return 0;  // makes libcurl fail with CURLE_WRITE_ERROR
  }
  download->body.append(data, bytes);
  return bytes;
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<std::atomic<bool>*>(user)->load() ? 1 : 0;  // non-zero aborts the transfer
}

Status FetchError(const std::string& uri, const std::string& cause) {
  return Status::Unavailable("could not fetch the JWK Set from " + uri + ": " + cause);
}
}  // namespace

JwkCache::JwkCache(int64_t ttl_seconds, int64_t min_refresh_interval_seconds, const core::Clock* clock)
    : ttl_seconds_(ttl_seconds),
      min_refresh_interval_seconds_(min_refresh_interval_seconds),
      clock_(clock != nullptr ? *clock : system_clock_) {
  net::InitCurlOnce();
  worker_ = std::thread([this] { RunWorker(); });
}

JwkCache::~JwkCache() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  abort_fetch_.store(true);
  wake_.notify_all();
  worker_.join();

  std::vector<JwkSetCallback> pending;
  {
    std::lock_guard lock(mutex_);
    for (auto& [uri, entry] : entries_) {
      for (auto& waiter : entry.waiters) pending.push_back(std::move(waiter));
      entry.waiters.clear();
      entry.fetching = false;
    }
    queue_.clear();
  }
  for (auto& done : pending) done(Status::Unavailable("JWK Set cache is shutting down"));
}

void JwkCache::GetKeys(const std::string& uri, bool force_refresh, JwkSetCallback done) {
  Result<std::shared_ptr<const JwkSet>> answer = Status::Unavailable("JWK Set cache is shutting down");
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      Entry& entry = entries_[uri];
      if (entry.fetching) {
        entry.waiters.push_back(std::move(done));
        return;
      }
      const int64_t now = clock_.NowSeconds();
      bool fetch = entry.keys == nullptr || now - entry.fetched_at >= ttl_seconds_ || force_refresh;
      if (fetch && entry.last_attempt && now - *entry.last_attempt < min_refresh_interval_seconds_) fetch = false;
      if (fetch) {
        entry.fetching = true;
        entry.waiters.push_back(std::move(done));
        queue_.push_back(uri);
        wake_.notify_one();
        return;
      }
      if (entry.keys != nullptr) {
        answer = entry.keys;
      } else {
        answer = entry.last_error;  // not OK: a failed attempt inside the interval
      }
    }
  }
  done(std::move(answer));
}

void JwkCache::RunWorker() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    const std::string uri = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    auto fetched = Fetch(uri);
    lock.lock();

    Entry& entry = entries_[uri];
    entry.last_attempt = clock_.NowSeconds();
    entry.fetching = false;
    if (fetched.ok()) {
      entry.keys = *fetched;
      entry.fetched_at = *entry.last_attempt;
      entry.last_error = Status::Ok();
    } else {
      entry.last_error = fetched.status();
    }
    // After a failure, keep serving the previous set if there is one.
    const Result<std::shared_ptr<const JwkSet>> answer =
        fetched.ok() || entry.keys == nullptr ? std::move(fetched) : Result<std::shared_ptr<const JwkSet>>(entry.keys);
    std::vector<JwkSetCallback> waiters = std::move(entry.waiters);
    entry.waiters.clear();

    // Callbacks may call GetKeys (a forced refresh), so run them unlocked.
    lock.unlock();
    for (auto& done : waiters) done(answer);
    lock.lock();
  }
}

Result<std::shared_ptr<const JwkSet>> JwkCache::Fetch(const std::string& uri) {
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return FetchError(uri, "curl_easy_init failed");
  Download download;
  char error_buffer[CURL_ERROR_SIZE] = {};
  CURL* handle = curl.get();
  curl_easy_setopt(handle, CURLOPT_URL, uri.c_str());
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(handle, CURLOPT_MAXREDIRS, 3L);
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, kTimeoutMs);
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);  // required with threads
  curl_easy_setopt(handle, CURLOPT_USERAGENT, "guestpass");
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &download);
  curl_easy_setopt(handle, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, OnProgress);
  curl_easy_setopt(handle, CURLOPT_XFERINFODATA, &abort_fetch_);

  const CURLcode code = curl_easy_perform(handle);
  if (download.too_large) return FetchError(uri, "response is larger than 1 MiB");
  if (code != CURLE_OK) {
    if (code == CURLE_ABORTED_BY_CALLBACK) return Status::Unavailable("JWK Set cache is shutting down");
    return FetchError(uri, error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code));
  }
  long http_status = 0;
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &http_status);
  if (http_status != 200) return FetchError(uri, "HTTP status " + std::to_string(http_status));
  auto set = JwkSet::Parse(download.body);
  if (!set.ok()) return FetchError(uri, set.status().message());
  return set;
}

}  // namespace guestpass::auth::custom_token
