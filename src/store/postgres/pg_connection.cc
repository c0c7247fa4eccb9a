// pg_connection.cc: libpq connecting, prepared statements, pipelines and
// deadlines (non-blocking sockets and poll), and error mapping.
#include "store/postgres/pg_connection.h"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

namespace guestpass::store::postgres {

using core::ErrorCode;
using core::Status;
using Clock = std::chrono::steady_clock;

namespace {
// Type OIDs (catalog/pg_type_d.h, which libpq-dev does not ship).
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kTextOid = 25;
constexpr Oid kBoolArrayOid = 1000;
constexpr Oid kByteaArrayOid = 1001;
constexpr Oid kTextArrayOid = 1009;
constexpr Oid kInt8ArrayOid = 1016;

void AppendBigEndian32(std::string& out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>(v >> (8 * i)));
}

std::string BigEndian64(int64_t value) {
  std::string be(8, '\0');
  for (int i = 0; i < 8; ++i) be[i] = static_cast<char>(static_cast<uint64_t>(value) >> (8 * (7 - i)));
  return be;
}

uint64_t BigEndian(const char* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

std::string TrimmedError(const char* message) {
  std::string s = message != nullptr ? message : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// Waits until `fd` is ready for `events` or the deadline passes; returns
// the ready events, 0 on timeout, -1 on error.
int Wait(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return 0;
    pollfd p{fd, events, 0};
    const int rc = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 60'000)));
    if (rc > 0) return p.revents;
    if (rc < 0 && errno != EINTR) return -1;
  }
}
}  // namespace

// ---- Params ----

Params& Params::Add(Oid type, std::string value, bool null) {
  types_.push_back(type);
  values_.push_back(std::move(value));
  nulls_.push_back(null);
  return *this;
}

Params& Params::Id(const core::ObjectId& id) {
  return Add(kByteaOid, std::string(reinterpret_cast<const char*>(id.bytes().data()), id.bytes().size()));
}
Params& Params::Bytes(std::span<const uint8_t> bytes) {
  return Add(kByteaOid, std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}
Params& Params::Text(std::string_view text) { return Add(kTextOid, std::string(text)); }
Params& Params::Int(int64_t value) { return Add(kInt8Oid, BigEndian64(value)); }
Params& Params::Bool(bool value) { return Add(kBoolOid, std::string(1, value ? '\1' : '\0')); }
Params& Params::NullText() { return Add(kTextOid, "", true); }
Params& Params::NullBytes() { return Add(kByteaOid, "", true); }
Params& Params::NullBool() { return Add(kBoolOid, "", true); }

Params& Params::AddArray(Oid array_type, Oid element_type,
                         const std::vector<std::optional<std::string_view>>& elements) {
  std::string out;
  size_t bytes = 20;
  bool nulls = false;
  for (const auto& e : elements) {
    bytes += 4 + (e ? e->size() : 0);
    nulls = nulls || !e;
  }
  out.reserve(bytes);
  AppendBigEndian32(out, 1);  // dimensions
  AppendBigEndian32(out, nulls ? 1 : 0);
  AppendBigEndian32(out, element_type);
  AppendBigEndian32(out, static_cast<uint32_t>(elements.size()));
  AppendBigEndian32(out, 1);  // lower bound
  for (const auto& e : elements) {
    if (!e) {
      AppendBigEndian32(out, 0xffffffffu);  // -1: NULL
      continue;
    }
    AppendBigEndian32(out, static_cast<uint32_t>(e->size()));
    out.append(e->data(), e->size());
  }
  return Add(array_type, std::move(out));
}

Params& Params::IdArray(const std::vector<core::ObjectId>& ids) {
  std::vector<std::optional<std::string_view>> elements;
  elements.reserve(ids.size());
  for (const auto& id : ids)
    elements.emplace_back(std::string_view(reinterpret_cast<const char*>(id.bytes().data()), id.bytes().size()));
  return AddArray(kByteaArrayOid, kByteaOid, elements);
}

Params& Params::BytesArray(const std::vector<std::span<const uint8_t>>& values) {
  std::vector<std::optional<std::string_view>> elements;
  elements.reserve(values.size());
  for (const auto& v : values)
    elements.emplace_back(std::string_view(reinterpret_cast<const char*>(v.data()), v.size()));
  return AddArray(kByteaArrayOid, kByteaOid, elements);
}

Params& Params::TextArray(const std::vector<std::optional<std::string_view>>& values) {
  return AddArray(kTextArrayOid, kTextOid, values);
}

Params& Params::IntArray(const std::vector<int64_t>& values) {
  std::vector<std::string> storage;
  storage.reserve(values.size());
  std::vector<std::optional<std::string_view>> elements;
  elements.reserve(values.size());
  for (int64_t v : values) elements.emplace_back(storage.emplace_back(BigEndian64(v)));
  return AddArray(kInt8ArrayOid, kInt8Oid, elements);
}

Params& Params::BoolArray(const std::vector<bool>& values) {
  static const char kTrue = 1, kFalse = 0;
  std::vector<std::optional<std::string_view>> elements;
  elements.reserve(values.size());
  for (bool v : values) elements.emplace_back(std::string_view(v ? &kTrue : &kFalse, 1));
  return AddArray(kBoolArrayOid, kBoolOid, elements);
}

void Params::Pointers(std::vector<const char*>& values, std::vector<int>& lengths, std::vector<int>& formats) const {
  values.clear();
  lengths.clear();
  formats.assign(values_.size(), 1);
  for (size_t i = 0; i < values_.size(); ++i) {
    values.push_back(nulls_[i] ? nullptr : values_[i].data());
    lengths.push_back(static_cast<int>(values_[i].size()));
  }
}

// ---- Rows ----

core::ObjectId Rows::Id(int row, int col) const {
  auto id = core::ObjectId::FromBytes(Bytes(row, col));
  return id ? *id : core::ObjectId();
}

std::span<const uint8_t> Rows::Bytes(int row, int col) const {
  if (IsNull(row, col)) return {};
  return {reinterpret_cast<const uint8_t*>(PQgetvalue(result_.get(), row, col)),
          static_cast<size_t>(PQgetlength(result_.get(), row, col))};
}

std::string Rows::Text(int row, int col) const {
  if (IsNull(row, col)) return {};
  return std::string(PQgetvalue(result_.get(), row, col), PQgetlength(result_.get(), row, col));
}

int64_t Rows::Int(int row, int col) const {
  if (IsNull(row, col)) return 0;
  const char* p = PQgetvalue(result_.get(), row, col);
  switch (PQftype(result_.get(), col)) {
    case kInt8Oid:
      return static_cast<int64_t>(BigEndian(p, 8));
    case kInt4Oid:
      return static_cast<int32_t>(BigEndian(p, 4));
    case kInt2Oid:
      return static_cast<int16_t>(BigEndian(p, 2));
    case kBoolOid:
      return p[0] != 0;
    default:
      return 0;
  }
}

bool Rows::Bool(int row, int col) const { return Int(row, col) != 0; }

int64_t Rows::Affected() const {
  const char* n = PQcmdTuples(result_.get());
  return n != nullptr && *n ? std::strtoll(n, nullptr, 10) : 0;
}

// ---- Connection ----

namespace {
std::vector<std::string> SplitCommas(const char* list) {
  std::vector<std::string> out;
  if (list == nullptr) return out;
  std::string_view rest = list;
  for (;;) {
    const size_t comma = rest.find(',');
    out.emplace_back(rest.substr(0, comma));
    if (comma == std::string_view::npos) return out;
    rest.remove_prefix(comma + 1);
  }
}

// One host of a conninfo: libpq keywords that override its lists.
struct HostOverride {
  std::vector<std::pair<const char*, std::string>> keywords;  // host, hostaddr, port
  std::string name;                                           // for messages
};

// The hosts of `parsed` (host=a,b or postgresql://a,b/...), one override
// each; empty when there is one host or none, or when the lists do not
// match (libpq then reports the mismatch itself).
std::vector<HostOverride> HostsOf(PQconninfoOption* parsed) {
  std::vector<std::string> hosts, hostaddrs, ports;
  for (PQconninfoOption* o = parsed; o->keyword != nullptr; ++o) {
    if (o->val == nullptr || *o->val == '\0') continue;
    if (std::strcmp(o->keyword, "host") == 0) hosts = SplitCommas(o->val);
    if (std::strcmp(o->keyword, "hostaddr") == 0) hostaddrs = SplitCommas(o->val);
    if (std::strcmp(o->keyword, "port") == 0) ports = SplitCommas(o->val);
  }
  const size_t n = std::max(hosts.size(), hostaddrs.size());
  if (n <= 1 || (!hosts.empty() && hosts.size() != n) || (!hostaddrs.empty() && hostaddrs.size() != n) ||
      (ports.size() > 1 && ports.size() != n))
    return {};
  std::vector<HostOverride> out(n);
  for (size_t i = 0; i < n; ++i) {
    HostOverride& h = out[i];
    if (!hosts.empty()) h.keywords.emplace_back("host", hosts[i]);
    if (!hostaddrs.empty()) h.keywords.emplace_back("hostaddr", hostaddrs[i]);
    if (!ports.empty()) h.keywords.emplace_back("port", ports.size() == 1 ? ports[0] : ports[i]);
    h.name = !hosts.empty() && !hosts[i].empty() ? hosts[i] : !hostaddrs.empty() ? hostaddrs[i] : "localhost";
    if (!ports.empty()) h.name += ":" + (ports.size() == 1 ? ports[0] : ports[i]);
  }
  return out;
}

// Starts a libpq connection to `conninfo` (with `host`'s overrides) and
// drives it until it is ready or `timeout` has passed. Null and *why on failure.
PGconn* ConnectOne(const std::string& conninfo, const HostOverride* host, std::chrono::milliseconds timeout,
                   std::string* why) {
  const auto deadline = Clock::now() + timeout;
  std::vector<const char*> keywords = {"fallback_application_name", "dbname"};
  std::vector<const char*> values = {"guestpass", conninfo.c_str()};
  if (host != nullptr) {
    // After dbname (the expanded conninfo): later keywords win.
    for (const auto& [keyword, value] : host->keywords) {
      keywords.push_back(keyword);
      values.push_back(value.c_str());
    }
  }
  keywords.push_back(nullptr);
  values.push_back(nullptr);
  PGconn* conn = PQconnectStartParams(keywords.data(), values.data(), /*expand_dbname=*/1);
  if (conn == nullptr) {
    *why = "out of memory";
    return nullptr;
  }
  auto fail = [&](std::string message) -> PGconn* {
    *why = std::move(message);
    PQfinish(conn);
    return nullptr;
  };
  if (PQstatus(conn) == CONNECTION_BAD) return fail(TrimmedError(PQerrorMessage(conn)));
  PostgresPollingStatusType state = PGRES_POLLING_WRITING;
  while (state != PGRES_POLLING_OK) {
    if (state == PGRES_POLLING_FAILED) return fail(TrimmedError(PQerrorMessage(conn)));
    // PQsocket changes when libpq moves on to another address of the host.
    const int ready = Wait(PQsocket(conn), state == PGRES_POLLING_READING ? POLLIN : POLLOUT, deadline);
    if (ready == 0) return fail("no answer within " + std::to_string(timeout.count()) + " ms");
    if (ready < 0) return fail(std::strerror(errno));
    state = PQconnectPoll(conn);
  }
  return conn;
}
}  // namespace

core::Result<std::unique_ptr<Connection>> Connection::Open(const ConnectionOptions& options) {
  char* parse_error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(options.conninfo.c_str(), &parse_error);
  if (parsed == nullptr) {
    std::string why = TrimmedError(parse_error);
    PQfreemem(parse_error);
    return Status::InvalidArgument(ErrorCode::kInvalidParameter, "invalid database connection string: " + why);
  }
  const std::vector<HostOverride> hosts = HostsOf(parsed);
  PQconninfoFree(parsed);

  // DESIGN: the hosts of a several-host string (a primary and its standbys)
  // are tried here, one libpq connection each, in their order, each within
  // the timeout. libpq would try them in turn itself, but it moves on only
  // from a host that fails: driven by PQconnectPoll it ignores
  // connect_timeout (the caller must time out), so a host that does not
  // answer at all (powered off, cut off: no reset) would take the whole
  // deadline and the next host, the promoted standby, would never be tried.
  // Each host's failure is kept for the message; a host that refuses costs
  // nothing, one that does not answer costs the timeout. The hosts are
  // tried in their order (libpq 16's load_balance_hosts=random is not
  // honoured: a primary is listed first anyway).
  PGconn* conn = nullptr;
  std::string failures;
  for (size_t i = 0; i < std::max<size_t>(1, hosts.size()) && conn == nullptr; ++i) {
    std::string why;
    conn = ConnectOne(options.conninfo, hosts.empty() ? nullptr : &hosts[i], options.timeout, &why);
    if (conn != nullptr) break;
    if (!failures.empty()) failures += "; ";
    failures += hosts.empty() ? why : hosts[i].name + ": " + why;
  }
  if (conn == nullptr) return Status::Unavailable("cannot connect to the database: " + failures);
  auto fail = [&](const std::string& why) -> Status {
    PQfinish(conn);
    return Status::Unavailable("cannot connect to the database: " + why);
  };
  if (PQsetnonblocking(conn, 1) != 0) return fail(TrimmedError(PQerrorMessage(conn)));
  // Server notices (NOTICE: drop cascades to ...) are not errors; libpq
  // would print them on stderr.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  std::unique_ptr<Connection> c(new Connection(conn, options.timeout));
  // The server gives up on a statement the client no longer waits for.
  // DESIGN: a second after the client has given up, not at the same time:
  // a COMMIT cancelled while it waits for a synchronous standby does not
  // fail, it reports success with a warning (committed locally only), and a
  // commit so acknowledged would be lost if that standby took over. With
  // the server's timeout later than ours, we have broken the connection
  // (503, nothing acknowledged) before such an answer can arrive.
  std::string setup = "SET statement_timeout = " + std::to_string(options.timeout.count() + 1000);
  if (!options.schema.empty()) {
    char* quoted = PQescapeIdentifier(conn, options.schema.c_str(), options.schema.size());
    if (quoted == nullptr) return Status::InvalidArgument(ErrorCode::kInvalidParameter, "invalid schema name");
    setup += std::string("; SET search_path = ") + quoted;
    PQfreemem(quoted);
  }
  if (Status s = c->ExecScript(setup); !s.ok()) return s;
  return c;
}

Connection::~Connection() { PQfinish(conn_); }

bool Connection::broken() const { return broken_ || PQstatus(conn_) != CONNECTION_OK; }

bool Connection::CheckIdle() {
  if (!broken_ && PQconsumeInput(conn_) == 0) broken_ = true;
  return !broken();
}

Status Connection::Broken(std::string why) {
  broken_ = true;
  return Status::Unavailable("the database connection failed: " + why);
}

Status Connection::Flush(Clock::time_point deadline) {
  for (;;) {
    const int rc = PQflush(conn_);
    if (rc == 0) return Status::Ok();
    if (rc < 0) return Broken(TrimmedError(PQerrorMessage(conn_)));
    // Read what the server sends meanwhile, or both sides could wait on full buffers.
    const int ready = Wait(PQsocket(conn_), POLLIN | POLLOUT, deadline);
    if (ready == 0) return Broken("no answer within " + std::to_string(timeout_.count()) + " ms");
    if (ready < 0) return Broken(std::strerror(errno));
    if ((ready & POLLIN) && PQconsumeInput(conn_) == 0) return Broken(TrimmedError(PQerrorMessage(conn_)));
  }
}

Status Connection::AwaitResult(Clock::time_point deadline) {
  while (PQisBusy(conn_)) {
    const int ready = Wait(PQsocket(conn_), POLLIN, deadline);
    if (ready == 0) return Broken("no answer within " + std::to_string(timeout_.count()) + " ms");
    if (ready < 0) return Broken(std::strerror(errno));
    if (PQconsumeInput(conn_) == 0) return Broken(TrimmedError(PQerrorMessage(conn_)));
  }
  return Status::Ok();
}

Status Connection::ResultStatus(PGresult* result, std::string_view what) {
  if (result == nullptr) return Broken(TrimmedError(PQerrorMessage(conn_)));
  switch (PQresultStatus(result)) {
    case PGRES_COMMAND_OK:
    case PGRES_TUPLES_OK:
    case PGRES_PIPELINE_SYNC:
      return Status::Ok();
    case PGRES_PIPELINE_ABORTED:
      return Status::Internal("skipped after an earlier statement of its pipeline failed");
    default:
      break;
  }
  const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  sqlstate_ = state != nullptr ? state : "";
  const std::string message = std::string(what) + ": " + TrimmedError(PQresultErrorMessage(result));
  if (sqlstate_ == kUniqueViolation) return Status::AlreadyExists(ErrorCode::kInvalidParameter, message);
  const std::string_view s = sqlstate_;
  // The server or the link went away (08, 57P01-03), the server is a
  // standby now (25006: after a failover; reconnecting finds the primary),
  // or a transient condition: statement timeout (57014), deadlock or
  // serialization failure (40), lock timeout (55P03), resources (53).
  if (s.starts_with("08") || s.starts_with("57P") || s == "25006") {
    broken_ = true;
    return Status::Unavailable(message);
  }
  if (s == "57014" || s.starts_with("40") || s == "55P03" || s.starts_with("53") || sqlstate_.empty())
    return Status::Unavailable(message);
  return Status::Internal(message);
}

Status Connection::ReadOne(Clock::time_point deadline, PGresult** out) {
  Status first;
  bool any = false;
  for (;;) {
    if (Status s = AwaitResult(deadline); !s.ok()) return s;
    PGresult* r = PQgetResult(conn_);
    if (r == nullptr) break;
    any = true;
    if (Status s = ResultStatus(r, "statement"); !s.ok() && first.ok()) first = s;
    const bool sync = PQresultStatus(r) == PGRES_PIPELINE_SYNC;
    if (out != nullptr) {
      if (*out != nullptr) PQclear(*out);
      *out = r;
    } else {
      PQclear(r);
    }
    if (sync) break;  // a pipeline's sync point has no terminating null
  }
  if (!any) return Broken(TrimmedError(PQerrorMessage(conn_)));
  return first;
}

core::Result<const std::string*> Connection::Prepared(const char* sql, const Params& params) {
  auto it = prepared_.find(sql);
  if (it != prepared_.end()) return &it->second;
  std::string name = "gp" + std::to_string(prepared_.size());
  const auto deadline = Clock::now() + timeout_;
  if (!PQsendPrepare(conn_, name.c_str(), sql, params.size(), params.types()))
    return Broken(TrimmedError(PQerrorMessage(conn_)));
  if (Status s = Flush(deadline); !s.ok()) return s;
  if (Status s = ReadOne(deadline, nullptr); !s.ok())
    return Status::Make(s.code(), s.error_code(), s.message() + " (prepare: " + sql + ")");
  return &prepared_.emplace(sql, std::move(name)).first->second;
}

core::Result<Rows> Connection::Query(const char* sql, const Params& params) {
  sqlstate_.clear();
  if (broken()) return Status::Unavailable("the database connection is broken");
  auto name = Prepared(sql, params);
  if (!name.ok()) return name.status();
  std::vector<const char*> values;
  std::vector<int> lengths, formats;
  params.Pointers(values, lengths, formats);
  const auto deadline = Clock::now() + timeout_;
  if (!PQsendQueryPrepared(conn_, (*name)->c_str(), params.size(), values.data(), lengths.data(), formats.data(),
                           /*resultFormat=*/1))
    return Broken(TrimmedError(PQerrorMessage(conn_)));
  if (Status s = Flush(deadline); !s.ok()) return s;
  PGresult* result = nullptr;
  Status s = ReadOne(deadline, &result);
  Rows rows(result);
  if (!s.ok()) return s;
  return rows;
}

Status Connection::Exec(const char* sql, const Params& params) {
  auto rows = Query(sql, params);
  return rows.ok() ? Status::Ok() : rows.status();
}

Status Connection::ExecScript(const std::string& sql) {
  sqlstate_.clear();
  if (broken()) return Status::Unavailable("the database connection is broken");
  const auto deadline = Clock::now() + timeout_;
  if (!PQsendQuery(conn_, sql.c_str())) return Broken(TrimmedError(PQerrorMessage(conn_)));
  if (Status s = Flush(deadline); !s.ok()) return s;
  return ReadOne(deadline, nullptr);
}

Status Connection::Pipeline(const std::vector<Statement>& statements) {
  sqlstate_.clear();
  if (broken()) return Status::Unavailable("the database connection is broken");
  std::vector<const std::string*> names;
  names.reserve(statements.size());
  for (const Statement& st : statements) {
    auto name = Prepared(st.sql, *st.params);
    if (!name.ok()) return name.status();
    names.push_back(*name);
  }
  if (PQenterPipelineMode(conn_) != 1) return Broken(TrimmedError(PQerrorMessage(conn_)));
  const auto deadline = Clock::now() + timeout_;
  std::vector<const char*> values;
  std::vector<int> lengths, formats;
  for (size_t i = 0; i < statements.size(); ++i) {
    statements[i].params->Pointers(values, lengths, formats);
    if (!PQsendQueryPrepared(conn_, names[i]->c_str(), statements[i].params->size(), values.data(), lengths.data(),
                             formats.data(), /*resultFormat=*/1))
      return Broken(TrimmedError(PQerrorMessage(conn_)));
  }
  if (PQpipelineSync(conn_) != 1) return Broken(TrimmedError(PQerrorMessage(conn_)));
  if (Status s = Flush(deadline); !s.ok()) return s;
  Status first;
  std::string first_sqlstate;
  for (size_t i = 0; i <= statements.size(); ++i) {  // each statement, then the sync point
    Status s = ReadOne(deadline, nullptr);
    if (broken()) return s.ok() ? Broken("lost during a pipeline") : s;
    if (!s.ok() && first.ok()) {
      first = s;
      first_sqlstate = sqlstate_;
    }
  }
  sqlstate_ = first_sqlstate;
  if (PQexitPipelineMode(conn_) != 1) return Broken(TrimmedError(PQerrorMessage(conn_)));
  return first;
}

std::vector<core::Result<Rows>> Connection::Queries(const std::vector<Statement>& statements) {
  sqlstate_.clear();
  auto all = [&](const Status& s) {
    std::vector<core::Result<Rows>> failed;
    failed.reserve(statements.size());
    for (size_t i = 0; i < statements.size(); ++i) failed.emplace_back(s);
    return failed;
  };
  if (broken()) return all(Status::Unavailable("the database connection is broken"));
  std::vector<const std::string*> names;
  names.reserve(statements.size());
  for (const Statement& st : statements) {
    auto name = Prepared(st.sql, *st.params);
    if (!name.ok()) return all(name.status());
    names.push_back(*name);
  }
  if (PQenterPipelineMode(conn_) != 1) return all(Broken(TrimmedError(PQerrorMessage(conn_))));
  const auto deadline = Clock::now() + timeout_;
  std::vector<const char*> values;
  std::vector<int> lengths, formats;
  for (size_t i = 0; i < statements.size(); ++i) {
    statements[i].params->Pointers(values, lengths, formats);
    if (!PQsendQueryPrepared(conn_, names[i]->c_str(), statements[i].params->size(), values.data(), lengths.data(),
                             formats.data(), /*resultFormat=*/1) ||
        PQpipelineSync(conn_) != 1)
      return all(Broken(TrimmedError(PQerrorMessage(conn_))));
  }
  if (Status s = Flush(deadline); !s.ok()) return all(s);
  std::vector<core::Result<Rows>> out;
  out.reserve(statements.size());
  for (size_t i = 0; i < statements.size(); ++i) {
    PGresult* result = nullptr;
    Status s = ReadOne(deadline, &result);  // the statement's result
    Rows rows(result);
    if (broken()) return all(s.ok() ? Broken("lost during a pipeline") : s);
    if (Status sync = ReadOne(deadline, nullptr); !sync.ok() && broken()) return all(sync);  // its sync point
    if (s.ok())
      out.emplace_back(std::move(rows));
    else
      out.emplace_back(s);
  }
  if (PQexitPipelineMode(conn_) != 1) return all(Broken(TrimmedError(PQerrorMessage(conn_))));
  return out;
}

Status Connection::Sync() {
  sqlstate_.clear();
  if (broken()) return Status::Unavailable("the database connection is broken");
  if (PQenterPipelineMode(conn_) != 1) return Broken(TrimmedError(PQerrorMessage(conn_)));
  const auto deadline = Clock::now() + timeout_;
  if (PQpipelineSync(conn_) != 1) return Broken(TrimmedError(PQerrorMessage(conn_)));
  if (Status s = Flush(deadline); !s.ok()) return s;
  Status s = ReadOne(deadline, nullptr);  // the sync point
  if (broken()) return s.ok() ? Broken("lost during a sync") : s;
  if (PQexitPipelineMode(conn_) != 1) return Broken(TrimmedError(PQerrorMessage(conn_)));
  return s;
}

std::optional<Connection::Notification> Connection::TakeNotification() {
  PGnotify* n = PQnotifies(conn_);
  if (n == nullptr) return std::nullopt;
  Notification out{n->relname != nullptr ? n->relname : "", n->extra != nullptr ? n->extra : ""};
  PQfreemem(n);
  return out;
}

}  // namespace guestpass::store::postgres
