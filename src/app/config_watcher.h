// config_watcher.h: keeps what a running server holds in memory of the
// store's shared state current, whoever changed it: another server on the
// same PostgreSQL database, an offline tool (`guestpass keys rotate`), or
// this server's own Admin API. Every interval it reads Store::ConfigVersion
// (one small read); when the number moved it runs `reload` (the signing
// keys into the TokenService, the apps' deployed configuration and secrets
// into the registry) on the admin worker, so a reload and an Admin API change
// never interleave. A deployment through one server so takes effect on every
// server within about one interval plus the reload.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "admin/worker.h"
#include "store/store.h"

namespace guestpass::app {

class ConfigWatcher {
 public:
  static constexpr std::chrono::milliseconds kDefaultInterval{250};
  // `reload` runs on `worker`; it must not throw.
  ConfigWatcher(store::Store& store, admin::Worker& worker, std::function<void()> reload,
                std::chrono::milliseconds interval = kDefaultInterval);
  ~ConfigWatcher();  // Stop()s
  ConfigWatcher(const ConfigWatcher&) = delete;
  ConfigWatcher& operator=(const ConfigWatcher&) = delete;

  // Polls on a thread. The first poll reloads (whatever changed between
  // the server's loading its state and now is then loaded too).
  void Start();
  // Ends the thread after the poll in progress. Reloads already posted run.
  void Stop();

 private:
  void Loop();
  std::optional<int64_t> ReadVersion();

  store::Store& store_;
  admin::Worker& worker_;
  std::function<void()> reload_;
  const std::chrono::milliseconds interval_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  std::optional<int64_t> seen_;
  bool unreadable_logged_ = false;
  std::thread thread_;
};

}  // namespace guestpass::app
