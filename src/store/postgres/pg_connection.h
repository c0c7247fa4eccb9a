// pg_connection.h: a thin layer over one libpq connection: connecting and
// running statements within a deadline, a cache of prepared statements,
// binary parameters and results, and pipelines (several statements in one
// round trip). Not thread-safe: one thread uses a Connection at a time.
//
// Every wait for the server is bounded by the connection's timeout: a
// server that does not answer in time (down, unreachable, stuck on a lock)
// makes the call fail with Unavailable and leaves the connection broken();
// the owner opens a new one. The server also cancels a statement that runs
// a second longer than the timeout (statement_timeout), so it stops working
// too, after the client has given up.
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/object_id.h"
#include "core/status.h"

namespace guestpass::store::postgres {

// SQLSTATEs the store tells apart.
inline constexpr std::string_view kUniqueViolation = "23505";

// The parameters of one statement, all sent in binary with their types, so
// the server never guesses a type and values need no escaping.
class Params {
 public:
  Params& Id(const core::ObjectId& id);           // bytea
  Params& Bytes(std::span<const uint8_t> bytes);  // bytea
  Params& Text(std::string_view text);
  Params& Int(int64_t value);  // bigint
  Params& Bool(bool value);
  Params& NullText();
  Params& NullBytes();
  Params& NullBool();
  // One-dimensional arrays (for multi-row statements: unnest($1::bytea[], ...)).
  // A nullopt element is NULL.
  Params& IdArray(const std::vector<core::ObjectId>& ids);                  // bytea[]
  Params& BytesArray(const std::vector<std::span<const uint8_t>>& values);  // bytea[]
  Params& TextArray(const std::vector<std::optional<std::string_view>>& values);
  Params& IntArray(const std::vector<int64_t>& values);  // bigint[]
  Params& BoolArray(const std::vector<bool>& values);

  int size() const { return static_cast<int>(types_.size()); }
  const Oid* types() const { return types_.data(); }
  // The pointers libpq reads; valid until this Params changes.
  void Pointers(std::vector<const char*>& values, std::vector<int>& lengths, std::vector<int>& formats) const;

 private:
  Params& Add(Oid type, std::string value, bool null = false);
  // The binary array format: header, then each element's length and bytes.
  Params& AddArray(Oid array_type, Oid element_type, const std::vector<std::optional<std::string_view>>& elements);
  std::vector<Oid> types_;
  std::vector<std::string> values_;
  std::vector<bool> nulls_;
};

// The rows of a statement's result (binary format), owned.
class Rows {
 public:
  explicit Rows(PGresult* result) : result_(result, &PQclear) {}
  int size() const { return PQntuples(result_.get()); }
  bool empty() const { return size() == 0; }
  bool IsNull(int row, int col) const { return PQgetisnull(result_.get(), row, col) != 0; }
  core::ObjectId Id(int row, int col) const;
  std::span<const uint8_t> Bytes(int row, int col) const;
  std::string Text(int row, int col) const;
  // smallint, integer or bigint.
  int64_t Int(int row, int col) const;
  bool Bool(int row, int col) const;
  // Rows changed by an INSERT, UPDATE or DELETE.
  int64_t Affected() const;
  // The command tag ("COMMIT", or "ROLLBACK" for a COMMIT of a failed transaction).
  std::string Command() const { return PQcmdStatus(result_.get()); }

 private:
  std::unique_ptr<PGresult, void (*)(PGresult*)> result_;
};

struct ConnectionOptions {
  std::string conninfo;  // a libpq URI or key=value string
  std::string schema;    // search_path when not empty (tests: a schema per test)
  std::chrono::milliseconds timeout{5000};
};

// A statement of a pipeline: its SQL (a string literal: the cache key of
// its prepared statement) and its parameters.
struct Statement {
  const char* sql;
  const Params* params;
};

class Connection {
 public:
  // Connects, trying each host of the conninfo in turn (host=a,b or
  // postgresql://a,b/...; with target_session_attrs=read-write only a
  // primary accepts), each within the timeout, so a host that does not
  // answer delays the next by at most the timeout. Unavailable when no
  // server can be reached or none accepts.
  static core::Result<std::unique_ptr<Connection>> Open(const ConnectionOptions& options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs `sql` as a prepared statement (prepared at its first use on this
  // connection: `sql` must be a string literal or otherwise outlive the
  // connection) and returns its rows. A server error maps to a Status:
  // AlreadyExists for a unique violation, Unavailable for lost connections,
  // timeouts, deadlocks and a read-only server (a standby after failover),
  // else Internal; sqlstate() tells which.
  core::Result<Rows> Query(const char* sql, const Params& params = Params());
  core::Status Exec(const char* sql, const Params& params = Params());
  // Runs one or more statements without parameters through the simple query
  // protocol, uncached (migrations, SET).
  core::Status ExecScript(const std::string& sql);
  // Sends `statements` in one round trip (pipeline mode) and returns the
  // first failure, or OK. After a failure the server skipped the statements
  // that followed it; inside a transaction, the transaction is aborted
  // (roll back to a savepoint to go on).
  core::Status Pipeline(const std::vector<Statement>& statements);
  // Sends `statements` in one round trip, each in an implicit transaction of
  // its own (a sync point after each), and returns each one's rows or
  // failure. A lost connection fails them all (broken()).
  std::vector<core::Result<Rows>> Queries(const std::vector<Statement>& statements);

  // The SQLSTATE of the last failed statement ("" if none or no server error).
  const std::string& sqlstate() const { return sqlstate_; }
  // A connection that timed out or lost its server; use a new one.
  bool broken() const;
  // Reads what the server sent while the connection was idle, without
  // waiting: notices a server that closed it (a restart, a failover).
  // Returns !broken().
  bool CheckIdle();
  // In a transaction that failed (only ROLLBACK [TO SAVEPOINT] works).
  bool in_failed_transaction() const { return PQtransactionStatus(conn_) == PQTRANS_INERROR; }
  bool in_transaction() const { return PQtransactionStatus(conn_) != PQTRANS_IDLE; }

  // ---- Notifications (LISTEN; store/postgres/session_listener.h) ----
  // The socket, to wait for input with poll(); read it with CheckIdle().
  int socket() const { return PQsocket(conn_); }
  // A round trip that runs no statement: a Sync message and the server's
  // ReadyForQuery. The server sends a listening session the notifications
  // pending when it reads a message before answering it, so once this
  // returns OK every notification of a transaction that committed before the
  // Sync reached the server is buffered (TakeNotification).
  core::Status Sync();
  struct Notification {
    std::string channel;
    std::string payload;
  };
  // The next notification received and not yet taken, if any.
  std::optional<Notification> TakeNotification();

 private:
  Connection(PGconn* conn, std::chrono::milliseconds timeout) : conn_(conn), timeout_(timeout) {}
  // Prepares `sql` unless done; returns its statement name.
  core::Result<const std::string*> Prepared(const char* sql, const Params& params);
  // Waits until the output is flushed and a whole result is buffered, or the
  // deadline passes (then the connection is broken).
  core::Status Flush(std::chrono::steady_clock::time_point deadline);
  core::Status AwaitResult(std::chrono::steady_clock::time_point deadline);
  // Reads the results of one statement up to its terminating null; the
  // last one is kept in *out (may be null). Status of the statement.
  core::Status ReadOne(std::chrono::steady_clock::time_point deadline, PGresult** out);
  core::Status ResultStatus(PGresult* result, std::string_view what);
  core::Status Broken(std::string why);

  PGconn* conn_;
  const std::chrono::milliseconds timeout_;
  bool broken_ = false;
  std::string sqlstate_;
  std::unordered_map<const char*, std::string> prepared_;  // sql literal -> statement name
};

}  // namespace guestpass::store::postgres
