// connection.h: a thin RAII layer over one sqlite3 connection with a cache of
// prepared statements. Not thread-safe: one thread uses a Connection at a time.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/object_id.h"
#include "core/status.h"

namespace guestpass::store::sqlite {

// A prepared statement borrowed from a Connection; reset on destruction.
class Statement {
 public:
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~Statement() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& Bind(int index, const core::ObjectId& id);
  Statement& Bind(int index, std::span<const uint8_t> blob);
  Statement& Bind(int index, std::string_view text);
  Statement& Bind(int index, int64_t value);
  Statement& BindNull(int index);
  // As Bind, without SQLite's copy: the value must stay alive and unchanged
  // until this Statement is gone (it resets and clears the bindings). For
  // the hot inserts, whose values live in the write op; saves a copy and
  // usually an allocation per value.
  Statement& BindStatic(int index, const core::ObjectId& id);
  Statement& BindStatic(int index, std::span<const uint8_t> blob);
  Statement& BindStatic(int index, std::string_view text);

  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step() { return sqlite3_step(stmt_); }

  core::ObjectId ColumnId(int col) const;
  std::string ColumnText(int col) const;
  int64_t ColumnInt(int col) const { return sqlite3_column_int64(stmt_, col); }
  bool ColumnIsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::span<const uint8_t> ColumnBlob(int col) const;

 private:
  sqlite3_stmt* stmt_;
};

class Connection {
 public:
  // Opens (creating if needed) the database at `path`. A read-write
  // connection runs with synchronous=FULL and writes its WAL through
  // WalWriteVfs (wal_write_vfs.h); a read-only one uses SQLite's own VFS.
  static core::Result<std::unique_ptr<Connection>> Open(const std::string& path, bool read_only);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs SQL without results (may hold several statements).
  core::Status Exec(const char* sql);
  // Runs one statement without results through the statement cache: for the
  // writer's per-batch and per-write transaction control (BEGIN, SAVEPOINT,
  // RELEASE, COMMIT), which sqlite3_exec would compile again on every call.
  // `sql` as for Prepare.
  core::Status Run(const char* sql);
  // Returns the cached prepared statement for `sql`. `sql` must be a string
  // literal or otherwise outlive the connection (it is the cache key).
  Statement Prepare(const char* sql);

  // Maps the last error (or `rc`) to a Status.
  core::Status Error(int rc, std::string_view what) const;
  int Changes() const { return sqlite3_changes(db_); }
  sqlite3* raw() { return db_; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::unordered_map<const char*, sqlite3_stmt*> statements_;
};

}  // namespace guestpass::store::sqlite
