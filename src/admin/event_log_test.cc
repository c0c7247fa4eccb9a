// event_log_test.cc: the apps' log queues events from many request threads
// at once and writes them from its own thread: none is lost or doubled, a
// full queue drops and counts, and destruction writes what is left. Over
// the SQLite store, so that under ThreadSanitizer (scripts/sanitize.sh) the
// log's thread, the store's writer and the recording threads run together.
#include "admin/event_log.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

#include "store/sqlite/sqlite_store.h"
#include "store/sync.h"
#include "testutil/temp_dir.h"

namespace guestpass::admin {
namespace {

class EventLogTest : public ::testing::Test {
 protected:
  EventLogTest() {
    auto opened = store::sqlite::SqliteStore::Open({dir_.path() + "/guestpass.db"});
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    if (opened.ok()) store_ = std::move(*opened);
  }

  core::LogEvent Event(const std::string& what) const {
    core::LogEvent e;
    e.app_id = app_;
    e.type = "AUTH";
    e.entry_json = R"({"what":")" + what + R"("})";
    return e;
  }

  std::vector<core::LogEvent> Stored(size_t limit = 10'000) {
    store::Store::LogQuery query;
    query.app_id = app_;
    query.limit = limit;
    auto events = store::Await<std::vector<core::LogEvent>>([&](auto done) { store_->ListLogEvents(query, done); });
    EXPECT_TRUE(events.ok()) << events.status().ToString();
    return events.ok() ? *events : std::vector<core::LogEvent>{};
  }

  testutil::TempDir dir_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  core::ManualClock clock_{1'700'000'000};
  core::SeededRandom random_{5};
  core::ObjectIdGenerator ids_{clock_, random_};
  core::ObjectId app_ = ids_.Next();
};

TEST_F(EventLogTest, EventsFromManyThreadsAreAllWrittenOnce) {
  constexpr int kThreads = 4, kEvents = 250;
  {
    EventLog log(*store_, clock_, ids_, {.flush_interval = std::chrono::milliseconds(5)});
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kEvents; ++i) log.Record(Event(std::to_string(t) + "-" + std::to_string(i)));
      });
    }
    // Flushes race with the log's own thread and the recording threads.
    for (int i = 0; i < 5; ++i) log.Flush();
    for (auto& t : threads) t.join();
    log.Flush();
    EXPECT_EQ(log.dropped(), 0);
  }
  const auto events = Stored();
  ASSERT_EQ(events.size(), size_t{kThreads * kEvents});
  std::set<std::string> seen;
  for (const auto& e : events) {
    EXPECT_EQ(e.at_ms, clock_.NowSeconds() * 1000);
    EXPECT_FALSE(e.id.IsZero());
    seen.insert(e.entry_json);
  }
  EXPECT_EQ(seen.size(), size_t{kThreads * kEvents});
}

TEST_F(EventLogTest, DestructionWritesWhatIsQueued) {
  {
    // A flush interval no test waits for: only the destructor writes.
    EventLog log(*store_, clock_, ids_, {.flush_interval = std::chrono::hours(1)});
    for (int i = 0; i < 10; ++i) log.Record(Event(std::to_string(i)));
  }
  EXPECT_EQ(Stored().size(), 10u);
}

TEST_F(EventLogTest, AFullQueueDropsAndCounts) {
  {
    EventLog log(*store_, clock_, ids_, {.max_queued = 3, .flush_interval = std::chrono::hours(1)});
    for (int i = 0; i < 5; ++i) log.Record(Event(std::to_string(i)));
    EXPECT_EQ(log.dropped(), 2);
  }
  EXPECT_EQ(Stored().size(), 3u);
}

}  // namespace
}  // namespace guestpass::admin
