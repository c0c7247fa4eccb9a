// sqlite_to_postgres.h: copies a SQLite store (DATA_DIR/guestpass.db) into a
// PostgreSQL database (`guestpass migrate-store`). Not a Store: it moves rows
// between the two back ends' tables, and knows neither's contents.
//
// DESIGN. The copy is generic over the schema, so a table added to both back
// ends is copied without a change here. The target is opened through the
// PostgreSQL store's own open path (its migrations run), then its base tables
// and columns are read from pg_catalog; every one of them that SQLite has too
// is copied, each value converted by its PostgreSQL column's type (BLOB ->
// bytea, INTEGER -> smallint/integer/bigint or boolean (0 is false), TEXT ->
// text; any other type through its text form). A table or column in one
// store only stops the copy unless kNotCopied (sqlite_to_postgres.cc) names it
// with its reason, or (a target column) PostgreSQL can fill it by default.
//
// SQLite is read in one read transaction: the copy is a consistent snapshot
// even if a server still writes the file (its later writes are not copied).
// Rows go to PostgreSQL in primary-key order, `batch_rows` per INSERT ...
// SELECT FROM unnest(...), each INSERT a transaction of its own. An
// interrupted copy is resumed by running again: a table whose rows in
// PostgreSQL are exactly SQLite's first rows in key order (a copy's
// leftover) goes on from its largest key (that row is written again: rows
// already there take the source's values, ON CONFLICT DO UPDATE). Any other
// row in the target (data from elsewhere) refuses the copy before it writes.
// At the end identity/serial sequences are moved past the copied values,
// the tables analyzed, and every table's rows counted on both sides.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"

namespace guestpass::store::migrate {

struct MigrateOptions {
  std::string sqlite_path;  // DATA_DIR/guestpass.db; opened read-only, never written
  std::string conninfo;     // the target: a libpq URI or key=value string
  std::string schema{};     // tests: the target's schema (search_path); empty: the connection's default
  // The longest wait for one PostgreSQL statement (connecting, a batch, a count).
  std::chrono::milliseconds timeout{60'000};
  size_t batch_rows = 1000;  // rows per INSERT (one transaction each); REQUIRES: >= 1
  // Called with one line of progress at a time (a table started, finished);
  // may be empty.
  std::function<void(const std::string&)> progress{};
  // Tests only: stop as an interruption would, after this many batches were
  // written (0: never). The report then has interrupted set and no counts checked.
  size_t test_stop_after_batches = 0;
};

// One copied table's row counts.
struct TableCount {
  std::string table;
  int64_t source = 0;    // rows in SQLite (the snapshot)
  int64_t target = 0;    // rows in PostgreSQL after the copy
  int64_t existing = 0;  // rows a previous, interrupted run had copied
};

struct MigrateReport {
  int64_t sqlite_schema_version = 0;
  bool resumed = false;            // the target held an interrupted copy of this source
  bool interrupted = false;        // test_stop_after_batches stopped the copy (counts not checked)
  std::vector<TableCount> tables;  // every copied table, by name
  // Documented decisions, one line each: tables not copied ("name: why") and
  // target columns SQLite lacks, left to PostgreSQL's default ("table.column").
  std::vector<std::string> not_copied;
  std::vector<std::string> defaulted_columns;

  // Every table has as many rows in PostgreSQL as in SQLite.
  bool Verified() const {
    if (interrupted) return false;
    for (const auto& t : tables)
      if (t.source != t.target) return false;
    return true;
  }
};

// Copies `options.sqlite_path` into `options.conninfo` (see DESIGN). Returns
// the report, which says whether the counts match (Verified()); errors:
//  - NotFound: no file at sqlite_path.
//  - InvalidArgument: not a guestpass SQLite store, or its schema version is
//    not the newest this build knows (run `guestpass serve` on it once; or it
//    is newer than this build).
//  - AlreadyExists: the target has rows that are not an interrupted copy of
//    this source (nothing was written).
//  - Unimplemented: a table or column in one store only that is not a listed
//    decision, or a primary key of a type the copy cannot order.
//  - Unavailable / Internal: PostgreSQL or SQLite failed (the target may hold
//    part of the copy: run again to resume), or a value does not fit its
//    PostgreSQL column.
core::Result<MigrateReport> CopySqliteToPostgres(const MigrateOptions& options);

}  // namespace guestpass::store::migrate
