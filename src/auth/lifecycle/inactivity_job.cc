// inactivity_job.cc: deleting anonymous users that stopped being active.
#include "auth/lifecycle/inactivity_job.h"

#include <algorithm>
#include <chrono>

#include "log/logger.h"
#include "store/sync.h"

namespace guestpass::auth {

using core::Status;

std::optional<int64_t> InactivityCutoff(const core::AppSettings& settings, int64_t now) {
  if (settings.anonymous_inactive_days <= 0) return std::nullopt;
  return now - settings.anonymous_inactive_days * 86400 - core::kActivityResolutionSeconds;
}

core::Result<ExpireReport> ExpireInactiveUsers(store::Store& store, const core::App& app, int64_t now,
                                               const ExpireOptions& options) {
  ExpireReport report;
  const auto cutoff = InactivityCutoff(app.settings, now);
  if (!cutoff) return report;
  const core::Deletion why{now, options.actor,
                           "no activity for " + std::to_string(app.settings.anonymous_inactive_days) +
                               " days (the app's anonymous inactivity policy)"};
  for (;;) {
    auto deleted = store::Await<std::vector<core::ObjectId>>([&](auto done) {
      store.DeleteInactiveAnonymousUsers(app.id, *cutoff, options.batch_size, why, std::move(done));
    });
    if (!deleted.ok()) return deleted.status();
    if (deleted->empty()) break;
    report.deleted += static_cast<int64_t>(deleted->size());
    report.batches += 1;
    if (deleted->size() < options.batch_size || !options.keep_going()) break;
  }
  return report;
}

core::Result<int64_t> PurgeExpiredSessions(store::Store& store, int64_t now, store::Store::SessionKey* cursor,
                                           size_t max_scan, const std::function<bool()>& keep_going) {
  int64_t deleted = 0;
  size_t scanned = 0;
  while (scanned < max_scan) {
    const size_t limit = std::min(kPurgeScanSize, max_scan - scanned);
    auto step = store::Await<store::Store::PurgeProgress>(
        [&](auto done) { store.PurgeExpiredSessions(*cursor, limit, now, std::move(done)); });
    if (!step.ok()) return step.status();
    deleted += step->deleted;
    scanned += limit;
    *cursor = step->next;
    if (step->done) {
      *cursor = store::Store::SessionKey{};  // the end: the next pass starts over
      break;
    }
    if (!keep_going()) break;
  }
  return deleted;
}

core::Result<int64_t> PurgeAuditEvents(store::Store& store, int64_t before, const std::function<bool()>& keep_going) {
  int64_t deleted = 0;
  for (;;) {
    auto step = store::Await<int64_t>(
        [&](auto done) { store.PurgeAuditEvents(before, kAuditPurgeBatchSize, std::move(done)); });
    if (!step.ok()) return step.status();
    deleted += *step;
    if (*step < static_cast<int64_t>(kAuditPurgeBatchSize) || !keep_going()) return deleted;
  }
}

InactivityJob::InactivityJob(store::Store& store,
                             std::function<std::vector<std::shared_ptr<const core::App>>()> apps,
                             const core::Clock& clock, InactivityJobOptions options)
    : store_(store), apps_(std::move(apps)), clock_(clock), options_(std::move(options)) {}

InactivityJob::~InactivityJob() { Stop(); }

void InactivityJob::Start() {
  thread_ = std::thread([this] {
    const auto period = std::chrono::seconds(std::clamp<int64_t>(options_.interval_seconds, 1, 60));
    for (;;) {
      auto ran = Tick();
      if (!ran.ok()) log::Warn("inactivity job failed; will retry", {{"error", ran.status().ToString()}});
      std::unique_lock<std::mutex> lock(mu_);
      if (cv_.wait_for(lock, period, [&] { return stopping_; })) return;
    }
  });
}

void InactivityJob::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool InactivityJob::Stopping() {
  std::lock_guard<std::mutex> lock(mu_);
  return stopping_;
}

core::Result<int64_t> InactivityJob::Tick() {
  auto claim = [&] {
    return store::Await<bool>([&](auto done) {
      store_.ClaimJob(kJobName, options_.holder, clock_.NowSeconds(), options_.lease_seconds, std::move(done));
    });
  };
  auto claimed = claim();
  if (!claimed.ok()) return claimed.status();
  if (!*claimed) return int64_t{0};

  const auto started = std::chrono::steady_clock::now();
  bool lost_lease = false;
  ExpireOptions expire;
  expire.batch_size = options_.batch_size;
  expire.keep_going = [&] {
    if (Stopping()) return false;
    auto renewed = claim();  // renews our lease
    lost_lease = !renewed.ok() || !*renewed;
    return !lost_lease;
  };
  int64_t total = 0;
  Status failure;
  for (const auto& app : apps_()) {
    if (Stopping() || lost_lease) break;
    auto report = ExpireInactiveUsers(store_, *app, clock_.NowSeconds(), expire);
    if (!report.ok()) {
      failure = report.status();
      break;
    }
    total += report->deleted;
    if (report->deleted > 0) {
      log::Info("deleted inactive anonymous users",
                {{"app", app->client_app_id},
                 {"deleted", std::to_string(report->deleted)},
                 {"batches", std::to_string(report->batches)}});
    }
  }
  if (failure.ok() && !lost_lease && !Stopping()) {
    auto purged = PurgeExpiredSessions(store_, clock_.NowSeconds(), &purge_cursor_, options_.purge_scan_per_run,
                                       expire.keep_going);
    if (!purged.ok()) {
      failure = purged.status();
    } else if (*purged > 0) {
      log::Info("purged expired sessions", {{"sessions", std::to_string(*purged)}});
    }
  }
  if (failure.ok() && !lost_lease && !Stopping() && options_.audit_retention_days > 0) {
    const int64_t before = clock_.NowSeconds() - options_.audit_retention_days * 86400;
    auto purged = PurgeAuditEvents(store_, before, expire.keep_going);
    if (!purged.ok()) {
      failure = purged.status();
    } else if (*purged > 0) {
      log::Info("purged audit events past their retention",
                {{"events", std::to_string(*purged)}, {"retention_days", std::to_string(options_.audit_retention_days)}});
    }
  }
  if (lost_lease) {
    log::Warn("inactivity job lost its lease to another server; stopping this run");
    return total;
  }
  // Stopped or failed: due again at once, so the next start (or another
  // server) finishes the run. Done: due again after the interval.
  const bool complete = failure.ok() && !Stopping();
  const int64_t next = clock_.NowSeconds() + (complete ? options_.interval_seconds : 0);
  Status finished =
      store::AwaitStatus([&](auto done) { store_.FinishJob(kJobName, options_.holder, next, std::move(done)); });
  if (!failure.ok()) return failure;
  if (!finished.ok() && !finished.IsNotFound()) return finished;
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (total > 0)
    log::Info("inactivity job run finished", {{"deleted", std::to_string(total)}, {"seconds", std::to_string(secs)}});
  return total;
}

}  // namespace guestpass::auth
