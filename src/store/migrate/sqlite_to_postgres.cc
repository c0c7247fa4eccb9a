// sqlite_to_postgres.cc: the copy of `guestpass migrate-store`: both schemas
// read from their catalogs, planned table by table, checked, copied in
// batches and counted (see the header's DESIGN).
#include "store/migrate/sqlite_to_postgres.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string_view>

#include "store/postgres/pg_connection.h"
#include "store/postgres/postgres_store.h"
#include "store/postgres/session_listener.h"
#include "store/sqlite/connection.h"
#include "store/sqlite/migrations.h"

namespace guestpass::store::migrate {

using core::ErrorCode;
using core::Result;
using core::Status;

namespace {

// ---- Decisions ----

struct NotCopied {
  const char* table;
  const char* why;
};

// Tables of one store only that are deliberately not copied, with the
// reason (printed by the command). Any other table found in one store only
// stops the copy: add it here, or to the other store's schema.
constexpr NotCopied kNotCopied[] = {
    {"schema_migrations",
     "each store's own record of its migrations; the target's was written by its own (PostgreSQL) migrations"},
    {"limit_buckets", "the abuse limits servers share on PostgreSQL (pg_limits.h); SQLite keeps them in process"},
    {"limit_guesses", "the abuse limits servers share on PostgreSQL (pg_limits.h); SQLite keeps them in process"},
};

// Tables whose rows the schema's own migrations write (one row each side,
// the same key): a fresh target holds them already, so they are copied
// whole, replacing the target's, and never count as an interrupted copy
// or as foreign rows.
constexpr const char* kSeededByMigrations[] = {
    "config_version",  // the configuration version servers poll (Store::ConfigVersion)
};

bool IsSeededByMigrations(const std::string& table) {
  for (const char* t : kSeededByMigrations)
    if (table == t) return true;
  return false;
}

const NotCopied* FindNotCopied(const std::string& table) {
  for (const auto& n : kNotCopied)
    if (table == n.table) return &n;
  return nullptr;
}

// A long table's copy says how far it got every this many batches (50,000
// rows at the default batch size).
constexpr size_t kBatchesPerProgressLine = 50;

// ---- Helpers ----

// "name" quoted as an SQL identifier (both SQLite and PostgreSQL).
std::string Quote(std::string_view name) {
  std::string out = "\"";
  for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string Hex(const uint8_t* p, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[p[i] >> 4];
    out[2 * i + 1] = kDigits[p[i] & 15];
  }
  return out;
}

// A statement of a dynamic SQL text on the SQLite connection (the
// Connection's cache is for string literals only).
using SqliteStatement = std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)>;

Result<SqliteStatement> PrepareSqlite(sqlite::Connection& db, const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v2(db.raw(), sql.c_str(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return db.Error(rc, "prepare " + sql);
  return SqliteStatement(stmt, &sqlite3_finalize);
}

std::string SqliteText(sqlite3_stmt* st, int col) {
  const auto* p = sqlite3_column_text(st, col);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(st, col)))
           : std::string();
}

// ---- Schemas ----

// How a value is converted for its PostgreSQL column.
enum class Kind {
  kBytes,   // bytea: a BLOB (or TEXT's bytes), sent in hex and decoded
  kText,    // text, varchar, char: TEXT (or a BLOB's bytes; PostgreSQL checks the encoding)
  kInt,     // smallint, integer, bigint: INTEGER
  kBool,    // boolean: INTEGER, 0 false, anything else true
  kNumber,  // real, double precision, numeric: INTEGER, REAL or TEXT in its text form
  kOther,   // any other type: the value's text form, parsed by PostgreSQL
};

Kind KindOf(const std::string& regtype) {
  if (regtype == "bytea") return Kind::kBytes;
  if (regtype == "text" || regtype == "character varying" || regtype == "character" || regtype == "name")
    return Kind::kText;
  if (regtype == "smallint" || regtype == "integer" || regtype == "bigint") return Kind::kInt;
  if (regtype == "boolean") return Kind::kBool;
  if (regtype == "real" || regtype == "double precision" || regtype == "numeric") return Kind::kNumber;
  return Kind::kOther;
}

struct PgColumn {
  std::string name;
  std::string regtype;  // e.g. "bigint"
  std::string type;     // with modifiers, for casts: e.g. "character varying(20)"
  Kind kind = Kind::kOther;
  bool not_null = false;
  bool has_default = false;  // a DEFAULT or an identity
  bool identity_always = false;
  bool generated = false;  // GENERATED ALWAYS AS (...) STORED: never written
  int pk_position = 0;     // 1-based position in the primary key; 0 if not in it
  std::string sequence;    // its identity or serial sequence, "" if none
};

struct PgTable {
  std::string name;
  std::vector<PgColumn> columns;
};

// The base tables of the target's schema (current_schema(), where the store
// created them: the search_path's first), with their columns. Partitions
// are left to their parent. A column's place in the primary key counts from
// 1 (indkey, an int2vector, is subscripted from 0).
Result<std::map<std::string, PgTable>> ReadPgSchema(postgres::Connection& db) {
  auto rows = db.Query(
      "SELECT c.relname::text, a.attname::text, a.atttypid::regtype::text, format_type(a.atttypid, a.atttypmod),"
      "       a.attnotnull, a.atthasdef OR a.attidentity <> '', a.attidentity = 'a', a.attgenerated <> '',"
      "       COALESCE(array_position(i.indkey::int2[], a.attnum) - array_lower(i.indkey::int2[], 1) + 1, 0)::bigint,"
      "       COALESCE(pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname), '')"
      "  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
      "  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
      "  LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary"
      " WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
      " ORDER BY c.relname, a.attnum");
  if (!rows.ok()) return rows.status();
  std::map<std::string, PgTable> tables;
  for (int r = 0; r < rows->size(); ++r) {
    PgTable& t = tables[rows->Text(r, 0)];
    t.name = rows->Text(r, 0);
    PgColumn c;
    c.name = rows->Text(r, 1);
    c.regtype = rows->Text(r, 2);
    c.type = rows->Text(r, 3);
    c.kind = KindOf(c.regtype);
    c.not_null = rows->Bool(r, 4);
    c.has_default = rows->Bool(r, 5);
    c.identity_always = rows->Bool(r, 6);
    c.generated = rows->Bool(r, 7);
    c.pk_position = static_cast<int>(rows->Int(r, 8));
    c.sequence = rows->Text(r, 9);
    t.columns.push_back(std::move(c));
  }
  return tables;
}

// SQLite's tables (SQLite's own, sqlite_*, are not data) and their columns.
Result<std::map<std::string, std::set<std::string>>> ReadSqliteSchema(sqlite::Connection& db) {
  std::map<std::string, std::set<std::string>> tables;
  auto st = PrepareSqlite(db,
                          "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p"
                          " WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'");
  if (!st.ok()) return st.status();
  int rc;
  while ((rc = sqlite3_step(st->get())) == SQLITE_ROW)
    tables[SqliteText(st->get(), 0)].insert(SqliteText(st->get(), 1));
  if (rc != SQLITE_DONE) return db.Error(rc, "read the SQLite schema");
  return tables;
}

// ---- Values ----

// A key value as both databases compare it (bytea/BLOB bytewise, text/TEXT
// bytewise: "C" and SQLite's BINARY, integers numerically).
struct KeyValue {
  int type = SQLITE_NULL;  // SQLITE_BLOB, SQLITE_TEXT or SQLITE_INTEGER
  std::string bytes;
  int64_t number = 0;
};

void BindKey(sqlite3_stmt* st, int index, const KeyValue& v) {
  switch (v.type) {
    case SQLITE_BLOB:
      sqlite3_bind_blob(st, index, v.bytes.data(), static_cast<int>(v.bytes.size()), SQLITE_TRANSIENT);
      break;
    case SQLITE_TEXT:
      sqlite3_bind_text(st, index, v.bytes.data(), static_cast<int>(v.bytes.size()), SQLITE_TRANSIENT);
      break;
    case SQLITE_INTEGER:
      sqlite3_bind_int64(st, index, v.number);
      break;
    default:
      sqlite3_bind_null(st, index);
  }
}

KeyValue SqliteKey(sqlite3_stmt* st, int col) {
  KeyValue v;
  v.type = sqlite3_column_type(st, col);
  if (v.type == SQLITE_INTEGER) {
    v.number = sqlite3_column_int64(st, col);
  } else if (v.type == SQLITE_BLOB || v.type == SQLITE_TEXT) {
    const void* p = v.type == SQLITE_BLOB ? sqlite3_column_blob(st, col) : sqlite3_column_text(st, col);
    v.bytes.assign(static_cast<const char*>(p ? p : ""), static_cast<size_t>(sqlite3_column_bytes(st, col)));
  }
  return v;
}

KeyValue PgKey(const postgres::Rows& rows, int col, Kind kind) {
  KeyValue v;
  if (rows.IsNull(0, col)) return v;
  switch (kind) {
    case Kind::kBytes: {
      auto b = rows.Bytes(0, col);
      v.type = SQLITE_BLOB;
      v.bytes.assign(reinterpret_cast<const char*>(b.data()), b.size());
      break;
    }
    case Kind::kText:
      v.type = SQLITE_TEXT;
      v.bytes = rows.Text(0, col);
      break;
    default:  // kInt, kBool (the plan allows no other key kind)
      v.type = SQLITE_INTEGER;
      v.number = rows.Int(0, col);
  }
  return v;
}

const char* SqliteTypeName(int type) {
  switch (type) {
    case SQLITE_INTEGER:
      return "INTEGER";
    case SQLITE_FLOAT:
      return "REAL";
    case SQLITE_TEXT:
      return "TEXT";
    case SQLITE_BLOB:
      return "BLOB";
  }
  return "NULL";
}

// The SQLite value of column `col` as the text PostgreSQL's insert parses
// for a column of `kind` (nullopt: NULL); false when it cannot be one.
bool ToPgText(sqlite3_stmt* st, int col, Kind kind, std::optional<std::string>* out) {
  const int type = sqlite3_column_type(st, col);
  if (type == SQLITE_NULL) {
    out->reset();
    return true;
  }
  auto bytes = [&] {
    const void* p = type == SQLITE_BLOB ? sqlite3_column_blob(st, col) : sqlite3_column_text(st, col);
    return std::string(static_cast<const char*>(p ? p : ""), static_cast<size_t>(sqlite3_column_bytes(st, col)));
  };
  switch (kind) {
    case Kind::kBytes: {
      if (type != SQLITE_BLOB && type != SQLITE_TEXT) return false;
      const std::string b = bytes();
      *out = Hex(reinterpret_cast<const uint8_t*>(b.data()), b.size());
      return true;
    }
    case Kind::kInt:
      if (type != SQLITE_INTEGER) return false;
      *out = std::to_string(sqlite3_column_int64(st, col));
      return true;
    case Kind::kBool:
      if (type != SQLITE_INTEGER) return false;
      *out = sqlite3_column_int64(st, col) != 0 ? "t" : "f";
      return true;
    case Kind::kNumber:
      if (type == SQLITE_BLOB) return false;
      if (type == SQLITE_FLOAT) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.17g", sqlite3_column_double(st, col));
        *out = buf;
      } else {
        *out = bytes();  // INTEGER or TEXT: SQLite's text form
      }
      return true;
    case Kind::kText:
    case Kind::kOther:
      *out = type == SQLITE_FLOAT || type == SQLITE_INTEGER ? SqliteText(st, col) : bytes();
      return true;
  }
  return false;
}

// ---- The plan of one table ----

struct TablePlan {
  std::string name;
  std::vector<PgColumn> columns;  // copied, in the target's order
  std::vector<size_t> key;        // indexes into columns, in primary-key order; empty: no primary key
  // SQL, built once: prepared statements on the PostgreSQL connection are
  // keyed by the text's address, so these strings must not move.
  std::string pg_count;
  std::string pg_max_key;
  std::string pg_insert;
  std::vector<std::string> pg_set_sequences;
  std::string sqlite_count;
  std::string sqlite_count_to_key;  // rows with key <= ?
  std::string sqlite_has_key;
  std::string sqlite_select_first;  // key order; LIMIT ?
  std::string sqlite_select_from;   // key >= ?, key order; LIMIT ?
  std::string sqlite_select_after;  // key > ?, key order; LIMIT ?
  std::string sqlite_select_all;    // no primary key: every row
  // Copied whole, replacing what the target holds: no primary key, or rows
  // the migrations seed (kSeededByMigrations).
  bool replaced = false;
  // State.
  int64_t source = 0;
  int64_t existing = 0;
  std::optional<std::vector<KeyValue>> resume_from;  // the target's largest key
};

std::string JoinColumns(const TablePlan& t, const std::vector<size_t>& indexes, const char* separator,
                        const char* suffix = "") {
  std::string out;
  for (size_t i = 0; i < indexes.size(); ++i) out += (i ? separator : "") + Quote(t.columns[indexes[i]].name) + suffix;
  return out;
}

void BuildSql(TablePlan& t) {
  const std::string table = Quote(t.name);
  std::vector<size_t> all(t.columns.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  const std::string columns = JoinColumns(t, all, ", ");
  t.pg_count = "SELECT COUNT(*) FROM " + table;
  t.sqlite_count = t.pg_count;
  t.sqlite_select_all = "SELECT " + columns + " FROM " + table;

  // INSERT ... SELECT FROM unnest($1::text[], ...): every value as text,
  // converted by the column's type (bytea from hex).
  std::string values, params;
  bool identity_always = false;
  for (size_t i = 0; i < t.columns.size(); ++i) {
    const PgColumn& c = t.columns[i];
    const std::string v = "s.v" + std::to_string(i);
    values += (i ? ", " : "") + (c.kind == Kind::kBytes ? "decode(" + v + ", 'hex')" : v + "::" + c.type);
    params += (i ? ", $" : "$") + std::to_string(i + 1) + "::text[]";
    identity_always = identity_always || c.identity_always;
  }
  std::string aliases;
  for (size_t i = 0; i < t.columns.size(); ++i) aliases += (i ? ", v" : "v") + std::to_string(i);
  t.pg_insert = "INSERT INTO " + table + " (" + columns + ")" + (identity_always ? " OVERRIDING SYSTEM VALUE" : "") +
                " SELECT " + values + " FROM unnest(" + params + ") AS s(" + aliases + ")";
  if (!t.key.empty()) {
    std::string updates;
    for (size_t i = 0; i < t.columns.size(); ++i) {
      if (std::find(t.key.begin(), t.key.end(), i) != t.key.end()) continue;
      const std::string c = Quote(t.columns[i].name);
      updates += (updates.empty() ? "" : ", ") + c + " = EXCLUDED." + c;
    }
    t.pg_insert += " ON CONFLICT (" + JoinColumns(t, t.key, ", ") + ") DO " +
                   (updates.empty() ? std::string("NOTHING") : "UPDATE SET " + updates);
  }
  for (const PgColumn& c : t.columns) {
    if (c.sequence.empty()) continue;
    const std::string col = Quote(c.name);
    t.pg_set_sequences.push_back("SELECT setval($1::regclass, COALESCE(MAX(" + col + "), 1), MAX(" + col +
                                 ") IS NOT NULL) FROM " + table);
  }
  if (t.key.empty()) return;

  // Keyset order. PostgreSQL's text keys compare as "C" (bytewise, as
  // SQLite's BINARY); bytea and integers compare alike in both.
  std::string desc, placeholders, equal;
  for (size_t i = 0; i < t.key.size(); ++i) {
    const PgColumn& c = t.columns[t.key[i]];
    desc += (i ? ", " : "") + Quote(c.name) + (c.kind == Kind::kText ? " COLLATE \"C\"" : "") + " DESC";
    placeholders += i ? ", ?" : "?";
    equal += (i ? " AND " : "") + Quote(c.name) + " = ?";
  }
  const std::string key = JoinColumns(t, t.key, ", ");
  t.pg_max_key = "SELECT " + key + " FROM " + table + " ORDER BY " + desc + " LIMIT 1";
  const std::string row_key = "(" + key + ")", row_value = "(" + placeholders + ")";
  t.sqlite_count_to_key = "SELECT COUNT(*) FROM " + table + " WHERE " + row_key + " <= " + row_value;
  t.sqlite_has_key = "SELECT 1 FROM " + table + " WHERE " + equal;
  const std::string order = " ORDER BY " + key + " LIMIT ?";
  t.sqlite_select_first = t.sqlite_select_all + order;
  t.sqlite_select_from = t.sqlite_select_all + " WHERE " + row_key + " >= " + row_value + order;
  t.sqlite_select_after = t.sqlite_select_all + " WHERE " + row_key + " > " + row_value + order;
}

// ---- The copy ----

class Copier {
 public:
  Copier(const MigrateOptions& options, sqlite::Connection& source, postgres::Connection& target)
      : options_(options), source_(source), target_(target) {}

  void Progress(const std::string& line) {
    if (options_.progress) options_.progress(line);
  }

  // The tables to copy, the documented skips, or an error naming every
  // table and column that is in one store only without a decision.
  Status Plan(const std::map<std::string, PgTable>& pg, const std::map<std::string, std::set<std::string>>& sqlite,
              MigrateReport& report) {
    std::vector<std::string> problems;
    for (const auto& [name, columns] : sqlite) {
      if (pg.count(name)) continue;
      if (const NotCopied* n = FindNotCopied(name))
        report.not_copied.push_back(name + " (SQLite): " + n->why);
      else
        problems.push_back("table " + name + " is in the SQLite store but not in PostgreSQL");
    }
    for (const auto& [name, table] : pg) {
      if (const NotCopied* n = FindNotCopied(name)) {
        report.not_copied.push_back(name + ": " + n->why);
        continue;
      }
      auto in_sqlite = sqlite.find(name);
      if (in_sqlite == sqlite.end()) {
        problems.push_back("table " + name + " is in PostgreSQL but not in the SQLite store");
        continue;
      }
      TablePlan plan;
      plan.name = name;
      std::set<std::string> left = in_sqlite->second;
      std::vector<std::pair<int, std::string>> key;
      for (const PgColumn& c : table.columns) {
        if (c.generated) {  // PostgreSQL computes it (from the columns copied)
          left.erase(c.name);
          continue;
        }
        if (!left.erase(c.name)) {
          if (c.has_default || !c.not_null)
            report.defaulted_columns.push_back(name + "." + c.name);
          else
            problems.push_back("column " + name + "." + c.name + " (NOT NULL, no default) is not in the SQLite store");
          if (c.pk_position > 0)
            problems.push_back("primary key column " + name + "." + c.name + " is not in the SQLite store");
          continue;
        }
        if (c.pk_position > 0) {
          if (c.kind != Kind::kBytes && c.kind != Kind::kText && c.kind != Kind::kInt && c.kind != Kind::kBool)
            problems.push_back("primary key column " + name + "." + c.name + " is of type " + c.regtype +
                               ", which migrate-store cannot order as SQLite does");
          key.emplace_back(c.pk_position, c.name);
        }
        plan.columns.push_back(c);
      }
      for (const auto& column : left)
        problems.push_back("column " + name + "." + column + " is in the SQLite store but not in PostgreSQL");
      std::sort(key.begin(), key.end());
      for (const auto& [position, column] : key)
        for (size_t i = 0; i < plan.columns.size(); ++i)
          if (plan.columns[i].name == column) plan.key.push_back(i);
      plan.replaced = plan.key.empty() || IsSeededByMigrations(plan.name);
      plans_.push_back(std::move(plan));
    }
    if (!problems.empty()) {
      std::string message = "the two schemas differ, and migrate-store has no rule for:";
      for (const auto& p : problems) message += "\n  - " + p;
      message += "\n(a guestpass whose SQLite and PostgreSQL stores have the same tables is needed)";
      return Status::Unimplemented(ErrorCode::kNone, message);
    }
    for (auto& plan : plans_) BuildSql(plan);
    return Status::Ok();
  }

  // Counts the source, and finds what the target holds already: nothing, an
  // interrupted copy of this source (resume points), or foreign rows.
  Status Inspect(MigrateReport& report) {
    std::vector<std::string> foreign;
    for (TablePlan& t : plans_) {
      auto source = SqliteCount(t.sqlite_count, nullptr);
      if (!source.ok()) return source.status();
      t.source = *source;
      auto rows = target_.Query(t.pg_count.c_str());
      if (!rows.ok()) return rows.status();
      t.existing = rows->Int(0, 0);
      if (t.existing == 0 || t.replaced) continue;  // replaced by the copy
      report.resumed = true;
      auto last = target_.Query(t.pg_max_key.c_str());
      if (!last.ok()) return last.status();
      std::vector<KeyValue> key;
      for (size_t i = 0; i < t.key.size(); ++i)
        key.push_back(PgKey(*last, static_cast<int>(i), t.columns[t.key[i]].kind));
      // An interrupted copy holds SQLite's first rows in key order, its last
      // one among them; anything else came from elsewhere.
      auto has_key = SqliteCount(t.sqlite_has_key, &key);
      if (!has_key.ok()) return has_key.status();
      auto up_to_key = SqliteCount(t.sqlite_count_to_key, &key);
      if (!up_to_key.ok()) return up_to_key.status();
      if (*has_key == 0 || *up_to_key != t.existing) {
        foreign.push_back(t.name + " (" + std::to_string(t.existing) + " rows)");
        continue;
      }
      t.resume_from = std::move(key);
    }
    if (!foreign.empty()) {
      std::string list;
      for (const auto& f : foreign) list += (list.empty() ? "" : ", ") + f;
      return Status::AlreadyExists(
          ErrorCode::kNone,
          "the PostgreSQL database is not empty: " + list +
              " hold rows that are not an interrupted copy of this SQLite store (was `guestpass serve` started on "
              "it, or did the SQLite store change since the copy began?). migrate-store copies into an empty database "
              "(createdb NAME), and resumes only its own copy; nothing was written");
    }
    return Status::Ok();
  }

  // Copies every table; false in *stopped when the test hook stopped it.
  Status CopyAll(bool* stopped) {
    for (TablePlan& t : plans_) {
      Progress("copying " + t.name + ": " + std::to_string(t.source) + " rows" +
               (t.existing == 0 ? ""
                : t.replaced    ? " (replacing the " + std::to_string(t.existing) + " there)"
                                : " (" + std::to_string(t.existing) + " already there)"));
      Status s = t.replaced ? CopyReplacing(t) : CopyByKey(t);
      if (!s.ok() || stopped_) {
        *stopped = stopped_;
        return s;
      }
    }
    *stopped = false;
    return Status::Ok();
  }

  // Moves identity and serial sequences past the copied values (the store's
  // inserts take their next value), and gathers the planner's statistics.
  Status Finish() {
    for (TablePlan& t : plans_) {
      size_t n = 0;
      for (const PgColumn& c : t.columns) {
        if (c.sequence.empty()) continue;
        postgres::Params p;
        p.Text(c.sequence);
        if (Status s = target_.Exec(t.pg_set_sequences[n++].c_str(), p); !s.ok()) return s;
      }
      if (Status s = target_.ExecScript("ANALYZE " + Quote(t.name)); !s.ok()) return s;
    }
    return Status::Ok();
  }

  Status Count(MigrateReport& report) {
    for (TablePlan& t : plans_) {
      auto rows = target_.Query(t.pg_count.c_str());
      if (!rows.ok()) return rows.status();
      report.tables.push_back({t.name, t.source, rows->Int(0, 0), t.replaced ? 0 : t.existing});
    }
    return Status::Ok();
  }

 private:
  // A COUNT(*) (or SELECT 1) on SQLite, `key` bound to its placeholders.
  Result<int64_t> SqliteCount(const std::string& sql, const std::vector<KeyValue>* key) {
    auto st = PrepareSqlite(source_, sql);
    if (!st.ok()) return st.status();
    if (key)
      for (size_t i = 0; i < key->size(); ++i) BindKey(st->get(), static_cast<int>(i + 1), (*key)[i]);
    const int rc = sqlite3_step(st->get());
    if (rc == SQLITE_DONE) return 0;
    if (rc != SQLITE_ROW) return source_.Error(rc, sql);
    return sqlite3_column_int64(st->get(), 0);
  }

  // Reads the rows of `st` (stepped from its start) into one batch of at most
  // `limit` rows, column by column; the last row's key in *last.
  Result<size_t> ReadBatch(const TablePlan& t, sqlite3_stmt* st, size_t limit,
                           std::vector<std::vector<std::optional<std::string>>>& batch, std::vector<KeyValue>* last) {
    for (auto& column : batch) column.clear();
    size_t n = 0;
    int rc = SQLITE_ROW;
    while (n < limit && (rc = sqlite3_step(st)) == SQLITE_ROW) {
      for (size_t c = 0; c < t.columns.size(); ++c) {
        std::optional<std::string> value;
        if (!ToPgText(st, static_cast<int>(c), t.columns[c].kind, &value))
          return Status::Internal("table " + t.name + ", column " + t.columns[c].name + ": a " +
                                  SqliteTypeName(sqlite3_column_type(st, static_cast<int>(c))) +
                                  " value, which a PostgreSQL column of type " + t.columns[c].regtype + " cannot take");
        batch[c].push_back(std::move(value));
      }
      if (last) {
        last->clear();
        for (size_t k : t.key) last->push_back(SqliteKey(st, static_cast<int>(k)));
      }
      ++n;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return source_.Error(rc, "read " + t.name);
    return n;
  }

  Status Insert(const TablePlan& t, const std::vector<std::vector<std::optional<std::string>>>& batch) {
    postgres::Params p;
    for (const auto& column : batch) {
      std::vector<std::optional<std::string_view>> values;
      values.reserve(column.size());
      for (const auto& v : column) values.push_back(v ? std::optional<std::string_view>(*v) : std::nullopt);
      p.TextArray(values);
    }
    Status s = target_.Exec(t.pg_insert.c_str(), p);
    if (!s.ok()) return Status::Make(s.code(), s.error_code(), "copy " + t.name + ": " + s.message());
    return Status::Ok();
  }

  // Counts a written batch toward the test hook; true when it says stop.
  bool Stop() {
    ++batches_;
    stopped_ = options_.test_stop_after_batches > 0 && batches_ >= options_.test_stop_after_batches;
    return stopped_;
  }

  // A table with a primary key: batches in key order from the start or from
  // the target's largest key, one INSERT (a transaction) each.
  Status CopyByKey(TablePlan& t) {
    std::vector<std::vector<std::optional<std::string>>> batch(t.columns.size());
    std::vector<KeyValue> last;
    const std::string* sql = t.resume_from ? &t.sqlite_select_from : &t.sqlite_select_first;
    std::vector<KeyValue> from = t.resume_from.value_or(std::vector<KeyValue>{});
    const int64_t limit = static_cast<int64_t>(options_.batch_rows);
    int64_t done = t.existing;  // rows in the target; a resumed first batch starts with the last of them
    bool boundary = t.resume_from.has_value();
    for (size_t batches = 1;; ++batches) {
      auto st = PrepareSqlite(source_, *sql);
      if (!st.ok()) return st.status();
      for (size_t i = 0; i < from.size(); ++i) BindKey(st->get(), static_cast<int>(i + 1), from[i]);
      sqlite3_bind_int64(st->get(), static_cast<int>(from.size() + 1), limit);
      auto n = ReadBatch(t, st->get(), options_.batch_rows, batch, &last);
      if (!n.ok()) return n.status();
      if (*n == 0) return Status::Ok();
      if (Status s = Insert(t, batch); !s.ok()) return s;
      done += static_cast<int64_t>(*n) - (boundary ? 1 : 0);
      boundary = false;
      if (batches % kBatchesPerProgressLine == 0)
        Progress("  " + t.name + ": " + std::to_string(done) + " of " + std::to_string(t.source) + " rows");
      if (Stop()) return Status::Ok();
      if (*n < options_.batch_rows) return Status::Ok();
      from = last;
      sql = &t.sqlite_select_after;
    }
  }

  // A table without a primary key cannot be resumed row by row: it is
  // emptied and copied whole in one transaction.
  Status CopyReplacing(TablePlan& t) {
    if (Status s = target_.ExecScript("BEGIN; DELETE FROM " + Quote(t.name)); !s.ok()) return s;
    auto st = PrepareSqlite(source_, t.sqlite_select_all);
    Status s = st.status();
    std::vector<std::vector<std::optional<std::string>>> batch(t.columns.size());
    while (s.ok()) {
      auto n = ReadBatch(t, st->get(), options_.batch_rows, batch, nullptr);
      if (!n.ok()) s = n.status();
      if (!s.ok() || *n == 0) break;
      s = Insert(t, batch);
      if (*n < options_.batch_rows) break;  // stepping past the end would start over
    }
    if (s.ok()) s = target_.ExecScript("COMMIT");
    if (!s.ok()) {
      if (!target_.broken()) (void)target_.ExecScript("ROLLBACK");
      return s;
    }
    (void)Stop();
    return Status::Ok();
  }

  const MigrateOptions& options_;
  sqlite::Connection& source_;
  postgres::Connection& target_;
  std::vector<TablePlan> plans_;  // never resized once planned (see TablePlan)
  size_t batches_ = 0;
  bool stopped_ = false;
};

// The SQLite store's schema version, which must be this build's newest.
Result<int64_t> CheckSqliteVersion(sqlite::Connection& db, const std::string& path) {
  const int64_t known = static_cast<int64_t>(std::size(sqlite::kMigrations));
  auto st = PrepareSqlite(db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  if (!st.ok())
    return Status::InvalidArgument(ErrorCode::kInvalidParameter,
                                   path + " is not a guestpass SQLite store (" + st.status().message() + ")");
  if (int rc = sqlite3_step(st->get()); rc != SQLITE_ROW) return db.Error(rc, "read the schema version");
  const int64_t version = sqlite3_column_int64(st->get(), 0);
  if (version < known)
    return Status::InvalidArgument(
        ErrorCode::kInvalidParameter,
        "the SQLite store " + path + " is at schema version " + std::to_string(version) +
            "; this guestpass copies version " + std::to_string(known) +
            ". Start `guestpass serve --data-dir DIR` (this version) on it once: it migrates at "
            "start. Stop it, then run migrate-store again");
  if (version > known)
    return Status::InvalidArgument(ErrorCode::kInvalidParameter,
                                   "the SQLite store " + path + " is at schema version " + std::to_string(version) +
                                       ", newer than this guestpass (" + std::to_string(known) +
                                       "): run the migrate-store of the guestpass that migrated it");
  return version;
}

}  // namespace

Result<MigrateReport> CopySqliteToPostgres(const MigrateOptions& options) {
  if (!std::filesystem::exists(options.sqlite_path))
    return Status::NotFound(ErrorCode::kNone, "no guestpass database at " + options.sqlite_path);
  MigrateReport report;

  // One read transaction from here to the end: every read sees one snapshot.
  auto source = sqlite::Connection::Open(options.sqlite_path, /*read_only=*/true);
  if (!source.ok()) return source.status();
  if (Status s = (*source)->Exec("BEGIN"); !s.ok()) return s;
  auto version = CheckSqliteVersion(**source, options.sqlite_path);
  if (!version.ok()) return version.status();
  report.sqlite_schema_version = *version;
  auto sqlite_schema = ReadSqliteSchema(**source);
  if (!sqlite_schema.ok()) return sqlite_schema.status();

  // The target's schema as the PostgreSQL store makes it (its migrations;
  // a database newer than this build is refused there).
  {
    postgres::PostgresOptions pg_options;
    pg_options.conninfo = options.conninfo;
    pg_options.schema = options.schema;
    pg_options.timeout = options.timeout;
    pg_options.readers = 1;
    pg_options.writers = 1;
    pg_options.session_cache = 0;  // opened to migrate the schema only: no LISTEN connection
    auto opened = postgres::PostgresStore::Open(std::move(pg_options));
    if (!opened.ok()) return opened.status();
  }
  auto target = postgres::Connection::Open({options.conninfo, options.schema, options.timeout});
  if (!target.ok()) return target.status();
  auto pg_schema = ReadPgSchema(**target);
  if (!pg_schema.ok()) return pg_schema.status();

  MigrateOptions checked = options;
  checked.batch_rows = std::max<size_t>(1, options.batch_rows);
  Copier copier(checked, **source, **target);
  if (Status s = copier.Plan(*pg_schema, *sqlite_schema, report); !s.ok()) return s;
  if (Status s = copier.Inspect(report); !s.ok()) return s;
  if (report.resumed) copier.Progress("resuming: the PostgreSQL database holds an interrupted copy of this store");
  bool stopped = false;
  if (Status s = copier.CopyAll(&stopped); !s.ok()) return s;
  if (stopped) {
    report.interrupted = true;
    return report;
  }
  if (Status s = copier.Finish(); !s.ok()) return s;
  // Rows written behind the stores' backs: servers already running on this
  // database drop every cached session (postgres/session_listener.h).
  (void)(*target)->ExecScript("NOTIFY " + postgres::SessionListener::ChannelFor(options.schema) + ", '" +
                              std::string(postgres::SessionListener::kEveryone) + "'");
  if (Status s = copier.Count(report); !s.ok()) return s;
  (void)(*source)->Exec("COMMIT");
  return report;
}

}  // namespace guestpass::store::migrate
