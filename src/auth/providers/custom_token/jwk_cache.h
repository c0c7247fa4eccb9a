// jwk_cache.h: fetches JWK Sets over HTTP(S) and caches them per URL, for
// Custom JWT providers configured with useJWKURI.
//
// DESIGN: one worker thread does every fetch (libcurl, 5 s timeout, http and
// https only, 1 MiB response limit), so no caller's thread ever blocks on the
// network. Concurrent requests for a URL being fetched wait for that one fetch.
// Fetches of one URL are at least `min_refresh_interval` apart whatever the
// callers ask (a flood of tokens with made-up kids cannot hammer the issuer);
// inside that interval callers get the cached set, or the last fetch error if
// there is none. A failed refetch keeps serving the previous set.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "auth/providers/custom_token/jwk_set.h"
#include "core/clock.h"
#include "core/status.h"

namespace guestpass::auth::custom_token {

using JwkSetCallback = std::function<void(core::Result<std::shared_ptr<const JwkSet>>)>;

// Thread-safe.
class JwkCache {
 public:
  // `clock` (not owned; must outlive the cache) decides freshness; nullptr
  // means the system clock. Tests pass a ManualClock.
  explicit JwkCache(int64_t ttl_seconds = 600, int64_t min_refresh_interval_seconds = 30,
                    const core::Clock* clock = nullptr);
  // Stops the worker, aborting a fetch in progress; callbacks still pending
  // get Unavailable. REQUIRES: no GetKeys call is in progress on another thread.
  ~JwkCache();
  JwkCache(const JwkCache&) = delete;
  JwkCache& operator=(const JwkCache&) = delete;

  // Calls `done` exactly once with the keys of the JWK Set at `uri`: inline
  // from the cache if it is younger than the TTL, else on the worker thread
  // after a fetch. With `force_refresh` (a token names an unknown kid) it
  // refetches even a fresh set, unless the last fetch of `uri` is younger than
  // min_refresh_interval. Errors: Unavailable (ServiceUnavailable) naming the
  // URL and the cause when the set cannot be fetched or parsed and no earlier
  // set is cached, or when the cache is shutting down.
  void GetKeys(const std::string& uri, bool force_refresh, JwkSetCallback done);

 private:
  struct Entry {
    std::shared_ptr<const JwkSet> keys;   // last good set, or null
    int64_t fetched_at = 0;               // when `keys` was fetched
    std::optional<int64_t> last_attempt;  // when the last fetch finished
    core::Status last_error;              // its error, OK if it succeeded
    bool fetching = false;                // queued or in progress
    std::vector<JwkSetCallback> waiters;  // called when the fetch finishes
  };

  void RunWorker();
  // Blocking HTTP GET and parse; runs on the worker thread only.
  core::Result<std::shared_ptr<const JwkSet>> Fetch(const std::string& uri);

  const int64_t ttl_seconds_;
  const int64_t min_refresh_interval_seconds_;
  core::SystemClock system_clock_;
  const core::Clock& clock_;

  std::mutex mutex_;                                // guards the fields below
  std::condition_variable wake_;                    // queue_ grew or stopping_ set
  std::unordered_map<std::string, Entry> entries_;  // by URL
  std::deque<std::string> queue_;                   // URLs to fetch, in order
  bool stopping_ = false;

  std::atomic<bool> abort_fetch_{false};  // read by libcurl's progress callback
  std::thread worker_;                    // started last
};

}  // namespace guestpass::auth::custom_token
