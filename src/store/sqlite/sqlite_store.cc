// sqlite_store.cc: SQL of the SQLite back end, its group-commit writer and
// its reader pool.
#include "store/sqlite/sqlite_store.h"

#include <algorithm>

#include "store/app_codec.h"
#include "store/sqlite/migrations.h"

namespace guestpass::store::sqlite {

using core::ErrorCode;
using core::ObjectId;
using core::Result;
using core::Status;

namespace {

Status ApplyMigrations(Connection& db) {
  if (Status s = db.Exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)"); !s.ok())
    return s;
  int64_t applied = 0;
  {
    Statement st = db.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    if (st.Step() == SQLITE_ROW) applied = st.ColumnInt(0);
  }
  const int64_t known = static_cast<int64_t>(std::size(kMigrations));
  if (applied > known)
    return Status::Internal("database schema version " + std::to_string(applied) + " is newer than this guestpass (" +
                            std::to_string(known) + ")");
  for (int64_t v = applied + 1; v <= known; ++v) {
    if (Status s = db.Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
    Status s = db.Exec(kMigrations[v - 1]);
    if (s.ok()) {
      Statement st = db.Prepare("INSERT INTO schema_migrations (version) VALUES (?)");
      st.Bind(1, v);
      if (int rc = st.Step(); rc != SQLITE_DONE) s = db.Error(rc, "record migration");
    }
    if (s.ok()) s = db.Exec("COMMIT");
    if (!s.ok()) {
      db.Exec("ROLLBACK");
      return Status::Internal("migration " + std::to_string(v) + " failed: " + s.message());
    }
  }
  return Status::Ok();
}

// A user whose only identity is anonymous keeps it in its users row
// (migration 0007): no identities row to write at sign-up.
bool KeepsIdentityInline(const core::User& user) {
  return user.identities.size() == 1 && user.identities[0].provider_type == core::kAnonUser;
}

// Reads users.anon_identity and users.anon_provider_id (columns `first`,
// `first` + 1): the inline anonymous identity, which comes first.
void AppendInlineIdentity(Statement& st, int first, core::User& user) {
  if (st.ColumnIsNull(first)) return;
  user.identities.push_back({st.ColumnText(first), std::string(core::kAnonUser), st.ColumnId(first + 1)});
}

// Reads the rows of a session-with-user or user query: one row per identity.
// Columns from `first` on: provider_type, provider_id, identity_id.
void AppendIdentity(Statement& st, int first, core::User& user) {
  if (st.ColumnIsNull(first)) return;  // LEFT JOIN with no identity
  core::Identity ident;
  ident.provider_type = st.ColumnText(first);
  ident.provider_id = st.ColumnId(first + 1);
  ident.id = st.ColumnText(first + 2);
  user.identities.push_back(std::move(ident));
}

Status InsertIdentities(Connection& db, const core::User& user) {
  int64_t seq = 0;
  for (const auto& ident : user.identities) {
    Statement st = db.Prepare(
        "INSERT INTO identities (user_id, seq, app_id, provider_type, provider_id, identity_id)"
        " VALUES (?, ?, ?, ?, ?, ?)");
    st.BindStatic(1, user.id).Bind(2, seq++).BindStatic(3, user.app_id).BindStatic(4, ident.provider_type);
    st.BindStatic(5, ident.provider_id).BindStatic(6, ident.id);
    if (int rc = st.Step(); rc != SQLITE_DONE) return db.Error(rc, "insert identity");
  }
  return Status::Ok();
}

// The user's row and its identities.
Status InsertUser(Connection& db, const core::User& u) {
  const bool inline_identity = KeepsIdentityInline(u);
  {
    Statement st = db.Prepare(
        "INSERT INTO users (id, app_id, type, data, created_at, last_active_at, disabled, anonymous,"
        " anon_identity, anon_provider_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    st.BindStatic(1, u.id).BindStatic(2, u.app_id).BindStatic(3, u.type);
    if (u.data_json.empty() || u.data_json == "{}")
      st.BindNull(4);
    else
      st.BindStatic(4, u.data_json);
    st.Bind(5, u.created_at).Bind(6, u.last_active_at).Bind(7, int64_t{u.disabled});
    st.Bind(8, int64_t{u.IsAnonymous()});
    if (inline_identity) {
      st.BindStatic(9, u.identities[0].id).BindStatic(10, u.identities[0].provider_id);
    } else {
      st.BindNull(9).BindNull(10);
    }
    if (int rc = st.Step(); rc != SQLITE_DONE) return db.Error(rc, "insert user");
  }
  return inline_identity ? Status::Ok() : InsertIdentities(db, u);
}

Status InsertSession(Connection& db, const core::Session& s) {
  Statement st = db.Prepare(
      "INSERT INTO sessions (id, user_id, secret_hash, created_at, expires_at, device_id, device)"
      " VALUES (?, ?, ?, ?, ?, ?, ?)");
  st.BindStatic(1, s.id).BindStatic(2, s.user_id).BindStatic(3, std::span<const uint8_t>(s.secret_hash));
  st.Bind(4, s.created_at).Bind(5, s.expires_at).BindStatic(6, s.device_id);
  if (s.device_json.empty())
    st.BindNull(7);
  else
    st.BindStatic(7, s.device_json);
  if (int rc = st.Step(); rc != SQLITE_DONE) return db.Error(rc, "insert session");
  return Status::Ok();
}

// OK if `sql` (one `?` for `id`) returns a row; `missing` if it returns none.
Status RequireRow(Connection& db, const char* sql, const ObjectId& id, Status missing) {
  Statement st = db.Prepare(sql);
  st.Bind(1, id);
  int rc = st.Step();
  if (rc == SQLITE_ROW) return Status::Ok();
  if (rc == SQLITE_DONE) return missing;
  return db.Error(rc, "look up row");
}

Status RequireUser(Connection& db, const ObjectId& user_id) {
  return RequireRow(db, "SELECT 1 FROM users WHERE id = ?", user_id,
                    Status::NotFound(ErrorCode::kUserNotFound, "user not found"));
}

Status AnonymousCapReached(int64_t cap) {
  return Status::PermissionDenied(ErrorCode::kAuthError, "this app has reached its limit of " + std::to_string(cap) +
                                                             " anonymous users; try again later");
}

// last_active_at = max(last_active_at, at); db.Changes() tells if it moved.
Status TouchUser(Connection& db, const ObjectId& user_id, int64_t at) {
  Statement st = db.Prepare("UPDATE users SET last_active_at = ?2 WHERE id = ?1 AND last_active_at < ?2");
  st.Bind(1, user_id).Bind(2, at);
  if (int rc = st.Step(); rc != SQLITE_DONE) return db.Error(rc, "record activity");
  return Status::Ok();
}

// Sets users.anonymous from the user's identities (core::User::IsAnonymous).
Status RefreshAnonymousFlag(Connection& db, const ObjectId& user_id) {
  Statement st = db.Prepare(
      "UPDATE users SET anonymous = (EXISTS (SELECT 1 FROM user_identities WHERE user_id = ?1)"
      " AND NOT EXISTS (SELECT 1 FROM identities WHERE user_id = ?1 AND provider_type <> 'anon-user'))"
      " WHERE id = ?1");
  st.Bind(1, user_id);
  if (int rc = st.Step(); rc != SQLITE_DONE) return db.Error(rc, "update anonymous flag");
  return Status::Ok();
}

// Deletes the user with everything that hangs off it and records `why` as an
// audit event; an anonymous user leaves `counts` (the writer's cached
// per-app counts). NotFound(UserNotFound) if the user does not exist.
Status EraseUser(Connection& db, const ObjectId& user_id, const core::Deletion& why,
                 std::unordered_map<ObjectId, int64_t>& counts) {
  ObjectId app_id;
  {
    Statement st = db.Prepare("SELECT app_id FROM users WHERE id = ?");
    st.Bind(1, user_id);
    int rc = st.Step();
    if (rc == SQLITE_DONE) return Status::NotFound(ErrorCode::kUserNotFound, "user not found");
    if (rc != SQLITE_ROW) return db.Error(rc, "find user");
    app_id = st.ColumnId(0);
  }
  // The provider types for the audit event, and the email/password accounts
  // of the user's identities with their tokens. The identity id is the
  // account id in hex; parsing it here keeps both deletes on primary keys.
  std::string providers;
  std::vector<ObjectId> accounts;
  bool anonymous = true;
  {
    Statement st =
        db.Prepare("SELECT provider_type, identity_id FROM user_identities WHERE user_id = ? ORDER BY seq");
    st.Bind(1, user_id);
    int rc;
    while ((rc = st.Step()) == SQLITE_ROW) {
      std::string type = st.ColumnText(0);
      anonymous = anonymous && type == core::kAnonUser;
      if (type == core::kLocalUserpass) {
        if (auto id = ObjectId::FromHex(st.ColumnText(1))) accounts.push_back(*id);
      }
      if (("," + providers + ",").find("," + type + ",") == std::string::npos)
        providers += (providers.empty() ? "" : ",") + type;
    }
    if (rc != SQLITE_DONE) return db.Error(rc, "read identities");
  }
  for (const ObjectId& account : accounts) {
    for (const char* sql :
         {"DELETE FROM userpass_tokens WHERE account_id = ?", "DELETE FROM userpass_accounts WHERE id = ?"}) {
      Statement st = db.Prepare(sql);
      st.Bind(1, account);
      if (int rc = st.Step(); rc != SQLITE_DONE) return db.Error(rc, "delete userpass account");
    }
  }
  static const char* const kStatements[] = {
      "DELETE FROM users WHERE id = ?",
      "DELETE FROM identities WHERE user_id = ?",
      "DELETE FROM sessions WHERE user_id = ?",
      "DELETE FROM api_keys WHERE user_id = ?",
  };
  for (const char* sql : kStatements) {
    Statement st = db.Prepare(sql);
    st.Bind(1, user_id);
    if (int rc = st.Step(); rc != SQLITE_DONE) return db.Error(rc, "delete user");
  }
  Statement st = db.Prepare(
      "INSERT INTO audit_events (app_id, at, action, user_id, actor, reason, providers)"
      " VALUES (?, ?, ?, ?, ?, ?, ?)");
  st.Bind(1, app_id).Bind(2, why.at).Bind(3, core::kAuditUserDelete).Bind(4, user_id);
  st.Bind(5, why.actor).Bind(6, why.reason).Bind(7, providers);
  if (int rc = st.Step(); rc != SQLITE_DONE) return db.Error(rc, "insert audit event");
  if (auto it = counts.find(app_id); anonymous && !providers.empty() && it != counts.end()) --it->second;
  return Status::Ok();
}

}  // namespace

int64_t SqliteStore::LatestSchemaVersion() { return static_cast<int64_t>(std::size(kMigrations)); }

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(SqliteOptions options) {
  auto writer = Connection::Open(options.path, /*read_only=*/false);
  if (!writer.ok()) return writer.status();
  Connection& db = **writer;
  if (Status s = db.Exec("PRAGMA journal_mode=WAL"); !s.ok()) return s;
  // Connection::Open has set synchronous=FULL: the WAL is fsynced at every
  // commit, so an acknowledged write survives power loss. Group commit
  // amortises the fsync.
  if (Status s = ApplyMigrations(db); !s.ok()) return s;
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(options), std::move(*writer)));
}

SqliteStore::SqliteStore(SqliteOptions options, std::unique_ptr<Connection> writer)
    : options_(std::move(options)), writer_(std::move(writer)) {
  writer_thread_ = std::thread([this] { WriterLoop(); });
}

SqliteStore::~SqliteStore() {
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_one();
  writer_thread_.join();
  std::lock_guard<std::mutex> lock(readers_mu_);
  idle_readers_.clear();
  // No explicit checkpoint: when this is the file's last connection, closing
  // it folds the WAL into the database and removes it (SQLite does that on
  // close). When another process still has the file open (the CLI beside a
  // live server), a TRUNCATE checkpoint here waited, through the busy
  // handler, until that process stopped writing: `guestpass audit` took
  // seconds to exit while the server's inactivity job ran.
}

// ---- Writer ----

void SqliteStore::Enqueue(WriteOp op) {
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    if (!stopping_) {
      queue_.push_back(std::move(op));
      op.complete = nullptr;
    }
  }
  if (op.complete) return op.complete(Status::Unavailable("store is closing"));
  queue_cv_.notify_one();
}

Status SqliteStore::CommitBatch(Connection& db, std::vector<WriteOp>& batch, std::vector<Status>& results,
                                bool savepoint_every_write, bool* partial) {
  *partial = false;
  results.assign(batch.size(), Status::Ok());
  Status txn = db.Run("BEGIN IMMEDIATE");
  if (!txn.ok()) return txn;
  for (size_t i = 0; i < batch.size() && txn.ok(); ++i) {
    if (batch[i].savepoint || savepoint_every_write) {
      if (Status s = db.Run("SAVEPOINT op"); !s.ok()) {
        results[i] = s;
        continue;
      }
      results[i] = batch[i].apply(db);
      if (!results[i].ok()) db.Run("ROLLBACK TO op");
      db.Run("RELEASE op");
    } else {
      const int64_t changes = sqlite3_total_changes64(db.raw());
      results[i] = batch[i].apply(db);
      if (!results[i].ok() && sqlite3_total_changes64(db.raw()) != changes) {
        *partial = true;
        txn = Status::Unavailable("a write failed after changing rows: " + results[i].message());
      }
    }
    // After some errors (I/O, a full disk) SQLite rolls the whole
    // transaction back itself; what followed would run outside it.
    if (txn.ok() && sqlite3_get_autocommit(db.raw()))
      txn = Status::Unavailable("the transaction was rolled back: " + results[i].message());
  }
  if (txn.ok()) txn = db.Run("COMMIT");
  if (!txn.ok() && !sqlite3_get_autocommit(db.raw())) db.Run("ROLLBACK");
  return txn;
}

void SqliteStore::WriterLoop() {
  std::vector<WriteOp> batch;
  std::vector<Status> results;
  Connection& db = *writer_;
  int64_t data_version = DataVersion(db);
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(queue_mu_);
      queue_cv_.wait_for(lock, kOutsideWritePoll, [&] { return !queue_.empty() || stopping_; });
      if (queue_.empty() && stopping_) return;  // stopping and drained
    }
    // Another process (e.g. `guestpass users expire`) committed to the file:
    // what the session cache holds may be stale.
    if (int64_t v = DataVersion(db); v != data_version) {
      data_version = v;
      session_cache_.Clear();
      anonymous_counts_.clear();
    }
    {
      std::unique_lock<std::mutex> lock(queue_mu_);
      if (queue_.empty()) continue;
      while (!queue_.empty() && batch.size() < options_.max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    // A write without its own savepoint that fails after changing rows
    // spoils the transaction: roll back and run the batch again with a
    // savepoint for every write (the writes run anew on the same state).
    bool partial = false;
    const auto started = std::chrono::steady_clock::now();
    Status txn = CommitBatch(db, batch, results, /*savepoint_every_write=*/false, &partial);
    if (partial) {
      anonymous_counts_.clear();  // the first run moved them
      txn = CommitBatch(db, batch, results, /*savepoint_every_write=*/true, &partial);
    }
    if (txn.ok()) {
      batches_.Add();
      writes_.Add(batch.size());
      batch_sizes_.Observe(static_cast<double>(batch.size()));
      commit_seconds_.Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    }
    // Writes move cached anonymous counts only once they cannot fail (see
    // the ops); a failed commit loses them all: recount.
    if (!txn.ok()) anonymous_counts_.clear();
    if (txn.ok()) {
      for (size_t i = 0; i < batch.size(); ++i) {
        if (!results[i].ok()) continue;
        if (batch[i].touched_user) session_cache_.InvalidateUser(batch[i].touched_user());
        if (batch[i].touched_users)
          for (const ObjectId& id : batch[i].touched_users()) session_cache_.InvalidateUser(id);
        if (batch[i].touches_all_users) session_cache_.Clear();
      }
    }
    for (size_t i = 0; i < batch.size(); ++i) {
      // A failed commit loses every write of the batch: none is acknowledged.
      batch[i].complete(txn.ok() ? results[i] : Status::Unavailable("commit failed: " + txn.message()));
    }
    batch.clear();
  }
}

int64_t SqliteStore::DataVersion(Connection& db) {
  Statement st = db.Prepare("PRAGMA data_version");
  return st.Step() == SQLITE_ROW ? st.ColumnInt(0) : -1;
}

// ---- Operations ----

void SqliteStore::Ping(StatusCallback done) {
  auto reader = AcquireReader();
  if (!reader.ok()) return done(reader.status());
  Statement st = (*reader)->Prepare("SELECT 1");
  const int rc = st.Step();
  done(rc == SQLITE_ROW ? Status::Ok() : (*reader)->Error(rc, "ping"));
}

Store::WriteStats SqliteStore::Stats() const {
  WriteStats s;
  s.batches = batches_.Value();
  s.writes = writes_.Value();
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    s.queued = queue_.size();
  }
  s.batch_sizes = batch_sizes_.Read();
  s.commit_seconds = commit_seconds_.Read();
  return s;
}

// ---- Readers ----

void SqliteStore::ReaderReturn::operator()(Connection* c) const {
  std::lock_guard<std::mutex> lock(store->readers_mu_);
  store->idle_readers_.emplace_back(c);
}

Result<SqliteStore::Reader> SqliteStore::AcquireReader() {
  {
    std::lock_guard<std::mutex> lock(readers_mu_);
    if (!idle_readers_.empty()) {
      Connection* c = idle_readers_.back().release();
      idle_readers_.pop_back();
      return Reader(c, ReaderReturn{this});
    }
  }
  auto c = Connection::Open(options_.path, /*read_only=*/true);
  if (!c.ok()) return c.status();
  return Reader(c->release(), ReaderReturn{this});
}

// ---- Apps ----

void SqliteStore::ListApps(Callback<std::vector<core::App>> done) { done(ReadApps()); }

Result<std::vector<core::App>> SqliteStore::ReadApps() {
  auto reader = AcquireReader();
  if (!reader.ok()) return reader.status();
  Connection& db = **reader;
  std::vector<core::App> apps;
  Statement st =
      db.Prepare("SELECT id, client_app_id, name, providers, settings, created_at FROM apps ORDER BY created_at, id");
  int rc;
  while ((rc = st.Step()) == SQLITE_ROW) {
    core::App app;
    app.id = st.ColumnId(0);
    app.client_app_id = st.ColumnText(1);
    app.name = st.ColumnText(2);
    auto providers = DecodeProviders(st.ColumnText(3));
    if (!providers.ok()) return providers.status();
    app.providers = std::move(*providers);
    auto settings = DecodeSettings(st.ColumnText(4));
    if (!settings.ok()) return settings.status();
    app.settings = std::move(*settings);
    app.created_at = st.ColumnInt(5);
    apps.push_back(std::move(app));
  }
  if (rc != SQLITE_DONE) return db.Error(rc, "list apps");
  return apps;
}

namespace {
Status UpsertApp(Connection& db, const core::App& app) {
  Statement st = db.Prepare(
      "INSERT INTO apps (id, client_app_id, name, providers, settings, created_at)"
      " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET client_app_id = excluded.client_app_id,"
      " name = excluded.name, providers = excluded.providers, settings = excluded.settings,"
      " created_at = excluded.created_at");
  st.Bind(1, app.id).Bind(2, app.client_app_id).Bind(3, app.name);
  st.Bind(4, EncodeProviders(app.providers)).Bind(5, EncodeSettings(app.settings));
  st.Bind(6, app.created_at);
  if (int rc = st.Step(); rc != SQLITE_DONE) {
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
      return Status::AlreadyExists(ErrorCode::kInvalidParameter, "client app id already in use");
    return db.Error(rc, "put app");
  }
  return Status::Ok();
}

const char* StatusName(core::DeploymentStatus s) {
  return s == core::DeploymentStatus::kSuccessful ? "successful" : "failed";
}

core::Result<core::Draft> DraftOf(const Statement& st) {
  // Columns: app_id, id, author_id, created_at, app.
  core::Draft d;
  d.app_id = st.ColumnId(0);
  d.id = st.ColumnId(1);
  d.author_id = st.ColumnId(2);
  d.created_at = st.ColumnInt(3);
  auto app = DecodeApp(st.ColumnText(4));
  if (!app.ok()) return app.status();
  d.app = std::move(*app);
  return d;
}
}  // namespace

void SqliteStore::PutApp(core::App app, StatusCallback done) {
  auto shared = std::make_shared<core::App>(std::move(app));
  Enqueue({[shared](Connection& db) { return UpsertApp(db, *shared); }, std::move(done)});
}

void SqliteStore::DeleteApp(ObjectId app_id, core::Deletion why, StatusCallback done) {
  auto shared_why = std::make_shared<core::Deletion>(std::move(why));
  WriteOp op{[this, app_id, shared_why](Connection& db) {
               if (Status s = RequireRow(db, "SELECT 1 FROM apps WHERE id = ?", app_id,
                                         Status::NotFound(ErrorCode::kAppNotFound, "app not found"));
                   !s.ok())
                 return s;
               // Sessions are keyed by user: delete them through the app's users
               // before the users go. The rest carries the app id.
               static const char* const kStatements[] = {
                   "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE app_id = ?)",
                   "DELETE FROM userpass_tokens WHERE account_id IN (SELECT id FROM userpass_accounts WHERE app_id = ?)",
                   "DELETE FROM userpass_accounts WHERE app_id = ?",
                   "DELETE FROM identities WHERE app_id = ?",
                   "DELETE FROM api_keys WHERE app_id = ?",
                   "DELETE FROM users WHERE app_id = ?",
                   "DELETE FROM drafts WHERE app_id = ?",
                   "DELETE FROM secrets WHERE app_id = ?",
                   "DELETE FROM log_events WHERE app_id = ?",
                   "DELETE FROM deployments WHERE app_id = ?",
                   "DELETE FROM apps WHERE id = ?",
               };
               for (const char* sql : kStatements) {
                 Statement st = db.Prepare(sql);
                 st.Bind(1, app_id);
                 if (int rc = st.Step(); rc != SQLITE_DONE) return db.Error(rc, "delete app");
               }
               Statement st = db.Prepare(
                   "INSERT INTO audit_events (app_id, at, action, user_id, actor, reason, providers)"
                   " VALUES (?, ?, ?, ?, ?, ?, '')");
               st.Bind(1, app_id).Bind(2, shared_why->at).Bind(3, core::kAuditAppDelete).Bind(4, ObjectId());
               st.Bind(5, shared_why->actor).Bind(6, shared_why->reason);
               if (int rc = st.Step(); rc != SQLITE_DONE) return db.Error(rc, "insert audit event");
               anonymous_counts_.erase(app_id);
               return Status::Ok();
             },
             std::move(done)};
  op.touches_all_users = true;
  Enqueue(std::move(op));
}

// ---- Drafts and deployments ----

void SqliteStore::Deploy(core::App app, core::Deployment deployment, ObjectId close_draft, StatusCallback done) {
  struct Args {
    core::App app;
    core::Deployment deployment;
    ObjectId close_draft;
  };
  auto args = std::make_shared<Args>(Args{std::move(app), std::move(deployment), close_draft});
  Enqueue({[args](Connection& db) {
             const core::Deployment& d = args->deployment;
             if (d.status == core::DeploymentStatus::kSuccessful) {
               if (!args->close_draft.IsZero()) {
                 Statement st = db.Prepare("DELETE FROM drafts WHERE app_id = ? AND id = ?");
                 st.Bind(1, d.app_id).Bind(2, args->close_draft);
                 if (int rc = st.Step(); rc != SQLITE_DONE) return db.Error(rc, "close draft");
                 if (db.Changes() == 0) return Status::NotFound(ErrorCode::kDraftNotFound, "draft not found");
               }
               if (Status s = UpsertApp(db, args->app); !s.ok()) return s;
             }
             Statement st = db.Prepare(
                 "INSERT INTO deployments (app_id, id, name, draft_id, author_id, origin, status, error,"
                 " deployed_at, config) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
             st.Bind(1, d.app_id).Bind(2, d.id).Bind(3, d.name).Bind(4, d.draft_id).Bind(5, d.author_id);
             st.Bind(6, d.origin).Bind(7, std::string_view(StatusName(d.status))).Bind(8, d.error);
             st.Bind(9, d.deployed_at).Bind(10, d.config_json);
             if (int rc = st.Step(); rc != SQLITE_DONE) return db.Error(rc, "insert deployment");
             return Status::Ok();
           },
           std::move(done)});
}

Result<std::vector<core::Deployment>> SqliteStore::ReadDeployments(const ObjectId& app_id, const ObjectId* only,
                                                                   size_t limit) {
  auto reader = AcquireReader();
  if (!reader.ok()) return reader.status();
  Connection& db = **reader;
  Statement st = db.Prepare(
      only != nullptr
          ? "SELECT app_id, id, name, draft_id, author_id, origin, status, error, deployed_at, config"
            " FROM deployments WHERE app_id = ? AND id = ?"
          : "SELECT app_id, id, name, draft_id, author_id, origin, status, error, deployed_at, config"
            " FROM deployments WHERE app_id = ? ORDER BY id DESC LIMIT ?");
  st.Bind(1, app_id);
  if (only != nullptr)
    st.Bind(2, *only);
  else
    st.Bind(2, static_cast<int64_t>(limit));
  std::vector<core::Deployment> out;
  int rc;
  while ((rc = st.Step()) == SQLITE_ROW) {
    core::Deployment d;
    d.app_id = st.ColumnId(0);
    d.id = st.ColumnId(1);
    d.name = st.ColumnText(2);
    d.draft_id = st.ColumnId(3);
    d.author_id = st.ColumnId(4);
    d.origin = st.ColumnText(5);
    d.status = st.ColumnText(6) == "successful" ? core::DeploymentStatus::kSuccessful
                                                 : core::DeploymentStatus::kFailed;
    d.error = st.ColumnText(7);
    d.deployed_at = st.ColumnInt(8);
    d.config_json = st.ColumnText(9);
    out.push_back(std::move(d));
  }
  if (rc != SQLITE_DONE) return db.Error(rc, "list deployments");
  return out;
}

void SqliteStore::ListDeployments(ObjectId app_id, size_t limit, Callback<std::vector<core::Deployment>> done) {
  done(ReadDeployments(app_id, nullptr, limit));
}

void SqliteStore::GetDeployment(ObjectId app_id, ObjectId deployment_id, Callback<core::Deployment> done) {
  auto found = ReadDeployments(app_id, &deployment_id, 1);
  if (!found.ok()) return done(found.status());
  if (found->empty()) return done(Status::NotFound(ErrorCode::kDeploymentNotFound, "deployment not found"));
  done(std::move(found->front()));
}

void SqliteStore::PutDraft(core::Draft draft, bool create, StatusCallback done) {
  auto shared = std::make_shared<core::Draft>(std::move(draft));
  Enqueue({[shared, create](Connection& db) {
             const core::Draft& d = *shared;
             if (create) {
               Statement st = db.Prepare(
                   "INSERT INTO drafts (app_id, id, author_id, created_at, app) VALUES (?, ?, ?, ?, ?)"
                   " ON CONFLICT (app_id) DO NOTHING");
               st.Bind(1, d.app_id).Bind(2, d.id).Bind(3, d.author_id).Bind(4, d.created_at).Bind(5, EncodeApp(d.app));
               if (int rc = st.Step(); rc != SQLITE_DONE) return db.Error(rc, "create draft");
               if (db.Changes() == 0)
                 return Status::AlreadyExists(ErrorCode::kDraftAlreadyExists, "a draft already exists");
               return Status::Ok();
             }
             Statement st = db.Prepare("UPDATE drafts SET app = ? WHERE app_id = ? AND id = ?");
             st.Bind(1, EncodeApp(d.app)).Bind(2, d.app_id).Bind(3, d.id);
             if (int rc = st.Step(); rc != SQLITE_DONE) return db.Error(rc, "update draft");
             if (db.Changes() == 0) return Status::NotFound(ErrorCode::kDraftNotFound, "draft not found");
             return Status::Ok();
           },
           std::move(done)});
}

void SqliteStore::GetDraft(ObjectId app_id, Callback<std::optional<core::Draft>> done) {
  auto read = [&]() -> Result<std::optional<core::Draft>> {
    auto reader = AcquireReader();
    if (!reader.ok()) return reader.status();
    Connection& db = **reader;
    Statement st = db.Prepare("SELECT app_id, id, author_id, created_at, app FROM drafts WHERE app_id = ?");
    st.Bind(1, app_id);
    int rc = st.Step();
    if (rc == SQLITE_DONE) return std::optional<core::Draft>();
    if (rc != SQLITE_ROW) return db.Error(rc, "read draft");
    auto draft = DraftOf(st);
    if (!draft.ok()) return draft.status();
    return std::optional<core::Draft>(std::move(*draft));
  }();
  done(std::move(read));
}

void SqliteStore::DeleteDraft(ObjectId app_id, ObjectId draft_id, StatusCallback done) {
  Enqueue({[app_id, draft_id](Connection& db) {
             Statement st = db.Prepare("DELETE FROM drafts WHERE app_id = ? AND id = ?");
             st.Bind(1, app_id).Bind(2, draft_id);
             if (int rc = st.Step(); rc != SQLITE_DONE) return db.Error(rc, "delete draft");
             if (db.Changes() == 0) return Status::NotFound(ErrorCode::kDraftNotFound, "draft not found");
             return Status::Ok();
           },
           std::move(done)});
}

// ---- Users and sessions ----

void SqliteStore::CreateUserWithSession(core::User user, core::Session session, int64_t anonymous_cap,
                                        StatusCallback done) {
  struct Args {
    core::User user;
    core::Session session;
  };
  auto args = std::make_shared<Args>(Args{std::move(user), std::move(session)});
  // An anonymous user's inserts cannot conflict (time-ordered new ids; the
  // unique identity index leaves anon-user identities out): no savepoint.
  const bool savepoint = !args->user.IsAnonymous();
  Enqueue({.apply = [this, args, anonymous_cap](Connection& db) {
             const core::User& u = args->user;
             const bool anonymous = u.IsAnonymous();
             if (anonymous && anonymous_cap > 0) {
               auto count = WriterAnonymousCount(db, u.app_id);
               if (!count.ok()) return count.status();
               if (*count >= anonymous_cap) return AnonymousCapReached(anonymous_cap);
             }
             if (Status s = InsertUser(db, u); !s.ok()) return s;
             if (Status s = InsertSession(db, args->session); !s.ok()) return s;
             if (auto it = anonymous_counts_.find(u.app_id); anonymous && it != anonymous_counts_.end()) ++it->second;
             return Status::Ok();
           },
           .complete = std::move(done),
           .savepoint = savepoint});
}

void SqliteStore::CreateSession(core::Session session, StatusCallback done) {
  auto shared = std::make_shared<core::Session>(std::move(session));
  Enqueue({[shared](Connection& db) {
             if (Status s = RequireUser(db, shared->user_id); !s.ok()) return s;
             if (Status s = TouchUser(db, shared->user_id, shared->created_at); !s.ok()) return s;
             return InsertSession(db, *shared);
           },
           std::move(done), [shared] { return shared->user_id; }});
}

void SqliteStore::RecordActivity(ObjectId user_id, int64_t at, StatusCallback done) {
  Enqueue({[user_id, at](Connection& db) {
             if (Status s = TouchUser(db, user_id, at); !s.ok()) return s;
             return db.Changes() > 0 ? Status::Ok() : RequireUser(db, user_id);
           },
           std::move(done), [user_id] { return user_id; }});
}

void SqliteStore::FindUserByIdentity(ObjectId app_id, std::string provider_type, std::string identity_id,
                                     Callback<core::User> done) {
  auto user_id = [&]() -> Result<ObjectId> {
    auto reader = AcquireReader();
    if (!reader.ok()) return reader.status();
    Connection& db = **reader;
    Statement st = db.Prepare(
        "SELECT user_id FROM identities WHERE app_id = ? AND provider_type = ? AND identity_id = ?"
        " AND provider_type <> 'anon-user'");
    st.Bind(1, app_id).Bind(2, provider_type).Bind(3, identity_id);
    int rc = st.Step();
    if (rc == SQLITE_DONE) return Status::NotFound(ErrorCode::kUserNotFound, "no user has this identity");
    if (rc != SQLITE_ROW) return db.Error(rc, "find identity");
    return st.ColumnId(0);
  }();
  if (!user_id.ok()) return done(user_id.status());
  done(ReadUser(*user_id));
}

void SqliteStore::LinkIdentity(ObjectId user_id, core::Identity identity, std::string data_json, StatusCallback done) {
  struct Args {
    core::Identity identity;
    std::string data_json;
  };
  auto args = std::make_shared<Args>(Args{std::move(identity), std::move(data_json)});
  Enqueue({[this, user_id, args](Connection& db) {
             ObjectId app_id;
             std::string data;
             {
               Statement st = db.Prepare("SELECT app_id, data FROM users WHERE id = ?");
               st.Bind(1, user_id);
               int rc = st.Step();
               if (rc == SQLITE_DONE) return Status::NotFound(ErrorCode::kUserNotFound, "user not found");
               if (rc != SQLITE_ROW) return db.Error(rc, "find user");
               app_id = st.ColumnId(0);
               data = st.ColumnIsNull(1) ? "{}" : st.ColumnText(1);
             }
             {
               Statement st = db.Prepare(
                   "SELECT user_id FROM identities WHERE app_id = ? AND provider_type = ? AND identity_id = ?");
               st.Bind(1, app_id).Bind(2, args->identity.provider_type).Bind(3, args->identity.id);
               int rc = st.Step();
               if (rc == SQLITE_ROW)
                 return Status::AlreadyExists(
                     ErrorCode::kInvalidParameter,
                     std::string(st.ColumnId(0) == user_id ? kLinkedToThisUser : kLinkedToAnotherUser));
               if (rc != SQLITE_DONE) return db.Error(rc, "find identity");
             }
             int64_t seq = 0;
             {
               Statement st = db.Prepare("SELECT COALESCE(MAX(seq) + 1, 0) FROM user_identities WHERE user_id = ?");
               st.Bind(1, user_id);
               if (int rc = st.Step(); rc != SQLITE_ROW) return db.Error(rc, "next identity");
               seq = st.ColumnInt(0);
             }
             {
               Statement st = db.Prepare(
                   "INSERT INTO identities (user_id, seq, app_id, provider_type, provider_id, identity_id)"
                   " VALUES (?, ?, ?, ?, ?, ?)");
               st.Bind(1, user_id).Bind(2, seq).Bind(3, app_id).Bind(4, args->identity.provider_type);
               st.Bind(5, args->identity.provider_id).Bind(6, args->identity.id);
               if (int rc = st.Step(); rc != SQLITE_DONE) return db.Error(rc, "insert identity");
             }
             const std::string merged = MergeJsonObjects(data, args->data_json);
             Statement st = db.Prepare("UPDATE users SET data = ? WHERE id = ?");
             if (merged == "{}")
               st.BindNull(1);
             else
               st.Bind(1, merged);
             st.Bind(2, user_id);
             if (int rc = st.Step(); rc != SQLITE_DONE) return db.Error(rc, "update user data");
             anonymous_counts_.erase(app_id);  // the user may have stopped being anonymous
             return RefreshAnonymousFlag(db, user_id);
           },
           std::move(done), [user_id] { return user_id; }});
}

// ---- API keys ----

namespace {
Status InsertApiKey(Connection& db, const core::ApiKey& k) {
  Statement st = db.Prepare(
      "INSERT INTO api_keys (id, app_id, user_id, name, key_hash, disabled, created_at)"
      " VALUES (?, ?, ?, ?, ?, ?, ?)");
  st.Bind(1, k.id).Bind(2, k.app_id).Bind(3, k.user_id).Bind(4, k.name);
  st.Bind(5, std::span<const uint8_t>(k.key_hash)).Bind(6, int64_t{k.disabled});
  st.Bind(7, k.created_at);
  if (int rc = st.Step(); rc != SQLITE_DONE) return db.Error(rc, "insert api key");
  return Status::Ok();
}
}  // namespace

void SqliteStore::CreateApiKey(core::ApiKey key, StatusCallback done) {
  auto shared = std::make_shared<core::ApiKey>(std::move(key));
  Enqueue({[shared](Connection& db) {
             if (Status s = RequireUser(db, shared->user_id); !s.ok()) return s;
             {
               Statement st = db.Prepare("SELECT COUNT(*), COALESCE(SUM(name = ?), 0) FROM api_keys WHERE user_id = ?");
               st.Bind(1, shared->name).Bind(2, shared->user_id);
               if (int rc = st.Step(); rc != SQLITE_ROW) return db.Error(rc, "count api keys");
               if (st.ColumnInt(1) > 0)
                 return Status::AlreadyExists(ErrorCode::kAPIKeyAlreadyExists,
                                              "an API key with this name already exists");
               if (st.ColumnInt(0) >= static_cast<int64_t>(core::kMaxApiKeysPerUser))
                 return Status::InvalidArgument(ErrorCode::kInvalidParameter, "a user can have at most 20 API keys");
             }
             return InsertApiKey(db, *shared);
           },
           std::move(done)});
}

Result<std::vector<core::ApiKey>> SqliteStore::ReadApiKeys(const char* sql, const ObjectId& id) {
  auto reader = AcquireReader();
  if (!reader.ok()) return reader.status();
  Connection& db = **reader;
  Statement st = db.Prepare(sql);
  st.Bind(1, id);
  std::vector<core::ApiKey> keys;
  int rc;
  while ((rc = st.Step()) == SQLITE_ROW) {
    core::ApiKey k;
    k.id = st.ColumnId(0);
    k.app_id = st.ColumnId(1);
    k.user_id = st.ColumnId(2);
    k.name = st.ColumnText(3);
    auto hash = st.ColumnBlob(4);
    if (hash.size() == k.key_hash.size()) std::copy(hash.begin(), hash.end(), k.key_hash.begin());
    k.disabled = st.ColumnInt(5) != 0;
    k.created_at = st.ColumnInt(6);
    keys.push_back(std::move(k));
  }
  if (rc != SQLITE_DONE) return db.Error(rc, "read api keys");
  return keys;
}

void SqliteStore::GetApiKey(ObjectId key_id, Callback<core::ApiKey> done) {
  auto keys = ReadApiKeys("SELECT id, app_id, user_id, name, key_hash, disabled, created_at FROM api_keys WHERE id = ?",
                          key_id);
  if (!keys.ok()) return done(keys.status());
  if (keys->empty()) return done(Status::NotFound(ErrorCode::kAPIKeyNotFound, "API key not found"));
  done(std::move(keys->front()));
}

void SqliteStore::ListApiKeys(ObjectId user_id, Callback<std::vector<core::ApiKey>> done) {
  done(ReadApiKeys(
      "SELECT id, app_id, user_id, name, key_hash, disabled, created_at FROM api_keys WHERE user_id = ? ORDER BY id",
      user_id));
}

void SqliteStore::SetApiKeyDisabled(ObjectId key_id, ObjectId user_id, bool disabled, StatusCallback done) {
  Enqueue({[key_id, user_id, disabled](Connection& db) {
             Statement st = db.Prepare("UPDATE api_keys SET disabled = ? WHERE id = ? AND user_id = ?");
             st.Bind(1, int64_t{disabled}).Bind(2, key_id).Bind(3, user_id);
             if (int rc = st.Step(); rc != SQLITE_DONE) return db.Error(rc, "update api key");
             if (db.Changes() == 0) return Status::NotFound(ErrorCode::kAPIKeyNotFound, "API key not found");
             return Status::Ok();
           },
           std::move(done)});
}

void SqliteStore::DeleteApiKey(ObjectId key_id, ObjectId user_id, StatusCallback done) {
  Enqueue({[this, key_id, user_id](Connection& db) {
             {
               Statement st = db.Prepare("DELETE FROM api_keys WHERE id = ? AND user_id = ?");
               st.Bind(1, key_id).Bind(2, user_id);
               if (int rc = st.Step(); rc != SQLITE_DONE) return db.Error(rc, "delete api key");
               if (db.Changes() == 0) return Status::NotFound(ErrorCode::kAPIKeyNotFound, "API key not found");
             }
             Statement st = db.Prepare(
                 "DELETE FROM identities WHERE user_id = ? AND provider_type = 'api-key' AND identity_id = ?");
             st.Bind(1, user_id).Bind(2, key_id.ToHex());
             if (int rc = st.Step(); rc != SQLITE_DONE) return db.Error(rc, "delete api key identity");
             if (db.Changes() == 0) return Status::Ok();
             anonymous_counts_.clear();  // the user may be anonymous again (rare: recount)
             return RefreshAnonymousFlag(db, user_id);
           },
           std::move(done), [user_id] { return user_id; }});
}

// ---- Users made by administrators ----

namespace {
// Inserts the account. AlreadyExists(AccountNameInUse) if the app has an
// account with that email, unless that one is an expired pending
// registration: then it is replaced.
Status InsertUserpassAccount(Connection& db, const core::UserpassAccount& a, int64_t now) {
  {
    Statement st = db.Prepare(
        "SELECT a.id, a.confirmed, (SELECT COUNT(*) FROM userpass_tokens t WHERE t.account_id = a.id"
        " AND t.purpose = 0 AND t.expires_at > ?) FROM userpass_accounts a WHERE a.app_id = ? AND a.email = ?");
    st.Bind(1, now).Bind(2, a.app_id).Bind(3, a.email);
    int rc = st.Step();
    if (rc == SQLITE_ROW) {
      if (st.ColumnInt(1) != 0 || st.ColumnInt(2) > 0)
        return Status::AlreadyExists(ErrorCode::kAccountNameInUse, "name already in use");
      const ObjectId old = st.ColumnId(0);
      // An expired pending registration: replace it.
      for (const char* sql :
           {"DELETE FROM userpass_tokens WHERE account_id = ?", "DELETE FROM userpass_accounts WHERE id = ?"}) {
        Statement del = db.Prepare(sql);
        del.Bind(1, old);
        if (int drc = del.Step(); drc != SQLITE_DONE) return db.Error(drc, "replace pending registration");
      }
    } else if (rc != SQLITE_DONE) {
      return db.Error(rc, "find userpass account");
    }
  }
  Statement st = db.Prepare(
      "INSERT INTO userpass_accounts (id, app_id, email, password_hash, confirmed, created_at)"
      " VALUES (?, ?, ?, ?, ?, ?)");
  st.Bind(1, a.id).Bind(2, a.app_id).Bind(3, a.email).Bind(4, a.password_hash);
  st.Bind(5, int64_t{a.confirmed}).Bind(6, a.created_at);
  if (int rc = st.Step(); rc != SQLITE_DONE) return db.Error(rc, "insert userpass account");
  return Status::Ok();
}
}  // namespace


void SqliteStore::CreateUser(core::User user, NewUserLogin login, int64_t now, StatusCallback done) {
  struct Args {
    core::User user;
    NewUserLogin login;
  };
  auto args = std::make_shared<Args>(Args{std::move(user), std::move(login)});
  Enqueue({[args, now](Connection& db) {
             const core::User& u = args->user;
             if (const auto& key = args->login.server_key) {
               Statement st = db.Prepare(
                   "SELECT COUNT(*), COALESCE(SUM(name = ?), 0) FROM api_keys WHERE app_id = ? AND id = user_id");
               st.Bind(1, key->name).Bind(2, u.app_id);
               if (int rc = st.Step(); rc != SQLITE_ROW) return db.Error(rc, "count server api keys");
               if (st.ColumnInt(1) > 0)
                 return Status::AlreadyExists(ErrorCode::kAPIKeyAlreadyExists,
                                              "an API key with this name already exists");
               if (st.ColumnInt(0) >= static_cast<int64_t>(core::kMaxServerApiKeysPerApp))
                 return Status::InvalidArgument(ErrorCode::kInvalidParameter,
                                                "an app can have at most 100 server API keys");
             }
             if (args->login.account)
               if (Status s = InsertUserpassAccount(db, *args->login.account, now); !s.ok()) return s;
             if (Status s = InsertUser(db, u); !s.ok()) return s;
             if (args->login.server_key) return InsertApiKey(db, *args->login.server_key);
             return Status::Ok();
           },
           std::move(done)});
}

void SqliteStore::ListServerApiKeys(ObjectId app_id, Callback<std::vector<core::ApiKey>> done) {
  done(ReadApiKeys(
      "SELECT id, app_id, user_id, name, key_hash, disabled, created_at FROM api_keys"
      " WHERE app_id = ? AND id = user_id ORDER BY id",
      app_id));
}

// ---- Email/password accounts ----

namespace {
core::UserpassAccount ReadAccount(Statement& st) {
  core::UserpassAccount a;
  a.id = st.ColumnId(0);
  a.app_id = st.ColumnId(1);
  a.email = st.ColumnText(2);
  a.password_hash = st.ColumnText(3);
  a.confirmed = st.ColumnInt(4) != 0;
  a.created_at = st.ColumnInt(5);
  return a;
}

Status InsertUserpassToken(Connection& db, const core::UserpassToken& t) {
  {
    Statement st = db.Prepare("DELETE FROM userpass_tokens WHERE account_id = ? AND purpose = ?");
    st.Bind(1, t.account_id).Bind(2, static_cast<int64_t>(t.purpose));
    if (int rc = st.Step(); rc != SQLITE_DONE) return db.Error(rc, "replace userpass token");
  }
  Statement st = db.Prepare(
      "INSERT INTO userpass_tokens (id, account_id, purpose, token_hash, expires_at, pending_password_hash)"
      " VALUES (?, ?, ?, ?, ?, ?)");
  st.Bind(1, t.id).Bind(2, t.account_id).Bind(3, static_cast<int64_t>(t.purpose));
  st.Bind(4, std::span<const uint8_t>(t.token_hash)).Bind(5, t.expires_at);
  if (t.pending_password_hash.empty())
    st.BindNull(6);
  else
    st.Bind(6, t.pending_password_hash);
  if (int rc = st.Step(); rc != SQLITE_DONE) return db.Error(rc, "insert userpass token");
  return Status::Ok();
}
}  // namespace

void SqliteStore::CreateUserpassAccount(core::UserpassAccount account, std::optional<core::UserpassToken> confirm,
                                        int64_t now, StatusCallback done) {
  struct Args {
    core::UserpassAccount account;
    std::optional<core::UserpassToken> confirm;
  };
  auto args = std::make_shared<Args>(Args{std::move(account), std::move(confirm)});
  Enqueue({[args, now](Connection& db) {
             if (Status s = InsertUserpassAccount(db, args->account, now); !s.ok()) return s;
             if (args->confirm) return InsertUserpassToken(db, *args->confirm);
             return Status::Ok();
           },
           std::move(done)});
}

void SqliteStore::GetUserpassAccount(ObjectId app_id, std::string email, Callback<core::UserpassAccount> done) {
  auto account = [&]() -> Result<core::UserpassAccount> {
    auto reader = AcquireReader();
    if (!reader.ok()) return reader.status();
    Connection& db = **reader;
    Statement st = db.Prepare(
        "SELECT id, app_id, email, password_hash, confirmed, created_at FROM userpass_accounts"
        " WHERE app_id = ? AND email = ?");
    st.Bind(1, app_id).Bind(2, email);
    int rc = st.Step();
    if (rc == SQLITE_DONE) return Status::NotFound(ErrorCode::kUserNotFound, "user not found");
    if (rc != SQLITE_ROW) return db.Error(rc, "get userpass account");
    return ReadAccount(st);
  }();
  done(std::move(account));
}

void SqliteStore::PutUserpassToken(core::UserpassToken token, StatusCallback done) {
  auto shared = std::make_shared<core::UserpassToken>(std::move(token));
  Enqueue({[shared](Connection& db) {
             if (Status s = RequireRow(db, "SELECT 1 FROM userpass_accounts WHERE id = ?", shared->account_id,
                                       Status::NotFound(ErrorCode::kUserNotFound, "user not found"));
                 !s.ok())
               return s;
             return InsertUserpassToken(db, *shared);
           },
           std::move(done)});
}

void SqliteStore::UseUserpassToken(ObjectId token_id, core::SecretHash token_hash, core::UserpassTokenPurpose purpose,
                                   std::string new_password_hash, int64_t now, Callback<core::UserpassAccount> done) {
  auto account = std::make_shared<core::UserpassAccount>();
  auto new_hash = std::make_shared<std::string>(std::move(new_password_hash));
  Enqueue({[token_id, token_hash, purpose, new_hash, now, account](Connection& db) {
             const Status invalid = Status::NotFound(ErrorCode::kUserpassTokenInvalid, "invalid token data");
             ObjectId account_id;
             std::string pending;
             {
               Statement st = db.Prepare(
                   "SELECT account_id, token_hash, purpose, expires_at, pending_password_hash FROM userpass_tokens"
                   " WHERE id = ?");
               st.Bind(1, token_id);
               int rc = st.Step();
               if (rc == SQLITE_DONE) return invalid;
               if (rc != SQLITE_ROW) return db.Error(rc, "find userpass token");
               auto hash = st.ColumnBlob(1);
               core::SecretHash stored{};
               if (hash.size() == stored.size()) std::copy(hash.begin(), hash.end(), stored.begin());
               if (stored != token_hash || st.ColumnInt(2) != static_cast<int64_t>(purpose) || st.ColumnInt(3) <= now)
                 return invalid;
               account_id = st.ColumnId(0);
               pending = st.ColumnIsNull(4) ? "" : st.ColumnText(4);
             }
             {
               Statement st = db.Prepare("DELETE FROM userpass_tokens WHERE id = ?");
               st.Bind(1, token_id);
               if (int rc = st.Step(); rc != SQLITE_DONE) return db.Error(rc, "delete userpass token");
             }
             {
               Statement st = purpose == core::UserpassTokenPurpose::kConfirm
                                  ? db.Prepare("UPDATE userpass_accounts SET confirmed = 1 WHERE id = ?1")
                                  : db.Prepare("UPDATE userpass_accounts SET password_hash = ?2 WHERE id = ?1");
               st.Bind(1, account_id);
               if (purpose == core::UserpassTokenPurpose::kReset) st.Bind(2, new_hash->empty() ? pending : *new_hash);
               if (int rc = st.Step(); rc != SQLITE_DONE) return db.Error(rc, "use userpass token");
               if (db.Changes() == 0) return invalid;
             }
             Statement st = db.Prepare(
                 "SELECT id, app_id, email, password_hash, confirmed, created_at FROM userpass_accounts WHERE id = ?");
             st.Bind(1, account_id);
             if (int rc = st.Step(); rc != SQLITE_ROW) return db.Error(rc, "read userpass account");
             *account = ReadAccount(st);
             return Status::Ok();
           },
           [account, done = std::move(done)](Status s) {
             if (!s.ok()) return done(s);
             done(*account);
           }});
}

void SqliteStore::ListPendingUserpassAccounts(ObjectId app_id, ObjectId after, size_t limit,
                                              Callback<std::vector<core::UserpassAccount>> done) {
  auto read = [&]() -> Result<std::vector<core::UserpassAccount>> {
    auto reader = AcquireReader();
    if (!reader.ok()) return reader.status();
    Connection& db = **reader;
    // Identity ids of accounts are their ids in lowercase hex; the
    // provider_type <> 'anon-user' term lets SQLite use the partial index.
    Statement st = db.Prepare(
        "SELECT a.id, a.app_id, a.email, a.password_hash, a.confirmed, a.created_at FROM userpass_accounts a"
        " WHERE a.app_id = ?1 AND a.id > ?2 AND NOT EXISTS (SELECT 1 FROM identities i WHERE i.app_id = ?1"
        " AND i.provider_type = 'local-userpass' AND i.provider_type <> 'anon-user'"
        " AND i.identity_id = lower(hex(a.id))) ORDER BY a.id LIMIT ?3");
    st.Bind(1, app_id).Bind(2, after).Bind(3, static_cast<int64_t>(limit));
    std::vector<core::UserpassAccount> out;
    int rc;
    while ((rc = st.Step()) == SQLITE_ROW) out.push_back(ReadAccount(st));
    if (rc != SQLITE_DONE) return db.Error(rc, "list pending accounts");
    return out;
  }();
  done(std::move(read));
}

void SqliteStore::ConfirmUserpassAccount(ObjectId account_id, StatusCallback done) {
  Enqueue({[account_id](Connection& db) {
             {
               Statement st = db.Prepare("UPDATE userpass_accounts SET confirmed = 1 WHERE id = ?");
               st.Bind(1, account_id);
               if (int rc = st.Step(); rc != SQLITE_DONE) return db.Error(rc, "confirm account");
               if (db.Changes() == 0) return Status::NotFound(ErrorCode::kUserNotFound, "user not found");
             }
             Statement st = db.Prepare("DELETE FROM userpass_tokens WHERE account_id = ? AND purpose = 0");
             st.Bind(1, account_id);
             if (int rc = st.Step(); rc != SQLITE_DONE) return db.Error(rc, "drop confirmation tokens");
             return Status::Ok();
           },
           std::move(done)});
}

void SqliteStore::DeletePendingUserpassAccount(ObjectId account_id, StatusCallback done) {
  Enqueue({[account_id](Connection& db) {
             {
               Statement st = db.Prepare(
                   "SELECT EXISTS (SELECT 1 FROM identities i WHERE i.app_id = a.app_id"
                   " AND i.provider_type = 'local-userpass' AND i.provider_type <> 'anon-user'"
                   " AND i.identity_id = lower(hex(a.id))) FROM userpass_accounts a WHERE a.id = ?");
               st.Bind(1, account_id);
               int rc = st.Step();
               if (rc == SQLITE_DONE) return Status::NotFound(ErrorCode::kUserNotFound, "user not found");
               if (rc != SQLITE_ROW) return db.Error(rc, "find account");
               if (st.ColumnInt(0) != 0)
                 return Status::InvalidArgument(
                     ErrorCode::kInvalidParameter,
                     "this user has logged in and is no longer pending: delete the user instead");
             }
             for (const char* sql :
                  {"DELETE FROM userpass_tokens WHERE account_id = ?", "DELETE FROM userpass_accounts WHERE id = ?"}) {
               Statement del = db.Prepare(sql);
               del.Bind(1, account_id);
               if (int rc = del.Step(); rc != SQLITE_DONE) return db.Error(rc, "delete pending account");
             }
             return Status::Ok();
           },
           std::move(done)});
}

void SqliteStore::GetSessionWithUser(ObjectId user_id, ObjectId session_id, Callback<SessionWithUser> done) {
  // The cache is keyed by session id alone (ids are fresh ObjectIds); an
  // entry of another user is not an answer: the database decides.
  if (auto hit = session_cache_.Find(session_id); hit && hit->session.user_id == user_id) return done(*hit);
  const uint64_t generation = session_cache_.Generation();
  auto read = ReadSessionWithUser(user_id, session_id);
  if (read.ok()) session_cache_.Insert(generation, std::make_shared<const SessionWithUser>(*read));
  done(std::move(read));
}

Result<SessionWithUser> SqliteStore::ReadSessionWithUser(const ObjectId& user_id, const ObjectId& session_id) {
  auto reader = AcquireReader();
  if (!reader.ok()) return reader.status();
  Connection& db = **reader;
  // One statement, so session, user and identities come from one snapshot.
  Statement st = db.Prepare(
      "SELECT s.user_id, s.secret_hash, s.created_at, s.expires_at, s.device_id, s.device,"
      " u.app_id, u.type, u.data, u.created_at, u.last_active_at, u.disabled,"
      " i.provider_type, i.provider_id, i.identity_id, u.anon_identity, u.anon_provider_id"
      " FROM sessions s JOIN users u ON u.id = s.user_id"
      " LEFT JOIN identities i ON i.user_id = s.user_id"
      " WHERE s.user_id = ? AND s.id = ? ORDER BY i.seq");
  st.Bind(1, user_id).Bind(2, session_id);
  SessionWithUser out;
  int rows = 0;
  int rc;
  while ((rc = st.Step()) == SQLITE_ROW) {
    if (rows++ == 0) {
      out.session.id = session_id;
      out.session.user_id = st.ColumnId(0);
      auto hash = st.ColumnBlob(1);
      if (hash.size() == out.session.secret_hash.size())
        std::copy(hash.begin(), hash.end(), out.session.secret_hash.begin());
      out.session.created_at = st.ColumnInt(2);
      out.session.expires_at = st.ColumnInt(3);
      out.session.device_id = st.ColumnId(4);
      out.session.device_json = st.ColumnText(5);
      out.user.id = out.session.user_id;
      out.user.app_id = st.ColumnId(6);
      out.user.type = st.ColumnText(7);
      out.user.data_json = st.ColumnIsNull(8) ? "{}" : st.ColumnText(8);
      out.user.created_at = st.ColumnInt(9);
      out.user.last_active_at = st.ColumnInt(10);
      out.user.disabled = st.ColumnInt(11) != 0;
      AppendInlineIdentity(st, 15, out.user);
    }
    AppendIdentity(st, 12, out.user);
  }
  if (rc != SQLITE_DONE) return db.Error(rc, "get session");
  if (rows == 0) return Status::NotFound(ErrorCode::kInvalidSession, "session not found");
  return out;
}

void SqliteStore::GetUser(ObjectId user_id, Callback<core::User> done) { done(ReadUser(user_id)); }

Result<core::User> SqliteStore::ReadUser(const ObjectId& user_id) {
  auto reader = AcquireReader();
  if (!reader.ok()) return reader.status();
  return ReadUserOn(**reader, user_id);
}

Result<core::User> SqliteStore::ReadUserOn(Connection& db, const ObjectId& user_id) {
  Statement st = db.Prepare(
      "SELECT u.app_id, u.type, u.data, u.created_at, u.last_active_at, u.disabled,"
      " i.provider_type, i.provider_id, i.identity_id, u.anon_identity, u.anon_provider_id"
      " FROM users u LEFT JOIN identities i ON i.user_id = u.id WHERE u.id = ? ORDER BY i.seq");
  st.Bind(1, user_id);
  core::User user;
  int rows = 0;
  int rc;
  while ((rc = st.Step()) == SQLITE_ROW) {
    if (rows++ == 0) {
      user.id = user_id;
      user.app_id = st.ColumnId(0);
      user.type = st.ColumnText(1);
      user.data_json = st.ColumnIsNull(2) ? "{}" : st.ColumnText(2);
      user.created_at = st.ColumnInt(3);
      user.last_active_at = st.ColumnInt(4);
      user.disabled = st.ColumnInt(5) != 0;
      AppendInlineIdentity(st, 9, user);
    }
    AppendIdentity(st, 6, user);
  }
  if (rc != SQLITE_DONE) return db.Error(rc, "get user");
  if (rows == 0) return Status::NotFound(ErrorCode::kUserNotFound, "user not found");
  return user;
}

void SqliteStore::DeleteSession(ObjectId user_id, ObjectId session_id, bool delete_user_if_anonymous,
                                core::Deletion why, Callback<DeleteSessionOutcome> done) {
  auto outcome = std::make_shared<DeleteSessionOutcome>();
  auto shared_why = std::make_shared<core::Deletion>(std::move(why));
  Enqueue({[this, user_id, session_id, delete_user_if_anonymous, outcome, shared_why](Connection& db) {
             *outcome = DeleteSessionOutcome{};
             {
               Statement st = db.Prepare("DELETE FROM sessions WHERE user_id = ? AND id = ? RETURNING user_id");
               st.Bind(1, user_id).Bind(2, session_id);
               int rc = st.Step();
               if (rc == SQLITE_DONE) return Status::NotFound(ErrorCode::kInvalidSession, "session not found");
               if (rc != SQLITE_ROW) return db.Error(rc, "delete session");
               outcome->user_id = st.ColumnId(0);
               while ((rc = st.Step()) == SQLITE_ROW) {
               }
               if (rc != SQLITE_DONE) return db.Error(rc, "delete session");
             }
             if (!delete_user_if_anonymous) return Status::Ok();
             bool anonymous = false;
             {
               // Same rule as core::User::IsAnonymous, evaluated inside the
               // transaction so a concurrent link is never lost.
               Statement st = db.Prepare(
                   "SELECT COUNT(*), COALESCE(SUM(provider_type <> 'anon-user'), 0)"
                   " FROM user_identities WHERE user_id = ?");
               st.Bind(1, outcome->user_id);
               if (int rc = st.Step(); rc != SQLITE_ROW) return db.Error(rc, "check identities");
               anonymous = st.ColumnInt(0) > 0 && st.ColumnInt(1) == 0;
             }
             if (!anonymous) return Status::Ok();
             if (Status s = EraseUser(db, outcome->user_id, *shared_why, anonymous_counts_); !s.ok()) return s;
             outcome->user_deleted = true;
             return Status::Ok();
           },
           [outcome, done = std::move(done)](Status s) {
             if (!s.ok()) return done(s);
             done(*outcome);
           },
           [outcome] { return outcome->user_id; }});
}

void SqliteStore::DeleteUser(ObjectId user_id, core::Deletion why, StatusCallback done) {
  auto shared_why = std::make_shared<core::Deletion>(std::move(why));
  Enqueue({[this, user_id, shared_why](Connection& db) {
             return EraseUser(db, user_id, *shared_why, anonymous_counts_);
           },
           std::move(done), [user_id] { return user_id; }});
}

void SqliteStore::CountUsers(ObjectId app_id, Callback<int64_t> done) {
  // Reads finish (statement reset, connection back in the pool) before the
  // callback runs.
  auto count = [&]() -> Result<int64_t> {
    auto reader = AcquireReader();
    if (!reader.ok()) return reader.status();
    Connection& db = **reader;
    Statement st = db.Prepare("SELECT COUNT(*) FROM users WHERE app_id = ?");
    st.Bind(1, app_id);
    if (int rc = st.Step(); rc != SQLITE_ROW) return db.Error(rc, "count users");
    return st.ColumnInt(0);
  }();
  done(std::move(count));
}

void SqliteStore::CountAnonymousUsers(ObjectId app_id, Callback<int64_t> done) {
  auto count = [&]() -> Result<int64_t> {
    auto reader = AcquireReader();
    if (!reader.ok()) return reader.status();
    Connection& db = **reader;
    return CountAnonymous(db, app_id);
  }();
  done(std::move(count));
}

Result<int64_t> SqliteStore::CountAnonymous(Connection& db, const ObjectId& app_id) {
  // Served by the partial index users_anonymous_by_activity.
  Statement st = db.Prepare("SELECT COUNT(*) FROM users WHERE app_id = ? AND anonymous = 1");
  st.Bind(1, app_id);
  if (int rc = st.Step(); rc != SQLITE_ROW) return db.Error(rc, "count anonymous users");
  return st.ColumnInt(0);
}

Result<int64_t> SqliteStore::WriterAnonymousCount(Connection& db, const ObjectId& app_id) {
  if (auto it = anonymous_counts_.find(app_id); it != anonymous_counts_.end()) return it->second;
  auto count = CountAnonymous(db, app_id);
  if (count.ok()) anonymous_counts_[app_id] = *count;
  return count;
}

// ---- Anonymous-user lifecycle ----

namespace {
// Served by the partial index users_anonymous_by_activity.
constexpr const char* kInactiveAnonymousSql =
    "SELECT id, type, data, created_at, last_active_at, disabled FROM users"
    " WHERE app_id = ? AND anonymous = 1 AND last_active_at < ? ORDER BY last_active_at LIMIT ?";
}  // namespace

void SqliteStore::ListInactiveAnonymousUsers(ObjectId app_id, int64_t cutoff, size_t limit,
                                             Callback<std::vector<core::User>> done) {
  auto users = [&]() -> Result<std::vector<core::User>> {
    auto reader = AcquireReader();
    if (!reader.ok()) return reader.status();
    Connection& db = **reader;
    std::vector<core::User> out;
    {
      Statement st = db.Prepare(kInactiveAnonymousSql);
      st.Bind(1, app_id).Bind(2, cutoff).Bind(3, static_cast<int64_t>(limit));
      int rc;
      while ((rc = st.Step()) == SQLITE_ROW) {
        core::User u;
        u.id = st.ColumnId(0);
        u.app_id = app_id;
        u.type = st.ColumnText(1);
        u.data_json = st.ColumnIsNull(2) ? "{}" : st.ColumnText(2);
        u.created_at = st.ColumnInt(3);
        u.last_active_at = st.ColumnInt(4);
        u.disabled = st.ColumnInt(5) != 0;
        out.push_back(std::move(u));
      }
      if (rc != SQLITE_DONE) return db.Error(rc, "list inactive users");
    }
    for (core::User& u : out) {
      Statement st =
          db.Prepare("SELECT provider_type, provider_id, identity_id FROM user_identities WHERE user_id = ? ORDER BY seq");
      st.Bind(1, u.id);
      int rc;
      while ((rc = st.Step()) == SQLITE_ROW) AppendIdentity(st, 0, u);
      if (rc != SQLITE_DONE) return db.Error(rc, "read identities");
    }
    return out;
  }();
  done(std::move(users));
}

void SqliteStore::DeleteInactiveAnonymousUsers(ObjectId app_id, int64_t cutoff, size_t limit, core::Deletion why,
                                               Callback<std::vector<ObjectId>> done) {
  struct Shared {
    core::Deletion why;
    std::vector<ObjectId> deleted;
  };
  auto shared = std::make_shared<Shared>(Shared{std::move(why), {}});
  Enqueue({[this, app_id, cutoff, limit, shared](Connection& db) {
             shared->deleted.clear();
             {
               Statement st = db.Prepare(kInactiveAnonymousSql);
               st.Bind(1, app_id).Bind(2, cutoff).Bind(3, static_cast<int64_t>(limit));
               int rc;
               while ((rc = st.Step()) == SQLITE_ROW) shared->deleted.push_back(st.ColumnId(0));
               if (rc != SQLITE_DONE) return db.Error(rc, "find inactive users");
             }
             for (const ObjectId& id : shared->deleted) {
               if (Status s = EraseUser(db, id, shared->why, anonymous_counts_); !s.ok()) {
                 anonymous_counts_.erase(app_id);  // earlier users of the batch are rolled back too
                 return s;
               }
             }
             return Status::Ok();
           },
           [shared, done = std::move(done)](Status s) {
             if (!s.ok()) return done(s);
             done(std::move(shared->deleted));
           },
           nullptr, [shared] { return shared->deleted; }});
}

// ---- Expired sessions ----

void SqliteStore::PurgeExpiredSessions(SessionKey after, size_t scan_limit, int64_t now, Callback<PurgeProgress> done) {
  struct Shared {
    PurgeProgress progress;
    std::vector<ObjectId> users;  // of the deleted sessions, for the cache
  };
  auto shared = std::make_shared<Shared>();
  Enqueue({[after, scan_limit, now, shared](Connection& db) {
             *shared = Shared{};
             shared->progress.next = after;
             std::vector<SessionKey> expired;
             size_t seen = 0;
             {
               // A range of the primary key: bounded work per write.
               Statement st = db.Prepare(
                   "SELECT user_id, id, expires_at FROM sessions WHERE (user_id, id) > (?, ?)"
                   " ORDER BY user_id, id LIMIT ?");
               st.Bind(1, after.user_id).Bind(2, after.session_id).Bind(3, static_cast<int64_t>(scan_limit));
               int rc;
               while ((rc = st.Step()) == SQLITE_ROW) {
                 ++seen;
                 shared->progress.next = SessionKey{st.ColumnId(0), st.ColumnId(1)};
                 if (st.ColumnInt(2) < now) {
                   expired.push_back(shared->progress.next);
                   shared->users.push_back(shared->progress.next.user_id);
                 }
               }
               if (rc != SQLITE_DONE) return db.Error(rc, "scan sessions");
             }
             for (const SessionKey& key : expired) {
               Statement st = db.Prepare("DELETE FROM sessions WHERE user_id = ? AND id = ?");
               st.Bind(1, key.user_id).Bind(2, key.session_id);
               if (int rc = st.Step(); rc != SQLITE_DONE) return db.Error(rc, "delete session");
             }
             shared->progress.deleted = static_cast<int64_t>(expired.size());
             shared->progress.done = seen < scan_limit;
             return Status::Ok();
           },
           [shared, done = std::move(done)](Status s) {
             if (!s.ok()) return done(s);
             done(shared->progress);
           },
           nullptr, [shared] { return shared->users; }});
}

// ---- Audit events ----

void SqliteStore::PurgeAuditEvents(int64_t before, size_t limit, Callback<int64_t> done) {
  auto deleted = std::make_shared<int64_t>(0);
  Enqueue({[before, limit, deleted](Connection& db) {
             *deleted = 0;
             int64_t last = 0;  // the last seq of the prefix recorded before `before`
             {
               // The oldest events by seq (the rowid): no scan past the prefix.
               Statement st = db.Prepare("SELECT seq, at FROM audit_events ORDER BY seq LIMIT ?");
               st.Bind(1, static_cast<int64_t>(limit));
               int rc;
               while ((rc = st.Step()) == SQLITE_ROW && st.ColumnInt(1) < before) {
                 last = st.ColumnInt(0);
                 ++*deleted;
               }
               if (rc != SQLITE_DONE && rc != SQLITE_ROW) return db.Error(rc, "scan audit events");
             }
             if (*deleted == 0) return Status::Ok();
             Statement st = db.Prepare("DELETE FROM audit_events WHERE seq <= ?");
             st.Bind(1, last);
             if (int rc = st.Step(); rc != SQLITE_DONE) return db.Error(rc, "delete audit events");
             return Status::Ok();
           },
           [deleted, done = std::move(done)](Status s) {
             if (!s.ok()) return done(s);
             done(*deleted);
           }});
}

void SqliteStore::ListAuditEvents(ObjectId app_id, int64_t after_seq, size_t limit,
                                  Callback<std::vector<core::AuditEvent>> done) {
  auto events = [&]() -> Result<std::vector<core::AuditEvent>> {
    auto reader = AcquireReader();
    if (!reader.ok()) return reader.status();
    Connection& db = **reader;
    Statement st = db.Prepare(
        "SELECT seq, at, action, user_id, actor, reason, providers FROM audit_events"
        " WHERE app_id = ? AND seq > ? ORDER BY seq LIMIT ?");
    st.Bind(1, app_id).Bind(2, after_seq).Bind(3, static_cast<int64_t>(limit));
    std::vector<core::AuditEvent> out;
    int rc;
    while ((rc = st.Step()) == SQLITE_ROW) {
      core::AuditEvent e;
      e.seq = st.ColumnInt(0);
      e.app_id = app_id;
      e.at = st.ColumnInt(1);
      e.action = st.ColumnText(2);
      e.user_id = st.ColumnId(3);
      e.actor = st.ColumnText(4);
      e.reason = st.ColumnText(5);
      std::string providers = st.ColumnText(6);
      for (size_t start = 0; start < providers.size();) {
        size_t comma = providers.find(',', start);
        if (comma == std::string::npos) comma = providers.size();
        e.providers.push_back(providers.substr(start, comma - start));
        start = comma + 1;
      }
      out.push_back(std::move(e));
    }
    if (rc != SQLITE_DONE) return db.Error(rc, "list audit events");
    return out;
  }();
  done(std::move(events));
}

// ---- Background jobs ----

void SqliteStore::ClaimJob(std::string name, std::string holder, int64_t now, int64_t lease_seconds,
                           Callback<bool> done) {
  struct Shared {
    std::string name, holder;
    bool claimed = false;
  };
  auto shared = std::make_shared<Shared>(Shared{std::move(name), std::move(holder)});
  Enqueue({[shared, now, lease_seconds](Connection& db) {
             Statement st = db.Prepare(
                 "INSERT INTO jobs (name, holder, lease_expires_at, next_run_at) VALUES (?1, ?2, ?3 + ?4, 0)"
                 " ON CONFLICT (name) DO UPDATE SET holder = excluded.holder,"
                 " lease_expires_at = excluded.lease_expires_at"
                 " WHERE (jobs.holder = excluded.holder AND jobs.lease_expires_at > ?3)"
                 " OR (jobs.lease_expires_at <= ?3 AND jobs.next_run_at <= ?3)"
                 " RETURNING holder");
             st.Bind(1, shared->name).Bind(2, shared->holder).Bind(3, now).Bind(4, lease_seconds);
             int rc = st.Step();
             shared->claimed = rc == SQLITE_ROW;
             while (rc == SQLITE_ROW) rc = st.Step();
             if (rc != SQLITE_DONE) return db.Error(rc, "claim job");
             return Status::Ok();
           },
           [shared, done = std::move(done)](Status s) {
             if (!s.ok()) return done(s);
             done(shared->claimed);
           }});
}

void SqliteStore::FinishJob(std::string name, std::string holder, int64_t next_run_at, StatusCallback done) {
  struct Shared {
    std::string name, holder;
  };
  auto shared = std::make_shared<Shared>(Shared{std::move(name), std::move(holder)});
  Enqueue({[shared, next_run_at](Connection& db) {
             Statement st = db.Prepare(
                 "UPDATE jobs SET holder = '', lease_expires_at = 0, next_run_at = ?3 WHERE name = ?1 AND holder = ?2");
             st.Bind(1, shared->name).Bind(2, shared->holder).Bind(3, next_run_at);
             if (int rc = st.Step(); rc != SQLITE_DONE) return db.Error(rc, "finish job");
             if (db.Changes() == 0) return Status::NotFound(ErrorCode::kNone, "the job is not held by " + shared->holder);
             return Status::Ok();
           },
           std::move(done)});
}

// ---- Users, as administrators see them ----

namespace {
// The filters of a UserQuery, as one literal each (Prepare caches statements
// by their text's address): ?1 app, ?2 and ?3 the disabled flag or NULL,
// ?4 ",type,type," or "" for any provider (a user's inline anonymous
// identity, then its identities rows by primary key: not the
// user_identities view, which SQLite would scan for a correlated subquery),
// ?7 the Anonymity (0 any; 1 anonymous: the maintained `anonymous` flag;
// 2 linked: not anonymous, with an anon-user identity inline or as a row).
// Served by users_by_app.
#define GP_USER_FILTERS                                                                \
  "app_id = ?1 AND (?2 IS NULL OR disabled = ?3) AND (?4 = ''"                      \
  " OR (anon_identity IS NOT NULL AND instr(?4, ',anon-user,') > 0)"                 \
  " OR EXISTS (SELECT 1 FROM identities i WHERE i.user_id = users.id"                 \
  " AND instr(?4, ',' || i.provider_type || ',') > 0))"                               \
  " AND (?7 = 0 OR (?7 = 1 AND anonymous = 1) OR (?7 = 2 AND anonymous = 0"          \
  " AND (anon_identity IS NOT NULL OR EXISTS (SELECT 1 FROM identities i"              \
  " WHERE i.user_id = users.id AND i.provider_type = 'anon-user'))))"
constexpr const char* kUsersAscSql = "SELECT id FROM users WHERE " GP_USER_FILTERS " AND id > ?5 ORDER BY app_id, id LIMIT ?6";
constexpr const char* kUsersDescSql =
    "SELECT id FROM users WHERE " GP_USER_FILTERS " AND id < ?5 ORDER BY app_id DESC, id DESC LIMIT ?6";
constexpr const char* kCountUsersSql = "SELECT COUNT(*) FROM users WHERE " GP_USER_FILTERS;
// The email filter's one user, when the other filters match it: ?5 its id.
constexpr const char* kUserByIdSql = "SELECT id FROM users WHERE " GP_USER_FILTERS " AND id = ?5";
#undef GP_USER_FILTERS

void BindUserFilters(Statement& st, const Store::UserQuery& q) {
  st.Bind(1, q.app_id);
  if (q.disabled) {
    st.Bind(2, int64_t{1}).Bind(3, static_cast<int64_t>(*q.disabled ? 1 : 0));
  } else {
    st.BindNull(2).BindNull(3);
  }
  std::string types;
  for (const auto& t : q.provider_types) types += "," + t;
  if (!types.empty()) types += ",";
  st.Bind(4, std::string_view(types));
  int64_t anonymity = 0;
  if (q.anonymity == Store::Anonymity::kAnonymous) anonymity = 1;
  if (q.anonymity == Store::Anonymity::kLinked) anonymity = 2;
  st.Bind(7, anonymity);
}

// The user the query's email names, if it matches the other filters (and,
// for a page, lies after `after`): the user with the app's account of that
// email as its local-userpass identity (identity ids of accounts are their
// ids in lowercase hex; the provider_type <> 'anon-user' term lets SQLite
// use the partial index identities_by_provider).
Result<std::optional<ObjectId>> UserByEmailOn(Connection& db, const Store::UserQuery& q, bool page) {
  ObjectId user_id;
  {
    Statement st = db.Prepare(
        "SELECT i.user_id FROM userpass_accounts a JOIN identities i ON i.app_id = a.app_id"
        " AND i.provider_type = 'local-userpass' AND i.provider_type <> 'anon-user'"
        " AND i.identity_id = lower(hex(a.id)) WHERE a.app_id = ?1 AND a.email = ?2");
    st.Bind(1, q.app_id).Bind(2, std::string_view(q.email));
    int rc = st.Step();
    if (rc == SQLITE_DONE) return std::optional<ObjectId>();
    if (rc != SQLITE_ROW) return db.Error(rc, "find user by email");
    user_id = st.ColumnId(0);
  }
  if (page && !q.after.IsZero() && (q.desc ? !(user_id < q.after) : !(q.after < user_id)))
    return std::optional<ObjectId>();
  Statement st = db.Prepare(kUserByIdSql);
  BindUserFilters(st, q);
  st.Bind(5, user_id);
  int rc = st.Step();
  if (rc == SQLITE_DONE) return std::optional<ObjectId>();
  if (rc != SQLITE_ROW) return db.Error(rc, "filter user by email");
  return std::optional<ObjectId>(user_id);
}
}  // namespace

void SqliteStore::ListUsers(UserQuery q, Callback<std::vector<core::User>> done) {
  auto users = [&]() -> Result<std::vector<core::User>> {
    auto reader = AcquireReader();
    if (!reader.ok()) return reader.status();
    Connection& db = **reader;
    std::vector<ObjectId> ids;
    if (!q.email.empty()) {
      auto one = UserByEmailOn(db, q, /*page=*/true);
      if (!one.ok()) return one.status();
      if (*one && q.limit > 0) ids.push_back(**one);
    } else {
      Statement st = db.Prepare(q.desc ? kUsersDescSql : kUsersAscSql);
      BindUserFilters(st, q);
      // No `after`: from the first id (zero) or, descending, from past the last.
      ObjectId from = q.after;
      if (from.IsZero() && q.desc) from = *ObjectId::FromHex("ffffffffffffffffffffffff");
      st.Bind(5, from).Bind(6, static_cast<int64_t>(q.limit));
      int rc;
      while ((rc = st.Step()) == SQLITE_ROW) ids.push_back(st.ColumnId(0));
      if (rc != SQLITE_DONE) return db.Error(rc, "list users");
    }
    std::vector<core::User> out;
    out.reserve(ids.size());
    for (const auto& id : ids) {
      auto user = ReadUserOn(db, id);
      if (!user.ok()) return user.status();
      out.push_back(std::move(*user));
    }
    return out;
  }();
  done(std::move(users));
}

void SqliteStore::CountMatchingUsers(UserQuery q, Callback<int64_t> done) {
  auto count = [&]() -> Result<int64_t> {
    auto reader = AcquireReader();
    if (!reader.ok()) return reader.status();
    Connection& db = **reader;
    if (!q.email.empty()) {
      auto one = UserByEmailOn(db, q, /*page=*/false);
      if (!one.ok()) return one.status();
      return *one ? int64_t{1} : int64_t{0};
    }
    Statement st = db.Prepare(kCountUsersSql);
    BindUserFilters(st, q);
    if (int rc = st.Step(); rc != SQLITE_ROW) return db.Error(rc, "count users");
    return st.ColumnInt(0);
  }();
  done(std::move(count));
}

void SqliteStore::ListUserSessions(ObjectId user_id, int64_t now, size_t limit,
                                   Callback<std::vector<core::Session>> done) {
  auto sessions = [&]() -> Result<std::vector<core::Session>> {
    auto reader = AcquireReader();
    if (!reader.ok()) return reader.status();
    Connection& db = **reader;
    {
      Statement st = db.Prepare("SELECT 1 FROM users WHERE id = ?");
      st.Bind(1, user_id);
      int rc = st.Step();
      if (rc == SQLITE_DONE) return Status::NotFound(ErrorCode::kUserNotFound, "user not found");
      if (rc != SQLITE_ROW) return db.Error(rc, "find user");
    }
    // A range of the primary key (user_id, id); ids are time-ordered.
    Statement st = db.Prepare(
        "SELECT id, secret_hash, created_at, expires_at, device_id, device FROM sessions"
        " WHERE user_id = ?1 AND expires_at > ?2 ORDER BY user_id DESC, id DESC LIMIT ?3");
    st.Bind(1, user_id).Bind(2, now).Bind(3, static_cast<int64_t>(limit));
    std::vector<core::Session> out;
    int rc;
    while ((rc = st.Step()) == SQLITE_ROW) {
      core::Session s;
      s.id = st.ColumnId(0);
      s.user_id = user_id;
      const auto hash = st.ColumnBlob(1);
      if (hash.size() == s.secret_hash.size()) std::copy(hash.begin(), hash.end(), s.secret_hash.begin());
      s.created_at = st.ColumnInt(2);
      s.expires_at = st.ColumnInt(3);
      s.device_id = st.ColumnId(4);
      s.device_json = st.ColumnText(5);
      out.push_back(std::move(s));
    }
    if (rc != SQLITE_DONE) return db.Error(rc, "list sessions");
    return out;
  }();
  done(std::move(sessions));
}

void SqliteStore::SetUserDisabled(ObjectId user_id, bool disabled, StatusCallback done) {
  Enqueue({[user_id, disabled](Connection& db) {
             Statement st = db.Prepare("UPDATE users SET disabled = ? WHERE id = ?");
             st.Bind(1, static_cast<int64_t>(disabled ? 1 : 0)).Bind(2, user_id);
             if (int rc = st.Step(); rc != SQLITE_DONE) return db.Error(rc, "set user disabled");
             if (db.Changes() == 0) return Status::NotFound(ErrorCode::kUserNotFound, "user not found");
             return Status::Ok();
           },
           std::move(done), [user_id] { return user_id; }});
}

void SqliteStore::DeleteUserSessions(ObjectId user_id, Callback<int64_t> done) {
  auto deleted = std::make_shared<int64_t>(0);
  Enqueue({[user_id, deleted](Connection& db) {
             if (Status s = RequireUser(db, user_id); !s.ok()) return s;
             Statement st = db.Prepare("DELETE FROM sessions WHERE user_id = ?");
             st.Bind(1, user_id);
             if (int rc = st.Step(); rc != SQLITE_DONE) return db.Error(rc, "delete sessions");
             *deleted = db.Changes();
             return Status::Ok();
           },
           [deleted, done = std::move(done)](Status s) {
             if (!s.ok()) return done(s);
             done(*deleted);
           },
           [user_id] { return user_id; }});
}

// ---- Secrets ----

void SqliteStore::ListSecrets(ObjectId app_id, Callback<std::vector<core::Secret>> done) {
  auto secrets = [&]() -> Result<std::vector<core::Secret>> {
    auto reader = AcquireReader();
    if (!reader.ok()) return reader.status();
    Connection& db = **reader;
    Statement st = db.Prepare(
        "SELECT id, name, value, created_at, updated_at FROM secrets WHERE app_id = ? ORDER BY name");
    st.Bind(1, app_id);
    std::vector<core::Secret> out;
    int rc;
    while ((rc = st.Step()) == SQLITE_ROW) {
      core::Secret s;
      s.app_id = app_id;
      s.id = st.ColumnId(0);
      s.name = st.ColumnText(1);
      const auto value = st.ColumnBlob(2);
      s.sealed_value.assign(reinterpret_cast<const char*>(value.data()), value.size());
      s.created_at = st.ColumnInt(3);
      s.updated_at = st.ColumnInt(4);
      out.push_back(std::move(s));
    }
    if (rc != SQLITE_DONE) return db.Error(rc, "list secrets");
    return out;
  }();
  done(std::move(secrets));
}

void SqliteStore::PutSecret(core::Secret secret, bool create, StatusCallback done) {
  auto shared = std::make_shared<core::Secret>(std::move(secret));
  Enqueue({[shared, create](Connection& db) {
             const core::Secret& s = *shared;
             const std::span<const uint8_t> value(reinterpret_cast<const uint8_t*>(s.sealed_value.data()),
                                                  s.sealed_value.size());
             Statement st = db.Prepare(create ? "INSERT INTO secrets (app_id, id, name, value, created_at, updated_at)"
                                                " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
                                              : "UPDATE secrets SET name = ?3, value = ?4, updated_at = ?6"
                                                " WHERE app_id = ?1 AND id = ?2 AND ?5 = ?5");
             st.Bind(1, s.app_id).Bind(2, s.id).Bind(3, s.name).Bind(4, value).Bind(5, s.created_at);
             st.Bind(6, s.updated_at);
             if (int rc = st.Step(); rc != SQLITE_DONE) {
               if ((rc & 0xff) == SQLITE_CONSTRAINT)
                 return Status::AlreadyExists(ErrorCode::kInvalidParameter, "a secret named '" + s.name + "' exists");
               return db.Error(rc, "put secret");
             }
             if (!create && db.Changes() == 0) return Status::NotFound(ErrorCode::kNotFound, "secret not found");
             return Status::Ok();
           },
           std::move(done)});
}

void SqliteStore::DeleteSecret(ObjectId app_id, ObjectId secret_id, StatusCallback done) {
  Enqueue({[app_id, secret_id](Connection& db) {
             Statement st = db.Prepare("DELETE FROM secrets WHERE app_id = ? AND id = ?");
             st.Bind(1, app_id).Bind(2, secret_id);
             if (int rc = st.Step(); rc != SQLITE_DONE) return db.Error(rc, "delete secret");
             if (db.Changes() == 0) return Status::NotFound(ErrorCode::kNotFound, "secret not found");
             return Status::Ok();
           },
           std::move(done)});
}

// ---- Shared by every server on this store ----

void SqliteStore::ListSigningKeys(Callback<std::vector<core::StoredSigningKey>> done) {
  auto keys = [&]() -> Result<std::vector<core::StoredSigningKey>> {
    auto reader = AcquireReader();
    if (!reader.ok()) return reader.status();
    Connection& db = **reader;
    Statement st = db.Prepare(
        "SELECT kid, alg, sealed_secret, created_at, active_from FROM signing_keys ORDER BY active_from, kid");
    std::vector<core::StoredSigningKey> out;
    int rc;
    while ((rc = st.Step()) == SQLITE_ROW) {
      core::StoredSigningKey k;
      k.kid = st.ColumnText(0);
      k.alg = st.ColumnText(1);
      const auto sealed = st.ColumnBlob(2);
      k.sealed_secret.assign(reinterpret_cast<const char*>(sealed.data()), sealed.size());
      k.created_at = st.ColumnInt(3);
      k.active_from = st.ColumnInt(4);
      out.push_back(std::move(k));
    }
    if (rc != SQLITE_DONE) return db.Error(rc, "list signing keys");
    return out;
  }();
  done(std::move(keys));
}

void SqliteStore::AddSigningKey(core::StoredSigningKey key, StatusCallback done) {
  auto shared = std::make_shared<core::StoredSigningKey>(std::move(key));
  Enqueue({[shared](Connection& db) {
             const core::StoredSigningKey& k = *shared;
             const std::span<const uint8_t> sealed(reinterpret_cast<const uint8_t*>(k.sealed_secret.data()),
                                                   k.sealed_secret.size());
             Statement st = db.Prepare(
                 "INSERT INTO signing_keys (kid, alg, sealed_secret, created_at, active_from) VALUES (?, ?, ?, ?, ?)");
             st.Bind(1, k.kid).Bind(2, k.alg).Bind(3, sealed).Bind(4, k.created_at).Bind(5, k.active_from);
             if (int rc = st.Step(); rc != SQLITE_DONE) {
               if ((rc & 0xff) == SQLITE_CONSTRAINT)
                 return Status::AlreadyExists(ErrorCode::kInvalidParameter, "a signing key with id " + k.kid + " exists");
               return db.Error(rc, "add signing key");
             }
             return Status::Ok();
           },
           std::move(done)});
}

void SqliteStore::DeleteSigningKey(std::string kid, StatusCallback done) {
  Enqueue({[kid = std::move(kid)](Connection& db) {
             Statement st = db.Prepare("DELETE FROM signing_keys WHERE kid = ?");
             st.Bind(1, kid);
             if (int rc = st.Step(); rc != SQLITE_DONE) return db.Error(rc, "delete signing key");
             if (db.Changes() == 0) return Status::NotFound(ErrorCode::kNotFound, "no signing key with id " + kid);
             return Status::Ok();
           },
           std::move(done)});
}

void SqliteStore::ConfigVersion(Callback<int64_t> done) {
  auto version = [&]() -> Result<int64_t> {
    auto reader = AcquireReader();
    if (!reader.ok()) return reader.status();
    Connection& db = **reader;
    Statement st = db.Prepare("SELECT version FROM config_version WHERE id = 1");
    if (int rc = st.Step(); rc != SQLITE_ROW) return db.Error(rc, "read the configuration version");
    return st.ColumnInt(0);
  }();
  done(std::move(version));
}

// ---- The apps' logs ----

namespace {
// The smallest or largest ObjectId of a second: ids begin with their
// creation time in seconds (big-endian), so a time range of events is a range
// of the primary key. A second more on each side covers an event whose id
// and time were read from the clock on either side of a second's turn.
ObjectId IdBound(int64_t ms, bool upper) {
  std::array<uint8_t, ObjectId::kSize> bytes;
  bytes.fill(upper ? 0xff : 0x00);
  int64_t sec = ms / 1000 + (upper ? 1 : -1);
  sec = std::clamp<int64_t>(sec, 0, 0xffffffffLL);
  for (int i = 0; i < 4; ++i) bytes[i] = static_cast<uint8_t>(sec >> (8 * (3 - i)));
  return ObjectId(bytes);
}
}  // namespace

void SqliteStore::AppendLogEvents(std::vector<core::LogEvent> events, StatusCallback done) {
  auto shared = std::make_shared<std::vector<core::LogEvent>>(std::move(events));
  Enqueue({[shared](Connection& db) {
             for (const auto& e : *shared) {
               Statement st = db.Prepare(
                   "INSERT INTO log_events (app_id, id, type, error, user_id, at_ms, entry) VALUES (?, ?, ?, ?, ?, ?, ?)");
               st.Bind(1, e.app_id).Bind(2, e.id).Bind(3, e.type).Bind(4, static_cast<int64_t>(e.error ? 1 : 0));
               st.Bind(5, e.user_id).Bind(6, e.at_ms).Bind(7, e.entry_json);
               if (int rc = st.Step(); rc != SQLITE_DONE) return db.Error(rc, "append log event");
             }
             return Status::Ok();
           },
           std::move(done)});
}

void SqliteStore::ListLogEvents(LogQuery q, Callback<std::vector<core::LogEvent>> done) {
  auto events = [&]() -> Result<std::vector<core::LogEvent>> {
    auto reader = AcquireReader();
    if (!reader.ok()) return reader.status();
    Connection& db = **reader;
    // One literal for every filter (Prepare caches by the text's address);
    // the id range (?9, ?10) makes it a backward read of the app's range.
    Statement st = db.Prepare(
        "SELECT id, type, error, user_id, at_ms, entry FROM log_events"
        " WHERE app_id = ?1 AND id >= ?9 AND id <= ?10 AND at_ms > ?2 AND at_ms <= ?3"
        " AND (?4 IS NULL OR error = ?4) AND (?5 IS NULL OR user_id = ?5)"
        " AND (?6 = '' OR instr(?6, ',' || type || ',') > 0)"
        " ORDER BY id DESC LIMIT ?7 OFFSET ?8");
    st.Bind(1, q.app_id).Bind(2, q.start_ms).Bind(3, q.end_ms);
    if (q.error) st.Bind(4, static_cast<int64_t>(*q.error ? 1 : 0)); else st.BindNull(4);
    if (!q.user_id.IsZero()) st.Bind(5, q.user_id); else st.BindNull(5);
    std::string types;
    for (const auto& t : q.types) types += "," + t;
    if (!types.empty()) types += ",";
    st.Bind(6, std::string_view(types)).Bind(7, static_cast<int64_t>(q.limit)).Bind(8, static_cast<int64_t>(q.skip));
    st.Bind(9, IdBound(q.start_ms, false)).Bind(10, IdBound(std::min<int64_t>(q.end_ms, 0xffffffffLL * 1000), true));
    std::vector<core::LogEvent> out;
    int rc;
    while ((rc = st.Step()) == SQLITE_ROW) {
      core::LogEvent e;
      e.app_id = q.app_id;
      e.id = st.ColumnId(0);
      e.type = st.ColumnText(1);
      e.error = st.ColumnInt(2) != 0;
      e.user_id = st.ColumnId(3);
      e.at_ms = st.ColumnInt(4);
      e.entry_json = st.ColumnText(5);
      out.push_back(std::move(e));
    }
    if (rc != SQLITE_DONE) return db.Error(rc, "list log events");
    return out;
  }();
  done(std::move(events));
}

void SqliteStore::PurgeLogEvents(int64_t before_ms, size_t limit, Callback<int64_t> done) {
  auto deleted = std::make_shared<int64_t>(0);
  Enqueue({[before_ms, limit, deleted](Connection& db) {
             *deleted = 0;
             // App by app (found through the primary key, one search each),
             // the oldest ids first: no index and no full scan.
             ObjectId app;
             bool first = true;
             while (static_cast<size_t>(*deleted) < limit) {
               Statement next = db.Prepare(first ? "SELECT app_id FROM log_events ORDER BY app_id LIMIT 1"
                                                 : "SELECT app_id FROM log_events WHERE app_id > ? ORDER BY app_id LIMIT 1");
               if (!first) next.Bind(1, app);
               int rc = next.Step();
               if (rc == SQLITE_DONE) break;
               if (rc != SQLITE_ROW) return db.Error(rc, "purge log events");
               app = next.ColumnId(0);
               first = false;
               Statement st = db.Prepare(
                   "DELETE FROM log_events WHERE app_id = ?1 AND id IN (SELECT id FROM log_events WHERE app_id = ?1"
                   " AND id < ?2 AND at_ms < ?3 ORDER BY id LIMIT ?4)");
               st.Bind(1, app).Bind(2, IdBound(before_ms, true)).Bind(3, before_ms);
               st.Bind(4, static_cast<int64_t>(limit - static_cast<size_t>(*deleted)));
               if (int d = st.Step(); d != SQLITE_DONE) return db.Error(d, "purge log events");
               *deleted += db.Changes();
             }
             return Status::Ok();
           },
           [deleted, done = std::move(done)](Status s) {
             if (!s.ok()) return done(s);
             done(*deleted);
           }});
}

}  // namespace guestpass::store::sqlite
