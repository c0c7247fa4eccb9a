// config_watcher.cc: the polling loop.
#include "app/config_watcher.h"

#include "log/logger.h"
#include "store/sync.h"

namespace guestpass::app {

ConfigWatcher::ConfigWatcher(store::Store& store, admin::Worker& worker, std::function<void()> reload,
                             std::chrono::milliseconds interval)
    : store_(store), worker_(worker), reload_(std::move(reload)), interval_(interval) {}

ConfigWatcher::~ConfigWatcher() { Stop(); }

std::optional<int64_t> ConfigWatcher::ReadVersion() {
  auto version = store::Await<int64_t>([&](auto done) { store_.ConfigVersion(done); });
  if (version.ok()) {
    if (unreadable_logged_) log::Info("the configuration version is readable again", {});
    unreadable_logged_ = false;
    return *version;
  }
  // The store is down (PostgreSQL restarting): requests see 503s; say it
  // here once, and catch up when it answers again.
  if (!unreadable_logged_)
    log::Warn("cannot read the configuration version; changes by other servers wait until it is readable",
              {{"error", version.status().message()}});
  unreadable_logged_ = true;
  return std::nullopt;
}

void ConfigWatcher::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void ConfigWatcher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ConfigWatcher::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!cv_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    const std::optional<int64_t> now = ReadVersion();
    if (now && now != seen_) {
      seen_ = now;
      worker_.Post(reload_);
    }
    lock.lock();
  }
}

}  // namespace guestpass::app
