// connection.cc: sqlite3 open/prepare/bind plumbing and error mapping.
#include "store/sqlite/connection.h"

#include <cstdio>
#include <cstdlib>

#include "store/sqlite/wal_write_vfs.h"

namespace guestpass::store::sqlite {

using core::ErrorCode;
using core::Status;

Statement& Statement::Bind(int index, const core::ObjectId& id) {
  sqlite3_bind_blob(stmt_, index, id.bytes().data(), static_cast<int>(id.bytes().size()), SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::Bind(int index, std::span<const uint8_t> blob) {
  sqlite3_bind_blob(stmt_, index, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::Bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::BindStatic(int index, const core::ObjectId& id) {
  sqlite3_bind_blob(stmt_, index, id.bytes().data(), static_cast<int>(id.bytes().size()), SQLITE_STATIC);
  return *this;
}
Statement& Statement::BindStatic(int index, std::span<const uint8_t> blob) {
  sqlite3_bind_blob(stmt_, index, blob.data(), static_cast<int>(blob.size()), SQLITE_STATIC);
  return *this;
}
Statement& Statement::BindStatic(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
  return *this;
}
Statement& Statement::Bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}
Statement& Statement::BindNull(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

core::ObjectId Statement::ColumnId(int col) const {
  auto id = core::ObjectId::FromBytes(ColumnBlob(col));
  return id ? *id : core::ObjectId();
}

std::string Statement::ColumnText(int col) const {
  const auto* p = sqlite3_column_text(stmt_, col);
  const int n = sqlite3_column_bytes(stmt_, col);
  return p ? std::string(reinterpret_cast<const char*>(p), n) : std::string();
}

std::span<const uint8_t> Statement::ColumnBlob(int col) const {
  const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, col));
  const int n = sqlite3_column_bytes(stmt_, col);
  return {p, static_cast<size_t>(p ? n : 0)};
}

core::Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path, bool read_only) {
  // SQLite counts its memory use by default, under a process-wide mutex
  // taken on every allocation: about 60 lock/unlock pairs per login, for
  // statistics nothing reads. Off before SQLite initializes (a no-op, and
  // harmless, if something initialized it first).
  static const int kNoMemStatus = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)kNoMemStatus;
  sqlite3* db = nullptr;
  const int flags =
      (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX;
  // A read-write connection writes its WAL frames through WalWriteVfs (one
  // write per commit); it must then run with synchronous=FULL (see there).
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, read_only ? nullptr : WalWriteVfsName());
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return Status::Unavailable("cannot open database " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db, 10000);
  sqlite3_extended_result_codes(db, 1);
  auto conn = std::unique_ptr<Connection>(new Connection(db));
  if (!read_only) {
    // WalWriteVfs relies on FULL (SQLite syncs the WAL before it publishes
    // a commit): set it here, where the VFS is chosen, and check it took.
    if (Status s = conn->Exec("PRAGMA synchronous=FULL"); !s.ok()) return s;
    Statement st = conn->Prepare("PRAGMA synchronous");
    if (st.Step() != SQLITE_ROW || st.ColumnInt(0) < 2)
      return Status::Internal("cannot open database " + path + ": synchronous=FULL did not take");
  }
  return conn;
}

Connection::~Connection() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

Status Connection::Exec(const char* sql) {
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return Status::Ok();
  std::string msg = err ? err : sqlite3_errstr(rc);
  sqlite3_free(err);
  return Error(rc, msg);
}

Status Connection::Run(const char* sql) {
  Statement st = Prepare(sql);
  const int rc = st.Step();
  if (rc == SQLITE_DONE || rc == SQLITE_ROW) return Status::Ok();
  return Error(rc, sql);
}

Statement Connection::Prepare(const char* sql) {
  auto it = statements_.find(sql);
  if (it != statements_.end()) return Statement(it->second);
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
    // Every statement is a literal of this program: failing to prepare one is
    // a bug or a schema mismatch, not a user error.
    std::fprintf(stderr, "guestpass: fatal: cannot prepare SQL (%s): %s\n", sqlite3_errmsg(db_), sql);
    std::abort();
  }
  statements_.emplace(sql, stmt);
  return Statement(stmt);
}

Status Connection::Error(int rc, std::string_view what) const {
  std::string msg = std::string(what) + ": " + sqlite3_errmsg(db_);
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
      return Status::AlreadyExists(ErrorCode::kInvalidParameter, msg);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
      return Status::Unavailable(msg);
    default:
      return Status::Internal(msg);
  }
}

}  // namespace guestpass::store::sqlite
