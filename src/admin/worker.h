// worker.h: the Admin API's own thread. Configuration changes read, change
// and write the store in several steps; running them one at a time here
// keeps two admins' changes from interleaving, and keeps their blocking
// store calls off the HTTP threads, so admin work never slows the client API.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace guestpass::admin {

class Worker {
 public:
  Worker();
  // Runs the jobs already posted, then stops.
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Runs `job` on the worker thread after the jobs posted before it.
  void Post(std::function<void()> job);
  // Jobs waiting now (/metrics).
  size_t queued() const;

  // Post() for a job with a result: `done(job())` on the worker thread.
  template <typename R, typename Done>
  void Run(std::function<R()> job, Done done) {
    Post([job = std::move(job), done = std::move(done)]() mutable { done(job()); });
  }

 private:
  void Loop();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;  // guarded by mu_
  bool stopping_ = false;                   // guarded by mu_
  std::thread thread_;
};

}  // namespace guestpass::admin
