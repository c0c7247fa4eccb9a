// session_listener.h: keeps the PostgreSQL back end's SessionCache true
// while other servers write to the same database: one LISTEN connection, on
// a thread of its own, applies the notifications every server's writes send,
// and read barriers make a cache hit as fresh as a database read. Not the
// cache itself (store/session_cache.h) nor what sends the notifications
// (PostgresStore's writer).
//
// DESIGN: every write that changes what GetSessionWithUser returns (a
// logout, a deleted or disabled user, revoked sessions, a link, ...) sends
// `NOTIFY <channel>, '<user id>,<user id>...'` in its own transaction, so
// every listening session receives it once the transaction commits, and
// nothing if it rolls back. It arrives a little after the commit, though,
// and a client can be quicker: a logout acknowledged by server A, then at
// once a refresh at server B. So a reader of the cache first waits for a
// barrier (AfterBarrier): the listener sends a Sync message on its
// connection, a round trip that runs no statement; PostgreSQL sends a
// listening session the notifications pending when it reads a message,
// before it answers it, so on the answer the listener has applied every
// notification of every transaction that committed before the Sync reached
// the server, and only then lets in the readers that asked before it sent
// the Sync. A write acknowledged anywhere before a read arrived is thus
// seen by the read, cached or not. One Sync serves every reader that asked
// meanwhile (the next one goes as soon as the last returns), and costs the
// database next to nothing. The readers' continuations run on the
// listener's thread, one after another (for a hit, the rest of the request's
// checks and a refresh's new token): that thread bounds the rate of hits,
// far above what two cores serve, but a limit on a many-core machine.
//
// While the connection is down, and until LISTEN is back after a reconnect,
// notifications may be lost: the cache is cleared when the connection goes
// and again once LISTEN is back, and in between AfterBarrier answers `false`
// at once, so readers go to the database. A barrier that fails (the
// database did not answer within the timeout) does the same.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/object_id.h"
#include "store/postgres/pg_connection.h"
#include "store/session_cache.h"

namespace guestpass::store::postgres {

class SessionListener {
 public:
  struct Options {
    ConnectionOptions connection;  // its timeout bounds a barrier too
    std::string channel;           // ChannelFor(schema)
    std::chrono::milliseconds reconnect_pause{250};
  };
  // Connects and LISTENs once before returning (the cache is used from then
  // on); if that fails, the thread keeps trying every reconnect_pause and
  // the cache stays bypassed meanwhile. `cache` must outlive this.
  SessionListener(Options options, SessionCache& cache);
  // Releases waiting readers with `false`, then stops the thread.
  ~SessionListener();
  SessionListener(const SessionListener&) = delete;
  SessionListener& operator=(const SessionListener&) = delete;

  // Runs `then(true)`, on the listener's thread, once the cache reflects
  // every write committed before this call; or `then(false)` (on this
  // thread or the listener's) when the cache must not be used: not
  // listening, or the barrier failed. `then` runs exactly once; it should
  // be quick (it holds up the next barrier).
  void AfterBarrier(std::function<void(bool live)> then);

  struct Stats {
    bool listening = false;      // the cache is in use
    uint64_t connects = 0;       // LISTENs that succeeded
    uint64_t barriers = 0;       // Syncs answered
    uint64_t notifications = 0;  // notifications applied
  };
  Stats stats() const;

  // The channel of the servers whose tables live in `schema` ("" for the
  // connection's default): guestpass_sessions, with the schema appended
  // (or its hash, when it is not a plain lowercase name or too long).
  static std::string ChannelFor(const std::string& schema);
  // The payload that drops every cached session (an app's deletion; an
  // operator can send it by hand after editing tables directly).
  static constexpr std::string_view kEveryone = "*";
  // The payloads naming `users` (hex ids, comma-separated), each within
  // PostgreSQL's 8000-byte limit.
  static std::vector<std::string> Payloads(const std::vector<core::ObjectId>& users);

 private:
  void Run();
  // Connects and LISTENs; the connection, or null after a failure.
  std::unique_ptr<Connection> Listen();
  // Applies the notifications `db` has buffered.
  void Apply(Connection& db);
  // Not listening any more: clears the cache and releases the waiters.
  void GoDown(std::unique_ptr<Connection>& db);
  // Waits for input on `db` or a wake-up; false when the connection broke.
  bool WaitForInput(Connection& db);
  void Wake();

  const Options options_;
  SessionCache& cache_;
  int wake_fd_ = -1;  // eventfd: a reader asked for a barrier while the thread waited

  mutable std::mutex mu_;
  std::condition_variable stop_cv_;
  bool live_ = false;                                 // guarded by mu_
  bool idle_ = false;                                 // guarded by mu_: the thread waits in poll()
  bool stopping_ = false;                             // guarded by mu_
  std::vector<std::function<void(bool)>> waiters_;  // guarded by mu_
  std::unique_ptr<Connection> first_;                 // the constructor's connection, for the thread

  std::atomic<uint64_t> connects_{0};
  std::atomic<uint64_t> barriers_{0};
  std::atomic<uint64_t> notifications_{0};
  std::thread thread_;
};

}  // namespace guestpass::store::postgres
