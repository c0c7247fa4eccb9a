// postgres_store.h: the Store on a PostgreSQL database (libpq), for several
// stateless guestpass servers sharing one database.
//
// DESIGN: writer threads (`writers`, 3 by default) own a write connection
// each. Writes from all callers queue to them; a writer takes everything
// queued (up to max_batch) and applies it as one transaction, each write inside its own SAVEPOINT so one failure spares
// the others, commits, and only then calls each write's callback: group commit, so N concurrent logins share one commit
// and one WAL flush; while one writer waits for its commit (or a stalled fsync), the others run the next batches.
// Writers of one server then race like servers do (row locks, advisory locks, unique indexes: see below); a write that
// loses a deadlock fails alone (Unavailable), in its savepoint. Anonymous sign-ups, which cannot fail but for the
// database itself, are inserted by one multi-row statement per run of them (arrays through unnest), sent with its
// savepoint in one round trip (libpq pipeline mode); if it fails anyway, the run is rolled back and replayed with a
// savepoint per sign-up. Reads run on a small pool of reader threads, each with its own connection, so a slow database
// never blocks the callers' (HTTP) threads.
//
// Sessions are cached (store/session_cache.h, as on SQLite) and the cache is
// kept true across servers by LISTEN/NOTIFY (session_listener.h): every
// write that changes what GetSessionWithUser returns names the users it
// changed in a NOTIFY inside its transaction (delivered at commit to every
// server), and invalidates them in this server's cache before it is
// acknowledged; a cached read first waits for a barrier on the LISTEN
// connection, so it sees every write acknowledged anywhere before it
// arrived, as a database read would. While the LISTEN connection is down the
// cache is cleared and bypassed: what one server writes (a logout, a
// deletion, a disabled user) holds on every other server at once.
//
// Faults: every wait for the database is bounded by `timeout` (connecting,
// each statement; the server's statement_timeout a second later, so that
// guestpass always gives up first: a COMMIT cancelled while it waits for a
// synchronous standby is reported as success), and an operation
// that waited longer than that in the queue fails without running: the
// caller gets Unavailable (HTTP 503) within about twice the timeout, never a
// hang. Broken connections are replaced on next use (a failed connect is
// retried at most every kReconnectPause); a read that failed on a connection
// found dead is retried once on a new one. A failed commit acknowledges no
// write of its batch.
//
// Cross-server rules: migrations run under a session advisory lock; the
// anonymous-user cap counts under a per-app transaction advisory lock, so
// servers cannot both take the last place; audit events take their seq
// under a transaction advisory lock, so they page in commit order; unique
// indexes decide races on identities, names and emails.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "store/postgres/pg_connection.h"
#include "store/postgres/session_listener.h"
#include "store/session_cache.h"
#include "store/store.h"

namespace guestpass::store::postgres {

struct PostgresOptions {
  std::string conninfo;  // libpq URI or key=value string (several hosts: target_session_attrs=read-write)
  std::string schema;    // tables live in this schema (created if missing); empty: the connection's default
  std::chrono::milliseconds timeout{5000};  // see DESIGN
  size_t readers = 4;                       // reader threads (one connection each); REQUIRES: >= 1
  size_t writers = 3;                       // writer threads (one connection each); REQUIRES: >= 1
  size_t max_batch = 1024;                  // most writes per transaction
  bool create = true;                       // false: NotFound unless the database has a guestpass schema already
  // Sessions the cache holds; 0: no cache and no LISTEN connection (every
  // read asks the database). Writes notify other servers either way.
  size_t session_cache = 50'000;
};

class PostgresStore final : public Store {
 public:
  // Connects, then applies pending migrations under an advisory lock (so
  // servers starting at once migrate once). Unavailable when the database
  // cannot be reached; InvalidArgument for a malformed conninfo; NotFound
  // without `create` when the database has no guestpass schema; Internal
  // when the database's schema is newer than this build (it refuses to run
  // on a schema it does not know) or a migration fails.
  static core::Result<std::unique_ptr<PostgresStore>> Open(PostgresOptions options);
  // The schema version this build migrates to (the number of migrations).
  static int64_t LatestSchemaVersion();
  // Finishes every queued write and read (their callbacks run), then closes.
  ~PostgresStore() override;

  void ListApps(Callback<std::vector<core::App>> done) override;
  void PutApp(core::App app, StatusCallback done) override;
  void DeleteApp(core::ObjectId app_id, core::Deletion why, StatusCallback done) override;
  void AppendLogEvents(std::vector<core::LogEvent> events, StatusCallback done) override;
  void ListLogEvents(LogQuery query, Callback<std::vector<core::LogEvent>> done) override;
  void PurgeLogEvents(int64_t before_ms, size_t limit, Callback<int64_t> done) override;
  void ListSecrets(core::ObjectId app_id, Callback<std::vector<core::Secret>> done) override;
  void PutSecret(core::Secret secret, bool create, StatusCallback done) override;
  void DeleteSecret(core::ObjectId app_id, core::ObjectId secret_id, StatusCallback done) override;
  void ListSigningKeys(Callback<std::vector<core::StoredSigningKey>> done) override;
  void AddSigningKey(core::StoredSigningKey key, StatusCallback done) override;
  void DeleteSigningKey(std::string kid, StatusCallback done) override;
  void ConfigVersion(Callback<int64_t> done) override;
  void Deploy(core::App app, core::Deployment deployment, core::ObjectId close_draft, StatusCallback done) override;
  void ListDeployments(core::ObjectId app_id, size_t limit, Callback<std::vector<core::Deployment>> done) override;
  void GetDeployment(core::ObjectId app_id, core::ObjectId deployment_id, Callback<core::Deployment> done) override;
  void PutDraft(core::Draft draft, bool create, StatusCallback done) override;
  void GetDraft(core::ObjectId app_id, Callback<std::optional<core::Draft>> done) override;
  void DeleteDraft(core::ObjectId app_id, core::ObjectId draft_id, StatusCallback done) override;
  void CreateUserWithSession(core::User user, core::Session session, int64_t anonymous_cap,
                             StatusCallback done) override;
  void CreateSession(core::Session session, StatusCallback done) override;
  void RecordActivity(core::ObjectId user_id, int64_t at, StatusCallback done) override;
  void FindUserByIdentity(core::ObjectId app_id, std::string provider_type, std::string identity_id,
                          Callback<core::User> done) override;
  void LinkIdentity(core::ObjectId user_id, core::Identity identity, std::string data_json,
                    StatusCallback done) override;
  void CreateUser(core::User user, NewUserLogin login, int64_t now, StatusCallback done) override;
  void ListServerApiKeys(core::ObjectId app_id, Callback<std::vector<core::ApiKey>> done) override;
  void CreateApiKey(core::ApiKey key, StatusCallback done) override;
  void GetApiKey(core::ObjectId key_id, Callback<core::ApiKey> done) override;
  void ListApiKeys(core::ObjectId user_id, Callback<std::vector<core::ApiKey>> done) override;
  void SetApiKeyDisabled(core::ObjectId key_id, core::ObjectId user_id, bool disabled, StatusCallback done) override;
  void DeleteApiKey(core::ObjectId key_id, core::ObjectId user_id, StatusCallback done) override;
  void CreateUserpassAccount(core::UserpassAccount account, std::optional<core::UserpassToken> confirm, int64_t now,
                             StatusCallback done) override;
  void GetUserpassAccount(core::ObjectId app_id, std::string email, Callback<core::UserpassAccount> done) override;
  void PutUserpassToken(core::UserpassToken token, StatusCallback done) override;
  void UseUserpassToken(core::ObjectId token_id, core::SecretHash token_hash, core::UserpassTokenPurpose purpose,
                        std::string new_password_hash, int64_t now, Callback<core::UserpassAccount> done) override;
  void ListPendingUserpassAccounts(core::ObjectId app_id, core::ObjectId after, size_t limit,
                                   Callback<std::vector<core::UserpassAccount>> done) override;
  void ConfirmUserpassAccount(core::ObjectId account_id, StatusCallback done) override;
  void DeletePendingUserpassAccount(core::ObjectId account_id, StatusCallback done) override;
  void GetSessionWithUser(core::ObjectId user_id, core::ObjectId session_id, Callback<SessionWithUser> done) override;
  void GetUser(core::ObjectId user_id, Callback<core::User> done) override;
  void Ping(StatusCallback done) override;
  void DeleteSession(core::ObjectId user_id, core::ObjectId session_id, bool delete_user_if_anonymous,
                     core::Deletion why, Callback<DeleteSessionOutcome> done) override;
  void DeleteUser(core::ObjectId user_id, core::Deletion why, StatusCallback done) override;
  void ListUsers(UserQuery query, Callback<std::vector<core::User>> done) override;
  void CountMatchingUsers(UserQuery query, Callback<int64_t> done) override;
  void SetUserDisabled(core::ObjectId user_id, bool disabled, StatusCallback done) override;
  void ListUserSessions(core::ObjectId user_id, int64_t now, size_t limit,
                        Callback<std::vector<core::Session>> done) override;
  void DeleteUserSessions(core::ObjectId user_id, Callback<int64_t> done) override;
  void CountUsers(core::ObjectId app_id, Callback<int64_t> done) override;
  void CountAnonymousUsers(core::ObjectId app_id, Callback<int64_t> done) override;
  void ListInactiveAnonymousUsers(core::ObjectId app_id, int64_t cutoff, size_t limit,
                                  Callback<std::vector<core::User>> done) override;
  void DeleteInactiveAnonymousUsers(core::ObjectId app_id, int64_t cutoff, size_t limit, core::Deletion why,
                                    Callback<std::vector<core::ObjectId>> done) override;
  void PurgeExpiredSessions(SessionKey after, size_t scan_limit, int64_t now, Callback<PurgeProgress> done) override;
  void ListAuditEvents(core::ObjectId app_id, int64_t after_seq, size_t limit,
                       Callback<std::vector<core::AuditEvent>> done) override;
  void PurgeAuditEvents(int64_t before, size_t limit, Callback<int64_t> done) override;
  void ClaimJob(std::string name, std::string holder, int64_t now, int64_t lease_seconds, Callback<bool> done) override;
  void FinishJob(std::string name, std::string holder, int64_t next_run_at, StatusCallback done) override;

  // The session cache's LISTEN connection (all zero without a cache): for
  // tests and operators.
  SessionListener::Stats SessionCacheStats() const;

 private:
  using Clock = std::chrono::steady_clock;
  // The shortest time between two failed attempts to connect: meanwhile
  // operations that need a new connection fail at once.
  static constexpr std::chrono::milliseconds kReconnectPause{250};
  // Runs of sign-ups at most this long go in one statement (its arrays).
  static constexpr size_t kMaxSignUpsPerStatement = 512;

  // An anonymous sign-up without a cap: a user whose identity is inline and
  // its session, inserts that cannot conflict (fresh time-ordered ids; no
  // unique index on anonymous identities).
  struct SignUp {
    core::User user;
    core::Session session;
  };
  struct WriteOp {
    // Runs on the writer thread inside the batch's transaction and the
    // write's own savepoint, possibly twice: it must set every output it
    // reports anew each time.
    std::function<core::Status(Connection&)> apply;
    std::function<void(core::Status)> complete;  // runs after commit
    // The users whose sessions (as GetSessionWithUser returns them) the
    // write may have changed: named in the batch's NOTIFY when the write
    // succeeded, and dropped from this server's cache before `complete`.
    std::function<std::vector<core::ObjectId>()> touched = nullptr;
    // The write may change any session (an app's deletion): NOTIFY drops
    // every server's whole cache.
    bool touches_all_users = false;
    // Set for an anonymous sign-up: a run of them in a batch is inserted by
    // one multi-row statement under one savepoint (see DESIGN); `apply`
    // inserts this one alone, for a replay.
    std::shared_ptr<const SignUp> signup = nullptr;
    Clock::time_point deadline{};
  };
  struct ReadOp {
    // Runs the read on a connection and keeps its result; returns its status.
    std::function<core::Status(Connection&)> attempt;
    // Delivers the kept result, or `not_run` when the read never ran.
    std::function<void(const core::Status& not_run)> finish;
    Clock::time_point deadline{};
    // Set for a read that is one statement: a reader sends the run of such
    // reads at the head of the queue in one round trip (Connection::Queries)
    // and hands each its rows through `take`, which keeps the result as
    // `attempt` does.
    const char* sql = nullptr;
    std::shared_ptr<const Params> params = nullptr;
    std::function<core::Status(core::Result<Rows>)> take = nullptr;
  };
  // Most reads of one round trip of a reader.
  static constexpr size_t kMaxReadsPerRoundTrip = 64;

  explicit PostgresStore(PostgresOptions options);
  core::Result<std::unique_ptr<Connection>> Connect();

  void Enqueue(WriteOp op);
  void WriterLoop(std::unique_ptr<Connection> db);
  // Runs `batch` in one transaction on `db` (replaced first when it broke);
  // each write's own result in `results`.
  core::Status RunBatch(std::unique_ptr<Connection>& db, std::vector<WriteOp>& batch,
                        std::vector<core::Status>& results);
  core::Status CommitBatch(Connection& db, std::vector<WriteOp>& batch, std::vector<core::Status>& results);
  core::Status RunWithSavepoint(Connection& db, WriteOp& op);
  // The sign-ups batch[begin, end) in one statement; on failure each on its own.
  core::Status RunSignUps(Connection& db, std::vector<WriteOp>& batch, size_t begin, size_t end,
                          std::vector<core::Status>& results);

  void EnqueueRead(ReadOp op);
  void ReaderLoop();
  // Runs `query` on a reader connection and hands `done` its result.
  template <typename T>
  void Read(Callback<T> done, std::function<core::Result<T>(Connection&)> query);
  // The same for a read of one statement, `sql` with `params`, whose rows
  // `parse` turns into the result: sent with its neighbours in one round trip.
  template <typename T>
  void ReadStatement(Callback<T> done, const char* sql, Params params,
                     std::function<core::Result<T>(const Rows&)> parse);

  // The anonymous users of the app, counted once per transaction under the
  // app's cap lock and then kept by the writer's own writes (writer threads
  // only: each keeps its own, cleared at each batch).
  static core::Result<int64_t> CappedAnonymousCount(Connection& db, const core::ObjectId& app_id);
  static std::unordered_map<core::ObjectId, int64_t>& CapCounts();
  // A write that may change an app's anonymous count: recount next time.
  static void ForgetAnonymousCount(const core::ObjectId& app_id) { CapCounts().erase(app_id); }

  // The session and its user from the database (no cache).
  void ReadSessionWithUser(core::ObjectId user_id, core::ObjectId session_id, Callback<SessionWithUser> done);
  // The NOTIFY of the batch's successful writes' `touched`, if any, as one
  // statement whose parameters land in *params; nullptr when none.
  const char* BatchNotify(const std::vector<WriteOp>& batch, const std::vector<core::Status>& results,
                          Params* params) const;

  const PostgresOptions options_;
  const std::string channel_;  // of the NOTIFY that invalidates sessions (SessionListener::ChannelFor)
  SessionCache session_cache_;
  std::unique_ptr<SessionListener> listener_;  // null without a cache

  std::mutex connect_mu_;
  Clock::time_point connect_failed_at_{};  // guarded by connect_mu_
  core::Status last_connect_failure_;      // guarded by connect_mu_

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<WriteOp> queue_;  // guarded by queue_mu_
  bool stopping_ = false;      // guarded by queue_mu_
  std::vector<std::thread> writer_threads_;

  std::mutex reads_mu_;
  std::condition_variable reads_cv_;
  std::deque<ReadOp> reads_;       // guarded by reads_mu_
  bool readers_stopping_ = false;  // guarded by reads_mu_
  std::vector<std::thread> reader_threads_;
};

}  // namespace guestpass::store::postgres
