// event_log.h: records the apps' logs (the Admin API's GET .../logs) off
// the request path. Record() queues an event and returns at once; a thread
// appends what is queued in one store write every flush interval, and
// deletes events older than the retention. A request never waits for its
// log line, so logging costs the client API a queue push; when the queue is
// full (the store cannot keep up), events are dropped and counted rather
// than memory growing without end.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/model.h"
#include "core/object_id.h"
#include "store/store.h"

namespace guestpass::admin {

struct EventLogOptions {
  int64_t retention_days = 10;  // App Services keeps logs 10 days
  size_t max_queued = 100'000;
  std::chrono::milliseconds flush_interval{500};
};

class EventLog {
 public:
  EventLog(store::Store& store, const core::Clock& clock, core::ObjectIdGenerator& ids, EventLogOptions options = {});
  // Writes what is queued, then stops.
  ~EventLog();
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;

  // Queues `event` (thread-safe, never blocks on the store), giving it an id
  // and its time (the clock's second, in milliseconds) when it has none.
  void Record(core::LogEvent event);
  // Entries waiting to be written now (/metrics).
  size_t queued() const;
  // Writes everything queued now and waits for it (tests, shutdown).
  void Flush();
  int64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  void Loop();
  void WriteQueued();

  store::Store& store_;
  const core::Clock& clock_;
  core::ObjectIdGenerator& ids_;
  const EventLogOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<core::LogEvent> queue_;  // guarded by mu_
  bool stopping_ = false;              // guarded by mu_
  std::mutex write_mu_;                // one writer at a time (Loop, Flush)
  std::atomic<int64_t> dropped_{0};
  int64_t next_purge_ms_ = 0;          // writer only
  std::thread thread_;
};

}  // namespace guestpass::admin
