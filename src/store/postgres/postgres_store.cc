// postgres_store.cc: SQL of the PostgreSQL back end, its group-commit
// writer and its reader pool. The SQL follows the SQLite back end's
// (store/sqlite/sqlite_store.cc) statement for statement where it can, so
// both keep the same contract (store_contract_test.h); where several servers
// can race, rows are locked (FOR UPDATE) or advisory locks taken, as noted.
#include "store/postgres/postgres_store.h"

#include <algorithm>
#include <array>

#include "store/app_codec.h"
#include "store/postgres/migrations.h"

namespace guestpass::store::postgres {

using core::ErrorCode;
using core::ObjectId;
using core::Result;
using core::Status;

namespace {

// Advisory lock keys (the two-int form; the first is guestpass's class).
constexpr int kLockClass = 7102;
constexpr int kMigrationLock = 1;  // session lock while migrating
// Transaction locks: the audit log's seq order (7102, 2: GP_INSERT_AUDIT_EVENT
// takes it), and per app (the second key a hash of the app id) the
// anonymous cap and the server-key count.
constexpr int kCapLockClass = 7103;
constexpr int kServerKeyLockClass = 7104;

int32_t AppLockKey(const ObjectId& id) {
  uint32_t h = 2166136261u;  // FNV-1a
  for (uint8_t b : id.bytes()) h = (h ^ b) * 16777619u;
  return static_cast<int32_t>(h);
}

const Params kNoParams;

// A WriteOp's `touched` for a write that may change one user's sessions.
std::function<std::vector<ObjectId>()> Touches(const ObjectId& user_id) {
  return [user_id] { return std::vector<ObjectId>{user_id}; };
}

constexpr const char* kBegin = "BEGIN";
constexpr const char* kCommit = "COMMIT";
constexpr const char* kSavepoint = "SAVEPOINT op";
constexpr const char* kRollbackToSavepoint = "ROLLBACK TO SAVEPOINT op";
constexpr const char* kReleaseSavepoint = "RELEASE SAVEPOINT op";
constexpr const char* kSegmentSavepoint = "SAVEPOINT seg";
constexpr const char* kRollbackToSegment = "ROLLBACK TO SAVEPOINT seg";
constexpr const char* kReleaseSegment = "RELEASE SAVEPOINT seg";

Status ApplyMigrations(Connection& db, const std::string& schema, bool create) {
  if (!create) {
    auto found = db.Query("SELECT to_regclass('schema_migrations') IS NOT NULL");
    if (!found.ok()) return found.status();
    if (!found->Bool(0, 0)) return Status::NotFound(ErrorCode::kNone, "no guestpass schema in this database");
  }
  // Servers starting at once: one migrates, the others wait and then find
  // nothing to do. A session lock, released below or when the session ends.
  Params lock;
  lock.Int(kLockClass).Int(kMigrationLock);
  if (Status s = db.Exec("SELECT pg_advisory_lock($1::int, $2::int)", lock); !s.ok()) return s;
  Status s;
  if (!schema.empty() && create) {
    // The options' schema (search_path already names it); the name is
    // quoted by format(), never pasted into SQL by hand.
    Params p;
    p.Text(schema);
    auto create = db.Query("SELECT format('CREATE SCHEMA IF NOT EXISTS %I', $1::text)", p);
    s = create.ok() ? db.ExecScript(create->Text(0, 0)) : create.status();
  }
  if (s.ok()) s = db.ExecScript("CREATE TABLE IF NOT EXISTS schema_migrations (version bigint PRIMARY KEY)");
  int64_t applied = 0;
  if (s.ok()) {
    auto rows = db.Query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    if (rows.ok())
      applied = rows->Int(0, 0);
    else
      s = rows.status();
  }
  const int64_t known = static_cast<int64_t>(std::size(kMigrations));
  if (s.ok() && applied > known)
    s = Status::Internal("database schema version " + std::to_string(applied) + " is newer than this guestpass (" +
                         std::to_string(known) + "); run a guestpass at least as new as the one that migrated it");
  for (int64_t v = applied + 1; s.ok() && v <= known; ++v) {
    s = db.ExecScript("BEGIN");
    if (s.ok()) s = db.ExecScript(kMigrations[v - 1]);
    if (s.ok()) {
      Params p;
      p.Int(v);
      s = db.Exec("INSERT INTO schema_migrations (version) VALUES ($1)", p);
    }
    if (s.ok()) s = db.ExecScript("COMMIT");
    if (!s.ok()) {
      if (!db.broken()) (void)db.ExecScript("ROLLBACK");
      s = Status::Make(s.code(), s.error_code(), "migration " + std::to_string(v) + " failed: " + s.message());
    }
  }
  if (!db.broken()) (void)db.Exec("SELECT pg_advisory_unlock($1::int, $2::int)", lock);
  return s;
}

// ---- Users ----

// A user whose only identity is anonymous keeps it in its users row.
bool KeepsIdentityInline(const core::User& user) {
  return user.identities.size() == 1 && user.identities[0].provider_type == core::kAnonUser;
}

void AddData(Params& p, const std::string& data_json) {
  if (data_json.empty() || data_json == "{}")
    p.NullText();
  else
    p.Text(data_json);
}

// The columns of a user with one of its identities rows (LEFT JOIN): read by
// UsersFromRows. Use with `FROM users u LEFT JOIN identities i ON i.user_id = u.id`.
#define GP_USER_COLUMNS                                                                           \
  "u.id, u.app_id, u.type, u.data, u.created_at, u.last_active_at, u.disabled, u.anon_identity, " \
  "u.anon_provider_id, i.provider_type, i.provider_id, i.identity_id"
constexpr int kUserColumnCount = 12;

// Rows of GP_USER_COLUMNS from column `first`, ordered by user then seq:
// one user per run of rows with the same id.
std::vector<core::User> UsersFromRows(const Rows& rows, int first = 0) {
  std::vector<core::User> users;
  for (int r = 0; r < rows.size(); ++r) {
    const ObjectId id = rows.Id(r, first);
    if (users.empty() || users.back().id != id) {
      core::User u;
      u.id = id;
      u.app_id = rows.Id(r, first + 1);
      u.type = rows.Text(r, first + 2);
      u.data_json = rows.IsNull(r, first + 3) ? "{}" : rows.Text(r, first + 3);
      u.created_at = rows.Int(r, first + 4);
      u.last_active_at = rows.Int(r, first + 5);
      u.disabled = rows.Bool(r, first + 6);
      if (!rows.IsNull(r, first + 7))
        u.identities.push_back({rows.Text(r, first + 7), std::string(core::kAnonUser), rows.Id(r, first + 8)});
      users.push_back(std::move(u));
    }
    if (!rows.IsNull(r, first + 9))
      users.back().identities.push_back({rows.Text(r, first + 11), rows.Text(r, first + 9), rows.Id(r, first + 10)});
  }
  return users;
}

constexpr const char* kReadUserSql =
    "SELECT " GP_USER_COLUMNS " FROM users u LEFT JOIN identities i ON i.user_id = u.id WHERE u.id = $1 ORDER BY i.seq";

Status InsertIdentities(Connection& db, const core::User& user) {
  int64_t seq = 0;
  for (const auto& ident : user.identities) {
    Params p;
    p.Id(user.id).Int(seq++).Id(user.app_id).Text(ident.provider_type).Id(ident.provider_id).Text(ident.id);
    if (Status s = db.Exec("INSERT INTO identities (user_id, seq, app_id, provider_type, provider_id, identity_id)"
                           " VALUES ($1, $2, $3, $4, $5, $6)",
                           p);
        !s.ok())
      return s;
  }
  return Status::Ok();
}

// The user's row and its identities.
Status InsertUser(Connection& db, const core::User& u) {
  const bool inline_identity = KeepsIdentityInline(u);
  Params p;
  p.Id(u.id).Id(u.app_id).Text(u.type);
  AddData(p, u.data_json);
  p.Int(u.created_at).Int(u.last_active_at).Bool(u.disabled).Bool(u.IsAnonymous());
  if (inline_identity)
    p.Text(u.identities[0].id).Id(u.identities[0].provider_id);
  else
    p.NullText().NullBytes();
  if (Status s = db.Exec("INSERT INTO users (id, app_id, type, data, created_at, last_active_at, disabled, anonymous,"
                         " anon_identity, anon_provider_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                         p);
      !s.ok())
    return s;
  return inline_identity ? Status::Ok() : InsertIdentities(db, u);
}

Params SessionParams(const core::Session& s) {
  Params p;
  p.Id(s.user_id).Id(s.id).Bytes(s.secret_hash).Int(s.created_at).Int(s.expires_at).Id(s.device_id);
  if (s.device_json.empty())
    p.NullText();
  else
    p.Text(s.device_json);
  return p;
}

Status InsertSession(Connection& db, const core::Session& s) {
  return db.Exec(
      "INSERT INTO sessions (user_id, id, secret_hash, created_at, expires_at, device_id, device)"
      " VALUES ($1, $2, $3, $4, $5, $6, $7)",
      SessionParams(s));
}

// Anonymous sign-ups in one statement: the users (each identity inline) and
// their sessions, from arrays ($1 user ids ... $15), one element per sign-up.
constexpr const char* kAnonymousSignUpsSql =
    "WITH u AS (INSERT INTO users (id, app_id, type, data, created_at, last_active_at, disabled, anonymous,"
    " anon_identity, anon_provider_id) SELECT id, app_id, type, data, created_at, last_active_at, disabled, true,"
    " anon_identity, anon_provider_id FROM unnest($1::bytea[], $8::bytea[], $9::text[], $10::text[], $11::bigint[],"
    " $12::bigint[], $13::boolean[], $14::text[], $15::bytea[])"
    " AS t(id, app_id, type, data, created_at, last_active_at, disabled, anon_identity, anon_provider_id))"
    " INSERT INTO sessions (user_id, id, secret_hash, created_at, expires_at, device_id, device)"
    " SELECT * FROM unnest($1::bytea[], $2::bytea[], $3::bytea[], $4::bigint[], $5::bigint[], $6::bytea[],"
    " $7::text[])";

template <typename SignUp>
Params AnonymousSignUpsParams(const std::vector<const SignUp*>& signups) {
  std::vector<core::ObjectId> user_ids, session_ids, device_ids, app_ids, provider_ids;
  std::vector<std::span<const uint8_t>> hashes;
  std::vector<int64_t> session_created, expires, user_created, last_active;
  std::vector<std::optional<std::string_view>> devices, types, data, identities;
  std::vector<bool> disabled;
  for (const SignUp* x : signups) {
    const core::User& u = x->user;
    const core::Session& s = x->session;
    user_ids.push_back(u.id);
    session_ids.push_back(s.id);
    hashes.emplace_back(s.secret_hash);
    session_created.push_back(s.created_at);
    expires.push_back(s.expires_at);
    device_ids.push_back(s.device_id);
    devices.push_back(s.device_json.empty() ? std::nullopt : std::optional<std::string_view>(s.device_json));
    app_ids.push_back(u.app_id);
    types.emplace_back(u.type);
    data.push_back(u.data_json.empty() || u.data_json == "{}" ? std::nullopt
                                                              : std::optional<std::string_view>(u.data_json));
    user_created.push_back(u.created_at);
    last_active.push_back(u.last_active_at);
    disabled.push_back(u.disabled);
    identities.emplace_back(u.identities[0].id);
    provider_ids.push_back(u.identities[0].provider_id);
  }
  Params p;
  p.IdArray(user_ids).IdArray(session_ids).BytesArray(hashes).IntArray(session_created).IntArray(expires);
  p.IdArray(device_ids).TextArray(devices).IdArray(app_ids).TextArray(types).TextArray(data);
  p.IntArray(user_created).IntArray(last_active).BoolArray(disabled).TextArray(identities).IdArray(provider_ids);
  return p;
}

// OK if `sql` (one parameter, `id`) returns a row; `missing` if none.
Status RequireRow(Connection& db, const char* sql, const ObjectId& id, Status missing) {
  Params p;
  p.Id(id);
  auto rows = db.Query(sql, p);
  if (!rows.ok()) return rows.status();
  return rows->empty() ? missing : Status::Ok();
}

Status UserNotFound() { return Status::NotFound(ErrorCode::kUserNotFound, "user not found"); }

Status RequireUser(Connection& db, const ObjectId& user_id) {
  return RequireRow(db, "SELECT 1 FROM users WHERE id = $1", user_id, UserNotFound());
}

// Locks the user's row until commit: links, API key changes and the logout
// check of an anonymous user then follow one another across servers.
Status LockUser(Connection& db, const ObjectId& user_id) {
  return RequireRow(db, "SELECT 1 FROM users WHERE id = $1 FOR UPDATE", user_id, UserNotFound());
}

Status AnonymousCapReached(int64_t cap) {
  return Status::PermissionDenied(ErrorCode::kAuthError, "this app has reached its limit of " + std::to_string(cap) +
                                                             " anonymous users; try again later");
}

// last_active_at = max(last_active_at, at); returns whether it moved.
Result<bool> TouchUser(Connection& db, const ObjectId& user_id, int64_t at) {
  Params p;
  p.Id(user_id).Int(at);
  auto rows = db.Query("UPDATE users SET last_active_at = $2 WHERE id = $1 AND last_active_at < $2", p);
  if (!rows.ok()) return rows.status();
  return rows->Affected() > 0;
}

// Sets users.anonymous from the user's identities (core::User::IsAnonymous).
Status RefreshAnonymousFlag(Connection& db, const ObjectId& user_id) {
  Params p;
  p.Id(user_id);
  return db.Exec(
      "UPDATE users SET anonymous = (anon_identity IS NOT NULL OR EXISTS (SELECT 1 FROM identities"
      " WHERE user_id = $1)) AND NOT EXISTS (SELECT 1 FROM identities WHERE user_id = $1"
      " AND provider_type <> 'anon-user') WHERE id = $1",
      p);
}

// An audit event. Its insert first takes the audit lock, held until commit:
// seqs are handed out in commit order across servers, so paging by seq
// never skips an event that commits later with a smaller seq.
#define GP_INSERT_AUDIT_EVENT                                                        \
  "INSERT INTO audit_events (app_id, at, action, user_id, actor, reason, providers)" \
  " SELECT $1, $2, $3, $4, $5, $6, $7 FROM (SELECT pg_advisory_xact_lock(7102, 2)) AS audit_lock"

// Deletes the user with everything that hangs off it and records `why` as
// an audit event. NotFound(UserNotFound) if the user does not exist.
// `*app_id` is set to the user's app.
Status EraseUser(Connection& db, const ObjectId& user_id, const core::Deletion& why, ObjectId* app_id) {
  {
    Params p;
    p.Id(user_id);
    auto rows = db.Query("SELECT app_id FROM users WHERE id = $1 FOR UPDATE", p);
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return UserNotFound();
    *app_id = rows->Id(0, 0);
  }
  // The provider types for the audit event, and the email/password accounts
  // of the user's identities (the identity id is the account id in hex).
  std::string providers;
  std::vector<ObjectId> accounts;
  {
    Params p;
    p.Id(user_id);
    auto rows = db.Query("SELECT provider_type, identity_id FROM user_identities WHERE user_id = $1 ORDER BY seq", p);
    if (!rows.ok()) return rows.status();
    for (int r = 0; r < rows->size(); ++r) {
      std::string type = rows->Text(r, 0);
      if (type == core::kLocalUserpass) {
        if (auto id = ObjectId::FromHex(rows->Text(r, 1))) accounts.push_back(*id);
      }
      if (("," + providers + ",").find("," + type + ",") == std::string::npos)
        providers += (providers.empty() ? "" : ",") + type;
    }
  }
  for (const ObjectId& account : accounts) {
    for (const char* sql :
         {"DELETE FROM userpass_tokens WHERE account_id = $1", "DELETE FROM userpass_accounts WHERE id = $1"}) {
      Params p;
      p.Id(account);
      if (Status s = db.Exec(sql, p); !s.ok()) return s;
    }
  }
  {
    Params p;
    p.Id(user_id);
    if (Status s =
            db.Exec("WITH u AS (DELETE FROM users WHERE id = $1), i AS (DELETE FROM identities WHERE user_id = $1),"
                    " s AS (DELETE FROM sessions WHERE user_id = $1) DELETE FROM api_keys WHERE user_id = $1",
                    p);
        !s.ok())
      return s;
  }
  Params p;
  p.Id(*app_id).Int(why.at).Text(core::kAuditUserDelete).Id(user_id).Text(why.actor).Text(why.reason).Text(providers);
  return db.Exec(GP_INSERT_AUDIT_EVENT, p);
}

// ---- Apps ----

Status UpsertApp(Connection& db, const core::App& app) {
  Params p;
  p.Id(app.id).Text(app.client_app_id).Text(app.name).Text(EncodeProviders(app.providers));
  p.Text(EncodeSettings(app.settings)).Int(app.created_at);
  Status s = db.Exec(
      "INSERT INTO apps (id, client_app_id, name, providers, settings, created_at)"
      " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO UPDATE SET client_app_id = excluded.client_app_id,"
      " name = excluded.name, providers = excluded.providers, settings = excluded.settings,"
      " created_at = excluded.created_at",
      p);
  if (s.code() == core::Code::kAlreadyExists)
    return Status::AlreadyExists(ErrorCode::kInvalidParameter, "client app id already in use");
  return s;
}

const char* StatusName(core::DeploymentStatus s) {
  return s == core::DeploymentStatus::kSuccessful ? "successful" : "failed";
}

// ---- API keys ----

core::ApiKey ApiKeyOf(const Rows& rows, int r) {
  // Columns: id, app_id, user_id, name, key_hash, disabled, created_at.
  core::ApiKey k;
  k.id = rows.Id(r, 0);
  k.app_id = rows.Id(r, 1);
  k.user_id = rows.Id(r, 2);
  k.name = rows.Text(r, 3);
  auto hash = rows.Bytes(r, 4);
  if (hash.size() == k.key_hash.size()) std::copy(hash.begin(), hash.end(), k.key_hash.begin());
  k.disabled = rows.Bool(r, 5);
  k.created_at = rows.Int(r, 6);
  return k;
}

Status InsertApiKey(Connection& db, const core::ApiKey& k) {
  Params p;
  p.Id(k.id).Id(k.app_id).Id(k.user_id).Text(k.name).Bytes(k.key_hash).Bool(k.disabled).Int(k.created_at);
  Status s = db.Exec(
      "INSERT INTO api_keys (id, app_id, user_id, name, key_hash, disabled, created_at)"
      " VALUES ($1, $2, $3, $4, $5, $6, $7)",
      p);
  // A concurrent create of the same name (another server) or a taken id.
  if (s.code() == core::Code::kAlreadyExists)
    return Status::AlreadyExists(ErrorCode::kAPIKeyAlreadyExists, "an API key with this name already exists");
  return s;
}

// ---- Email/password accounts ----

#define GP_ACCOUNT_COLUMNS "a.id, a.app_id, a.email, a.password_hash, a.confirmed, a.created_at"

core::UserpassAccount AccountOf(const Rows& rows, int r) {
  core::UserpassAccount a;
  a.id = rows.Id(r, 0);
  a.app_id = rows.Id(r, 1);
  a.email = rows.Text(r, 2);
  a.password_hash = rows.Text(r, 3);
  a.confirmed = rows.Bool(r, 4);
  a.created_at = rows.Int(r, 5);
  return a;
}

Status DeleteAccountRows(Connection& db, const ObjectId& account) {
  Params p;
  p.Id(account);
  return db.Exec(
      "WITH t AS (DELETE FROM userpass_tokens WHERE account_id = $1) DELETE FROM userpass_accounts WHERE id = $1", p);
}

// Inserts the account. AlreadyExists(AccountNameInUse) if the app has an
// account with that email, unless that one is an expired pending
// registration: then it is replaced.
Status InsertUserpassAccount(Connection& db, const core::UserpassAccount& a, int64_t now) {
  {
    Params p;
    p.Int(now).Id(a.app_id).Text(a.email);
    auto rows = db.Query(
        "SELECT a.id, a.confirmed, (SELECT COUNT(*) FROM userpass_tokens t WHERE t.account_id = a.id"
        " AND t.purpose = 0 AND t.expires_at > $1) FROM userpass_accounts a WHERE a.app_id = $2 AND a.email = $3"
        " FOR UPDATE OF a",
        p);
    if (!rows.ok()) return rows.status();
    if (!rows->empty()) {
      if (rows->Bool(0, 1) || rows->Int(0, 2) > 0)
        return Status::AlreadyExists(ErrorCode::kAccountNameInUse, "name already in use");
      if (Status s = DeleteAccountRows(db, rows->Id(0, 0)); !s.ok()) return s;  // an expired pending registration
    }
  }
  Params p;
  p.Id(a.id).Id(a.app_id).Text(a.email).Text(a.password_hash).Bool(a.confirmed).Int(a.created_at);
  Status s = db.Exec(
      "INSERT INTO userpass_accounts (id, app_id, email, password_hash, confirmed, created_at)"
      " VALUES ($1, $2, $3, $4, $5, $6)",
      p);
  // Another server registered the email meanwhile.
  if (s.code() == core::Code::kAlreadyExists)
    return Status::AlreadyExists(ErrorCode::kAccountNameInUse, "name already in use");
  return s;
}

Status InsertUserpassToken(Connection& db, const core::UserpassToken& t) {
  {
    Params p;
    p.Id(t.account_id).Int(static_cast<int64_t>(t.purpose));
    if (Status s = db.Exec("DELETE FROM userpass_tokens WHERE account_id = $1 AND purpose = $2", p); !s.ok()) return s;
  }
  Params p;
  p.Id(t.id).Id(t.account_id).Int(static_cast<int64_t>(t.purpose)).Bytes(t.token_hash).Int(t.expires_at);
  if (t.pending_password_hash.empty())
    p.NullText();
  else
    p.Text(t.pending_password_hash);
  return db.Exec(
      "INSERT INTO userpass_tokens (id, account_id, purpose, token_hash, expires_at, pending_password_hash)"
      " VALUES ($1, $2, $3, $4, $5, $6)",
      p);
}

// ---- The apps' logs ----

// The smallest or largest ObjectId of a second: ids begin with their
// creation time in seconds (big-endian), so a time range of events is a
// range of the primary key (as in the SQLite back end).
ObjectId IdBound(int64_t ms, bool upper) {
  std::array<uint8_t, ObjectId::kSize> bytes;
  bytes.fill(upper ? 0xff : 0x00);
  int64_t sec = ms / 1000 + (upper ? 1 : -1);
  sec = std::clamp<int64_t>(sec, 0, 0xffffffffLL);
  for (int i = 0; i < 4; ++i) bytes[i] = static_cast<uint8_t>(sec >> (8 * (3 - i)));
  return ObjectId(bytes);
}

std::string CommaList(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& t : items) out += "," + t;
  if (!out.empty()) out += ",";
  return out;
}

}  // namespace

// ============================================================================
// Opening, connections, the writer and the readers
// ============================================================================

int64_t PostgresStore::LatestSchemaVersion() { return static_cast<int64_t>(std::size(kMigrations)); }

Result<std::unique_ptr<PostgresStore>> PostgresStore::Open(PostgresOptions options) {
  if (options.readers < 1) options.readers = 1;
  if (options.max_batch < 1) options.max_batch = 1;
  if (options.writers < 1) options.writers = 1;
  std::unique_ptr<PostgresStore> store(new PostgresStore(std::move(options)));
  auto db = store->Connect();
  if (!db.ok()) return db.status();
  if (Status s = ApplyMigrations(**db, store->options_.schema, store->options_.create); !s.ok()) return s;
  for (size_t i = 0; i < store->options_.writers; ++i) {
    // The first writer has the connection that migrated; the others connect at their first batch.
    std::unique_ptr<Connection> first = i == 0 ? std::move(*db) : nullptr;
    store->writer_threads_.emplace_back(
        [s = store.get(), c = std::move(first)]() mutable { s->WriterLoop(std::move(c)); });
  }
  for (size_t i = 0; i < store->options_.readers; ++i)
    store->reader_threads_.emplace_back([s = store.get()] { s->ReaderLoop(); });
  if (store->options_.session_cache > 0) {
    const PostgresOptions& o = store->options_;
    store->listener_ = std::make_unique<SessionListener>(
        SessionListener::Options{{o.conninfo, o.schema, o.timeout}, store->channel_, kReconnectPause},
        store->session_cache_);
  }
  return store;
}

PostgresStore::PostgresStore(PostgresOptions options)
    : options_(std::move(options)),
      channel_(SessionListener::ChannelFor(options_.schema)),
      session_cache_(options_.session_cache, /*ttl_seconds=*/10) {}

PostgresStore::~PostgresStore() {
  // First: readers it releases from a barrier go to the database.
  listener_.reset();
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  for (auto& t : writer_threads_) t.join();
  {
    std::lock_guard<std::mutex> lock(reads_mu_);
    readers_stopping_ = true;
  }
  reads_cv_.notify_all();
  for (auto& t : reader_threads_) t.join();
}

Result<std::unique_ptr<Connection>> PostgresStore::Connect() {
  {
    std::lock_guard<std::mutex> lock(connect_mu_);
    if (!last_connect_failure_.ok() && Clock::now() - connect_failed_at_ < kReconnectPause)
      return last_connect_failure_;
  }
  auto c = Connection::Open({options_.conninfo, options_.schema, options_.timeout});
  std::lock_guard<std::mutex> lock(connect_mu_);
  if (c.ok()) {
    last_connect_failure_ = Status::Ok();
  } else if (c.status().code() == core::Code::kUnavailable) {
    last_connect_failure_ = c.status();
    connect_failed_at_ = Clock::now();
  }
  return c;
}

// ---- Writer ----

void PostgresStore::Enqueue(WriteOp op) {
  op.deadline = Clock::now() + options_.timeout;
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

std::unordered_map<ObjectId, int64_t>& PostgresStore::CapCounts() {
  thread_local std::unordered_map<ObjectId, int64_t> counts;
  return counts;
}

void PostgresStore::WriterLoop(std::unique_ptr<Connection> db) {
  std::vector<WriteOp> batch;
  std::vector<Status> results;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(queue_mu_);
      queue_cv_.wait(lock, [&] { return !queue_.empty() || stopping_; });
      if (queue_.empty() && stopping_) return;  // stopping and drained
      while (!queue_.empty() && batch.size() < options_.max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    // Writes that waited longer than the timeout (the database was down or
    // slow) fail unapplied: their callers get an answer in bounded time.
    const auto now = Clock::now();
    std::vector<WriteOp> live;
    live.reserve(batch.size());
    for (WriteOp& op : batch) {
      if (op.deadline < now)
        op.complete(Status::Unavailable("the database did not take the write in time"));
      else
        live.push_back(std::move(op));
    }
    batch.clear();
    if (live.empty()) continue;
    Status txn = RunBatch(db, live, results);
    // Before any acknowledgement: this server's cache forgets what the
    // batch changed (the NOTIFY reaches the others). After a failed commit
    // too, for a write that may have changed rows: the commit's fate may be
    // unknown (the connection broke while it ran).
    for (size_t i = 0; i < live.size(); ++i) {
      if (txn.ok() && !results[i].ok()) continue;
      if (live[i].touches_all_users) session_cache_.Clear();
      if (live[i].touched)
        for (const ObjectId& id : live[i].touched()) session_cache_.InvalidateUser(id);
    }
    for (size_t i = 0; i < live.size(); ++i) {
      // A failed commit loses every write of the batch: none is acknowledged.
      live[i].complete(txn.ok() ? results[i] : Status::Unavailable("commit failed: " + txn.message()));
    }
  }
}

Status PostgresStore::RunBatch(std::unique_ptr<Connection>& connection, std::vector<WriteOp>& batch,
                               std::vector<Status>& results) {
  results.assign(batch.size(), Status::Ok());
  CapCounts().clear();
  if (!connection || !connection->CheckIdle()) {
    connection.reset();
    auto c = Connect();
    if (!c.ok()) return c.status();
    connection = std::move(*c);
  }
  Connection& db = *connection;
  // The common batch under login load, only anonymous sign-ups: the whole
  // transaction in one round trip. If the insert fails, the rest of the
  // pipeline is skipped and the transaction rolled back: then the batch
  // goes the general way, each sign-up in a savepoint of its own.
  if (batch.size() <= kMaxSignUpsPerStatement &&
      std::all_of(batch.begin(), batch.end(), [](const WriteOp& op) { return op.signup != nullptr; })) {
    std::vector<const SignUp*> signups;
    signups.reserve(batch.size());
    for (const WriteOp& op : batch) signups.push_back(op.signup.get());
    const Params params = AnonymousSignUpsParams(signups);
    Status run = db.Pipeline({{kBegin, &kNoParams}, {kAnonymousSignUpsSql, &params}, {kCommit, &kNoParams}});
    if (run.ok()) return Status::Ok();
    if (db.broken()) return Status::Unavailable(run.message());
    if (db.in_transaction()) (void)db.ExecScript("ROLLBACK");
  }
  if (Status begin = db.Exec(kBegin); !begin.ok()) return begin;
  Status txn = CommitBatch(db, batch, results);
  if (!txn.ok() && !db.broken() && db.in_transaction()) (void)db.ExecScript("ROLLBACK");
  return txn;
}

Status PostgresStore::RunWithSavepoint(Connection& db, WriteOp& op) {
  if (Status s = db.Exec(kSavepoint); !s.ok()) return s;
  Status result = op.apply(db);
  if (!result.ok() && !db.broken()) (void)db.Exec(kRollbackToSavepoint);
  if (!db.broken() && !db.in_failed_transaction()) (void)db.Exec(kReleaseSavepoint);
  return result;
}

Status PostgresStore::RunSignUps(Connection& db, std::vector<WriteOp>& batch, size_t begin, size_t end,
                                 std::vector<Status>& results) {
  CapCounts().clear();  // counts cached for the cap are stale after anonymous sign-ups
  std::vector<const SignUp*> signups;
  signups.reserve(end - begin);
  for (size_t k = begin; k < end; ++k) signups.push_back(batch[k].signup.get());
  const Params params = AnonymousSignUpsParams(signups);
  // The savepoint, the statement and the release in one round trip.
  Status run =
      db.Pipeline({{kSegmentSavepoint, &kNoParams}, {kAnonymousSignUpsSql, &params}, {kReleaseSegment, &kNoParams}});
  if (run.ok()) return Status::Ok();  // results[begin, end) stay OK
  if (db.broken()) return Status::Unavailable(run.message());
  // One of them failed after all: undo the run, then each on its own.
  if (Status s = db.Exec(kRollbackToSegment); !s.ok()) return Status::Unavailable(s.message());
  if (Status s = db.Exec(kReleaseSegment); !s.ok()) return Status::Unavailable(s.message());
  for (size_t k = begin; k < end; ++k) {
    results[k] = RunWithSavepoint(db, batch[k]);
    if (db.broken() || db.in_failed_transaction()) return Status::Unavailable(results[k].message());
  }
  return Status::Ok();
}

Status PostgresStore::CommitBatch(Connection& db, std::vector<WriteOp>& batch, std::vector<Status>& results) {
  for (size_t i = 0; i < batch.size();) {
    if (batch[i].signup) {
      size_t end = i;
      while (end < batch.size() && batch[end].signup && end - i < kMaxSignUpsPerStatement) ++end;
      if (Status s = RunSignUps(db, batch, i, end, results); !s.ok()) return s;
      i = end;
      continue;
    }
    results[i] = RunWithSavepoint(db, batch[i]);
    // The transaction cannot go on (the connection broke, or a rollback to
    // the savepoint failed): the whole batch fails.
    if (db.broken() || db.in_failed_transaction()) return Status::Unavailable(results[i].message());
    ++i;
  }
  // The other servers' caches learn at commit what the batch changed: the
  // NOTIFY and the COMMIT in one round trip. The transaction has not failed
  // (checked after each write), so the COMMIT commits unless it errs.
  Params notify_params;
  if (const char* notify = BatchNotify(batch, results, &notify_params))
    return db.Pipeline({{notify, &notify_params}, {kCommit, &kNoParams}});
  auto commit = db.Query(kCommit);
  if (!commit.ok()) return commit.status();
  // COMMIT of a failed transaction rolls back and says so.
  if (commit->Command() != "COMMIT") return Status::Unavailable("the transaction was rolled back");
  return Status::Ok();
}

const char* PostgresStore::BatchNotify(const std::vector<WriteOp>& batch, const std::vector<Status>& results,
                                       Params* params) const {
  std::vector<ObjectId> users;
  bool everyone = false;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!results[i].ok()) continue;  // rolled back to its savepoint: changed nothing
    everyone = everyone || batch[i].touches_all_users;
    if (batch[i].touched)
      for (const ObjectId& id : batch[i].touched())
        if (!id.IsZero()) users.push_back(id);
  }
  if (!everyone && users.empty()) return nullptr;
  std::sort(users.begin(), users.end());
  users.erase(std::unique(users.begin(), users.end()), users.end());
  std::vector<std::string> payloads =
      everyone ? std::vector<std::string>{std::string(SessionListener::kEveryone)} : SessionListener::Payloads(users);
  std::vector<std::optional<std::string_view>> texts(payloads.begin(), payloads.end());
  params->Text(channel_).TextArray(texts);
  return "SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload";
}

Result<int64_t> PostgresStore::CappedAnonymousCount(Connection& db, const ObjectId& app_id) {
  if (auto it = CapCounts().find(app_id); it != CapCounts().end()) return it->second;
  // Held until commit (or the rollback of this write's savepoint, after
  // which the count is forgotten): no other server adds an anonymous user
  // of the app meanwhile.
  Params lock;
  lock.Int(kCapLockClass).Int(AppLockKey(app_id));
  if (Status s = db.Exec("SELECT pg_advisory_xact_lock($1::int, $2::int)", lock); !s.ok()) return s;
  Params p;
  p.Id(app_id);
  auto rows = db.Query("SELECT COUNT(*) FROM users WHERE app_id = $1 AND anonymous", p);
  if (!rows.ok()) return rows.status();
  CapCounts()[app_id] = rows->Int(0, 0);
  return rows->Int(0, 0);
}

// ---- Readers ----

void PostgresStore::EnqueueRead(ReadOp op) {
  op.deadline = Clock::now() + options_.timeout;
  {
    std::lock_guard<std::mutex> lock(reads_mu_);
    if (!readers_stopping_) {
      reads_.push_back(std::move(op));
      op.finish = nullptr;
    }
  }
  if (op.finish) return op.finish(Status::Unavailable("store is closing"));
  reads_cv_.notify_one();
}

void PostgresStore::ReaderLoop() {
  std::unique_ptr<Connection> db;
  std::vector<ReadOp> ops;
  std::vector<Statement> statements;
  for (;;) {
    ops.clear();
    {
      std::unique_lock<std::mutex> lock(reads_mu_);
      reads_cv_.wait(lock, [&] { return !reads_.empty() || readers_stopping_; });
      if (reads_.empty()) return;  // stopping and drained
      ops.push_back(std::move(reads_.front()));
      reads_.pop_front();
      // One-statement reads go together: one round trip for the run of them.
      while (ops.front().sql != nullptr && !reads_.empty() && reads_.front().sql != nullptr &&
             ops.size() < kMaxReadsPerRoundTrip) {
        ops.push_back(std::move(reads_.front()));
        reads_.pop_front();
      }
    }
    const auto now = Clock::now();
    std::erase_if(ops, [&](ReadOp& op) {
      if (op.deadline >= now) return false;
      op.finish(Status::Unavailable("the database did not answer in time"));
      return true;
    });
    if (ops.empty()) continue;
    bool fresh = false;
    if (!db || !db->CheckIdle()) {
      db.reset();
      auto c = Connect();
      if (!c.ok()) {
        for (ReadOp& op : ops) op.finish(c.status());
        continue;
      }
      db = std::move(*c);
      fresh = true;
    }
    // Runs the reads on `db`; false when the connection broke meanwhile.
    auto run = [&]() -> bool {
      if (ops.front().sql == nullptr) {
        (void)ops.front().attempt(*db);
        return !db->broken();
      }
      statements.clear();
      for (const ReadOp& op : ops) statements.push_back({op.sql, op.params.get()});
      auto results = db->Queries(statements);
      for (size_t i = 0; i < ops.size(); ++i) (void)ops[i].take(std::move(results[i]));
      return !db->broken();
    };
    if (!run() && !fresh) {
      // The connection had died while idle (the server restarted, or a
      // failover): reads are safe to repeat, once, on a new one.
      db.reset();
      auto c = Connect();
      if (c.ok()) {
        db = std::move(*c);
        (void)run();
      }
    }
    for (ReadOp& op : ops) op.finish(Status::Ok());
  }
}

template <typename T>
void PostgresStore::Read(Callback<T> done, std::function<Result<T>(Connection&)> query) {
  auto slot = std::make_shared<std::optional<Result<T>>>();
  EnqueueRead({[slot, query = std::move(query)](Connection& db) {
                 slot->emplace(query(db));
                 return (*slot)->ok() ? Status::Ok() : (*slot)->status();
               },
               [slot, done = std::move(done)](const Status& not_run) {
                 if (slot->has_value())
                   done(std::move(**slot));
                 else
                   done(not_run);
               }});
}

template <typename T>
void PostgresStore::ReadStatement(Callback<T> done, const char* sql, Params params,
                                  std::function<Result<T>(const Rows&)> parse) {
  auto slot = std::make_shared<std::optional<Result<T>>>();
  auto shared_params = std::make_shared<const Params>(std::move(params));
  auto keep = [slot, parse](Result<Rows> rows) {
    if (rows.ok())
      slot->emplace(parse(*rows));
    else
      slot->emplace(rows.status());
    return (*slot)->ok() ? Status::Ok() : (*slot)->status();
  };
  ReadOp op;
  op.attempt = [keep, sql, shared_params](Connection& db) { return keep(db.Query(sql, *shared_params)); };
  op.finish = [slot, done = std::move(done)](const Status& not_run) {
    if (slot->has_value())
      done(std::move(**slot));
    else
      done(not_run);
  };
  op.sql = sql;
  op.params = shared_params;
  op.take = keep;
  EnqueueRead(std::move(op));
}

// ============================================================================
// Apps
// ============================================================================

void PostgresStore::ListApps(Callback<std::vector<core::App>> done) {
  Read<std::vector<core::App>>(std::move(done), [](Connection& db) -> Result<std::vector<core::App>> {
    auto rows =
        db.Query("SELECT id, client_app_id, name, providers, settings, created_at FROM apps ORDER BY created_at, id");
    if (!rows.ok()) return rows.status();
    std::vector<core::App> apps;
    for (int r = 0; r < rows->size(); ++r) {
      core::App app;
      app.id = rows->Id(r, 0);
      app.client_app_id = rows->Text(r, 1);
      app.name = rows->Text(r, 2);
      auto providers = DecodeProviders(rows->Text(r, 3));
      if (!providers.ok()) return providers.status();
      app.providers = std::move(*providers);
      auto settings = DecodeSettings(rows->Text(r, 4));
      if (!settings.ok()) return settings.status();
      app.settings = std::move(*settings);
      app.created_at = rows->Int(r, 5);
      apps.push_back(std::move(app));
    }
    return apps;
  });
}

void PostgresStore::PutApp(core::App app, StatusCallback done) {
  auto shared = std::make_shared<core::App>(std::move(app));
  Enqueue({.apply = [shared](Connection& db) { return UpsertApp(db, *shared); }, .complete = std::move(done)});
}

void PostgresStore::DeleteApp(ObjectId app_id, core::Deletion why, StatusCallback done) {
  auto shared_why = std::make_shared<core::Deletion>(std::move(why));
  Enqueue({.apply =
               [app_id, shared_why](Connection& db) {
                 if (Status s = RequireRow(db, "SELECT 1 FROM apps WHERE id = $1 FOR UPDATE", app_id,
                                           Status::NotFound(ErrorCode::kAppNotFound, "app not found"));
                     !s.ok())
                   return s;
                 Params p;
                 p.Id(app_id);
                 // Sessions are keyed by user: through the app's users before they go.
                 if (Status s = db.Exec(
                         "WITH s AS (DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE app_id = $1)),"
                         " t AS (DELETE FROM userpass_tokens WHERE account_id IN"
                         " (SELECT id FROM userpass_accounts WHERE app_id = $1)),"
                         " a AS (DELETE FROM userpass_accounts WHERE app_id = $1),"
                         " i AS (DELETE FROM identities WHERE app_id = $1),"
                         " k AS (DELETE FROM api_keys WHERE app_id = $1),"
                         " u AS (DELETE FROM users WHERE app_id = $1),"
                         " d AS (DELETE FROM drafts WHERE app_id = $1),"
                         " x AS (DELETE FROM secrets WHERE app_id = $1),"
                         " l AS (DELETE FROM log_events WHERE app_id = $1),"
                         " y AS (DELETE FROM deployments WHERE app_id = $1)"
                         " DELETE FROM apps WHERE id = $1",
                         p);
                     !s.ok())
                   return s;
                 ForgetAnonymousCount(app_id);
                 Params audit;
                 audit.Id(app_id).Int(shared_why->at).Text(core::kAuditAppDelete).Id(ObjectId());
                 audit.Text(shared_why->actor).Text(shared_why->reason).Text("");
                 return db.Exec(GP_INSERT_AUDIT_EVENT, audit);
               },
           .complete = std::move(done),
           .touches_all_users = true});
}

// ============================================================================
// Drafts and deployments
// ============================================================================

void PostgresStore::Deploy(core::App app, core::Deployment deployment, ObjectId close_draft, StatusCallback done) {
  struct Args {
    core::App app;
    core::Deployment deployment;
    ObjectId close_draft;
  };
  auto args = std::make_shared<Args>(Args{std::move(app), std::move(deployment), close_draft});
  Enqueue({.apply =
               [args](Connection& db) {
                 const core::Deployment& d = args->deployment;
                 if (d.status == core::DeploymentStatus::kSuccessful) {
                   if (!args->close_draft.IsZero()) {
                     Params p;
                     p.Id(d.app_id).Id(args->close_draft);
                     auto rows = db.Query("DELETE FROM drafts WHERE app_id = $1 AND id = $2", p);
                     if (!rows.ok()) return rows.status();
                     if (rows->Affected() == 0) return Status::NotFound(ErrorCode::kDraftNotFound, "draft not found");
                   }
                   if (Status s = UpsertApp(db, args->app); !s.ok()) return s;
                 }
                 Params p;
                 p.Id(d.app_id).Id(d.id).Text(d.name).Id(d.draft_id).Id(d.author_id).Text(d.origin);
                 p.Text(StatusName(d.status)).Text(d.error).Int(d.deployed_at).Text(d.config_json);
                 return db.Exec(
                     "INSERT INTO deployments (app_id, id, name, draft_id, author_id, origin, status, error,"
                     " deployed_at, config) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                     p);
               },
           .complete = std::move(done)});
}

namespace {
#define GP_DEPLOYMENT_COLUMNS "app_id, id, name, draft_id, author_id, origin, status, error, deployed_at, config"

std::vector<core::Deployment> DeploymentsOf(const Rows& rows) {
  std::vector<core::Deployment> out;
  for (int r = 0; r < rows.size(); ++r) {
    core::Deployment d;
    d.app_id = rows.Id(r, 0);
    d.id = rows.Id(r, 1);
    d.name = rows.Text(r, 2);
    d.draft_id = rows.Id(r, 3);
    d.author_id = rows.Id(r, 4);
    d.origin = rows.Text(r, 5);
    d.status = rows.Text(r, 6) == "successful" ? core::DeploymentStatus::kSuccessful : core::DeploymentStatus::kFailed;
    d.error = rows.Text(r, 7);
    d.deployed_at = rows.Int(r, 8);
    d.config_json = rows.Text(r, 9);
    out.push_back(std::move(d));
  }
  return out;
}
}  // namespace

void PostgresStore::ListDeployments(ObjectId app_id, size_t limit, Callback<std::vector<core::Deployment>> done) {
  Read<std::vector<core::Deployment>>(std::move(done),
                                      [app_id, limit](Connection& db) -> Result<std::vector<core::Deployment>> {
                                        Params p;
                                        p.Id(app_id).Int(static_cast<int64_t>(limit));
                                        auto rows = db.Query("SELECT " GP_DEPLOYMENT_COLUMNS
                                                             " FROM deployments WHERE app_id = $1"
                                                             " ORDER BY id DESC LIMIT $2",
                                                             p);
                                        if (!rows.ok()) return rows.status();
                                        return DeploymentsOf(*rows);
                                      });
}

void PostgresStore::GetDeployment(ObjectId app_id, ObjectId deployment_id, Callback<core::Deployment> done) {
  Read<core::Deployment>(std::move(done), [app_id, deployment_id](Connection& db) -> Result<core::Deployment> {
    Params p;
    p.Id(app_id).Id(deployment_id);
    auto rows = db.Query("SELECT " GP_DEPLOYMENT_COLUMNS " FROM deployments WHERE app_id = $1 AND id = $2", p);
    if (!rows.ok()) return rows.status();
    auto found = DeploymentsOf(*rows);
    if (found.empty()) return Status::NotFound(ErrorCode::kDeploymentNotFound, "deployment not found");
    return std::move(found.front());
  });
}

void PostgresStore::PutDraft(core::Draft draft, bool create, StatusCallback done) {
  auto shared = std::make_shared<core::Draft>(std::move(draft));
  Enqueue({.apply =
               [shared, create](Connection& db) {
                 const core::Draft& d = *shared;
                 if (create) {
                   Params p;
                   p.Id(d.app_id).Id(d.id).Id(d.author_id).Int(d.created_at).Text(EncodeApp(d.app));
                   auto rows = db.Query(
                       "INSERT INTO drafts (app_id, id, author_id, created_at, app) VALUES ($1, $2, $3, $4, $5)"
                       " ON CONFLICT (app_id) DO NOTHING",
                       p);
                   if (!rows.ok()) return rows.status();
                   if (rows->Affected() == 0)
                     return Status::AlreadyExists(ErrorCode::kDraftAlreadyExists, "a draft already exists");
                   return Status::Ok();
                 }
                 Params p;
                 p.Text(EncodeApp(d.app)).Id(d.app_id).Id(d.id);
                 auto rows = db.Query("UPDATE drafts SET app = $1 WHERE app_id = $2 AND id = $3", p);
                 if (!rows.ok()) return rows.status();
                 if (rows->Affected() == 0) return Status::NotFound(ErrorCode::kDraftNotFound, "draft not found");
                 return Status::Ok();
               },
           .complete = std::move(done)});
}

void PostgresStore::GetDraft(ObjectId app_id, Callback<std::optional<core::Draft>> done) {
  Read<std::optional<core::Draft>>(std::move(done), [app_id](Connection& db) -> Result<std::optional<core::Draft>> {
    Params p;
    p.Id(app_id);
    auto rows = db.Query("SELECT app_id, id, author_id, created_at, app FROM drafts WHERE app_id = $1", p);
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return std::optional<core::Draft>();
    core::Draft d;
    d.app_id = rows->Id(0, 0);
    d.id = rows->Id(0, 1);
    d.author_id = rows->Id(0, 2);
    d.created_at = rows->Int(0, 3);
    auto app = DecodeApp(rows->Text(0, 4));
    if (!app.ok()) return app.status();
    d.app = std::move(*app);
    return std::optional<core::Draft>(std::move(d));
  });
}

void PostgresStore::DeleteDraft(ObjectId app_id, ObjectId draft_id, StatusCallback done) {
  Enqueue({.apply =
               [app_id, draft_id](Connection& db) {
                 Params p;
                 p.Id(app_id).Id(draft_id);
                 auto rows = db.Query("DELETE FROM drafts WHERE app_id = $1 AND id = $2", p);
                 if (!rows.ok()) return rows.status();
                 if (rows->Affected() == 0) return Status::NotFound(ErrorCode::kDraftNotFound, "draft not found");
                 return Status::Ok();
               },
           .complete = std::move(done)});
}

// ============================================================================
// Users and sessions
// ============================================================================

void PostgresStore::CreateUserWithSession(core::User user, core::Session session, int64_t anonymous_cap,
                                          StatusCallback done) {
  // The hot path: an anonymous sign-up without a cap (see SignUp): joins
  // the others of its batch in one multi-row statement.
  if (anonymous_cap <= 0 && KeepsIdentityInline(user)) {
    auto signup = std::make_shared<const SignUp>(SignUp{std::move(user), std::move(session)});
    Enqueue({.apply =
                 [signup](Connection& db) {
                   ForgetAnonymousCount(signup->user.app_id);
                   return db.Exec(kAnonymousSignUpsSql, AnonymousSignUpsParams<SignUp>({signup.get()}));
                 },
             .complete = std::move(done),
             .signup = signup});
    return;
  }
  struct Args {
    core::User user;
    core::Session session;
  };
  auto args = std::make_shared<Args>(Args{std::move(user), std::move(session)});
  Enqueue({.apply =
               [args, anonymous_cap](Connection& db) {
                 const core::User& u = args->user;
                 const bool anonymous = u.IsAnonymous();
                 const bool capped = anonymous && anonymous_cap > 0;
                 if (capped) {
                   auto count = CappedAnonymousCount(db, u.app_id);
                   if (!count.ok()) return count.status();
                   if (*count >= anonymous_cap) {
                     ForgetAnonymousCount(u.app_id);  // the savepoint's rollback releases the lock
                     return AnonymousCapReached(anonymous_cap);
                   }
                 }
                 Status s = InsertUser(db, u);
                 if (s.ok()) s = InsertSession(db, args->session);
                 if (!s.ok() || !capped) {
                   ForgetAnonymousCount(u.app_id);
                   return s;
                 }
                 ++CapCounts()[u.app_id];
                 return Status::Ok();
               },
           .complete = std::move(done)});
}

void PostgresStore::CreateSession(core::Session session, StatusCallback done) {
  auto shared = std::make_shared<core::Session>(std::move(session));
  Enqueue({.apply =
               [shared](Connection& db) {
                 auto touched = TouchUser(db, shared->user_id, shared->created_at);
                 if (!touched.ok()) return touched.status();
                 if (!*touched)
                   if (Status s = RequireUser(db, shared->user_id); !s.ok()) return s;
                 return InsertSession(db, *shared);
               },
           .complete = std::move(done),
           .touched = Touches(shared->user_id)});
}

void PostgresStore::RecordActivity(ObjectId user_id, int64_t at, StatusCallback done) {
  Enqueue({.apply =
               [user_id, at](Connection& db) {
                 auto touched = TouchUser(db, user_id, at);
                 if (!touched.ok()) return touched.status();
                 return *touched ? Status::Ok() : RequireUser(db, user_id);
               },
           .complete = std::move(done),
           .touched = Touches(user_id)});
}

void PostgresStore::FindUserByIdentity(ObjectId app_id, std::string provider_type, std::string identity_id,
                                       Callback<core::User> done) {
  Read<core::User>(
      std::move(done),
      [app_id, provider_type = std::move(provider_type),
       identity_id = std::move(identity_id)](Connection& db) -> Result<core::User> {
        Params p;
        p.Id(app_id).Text(provider_type).Text(identity_id);
        auto rows = db.Query(
            "SELECT " GP_USER_COLUMNS
            " FROM users u LEFT JOIN identities i ON i.user_id = u.id WHERE u.id = (SELECT user_id FROM identities"
            " WHERE app_id = $1 AND provider_type = $2 AND identity_id = $3 AND provider_type <> 'anon-user')"
            " ORDER BY i.seq",
            p);
        if (!rows.ok()) return rows.status();
        auto users = UsersFromRows(*rows);
        if (users.empty()) return Status::NotFound(ErrorCode::kUserNotFound, "no user has this identity");
        return std::move(users.front());
      });
}

void PostgresStore::LinkIdentity(ObjectId user_id, core::Identity identity, std::string data_json,
                                 StatusCallback done) {
  struct Args {
    core::Identity identity;
    std::string data_json;
  };
  auto args = std::make_shared<Args>(Args{std::move(identity), std::move(data_json)});
  Enqueue(
      {.apply =
           [user_id, args](Connection& db) {
             ObjectId app_id;
             std::string data;
             {
               // Locked: links to one user follow one another (seq, data).
               Params p;
               p.Id(user_id);
               auto rows = db.Query("SELECT app_id, data FROM users WHERE id = $1 FOR UPDATE", p);
               if (!rows.ok()) return rows.status();
               if (rows->empty()) return UserNotFound();
               app_id = rows->Id(0, 0);
               data = rows->IsNull(0, 1) ? "{}" : rows->Text(0, 1);
             }
             Params who;
             who.Id(app_id).Text(args->identity.provider_type).Text(args->identity.id);
             auto owner = [&]() -> Result<std::optional<ObjectId>> {
               auto rows = db.Query(
                   "SELECT user_id FROM identities WHERE app_id = $1 AND provider_type = $2 AND identity_id = $3", who);
               if (!rows.ok()) return rows.status();
               if (rows->empty()) return std::optional<ObjectId>();
               return std::optional<ObjectId>(rows->Id(0, 0));
             };
             auto linked = [&](const ObjectId& holder) {
               return Status::AlreadyExists(ErrorCode::kInvalidParameter,
                                            std::string(holder == user_id ? kLinkedToThisUser : kLinkedToAnotherUser));
             };
             auto holder = owner();
             if (!holder.ok()) return holder.status();
             if (*holder) return linked(**holder);
             // Another server may be inserting the same identity: the
             // unique index makes this wait for it and then do nothing.
             Params p;
             p.Id(user_id).Id(app_id).Text(args->identity.provider_type).Id(args->identity.provider_id);
             p.Text(args->identity.id);
             auto inserted = db.Query(
                 "INSERT INTO identities (user_id, seq, app_id, provider_type, provider_id, identity_id)"
                 " SELECT $1, (SELECT COALESCE(MAX(seq) + 1, 0) FROM identities WHERE user_id = $1), $2, $3, $4, $5"
                 " ON CONFLICT (app_id, provider_type, identity_id) WHERE provider_type <> 'anon-user' DO NOTHING",
                 p);
             if (!inserted.ok()) return inserted.status();
             if (inserted->Affected() == 0) {
               auto winner = owner();
               if (!winner.ok()) return winner.status();
               return linked(winner->value_or(ObjectId()));
             }
             const std::string merged = MergeJsonObjects(data, args->data_json);
             Params update;
             AddData(update, merged);
             update.Id(user_id);
             if (Status s = db.Exec("UPDATE users SET data = $1 WHERE id = $2", update); !s.ok()) return s;
             ForgetAnonymousCount(app_id);  // the user may have stopped being anonymous
             return RefreshAnonymousFlag(db, user_id);
           },
       .complete = std::move(done),
       .touched = Touches(user_id)});
}

// ============================================================================
// API keys and users made by administrators
// ============================================================================

void PostgresStore::CreateApiKey(core::ApiKey key, StatusCallback done) {
  auto shared = std::make_shared<core::ApiKey>(std::move(key));
  Enqueue({.apply =
               [shared](Connection& db) {
                 // Locked: two servers cannot both add a user's 20th key.
                 if (Status s = LockUser(db, shared->user_id); !s.ok()) return s;
                 Params p;
                 p.Text(shared->name).Id(shared->user_id);
                 auto rows =
                     db.Query("SELECT COUNT(*), COUNT(*) FILTER (WHERE name = $1) FROM api_keys WHERE user_id = $2", p);
                 if (!rows.ok()) return rows.status();
                 if (rows->Int(0, 1) > 0)
                   return Status::AlreadyExists(ErrorCode::kAPIKeyAlreadyExists,
                                                "an API key with this name already exists");
                 if (rows->Int(0, 0) >= static_cast<int64_t>(core::kMaxApiKeysPerUser))
                   return Status::InvalidArgument(ErrorCode::kInvalidParameter, "a user can have at most 20 API keys");
                 return InsertApiKey(db, *shared);
               },
           .complete = std::move(done)});
}

namespace {
#define GP_API_KEY_COLUMNS "id, app_id, user_id, name, key_hash, disabled, created_at"
}  // namespace

void PostgresStore::GetApiKey(ObjectId key_id, Callback<core::ApiKey> done) {
  Read<core::ApiKey>(std::move(done), [key_id](Connection& db) -> Result<core::ApiKey> {
    Params p;
    p.Id(key_id);
    auto rows = db.Query("SELECT " GP_API_KEY_COLUMNS " FROM api_keys WHERE id = $1", p);
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return Status::NotFound(ErrorCode::kAPIKeyNotFound, "API key not found");
    return ApiKeyOf(*rows, 0);
  });
}

void PostgresStore::ListApiKeys(ObjectId user_id, Callback<std::vector<core::ApiKey>> done) {
  Read<std::vector<core::ApiKey>>(std::move(done), [user_id](Connection& db) -> Result<std::vector<core::ApiKey>> {
    Params p;
    p.Id(user_id);
    auto rows = db.Query("SELECT " GP_API_KEY_COLUMNS " FROM api_keys WHERE user_id = $1 ORDER BY id", p);
    if (!rows.ok()) return rows.status();
    std::vector<core::ApiKey> keys;
    for (int r = 0; r < rows->size(); ++r) keys.push_back(ApiKeyOf(*rows, r));
    return keys;
  });
}

void PostgresStore::ListServerApiKeys(ObjectId app_id, Callback<std::vector<core::ApiKey>> done) {
  Read<std::vector<core::ApiKey>>(std::move(done), [app_id](Connection& db) -> Result<std::vector<core::ApiKey>> {
    Params p;
    p.Id(app_id);
    auto rows =
        db.Query("SELECT " GP_API_KEY_COLUMNS " FROM api_keys WHERE app_id = $1 AND id = user_id ORDER BY id", p);
    if (!rows.ok()) return rows.status();
    std::vector<core::ApiKey> keys;
    for (int r = 0; r < rows->size(); ++r) keys.push_back(ApiKeyOf(*rows, r));
    return keys;
  });
}

void PostgresStore::SetApiKeyDisabled(ObjectId key_id, ObjectId user_id, bool disabled, StatusCallback done) {
  Enqueue({.apply =
               [key_id, user_id, disabled](Connection& db) {
                 Params p;
                 p.Bool(disabled).Id(key_id).Id(user_id);
                 auto rows = db.Query("UPDATE api_keys SET disabled = $1 WHERE id = $2 AND user_id = $3", p);
                 if (!rows.ok()) return rows.status();
                 if (rows->Affected() == 0) return Status::NotFound(ErrorCode::kAPIKeyNotFound, "API key not found");
                 return Status::Ok();
               },
           .complete = std::move(done)});
}

void PostgresStore::DeleteApiKey(ObjectId key_id, ObjectId user_id, StatusCallback done) {
  Enqueue({.apply =
               [key_id, user_id](Connection& db) {
                 {
                   Params p;
                   p.Id(key_id).Id(user_id);
                   auto rows = db.Query("DELETE FROM api_keys WHERE id = $1 AND user_id = $2", p);
                   if (!rows.ok()) return rows.status();
                   if (rows->Affected() == 0) return Status::NotFound(ErrorCode::kAPIKeyNotFound, "API key not found");
                 }
                 // Locked as a link locks it: the anonymous flag is recomputed from settled identities.
                 if (Status s = LockUser(db, user_id); !s.ok() && !s.IsNotFound()) return s;
                 Params p;
                 p.Id(user_id).Text(key_id.ToHex());
                 auto rows = db.Query(
                     "DELETE FROM identities WHERE user_id = $1 AND provider_type = 'api-key' AND identity_id = $2"
                     " RETURNING app_id",
                     p);
                 if (!rows.ok()) return rows.status();
                 if (rows->empty()) return Status::Ok();
                 ForgetAnonymousCount(rows->Id(0, 0));  // the user may be anonymous again
                 return RefreshAnonymousFlag(db, user_id);
               },
           .complete = std::move(done),
           .touched = Touches(user_id)});
}

void PostgresStore::CreateUser(core::User user, NewUserLogin login, int64_t now, StatusCallback done) {
  struct Args {
    core::User user;
    NewUserLogin login;
  };
  auto args = std::make_shared<Args>(Args{std::move(user), std::move(login)});
  Enqueue({.apply =
               [args, now](Connection& db) {
                 const core::User& u = args->user;
                 if (const auto& key = args->login.server_key) {
                   // Locked per app: two servers cannot both add the 100th server key.
                   Params lock;
                   lock.Int(kServerKeyLockClass).Int(AppLockKey(u.app_id));
                   if (Status s = db.Exec("SELECT pg_advisory_xact_lock($1::int, $2::int)", lock); !s.ok()) return s;
                   Params p;
                   p.Text(key->name).Id(u.app_id);
                   auto rows = db.Query(
                       "SELECT COUNT(*), COUNT(*) FILTER (WHERE name = $1) FROM api_keys"
                       " WHERE app_id = $2 AND id = user_id",
                       p);
                   if (!rows.ok()) return rows.status();
                   if (rows->Int(0, 1) > 0)
                     return Status::AlreadyExists(ErrorCode::kAPIKeyAlreadyExists,
                                                  "an API key with this name already exists");
                   if (rows->Int(0, 0) >= static_cast<int64_t>(core::kMaxServerApiKeysPerApp))
                     return Status::InvalidArgument(ErrorCode::kInvalidParameter,
                                                    "an app can have at most 100 server API keys");
                 }
                 if (args->login.account)
                   if (Status s = InsertUserpassAccount(db, *args->login.account, now); !s.ok()) return s;
                 if (Status s = InsertUser(db, u); !s.ok()) return s;
                 if (args->login.server_key) return InsertApiKey(db, *args->login.server_key);
                 return Status::Ok();
               },
           .complete = std::move(done)});
}

// ============================================================================
// Email/password accounts
// ============================================================================

void PostgresStore::CreateUserpassAccount(core::UserpassAccount account, std::optional<core::UserpassToken> confirm,
                                          int64_t now, StatusCallback done) {
  struct Args {
    core::UserpassAccount account;
    std::optional<core::UserpassToken> confirm;
  };
  auto args = std::make_shared<Args>(Args{std::move(account), std::move(confirm)});
  Enqueue({.apply =
               [args, now](Connection& db) {
                 if (Status s = InsertUserpassAccount(db, args->account, now); !s.ok()) return s;
                 if (args->confirm) return InsertUserpassToken(db, *args->confirm);
                 return Status::Ok();
               },
           .complete = std::move(done)});
}

void PostgresStore::GetUserpassAccount(ObjectId app_id, std::string email, Callback<core::UserpassAccount> done) {
  Read<core::UserpassAccount>(
      std::move(done), [app_id, email = std::move(email)](Connection& db) -> Result<core::UserpassAccount> {
        Params p;
        p.Id(app_id).Text(email);
        auto rows =
            db.Query("SELECT " GP_ACCOUNT_COLUMNS " FROM userpass_accounts a WHERE a.app_id = $1 AND a.email = $2", p);
        if (!rows.ok()) return rows.status();
        if (rows->empty()) return UserNotFound();
        return AccountOf(*rows, 0);
      });
}

void PostgresStore::PutUserpassToken(core::UserpassToken token, StatusCallback done) {
  auto shared = std::make_shared<core::UserpassToken>(std::move(token));
  Enqueue({.apply =
               [shared](Connection& db) {
                 if (Status s = RequireRow(db, "SELECT 1 FROM userpass_accounts WHERE id = $1 FOR UPDATE",
                                           shared->account_id, UserNotFound());
                     !s.ok())
                   return s;
                 return InsertUserpassToken(db, *shared);
               },
           .complete = std::move(done)});
}

void PostgresStore::UseUserpassToken(ObjectId token_id, core::SecretHash token_hash, core::UserpassTokenPurpose purpose,
                                     std::string new_password_hash, int64_t now, Callback<core::UserpassAccount> done) {
  auto account = std::make_shared<core::UserpassAccount>();
  auto new_hash = std::make_shared<std::string>(std::move(new_password_hash));
  Enqueue(
      {.apply =
           [token_id, token_hash, purpose, new_hash, now, account](Connection& db) {
             const Status invalid = Status::NotFound(ErrorCode::kUserpassTokenInvalid, "invalid token data");
             ObjectId account_id;
             std::string pending;
             {
               // Locked: of two servers using one token, the second finds it gone.
               Params p;
               p.Id(token_id);
               auto rows = db.Query(
                   "SELECT account_id, token_hash, purpose, expires_at, pending_password_hash FROM userpass_tokens"
                   " WHERE id = $1 FOR UPDATE",
                   p);
               if (!rows.ok()) return rows.status();
               if (rows->empty()) return invalid;
               auto hash = rows->Bytes(0, 1);
               core::SecretHash stored{};
               if (hash.size() == stored.size()) std::copy(hash.begin(), hash.end(), stored.begin());
               if (stored != token_hash || rows->Int(0, 2) != static_cast<int64_t>(purpose) || rows->Int(0, 3) <= now)
                 return invalid;
               account_id = rows->Id(0, 0);
               pending = rows->Text(0, 4);
             }
             {
               Params p;
               p.Id(token_id);
               if (Status s = db.Exec("DELETE FROM userpass_tokens WHERE id = $1", p); !s.ok()) return s;
             }
             Params p;
             p.Id(account_id);
             Result<Rows> rows = Status::Internal("unset");
             if (purpose == core::UserpassTokenPurpose::kConfirm) {
               rows = db.Query(
                   "UPDATE userpass_accounts a SET confirmed = true WHERE id = $1 RETURNING " GP_ACCOUNT_COLUMNS, p);
             } else {
               p.Text(new_hash->empty() ? pending : *new_hash);
               rows = db.Query(
                   "UPDATE userpass_accounts a SET password_hash = $2 WHERE id = $1 RETURNING " GP_ACCOUNT_COLUMNS, p);
             }
             if (!rows.ok()) return rows.status();
             if (rows->empty()) return invalid;
             *account = AccountOf(*rows, 0);
             return Status::Ok();
           },
       .complete =
           [account, done = std::move(done)](Status s) {
             if (!s.ok()) return done(s);
             done(*account);
           }});
}

void PostgresStore::ListPendingUserpassAccounts(ObjectId app_id, ObjectId after, size_t limit,
                                                Callback<std::vector<core::UserpassAccount>> done) {
  Read<std::vector<core::UserpassAccount>>(
      std::move(done), [app_id, after, limit](Connection& db) -> Result<std::vector<core::UserpassAccount>> {
        // Identity ids of accounts are their ids in lowercase hex; the
        // provider_type <> 'anon-user' term matches the partial index.
        Params p;
        p.Id(app_id).Id(after).Int(static_cast<int64_t>(limit));
        auto rows = db.Query(
            "SELECT " GP_ACCOUNT_COLUMNS
            " FROM userpass_accounts a WHERE a.app_id = $1 AND a.id > $2 AND NOT EXISTS (SELECT 1 FROM identities i"
            " WHERE i.app_id = $1 AND i.provider_type = 'local-userpass' AND i.provider_type <> 'anon-user'"
            " AND i.identity_id = encode(a.id, 'hex')) ORDER BY a.id LIMIT $3",
            p);
        if (!rows.ok()) return rows.status();
        std::vector<core::UserpassAccount> out;
        for (int r = 0; r < rows->size(); ++r) out.push_back(AccountOf(*rows, r));
        return out;
      });
}

void PostgresStore::ConfirmUserpassAccount(ObjectId account_id, StatusCallback done) {
  Enqueue({.apply =
               [account_id](Connection& db) {
                 Params p;
                 p.Id(account_id);
                 auto rows = db.Query("UPDATE userpass_accounts SET confirmed = true WHERE id = $1", p);
                 if (!rows.ok()) return rows.status();
                 if (rows->Affected() == 0) return UserNotFound();
                 return db.Exec("DELETE FROM userpass_tokens WHERE account_id = $1 AND purpose = 0", p);
               },
           .complete = std::move(done)});
}

void PostgresStore::DeletePendingUserpassAccount(ObjectId account_id, StatusCallback done) {
  Enqueue({.apply =
               [account_id](Connection& db) {
                 Params p;
                 p.Id(account_id);
                 auto rows = db.Query(
                     "SELECT EXISTS (SELECT 1 FROM identities i WHERE i.app_id = a.app_id"
                     " AND i.provider_type = 'local-userpass' AND i.provider_type <> 'anon-user'"
                     " AND i.identity_id = encode(a.id, 'hex')) FROM userpass_accounts a WHERE a.id = $1 FOR UPDATE",
                     p);
                 if (!rows.ok()) return rows.status();
                 if (rows->empty()) return UserNotFound();
                 if (rows->Bool(0, 0))
                   return Status::InvalidArgument(
                       ErrorCode::kInvalidParameter,
                       "this user has logged in and is no longer pending: delete the user instead");
                 return DeleteAccountRows(db, account_id);
               },
           .complete = std::move(done)});
}

// ============================================================================
// Reading users and sessions; deleting them
// ============================================================================

void PostgresStore::GetSessionWithUser(ObjectId user_id, ObjectId session_id, Callback<SessionWithUser> done) {
  if (!listener_) return ReadSessionWithUser(user_id, session_id, std::move(done));
  // The cache only after the barrier: it then reflects every write
  // acknowledged (by any server) before this call (session_listener.h).
  listener_->AfterBarrier([this, user_id, session_id, done = std::move(done)](bool live) mutable {
    if (!live) return ReadSessionWithUser(user_id, session_id, std::move(done));
    // Keyed by session id alone (ids are fresh ObjectIds); an entry of
    // another user is no hit.
    if (auto hit = session_cache_.Find(session_id); hit && hit->session.user_id == user_id) return done(*hit);
    const uint64_t generation = session_cache_.Generation();
    ReadSessionWithUser(user_id, session_id,
                        [this, generation, done = std::move(done)](Result<SessionWithUser> read) {
                          if (read.ok())
                            session_cache_.Insert(generation, std::make_shared<const SessionWithUser>(*read));
                          done(std::move(read));
                        });
  });
}

SessionListener::Stats PostgresStore::SessionCacheStats() const {
  return listener_ ? listener_->stats() : SessionListener::Stats{};
}

void PostgresStore::ReadSessionWithUser(ObjectId user_id, ObjectId session_id, Callback<SessionWithUser> done) {
  // One statement, so session, user and identities come from one snapshot.
  Params p;
  p.Id(user_id).Id(session_id);
  ReadStatement<SessionWithUser>(
      std::move(done),
      "SELECT " GP_USER_COLUMNS
      ", s.secret_hash, s.created_at, s.expires_at, s.device_id, s.device"
      " FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN identities i ON i.user_id = s.user_id"
      " WHERE s.user_id = $1 AND s.id = $2 ORDER BY i.seq",
      std::move(p), [session_id](const Rows& rows) -> Result<SessionWithUser> {
        if (rows.empty()) return Status::NotFound(ErrorCode::kInvalidSession, "session not found");
        SessionWithUser out;
        out.user = std::move(UsersFromRows(rows).front());
        constexpr int c = kUserColumnCount;
        out.session.id = session_id;
        out.session.user_id = out.user.id;
        auto hash = rows.Bytes(0, c);
        if (hash.size() == out.session.secret_hash.size())
          std::copy(hash.begin(), hash.end(), out.session.secret_hash.begin());
        out.session.created_at = rows.Int(0, c + 1);
        out.session.expires_at = rows.Int(0, c + 2);
        out.session.device_id = rows.Id(0, c + 3);
        out.session.device_json = rows.Text(0, c + 4);
        return out;
      });
}

void PostgresStore::Ping(StatusCallback done) {
  Read<bool>([done = std::move(done)](Result<bool> r) { done(r.ok() ? Status::Ok() : r.status()); },
             [](Connection& db) -> Result<bool> {
               auto rows = db.Query("SELECT 1");
               if (!rows.ok()) return rows.status();
               return true;
             });
}

void PostgresStore::GetUser(ObjectId user_id, Callback<core::User> done) {
  Params p;
  p.Id(user_id);
  ReadStatement<core::User>(std::move(done), kReadUserSql, std::move(p), [](const Rows& rows) -> Result<core::User> {
    auto users = UsersFromRows(rows);
    if (users.empty()) return UserNotFound();
    return std::move(users.front());
  });
}

void PostgresStore::DeleteSession(ObjectId user_id, ObjectId session_id, bool delete_user_if_anonymous,
                                  core::Deletion why, Callback<DeleteSessionOutcome> done) {
  auto outcome = std::make_shared<DeleteSessionOutcome>();
  auto shared_why = std::make_shared<core::Deletion>(std::move(why));
  Enqueue({.apply =
               [user_id, session_id, delete_user_if_anonymous, outcome, shared_why](Connection& db) {
                 *outcome = DeleteSessionOutcome{};
                 {
                   Params p;
                   p.Id(user_id).Id(session_id);
                   auto rows = db.Query("DELETE FROM sessions WHERE user_id = $1 AND id = $2 RETURNING user_id", p);
                   if (!rows.ok()) return rows.status();
                   if (rows->empty()) return Status::NotFound(ErrorCode::kInvalidSession, "session not found");
                   outcome->user_id = rows->Id(0, 0);
                 }
                 if (!delete_user_if_anonymous) return Status::Ok();
                 // Same rule as core::User::IsAnonymous, with the user locked
                 // so that a concurrent link (any server) is never lost.
                 if (Status s = LockUser(db, outcome->user_id); !s.ok()) return s.IsNotFound() ? Status::Ok() : s;
                 Params p;
                 p.Id(outcome->user_id);
                 auto rows = db.Query(
                     "SELECT COUNT(*), COUNT(*) FILTER (WHERE provider_type <> 'anon-user')"
                     " FROM user_identities WHERE user_id = $1",
                     p);
                 if (!rows.ok()) return rows.status();
                 if (!(rows->Int(0, 0) > 0 && rows->Int(0, 1) == 0)) return Status::Ok();
                 ObjectId app_id;
                 if (Status s = EraseUser(db, outcome->user_id, *shared_why, &app_id); !s.ok()) return s;
                 ForgetAnonymousCount(app_id);
                 outcome->user_deleted = true;
                 return Status::Ok();
               },
           .complete =
               [outcome, done = std::move(done)](Status s) {
                 if (!s.ok()) return done(s);
                 done(*outcome);
               },
           .touched = [outcome] { return std::vector<ObjectId>{outcome->user_id}; }});
}

void PostgresStore::DeleteUser(ObjectId user_id, core::Deletion why, StatusCallback done) {
  auto shared_why = std::make_shared<core::Deletion>(std::move(why));
  Enqueue({.apply =
               [user_id, shared_why](Connection& db) {
                 ObjectId app_id;
                 Status s = EraseUser(db, user_id, *shared_why, &app_id);
                 ForgetAnonymousCount(app_id);
                 return s;
               },
           .complete = std::move(done),
           .touched = Touches(user_id)});
}

void PostgresStore::CountUsers(ObjectId app_id, Callback<int64_t> done) {
  Read<int64_t>(std::move(done), [app_id](Connection& db) -> Result<int64_t> {
    Params p;
    p.Id(app_id);
    auto rows = db.Query("SELECT COUNT(*) FROM users WHERE app_id = $1", p);
    if (!rows.ok()) return rows.status();
    return rows->Int(0, 0);
  });
}

void PostgresStore::CountAnonymousUsers(ObjectId app_id, Callback<int64_t> done) {
  Read<int64_t>(std::move(done), [app_id](Connection& db) -> Result<int64_t> {
    Params p;
    p.Id(app_id);
    // Served by the partial index users_anonymous_by_activity.
    auto rows = db.Query("SELECT COUNT(*) FROM users WHERE app_id = $1 AND anonymous", p);
    if (!rows.ok()) return rows.status();
    return rows->Int(0, 0);
  });
}

// ============================================================================
// Anonymous-user lifecycle, expired sessions, audit events, jobs
// ============================================================================

void PostgresStore::ListInactiveAnonymousUsers(ObjectId app_id, int64_t cutoff, size_t limit,
                                               Callback<std::vector<core::User>> done) {
  Read<std::vector<core::User>>(std::move(done),
                                [app_id, cutoff, limit](Connection& db) -> Result<std::vector<core::User>> {
                                  Params p;
                                  p.Id(app_id).Int(cutoff).Int(static_cast<int64_t>(limit));
                                  auto rows = db.Query(
                                      "WITH idle AS (SELECT id FROM users WHERE app_id = $1 AND anonymous"
                                      " AND last_active_at < $2 ORDER BY last_active_at, id LIMIT $3)"
                                      " SELECT " GP_USER_COLUMNS
                                      " FROM idle JOIN users u ON u.id = idle.id"
                                      " LEFT JOIN identities i ON i.user_id = u.id"
                                      " ORDER BY u.last_active_at, u.id, i.seq",
                                      p);
                                  if (!rows.ok()) return rows.status();
                                  return UsersFromRows(*rows);
                                });
}

void PostgresStore::DeleteInactiveAnonymousUsers(ObjectId app_id, int64_t cutoff, size_t limit, core::Deletion why,
                                                 Callback<std::vector<ObjectId>> done) {
  struct Shared {
    core::Deletion why;
    std::vector<ObjectId> deleted;
  };
  auto shared = std::make_shared<Shared>(Shared{std::move(why), {}});
  Enqueue({.apply =
               [app_id, cutoff, limit, shared](Connection& db) {
                 shared->deleted.clear();
                 ForgetAnonymousCount(app_id);
                 // One statement for the whole batch. Anonymous users have
                 // only anon-user identities, so no email/password account
                 // and one provider type for their audit events, which are
                 // numbered in the order the users go (least recently active first).
                 Params p;
                 p.Id(app_id).Int(cutoff).Int(static_cast<int64_t>(limit)).Int(shared->why.at);
                 p.Text(shared->why.actor).Text(shared->why.reason);
                 auto rows = db.Query(
                     "WITH doomed AS MATERIALIZED (SELECT id, last_active_at FROM users WHERE app_id = $1"
                     " AND anonymous AND last_active_at < $2 ORDER BY last_active_at, id LIMIT $3 FOR UPDATE),"
                     " i AS (DELETE FROM identities WHERE user_id IN (SELECT id FROM doomed)),"
                     " s AS (DELETE FROM sessions WHERE user_id IN (SELECT id FROM doomed)),"
                     " k AS (DELETE FROM api_keys WHERE user_id IN (SELECT id FROM doomed)),"
                     " u AS (DELETE FROM users WHERE id IN (SELECT id FROM doomed)),"
                     " a AS (INSERT INTO audit_events (app_id, at, action, user_id, actor, reason, providers)"
                     " SELECT $1, $4, 'user.delete', d.id, $5, $6, 'anon-user'"
                     " FROM doomed d, (SELECT pg_advisory_xact_lock(7102, 2)) AS audit_lock"
                     " ORDER BY d.last_active_at, d.id)"
                     " SELECT id FROM doomed ORDER BY last_active_at, id",
                     p);
                 if (!rows.ok()) return rows.status();
                 for (int r = 0; r < rows->size(); ++r) shared->deleted.push_back(rows->Id(r, 0));
                 return Status::Ok();
               },
           .complete =
               [shared, done = std::move(done)](Status s) {
                 if (!s.ok()) return done(s);
                 done(std::move(shared->deleted));
               },
           .touched = [shared] { return shared->deleted; }});
}

void PostgresStore::PurgeExpiredSessions(SessionKey after, size_t scan_limit, int64_t now,
                                         Callback<PurgeProgress> done) {
  auto progress = std::make_shared<PurgeProgress>();
  auto users = std::make_shared<std::vector<ObjectId>>();  // of the deleted sessions, for the caches
  Enqueue({.apply =
               [after, scan_limit, now, progress, users](Connection& db) {
                 *progress = PurgeProgress{};
                 users->clear();
                 progress->next = after;
                 // A range of the primary key: bounded work per write.
                 Params p;
                 p.Id(after.user_id).Id(after.session_id).Int(static_cast<int64_t>(scan_limit));
                 auto rows = db.Query(
                     "SELECT user_id, id FROM sessions WHERE (user_id, id) > ($1, $2)"
                     " ORDER BY user_id, id LIMIT $3",
                     p);
                 if (!rows.ok()) return rows.status();
                 const int seen = rows->size();
                 if (seen > 0) {
                   progress->next = SessionKey{rows->Id(seen - 1, 0), rows->Id(seen - 1, 1)};
                   // The expired ones of exactly that range (a session added
                   // inside it meanwhile is new, so not expired).
                   Params d;
                   d.Id(after.user_id).Id(after.session_id).Id(progress->next.user_id).Id(progress->next.session_id);
                   d.Int(now);
                   auto deleted = db.Query(
                       "DELETE FROM sessions WHERE (user_id, id) > ($1, $2) AND (user_id, id) <= ($3, $4)"
                       " AND expires_at < $5 RETURNING user_id",
                       d);
                   if (!deleted.ok()) return deleted.status();
                   progress->deleted = deleted->Affected();
                   for (int r = 0; r < deleted->size(); ++r)  // in key order: a user's run of sessions together
                     if (users->empty() || users->back() != deleted->Id(r, 0)) users->push_back(deleted->Id(r, 0));
                 }
                 progress->done = static_cast<size_t>(seen) < scan_limit;
                 return Status::Ok();
               },
           .complete =
               [progress, done = std::move(done)](Status s) {
                 if (!s.ok()) return done(s);
                 done(*progress);
               },
           .touched = [users] { return *users; }});
}

void PostgresStore::ListAuditEvents(ObjectId app_id, int64_t after_seq, size_t limit,
                                    Callback<std::vector<core::AuditEvent>> done) {
  Read<std::vector<core::AuditEvent>>(
      std::move(done), [app_id, after_seq, limit](Connection& db) -> Result<std::vector<core::AuditEvent>> {
        Params p;
        p.Id(app_id).Int(after_seq).Int(static_cast<int64_t>(limit));
        auto rows = db.Query(
            "SELECT seq, at, action, user_id, actor, reason, providers FROM audit_events"
            " WHERE app_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
            p);
        if (!rows.ok()) return rows.status();
        std::vector<core::AuditEvent> out;
        for (int r = 0; r < rows->size(); ++r) {
          core::AuditEvent e;
          e.seq = rows->Int(r, 0);
          e.app_id = app_id;
          e.at = rows->Int(r, 1);
          e.action = rows->Text(r, 2);
          e.user_id = rows->Id(r, 3);
          e.actor = rows->Text(r, 4);
          e.reason = rows->Text(r, 5);
          const std::string providers = rows->Text(r, 6);
          for (size_t start = 0; start < providers.size();) {
            size_t comma = providers.find(',', start);
            if (comma == std::string::npos) comma = providers.size();
            e.providers.push_back(providers.substr(start, comma - start));
            start = comma + 1;
          }
          out.push_back(std::move(e));
        }
        return out;
      });
}

void PostgresStore::PurgeAuditEvents(int64_t before, size_t limit, Callback<int64_t> done) {
  auto deleted = std::make_shared<int64_t>(0);
  Enqueue({.apply =
               [before, limit, deleted](Connection& db) {
                 *deleted = 0;
                 // The oldest events by seq: no scan past the prefix.
                 Params p;
                 p.Int(static_cast<int64_t>(limit));
                 auto rows = db.Query("SELECT seq, at FROM audit_events ORDER BY seq LIMIT $1", p);
                 if (!rows.ok()) return rows.status();
                 int64_t last = 0;  // the last seq of the prefix recorded before `before`
                 for (int r = 0; r < rows->size() && rows->Int(r, 1) < before; ++r) {
                   last = rows->Int(r, 0);
                   ++*deleted;
                 }
                 if (*deleted == 0) return Status::Ok();
                 Params d;
                 d.Int(last);
                 return db.Exec("DELETE FROM audit_events WHERE seq <= $1", d);
               },
           .complete =
               [deleted, done = std::move(done)](Status s) {
                 if (!s.ok()) return done(s);
                 done(*deleted);
               }});
}

void PostgresStore::ClaimJob(std::string name, std::string holder, int64_t now, int64_t lease_seconds,
                             Callback<bool> done) {
  struct Shared {
    std::string name, holder;
    bool claimed = false;
  };
  auto shared = std::make_shared<Shared>(Shared{std::move(name), std::move(holder)});
  Enqueue({.apply =
               [shared, now, lease_seconds](Connection& db) {
                 Params p;
                 p.Text(shared->name).Text(shared->holder).Int(now).Int(lease_seconds);
                 // The row is locked while the WHERE is checked: one server wins.
                 auto rows = db.Query(
                     "INSERT INTO jobs (name, holder, lease_expires_at, next_run_at) VALUES ($1, $2, $3 + $4, 0)"
                     " ON CONFLICT (name) DO UPDATE SET holder = excluded.holder,"
                     " lease_expires_at = excluded.lease_expires_at"
                     " WHERE (jobs.holder = excluded.holder AND jobs.lease_expires_at > $3)"
                     " OR (jobs.lease_expires_at <= $3 AND jobs.next_run_at <= $3)"
                     " RETURNING holder",
                     p);
                 if (!rows.ok()) return rows.status();
                 shared->claimed = !rows->empty();
                 return Status::Ok();
               },
           .complete =
               [shared, done = std::move(done)](Status s) {
                 if (!s.ok()) return done(s);
                 done(shared->claimed);
               }});
}

void PostgresStore::FinishJob(std::string name, std::string holder, int64_t next_run_at, StatusCallback done) {
  auto shared = std::make_shared<std::pair<std::string, std::string>>(std::move(name), std::move(holder));
  Enqueue({.apply =
               [shared, next_run_at](Connection& db) {
                 Params p;
                 p.Text(shared->first).Text(shared->second).Int(next_run_at);
                 auto rows = db.Query(
                     "UPDATE jobs SET holder = '', lease_expires_at = 0, next_run_at = $3"
                     " WHERE name = $1 AND holder = $2",
                     p);
                 if (!rows.ok()) return rows.status();
                 if (rows->Affected() == 0)
                   return Status::NotFound(ErrorCode::kNone, "the job is not held by " + shared->second);
                 return Status::Ok();
               },
           .complete = std::move(done)});
}

// ============================================================================
// Users, as administrators see them
// ============================================================================

namespace {
// The filters of a UserQuery: $1 app, $2 the disabled flag or NULL, $3
// ",type,type," or "" for any provider (the inline anonymous identity, then
// identities rows by primary key), $4 the Anonymity (0 any; 1 anonymous: the
// maintained `anonymous` flag; 2 linked: not anonymous, with an anon-user
// identity inline or as a row). Served by users_by_app.
#define GP_USER_FILTERS                                                     \
  "u.app_id = $1 AND ($2::boolean IS NULL OR u.disabled = $2) AND ($3 = ''" \
  " OR (u.anon_identity IS NOT NULL AND strpos($3, ',anon-user,') > 0)"     \
  " OR EXISTS (SELECT 1 FROM identities x WHERE x.user_id = u.id"           \
  " AND strpos($3, ',' || x.provider_type || ',') > 0))"                    \
  " AND ($4 = 0 OR ($4 = 1 AND u.anonymous) OR ($4 = 2 AND NOT u.anonymous" \
  " AND (u.anon_identity IS NOT NULL OR EXISTS (SELECT 1 FROM identities y" \
  " WHERE y.user_id = u.id AND y.provider_type = 'anon-user'))))"
// The email filter: the one user whose local-userpass identity is the app's
// account with that email ($N; identity ids of accounts are their ids in
// lowercase hex), found through userpass_accounts_by_email and
// identities_by_provider, so it costs the same in any app.
#define GP_USER_BY_EMAIL(N)                                                  \
  " AND u.id = (SELECT i.user_id FROM userpass_accounts a JOIN identities i" \
  " ON i.app_id = a.app_id AND i.provider_type = 'local-userpass'"           \
  " AND i.identity_id = encode(a.id, 'hex') WHERE a.app_id = $1 AND a.email = " N ")"

Params UserFilterParams(const Store::UserQuery& q) {
  Params p;
  p.Id(q.app_id);
  if (q.disabled)
    p.Bool(*q.disabled);
  else
    p.NullBool();
  p.Text(CommaList(q.provider_types));
  int64_t anonymity = 0;
  if (q.anonymity == Store::Anonymity::kAnonymous) anonymity = 1;
  if (q.anonymity == Store::Anonymity::kLinked) anonymity = 2;
  p.Int(anonymity);
  return p;
}
}  // namespace

void PostgresStore::ListUsers(UserQuery q, Callback<std::vector<core::User>> done) {
  Read<std::vector<core::User>>(std::move(done), [q = std::move(q)](Connection& db) -> Result<std::vector<core::User>> {
    Params p = UserFilterParams(q);
    // No `after`: from the first id (zero) or, descending, from past the last.
    ObjectId from = q.after;
    if (from.IsZero() && q.desc) from = *ObjectId::FromHex("ffffffffffffffffffffffff");
    p.Id(from).Int(static_cast<int64_t>(q.limit));
    const bool by_email = !q.email.empty();
    if (by_email) p.Text(q.email);
    const char* sql = nullptr;
    if (q.desc) {
      sql = by_email ? "WITH page AS (SELECT u.id FROM users u WHERE " GP_USER_FILTERS GP_USER_BY_EMAIL("$7")
                       " AND u.id < $5 LIMIT $6)"
                       " SELECT " GP_USER_COLUMNS " FROM page JOIN users u ON u.id = page.id"
                       " LEFT JOIN identities i ON i.user_id = u.id ORDER BY u.id DESC, i.seq"
                     : "WITH page AS (SELECT u.id FROM users u WHERE " GP_USER_FILTERS
                       " AND u.id < $5 ORDER BY u.app_id DESC, u.id DESC LIMIT $6)"
                       " SELECT " GP_USER_COLUMNS " FROM page JOIN users u ON u.id = page.id"
                       " LEFT JOIN identities i ON i.user_id = u.id ORDER BY u.id DESC, i.seq";
    } else {
      sql = by_email ? "WITH page AS (SELECT u.id FROM users u WHERE " GP_USER_FILTERS GP_USER_BY_EMAIL("$7")
                       " AND u.id > $5 LIMIT $6)"
                       " SELECT " GP_USER_COLUMNS " FROM page JOIN users u ON u.id = page.id"
                       " LEFT JOIN identities i ON i.user_id = u.id ORDER BY u.id, i.seq"
                     : "WITH page AS (SELECT u.id FROM users u WHERE " GP_USER_FILTERS
                       " AND u.id > $5 ORDER BY u.app_id, u.id LIMIT $6)"
                       " SELECT " GP_USER_COLUMNS " FROM page JOIN users u ON u.id = page.id"
                       " LEFT JOIN identities i ON i.user_id = u.id ORDER BY u.id, i.seq";
    }
    auto rows = db.Query(sql, p);
    if (!rows.ok()) return rows.status();
    return UsersFromRows(*rows);
  });
}

void PostgresStore::CountMatchingUsers(UserQuery q, Callback<int64_t> done) {
  Read<int64_t>(std::move(done), [q = std::move(q)](Connection& db) -> Result<int64_t> {
    Params p = UserFilterParams(q);
    if (!q.email.empty()) p.Text(q.email);
    auto rows = q.email.empty()
                    ? db.Query("SELECT COUNT(*) FROM users u WHERE " GP_USER_FILTERS, p)
                    : db.Query("SELECT COUNT(*) FROM users u WHERE " GP_USER_FILTERS GP_USER_BY_EMAIL("$5"), p);
    if (!rows.ok()) return rows.status();
    return rows->Int(0, 0);
  });
}

void PostgresStore::SetUserDisabled(ObjectId user_id, bool disabled, StatusCallback done) {
  Enqueue({.apply =
               [user_id, disabled](Connection& db) {
                 Params p;
                 p.Bool(disabled).Id(user_id);
                 auto rows = db.Query("UPDATE users SET disabled = $1 WHERE id = $2", p);
                 if (!rows.ok()) return rows.status();
                 return rows->Affected() == 0 ? UserNotFound() : Status::Ok();
               },
           .complete = std::move(done),
           .touched = Touches(user_id)});
}

void PostgresStore::ListUserSessions(ObjectId user_id, int64_t now, size_t limit,
                                     Callback<std::vector<core::Session>> done) {
  Read<std::vector<core::Session>>(
      std::move(done), [user_id, now, limit](Connection& db) -> Result<std::vector<core::Session>> {
        if (Status s = RequireUser(db, user_id); !s.ok()) return s;
        // A range of the primary key (user_id, id); ids are time-ordered.
        Params p;
        p.Id(user_id).Int(now).Int(static_cast<int64_t>(limit));
        auto rows = db.Query(
            "SELECT id, secret_hash, created_at, expires_at, device_id, device FROM sessions"
            " WHERE user_id = $1 AND expires_at > $2 ORDER BY user_id DESC, id DESC LIMIT $3",
            p);
        if (!rows.ok()) return rows.status();
        std::vector<core::Session> out;
        out.reserve(rows->size());
        for (int r = 0; r < rows->size(); ++r) {
          core::Session s;
          s.id = rows->Id(r, 0);
          s.user_id = user_id;
          auto hash = rows->Bytes(r, 1);
          if (hash.size() == s.secret_hash.size()) std::copy(hash.begin(), hash.end(), s.secret_hash.begin());
          s.created_at = rows->Int(r, 2);
          s.expires_at = rows->Int(r, 3);
          s.device_id = rows->Id(r, 4);
          if (!rows->IsNull(r, 5)) s.device_json = rows->Text(r, 5);
          out.push_back(std::move(s));
        }
        return out;
      });
}

void PostgresStore::DeleteUserSessions(ObjectId user_id, Callback<int64_t> done) {
  auto deleted = std::make_shared<int64_t>(0);
  Enqueue({.apply =
               [user_id, deleted](Connection& db) {
                 if (Status s = RequireUser(db, user_id); !s.ok()) return s;
                 Params p;
                 p.Id(user_id);
                 auto rows = db.Query("DELETE FROM sessions WHERE user_id = $1", p);
                 if (!rows.ok()) return rows.status();
                 *deleted = rows->Affected();
                 return Status::Ok();
               },
           .complete =
               [deleted, done = std::move(done)](Status s) {
                 if (!s.ok()) return done(s);
                 done(*deleted);
               },
           .touched = Touches(user_id)});
}

// ============================================================================
// Shared by every server on this database
// ============================================================================

void PostgresStore::ListSigningKeys(Callback<std::vector<core::StoredSigningKey>> done) {
  Read<std::vector<core::StoredSigningKey>>(
      std::move(done), [](Connection& db) -> Result<std::vector<core::StoredSigningKey>> {
        auto rows = db.Query(
            "SELECT kid, alg, sealed_secret, created_at, active_from FROM signing_keys ORDER BY active_from, kid",
            Params());
        if (!rows.ok()) return rows.status();
        std::vector<core::StoredSigningKey> out;
        for (int r = 0; r < rows->size(); ++r) {
          core::StoredSigningKey k;
          k.kid = rows->Text(r, 0);
          k.alg = rows->Text(r, 1);
          const auto sealed = rows->Bytes(r, 2);
          k.sealed_secret.assign(reinterpret_cast<const char*>(sealed.data()), sealed.size());
          k.created_at = rows->Int(r, 3);
          k.active_from = rows->Int(r, 4);
          out.push_back(std::move(k));
        }
        return out;
      });
}

void PostgresStore::AddSigningKey(core::StoredSigningKey key, StatusCallback done) {
  auto shared = std::make_shared<core::StoredSigningKey>(std::move(key));
  Enqueue({.apply =
               [shared](Connection& db) {
                 const core::StoredSigningKey& k = *shared;
                 const std::span<const uint8_t> sealed(reinterpret_cast<const uint8_t*>(k.sealed_secret.data()),
                                                       k.sealed_secret.size());
                 Params p;
                 p.Text(k.kid).Text(k.alg).Bytes(sealed).Int(k.created_at).Int(k.active_from);
                 auto rows = db.Query(
                     "INSERT INTO signing_keys (kid, alg, sealed_secret, created_at, active_from)"
                     " VALUES ($1, $2, $3, $4, $5)",
                     p);
                 if (!rows.ok()) {
                   if (rows.status().code() == core::Code::kAlreadyExists)
                     return Status::AlreadyExists(ErrorCode::kInvalidParameter,
                                                  "a signing key with id " + k.kid + " exists");
                   return rows.status();
                 }
                 return Status::Ok();
               },
           .complete = std::move(done)});
}

void PostgresStore::DeleteSigningKey(std::string kid, StatusCallback done) {
  Enqueue({.apply =
               [kid = std::move(kid)](Connection& db) {
                 Params p;
                 p.Text(kid);
                 auto rows = db.Query("DELETE FROM signing_keys WHERE kid = $1", p);
                 if (!rows.ok()) return rows.status();
                 if (rows->Affected() == 0)
                   return Status::NotFound(ErrorCode::kNotFound, "no signing key with id " + kid);
                 return Status::Ok();
               },
           .complete = std::move(done)});
}

void PostgresStore::ConfigVersion(Callback<int64_t> done) {
  Read<int64_t>(std::move(done), [](Connection& db) -> Result<int64_t> {
    auto rows = db.Query("SELECT version FROM config_version WHERE id = 1", Params());
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return Status::Internal("config_version has no row");
    return rows->Int(0, 0);
  });
}

// ============================================================================
// Secrets
// ============================================================================

void PostgresStore::ListSecrets(ObjectId app_id, Callback<std::vector<core::Secret>> done) {
  Read<std::vector<core::Secret>>(std::move(done), [app_id](Connection& db) -> Result<std::vector<core::Secret>> {
    Params p;
    p.Id(app_id);
    auto rows =
        db.Query("SELECT id, name, value, created_at, updated_at FROM secrets WHERE app_id = $1 ORDER BY name", p);
    if (!rows.ok()) return rows.status();
    std::vector<core::Secret> out;
    for (int r = 0; r < rows->size(); ++r) {
      core::Secret s;
      s.app_id = app_id;
      s.id = rows->Id(r, 0);
      s.name = rows->Text(r, 1);
      const auto value = rows->Bytes(r, 2);
      s.sealed_value.assign(reinterpret_cast<const char*>(value.data()), value.size());
      s.created_at = rows->Int(r, 3);
      s.updated_at = rows->Int(r, 4);
      out.push_back(std::move(s));
    }
    return out;
  });
}

void PostgresStore::PutSecret(core::Secret secret, bool create, StatusCallback done) {
  auto shared = std::make_shared<core::Secret>(std::move(secret));
  Enqueue({.apply =
               [shared, create](Connection& db) {
                 const core::Secret& s = *shared;
                 const std::span<const uint8_t> value(reinterpret_cast<const uint8_t*>(s.sealed_value.data()),
                                                      s.sealed_value.size());
                 Params p;
                 p.Id(s.app_id).Id(s.id).Text(s.name).Bytes(value).Int(s.updated_at);
                 Result<Rows> rows = Status::Internal("unset");
                 if (create) {
                   p.Int(s.created_at);
                   rows = db.Query(
                       "INSERT INTO secrets (app_id, id, name, value, created_at, updated_at)"
                       " VALUES ($1, $2, $3, $4, $6, $5)",
                       p);
                 } else {
                   rows = db.Query(
                       "UPDATE secrets SET name = $3, value = $4, updated_at = $5"
                       " WHERE app_id = $1 AND id = $2",
                       p);
                 }
                 if (!rows.ok()) {
                   if (rows.status().code() == core::Code::kAlreadyExists)
                     return Status::AlreadyExists(ErrorCode::kInvalidParameter,
                                                  "a secret named '" + s.name + "' exists");
                   return rows.status();
                 }
                 if (!create && rows->Affected() == 0)
                   return Status::NotFound(ErrorCode::kNotFound, "secret not found");
                 return Status::Ok();
               },
           .complete = std::move(done)});
}

void PostgresStore::DeleteSecret(ObjectId app_id, ObjectId secret_id, StatusCallback done) {
  Enqueue({.apply =
               [app_id, secret_id](Connection& db) {
                 Params p;
                 p.Id(app_id).Id(secret_id);
                 auto rows = db.Query("DELETE FROM secrets WHERE app_id = $1 AND id = $2", p);
                 if (!rows.ok()) return rows.status();
                 if (rows->Affected() == 0) return Status::NotFound(ErrorCode::kNotFound, "secret not found");
                 return Status::Ok();
               },
           .complete = std::move(done)});
}

// ============================================================================
// The apps' logs
// ============================================================================

void PostgresStore::AppendLogEvents(std::vector<core::LogEvent> events, StatusCallback done) {
  auto shared = std::make_shared<std::vector<core::LogEvent>>(std::move(events));
  Enqueue({.apply =
               [shared](Connection& db) {
                 for (const auto& e : *shared) {
                   Params p;
                   p.Id(e.app_id).Id(e.id).Text(e.type).Bool(e.error).Id(e.user_id).Int(e.at_ms).Text(e.entry_json);
                   if (Status s = db.Exec("INSERT INTO log_events (app_id, id, type, error, user_id, at_ms, entry)"
                                          " VALUES ($1, $2, $3, $4, $5, $6, $7)",
                                          p);
                       !s.ok())
                     return s;
                 }
                 return Status::Ok();
               },
           .complete = std::move(done)});
}

void PostgresStore::ListLogEvents(LogQuery q, Callback<std::vector<core::LogEvent>> done) {
  Read<std::vector<core::LogEvent>>(
      std::move(done), [q = std::move(q)](Connection& db) -> Result<std::vector<core::LogEvent>> {
        // The id range ($2, $3) makes it a backward read of the app's range.
        Params p;
        p.Id(q.app_id)
            .Id(IdBound(q.start_ms, false))
            .Id(IdBound(std::min<int64_t>(q.end_ms, 0xffffffffLL * 1000), true));
        p.Int(q.start_ms).Int(q.end_ms);
        if (q.error)
          p.Bool(*q.error);
        else
          p.NullBool();
        if (!q.user_id.IsZero())
          p.Id(q.user_id);
        else
          p.NullBytes();
        p.Text(CommaList(q.types)).Int(static_cast<int64_t>(q.limit)).Int(static_cast<int64_t>(q.skip));
        auto rows = db.Query(
            "SELECT id, type, error, user_id, at_ms, entry FROM log_events"
            " WHERE app_id = $1 AND id >= $2 AND id <= $3 AND at_ms > $4 AND at_ms <= $5"
            " AND ($6::boolean IS NULL OR error = $6) AND ($7::bytea IS NULL OR user_id = $7)"
            " AND ($8 = '' OR strpos($8, ',' || type || ',') > 0)"
            " ORDER BY id DESC LIMIT $9 OFFSET $10",
            p);
        if (!rows.ok()) return rows.status();
        std::vector<core::LogEvent> out;
        for (int r = 0; r < rows->size(); ++r) {
          core::LogEvent e;
          e.app_id = q.app_id;
          e.id = rows->Id(r, 0);
          e.type = rows->Text(r, 1);
          e.error = rows->Bool(r, 2);
          e.user_id = rows->Id(r, 3);
          e.at_ms = rows->Int(r, 4);
          e.entry_json = rows->Text(r, 5);
          out.push_back(std::move(e));
        }
        return out;
      });
}

void PostgresStore::PurgeLogEvents(int64_t before_ms, size_t limit, Callback<int64_t> done) {
  auto deleted = std::make_shared<int64_t>(0);
  Enqueue({.apply =
               [before_ms, limit, deleted](Connection& db) {
                 *deleted = 0;
                 // App by app (each found through the primary key), the
                 // oldest ids first: no index and no full scan.
                 ObjectId app;
                 bool first = true;
                 while (static_cast<size_t>(*deleted) < limit) {
                   Params next;
                   if (!first) next.Id(app);
                   auto apps =
                       first
                           ? db.Query("SELECT app_id FROM log_events ORDER BY app_id LIMIT 1")
                           : db.Query("SELECT app_id FROM log_events WHERE app_id > $1 ORDER BY app_id LIMIT 1", next);
                   if (!apps.ok()) return apps.status();
                   if (apps->empty()) break;
                   app = apps->Id(0, 0);
                   first = false;
                   Params p;
                   p.Id(app).Id(IdBound(before_ms, true)).Int(before_ms);
                   p.Int(static_cast<int64_t>(limit - static_cast<size_t>(*deleted)));
                   auto rows = db.Query(
                       "DELETE FROM log_events WHERE app_id = $1 AND id IN (SELECT id FROM log_events WHERE app_id = $1"
                       " AND id < $2 AND at_ms < $3 ORDER BY id LIMIT $4)",
                       p);
                   if (!rows.ok()) return rows.status();
                   *deleted += rows->Affected();
                 }
                 return Status::Ok();
               },
           .complete =
               [deleted, done = std::move(done)](Status s) {
                 if (!s.ok()) return done(s);
                 done(*deleted);
               }});
}

}  // namespace guestpass::store::postgres
