// worker_test.cc: the Admin API's thread runs jobs one at a time in the order
// posted, from any number of posting threads, and finishes the queue when
// destroyed. Under ThreadSanitizer (scripts/sanitize.sh) it also checks that
// a job sees what its poster wrote before posting.
#include "admin/worker.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>
#include <vector>

namespace guestpass::admin {
namespace {

TEST(WorkerTest, RunsJobsOneAtATimeInTheOrderPosted) {
  std::vector<int> order;  // touched only by jobs: the worker serializes them
  {
    Worker worker;
    for (int i = 0; i < 100; ++i) worker.Post([&order, i] { order.push_back(i); });
  }  // the destructor runs what is queued
  ASSERT_EQ(order.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(order[i], i);
}

TEST(WorkerTest, JobsFromManyThreadsNeverOverlap) {
  constexpr int kThreads = 4, kJobs = 200;
  int64_t total = 0;  // plain: only jobs touch it
  std::atomic<int> running{0};
  std::atomic<bool> overlapped{false};
  {
    Worker worker;
    std::vector<std::thread> posters;
    for (int t = 0; t < kThreads; ++t) {
      posters.emplace_back([&] {
        for (int j = 0; j < kJobs; ++j) {
          worker.Post([&] {
            if (running.fetch_add(1) != 0) overlapped = true;
            ++total;
            running.fetch_sub(1);
          });
        }
      });
    }
    for (auto& p : posters) p.join();
  }
  EXPECT_FALSE(overlapped);
  EXPECT_EQ(total, kThreads * kJobs);
}

TEST(WorkerTest, RunHandsTheResultToDoneOnTheWorkerThread) {
  Worker worker;
  std::promise<std::pair<int, std::thread::id>> got;
  std::thread::id job_thread;
  worker.Run<int>([&] {
    job_thread = std::this_thread::get_id();
    return 42;
  }, [&](int v) { got.set_value({v, std::this_thread::get_id()}); });
  const auto [value, done_thread] = got.get_future().get();
  EXPECT_EQ(value, 42);
  EXPECT_EQ(done_thread, job_thread);
  EXPECT_NE(done_thread, std::this_thread::get_id());
}

}  // namespace
}  // namespace guestpass::admin
