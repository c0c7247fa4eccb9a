// event_log.cc: a queue, a thread, one write per flush.
#include "admin/event_log.h"

#include "log/logger.h"
#include "store/sync.h"

namespace guestpass::admin {

EventLog::EventLog(store::Store& store, const core::Clock& clock, core::ObjectIdGenerator& ids, EventLogOptions options)
    : store_(store), clock_(clock), ids_(ids), options_(options), thread_([this] { Loop(); }) {}

EventLog::~EventLog() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
  WriteQueued();
}

void EventLog::Record(core::LogEvent event) {
  if (event.id.IsZero()) event.id = ids_.Next();
  if (event.at_ms == 0) event.at_ms = clock_.NowSeconds() * 1000;
  std::lock_guard<std::mutex> lock(mu_);
  if (queue_.size() >= options_.max_queued) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  queue_.push_back(std::move(event));
}

void EventLog::Flush() { WriteQueued(); }

void EventLog::WriteQueued() {
  std::lock_guard<std::mutex> writing(write_mu_);
  std::vector<core::LogEvent> batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    batch.swap(queue_);
  }
  if (!batch.empty()) {
    const size_t n = batch.size();
    core::Status s = store::AwaitStatus([&](auto done) { store_.AppendLogEvents(std::move(batch), done); });
    if (!s.ok()) {
      dropped_.fetch_add(static_cast<int64_t>(n), std::memory_order_relaxed);
      log::Warn("could not write the apps' log events", {{"events", std::to_string(n)}, {"error", s.ToString()}});
    }
  }
  const int64_t now_ms = clock_.NowSeconds() * 1000;
  if (options_.retention_days > 0 && now_ms >= next_purge_ms_) {
    next_purge_ms_ = now_ms + 3'600'000;  // hourly
    const int64_t before = now_ms - options_.retention_days * 86'400'000;
    for (;;) {  // bounded writes, so logins never wait behind one huge delete
      auto n = store::Await<int64_t>([&](auto done) { store_.PurgeLogEvents(before, 5000, done); });
      if (!n.ok() || *n < 5000) break;
    }
  }
}

void EventLog::Loop() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, options_.flush_interval, [this] { return stopping_; });
      if (stopping_) return;
    }
    WriteQueued();
  }
}

size_t EventLog::queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

}  // namespace guestpass::admin
