// pg_limits.cc: see pg_limits.h.
#include "store/postgres/pg_limits.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <map>
#include <optional>
#include <set>

namespace guestpass::store::postgres {

using core::Status;

namespace {

// As http::RateLimiter: tokens within this of a whole one count as that one.
constexpr double kEpsilon = 1e-9;
constexpr double kSecondsPerHour = 3600;

// The takes of a batch, the takes of one key summed into `granted` (what a
// new, full bucket gives). A bucket is refilled to `A`, gives min(asked,
// whole tokens of A), keeps the rest; RETURNING tells what it gave and kept.
constexpr const char* kTakeSql = R"sql(
INSERT INTO limit_buckets AS b (key, tokens, updated, per_hour, burst, granted)
SELECT u.key, greatest(0, u.burst - u.granted), $5::text::float8, u.per_hour, u.burst, u.granted
FROM unnest($1::text[], $2::text[]::float8[], $3::text[]::float8[], $4::int8[]) AS u(key, per_hour, burst, granted)
ORDER BY u.key
ON CONFLICT (key) DO UPDATE SET
  tokens = greatest(0, least(excluded.burst, b.tokens + greatest(0, excluded.updated - b.updated) * excluded.per_hour / 3600)
                       - least(excluded.granted, floor(least(excluded.burst, b.tokens + greatest(0, excluded.updated - b.updated) * excluded.per_hour / 3600) + 1e-9))),
  updated = greatest(b.updated, excluded.updated),
  per_hour = excluded.per_hour,
  burst = excluded.burst,
  granted = least(excluded.granted, floor(least(excluded.burst, b.tokens + greatest(0, excluded.updated - b.updated) * excluded.per_hour / 3600) + 1e-9))
RETURNING key, granted, tokens)sql";

constexpr const char* kReadGuessesSql =
    "SELECT key, failures, last_failure, wait_until FROM limit_guesses WHERE key = ANY($1::text[])";

// Failures of a batch, those of one key summed (`failures`, and the wait a
// new row gets in `wait_until`). Failures older than forget_after are
// forgotten first; past free_failures each waits twice as long, capped.
constexpr const char* kFailSql = R"sql(
INSERT INTO limit_guesses AS g (key, failures, last_failure, wait_until, free_failures, max_wait, forget_after)
SELECT u.key, u.n, $7::text::float8, u.wait_until, u.free, u.max_wait, u.forget
FROM unnest($1::text[], $2::int8[], $3::int8[], $4::text[]::float8[], $5::text[]::float8[], $6::text[]::float8[])
  AS u(key, n, free, max_wait, forget, wait_until)
ORDER BY u.key
ON CONFLICT (key) DO UPDATE SET
  failures = CASE WHEN excluded.last_failure - g.last_failure > excluded.forget_after THEN 0 ELSE g.failures END + excluded.failures,
  last_failure = greatest(g.last_failure, excluded.last_failure),
  wait_until = CASE
    WHEN CASE WHEN excluded.last_failure - g.last_failure > excluded.forget_after THEN 0 ELSE g.failures END
         + excluded.failures > excluded.free_failures
      THEN excluded.last_failure + least(excluded.max_wait, power(2::float8, least(
        CASE WHEN excluded.last_failure - g.last_failure > excluded.forget_after THEN 0 ELSE g.failures END
        + excluded.failures - excluded.free_failures - 1, 40)))
    WHEN excluded.last_failure - g.last_failure > excluded.forget_after THEN 0
    ELSE g.wait_until END,
  free_failures = excluded.free_failures,
  max_wait = excluded.max_wait,
  forget_after = excluded.forget_after)sql";

constexpr const char* kForgetSql = "DELETE FROM limit_guesses WHERE key = ANY($1::text[])";

// SKIP LOCKED: rows another server is taking from or purging are left to it.
constexpr const char* kPurgeBucketsSql = R"sql(
DELETE FROM limit_buckets WHERE key IN (
  SELECT key FROM limit_buckets WHERE full_at <= $1::text::float8 ORDER BY full_at LIMIT $2 FOR UPDATE SKIP LOCKED))sql";
constexpr const char* kPurgeGuessesSql = R"sql(
DELETE FROM limit_guesses WHERE key IN (
  SELECT key FROM limit_guesses WHERE forget_at < $1::text::float8 ORDER BY forget_at LIMIT $2 FOR UPDATE SKIP LOCKED))sql";

std::string DoubleText(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  if (ec != std::errc()) return "0";
  return std::string(buf, end);
}

// A float8 of a binary result.
double Float8(const Rows& rows, int row, int col) {
  auto bytes = rows.Bytes(row, col);
  if (bytes.size() != 8) return 0;
  uint64_t v = 0;
  for (uint8_t b : bytes) v = v << 8 | b;
  return std::bit_cast<double>(v);
}

// Params::TextArray over owned strings.
std::vector<std::optional<std::string_view>> Views(const std::vector<std::string>& values) {
  return {values.begin(), values.end()};
}

// As http::RateLimiter::Take: the seconds until a bucket holding `tokens`
// has one token at `per_hour`.
int64_t RetryAfter(double tokens, double per_hour) {
  const double wait = (1 - tokens) * kSecondsPerHour / per_hour;
  const double whole = std::ceil(wait - kEpsilon);
  if (!(whole < 9.0e18)) return INT64_MAX;
  return std::max<int64_t>(1, static_cast<int64_t>(whole));
}

// The tokens a full bucket of `burst` gives to `asked` takes.
int64_t FullBucketGives(double burst, int64_t asked) {
  const double whole = std::floor(burst + kEpsilon);
  return whole >= static_cast<double>(asked) ? asked : static_cast<int64_t>(whole);
}

// As auth::GuessThrottle: the wait after the `failures`-th failure (0: none).
double FailureWait(int64_t failures, const GuessRule& rule) {
  const int64_t over = failures - rule.free_failures;
  if (over <= 0) return 0;
  return std::min(rule.max_wait_seconds, std::ldexp(1.0, static_cast<int>(std::min<int64_t>(over - 1, 40))));
}

Status Late() { return Status::Unavailable("the limits' database did not answer in time"); }

}  // namespace

core::Result<std::unique_ptr<PgLimitState>> PgLimitState::Open(PgLimitsOptions options) {
  auto db = Connection::Open({options.conninfo, options.schema, options.timeout});
  if (!db.ok()) return db.status();
  return std::unique_ptr<PgLimitState>(new PgLimitState(std::move(options), std::move(*db)));
}

PgLimitState::PgLimitState(PgLimitsOptions options, std::unique_ptr<Connection> db)
    : options_(std::move(options)), db_(std::move(db)) {
  thread_ = std::thread([this] { Loop(); });
}

PgLimitState::~PgLimitState() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

double PgLimitState::Now() const {
  if (options_.now_seconds) return options_.now_seconds();
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void PgLimitState::Enqueue(Op op) {
  op.deadline = Clock::now() + options_.timeout;
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(op));
  }
  cv_.notify_one();
}

void PgLimitState::Take(std::string key, BucketLimit limit, Callback<int64_t> done) {
  if (!(limit.per_hour > 0)) {  // also catches NaN
    done(int64_t{0});
    return;
  }
  limit.burst = std::max(1.0, limit.burst);
  Op op{.kind = Kind::kTake, .key = std::move(key), .limit = limit, .keys = {}, .done_value = std::move(done),
        .done_status = nullptr, .purge_limit = 0, .deadline = {}};
  Enqueue(std::move(op));
}

void PgLimitState::BeginGuess(std::vector<GuessKey> keys, Callback<int64_t> done) {
  if (keys.empty()) {
    done(int64_t{0});
    return;
  }
  Op op{.kind = Kind::kBegin, .key = {}, .limit = {}, .keys = std::move(keys), .done_value = std::move(done),
        .done_status = nullptr, .purge_limit = 0, .deadline = {}};
  Enqueue(std::move(op));
}

void PgLimitState::EndGuess(std::vector<GuessKey> keys, GuessOutcome outcome, StatusCallback done) {
  if (outcome == GuessOutcome::kSucceeded) {
    // Only the keys a success forgets are written; the others end now.
    std::vector<GuessKey> forget, kept;
    for (GuessKey& k : keys) (k.forget_on_success ? forget : kept).push_back(std::move(k));
    ReleaseInFlight(kept);
    keys = std::move(forget);
  }
  if (outcome == GuessOutcome::kNeither || keys.empty()) {
    ReleaseInFlight(keys);
    done(Status::Ok());
    return;
  }
  // The attempt stays in flight until its outcome is written, so a
  // concurrent Begin of this server cannot slip past a failure being counted.
  Op op{.kind = outcome == GuessOutcome::kFailed ? Kind::kFail : Kind::kForget, .key = {}, .limit = {},
        .keys = std::move(keys), .done_value = nullptr, .done_status = std::move(done), .purge_limit = 0,
        .deadline = {}};
  Enqueue(std::move(op));
}

void PgLimitState::ReleaseInFlight(const std::vector<GuessKey>& keys) {
  std::lock_guard lock(in_flight_mu_);
  for (const GuessKey& k : keys) {
    auto it = in_flight_.find(k.name);
    if (it != in_flight_.end() && --it->second <= 0) in_flight_.erase(it);
  }
}

size_t PgLimitState::Queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

size_t PgLimitState::InFlightKeys() const {
  std::lock_guard lock(in_flight_mu_);
  return in_flight_.size();
}

core::Result<int64_t> PgLimitState::PurgeNow(int64_t limit) {
  std::mutex m;
  std::condition_variable cv;
  std::optional<core::Result<int64_t>> out;
  Op op{.kind = Kind::kPurge, .key = {}, .limit = {}, .keys = {},
        .done_value =
            [&](core::Result<int64_t> r) {
              std::lock_guard lock(m);
              out.emplace(std::move(r));
              cv.notify_one();
            },
        .done_status = nullptr, .purge_limit = limit, .deadline = {}};
  Enqueue(std::move(op));
  std::unique_lock lock(m);
  cv.wait(lock, [&] { return out.has_value(); });
  return std::move(*out);
}

void PgLimitState::Loop() {
  std::vector<Op> batch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued is done
      const size_t n = std::min(queue_.size(), options_.max_batch);
      batch.clear();
      for (size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    RunBatch(batch, Now());
  }
}

void PgLimitState::RunBatch(std::vector<Op>& batch, double now) {
  auto fail = [this](Op& op, const Status& s) {
    if (op.kind == Kind::kFail || op.kind == Kind::kForget) ReleaseInFlight(op.keys);
    if (op.done_value) op.done_value(s);
    if (op.done_status) op.done_status(s);
  };
  // Calls that waited past their deadline fail without running.
  const auto started = Clock::now();
  std::erase_if(batch, [&](Op& op) {
    if (started <= op.deadline) return false;
    fail(op, Late());
    return true;
  });
  if (batch.empty()) return;

  if (db_ == nullptr || db_->broken()) {
    db_.reset();
    Status why = Status::Unavailable("the limits' database connection is broken; reconnecting");
    if (started - connect_failed_at_ >= kReconnectPause) {
      auto db = Connection::Open({options_.conninfo, options_.schema, options_.timeout});
      if (db.ok()) {
        db_ = std::move(*db);
      } else {
        connect_failed_at_ = Clock::now();
        why = db.status();
      }
    }
    if (db_ == nullptr) {
      for (Op& op : batch) fail(op, why);
      return;
    }
  }

  // The statements of the round trip and, for each, what completes its calls.
  std::vector<std::unique_ptr<Params>> params;
  std::vector<Statement> statements;
  std::vector<std::function<void(core::Result<Rows>&)>> finish;
  auto add = [&](const char* sql, std::unique_ptr<Params> p, std::function<void(core::Result<Rows>&)> f) {
    statements.push_back({sql, p.get()});
    params.push_back(std::move(p));
    finish.push_back(std::move(f));
  };
  const std::string now_text = DoubleText(now);

  // All takes: one statement, one row per key (sorted: no deadlocks).
  struct KeyTakes {
    BucketLimit limit;
    std::vector<Op*> ops;
  };
  auto takes = std::make_shared<std::map<std::string_view, KeyTakes>>();
  for (Op& op : batch) {
    if (op.kind != Kind::kTake) continue;
    KeyTakes& t = (*takes)[op.key];
    t.limit = op.limit;  // the latest call's limit
    t.ops.push_back(&op);
  }
  if (!takes->empty()) {
    std::vector<std::string> keys, per_hour, burst;
    std::vector<int64_t> granted;
    for (const auto& [key, t] : *takes) {
      keys.emplace_back(key);
      per_hour.push_back(DoubleText(t.limit.per_hour));
      burst.push_back(DoubleText(t.limit.burst));
      granted.push_back(FullBucketGives(t.limit.burst, static_cast<int64_t>(t.ops.size())));
    }
    auto p = std::make_unique<Params>();
    p->TextArray(Views(keys)).TextArray(Views(per_hour)).TextArray(Views(burst)).IntArray(granted).Text(now_text);
    added_since_purge_ += static_cast<int64_t>(keys.size());
    add(kTakeSql, std::move(p), [takes](core::Result<Rows>& rows) {
      std::unordered_map<std::string, std::pair<int64_t, double>> answer;  // key -> granted, tokens left
      if (rows.ok())
        for (int r = 0; r < rows->size(); ++r) answer[rows->Text(r, 0)] = {rows->Int(r, 1), Float8(*rows, r, 2)};
      for (auto& [key, t] : *takes) {
        auto it = answer.find(std::string(key));
        for (size_t i = 0; i < t.ops.size(); ++i) {
          Op& op = *t.ops[i];
          if (!rows.ok()) {
            op.done_value(rows.status());
          } else if (it == answer.end()) {
            op.done_value(Status::Internal("the limits' database returned no bucket for a take"));
          } else if (static_cast<int64_t>(i) < it->second.first) {
            op.done_value(int64_t{0});
          } else {
            op.done_value(RetryAfter(it->second.second, t.limit.per_hour));
          }
        }
      }
    });
  }

  // The guessing calls: runs of one kind, each run one statement, in order.
  for (size_t i = 0; i < batch.size();) {
    const Kind kind = batch[i].kind;
    if (kind == Kind::kTake || kind == Kind::kPurge) {
      ++i;
      continue;
    }
    auto run = std::make_shared<std::vector<Op*>>();
    size_t j = i;
    for (; j < batch.size() && (batch[j].kind == kind || batch[j].kind == Kind::kTake); ++j)
      if (batch[j].kind == kind) run->push_back(&batch[j]);
    i = j;
    auto p = std::make_unique<Params>();
    if (kind == Kind::kBegin) {
      std::set<std::string_view> names;
      for (Op* op : *run)
        for (const GuessKey& k : op->keys) names.insert(k.name);
      std::vector<std::string> keys(names.begin(), names.end());
      p->TextArray(Views(keys));
      add(kReadGuessesSql, std::move(p), [this, run, now](core::Result<Rows>& rows) {
        struct Row {
          int64_t failures = 0;
          double last_failure = 0, wait_until = 0;
        };
        std::unordered_map<std::string, Row> found;
        if (rows.ok())
          for (int r = 0; r < rows->size(); ++r)
            found[rows->Text(r, 0)] = {rows->Int(r, 1), Float8(*rows, r, 2), Float8(*rows, r, 3)};
        for (Op* op : *run) {
          if (!rows.ok()) {
            op->done_value(rows.status());
            continue;
          }
          // As GuessThrottle::RetryAfterLocked, with this server's attempts in flight.
          int64_t wait = 0;
          {
            std::lock_guard lock(in_flight_mu_);
            for (const GuessKey& k : op->keys) {
              Row e;
              if (auto it = found.find(k.name); it != found.end()) e = it->second;
              if (e.failures > 0 && now - e.last_failure > k.rule.forget_after_seconds) e = Row{};
              if (now < e.wait_until) {
                wait = std::max<int64_t>(wait, std::max<int64_t>(1, static_cast<int64_t>(std::ceil(e.wait_until - now))));
                continue;
              }
              const int64_t left = e.failures < k.rule.free_failures ? k.rule.free_failures - e.failures : 1;
              const int64_t allowed =
                  std::max<int64_t>(1, e.failures > 0 ? std::min(left, k.rule.max_in_flight) : left);
              auto in = in_flight_.find(k.name);
              if (in != in_flight_.end() && in->second >= allowed) wait = std::max<int64_t>(wait, 1);
            }
            if (wait == 0)
              for (const GuessKey& k : op->keys) ++in_flight_[k.name];
          }
          op->done_value(wait);
        }
      });
    } else if (kind == Kind::kFail) {
      struct KeyFailures {
        GuessRule rule;
        int64_t n = 0;
      };
      std::map<std::string_view, KeyFailures> by_key;
      for (Op* op : *run)
        for (const GuessKey& k : op->keys) {
          KeyFailures& f = by_key[k.name];
          f.rule = k.rule;
          ++f.n;
        }
      std::vector<std::string> keys, max_wait, forget, wait_until;
      std::vector<int64_t> n, free;
      for (const auto& [key, f] : by_key) {
        keys.emplace_back(key);
        n.push_back(f.n);
        free.push_back(f.rule.free_failures);
        max_wait.push_back(DoubleText(f.rule.max_wait_seconds));
        forget.push_back(DoubleText(f.rule.forget_after_seconds));
        const double wait = FailureWait(f.n, f.rule);
        wait_until.push_back(DoubleText(wait > 0 ? now + wait : 0));
      }
      added_since_purge_ += static_cast<int64_t>(keys.size());
      p->TextArray(Views(keys)).IntArray(n).IntArray(free).TextArray(Views(max_wait)).TextArray(Views(forget));
      p->TextArray(Views(wait_until)).Text(now_text);
      add(kFailSql, std::move(p), [this, run](core::Result<Rows>& rows) {
        for (Op* op : *run) {
          ReleaseInFlight(op->keys);
          op->done_status(rows.ok() ? Status::Ok() : rows.status());
        }
      });
    } else {  // kForget
      std::set<std::string_view> names;
      for (Op* op : *run)
        for (const GuessKey& k : op->keys) names.insert(k.name);
      std::vector<std::string> keys(names.begin(), names.end());
      p->TextArray(Views(keys));
      add(kForgetSql, std::move(p), [this, run](core::Result<Rows>& rows) {
        for (Op* op : *run) {
          ReleaseInFlight(op->keys);
          op->done_status(rows.ok() ? Status::Ok() : rows.status());
        }
      });
    }
  }

  // Purges: asked for (tests), or due. Twice what may have been added since
  // the last one, so deletion keeps ahead of a flood of new keys.
  std::vector<Op*> purges;
  for (Op& op : batch)
    if (op.kind == Kind::kPurge) purges.push_back(&op);
  const bool due = now - last_purge_ >= options_.purge_interval_seconds || now < last_purge_;
  if (!purges.empty() || due) {
    int64_t limit = 2 * added_since_purge_ + options_.purge_min;
    for (Op* op : purges) limit = std::max(limit, op->purge_limit);
    auto deleted = std::make_shared<int64_t>(0);
    auto failed = std::make_shared<Status>();
    for (const char* sql : {kPurgeBucketsSql, kPurgeGuessesSql}) {
      auto p = std::make_unique<Params>();
      p->Text(now_text).Int(limit);
      const bool last = sql == kPurgeGuessesSql;
      add(sql, std::move(p), [this, purges, deleted, failed, last](core::Result<Rows>& rows) {
        if (rows.ok())
          *deleted += rows->Affected();
        else
          *failed = rows.status();
        if (!last) return;
        if (failed->ok()) added_since_purge_ = 0;
        for (Op* op : purges) {
          if (failed->ok())
            op->done_value(*deleted);
          else
            op->done_value(*failed);
        }
      });
    }
    last_purge_ = now;
  }

  auto results = db_->Queries(statements);
  for (size_t k = 0; k < finish.size(); ++k) finish[k](results[k]);
}

}  // namespace guestpass::store::postgres
