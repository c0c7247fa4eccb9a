// sqlite_store.h: the embedded default Store on one SQLite file (WAL mode).
//
// DESIGN: one writer thread owns the only write connection. Writes from all
// callers queue to it; it applies everything queued as one transaction (each
// write in its own SAVEPOINT, so one failure does not spoil the others),
// commits with synchronous=FULL (the WAL is fsynced), and only then calls
// each write's callback: group commit, so N concurrent logins cost one fsync.
// Reads run inline on the caller's thread on a pooled read connection; WAL
// lets them proceed while the writer commits. Session reads are served from
// a write-through SessionCache; the writer clears it within
// kOutsideWritePoll when another process commits to the file.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "store/session_cache.h"
#include "store/sqlite/connection.h"
#include "store/store.h"

namespace guestpass::store::sqlite {

struct SqliteOptions {
  std::string path;         // database file; ":memory:" is not supported (WAL)
  size_t max_batch = 1024;  // most writes per transaction
};

class SqliteStore final : public Store {
 public:
  // Opens or creates the database and applies pending migrations.
  static core::Result<std::unique_ptr<SqliteStore>> Open(SqliteOptions options);
  // The schema version this build migrates to (the number of migrations).
  static int64_t LatestSchemaVersion();
  // Finishes every queued write (their callbacks run), then closes.
  ~SqliteStore() override;

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
  void Ping(StatusCallback done) override;
  WriteStats Stats() const override;
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
  void DeleteSession(core::ObjectId user_id, core::ObjectId session_id, bool delete_user_if_anonymous, core::Deletion why,
                     Callback<DeleteSessionOutcome> done) override;
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
  void ClaimJob(std::string name, std::string holder, int64_t now, int64_t lease_seconds,
                Callback<bool> done) override;
  void FinishJob(std::string name, std::string holder, int64_t next_run_at, StatusCallback done) override;

 private:
  struct WriteOp {
    // Runs on the writer thread, possibly twice (see `savepoint`): it must set
    // every output it reports anew each time.
    std::function<core::Status(Connection&)> apply;
    std::function<void(core::Status)> complete;      // runs after commit
    // The user whose cached sessions the write may change; invalidated after
    // a successful commit, before `complete` acknowledges it.
    std::function<core::ObjectId()> touched_user = nullptr;
    // The same for writes that touch many users (batch deletions).
    std::function<std::vector<core::ObjectId>()> touched_users = nullptr;
    // The write may change any cached session (an app's deletion): the
    // whole cache is cleared after a successful commit.
    bool touches_all_users = false;
    // A write runs inside its own SAVEPOINT, so that its failure undoes its
    // partial writes and spares the rest of the batch. A write whose every
    // ordinary failure comes before its first change (an anonymous sign-up:
    // the cap check, then inserts that cannot conflict) may skip it: the
    // savepoint and its release were 5% of a login's instructions. If such a
    // write fails after changing rows after all, the batch is rolled back and
    // run again with a savepoint for every write: the same outcome as if it
    // had had one, at twice the cost, for a case that should not happen.
    bool savepoint = true;
  };
  // How often the writer looks for commits by other processes (data_version).
  static constexpr std::chrono::milliseconds kOutsideWritePoll{100};
  static int64_t DataVersion(Connection& db);

  SqliteStore(SqliteOptions options, std::unique_ptr<Connection> writer);
  void Enqueue(WriteOp op);
  void WriterLoop();
  // One transaction over `batch`; each write's own result in `results`.
  // Sets *partial when a write without a savepoint failed after changing
  // rows (the transaction is then rolled back).
  core::Status CommitBatch(Connection& db, std::vector<WriteOp>& batch, std::vector<core::Status>& results,
                           bool savepoint_every_write, bool* partial);

  // A read connection from the pool; returned by the deleter.
  struct ReaderReturn {
    SqliteStore* store;
    void operator()(Connection* c) const;
  };
  using Reader = std::unique_ptr<Connection, ReaderReturn>;
  core::Result<Reader> AcquireReader();
  // The reads behind the Store methods; they release their connection
  // before the caller's callback runs.
  core::Result<std::vector<core::App>> ReadApps();
  core::Result<std::vector<core::Deployment>> ReadDeployments(const core::ObjectId& app_id,
                                                              const core::ObjectId* only, size_t limit);
  core::Result<SessionWithUser> ReadSessionWithUser(const core::ObjectId& user_id, const core::ObjectId& session_id);
  core::Result<core::User> ReadUser(const core::ObjectId& user_id);
  static core::Result<core::User> ReadUserOn(Connection& db, const core::ObjectId& user_id);
  core::Result<std::vector<core::ApiKey>> ReadApiKeys(const char* sql, const core::ObjectId& id);
  static core::Result<int64_t> CountAnonymous(Connection& db, const core::ObjectId& app_id);
  // The app's anonymous users as the writer sees them: counted once (only
  // apps with a cap ask), then kept by the writer's own writes. Writer only.
  core::Result<int64_t> WriterAnonymousCount(Connection& db, const core::ObjectId& app_id);

  const SqliteOptions options_;
  std::unique_ptr<Connection> writer_;  // used only by writer_thread_

  mutable std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<WriteOp> queue_;  // guarded by queue_mu_
  // For /metrics (Stats), written by the writer thread.
  static constexpr double kBatchSizes[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};
  metrics::Counter batches_, writes_;
  metrics::Histogram batch_sizes_{kBatchSizes};
  metrics::Histogram commit_seconds_{metrics::kLatencySeconds};
  bool stopping_ = false;      // guarded by queue_mu_
  std::thread writer_thread_;

  SessionCache session_cache_{50'000, /*ttl_seconds=*/10};
  // Per-app anonymous user counts for the cap (see WriterAnonymousCount):
  // dropped when another process writes, a commit fails, or a link or key
  // deletion may change who is anonymous. Writer thread only.
  std::unordered_map<core::ObjectId, int64_t> anonymous_counts_;

  std::mutex readers_mu_;
  std::vector<std::unique_ptr<Connection>> idle_readers_;  // guarded by readers_mu_
};

}  // namespace guestpass::store::sqlite
